//! Checks a request body against the model constraints of its input shape (spec §2.3).
//!
//! The whole request is checked in phases — required members, JSON types, sizes (string
//! length, integer range, list/map size), patterns, enums — and the first failure of the
//! earliest phase is returned, so a missing member anywhere wins over a bad pattern anywhere.
//! One depth-first walk in model member order does this: it remembers the earliest-phase
//! failure seen so far and stops at the first missing member. Pagination members
//! (`maxResults`, then `nextToken`) are checked only once everything else passed
//! (pagination.md §1).

use crate::error::{invalid_param_message, ApiError, ApiResult, ErrorKind};
use crate::operations::Operation;
use crate::schema::{self, Member, Pattern, Range, Shape, ShapeKind};
use regex::Regex;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::fmt::Write;
use std::sync::OnceLock;

/// `maxResults` bounds Stepwise enforces on every List operation, whatever the model says.
pub const MAX_RESULTS_MIN: i64 = 1;
pub const MAX_RESULTS_MAX: i64 = 100;
/// Every version node of a `semanticVersion` must be at most this.
pub const MAX_VERSION_NODE: u64 = 1_073_741_823;

const SEMVER_PATTERN: &str = r"^[0-9]+\.[0-9]+\.[0-9]+$";
const PAGINATION_MEMBERS: [&str; 2] = ["maxResults", "nextToken"];

/// Validates `body` against the input shape of `op`. The error is InvalidRequestException,
/// or InvalidParameterException for an operation whose model lists that one instead.
pub fn validate_input(op: &Operation, body: &Value) -> ApiResult<()> {
    validate_shape(op.input, body).map_err(|mut e| {
        if e.kind == ErrorKind::InvalidRequest {
            e.kind = input_error(op);
        }
        e
    })
}

/// The error kind `op` answers bad input with.
pub fn input_error(op: &Operation) -> ErrorKind {
    let lists = |name| op.errors.contains(&name);
    if !lists("InvalidRequestException") && lists("InvalidParameterException") {
        ErrorKind::InvalidParameter
    } else {
        ErrorKind::InvalidRequest
    }
}

/// Validates `body` against any structure shape.
pub fn validate_shape(shape: &'static Shape, body: &Value) -> ApiResult<()> {
    let (Value::Object(map), ShapeKind::Structure { members }) = (body, shape.kind) else {
        return Err(ApiError::new(
            ErrorKind::InvalidRequest,
            "The request body must be a JSON object.",
        ));
    };
    let mut walk = Walk { best: None };
    for member in members
        .iter()
        .filter(|m| !PAGINATION_MEMBERS.contains(&m.name))
    {
        walk.member(member, map.get(member.name), None);
        if walk.finished() {
            break;
        }
    }
    for name in PAGINATION_MEMBERS {
        if walk.best.is_some() {
            break;
        }
        if let Some(member) = members.iter().find(|m| m.name == name) {
            walk.member(member, map.get(name), None);
        }
    }
    match walk.best {
        Some((_, err)) => Err(err),
        None => Ok(()),
    }
}

/// Validates `body` for `op`, then decodes it into the operation's request struct.
pub fn decode_input<T: DeserializeOwned>(op: &Operation, body: Value) -> ApiResult<T> {
    validate_input(op, &body)?;
    serde_json::from_value(body).map_err(|e| decode_error(&e))
}

/// Whether `value` satisfies `pattern` (whole-value match, forbidden prefix included).
pub fn matches_pattern(pattern: &Pattern, value: &str) -> bool {
    if pattern
        .forbidden_prefix
        .is_some_and(|p| value.starts_with(p))
    {
        return false;
    }
    regex(pattern).is_match(value)
}

static REGEX_CACHE: [OnceLock<Regex>; schema::PATTERN_COUNT] =
    [const { OnceLock::new() }; schema::PATTERN_COUNT];

fn regex(pattern: &Pattern) -> &'static Regex {
    REGEX_CACHE[pattern.index].get_or_init(|| {
        // Every table pattern is compiled by a test, so this cannot fail at run time.
        Regex::new(pattern.regex).expect("schema pattern compiles")
    })
}

fn decode_error(err: &serde_json::Error) -> ApiError {
    let text = err.to_string();
    let mut quoted = text.split('`');
    match (quoted.next(), quoted.next()) {
        (Some(_), Some(name)) if !name.is_empty() => ApiError::invalid_param(name, &text),
        _ => ApiError::new(
            ErrorKind::InvalidRequest,
            format!("The request body could not be decoded: {text}"),
        ),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    Required,
    Type,
    Size,
    Pattern,
    Enum,
}

/// Members whose failures Stepwise reports with their own type or message.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Special {
    None,
    SemanticVersion,
    MaxResults,
}

#[derive(Clone, Copy)]
enum Seg<'a> {
    Member(&'a str),
    Index(usize),
    Key(&'a str),
}

/// A member path kept on the stack while walking; rendered only when a failure is kept.
struct Path<'a> {
    parent: Option<&'a Path<'a>>,
    seg: Seg<'a>,
}

impl Path<'_> {
    fn render(&self) -> String {
        let mut segs = Vec::with_capacity(8);
        let mut cur = Some(self);
        while let Some(p) = cur {
            segs.push(p.seg);
            cur = p.parent;
        }
        let mut out = String::new();
        for seg in segs.iter().rev() {
            match *seg {
                Seg::Member(name) | Seg::Key(name) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(name);
                }
                Seg::Index(i) => {
                    let _ = write!(out, "[{i}]");
                }
            }
        }
        out
    }
}

struct Walk {
    best: Option<(Phase, ApiError)>,
}

impl Walk {
    /// Whether a failure in `phase` would replace the one kept so far.
    fn wants(&self, phase: Phase) -> bool {
        self.best.as_ref().is_none_or(|(p, _)| phase < *p)
    }

    fn fail(&mut self, phase: Phase, make: impl FnOnce() -> ApiError) {
        if self.wants(phase) {
            self.best = Some((phase, make()));
        }
    }

    fn invalid(&mut self, phase: Phase, path: &Path<'_>, detail: impl FnOnce() -> String) {
        self.fail(phase, || ApiError::invalid_param(&path.render(), &detail()));
    }

    /// A missing member cannot be beaten: nothing is left to look for.
    fn finished(&self) -> bool {
        matches!(self.best, Some((Phase::Required, _)))
    }

    fn member(
        &mut self,
        member: &'static Member,
        value: Option<&Value>,
        parent: Option<&Path<'_>>,
    ) {
        let path = Path {
            parent,
            seg: Seg::Member(member.name),
        };
        match value {
            None | Some(Value::Null) => {
                if member.required {
                    self.fail(Phase::Required, || ApiError::missing_param(&path.render()));
                }
            }
            Some(value) => {
                let special = match member.name {
                    "semanticVersion" => Special::SemanticVersion,
                    "maxResults" => Special::MaxResults,
                    _ => Special::None,
                };
                self.value(member.target, value, &path, special);
            }
        }
    }

    fn value(&mut self, shape: &'static Shape, value: &Value, path: &Path<'_>, special: Special) {
        match shape.kind {
            ShapeKind::Structure { members } => {
                let Value::Object(map) = value else {
                    return self.invalid(Phase::Type, path, || "Expected a JSON object.".into());
                };
                for member in members {
                    self.member(member, map.get(member.name), Some(path));
                    if self.finished() {
                        return;
                    }
                }
            }
            ShapeKind::List { member, len } => {
                let Value::Array(items) = value else {
                    return self.invalid(Phase::Type, path, || "Expected a JSON array.".into());
                };
                if !len.contains(items.len() as i64) {
                    self.invalid(Phase::Size, path, || {
                        format!("The list must have {}.", bounds(len, "item", "items"))
                    });
                }
                for (i, item) in items.iter().enumerate() {
                    let item_path = Path {
                        parent: Some(path),
                        seg: Seg::Index(i),
                    };
                    self.value(member, item, &item_path, Special::None);
                    if self.finished() {
                        return;
                    }
                }
            }
            ShapeKind::Map {
                key,
                value: value_shape,
                len,
            } => {
                let Value::Object(map) = value else {
                    return self.invalid(Phase::Type, path, || "Expected a JSON object.".into());
                };
                if !len.contains(map.len() as i64) {
                    self.invalid(Phase::Size, path, || {
                        format!("The map must have {}.", bounds(len, "entry", "entries"))
                    });
                }
                for (k, v) in map {
                    let entry_path = Path {
                        parent: Some(path),
                        seg: Seg::Key(k),
                    };
                    self.string(key, k, &entry_path, Special::None);
                    self.value(value_shape, v, &entry_path, Special::None);
                    if self.finished() {
                        return;
                    }
                }
            }
            ShapeKind::String { .. } => match value {
                Value::String(s) => self.string(shape, s, path, special),
                _ if special == Special::SemanticVersion => {
                    self.fail(Phase::Type, semver_pattern_error);
                }
                _ => self.invalid(Phase::Type, path, || "Expected a string.".into()),
            },
            ShapeKind::Integer { range } => self.integer(
                value,
                path,
                special,
                range,
                i32::MIN as i64,
                i32::MAX as i64,
            ),
            ShapeKind::Long { range } => {
                self.integer(value, path, special, range, i64::MIN, i64::MAX)
            }
            ShapeKind::Boolean => {
                if !value.is_boolean() {
                    self.invalid(Phase::Type, path, || "Expected a boolean.".into());
                }
            }
            ShapeKind::Double { min, max } => match value.as_f64() {
                None => self.invalid(Phase::Type, path, || "Expected a number.".into()),
                Some(f) => {
                    if min.is_some_and(|m| f < m) || max.is_some_and(|m| f > m) {
                        self.invalid(Phase::Size, path, || {
                            format!("The value must be {}.", float_bounds(min, max))
                        });
                    }
                }
            },
            ShapeKind::Timestamp => {
                if !(value.is_number() || value.is_string()) {
                    self.invalid(Phase::Type, path, || "Expected a timestamp.".into());
                }
            }
        }
    }

    fn integer(
        &mut self,
        value: &Value,
        path: &Path<'_>,
        special: Special,
        range: Range,
        type_min: i64,
        type_max: i64,
    ) {
        let Value::Number(n) = value else {
            return self.invalid(Phase::Type, path, || "Expected an integer.".into());
        };
        if special == Special::MaxResults {
            if n.is_f64() {
                return self.invalid(Phase::Type, path, || "Expected an integer.".into());
            }
            let ok = n
                .as_i64()
                .is_some_and(|v| (MAX_RESULTS_MIN..=MAX_RESULTS_MAX).contains(&v));
            if !ok {
                self.invalid(Phase::Size, path, || {
                    format!("maxResults must be between {MAX_RESULTS_MIN} and {MAX_RESULTS_MAX}.")
                });
            }
            return;
        }
        match n.as_i64().filter(|v| (type_min..=type_max).contains(v)) {
            Some(v) => {
                if !range.contains(v) {
                    self.invalid(Phase::Size, path, || {
                        format!("The value must be {}.", bounds(range, "", ""))
                    });
                }
            }
            None if n.is_f64() => {
                self.invalid(Phase::Type, path, || "Expected an integer.".into());
            }
            None => self.invalid(Phase::Type, path, || {
                format!("Expected an integer between {type_min} and {type_max}.")
            }),
        }
    }

    fn string(&mut self, shape: &'static Shape, s: &str, path: &Path<'_>, special: Special) {
        let ShapeKind::String {
            len,
            pattern,
            enum_values,
        } = shape.kind
        else {
            return;
        };
        if len != Range::NONE && self.wants(Phase::Size) {
            let n = s.chars().count() as i64;
            if !len.contains(n) {
                self.invalid(Phase::Size, path, || {
                    format!(
                        "The length must be {}.",
                        bounds(len, "character", "characters")
                    )
                });
            }
        }
        if special == Special::SemanticVersion {
            if self.wants(Phase::Pattern) {
                if let Err(make) = check_semver(s) {
                    self.fail(Phase::Pattern, make);
                }
            }
        } else if let Some(pattern) = pattern {
            if self.wants(Phase::Pattern) {
                if pattern.forbidden_prefix.is_some_and(|p| s.starts_with(p)) {
                    let prefix = pattern.forbidden_prefix.unwrap_or_default();
                    self.invalid(Phase::Pattern, path, || {
                        format!("It must not start with '{prefix}'.")
                    });
                } else if !regex(&pattern).is_match(s) {
                    self.invalid(Phase::Pattern, path, || {
                        format!("It must match pattern {}.", pattern.model)
                    });
                }
            }
        }
        if !enum_values.is_empty() && self.wants(Phase::Enum) && !enum_values.contains(&s) {
            self.invalid(Phase::Enum, path, || {
                format!("It must be one of: {}.", enum_values.join(", "))
            });
        }
    }
}

fn semver_pattern_error() -> ApiError {
    ApiError::new(
        ErrorKind::InvalidVersionNumber,
        invalid_param_message(
            "semanticVersion",
            &format!("semanticVersion must match pattern {SEMVER_PATTERN}"),
        ),
    )
}

fn semver_node_error() -> ApiError {
    ApiError::new(
        ErrorKind::InvalidVersionNumber,
        invalid_param_message(
            "semanticVersion",
            &format!("each version node must be at most {MAX_VERSION_NODE}"),
        ),
    )
}

/// `major.minor.patch`, digits only (no `x` nodes, whatever the shape allows), each node
/// at most [`MAX_VERSION_NODE`].
fn check_semver(s: &str) -> Result<(), fn() -> ApiError> {
    let mut nodes = 0;
    let mut too_big = false;
    for node in s.split('.') {
        nodes += 1;
        if node.is_empty() || !node.bytes().all(|b| b.is_ascii_digit()) {
            return Err(semver_pattern_error);
        }
        too_big |= node.parse::<u64>().map_or(true, |v| v > MAX_VERSION_NODE);
    }
    match (nodes, too_big) {
        (3, false) => Ok(()),
        (3, true) => Err(semver_node_error),
        _ => Err(semver_pattern_error),
    }
}

/// `between 1 and 128 characters`, `at least 1 item`, `at most 50 entries`, `exactly 0 characters`.
fn bounds(range: Range, one: &str, many: &str) -> String {
    let unit = |n: i64| {
        let u = if n == 1 { one } else { many };
        if u.is_empty() {
            n.to_string()
        } else {
            format!("{n} {u}")
        }
    };
    match (range.min, range.max) {
        (Some(a), Some(b)) if a == b => format!("exactly {}", unit(a)),
        (Some(a), Some(b)) if many.is_empty() => format!("between {a} and {b}"),
        (Some(a), Some(b)) => format!("between {a} and {b} {many}"),
        (Some(a), None) => format!("at least {}", unit(a)),
        (None, Some(b)) => format!("at most {}", unit(b)),
        (None, None) => "unbounded".to_string(),
    }
}

fn float_bounds(min: Option<f64>, max: Option<f64>) -> String {
    match (min, max) {
        (Some(a), Some(b)) => format!("between {a} and {b}"),
        (Some(a), None) => format!("at least {a}"),
        (None, Some(b)) => format!("at most {b}"),
        (None, None) => "a number".to_string(),
    }
}
