//! JMESPath with Python's key order. The `jmespath` crate evaluates over sorted maps, so an
//! object in a result comes back with its keys sorted, whereas botocore (and the AWS CLI's
//! `--query`) keep them as they were: a multi-select hash in the expression's order, an
//! object taken from the input in the input's order. This puts them back. What it cannot
//! put back is an order the crate has already spent: `values(@)`, `keys(@)` and `*` over
//! an object yield their elements in sorted-key order, where Python yields input order.

use jmespath::ast::Ast;
use jmespath::Expression;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// Evaluates `expression` on `input`, keys ordered as botocore orders them.
///
/// ```
/// let input = serde_json::json!({"steps": [{"name": "a", "status": "COMPLETED"}]});
/// let expr = jmespath::compile("steps[].{status: status, name: name}").unwrap();
/// let found = stepwise_client::query::search(&expr, &input).unwrap();
/// assert_eq!(found.to_string(), r#"[{"status":"COMPLETED","name":"a"}]"#);
/// ```
pub fn search(expression: &Expression<'_>, input: &Value) -> Result<Value, String> {
    let found = expression.search(input).map_err(|e| e.to_string())?;
    let value = serde_json::to_value(&*found).map_err(|e| e.to_string())?;
    let mut orders = HashMap::new();
    input_orders(input, &mut orders);
    Ok(reorder(Some(expression.as_ast()), value, &orders))
}

/// The key order of every object of the input, by its sorted key set.
fn input_orders(v: &Value, orders: &mut HashMap<Vec<String>, Vec<String>>) {
    match v {
        Value::Object(map) => {
            let order: Vec<String> = map.keys().cloned().collect();
            let mut sorted = order.clone();
            sorted.sort();
            orders.entry(sorted).or_insert(order);
            map.values().for_each(|x| input_orders(x, orders));
        }
        Value::Array(items) => items.iter().for_each(|x| input_orders(x, orders)),
        _ => {}
    }
}

/// The node that produced a value: a sub-expression's value is its right side's, a
/// filter's (`[?…]`) that of what it keeps.
fn producer(ast: &Ast) -> &Ast {
    match ast {
        Ast::Subexpr { rhs, .. } => producer(rhs),
        Ast::Condition { then, .. } => producer(then),
        other => other,
    }
}

fn reorder(ast: Option<&Ast>, v: Value, orders: &HashMap<Vec<String>, Vec<String>>) -> Value {
    let ast = ast.map(producer);
    match v {
        Value::Object(mut map) => {
            let mut out = Map::new();
            if let Some(Ast::MultiHash { elements, .. }) = ast {
                for kv in elements {
                    if let Some(x) = map.remove(&kv.key) {
                        out.insert(kv.key.clone(), reorder(Some(&kv.value), x, orders));
                    }
                }
            } else {
                let mut keys: Vec<String> = map.keys().cloned().collect();
                keys.sort();
                let keys = orders.get(&keys).cloned().unwrap_or(keys);
                for k in keys {
                    if let Some(x) = map.remove(&k) {
                        out.insert(k, reorder(None, x, orders));
                    }
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => {
            let item_ast = |i: usize| match ast {
                Some(Ast::Projection { rhs, .. }) => Some(rhs.as_ref()),
                Some(Ast::MultiList { elements, .. }) => elements.get(i),
                _ => None,
            };
            Value::Array(
                items
                    .into_iter()
                    .enumerate()
                    .map(|(i, x)| reorder(item_ast(i), x, orders))
                    .collect(),
            )
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(expr: &str, input: &Value) -> String {
        search(&jmespath::compile(expr).unwrap(), input)
            .unwrap()
            .to_string()
    }

    #[test]
    fn objects_keep_the_input_or_the_expression_order() {
        let input = json!({"z": 1, "a": {"y": 2, "b": 3}, "steps": [{"name": "n", "action": "x"}]});
        assert_eq!(run("@", &input), input.to_string());
        assert_eq!(run("a", &input), r#"{"y":2,"b":3}"#);
        assert_eq!(run("steps[0]", &input), r#"{"name":"n","action":"x"}"#);
        assert_eq!(
            run("{z: z, a: a, s: steps[].{n: name, a: action}}", &input),
            r#"{"z":1,"a":{"y":2,"b":3},"s":[{"n":"n","a":"x"}]}"#
        );
        assert_eq!(run("[a, z]", &input), r#"[{"y":2,"b":3},1]"#);
        assert_eq!(run("steps[*].[action, name]", &input), r#"[["x","n"]]"#);
        assert_eq!(
            run("steps[?name=='n'].{action: action, name: name}", &input),
            r#"[{"action":"x","name":"n"}]"#
        );
    }
}
