//! A response as botocore parses it before the AWS CLI prints it: only the members the
//! model knows, in the model's order, with null members left out. (Timestamps stay as
//! received: the AWS CLI v1 prints them so by default.)

use serde_json::{Map, Value};
use stepwise_api::schema::{Shape, ShapeKind};

/// `value` read as `shape`.
pub fn parse(shape: &Shape, value: &Value) -> Value {
    match (&shape.kind, value) {
        (ShapeKind::Structure { members }, Value::Object(body)) => {
            let mut out = Map::new();
            for m in members.iter() {
                match body.get(m.name) {
                    None | Some(Value::Null) => {}
                    Some(v) => {
                        out.insert(m.name.to_string(), parse(m.target, v));
                    }
                }
            }
            Value::Object(out)
        }
        (ShapeKind::List { member, .. }, Value::Array(items)) => {
            Value::Array(items.iter().map(|i| parse(member, i)).collect())
        }
        (ShapeKind::Map { value: v, .. }, Value::Object(body)) => Value::Object(
            body.iter()
                .filter(|(_, x)| !x.is_null())
                .map(|(k, x)| (k.clone(), parse(v, x)))
                .collect(),
        ),
        _ => value.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use stepwise_api::operations;

    #[test]
    fn unmodelled_and_null_members_are_dropped_and_the_model_orders_them() {
        let op = operations::by_name("ListWorkflowStepExecutions").unwrap();
        let body = json!({
            "workflowExecutionId": "wf-1",
            "requestId": "r",
            "steps": [{"status": "COMPLETED", "name": "a", "attempts": 1, "message": null}],
            "extra": true
        });
        let parsed = parse(op.output, &body);
        assert_eq!(
            serde_json::to_string(&parsed).unwrap(),
            r#"{"requestId":"r","steps":[{"name":"a","status":"COMPLETED"}],"workflowExecutionId":"wf-1"}"#
        );
    }
}
