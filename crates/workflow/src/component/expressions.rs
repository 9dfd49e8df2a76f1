//! AWSTOE's condition expressions, as a step's `if` and an `Assert` step's inputs hold
//! them: one operator per mapping, comparisons with their `value`, and/or/not nested at most
//! four levels. Checked, not evaluated: a simulated build takes every condition as true.

use serde_json::{Map, Value};

/// The deepest nesting of `and`/`or`/`not` (the top operator is level 1).
pub const MAX_DEPTH: usize = 4;

/// Comparisons of a value with the operator's operand (`value:` beside the operator).
const WITH_VALUE: [&str; 11] = [
    "stringEquals",
    "stringLessThan",
    "stringLessThanEquals",
    "stringGreaterThan",
    "stringGreaterThanEquals",
    "patternMatches",
    "numberEquals",
    "numberLessThan",
    "numberLessThanEquals",
    "numberGreaterThan",
    "numberGreaterThanEquals",
];
/// Tests of the operand alone.
const ALONE: [&str; 5] = [
    "stringIsEmpty",
    "stringIsWhitespace",
    "binaryExists",
    "fileExists",
    "folderExists",
];
/// Hash comparisons of a file (`path:` beside the operator).
const WITH_PATH: [&str; 4] = [
    "fileMD5Equals",
    "fileSHA1Equals",
    "fileSHA256Equals",
    "fileSHA512Equals",
];
const LOGICAL: [&str; 3] = ["and", "or", "not"];
/// What a step's `if` may do with its outcome.
const STEP_ACTIONS: [&str; 3] = ["Abort", "Execute", "Skip"];

/// Checks a step's `if`: an expression, with optional `then`/`else` step actions.
pub fn check_if(value: &Value) -> Result<(), String> {
    let Value::Object(map) = value else {
        return Err("'if' must be a mapping holding one operator.".into());
    };
    for key in ["then", "else"] {
        if let Some(action) = map.get(key) {
            if !action.as_str().is_some_and(|a| STEP_ACTIONS.contains(&a)) {
                return Err(format!(
                    "'if' has {key} {}; it must be Abort, Execute or Skip.",
                    super::shown(action)
                ));
            }
        }
    }
    let mut expression = map.clone();
    expression.remove("then");
    expression.remove("else");
    check_expression(&expression, 1)
}

/// Checks an `Assert` step's inputs: one expression.
pub fn check_assert(inputs: &Map<String, Value>) -> Result<(), String> {
    check_expression(inputs, 1)
}

fn check_expression(map: &Map<String, Value>, depth: usize) -> Result<(), String> {
    let operators: Vec<&String> = map
        .keys()
        .filter(|k| !matches!(k.as_str(), "value" | "path"))
        .collect();
    let [operator] = operators[..] else {
        return Err(if operators.is_empty() {
            "a condition needs an operator.".into()
        } else {
            format!(
                "a condition holds one operator, not {} ({}).",
                operators.len(),
                operators
                    .iter()
                    .map(|o| format!("'{o}'"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        });
    };
    let op = operator.as_str();
    let operand = &map[operator];
    let extra = |allowed: &[&str]| {
        map.keys()
            .find(|k| k.as_str() != op && !allowed.contains(&k.as_str()))
            .map(|k| format!("'{op}' does not take '{k}'."))
    };
    if LOGICAL.contains(&op) {
        if depth > MAX_DEPTH {
            return Err(format!(
                "conditions nest at most {MAX_DEPTH} levels of and, or and not."
            ));
        }
        if let Some(e) = extra(&[]) {
            return Err(e);
        }
        return match (op, operand) {
            ("not", Value::Object(inner)) => check_expression(inner, depth + 1),
            ("not", _) => Err("'not' must hold one condition, as a mapping.".into()),
            (_, Value::Array(items)) if !items.is_empty() => {
                for item in items {
                    let Value::Object(inner) = item else {
                        return Err(format!("each condition under '{op}' must be a mapping."));
                    };
                    check_expression(inner, depth + 1)?;
                }
                Ok(())
            }
            _ => Err(format!("'{op}' must hold a list of conditions.")),
        };
    }
    let scalar = |v: &Value| matches!(v, Value::String(_) | Value::Number(_) | Value::Bool(_));
    if !scalar(operand) {
        return Err(format!(
            "the operand of '{op}' must be a string or a number."
        ));
    }
    if WITH_VALUE.contains(&op) {
        if let Some(e) = extra(&["value"]) {
            return Err(e);
        }
        match map.get("value") {
            Some(v) if scalar(v) => Ok(()),
            Some(_) => Err(format!(
                "the 'value' of '{op}' must be a string or a number."
            )),
            None => Err(format!("'{op}' needs a 'value' to compare with.")),
        }
    } else if WITH_PATH.contains(&op) {
        if let Some(e) = extra(&["path"]) {
            return Err(e);
        }
        match map.get("path") {
            Some(Value::String(_)) => Ok(()),
            _ => Err(format!("'{op}' needs the 'path' of the file to hash.")),
        }
    } else if ALONE.contains(&op) {
        extra(&[]).map_or(Ok(()), Err)
    } else {
        Err(format!("'{op}' is not an operator AWSTOE knows."))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(v: Value) -> Result<(), String> {
        check_if(&v)
    }

    #[test]
    fn conditions_are_checked_by_shape() {
        assert!(check(json!({"fileExists": "/etc/x", "then": "Skip"})).is_ok());
        assert!(check(
            json!({"and": [{"binaryExists": "apt-get"}, {"not": {"binaryExists": "unzip"}}]})
        )
        .is_ok());
        assert!(
            check(json!({"stringEquals": "a", "value": "{{ build.S.outputs.stdout }}"})).is_ok()
        );
        assert!(check(json!({"fileSHA256Equals": "ab", "path": "/x"})).is_ok());
        for (bad, words) in [
            (json!({"stringEquals": "a"}), "needs a 'value'"),
            (
                json!({"fileExists": "/x", "then": "Run"}),
                "Abort, Execute or Skip",
            ),
            (
                json!({"fileExists": "/x", "binaryExists": "y"}),
                "one operator, not 2",
            ),
            (json!({"sameAs": "x"}), "not an operator"),
            (json!({"and": {"fileExists": "x"}}), "list of conditions"),
            (json!({"not": [{"fileExists": "x"}]}), "one condition"),
            (
                json!({"not": {"not": {"not": {"not": {"not": {"fileExists": "x"}}}}}}),
                "at most 4 levels",
            ),
            (
                json!({"fileExists": "/x", "value": "y"}),
                "does not take 'value'",
            ),
            (json!({}), "needs an operator"),
            (json!(["x"]), "must be a mapping"),
        ] {
            let e = check(bad.clone()).unwrap_err();
            assert!(e.contains(words), "{bad}: {e}");
        }
    }
}
