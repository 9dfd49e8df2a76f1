#!/usr/bin/env python3
"""Generates the wire model of crate `stepwise-api` from the Image Builder service model.

The model is read from the botocore package installed for the python running this script
(`botocore/data/imagebuilder/2019-12-02/service-2.json[.gz]`). Only names, types, constraints
and HTTP bindings are used; no documentation text is carried over.

Writes (rustfmt-formatted, deterministic):
  crates/api/src/model.rs       one struct per structure shape, plus `enums`
  crates/api/src/schema.rs      constraint table for the input validator
  crates/api/src/operations.rs  the in-scope operations and their bindings

Usage: gen_model.py [--out-dir DIR]   (default: the crate's src directory)
"""

import argparse
import gzip
import json
import os
import re
import subprocess
import sys

import botocore

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
    "GetInfrastructureConfiguration",
    "ListInfrastructureConfigurations",
    "DeleteInfrastructureConfiguration",
    "CreateDistributionConfiguration",
    "GetDistributionConfiguration",
    "ListDistributionConfigurations",
    "DeleteDistributionConfiguration",
    "CreateImage",
    "GetImage",
    "ListImages",
    "ListImageBuildVersions",
    "CancelImageCreation",
    "RetryImage",
    "ListWorkflowExecutions",
    "GetWorkflowExecution",
    "ListWorkflowStepExecutions",
    "GetWorkflowStepExecution",
    "ListWaitingWorkflowSteps",
    "SendWorkflowStepAction",
]

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(REPO_ROOT, "crates", "api", "src")

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


def reachable(model):
    shapes = model["shapes"]
    seen = set()
    stack = []
    for name in OPERATIONS:
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
        return "std::collections::BTreeMap<String, %s>" % rust_type(shapes, s["value"]["shape"])
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
        "//! Request and response shapes of the in-scope operations: one struct per structure\n"
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
    out.append("/// The allowed values of every enum string shape, in model order.\n")
    out.append("pub mod enums {\n")
    for name in names:
        s = shapes[name]
        if s["type"] == "string" and "enum" in s:
            values = ", ".join(rust_str(v) for v in s["enum"])
            out.append("pub const %s: &[&str] = &[%s];\n" % (upper(name), values))
    out.append("}\n")
    return "".join(out)


SCHEMA_PRELUDE = """
//! The constraints of every shape reachable from the in-scope operations, as static data
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

/// The shape called `name`, if it is reachable from an in-scope operation.
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
//! The in-scope operations: how each is routed and which shapes it reads and writes.

use crate::schema::{self, Shape};

#[derive(Debug, PartialEq)]
pub struct Operation {
    pub name: &'static str,
    /// Upper-case HTTP method.
    pub method: &'static str,
    /// Always `/` + name.
    pub path: &'static str,
    pub input: &'static Shape,
    pub output: &'static Shape,
    /// The input member carried in the query string (GET/DELETE operations), if any.
    pub query_member: Option<&'static str>,
    /// The input member the SDKs auto-fill as an idempotency token, if any.
    pub idempotency_token: Option<&'static str>,
}

/// The operation answering `method` + `path`; `None` for an unknown path or a wrong method.
pub fn find(method: &str, path: &str) -> Option<&'static Operation> {
    by_path(path).filter(|op| op.method == method)
}

/// The operation whose path is `path`, whatever the method.
pub fn by_path(path: &str) -> Option<&'static Operation> {
    OPERATIONS
        .binary_search_by(|op| op.path.cmp(path))
        .ok()
        .map(|i| &OPERATIONS[i])
}

/// The operation called `name`.
pub fn by_name(name: &str) -> Option<&'static Operation> {
    // Sorted by path = "/" + name, hence by name too.
    OPERATIONS
        .binary_search_by(|op| op.name.cmp(name))
        .ok()
        .map(|i| &OPERATIONS[i])
}
"""


def gen_operations(model, version):
    shapes = model["shapes"]
    ops = []
    for name in OPERATIONS:
        op = model["operations"][name]
        http = op["http"]
        if http["requestUri"] != "/" + name:
            raise SystemExit("operation %s has path %s" % (name, http["requestUri"]))
        inp = op["input"]["shape"]
        outp = op["output"]["shape"]
        query = [spec.get("locationName", m) for m, spec in shapes[inp]["members"].items()
                 if spec.get("location") == "querystring"]
        if len(query) > 1:
            raise SystemExit("operation %s has several query members" % name)
        idem = [m for m, spec in shapes[inp]["members"].items() if spec.get("idempotencyToken")]
        ops.append((http["requestUri"], name, http["method"], inp, outp,
                    query[0] if query else None, idem[0] if idem else None))
    ops.sort()
    out = [header(version), OPERATIONS_PRELUDE, "\n"]
    out.append("/// Sorted by path.\n")
    out.append("pub static OPERATIONS: [Operation; %d] = [\n" % len(ops))
    for path, name, method, inp, outp, query, idem in ops:
        out.append(
            "Operation { name: %s, method: %s, path: %s, input: &schema::%s, output: &schema::%s, "
            "query_member: %s, idempotency_token: %s },\n"
            % (rust_str(name), rust_str(method), rust_str(path), upper(inp), upper(outp),
               "Some(%s)" % rust_str(query) if query else "None",
               "Some(%s)" % rust_str(idem) if idem else "None"))
    out.append("];\n")
    return "".join(out)


def rustfmt(source):
    cmd = [os.environ.get("RUSTFMT", "rustfmt"), "--edition", "2021", "--emit", "stdout"]
    res = subprocess.run(cmd, input=source, capture_output=True, text=True, cwd=REPO_ROOT)
    if res.returncode != 0:
        sys.stderr.write(res.stderr)
        raise SystemExit("rustfmt failed")
    return res.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out-dir", default=DEFAULT_OUT)
    args = ap.parse_args()
    model = load_model()
    names = reachable(model)
    version = botocore.__version__
    files = {
        "model.rs": gen_model(model, names, version),
        "schema.rs": gen_schema(model, names, version),
        "operations.rs": gen_operations(model, version),
    }
    os.makedirs(args.out_dir, exist_ok=True)
    for fname, source in files.items():
        with open(os.path.join(args.out_dir, fname), "w", encoding="utf-8", newline="\n") as f:
            f.write(rustfmt(source))


if __name__ == "__main__":
    main()
