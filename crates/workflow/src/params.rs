//! Runtime parameter binding at CreateImage (§5.3, §8.2).

use serde_json::{Map, Value};

use crate::coerce::parse_integer;
use crate::error::ParameterError;
use crate::model::{ParamType, WorkflowDocument};
use crate::MAX_PARAMETER_VALUE_CHARS;

/// Checks the parameters supplied for one workflow (`WorkflowConfiguration.parameters`, as
/// `(name, values)` pairs in request order) and returns every declared parameter's typed value
/// (defaults filled in), in declaration order. Checks, in order: every name is declared and
/// given once; every parameter without a default is supplied; each value is at most 1024
/// characters and fits the parameter's type.
pub fn bind_parameters(
    doc: &WorkflowDocument,
    supplied: &[(String, Vec<String>)],
) -> Result<Map<String, Value>, ParameterError> {
    check_names(doc, supplied)?;
    check_required(doc, supplied)?;
    let mut typed = typed_values(doc, supplied)?;
    let mut out = Map::new();
    for def in &doc.parameters {
        let value = match typed.remove(&def.name) {
            Some(value) => value,
            None => def.default.clone().expect("checked by check_required"),
        };
        out.insert(def.name.clone(), value);
    }
    Ok(out)
}

/// Every supplied name is declared and supplied once.
fn check_names(
    doc: &WorkflowDocument,
    supplied: &[(String, Vec<String>)],
) -> Result<(), ParameterError> {
    for (i, (name, _)) in supplied.iter().enumerate() {
        if doc.parameter(name).is_none() {
            return Err(ParameterError::Unknown { name: name.clone() });
        }
        if supplied[..i].iter().any(|(earlier, _)| earlier == name) {
            return Err(ParameterError::Duplicate { name: name.clone() });
        }
    }
    Ok(())
}

/// Every declared parameter without a default is supplied.
fn check_required(
    doc: &WorkflowDocument,
    supplied: &[(String, Vec<String>)],
) -> Result<(), ParameterError> {
    for def in &doc.parameters {
        if def.default.is_none() && !supplied.iter().any(|(name, _)| *name == def.name) {
            return Err(ParameterError::Missing {
                name: def.name.clone(),
            });
        }
    }
    Ok(())
}

/// The supplied values, typed, in request order (names already checked by `check_names`).
fn typed_values(
    doc: &WorkflowDocument,
    supplied: &[(String, Vec<String>)],
) -> Result<Map<String, Value>, ParameterError> {
    let mut typed = Map::new();
    for (name, values) in supplied {
        let def = doc.parameter(name).expect("checked by check_names");
        if values
            .iter()
            .any(|v| v.chars().count() > MAX_PARAMETER_VALUE_CHARS)
        {
            return Err(ParameterError::TooLong { name: name.clone() });
        }
        typed.insert(name.clone(), typed_value(name, def.ty, values)?);
    }
    Ok(typed)
}

fn typed_value(name: &str, ty: ParamType, values: &[String]) -> Result<Value, ParameterError> {
    if ty == ParamType::StringList {
        return Ok(Value::Array(
            values.iter().cloned().map(Value::String).collect(),
        ));
    }
    let [value] = values else {
        return Err(ParameterError::Arity {
            name: name.to_string(),
            ty,
            count: values.len(),
        });
    };
    let typed = match ty {
        ParamType::String => Some(Value::String(value.clone())),
        ParamType::Integer => parse_integer(value).map(Value::from),
        ParamType::Boolean => match value.as_str() {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => None,
        },
        ParamType::StringList => unreachable!("handled above"),
    };
    typed.ok_or_else(|| ParameterError::InvalidValue {
        name: name.to_string(),
        ty,
        value: value.clone(),
    })
}
