//! `--output text`: awscli's `text.format_text`.
//!
//! A dict prints its scalar values on one line, tab-separated, in sorted key order, prefixed by
//! the upper-cased key it sits under (none at the top); then each non-scalar value in sorted
//! key order, under its own key. A list of dicts uses one set of columns for all its dicts (the
//! sorted union of their scalar keys, blank where a dict lacks one). A list of scalars prints
//! one `KEY\tvalue` line per item under a key, or one tab-separated line at the top. Scalars
//! print with Python's `str()`: `None`, `True`, `False`, floats as `repr`.

use serde_json::{Map, Value};

use stepwise_api::pyfmt::{is_scalar, py_str};

/// The awscli raised an exception here; what it had written stays on stdout.
struct Failed;

/// The text output. Where the AWS CLI fails part-way (a list mixing dicts with other values),
/// this is what it wrote to stdout before failing.
pub(crate) fn render(value: &Value) -> String {
    let mut out = String::new();
    let _ = format_text(value, None, None, &mut out);
    out
}

fn format_text(
    item: &Value,
    identifier: Option<&str>,
    scalar_keys: Option<&[String]>,
    out: &mut String,
) -> Result<(), Failed> {
    match item {
        Value::Object(map) => format_dict(scalar_keys, map, identifier, out),
        Value::Array(items) => format_list(items, identifier, out),
        scalar => {
            out.push_str(&py_str(scalar));
            out.push('\n');
            Ok(())
        }
    }
}

fn format_list(items: &[Value], identifier: Option<&str>, out: &mut String) -> Result<(), Failed> {
    if items.is_empty() {
        return Ok(());
    }
    if items.iter().any(Value::is_object) {
        let all_keys = all_scalar_keys(items)?;
        for element in items {
            format_text(element, identifier, Some(&all_keys), out)?;
        }
    } else if items.iter().any(Value::is_array) {
        let scalars: Vec<&Value> = items.iter().filter(|v| is_scalar(v)).collect();
        if !scalars.is_empty() {
            format_scalar_list(&scalars, identifier, out);
        }
        for non_scalar in items.iter().filter(|v| !is_scalar(v)) {
            format_text(non_scalar, identifier, None, out)?;
        }
    } else {
        let scalars: Vec<&Value> = items.iter().collect();
        format_scalar_list(&scalars, identifier, out);
    }
    Ok(())
}

fn format_scalar_list(elements: &[&Value], identifier: Option<&str>, out: &mut String) {
    match identifier {
        Some(identifier) => {
            let upper = identifier.to_uppercase();
            for item in elements {
                out.push_str(&upper);
                out.push('\t');
                out.push_str(&py_str(item));
                out.push('\n');
            }
        }
        None => {
            let joined: Vec<String> = elements.iter().map(|v| py_str(v)).collect();
            out.push_str(&joined.join("\t"));
            out.push('\n');
        }
    }
}

fn format_dict(
    scalar_keys: Option<&[String]>,
    item: &Map<String, Value>,
    identifier: Option<&str>,
    out: &mut String,
) -> Result<(), Failed> {
    let mut scalars: Vec<String> = Vec::new();
    let mut non_scalars: Vec<(&str, &Value)> = Vec::new();
    match scalar_keys {
        None => {
            let mut entries: Vec<(&String, &Value)> = item.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            for (key, value) in entries {
                if is_scalar(value) {
                    scalars.push(py_str(value));
                } else {
                    non_scalars.push((key, value));
                }
            }
        }
        Some(keys) => {
            for key in keys {
                scalars.push(item.get(key).map(py_str).unwrap_or_default());
            }
            let mut remaining: Vec<&String> = item.keys().filter(|k| !keys.contains(k)).collect();
            remaining.sort();
            for key in remaining {
                non_scalars.push((key, &item[key.as_str()]));
            }
        }
    }
    if !scalars.is_empty() {
        if let Some(identifier) = identifier {
            scalars.insert(0, identifier.to_uppercase());
        }
        out.push_str(&scalars.join("\t"));
        out.push('\n');
    }
    for (key, value) in non_scalars {
        format_text(value, Some(key), None, out)?;
    }
    Ok(())
}

/// The sorted union of the keys holding scalars in a list of dicts; the AWS CLI fails on a list
/// holding anything but dicts here.
fn all_scalar_keys(items: &[Value]) -> Result<Vec<String>, Failed> {
    let mut keys: Vec<String> = Vec::new();
    for item in items {
        let Value::Object(map) = item else {
            return Err(Failed);
        };
        for (key, value) in map {
            if is_scalar(value) && !keys.contains(key) {
                keys.push(key.clone());
            }
        }
    }
    keys.sort();
    Ok(keys)
}
