//! JSON text in the layout of Python's `json.dumps` with default arguments: separators
//! `", "` and `": "`, non-ASCII escaped as lower-case `\uXXXX` (surrogate pairs above
//! U+FFFF), `/` unescaped. Step `inputs`/`outputs` strings and botocore resume tokens
//! both use this layout, and clients compare them byte for byte.

use serde_json::Value;

/// Serialises `value` exactly as `json.dumps(value)` would (key order preserved).
pub fn to_string(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value);
    out
}

fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_str(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(out, item);
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
                write_value(out, v);
            }
            out.push('}');
        }
    }
}

fn write_number(out: &mut String, n: &serde_json::Number) {
    out.push_str(&crate::pyfmt::number_repr(n));
}

/// A JSON string literal in Python's escaping (`json.dumps` default: `ensure_ascii`).
fn write_str(out: &mut String, s: &str) {
    write_string(out, s, true);
}

/// A JSON string literal as Python's encoder writes it: `"`, `\` and the C0 controls are
/// escaped (`\n`, `\r`, `\t`, `\b`, `\f`, else `\u00xx`); with `ensure_ascii` everything past
/// `~` is too, as lower-case `\uXXXX` (a surrogate pair above U+FFFF). Without it (the AWS
/// CLI's `--output json`) DEL, non-ASCII and U+2028/U+2029 are written as they are.
pub fn write_string(out: &mut String, s: &str, ensure_ascii: bool) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (ensure_ascii && (c as u32) > 0x7e) => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn matches_python_layout() {
        let v = json!({"nextToken": null, "boto_truncate_amount": 2});
        assert_eq!(
            to_string(&v),
            r#"{"nextToken": null, "boto_truncate_amount": 2}"#
        );
        let v = json!({"a": [1, "x/y", true], "é": "\u{1F600}\n\u{7f}"});
        assert_eq!(
            to_string(&v),
            r#"{"a": [1, "x/y", true], "\u00e9": "\ud83d\ude00\n\u007f"}"#
        );
        assert_eq!(to_string(&json!(1.0)), "1.0");
        assert_eq!(to_string(&json!(0.5)), "0.5");
        let mut unescaped = String::new();
        write_string(&mut unescaped, "é\u{7f}\u{1F600}\n\u{1}", false);
        assert_eq!(unescaped, "\"é\u{7f}\u{1F600}\\n\\u0001\"");
    }
}
