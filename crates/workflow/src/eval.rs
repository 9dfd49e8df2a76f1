//! Run-time evaluation: reference resolution, interpolation, `if`, `rollbackEnabled` and
//! workflow outputs (§5.5, §5.6, §5.8).

use serde_json::{Map, Value};

use crate::coerce::{as_bool, as_number, stringify};
use crate::error::EvalError;
use crate::model::{Condition, Operator, RollbackEnabled, WorkflowDocument};
use crate::reference::{looks_like_reference, split_placeholders, Piece, Reference, Segment};

/// Everything a reference can see while a step is evaluated.
#[derive(Debug, Clone, Copy)]
pub struct EvalContext<'a> {
    /// Typed parameter values, defaults included (see [`crate::bind_parameters`]).
    pub parameters: &'a Map<String, Value>,
    /// Step name → that step's outputs object, for `COMPLETED` steps of this execution only.
    pub step_outputs: &'a Map<String, Value>,
    /// Outputs of workflows of the same image that finished before this one started.
    pub workflow_outputs: &'a Map<String, Value>,
    /// The `$.imagebuilder.*` variables (§5.7).
    pub imagebuilder: &'a Map<String, Value>,
}

impl<'a> EvalContext<'a> {
    fn root(&self, name: &str) -> Option<&'a Map<String, Value>> {
        match name {
            "parameters" => Some(self.parameters),
            "stepOutputs" => Some(self.step_outputs),
            "workflowOutputs" => Some(self.workflow_outputs),
            "imagebuilder" => Some(self.imagebuilder),
            _ => None,
        }
    }
}

fn unresolved(reference: &str) -> EvalError {
    EvalError::Unresolved {
        reference: reference.trim().to_string(),
    }
}

fn lookup<'v>(reference: &Reference<'_>, ctx: &EvalContext<'v>) -> Option<&'v Value> {
    let mut current = ctx.root(reference.root)?.get(reference.head)?;
    for segment in &reference.path {
        current = match (segment, current) {
            (Segment::Key(k), Value::Object(map)) => map.get(*k)?,
            (Segment::Index(i), Value::Array(items)) => items.get(*i)?,
            _ => return None,
        };
    }
    Some(current)
}

/// Resolves one whole reference (`$.root.name…`) to its value.
pub fn resolve_reference(text: &str, ctx: &EvalContext) -> Result<Value, EvalError> {
    Reference::parse(text)
        .and_then(|r| lookup(&r, ctx))
        .cloned()
        .ok_or_else(|| unresolved(text))
}

/// Replaces every `{{ $.… }}` placeholder in `s`; `None` when `s` has none.
fn interpolate(s: &str, ctx: &EvalContext) -> Option<Result<String, EvalError>> {
    let pieces = split_placeholders(s)?;
    let mut out = String::with_capacity(s.len());
    for piece in pieces {
        match piece {
            Piece::Literal(text) => out.push_str(text),
            Piece::Placeholder(reference) => match resolve_reference(reference, ctx) {
                Ok(value) => out.push_str(&stringify(&value)),
                Err(e) => return Some(Err(e)),
            },
        }
    }
    Some(Ok(out))
}

/// A string in value position: a whole reference keeps the referenced type, a string with
/// placeholders becomes the interpolated string, anything else stays literal. `strict` (a
/// `.$` key) makes a string that starts with `$.` but is not a valid reference an error.
fn resolve_string(s: &str, ctx: &EvalContext, strict: bool) -> Result<Value, EvalError> {
    if Reference::parse(s).is_some() {
        return resolve_reference(s, ctx);
    }
    if strict && looks_like_reference(s) {
        return Err(unresolved(s));
    }
    match interpolate(s, ctx) {
        Some(result) => result.map(Value::String),
        None => Ok(Value::String(s.to_string())),
    }
}

fn resolve_value(value: &Value, ctx: &EvalContext, strict: bool) -> Result<Value, EvalError> {
    match value {
        Value::String(s) => resolve_string(s, ctx, strict),
        Value::Array(items) => items
            .iter()
            .map(|item| resolve_value(item, ctx, false))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        Value::Object(map) => {
            let mut out = Map::with_capacity(map.len());
            for (key, item) in map {
                match key.strip_suffix(".$") {
                    Some(bare) => {
                        out.insert(bare.to_string(), resolve_value(item, ctx, true)?);
                    }
                    None => {
                        out.insert(key.clone(), resolve_value(item, ctx, false)?);
                    }
                }
            }
            Ok(Value::Object(out))
        }
        other => Ok(other.clone()),
    }
}

/// Resolves a step's raw `inputs` (§5.6): `.$` keys at any depth (suffix dropped, value taken
/// from the reference with its JSON type), plain keys holding a whole `$.` reference, and
/// `{{ $.… }}` interpolation in every string. Keys keep document order.
pub fn resolve_inputs(raw: &Value, ctx: &EvalContext) -> Result<Value, EvalError> {
    resolve_value(raw, ctx, false)
}

/// Whether `operand` can serve as an operand of `operator`.
pub(crate) fn operand_fits(operator: Operator, operand: &Value) -> bool {
    match operator {
        Operator::StringEquals => !operand.is_null(),
        Operator::BooleanEquals => as_bool(operand).is_some(),
        _ => as_number(operand).is_some(),
    }
}

fn compare(operator: Operator, operand: &Value, value: &Value) -> Option<bool> {
    Some(match operator {
        Operator::StringEquals => stringify(value) == stringify(operand),
        Operator::BooleanEquals => as_bool(value)? == as_bool(operand)?,
        _ => {
            let (v, o) = (as_number(value)?, as_number(operand)?);
            match operator {
                Operator::NumberEquals => v == o,
                Operator::NumberGreaterThan => v > o,
                Operator::NumberGreaterThanEquals => v >= o,
                Operator::NumberLessThan => v < o,
                Operator::NumberLessThanEquals => v <= o,
                Operator::StringEquals | Operator::BooleanEquals => unreachable!(),
            }
        }
    })
}

/// Evaluates an `if` condition (§5.8): `and`/`or` short-circuit in order; a comparison is
/// `value <operator> operand`. An unresolvable reference, or a referenced value that does not
/// fit the operator, is an error (the step fails), never `false`.
pub fn evaluate_condition(condition: &Condition, ctx: &EvalContext) -> Result<bool, EvalError> {
    match condition {
        Condition::And(children) => {
            for child in children {
                if !evaluate_condition(child, ctx)? {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        Condition::Or(children) => {
            for child in children {
                if evaluate_condition(child, ctx)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Condition::Not(child) => Ok(!evaluate_condition(child, ctx)?),
        Condition::Compare {
            operator,
            operand,
            value,
        } => evaluate_comparison(*operator, operand, value, ctx),
    }
}

/// `value <operator> operand`, with `value` resolved first. An operand that does not fit the
/// operator is `InvalidOperand`; so is a value that does not, unless it came from a reference
/// or template, which is then `Unresolved`.
fn evaluate_comparison(
    operator: Operator,
    operand: &Value,
    value: &Value,
    ctx: &EvalContext,
) -> Result<bool, EvalError> {
    if !operand_fits(operator, operand) {
        return Err(EvalError::InvalidOperand {
            operator: operator.as_str(),
            operand: stepwise_api::pyjson::to_string(operand),
        });
    }
    let resolved = match value {
        Value::String(s) => resolve_string(s, ctx, false)?,
        other => other.clone(),
    };
    compare(operator, operand, &resolved).ok_or_else(|| match value {
        Value::String(s) if is_dynamic(s) => unresolved(s),
        _ => EvalError::InvalidOperand {
            operator: operator.as_str(),
            operand: stepwise_api::pyjson::to_string(&resolved),
        },
    })
}

/// Whether a string in value position takes its value from references.
fn is_dynamic(s: &str) -> bool {
    Reference::parse(s).is_some() || split_placeholders(s).is_some()
}

/// Evaluates `rollbackEnabled` at rollback time: a literal, or a reference resolving to a
/// boolean (or the string `true`/`false`).
pub fn evaluate_rollback_enabled(
    rollback: &RollbackEnabled,
    ctx: &EvalContext,
) -> Result<bool, EvalError> {
    match rollback {
        RollbackEnabled::Bool(b) => Ok(*b),
        RollbackEnabled::Reference(reference) => {
            let value = resolve_reference(reference, ctx)?;
            as_bool(&value).ok_or_else(|| unresolved(reference))
        }
    }
}

/// Evaluates the document's `outputs` when the workflow completes. An output whose value
/// cannot be resolved is left out (§5.5).
pub fn evaluate_outputs(doc: &WorkflowDocument, ctx: &EvalContext) -> Map<String, Value> {
    let mut out = Map::new();
    for output in &doc.outputs {
        if let Ok(value) = resolve_string(&output.value, ctx, true) {
            out.insert(output.name.clone(), value);
        }
    }
    out
}
