//! How a JSON value reads as text, a number, a boolean or an integer: the conversions the
//! model (parameter defaults as strings), document parsing, parameter binding and run-time
//! evaluation share (§3.4, §5.3, §5.8).
//!
//! A leaf: it uses no other module of the crate, so `model`, `parse`, `params` and `eval` can
//! all depend on it without depending on each other (`model` used to reach `stringify` in
//! `eval`, which depends on `model` and `error`, and `error` on `model`: a circle).

use serde_json::Value;

/// A value as text: strings verbatim, numbers in decimal, booleans `true`/`false`,
/// `null`, lists and objects as Python-style JSON (§3.4).
pub fn stringify(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => stepwise_api::pyjson::to_string(other),
    }
}

/// The number an operand stands for: a JSON number, or a string matching
/// `^-?[0-9]+(\.[0-9]+)?$`.
pub(crate) fn as_number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => {
            let digits = s.strip_prefix('-').unwrap_or(s);
            let (int, frac) = match digits.split_once('.') {
                Some((i, f)) => (i, Some(f)),
                None => (digits, None),
            };
            let all_digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
            if all_digits(int) && frac.is_none_or(all_digits) {
                s.parse().ok()
            } else {
                None
            }
        }
        _ => None,
    }
}

/// The boolean an operand stands for: a JSON boolean or the strings `true`/`false`.
pub(crate) fn as_bool(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s == "true" => Some(true),
        Value::String(s) if s == "false" => Some(false),
        _ => None,
    }
}

/// A digit string `^-?[0-9]+$` as an integer.
pub(crate) fn parse_integer(s: &str) -> Option<i64> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}
