//! The request checked as botocore checks it before sending: required members, unknown
//! members, JSON types, and the model's minimums (never its maximums, patterns or enums,
//! which are the service's to judge). The AWS CLI reports these as
//! `Parameter validation failed:` and sends nothing.

use crate::output::python_str;
use serde_json::Value;
use stepwise_api::schema::{Shape, ShapeKind};

/// `Ok` or botocore's report of every problem in `input` for `shape`.
pub fn validate(shape: &Shape, input: &Value) -> Result<(), String> {
    let mut errors = Vec::new();
    check(shape, input, "input", &mut errors);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "Parameter validation failed:\n{}",
            errors.join("\n")
        ))
    }
}

/// Python's class of a JSON value, as botocore prints it.
fn class(value: &Value) -> &'static str {
    match value {
        Value::Null => "<class 'NoneType'>",
        Value::Bool(_) => "<class 'bool'>",
        Value::Number(n) if n.is_f64() => "<class 'float'>",
        Value::Number(_) => "<class 'int'>",
        Value::String(_) => "<class 'str'>",
        Value::Array(_) => "<class 'list'>",
        Value::Object(_) => "<class 'dict'>",
    }
}

fn invalid_type(name: &str, value: &Value, valid: &str, errors: &mut Vec<String>) {
    errors.push(format!(
        "Invalid type for parameter {name}, value: {}, type: {}, valid types: {valid}",
        python_str(value),
        class(value)
    ));
}

fn too_short(name: &str, len: usize, min: Option<i64>, errors: &mut Vec<String>) {
    if let Some(min) = min.filter(|&m| (len as i64) < m) {
        errors.push(format!(
            "Invalid length for parameter {name}, value: {len}, valid min length: {min}"
        ));
    }
}

/// `name` is `input` at the top, else the member's dotted path (`a.b`, `a[0].b`).
fn check(shape: &Shape, value: &Value, name: &str, errors: &mut Vec<String>) {
    let path = |member: &str| {
        if name == "input" {
            member.to_string()
        } else {
            format!("{name}.{member}")
        }
    };
    match (&shape.kind, value) {
        (ShapeKind::Structure { members }, Value::Object(map)) => {
            for m in members.iter().filter(|m| m.required) {
                if !map.contains_key(m.name) {
                    errors.push(format!(
                        "Missing required parameter in {name}: \"{}\"",
                        m.name
                    ));
                }
            }
            for (key, v) in map {
                match members.iter().find(|m| m.name == key.as_str()) {
                    Some(m) => check(m.target, v, &path(key), errors),
                    None => {
                        let names: Vec<&str> = members.iter().map(|m| m.name).collect();
                        errors.push(format!(
                            "Unknown parameter in {name}: \"{key}\", must be one of: {}",
                            names.join(", ")
                        ));
                    }
                }
            }
        }
        (ShapeKind::Structure { .. }, other) => invalid_type(name, other, "<class 'dict'>", errors),
        (ShapeKind::List { member, len }, Value::Array(items)) => {
            too_short(name, items.len(), len.min, errors);
            for (i, item) in items.iter().enumerate() {
                check(member, item, &format!("{name}[{i}]"), errors);
            }
        }
        (ShapeKind::List { .. }, other) => {
            invalid_type(name, other, "<class 'list'>, <class 'tuple'>", errors)
        }
        (
            ShapeKind::Map {
                value: target, len, ..
            },
            Value::Object(map),
        ) => {
            too_short(name, map.len(), len.min, errors);
            for (k, v) in map {
                check(target, v, &format!("{name}.{k}"), errors);
            }
        }
        (ShapeKind::Map { .. }, other) => invalid_type(name, other, "<class 'dict'>", errors),
        (ShapeKind::String { len, .. }, Value::String(s)) => {
            too_short(name, s.chars().count(), len.min, errors)
        }
        (ShapeKind::String { .. }, other) => invalid_type(name, other, "<class 'str'>", errors),
        (ShapeKind::Integer { range } | ShapeKind::Long { range }, Value::Number(n))
            if !n.is_f64() =>
        {
            if let (Some(v), Some(min)) = (n.as_i64(), range.min) {
                if v < min {
                    errors.push(format!(
                        "Invalid value for parameter {name}, value: {v}, valid min value: {min}"
                    ));
                }
            }
        }
        (ShapeKind::Integer { .. } | ShapeKind::Long { .. }, other) => {
            invalid_type(name, other, "<class 'int'>", errors)
        }
        (ShapeKind::Boolean, Value::Bool(_)) => {}
        (ShapeKind::Boolean, other) => invalid_type(name, other, "<class 'bool'>", errors),
        (ShapeKind::Double { .. }, Value::Number(_)) => {}
        (ShapeKind::Double { .. }, other) => invalid_type(
            name,
            other,
            "<class 'float'>, <class 'decimal.Decimal'>, <class 'int'>",
            errors,
        ),
        (ShapeKind::Timestamp, Value::String(_) | Value::Number(_)) => {}
        (ShapeKind::Timestamp, other) => invalid_type(
            name,
            other,
            "<class 'datetime.datetime'>, timestamp-string",
            errors,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use stepwise_api::operations;

    fn input(op: &str) -> &'static Shape {
        operations::by_name(op).unwrap().input
    }

    #[test]
    fn problems_are_reported_as_botocore_words_them() {
        let create = input("CreateImage");
        let err = validate(
            create,
            &json!({"imageRecipeArn": "a", "infrastructureConfigurationArn": "b",
                    "imageTestsConfiguration": {"nope": "1"}, "clientToken": "t"}),
        )
        .unwrap_err();
        assert_eq!(
            err,
            "Parameter validation failed:\nUnknown parameter in imageTestsConfiguration: \"nope\", must be one of: imageTestsEnabled, timeoutMinutes"
        );
        let list = input("ListWorkflowStepExecutions");
        let err = validate(
            list,
            &json!({"maxResult": 5, "maxResults": "5", "nextToken": ""}),
        )
        .unwrap_err();
        assert_eq!(
            err,
            "Parameter validation failed:\n\
             Missing required parameter in input: \"workflowExecutionId\"\n\
             Unknown parameter in input: \"maxResult\", must be one of: maxResults, nextToken, workflowExecutionId\n\
             Invalid type for parameter maxResults, value: 5, type: <class 'str'>, valid types: <class 'int'>\n\
             Invalid length for parameter nextToken, value: 0, valid min length: 1"
        );
        assert!(validate(
            list,
            &json!({"workflowExecutionId": "wf-1", "maxResults": 5})
        )
        .is_ok());
    }
}
