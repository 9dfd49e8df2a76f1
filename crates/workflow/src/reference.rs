//! `$.` references and `{{ }}` placeholders (§5.6): syntax only, no lookup.

use std::sync::OnceLock;

use regex::Regex;

/// The roots a reference may start from.
pub(crate) const ROOTS: [&str; 4] = [
    "parameters",
    "stepOutputs",
    "workflowOutputs",
    "imagebuilder",
];

/// One path element after the root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

/// A syntactically valid reference `$.<root>.<name>(.<key>|[<n>])*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reference<'a> {
    /// The whole reference text.
    pub text: &'a str,
    pub root: &'a str,
    /// The first name after the root (parameter, step, output or variable name).
    pub head: &'a str,
    pub path: Vec<Segment<'a>>,
}

fn is_name_char(c: char) -> bool {
    !(c == '.' || c == '[' || c == ']' || c == '{' || c == '}' || c == '$' || c.is_whitespace())
}

fn take_name(s: &str) -> (&str, &str) {
    let end = s.find(|c: char| !is_name_char(c)).unwrap_or(s.len());
    s.split_at(end)
}

impl<'a> Reference<'a> {
    /// Parses `text` (surrounding whitespace ignored) as a whole reference.
    pub fn parse(text: &'a str) -> Option<Reference<'a>> {
        let text = text.trim();
        let rest = text.strip_prefix("$.")?;
        let (root, rest) = take_name(rest);
        if root.is_empty() {
            return None;
        }
        let rest = rest.strip_prefix('.')?;
        let (head, mut rest) = take_name(rest);
        if head.is_empty() {
            return None;
        }
        let mut path = Vec::new();
        while !rest.is_empty() {
            if let Some(r) = rest.strip_prefix('.') {
                let (key, r) = take_name(r);
                if key.is_empty() {
                    return None;
                }
                path.push(Segment::Key(key));
                rest = r;
            } else if let Some(r) = rest.strip_prefix('[') {
                let end = r.find(']')?;
                let digits = &r[..end];
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                path.push(Segment::Index(digits.parse().ok()?));
                rest = &r[end + 1..];
            } else {
                return None;
            }
        }
        Some(Reference {
            text,
            root,
            head,
            path,
        })
    }
}

/// Whether `s` looks like it is meant to be a reference (starts with `$.` after trimming).
pub(crate) fn looks_like_reference(s: &str) -> bool {
    s.trim_start().starts_with("$.")
}

fn placeholder_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\{\{\s*([^{}]*?)\s*\}\}").expect("valid regex"))
}

/// A piece of a string split at `{{ $.… }}` placeholders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece<'a> {
    /// Text kept verbatim (including placeholders that are not `$.` references, such as
    /// `{{imagebuilder:buildDate}}`).
    Literal(&'a str),
    /// The trimmed inside of a `{{ $.… }}` placeholder.
    Placeholder(&'a str),
}

/// Splits `s` into literal text and `$.` placeholders. Returns `None` when `s` has no
/// `$.` placeholder at all.
pub(crate) fn split_placeholders(s: &str) -> Option<Vec<Piece<'_>>> {
    let mut pieces = Vec::new();
    let mut last = 0;
    let mut found = false;
    for caps in placeholder_regex().captures_iter(s) {
        let whole = caps.get(0).expect("match");
        let inner = caps.get(1).expect("group").as_str();
        if !inner.starts_with("$.") {
            continue;
        }
        found = true;
        if whole.start() > last {
            pieces.push(Piece::Literal(&s[last..whole.start()]));
        }
        pieces.push(Piece::Placeholder(inner));
        last = whole.end();
    }
    if !found {
        return None;
    }
    if last < s.len() {
        pieces.push(Piece::Literal(&s[last..]));
    }
    Some(pieces)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_references() {
        let r = Reference::parse("$.stepOutputs.Cmd.output[0]").unwrap();
        assert_eq!(r.root, "stepOutputs");
        assert_eq!(r.head, "Cmd");
        assert_eq!(r.path, vec![Segment::Key("output"), Segment::Index(0)]);

        let r = Reference::parse("  $.parameters.list[2][10].x  ").unwrap();
        assert_eq!(r.text, "$.parameters.list[2][10].x");
        assert_eq!(
            r.path,
            vec![Segment::Index(2), Segment::Index(10), Segment::Key("x")]
        );

        let r = Reference::parse("$.stepOutputs.Step-1_a.instanceId").unwrap();
        assert_eq!(r.head, "Step-1_a");
    }

    #[test]
    fn rejects_malformed_references() {
        for bad in [
            "$.",
            "$.parameters",
            "$.parameters.",
            "$.parameters..x",
            "$.parameters.x[",
            "$.parameters.x[]",
            "$.parameters.x[a]",
            "$.parameters.x[-1]",
            "$.parameters[0]",
            "$.parameters.x y",
            "$.parameters.x]",
            "parameters.x",
            "$parameters.x",
            "$.stepOutputs.A.b{{",
            "$.a.b.$",
            "$.50 fee",
        ] {
            assert!(Reference::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn splits_placeholders() {
        assert_eq!(split_placeholders("plain"), None);
        assert_eq!(split_placeholders("{{imagebuilder:buildDate}}"), None);
        assert_eq!(
            split_placeholders("a-{{ $.parameters.x }}-{{$.imagebuilder.platform}}"),
            Some(vec![
                Piece::Literal("a-"),
                Piece::Placeholder("$.parameters.x"),
                Piece::Literal("-"),
                Piece::Placeholder("$.imagebuilder.platform"),
            ])
        );
        assert_eq!(
            split_placeholders("{{imagebuilder:buildVersion}} {{ $.parameters.x }}"),
            Some(vec![
                Piece::Literal("{{imagebuilder:buildVersion}} "),
                Piece::Placeholder("$.parameters.x"),
            ])
        );
    }
}
