//! JSON values read through a model shape.

use crate::schema::{Shape, ShapeKind};
use serde_json::{Map, Value};

/// `value` reduced to the members `shape` defines, in model order, recursively; `null`
/// members are dropped. The server keeps unknown or null input members out of stored bodies
/// and picks a summary's members out of a full body with it; the command line reads a
/// response with it as botocore does (modelled members only, in model order, no nulls).
pub fn shaped(shape: &'static Shape, value: &Value) -> Option<Value> {
    match (&shape.kind, value) {
        (_, Value::Null) => None,
        (ShapeKind::Structure { members }, Value::Object(map)) => {
            let mut out = Map::new();
            for m in members.iter() {
                if let Some(v) = map.get(m.name).and_then(|v| shaped(m.target, v)) {
                    out.insert(m.name.to_string(), v);
                }
            }
            Some(Value::Object(out))
        }
        (ShapeKind::List { member, .. }, Value::Array(items)) => Some(Value::Array(
            items.iter().filter_map(|i| shaped(member, i)).collect(),
        )),
        (ShapeKind::Map { value: target, .. }, Value::Object(map)) => Some(Value::Object(
            map.iter()
                .filter_map(|(k, v)| shaped(target, v).map(|v| (k.clone(), v)))
                .collect(),
        )),
        _ => Some(value.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operations;
    use serde_json::json;

    #[test]
    fn nested_unknown_and_null_members_are_dropped() {
        let v = json!({"region": "eu-west-1", "bogus": 1, "licenseConfigurationArns": null,
                       "amiDistributionConfiguration": {"name": "n{{imagebuilder:buildDate}}", "extra": true}});
        let out = shaped(&crate::schema::DISTRIBUTION, &v).unwrap();
        assert_eq!(
            out.to_string(),
            r#"{"region":"eu-west-1","amiDistributionConfiguration":{"name":"n{{imagebuilder:buildDate}}"}}"#
        );
    }

    #[test]
    fn unmodelled_and_null_members_are_dropped_and_the_model_orders_them() {
        let op = operations::by_name("ListWorkflowStepExecutions").unwrap();
        let body = json!({
            "workflowExecutionId": "wf-1",
            "requestId": "r",
            "steps": [{"status": "COMPLETED", "name": "a", "attempts": 1, "message": null}],
            "extra": true
        });
        assert_eq!(
            shaped(op.output, &body).unwrap().to_string(),
            r#"{"requestId":"r","steps":[{"name":"a","status":"COMPLETED"}],"workflowExecutionId":"wf-1"}"#
        );
    }
}
