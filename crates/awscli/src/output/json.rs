//! `--output json`: Python's `json.dump(value, indent=4, ensure_ascii=False)` and a newline.

use serde_json::Value;

use stepwise_api::pyfmt::number_repr;
use stepwise_api::pyjson::write_string;

const INDENT: &str = "    ";

/// The json output: nothing for `{}` (the CLI skips an empty response), else the document.
pub(crate) fn render(value: &Value) -> String {
    if matches!(value, Value::Object(map) if map.is_empty()) {
        return String::new();
    }
    let mut out = String::new();
    write_value(value, 0, &mut out);
    out.push('\n');
    out
}

fn write_value(value: &Value, level: usize, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        // Python's json writes floats with float.__repr__, e.g. 1e-07, 1e+20, 1.0.
        Value::Number(n) => out.push_str(&number_repr(n)),
        Value::String(s) => write_string(out, s, false),
        Value::Array(items) => {
            if items.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(level + 1, out);
                write_value(item, level + 1, out);
            }
            newline(level, out);
            out.push(']');
        }
        Value::Object(map) => {
            if map.is_empty() {
                out.push_str("{}");
                return;
            }
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(level + 1, out);
                write_string(out, key, false);
                out.push_str(": ");
                write_value(item, level + 1, out);
            }
            newline(level, out);
            out.push('}');
        }
    }
}

fn newline(level: usize, out: &mut String) {
    out.push('\n');
    for _ in 0..level {
        out.push_str(INDENT);
    }
}
