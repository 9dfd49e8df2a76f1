//! Python's `repr()` of JSON-like values, for error texts that botocore builds with f-strings
//! (`{'nextToken': 'SAME'}`, `value: ['x'], type: <class 'list'>`). Tokens are almost always
//! ASCII; for other characters Python's `str.isprintable` is approximated (see `printable`).

use serde_json::Value;

/// `repr(value)` as CPython prints the equivalent Python object.
pub(crate) fn repr(value: &Value) -> String {
    let mut out = String::new();
    write(&mut out, value);
    out
}

/// The class name botocore prints in "Invalid type" messages (`<class 'int'>`).
pub(crate) fn class_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

fn write(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("None"),
        Value::Bool(true) => out.push_str("True"),
        Value::Bool(false) => out.push_str("False"),
        Value::Number(n) => match n.as_f64().filter(|_| n.is_f64()) {
            Some(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e16 => {
                out.push_str(&format!("{f:.1}"))
            }
            Some(f) => out.push_str(&format!("{f:?}")),
            None => out.push_str(&n.to_string()),
        },
        Value::String(s) => write_str(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_str(out, k);
                out.push_str(": ");
                write(out, v);
            }
            out.push('}');
        }
    }
}

/// A `str` literal: single quotes unless the text has `'` and no `"`.
pub(crate) fn write_str(out: &mut String, s: &str) {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if printable(c) => out.push(c),
            c if (c as u32) < 0x100 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push(quote);
}

/// Approximates `str.isprintable`: Python escapes control, format, separator (except the ASCII
/// space), private-use and unassigned characters. Without the Unicode tables we cover the
/// control and separator classes exactly and the common format characters; unassigned code
/// points are printed as they are.
fn printable(c: char) -> bool {
    let u = c as u32;
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    let format_chars = matches!(
        u,
        0xAD | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x180E | 0x200B..=0x200F | 0x202A..=0x202E
            | 0x2060..=0x2064 | 0x2066..=0x206F | 0xFEFF | 0xFFF9..=0xFFFB | 0x110BD | 0xE0001
            | 0xE0020..=0xE007F
    );
    let private_or_noncharacter = matches!(u, 0xE000..=0xF8FF | 0xF0000..=0x10FFFF)
        || (u & 0xFFFE) == 0xFFFE
        || (0xFDD0..=0xFDEF).contains(&u);
    !(format_chars || private_or_noncharacter)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn quotes_like_python() {
        assert_eq!(repr(&json!({"nextToken": "SAME"})), "{'nextToken': 'SAME'}");
        assert_eq!(repr(&json!("it's")), "\"it's\"");
        assert_eq!(repr(&json!("both'\"")), "'both\\'\"'");
        assert_eq!(
            repr(&json!("caf\u{e9}\u{2603}\\")),
            "'caf\u{e9}\u{2603}\\\\'"
        );
        assert_eq!(
            repr(&json!("\u{0}\u{7f}\u{a0}\u{2028}")),
            "'\\x00\\x7f\\xa0\\u2028'"
        );
        assert_eq!(repr(&json!([1, 1.5, true, null])), "[1, 1.5, True, None]");
    }

    #[test]
    fn class_names() {
        assert_eq!(class_name(&json!(5)), "int");
        assert_eq!(class_name(&json!(["x"])), "list");
        assert_eq!(class_name(&json!(1.5)), "float");
    }
}
