//! `--output yaml`, as the AWS CLI v2 writes it.
//!
//! The AWS CLI v2 (not installable here) dumps the response with ruamel.yaml's `safe` dumper,
//! `default_flow_style = False`; its installers ship ruamel.yaml.clib, so the emitter is
//! libyaml's. The output this module reproduces (checked against ruamel.yaml 0.17.21 with
//! ruamel.yaml.clib 0.2.15 `YAML(typ='safe')`):
//! * nothing for `{}` (like json), otherwise one implicit document ending in a newline;
//! * block style; mapping keys sorted (the safe representer sorts dict keys); nested mappings
//!   indented 2 spaces; a sequence under a key is not indented (`key:` then `- item` in the same
//!   column); empty lists and dicts written `[]` and `{}`;
//! * `null`, `true`/`false`, integers as they are, floats as Python's `repr` lower-cased
//!   (`1e+20`, `0.1`);
//! * strings plain unless that would change their meaning or is not allowed: single-quoted when
//!   YAML 1.2 would read them as another type (`'true'`, `'123'`, `'null'`, `''`, timestamps
//!   like `'2024-01-02T03:04:05Z'`) or they hold indicators, leading/trailing spaces or line
//!   breaks; double-quoted with escapes when they hold characters libyaml does not print (tabs,
//!   controls, characters beyond U+FFFF such as emoji, U+FEFF);
//! * lines folded at spaces once past column 80, continuation lines indented one level;
//! * a plain top-level scalar is followed by the document end marker `...`.

use std::sync::OnceLock;

use regex::Regex;
use serde_json::Value;

use stepwise_api::pyfmt::number_repr;

const BEST_WIDTH: usize = 80;
const BEST_INDENT: i64 = 2;

/// The yaml output: nothing for `{}`, else the document.
pub(crate) fn render(value: &Value) -> String {
    if matches!(value, Value::Object(map) if map.is_empty()) {
        return String::new();
    }
    let mut emitter = Emitter {
        out: String::new(),
        column: 0,
        indent: -1,
        indents: Vec::new(),
        whitespace: true,
        indention: true,
        open_ended: false,
    };
    emitter.emit_node(value, true, false);
    // Document end.
    emitter.write_indent();
    if emitter.open_ended {
        emitter.out.push_str("...\n");
    }
    emitter.out
}

/// The YAML 1.2 implicit types of ruamel's resolver, keyed as it keys them by first character:
/// a plain string matching one of these would load as something else.
fn resolves_to_non_string(value: &str) -> bool {
    static RESOLVERS: OnceLock<Vec<(&'static str, Regex)>> = OnceLock::new();
    let resolvers = RESOLVERS.get_or_init(|| {
        let list: [(&str, &str); 7] = [
            ("tTfF", r"^(?:true|True|TRUE|false|False|FALSE)$"),
            (
                "-+0123456789.",
                r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)|[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
            ),
            (
                "-+0123456789",
                r"^(?:[-+]?0b[0-1_]+|[-+]?0o?[0-7_]+|[-+]?[0-9_]+|[-+]?0x[0-9a-fA-F_]+)$",
            ),
            ("<", r"^(?:<<)$"),
            ("~nN", r"^(?:~|null|Null|NULL)$"),
            (
                "0123456789",
                r"^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$",
            ),
            ("=!&*", r"^(?:=|!|&|\*)$"),
        ];
        list.iter()
            .map(|(first, re)| (*first, Regex::new(re).expect("valid resolver regex")))
            .collect()
    });
    let Some(first) = value.chars().next() else {
        // The empty string is null.
        return true;
    };
    resolvers
        .iter()
        .any(|(firsts, re)| firsts.contains(first) && re.is_match(value))
}

/// libyaml's printable set: LF, ASCII graphic and space, U+A0..U+D7FF, U+E000..U+FFFD but
/// U+FEFF. Nothing beyond the BMP.
fn is_printable(c: char) -> bool {
    let c = c as u32;
    c == 0x0A
        || (0x20..=0x7E).contains(&c)
        || (0xA0..=0xD7FF).contains(&c)
        || ((0xE000..=0xFFFD).contains(&c) && c != 0xFEFF)
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_blankz(c: Option<char>) -> bool {
    match c {
        None => true,
        Some(c) => c == ' ' || c == '\t' || c == '\0' || is_break(c),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    Single,
    Double,
}

struct Analysis {
    multiline: bool,
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
}

fn analyze(value: &str) -> Analysis {
    if value.is_empty() {
        return Analysis {
            multiline: false,
            block_plain_allowed: true,
            single_quoted_allowed: true,
        };
    }
    let chars: Vec<char> = value.chars().collect();
    let mut block_indicators = value.starts_with("---") || value.starts_with("...");
    let (mut leading_space, mut leading_break, mut trailing_space, mut trailing_break) =
        (false, false, false, false);
    let (mut break_space, mut space_break, mut previous_space, mut previous_break) =
        (false, false, false, false);
    let (mut line_breaks, mut special_characters) = (false, false);
    let mut preceded_by_whitespace = true;
    for (i, &c) in chars.iter().enumerate() {
        let followed_by_whitespace = is_blankz(chars.get(i + 1).copied());
        let first = i == 0;
        let last = i + 1 == chars.len();
        if first {
            if "#,[]{}&*!|>'\"%@`".contains(c) {
                block_indicators = true;
            }
            if (c == '?' || c == ':' || c == '-') && followed_by_whitespace {
                block_indicators = true;
            }
        } else {
            if c == ':' && followed_by_whitespace {
                block_indicators = true;
            }
            if c == '#' && preceded_by_whitespace {
                block_indicators = true;
            }
        }
        if !is_printable(c) {
            special_characters = true;
        }
        if is_break(c) {
            line_breaks = true;
        }
        if c == ' ' {
            leading_space |= first;
            trailing_space |= last;
            break_space |= previous_break;
            previous_space = true;
            previous_break = false;
        } else if is_break(c) {
            leading_break |= first;
            trailing_break |= last;
            space_break |= previous_space;
            previous_break = true;
            previous_space = false;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = is_blankz(Some(c));
    }
    let mut block_plain_allowed = true;
    let mut single_quoted_allowed = true;
    if leading_space || leading_break || trailing_space || trailing_break {
        block_plain_allowed = false;
    }
    if break_space {
        block_plain_allowed = false;
        single_quoted_allowed = false;
    }
    if space_break || special_characters {
        block_plain_allowed = false;
        single_quoted_allowed = false;
    }
    if line_breaks || block_indicators {
        block_plain_allowed = false;
    }
    Analysis {
        multiline: line_breaks,
        block_plain_allowed,
        single_quoted_allowed,
    }
}

struct Emitter {
    out: String,
    column: usize,
    indent: i64,
    indents: Vec<i64>,
    whitespace: bool,
    indention: bool,
    open_ended: bool,
}

impl Emitter {
    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        if self.indent < 0 {
            self.indent = if flow { BEST_INDENT } else { 0 };
        } else if !indentless {
            self.indent += BEST_INDENT;
        }
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().unwrap_or(-1);
    }

    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    fn write_break(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.out.push(c);
            self.column = 0;
        }
    }

    fn write_indent(&mut self) {
        let indent = self.indent.max(0) as usize;
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indicator(
        &mut self,
        indicator: &str,
        need_whitespace: bool,
        is_whitespace: bool,
        is_indention: bool,
    ) {
        if need_whitespace && !self.whitespace {
            self.put(' ');
        }
        for c in indicator.chars() {
            self.put(c);
        }
        self.whitespace = is_whitespace;
        self.indention = self.indention && is_indention;
        self.open_ended = false;
    }

    /// `mapping`: the node is a mapping value (a block sequence there is not indented).
    fn emit_node(&mut self, value: &Value, root: bool, mapping: bool) {
        match value {
            Value::Array(items) if items.is_empty() => self.emit_empty_flow("[", "]"),
            Value::Object(map) if map.is_empty() => self.emit_empty_flow("{", "}"),
            Value::Array(items) => {
                self.increase_indent(false, mapping && !self.indention);
                for item in items {
                    self.write_indent();
                    self.write_indicator("-", true, false, true);
                    self.emit_node(item, false, false);
                }
                self.pop_indent();
            }
            Value::Object(map) => {
                self.increase_indent(false, false);
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                for (key, item) in entries {
                    self.write_indent();
                    let simple = !analyze(key).multiline && key.len() <= 128;
                    if simple {
                        self.emit_scalar(key, true, false, true);
                        self.write_indicator(":", false, false, false);
                    } else {
                        self.write_indicator("?", true, false, true);
                        self.emit_scalar(key, true, false, false);
                        self.write_indent();
                        self.write_indicator(":", true, false, true);
                    }
                    self.emit_node(item, false, true);
                }
                self.pop_indent();
            }
            Value::Null => self.emit_scalar("null", false, root, false),
            Value::Bool(b) => {
                self.emit_scalar(if *b { "true" } else { "false" }, false, root, false)
            }
            Value::Number(n) => {
                self.emit_scalar(&number_repr(n).to_lowercase(), false, root, false)
            }
            Value::String(s) => self.emit_scalar(s, true, root, false),
        }
    }

    fn emit_empty_flow(&mut self, open: &str, close: &str) {
        self.write_indicator(open, true, true, false);
        self.increase_indent(true, false);
        self.pop_indent();
        self.write_indicator(close, false, false, false);
    }

    /// A scalar; `is_str`: tagged as a string (else null, bool, int or float, which always
    /// resolve to their own type when plain).
    fn emit_scalar(&mut self, value: &str, is_str: bool, root: bool, simple_key: bool) {
        let analysis = analyze(value);
        let plain_implicit = !is_str || !resolves_to_non_string(value);
        let mut style = Style::Plain;
        if !analysis.block_plain_allowed || (value.is_empty() && simple_key) || !plain_implicit {
            style = Style::Single;
        }
        if style == Style::Single && !analysis.single_quoted_allowed {
            style = Style::Double;
        }
        self.increase_indent(true, false);
        let allow_breaks = !simple_key;
        match style {
            Style::Plain => self.write_plain(value, allow_breaks, root),
            Style::Single => self.write_single_quoted(value, allow_breaks),
            Style::Double => self.write_double_quoted(value, allow_breaks),
        }
        self.pop_indent();
    }

    fn write_plain(&mut self, value: &str, allow_breaks: bool, root: bool) {
        if !self.whitespace && !value.is_empty() {
            self.put(' ');
        }
        let chars: Vec<char> = value.chars().collect();
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && chars.get(i + 1) != Some(&' ')
                {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                self.indention = false;
                spaces = false;
            }
        }
        self.whitespace = false;
        self.indention = false;
        if root {
            self.open_ended = true;
        }
    }

    fn write_single_quoted(&mut self, value: &str, allow_breaks: bool) {
        self.write_indicator("'", true, false, false);
        let chars: Vec<char> = value.chars().collect();
        let (mut spaces, mut breaks) = (false, false);
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i != 0
                    && i + 1 != chars.len()
                    && chars.get(i + 1) != Some(&' ')
                {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                if c == '\'' {
                    self.put('\'');
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        if breaks {
            self.write_indent();
        }
        self.write_indicator("'", false, false, false);
    }

    fn write_double_quoted(&mut self, value: &str, allow_breaks: bool) {
        self.write_indicator("\"", true, false, false);
        let chars: Vec<char> = value.chars().collect();
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if !is_printable(c) || c == '\u{FEFF}' || is_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                let escaped = match c {
                    '\0' => "0".to_owned(),
                    '\u{7}' => "a".to_owned(),
                    '\u{8}' => "b".to_owned(),
                    '\t' => "t".to_owned(),
                    '\n' => "n".to_owned(),
                    '\u{b}' => "v".to_owned(),
                    '\u{c}' => "f".to_owned(),
                    '\r' => "r".to_owned(),
                    '\u{1b}' => "e".to_owned(),
                    '"' => "\"".to_owned(),
                    '\\' => "\\".to_owned(),
                    '\u{85}' => "N".to_owned(),
                    '\u{a0}' => "_".to_owned(),
                    '\u{2028}' => "L".to_owned(),
                    '\u{2029}' => "P".to_owned(),
                    c if (c as u32) <= 0xFF => format!("x{:02X}", c as u32),
                    c if (c as u32) <= 0xFFFF => format!("u{:04X}", c as u32),
                    c => format!("U{:08X}", c as u32),
                };
                for e in escaped.chars() {
                    self.put(e);
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i != 0
                    && i + 1 != chars.len()
                {
                    self.write_indent();
                    if chars.get(i + 1) == Some(&' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
        self.write_indicator("\"", false, false, false);
    }
}
