#!/usr/bin/env python3
"""Generates the wire model of crate `stepwise-api` from the Image Builder service model, and
the tables of the other crates that follow the served operations.

The model is read from the botocore package installed for the python running this script
(`botocore/data/imagebuilder/2019-12-02/service-2.json[.gz]`). Only names, types, constraints
and HTTP bindings are used; no documentation text is carried over.

Writes (rustfmt-formatted, deterministic):
  crates/api/src/model.rs       one struct per structure shape, plus `enums`
  crates/api/src/schema.rs      constraint table for the input validator
  crates/api/src/operations.rs  every operation of the model: `OperationId`, the `OPERATIONS`
                                table (routing, bindings, properties, whether Stepwise serves
                                it) and the `served_operations!` dispatch macro
  crates/store/src/kinds.rs     `ResourceKind`, from `RESOURCE_KINDS`
  crates/token/src/opcode.rs    `OpCode`, the pagination token codes, from `TOKEN_OPERATIONS`

Constraints (schema.rs) cover the shapes of every operation of the model, served or not, so
the table's `input`/`output` are never missing; the typed structs (model.rs) only the shapes of
the served operations: their serde derives are what a build pays for (see `main`).

The lists below (`OPERATIONS`, `RESOURCE_KINDS`, `TOKEN_OPERATIONS`) are checked against the
model, so a misspelt entry fails generation rather than the build.

Usage: gen_model.py [--out-root DIR]   (default: the repository; each file is written at its
path above under DIR)
"""

import argparse
import gzip
import json
import os
import re
import subprocess
import sys

import botocore

# The operations Stepwise serves. Serving one more is one entry here plus one handler
# function named after it in snake case (`served_operations!` lists both for the server).
OPERATIONS = [
    "CreateWorkflow",
    "GetWorkflow",
    "ListWorkflows",
    "ListWorkflowBuildVersions",
    "DeleteWorkflow",
    "CreateImageRecipe",
    "GetImageRecipe",
    "ListImageRecipes",
    "DeleteImageRecipe",
    "CreateInfrastructureConfiguration",
    "UpdateInfrastructureConfiguration",
    "GetInfrastructureConfiguration",
    "ListInfrastructureConfigurations",
    "DeleteInfrastructureConfiguration",
    "CreateDistributionConfiguration",
    "UpdateDistributionConfiguration",
    "GetDistributionConfiguration",
    "ListDistributionConfigurations",
    "DeleteDistributionConfiguration",
    "CreateImage",
    "GetImage",
    "ListImages",
    "ListImageBuildVersions",
    "DeleteImage",
    "CancelImageCreation",
    "RetryImage",
    "ListWorkflowExecutions",
    "GetWorkflowExecution",
    "ListWorkflowStepExecutions",
    "GetWorkflowStepExecution",
    "ListWaitingWorkflowSteps",
    "SendWorkflowStepAction",
    "TagResource",
    "UntagResource",
    "ListTagsForResource",
    "CreateComponent",
    "ImportComponent",
    "GetComponent",
    "ListComponents",
    "ListComponentBuildVersions",
    "DeleteComponent",
    "CreateImagePipeline",
    "UpdateImagePipeline",
    "GetImagePipeline",
    "ListImagePipelines",
    "DeleteImagePipeline",
    "StartImagePipelineExecution",
    "ListImagePipelineImages",
]

# The kinds of resource document the store keeps (`stepwise_store::ResourceKind`), as
# (variant, name, status pointer, tags pointer). The name is the kind's key in the store
# (persisted: never rename one) and the resource type of its ARNs in the model; the status
# pointer, when set, is the JSON pointer to the status of a body of that kind, which the store
# then indexes; the tags pointer is where a body keeps the resource's tags, which only the
# tagging operations change once it is stored.
RESOURCE_KINDS = [
    ("Workflow", "workflow", None, "/tags"),
    ("ImageRecipe", "image-recipe", None, "/tags"),
    ("InfrastructureConfiguration", "infrastructure-configuration", None, "/tags"),
    ("DistributionConfiguration", "distribution-configuration", None, "/tags"),
    ("Image", "image", "/image/state/status", "/image/tags"),
    ("Component", "component", None, "/tags"),
    ("ImagePipeline", "image-pipeline", "/status", "/tags"),
]

# The paginated operations and their pagination token codes (`stepwise_token::OpCode`), as
# (operation, code, doc). A code is on the wire inside live tokens: never change or reuse one;
# a new list operation takes the next free code. Every served paginated operation needs one.
TOKEN_OPERATIONS = [
    ("ListWorkflowStepExecutions", 1, None),
    ("ListWorkflowExecutions", 2, None),
    ("ListWaitingWorkflowSteps", 3, None),
    ("ListWorkflows", 4, None),
    ("ListWorkflowBuildVersions", 5, None),
    ("ListImageRecipes", 6, None),
    ("ListInfrastructureConfigurations", 7, None),
    ("ListDistributionConfigurations", 8, None),
    ("ListImageBuildVersions", 9, None),
    ("ListImages", 10,
     "Not in pagination spec §2.4, which predates ListImages: Stepwise's own code."),
    ("ListComponents", 11, "Stepwise's own code, after the spec's."),
    ("ListComponentBuildVersions", 12, "Stepwise's own code, after the spec's."),
    ("ListImagePipelines", 13, "Stepwise's own code, after the spec's."),
    ("ListImagePipelineImages", 14, "Stepwise's own code, after the spec's."),
]

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

RUST_KEYWORDS = {
    "as", "async", "await", "break", "const", "continue", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "static", "struct", "trait", "true", "type", "unsafe", "use",
    "where", "while", "abstract", "become", "box", "do", "final", "gen", "macro", "override",
    "priv", "try", "typeof", "unsized", "virtual", "yield",
}
NON_RAW_KEYWORDS = {"self", "Self", "super", "crate"}


def load_model():
    base = os.path.join(
        os.path.dirname(botocore.__file__), "data", "imagebuilder", "2019-12-02", "service-2.json"
    )
    if os.path.exists(base + ".gz"):
        with gzip.open(base + ".gz", "rt", encoding="utf-8") as f:
            return json.load(f)
    with open(base, encoding="utf-8") as f:
        return json.load(f)


def children(shape):
    out = []
    for k in ("member", "key", "value"):
        if k in shape:
            out.append(shape[k]["shape"])
    for m in shape.get("members", {}).values():
        out.append(m["shape"])
    return out


def reachable(model, operations):
    """Every shape reachable from the inputs and outputs of `operations`, sorted by name."""
    shapes = model["shapes"]
    seen = set()
    stack = []
    for name in sorted(operations):
        op = model["operations"][name]
        for k in ("input", "output"):
            if k in op:
                stack.append(op[k]["shape"])
    while stack:
        n = stack.pop()
        if n in seen:
            continue
        seen.add(n)
        stack.extend(children(shapes[n]))
    return sorted(seen)


def snake(name):
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", s)
    return s.lower()


def field_name(member):
    s = snake(member)
    if s in NON_RAW_KEYWORDS:
        return s + "_"
    if s in RUST_KEYWORDS:
        return "r#" + s
    return s


def upper(name):
    return snake(name).upper()


def rust_str(s):
    """A Rust string literal for `s` (raw when it contains backslashes or quotes)."""
    if "\\" in s or '"' in s:
        hashes = "#"
        while ('"' + hashes) in s:
            hashes += "#"
        return "r" + hashes + '"' + s + '"' + hashes
    return '"' + s + '"'


def rust_type(shapes, name):
    s = shapes[name]
    t = s["type"]
    if t == "structure":
        return name
    if t == "string":
        return "String"
    if t == "integer":
        return "i32"
    if t == "long":
        return "i64"
    if t == "boolean":
        return "bool"
    if t in ("double", "float"):
        return "f64"
    if t == "timestamp":
        return "String"
    if t == "list":
        return "Vec<%s>" % rust_type(shapes, s["member"]["shape"])
    if t == "map":
        key = shapes[s["key"]["shape"]]
        if key["type"] != "string":
            raise SystemExit("map %s has a non-string key" % name)
        # In the order given: a stored map (tags) is answered in the order it was sent.
        return "indexmap::IndexMap<String, %s>" % rust_type(shapes, s["value"]["shape"])
    raise SystemExit("shape %s has unsupported type %s" % (name, t))


# ---------------------------------------------------------------------------------------
# Patterns: the model's regexes are Java-flavoured and are matched against the whole value.
# The Rust `regex` crate has no lookaround and its \w \s \d are Unicode-wide, so each pattern
# is rewritten once here; a leading negative lookahead on a literal becomes a prefix check.

LOOKAHEAD_PREFIX = re.compile(r"^\^\(\?!([A-Za-z0-9:_\-/ ]+)\)")
JAVA_CLASSES = {
    "w": ("a-zA-Z0-9_", "[a-zA-Z0-9_]"),
    "d": ("0-9", "[0-9]"),
    "s": (r" \t\n\x0B\f\r", r"[ \t\n\x0B\f\r]"),
}


def translate_pattern(pattern):
    forbidden_prefix = None
    body = pattern
    m = LOOKAHEAD_PREFIX.match(body)
    if m:
        forbidden_prefix = m.group(1)
        body = "^" + body[m.end():]
    if re.search(r"\(\?<?[=!]", body):
        raise SystemExit("unsupported lookaround in pattern %r" % pattern)
    out = []
    in_class = False
    i = 0
    while i < len(body):
        c = body[i]
        if c == "\\":
            n = body[i + 1]
            if n in JAVA_CLASSES:
                out.append(JAVA_CLASSES[n][0 if in_class else 1])
            elif n in "WDS":
                raise SystemExit("unsupported class \\%s in pattern %r" % (n, pattern))
            elif n == "/":
                out.append("/")
            else:
                out.append(c + n)
            i += 2
            continue
        if c == "[":
            if in_class:
                raise SystemExit("nested class in pattern %r" % pattern)
            in_class = True
            out.append(c)
            i += 1
            # A ']' right after '[' or '[^' is a literal in Java.
            if body[i] == "^":
                out.append("^")
                i += 1
            if body[i] == "]":
                out.append("\\]")
                i += 1
            continue
        if c == "]" and in_class:
            in_class = False
        out.append(c)
        i += 1
    if in_class:
        raise SystemExit("unterminated class in pattern %r" % pattern)
    return "^(?:" + "".join(out) + ")$", forbidden_prefix


# ---------------------------------------------------------------------------------------


def header(version):
    return "// @generated by codegen/gen_model.py from botocore %s. Do not edit.\n" % version


def gen_model(model, names, version):
    shapes = model["shapes"]
    out = [header(version)]
    out.append(
        "//! Request and response shapes of the served operations: one struct per structure\n"
        "//! shape of the service model, every member optional, named as on the wire.\n\n"
    )
    for name in names:
        s = shapes[name]
        if s["type"] != "structure":
            continue
        out.append(
            "#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]\n"
        )
        out.append("pub struct %s {\n" % name)
        fields = set()
        for member, spec in s["members"].items():
            fname = field_name(member)
            if fname in fields:
                raise SystemExit("duplicate field %s in %s" % (fname, name))
            fields.add(fname)
            out.append(
                '#[serde(rename = "%s", default, skip_serializing_if = "Option::is_none")]\n'
                % member
            )
            out.append("pub %s: Option<%s>,\n" % (fname, rust_type(shapes, spec["shape"])))
        out.append("}\n\n")
    out.extend(member_impls(model))
    out.append("/// The allowed values of every enum string shape, in model order.\n")
    out.append("pub mod enums {\n")
    for name in names:
        s = shapes[name]
        if s["type"] == "string" and "enum" in s:
            values = ", ".join(rust_str(v) for v in s["enum"])
            out.append("pub const %s: &[&str] = &[%s];\n" % (upper(name), values))
    out.append("}\n")
    return "".join(out)


# The members generic handler code reads from any served operation's input, by name and
# type: (trait in crate::members, its methods as (method, member, shape type)).
MEMBER_TRAITS = [
    ("Idempotent", [("client_token", "clientToken", "string")]),
    ("Named", [("name", "name", "string")]),
    ("Paged", [("max_results", "maxResults", "integer"), ("next_token", "nextToken", "string")]),
    ("Filtered", [("filters", "filters", "list")]),
]


def member_impls(model):
    """`impl crate::members::X for Request` for every served operation's input that has
    the members trait X reads."""
    shapes = model["shapes"]
    out = []
    for op in OPERATIONS:
        name = model["operations"][op]["input"]["shape"]
        members = shapes[name]["members"]
        for trait, methods in MEMBER_TRAITS:
            if not all(m in members and shapes[members[m]["shape"]]["type"] == t
                       for _, m, t in methods):
                continue
            out.append("impl crate::members::%s for %s {\n" % (trait, name))
            for method, member, t in methods:
                field = field_name(member)
                if t == "string":
                    out.append("fn %s(&self) -> Option<&str> { self.%s.as_deref() }\n"
                               % (method, field))
                elif t == "integer":
                    out.append("fn %s(&self) -> Option<i32> { self.%s }\n" % (method, field))
                else:
                    item = rust_type(shapes, shapes[members[member]["shape"]]["member"]["shape"])
                    out.append("type Filter = %s;\n" % item)
                    out.append("fn %s(&self) -> &[%s] { self.%s.as_deref().unwrap_or_default() }\n"
                               % (method, item, field))
            out.append("}\n\n")
    return out


SCHEMA_PRELUDE = """
//! The constraints of every shape reachable from the model's operations, as static data
//! for the input validator. Shapes refer to each other by reference; [`shape`] finds one
//! by name.

/// Inclusive bounds; `None` = unbounded. Lengths for strings, lists and maps; values for numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub min: Option<i64>,
    pub max: Option<i64>,
}

impl Range {
    pub const NONE: Range = Range { min: None, max: None };

    pub const fn between(min: i64, max: i64) -> Range {
        Range { min: Some(min), max: Some(max) }
    }

    pub const fn at_least(min: i64) -> Range {
        Range { min: Some(min), max: None }
    }

    pub const fn at_most(max: i64) -> Range {
        Range { min: None, max: Some(max) }
    }

    pub fn contains(&self, v: i64) -> bool {
        self.min.is_none_or(|m| v >= m) && self.max.is_none_or(|m| v <= m)
    }
}

/// A model pattern, matched against the whole value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pattern {
    /// Dense index for per-pattern caches (`0..PATTERN_COUNT`); equal patterns share it.
    pub index: usize,
    /// The pattern as the model writes it (Java syntax), for messages.
    pub model: &'static str,
    /// The same constraint for the Rust `regex` crate, anchored at both ends.
    pub regex: &'static str,
    /// A prefix the value must not start with (the model's leading negative lookahead).
    pub forbidden_prefix: Option<&'static str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Member {
    /// The wire name.
    pub name: &'static str,
    pub target: &'static Shape,
    pub required: bool,
    /// The query-string key when the member is bound to the query (GET/DELETE inputs).
    /// Where every input member travels (URI label, query, header, body) is in the
    /// operation table's `bindings`.
    pub query: Option<&'static str>,
    pub idempotency_token: bool,
}

impl Member {
    /// A body member without special binding.
    pub const fn new(name: &'static str, target: &'static Shape, required: bool) -> Member {
        Member { name, target, required, query: None, idempotency_token: false }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ShapeKind {
    Structure {
        members: &'static [Member],
    },
    List {
        member: &'static Shape,
        len: Range,
    },
    Map {
        key: &'static Shape,
        value: &'static Shape,
        len: Range,
    },
    String {
        len: Range,
        pattern: Option<Pattern>,
        enum_values: &'static [&'static str],
    },
    Integer {
        range: Range,
    },
    Long {
        range: Range,
    },
    Boolean,
    /// `double` and `float` shapes.
    Double {
        min: Option<f64>,
        max: Option<f64>,
    },
    Timestamp,
}

pub struct Shape {
    pub name: &'static str,
    pub kind: ShapeKind,
}

// Shape names are unique, so a shape is known by its name (and printed as it).
impl PartialEq for Shape {
    fn eq(&self, other: &Shape) -> bool {
        self.name == other.name
    }
}

impl Eq for Shape {}

impl std::fmt::Debug for Shape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Shape").field(&self.name).finish()
    }
}

impl Shape {
    pub fn members(&self) -> &'static [Member] {
        match self.kind {
            ShapeKind::Structure { members } => members,
            _ => &[],
        }
    }

    pub fn member(&self, name: &str) -> Option<&'static Member> {
        self.members().iter().find(|m| m.name == name)
    }
}

/// The shape called `name`, if it is reachable from an operation of the model.
pub fn shape(name: &str) -> Option<&'static Shape> {
    SHAPES
        .binary_search_by(|s| s.name.cmp(name))
        .ok()
        .map(|i| SHAPES[i])
}
"""


def rng(s):
    if "min" in s and "max" in s:
        return "Range::between(%d, %d)" % (s["min"], s["max"])
    if "min" in s:
        return "Range::at_least(%d)" % s["min"]
    if "max" in s:
        return "Range::at_most(%d)" % s["max"]
    return "Range::NONE"


def gen_schema(model, names, version):
    shapes = model["shapes"]
    patterns = {}
    for name in names:
        p = shapes[name].get("pattern")
        if p is not None and p not in patterns:
            patterns[p] = len(patterns)
    statics = {}
    for name in names:
        u = upper(name)
        if u in statics.values():
            raise SystemExit("static name clash for %s" % name)
        statics[name] = u

    out = [header(version), SCHEMA_PRELUDE, "\n"]
    out.append("/// How many distinct patterns the table holds.\n")
    out.append("pub const PATTERN_COUNT: usize = %d;\n\n" % len(patterns))
    out.append("/// Every shape, sorted by name.\n")
    out.append("pub static SHAPES: [&Shape; %d] = [%s];\n\n" % (
        len(names), ", ".join("&" + statics[n] for n in names)))
    for name in names:
        s = shapes[name]
        t = s["type"]
        if t == "structure":
            required = set(s.get("required", []))
            members = []
            for m, spec in s["members"].items():
                query = "None"
                if spec.get("location") == "querystring":
                    query = "Some(%s)" % rust_str(spec.get("locationName", m))
                elif spec.get("location") in ("uri", "header"):
                    pass  # bound in the operation table (`Binding`); validated as any member
                elif "location" in spec:
                    raise SystemExit("unsupported location %s on %s.%s" % (spec["location"], name, m))
                if query == "None" and not spec.get("idempotencyToken"):
                    members.append("Member::new(%s, &%s, %s)" % (
                        rust_str(m), statics[spec["shape"]], "true" if m in required else "false"))
                    continue
                members.append(
                    "Member { name: %s, target: &%s, required: %s, query: %s, idempotency_token: %s }"
                    % (rust_str(m), statics[spec["shape"]], "true" if m in required else "false",
                       query, "true" if spec.get("idempotencyToken") else "false")
                )
            kind = "ShapeKind::Structure { members: &[%s] }" % ", ".join(members)
        elif t == "list":
            kind = "ShapeKind::List { member: &%s, len: %s }" % (
                statics[s["member"]["shape"]], rng(s))
        elif t == "map":
            kind = "ShapeKind::Map { key: &%s, value: &%s, len: %s }" % (
                statics[s["key"]["shape"]], statics[s["value"]["shape"]], rng(s))
        elif t == "string":
            pattern = "None"
            if "pattern" in s:
                regex, prefix = translate_pattern(s["pattern"])
                pattern = "Some(Pattern { index: %d, model: %s, regex: %s, forbidden_prefix: %s })" % (
                    patterns[s["pattern"]], rust_str(s["pattern"]), rust_str(regex),
                    "Some(%s)" % rust_str(prefix) if prefix else "None")
            enum_values = "&[%s]" % ", ".join(rust_str(v) for v in s.get("enum", []))
            kind = "ShapeKind::String { len: %s, pattern: %s, enum_values: %s }" % (
                rng(s), pattern, enum_values)
        elif t == "integer":
            kind = "ShapeKind::Integer { range: %s }" % rng(s)
        elif t == "long":
            kind = "ShapeKind::Long { range: %s }" % rng(s)
        elif t == "boolean":
            kind = "ShapeKind::Boolean"
        elif t in ("double", "float"):
            kind = "ShapeKind::Double { min: %s, max: %s }" % (
                "Some(%r_f64)" % float(s["min"]) if "min" in s else "None",
                "Some(%r_f64)" % float(s["max"]) if "max" in s else "None")
        elif t == "timestamp":
            kind = "ShapeKind::Timestamp"
        else:
            raise SystemExit("shape %s has unsupported type %s" % (name, t))
        out.append("pub static %s: Shape = Shape { name: %s, kind: %s };\n\n" % (
            statics[name], rust_str(name), kind))
    return "".join(out)


OPERATIONS_PRELUDE = """
//! Every operation of the model, as data. [`OperationId`] names one; the [`OPERATIONS`]
//! table says how it is routed (method, request URI, where each input member travels),
//! which shapes it reads and writes, its properties (idempotency token, `requestId` in the
//! output, read-only) and whether Stepwise serves it. [`find`] routes a request;
//! [`served_operations!`](crate::served_operations) hands the served ones to a dispatch macro.

use crate::schema::{self, Shape};

/// Where an input member travels on the wire (restJson1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// A label of the request URI (`{name}` or greedy `{name+}`), by its name.
    Label(&'static str),
    /// A query-string parameter, by its key.
    Query(&'static str),
    /// A request header, by its name.
    Header(&'static str),
    /// A member of the JSON body, by its member name (never in `bindings`).
    Body,
}

/// One input member and where it travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Binding {
    pub member: &'static str,
    pub location: Location,
}

/// One `/`-separated segment of a request URI's path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Segment {
    /// Matches itself only, byte for byte.
    Literal(&'static str),
    /// `{label}`: exactly one non-empty segment, percent-decoded (so an ARN travels with its
    /// slashes as `%2F`), bound to this input member.
    Label(&'static str),
    /// `{label+}`: the rest of the path, slashes included, percent-decoded, bound to this
    /// input member. Only ever the last segment.
    GreedyLabel(&'static str),
}

#[derive(Debug, PartialEq, Eq)]
pub struct Operation {
    pub id: OperationId,
    pub name: &'static str,
    /// Upper-case HTTP method.
    pub method: &'static str,
    /// The request URI's path, labels written `{name}`: `/` + name for all but the tag
    /// operations (`/tags/{resourceArn}`).
    pub path: &'static str,
    /// The request URI as the model gives it (`requestUri`); no operation adds a query part
    /// today, so it equals `path`.
    pub request_uri: &'static str,
    /// `path` cut at its slashes, for [`Operation::match_path`].
    pub segments: &'static [Segment],
    pub input: &'static Shape,
    pub output: &'static Shape,
    /// The input members bound outside the JSON body (URI labels, query, headers), in model
    /// order; every other member of `input` travels in the body. See [`Operation::location`].
    pub bindings: &'static [Binding],
    /// The query-string key of the input member carried in the query, if any (one at most).
    pub query_member: Option<&'static str>,
    /// The input member the SDKs auto-fill as an idempotency token, if any.
    pub idempotency_token: Option<&'static str>,
    /// Whether Stepwise serves it (listed in `OPERATIONS` of codegen/gen_model.py). The
    /// others are routed too, and answered as an unknown operation.
    pub served: bool,
    /// Whether the output shape has a `requestId` member (the server fills it in).
    pub has_request_id: bool,
    /// Whether it changes nothing. The model has no such trait; the rule is its verbs: the
    /// name begins with `Get` or `List` (the generator checks that every GET operation is one
    /// of them, and that none of them takes an idempotency token).
    pub read_only: bool,
    /// The error shapes the model lists for it, by name.
    pub errors: &'static [&'static str],
}

impl OperationId {
    /// This operation's entry in [`OPERATIONS`].
    pub fn operation(self) -> &'static Operation {
        // The enum and the table are both in name order.
        &OPERATIONS[self as usize]
    }

    pub fn name(self) -> &'static str {
        self.operation().name
    }
}

/// A request path matched to an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub operation: &'static Operation,
    /// The URI labels' values, percent-decoded, in path order, each with the input member it
    /// is bound to. Empty for the `/` + name operations.
    pub labels: Vec<(&'static str, String)>,
}

/// The operation answering `method` + `path` (the request's path, still percent-encoded,
/// without its query), served or not; `None` for an unknown path or a wrong method.
pub fn find(method: &str, path: &str) -> Option<Route> {
    by_path(path).find(|route| route.operation.method == method)
}

/// The operations whose request URI matches `path`, whatever the method: literal URIs first,
/// then URIs with labels, the most literal segments first.
pub fn by_path(path: &str) -> impl Iterator<Item = Route> + '_ {
    let start = LITERAL_ROUTES.partition_point(|(p, _)| *p < path);
    let literal = LITERAL_ROUTES[start..]
        .iter()
        .take_while(move |(p, _)| *p == path)
        .map(|(_, id)| Route {
            operation: id.operation(),
            labels: Vec::new(),
        });
    let labelled = LABELLED_ROUTES.iter().filter_map(move |id| {
        let operation = id.operation();
        operation
            .match_path(path)
            .map(|labels| Route { operation, labels })
    });
    literal.chain(labelled)
}

/// The operation called `name`.
pub fn by_name(name: &str) -> Option<&'static Operation> {
    OPERATIONS
        .binary_search_by(|op| op.name.cmp(name))
        .ok()
        .map(|i| &OPERATIONS[i])
}

impl Operation {
    /// Where the input member `member` travels; `None` when the input has no such member.
    pub fn location(&self, member: &str) -> Option<Location> {
        match self.bindings.iter().find(|b| b.member == member) {
            Some(binding) => Some(binding.location),
            None => self.input.member(member).map(|_| Location::Body),
        }
    }

    /// The label values (see [`Route::labels`]) when `path` matches this operation's
    /// request URI, else `None`. A trailing or doubled slash does not match.
    pub fn match_path(&self, path: &str) -> Option<Vec<(&'static str, String)>> {
        let mut rest = Some(path.strip_prefix('/')?);
        if self.segments.is_empty() {
            return (rest == Some("")).then(Vec::new);
        }
        let mut labels = Vec::new();
        for segment in self.segments {
            let current = rest?;
            if let Segment::GreedyLabel(member) = *segment {
                if current.is_empty() {
                    return None;
                }
                labels.push((member, percent_decode(current)));
                rest = None;
                continue;
            }
            let (piece, tail) = match current.split_once('/') {
                Some((piece, tail)) => (piece, Some(tail)),
                None => (current, None),
            };
            match *segment {
                Segment::Literal(text) if piece == text => {}
                Segment::Label(member) if !piece.is_empty() => {
                    labels.push((member, percent_decode(piece)));
                }
                _ => return None,
            }
            rest = tail;
        }
        rest.is_none().then_some(labels)
    }
}

/// `text` with its `%XX` escapes decoded; a `%` without two hex digits stays as it is, so
/// does `+` (a path is not a form), and bytes that are not UTF-8 become U+FFFD.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    if !bytes.contains(&b'%') {
        return text.to_string();
    }
    let hex = |b: Option<&u8>| b.and_then(|b| (*b as char).to_digit(16));
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            if let (Some(high), Some(low)) = (hex(bytes.get(i + 1)), hex(bytes.get(i + 2))) {
                out.push((high * 16 + low) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
"""

LABEL = re.compile(r"^\{([A-Za-z0-9_]+)(\+?)\}$")


def read_only(name):
    """The rule for `Operation::read_only` (its doc comment says it in Rust)."""
    return name.startswith("Get") or name.startswith("List")


def uri_segments(name, path, labels):
    """`path` cut into Rust `Segment`s; `labels` maps a URI label to its input member."""
    if not path.startswith("/"):
        raise SystemExit("operation %s: request URI %s is not absolute" % (name, path))
    pieces = path[1:].split("/") if path != "/" else []
    out = []
    used = set()
    for i, piece in enumerate(pieces):
        m = LABEL.match(piece)
        if m is None:
            if "{" in piece or "}" in piece or piece == "":
                raise SystemExit("operation %s: unsupported URI segment %r" % (name, piece))
            out.append("Segment::Literal(%s)" % rust_str(piece))
            continue
        label, greedy = m.group(1), m.group(2) == "+"
        if label not in labels:
            raise SystemExit("operation %s: URI label %s has no input member" % (name, label))
        used.add(label)
        if greedy:
            if i != len(pieces) - 1:
                raise SystemExit("operation %s: greedy label %s is not last" % (name, label))
            out.append("Segment::GreedyLabel(%s)" % rust_str(labels[label]))
        else:
            out.append("Segment::Label(%s)" % rust_str(labels[label]))
    if used != set(labels):
        raise SystemExit("operation %s: uri members %s are not in %s" % (
            name, sorted(set(labels) - used), path))
    return out, sum(1 for p in pieces if LABEL.match(p) is None), any(
        p.endswith("+}") for p in pieces)


def bindings(name, input_shape):
    out = []
    labels = {}
    for member, spec in input_shape["members"].items():
        loc = spec.get("location")
        key = spec.get("locationName", member)
        if loc is None:
            continue  # in the JSON body: `Operation::location` says so
        if loc == "uri":
            location = "Location::Label(%s)" % rust_str(key)
            labels[key] = member
        elif loc == "querystring":
            location = "Location::Query(%s)" % rust_str(key)
        elif loc == "header":
            location = "Location::Header(%s)" % rust_str(key)
        else:
            raise SystemExit("operation %s: unsupported location %s of %s" % (name, loc, member))
        out.append("Binding { member: %s, location: %s }" % (rust_str(member), location))
    return out, labels


def gen_operations(model, version):
    shapes = model["shapes"]
    unknown = sorted(set(OPERATIONS) - set(model["operations"]))
    if unknown or len(set(OPERATIONS)) != len(OPERATIONS):
        raise SystemExit("OPERATIONS lists unknown or repeated operations: %s" % unknown)
    names = sorted(model["operations"])
    entries = []
    literal_routes = []
    labelled_routes = []
    seen_routes = set()
    for name in names:
        op = model["operations"][name]
        http = op["http"]
        method = http["method"].upper()
        request_uri = http["requestUri"]
        path = request_uri.split("?", 1)[0]
        if (method, path) in seen_routes:
            raise SystemExit("operation %s: %s %s is routed twice" % (name, method, path))
        seen_routes.add((method, path))
        if "input" not in op or "output" not in op:
            raise SystemExit("operation %s has no input or no output shape" % name)
        inp = op["input"]["shape"]
        outp = op["output"]["shape"]
        members = shapes[inp]["members"]
        binds, labels = bindings(name, shapes[inp])
        segments, literal_count, greedy = uri_segments(name, path, labels)
        if labels:
            labelled_routes.append(((-literal_count, greedy, path, method), name))
        else:
            literal_routes.append(((path, method), name))
        query = [spec.get("locationName", m) for m, spec in members.items()
                 if spec.get("location") == "querystring"]
        if len(query) > 1:
            raise SystemExit("operation %s has several query members" % name)
        idem = [m for m, spec in members.items() if spec.get("idempotencyToken")]
        reads = read_only(name)
        if method == "GET" and not reads:
            raise SystemExit("operation %s is a GET but not named as a read" % name)
        if reads and idem:
            raise SystemExit("read-only operation %s takes an idempotency token" % name)
        entries.append(
            "Operation { id: OperationId::%s, name: %s, method: %s, path: %s, request_uri: %s, "
            "segments: &[%s], input: &schema::%s, output: &schema::%s, bindings: &[%s], "
            "query_member: %s, idempotency_token: %s, served: %s, has_request_id: %s, "
            "read_only: %s, errors: &[%s] },\n"
            % (name, rust_str(name), rust_str(method), rust_str(path), rust_str(request_uri),
               ", ".join(segments), upper(inp), upper(outp), ", ".join(binds),
               "Some(%s)" % rust_str(query[0]) if query else "None",
               "Some(%s)" % rust_str(idem[0]) if idem else "None",
               rust_bool(name in OPERATIONS),
               rust_bool("requestId" in shapes[outp]["members"]),
               rust_bool(reads),
               ", ".join(rust_str(e["shape"]) for e in op.get("errors", []))))
    served = [n for n in names if n in OPERATIONS]

    out = [header(version), OPERATIONS_PRELUDE, "\n"]
    out.append("/// Every operation of the model, in name order (its index in [`OPERATIONS`]).\n")
    out.append("#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]\n")
    out.append("pub enum OperationId {\n%s}\n\n" % "".join("%s,\n" % n for n in names))
    out.append("/// Every operation of the model, sorted by name.\n")
    out.append("pub static OPERATIONS: [Operation; %d] = [\n" % len(entries))
    out.extend(entries)
    out.append("];\n\n")
    out.append("/// The operations without URI labels, by (path, method), for a binary search.\n")
    out.append("static LITERAL_ROUTES: [(&str, OperationId); %d] = [\n" % len(literal_routes))
    for (path, _), name in sorted(literal_routes):
        out.append("(%s, OperationId::%s),\n" % (rust_str(path), name))
    out.append("];\n\n")
    out.append("/// The operations with URI labels, the most literal segments first.\n")
    out.append("static LABELLED_ROUTES: [OperationId; %d] = [%s];\n\n" % (
        len(labelled_routes),
        ", ".join("OperationId::%s" % n for _, n in sorted(labelled_routes))))
    out.append(
        "/// Hands the served operations, in name order, to the macro `$m` as\n"
        "/// `(OperationId variant, handler name, input type, output type)`, the handler name\n"
        "/// being the operation's name in snake case and the types those of [`crate::model`]:\n"
        "/// `served_operations!(m)` expands to `m! { (CancelImageCreation,\n"
        "/// cancel_image_creation, CancelImageCreationRequest, CancelImageCreationResponse),\n"
        "/// ... }`. Arguments after the macro's name are passed first, followed by a semicolon:\n"
        "/// `served_operations!(m, op, ctx)` expands to `m! { op, ctx; (CancelImageCreation,\n"
        "/// ...), ... }` (so that `m` can name the caller's variables).\n"
        "#[macro_export]\n"
        "macro_rules! served_operations {\n"
        "    ($m:ident $(, $($args:tt)*)?) => {\n"
        "        $m! {\n"
        "            $($($args)*;)?\n"
        "%s"
        "        }\n"
        "    };\n"
        "}\n" % "".join("            (%s, %s, %s, %s),\n" % (
            n, snake(n), model["operations"][n]["input"]["shape"],
            model["operations"][n]["output"]["shape"]) for n in served))
    return "".join(out)


RUST_IDENT = re.compile(r"^[A-Z][A-Za-z0-9]*$")
JSON_POINTER = re.compile(r"^(?:/[A-Za-z0-9_-]+)+$")


def arn_resource_types(model):
    """The words of the model's general ARN pattern: its resource types among them."""
    shape = model["shapes"].get("ImageBuilderArn")
    if shape is None or "pattern" not in shape:
        raise SystemExit("the model has no ImageBuilderArn pattern to check RESOURCE_KINDS on")
    return set(re.findall(r"[a-z]+(?:-[a-z]+)*", shape["pattern"]))


def gen_resource_kinds(model, version):
    variants = [v for v, _, _, _ in RESOURCE_KINDS]
    names = [n for _, n, _, _ in RESOURCE_KINDS]
    if len(set(variants)) != len(variants) or len(set(names)) != len(names):
        raise SystemExit("RESOURCE_KINDS repeats a variant or a name")
    types = arn_resource_types(model)
    for variant, name, pointer, tags in RESOURCE_KINDS:
        if not RUST_IDENT.match(variant):
            raise SystemExit("RESOURCE_KINDS: %r is not a variant name" % variant)
        if name not in types:
            raise SystemExit("RESOURCE_KINDS: %s: %r is not a resource type of the model's ARNs"
                             % (variant, name))
        for p in (pointer, tags):
            if p is not None and not JSON_POINTER.match(p):
                raise SystemExit("RESOURCE_KINDS: %s: %r is not a JSON pointer" % (variant, p))

    out = [header(version)]
    out.append("//! The kinds of stored resource documents, from `RESOURCE_KINDS` in\n"
               "//! codegen/gen_model.py: a new kind is one entry there.\n\n")
    out.append("/// The kinds of stored resource documents (JSON bodies keyed by ARN).\n")
    out.append("#[derive(Debug, Clone, Copy, PartialEq, Eq)]\n")
    out.append("pub enum ResourceKind {\n%s}\n\n" % "".join("%s,\n" % v for v in variants))
    out.append("impl ResourceKind {\n")
    out.append("/// Every kind, in the order of `RESOURCE_KINDS`.\n")
    out.append("pub const ALL: [ResourceKind; %d] = [%s];\n\n" % (
        len(variants), ", ".join("ResourceKind::%s" % v for v in variants)))
    out.append("/// The kind's name in the store, kept in every row of the kind (so never"
               " renamed), and the\n/// resource type of its ARNs.\n")
    out.append("pub fn as_str(self) -> &'static str {\nmatch self {\n%s}\n}\n\n" % "".join(
        "ResourceKind::%s => %s,\n" % (v, rust_str(n)) for v, n, _, _ in RESOURCE_KINDS))
    out.append("/// The kind whose ARNs have the resource type `name` (the ARN's resource part up to"
               " its\n/// first slash), if the store keeps that kind.\n")
    out.append("pub fn from_arn_type(name: &str) -> Option<ResourceKind> {\nmatch name {\n%s"
               "_ => None,\n}\n}\n\n" % "".join(
                   "%s => Some(ResourceKind::%s),\n" % (rust_str(n), v)
                   for v, n, _, _ in RESOURCE_KINDS))
    out.append("/// Where a body of this kind keeps its status (a JSON pointer), for kinds the"
               " store\n/// indexes by status so that unfinished ones are found without reading"
               " every body.\n")
    out.append("pub fn status_pointer(self) -> Option<&'static str> {\nmatch self {\n%s}\n}\n"
               % "".join("ResourceKind::%s => %s,\n" % (
                   v, "Some(%s)" % rust_str(p) if p is not None else "None")
                   for v, _, p, _ in RESOURCE_KINDS))
    out.append("\n/// Where a body of this kind keeps the resource's tags (a JSON pointer to a"
               " map). Once\n/// stored, they change only through [`crate::Write::SetTags`]:"
               " [`crate::Write::PutResource`]\n/// keeps them.\n")
    out.append("pub fn tags_pointer(self) -> &'static str {\nmatch self {\n%s}\n}\n"
               % "".join("ResourceKind::%s => %s,\n" % (v, rust_str(t))
                         for v, _, _, t in RESOURCE_KINDS))
    out.append("}\n")
    return "".join(out)


def members(model, name):
    """The members of operation `name`'s input and output shapes."""
    op = model["operations"][name]
    shapes = model["shapes"]
    return shapes[op["input"]["shape"]]["members"], shapes[op["output"]["shape"]]["members"]


def paginated(model, name):
    """Whether operation `name` pages: `nextToken` and `maxResults` in, `nextToken` out."""
    inp, outp = members(model, name)
    return "nextToken" in inp and "maxResults" in inp and "nextToken" in outp


def gen_token_operations(model, version):
    names = [n for n, _, _ in TOKEN_OPERATIONS]
    codes = [c for _, c, _ in TOKEN_OPERATIONS]
    if len(set(names)) != len(names):
        raise SystemExit("TOKEN_OPERATIONS repeats an operation")
    if len(set(codes)) != len(codes):
        raise SystemExit("TOKEN_OPERATIONS repeats a code")
    for name, code, _ in TOKEN_OPERATIONS:
        if not isinstance(code, int) or isinstance(code, bool) or not 1 <= code <= 255:
            raise SystemExit("TOKEN_OPERATIONS: %s: code %r is not in 1..=255" % (name, code))
        if name not in model["operations"]:
            raise SystemExit("TOKEN_OPERATIONS: %s is not an operation of the model" % name)
        if name not in OPERATIONS:
            raise SystemExit("TOKEN_OPERATIONS: %s is not served (OPERATIONS)" % name)
        if not paginated(model, name):
            raise SystemExit("TOKEN_OPERATIONS: %s is not paginated in the model" % name)
    missing = [n for n in OPERATIONS if n not in names and "nextToken" in members(model, n)[0]]
    if missing:
        raise SystemExit("served paginated operations without a code in TOKEN_OPERATIONS: %s"
                         % ", ".join(missing))
    ops = sorted(TOKEN_OPERATIONS, key=lambda e: e[1])

    out = [header(version)]
    out.append("//! Pagination token operation codes, from `TOKEN_OPERATIONS` in\n"
               "//! codegen/gen_model.py: a new list operation is one entry there.\n\n")
    out.append("/// Operation codes (pagination spec §2.4). A token only opens for the operation"
               " that sealed it.\n/// The codes are on the wire inside live tokens: they never"
               " change.\n")
    out.append("#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]\n#[repr(u8)]\n")
    out.append("pub enum OpCode {\n")
    for name, code, doc in ops:
        if doc is not None:
            out.append("/// %s\n" % doc)
        out.append("%s = %d,\n" % (name, code))
    out.append("}\n\n")
    out.append("impl OpCode {\n")
    out.append("/// Every operation code, in code order.\n")
    out.append("pub const ALL: [OpCode; %d] = [%s];\n\n" % (
        len(ops), ", ".join("OpCode::%s" % n for n, _, _ in ops)))
    out.append("pub fn code(self) -> u8 {\nself as u8\n}\n\n")
    out.append("pub fn from_code(code: u8) -> Option<OpCode> {\n"
               "match code {\n%s_ => None,\n}\n}\n\n" % "".join(
                   "%d => Some(OpCode::%s),\n" % (c, n) for n, c, _ in ops))
    out.append("/// The API operation name, e.g. `%s`.\n" % ops[0][0])
    out.append("pub fn name(self) -> &'static str {\nmatch self {\n%s}\n}\n" % "".join(
        "OpCode::%s => %s,\n" % (n, rust_str(n)) for n, _, _ in ops))
    out.append("}\n")
    return "".join(out)


def rust_bool(b):
    return "true" if b else "false"


def rustfmt(source):
    cmd = [os.environ.get("RUSTFMT", "rustfmt"), "--edition", "2021", "--emit", "stdout"]
    res = subprocess.run(cmd, input=source, capture_output=True, text=True, cwd=REPO_ROOT)
    if res.returncode != 0:
        sys.stderr.write(res.stderr)
        raise SystemExit("rustfmt failed")
    return res.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out-root", default=REPO_ROOT,
                    help="directory the generated files' repository paths are under")
    args = ap.parse_args()
    model = load_model()
    # schema.rs holds the shapes of all 77 operations (475 shapes; 263 for the served ones):
    # static data, cheap to build, and the table then has every input and output. model.rs
    # holds structs for the served operations' shapes only: generating all of them made
    # `cargo build -p stepwise-api` take about 1.7x as long (serde derives; the schema of all
    # shapes costs about 10%), and serving an operation regenerates its structs anyway.
    names = reachable(model, sorted(model["operations"]))
    version = botocore.__version__
    files = {
        "crates/api/src/model.rs": gen_model(model, reachable(model, OPERATIONS), version),
        "crates/api/src/schema.rs": gen_schema(model, names, version),
        "crates/api/src/operations.rs": gen_operations(model, version),
        "crates/store/src/kinds.rs": gen_resource_kinds(model, version),
        "crates/token/src/opcode.rs": gen_token_operations(model, version),
    }
    for path, source in files.items():
        dest = os.path.join(args.out_root, *path.split("/"))
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with open(dest, "w", encoding="utf-8", newline="\n") as f:
            f.write(rustfmt(source))


if __name__ == "__main__":
    main()
