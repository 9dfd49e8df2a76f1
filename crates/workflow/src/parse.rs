//! Parsing and CreateWorkflow-time validation of workflow documents (§5.1–§5.5, §5.8, §5.9).

use serde_json::{Map, Value};

use crate::coerce::{as_bool, parse_integer, stringify};
use crate::error::DocumentError;
use crate::eval::operand_fits;
use crate::model::{
    Action, Condition, OnFailure, Operator, OutputDef, ParamType, ParameterDef, RollbackEnabled,
    StepDef, WorkflowDocument, WorkflowType,
};
use crate::reference::{
    looks_like_reference, split_placeholders, Piece, Reference, Segment, ROOTS,
};
use crate::{
    IMAGEBUILDER_VARIABLES, MAX_ATTEMPTS, MAX_CONDITION_CHILDREN, MAX_CONDITION_DEPTH,
    MAX_DATA_CHARS, MAX_DESCRIPTION_CHARS, MAX_OUTPUTS, MAX_PARAMETERS, MAX_PARAMETER_NAME_CHARS,
};

type Result<T> = std::result::Result<T, DocumentError>;

const TOP_LEVEL_KEYS: &[&str] = &[
    "schemaVersion",
    "name",
    "description",
    "parameters",
    "steps",
    "outputs",
];
const PARAMETER_KEYS: &[&str] = &["name", "type", "default", "description"];
const STEP_KEYS: &[&str] = &[
    "name",
    "action",
    "description",
    "onFailure",
    "rollbackEnabled",
    "timeoutSeconds",
    "if",
    "inputs",
    "maxAttempts",
];
const OUTPUT_KEYS: &[&str] = &["name", "value"];

fn invalid<T>(message: impl Into<String>) -> Result<T> {
    Err(DocumentError::invalid(message))
}

/// A value for use inside a message: strings quoted as they are, others as JSON.
fn show(value: &Value) -> String {
    match value {
        Value::String(s) => format!("'{s}'"),
        other => stepwise_api::pyjson::to_string(other),
    }
}

/// Parses YAML (1.2 core schema, duplicate keys rejected) into an order-preserving value.
fn parse_yaml(data: &str) -> Result<Value> {
    let options = serde_saphyr::options! {
        strict_booleans: true,
        underscored_numbers_as_strings: true,
        reject_unsupported_tags: true,
        merge_keys: serde_saphyr::MergeKeyPolicy::AsOrdinary,
        with_snippet: false,
    };
    serde_saphyr::from_str_with_options::<Value>(data, options).map_err(|e| {
        let e = e.without_snippet();
        if let serde_saphyr::Error::DuplicateMappingKey {
            key: Some(key),
            location,
        } = e
        {
            return DocumentError::Syntax(format!(
                "The workflow document has a duplicate key '{key}' at line {}, column {}.",
                location.line(),
                location.column()
            ));
        }
        let text = e.to_string();
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        DocumentError::Syntax(format!(
            "The workflow document is not valid YAML: {}.",
            text.trim_end_matches('.')
        ))
    })
}

fn check_known_keys(map: &Map<String, Value>, known: &[&str], owner: &str) -> Result<()> {
    match map.keys().find(|k| !known.contains(&k.as_str())) {
        Some(key) => invalid(format!("{owner} has an unknown key '{key}'.")),
        None => Ok(()),
    }
}

/// An optional list: absent or `null` → empty.
fn optional_list<'v>(root: &'v Map<String, Value>, key: &str) -> Result<&'v [Value]> {
    match root.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(_) => invalid(format!("'{key}' must be a list.")),
    }
}

/// Optional document metadata: a scalar, kept as text.
fn metadata(root: &Map<String, Value>, key: &str) -> Result<Option<String>> {
    match root.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(v @ (Value::Number(_) | Value::Bool(_))) => Ok(Some(stringify(v))),
        Some(_) => invalid(format!("'{key}' must be a string.")),
    }
}

/// Parses and validates a workflow document of type `ty` against every CreateWorkflow rule
/// (§5.9). `max_steps` is the server's step quota (15 by default).
pub fn parse_document(data: &str, ty: WorkflowType, max_steps: usize) -> Result<WorkflowDocument> {
    let chars = data.chars().count();
    if chars > MAX_DATA_CHARS {
        return invalid(format!(
            "The workflow document is {chars} characters long; the maximum is {MAX_DATA_CHARS}."
        ));
    }
    let value = parse_yaml(data)?;
    let Value::Object(root) = value else {
        return invalid("The workflow document must be a YAML mapping.");
    };
    check_known_keys(&root, TOP_LEVEL_KEYS, "The workflow document")?;

    match root.get("schemaVersion") {
        None => return invalid("The workflow document is missing required key 'schemaVersion'."),
        Some(Value::String(s)) if s == "1.0" => {}
        Some(Value::Number(n)) if n.is_f64() && n.as_f64() == Some(1.0) => {}
        Some(other) => {
            return invalid(format!(
                "The schemaVersion {} is not supported; the only supported value is 1.0.",
                show(other)
            ))
        }
    }
    let name = metadata(&root, "name")?;
    let description = metadata(&root, "description")?;

    let parameters = parse_parameters(optional_list(&root, "parameters")?)?;

    let steps_value = match root.get("steps") {
        None => return invalid("The workflow document is missing required key 'steps'."),
        Some(Value::Array(items)) => items,
        Some(_) => return invalid("'steps' must be a list."),
    };
    if steps_value.is_empty() || steps_value.len() > max_steps {
        return invalid(format!(
            "The workflow document has {} steps; it must have between 1 and {max_steps}.",
            steps_value.len()
        ));
    }
    let mut steps: Vec<StepDef> = Vec::with_capacity(steps_value.len());
    for (index, raw) in steps_value.iter().enumerate() {
        let step = parse_step(raw, index, ty, &parameters, &steps)?;
        steps.push(step);
    }

    let outputs = parse_outputs(optional_list(&root, "outputs")?, &parameters, &steps)?;

    Ok(WorkflowDocument {
        name,
        description,
        parameters,
        steps,
        outputs,
    })
}

// ---------------------------------------------------------------------------------------------
// parameters

fn parse_parameters(items: &[Value]) -> Result<Vec<ParameterDef>> {
    if items.len() > MAX_PARAMETERS {
        return invalid(format!(
            "The workflow document declares {} parameters; the maximum is {MAX_PARAMETERS}.",
            items.len()
        ));
    }
    let mut out: Vec<ParameterDef> = Vec::with_capacity(items.len());
    for (index, raw) in items.iter().enumerate() {
        let position = index + 1;
        let Value::Object(map) = raw else {
            return invalid(format!("Parameter {position} must be a mapping."));
        };
        let name = match map.get("name") {
            None => {
                return invalid(format!(
                    "Parameter {position} is missing required key 'name'."
                ))
            }
            Some(Value::String(s)) => s.clone(),
            Some(_) => {
                return invalid(format!(
                    "Parameter {position} has a name that is not a string."
                ))
            }
        };
        let length = name.chars().count();
        if length == 0 || length > MAX_PARAMETER_NAME_CHARS || name.contains('\0') {
            return invalid(format!(
                "Parameter name '{name}' is not valid; it must be 1 to {MAX_PARAMETER_NAME_CHARS} characters long and must not contain NUL."
            ));
        }
        let owner = format!("Parameter '{name}'");
        check_known_keys(map, PARAMETER_KEYS, &owner)?;
        if out.iter().any(|p| p.name == name) {
            return invalid(format!(
                "Parameter name '{name}' is declared more than once."
            ));
        }
        let ty = match map.get("type") {
            None | Some(Value::Null) => ParamType::String,
            Some(Value::String(s)) => ParamType::parse(s).map_or_else(
                || {
                    invalid(format!(
                        "{owner} has an unknown type '{s}'; it must be 'string', 'integer', 'boolean' or 'stringList'."
                    ))
                },
                Ok,
            )?,
            Some(other) => {
                return invalid(format!(
                    "{owner} has an unknown type {}; it must be 'string', 'integer', 'boolean' or 'stringList'.",
                    show(other)
                ))
            }
        };
        let default = match map.get("default") {
            None => None,
            Some(raw) => Some(typed_default(ty, raw).ok_or_else(|| {
                DocumentError::invalid(format!(
                    "{owner} has a default value {} that is not a valid {ty}.",
                    show(raw)
                ))
            })?),
        };
        let description = match map.get("description") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.chars().count() <= MAX_DESCRIPTION_CHARS => Some(s.clone()),
            Some(_) => {
                return invalid(format!(
                    "{owner} has a description that is not a string of at most {MAX_DESCRIPTION_CHARS} characters."
                ))
            }
        };
        out.push(ParameterDef {
            name,
            ty,
            default,
            description,
        });
    }
    Ok(out)
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(_) | Value::Number(_) | Value::Bool(_) => Some(stringify(value)),
        _ => None,
    }
}

fn typed_default(ty: ParamType, raw: &Value) -> Option<Value> {
    match ty {
        ParamType::String => scalar_text(raw).map(Value::String),
        ParamType::Integer => match raw {
            Value::Number(n) => n.as_i64().map(Value::from),
            Value::String(s) => parse_integer(s).map(Value::from),
            _ => None,
        },
        ParamType::Boolean => as_bool(raw).map(Value::Bool),
        ParamType::StringList => match raw {
            Value::Array(items) => items
                .iter()
                .map(|item| scalar_text(item).map(Value::String))
                .collect::<Option<Vec<_>>>()
                .map(Value::Array),
            _ => None,
        },
    }
}

// ---------------------------------------------------------------------------------------------
// references

/// What a reference may see from where it is written.
struct Scope<'a> {
    /// `Step 'X'` or `Output 'Y'`, for messages.
    owner: &'a str,
    parameters: &'a [ParameterDef],
    /// The steps `$.stepOutputs.<S>` may name.
    steps: &'a [StepDef],
    /// Whether `steps` are the steps before the referring one (a step) or all steps (outputs).
    earlier_only: bool,
}

impl Scope<'_> {
    fn check_reference(&self, text: &str) -> Result<()> {
        let owner = self.owner;
        let Some(reference) = Reference::parse(text) else {
            return invalid(format!(
                "{owner} has a malformed reference '{}'.",
                text.trim()
            ));
        };
        let text = reference.text;
        let head = reference.head;
        match reference.root {
            "parameters" => {
                if !self.parameters.iter().any(|p| p.name == head) {
                    return invalid(format!(
                        "{owner} references parameter '{head}' in '{text}', but no such parameter is declared."
                    ));
                }
            }
            "stepOutputs" => {
                if !self.steps.iter().any(|s| s.name == head) {
                    return invalid(if self.earlier_only {
                        format!("{owner} references '{text}', but '{head}' is not an earlier step.")
                    } else {
                        format!("{owner} references '{text}', but there is no step named '{head}'.")
                    });
                }
            }
            "imagebuilder" => {
                if !IMAGEBUILDER_VARIABLES.contains(&head) {
                    return invalid(format!(
                        "{owner} references '{text}', but '{head}' is not a known imagebuilder variable."
                    ));
                }
            }
            "workflowOutputs" => {}
            root => {
                return invalid(format!(
                    "{owner} uses reference '{text}' with unknown root '{root}'; the root must be one of {}.",
                    ROOTS.map(|r| format!("'{r}'")).join(", ")
                ))
            }
        }
        Ok(())
    }

    /// Checks every reference in a string in value position. `strict` (a `.$` key or an `if`
    /// value) makes a string starting with `$.` that is not a valid reference an error.
    fn check_string(&self, s: &str, strict: bool) -> Result<()> {
        if Reference::parse(s).is_some() || (strict && looks_like_reference(s)) {
            return self.check_reference(s);
        }
        if let Some(pieces) = split_placeholders(s) {
            for piece in pieces {
                if let Piece::Placeholder(reference) = piece {
                    self.check_reference(reference)?;
                }
            }
        }
        Ok(())
    }

    fn check_inputs(&self, value: &Value, strict: bool) -> Result<()> {
        match value {
            Value::String(s) => self.check_string(s, strict),
            Value::Array(items) => items
                .iter()
                .try_for_each(|item| self.check_inputs(item, false)),
            Value::Object(map) => {
                for (key, item) in map {
                    match key.strip_suffix(".$") {
                        Some("") => {
                            return invalid(format!(
                                "{} has an input key '.$' without a name.",
                                self.owner
                            ))
                        }
                        Some(bare) => {
                            if map.contains_key(bare) {
                                return invalid(format!(
                                    "{} sets input '{bare}' twice, as '{bare}' and as '{key}'.",
                                    self.owner
                                ));
                            }
                            self.check_inputs(item, true)?;
                        }
                        None => self.check_inputs(item, false)?,
                    }
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// steps

fn valid_step_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    (2..=100).contains(&bytes.len())
        && bytes[0].is_ascii_alphabetic()
        && bytes[1..]
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn bounded_integer(value: &Value, min: u64, max: u64) -> Option<u32> {
    value
        .as_u64()
        .filter(|n| (min..=max).contains(n))
        .and_then(|n| u32::try_from(n).ok())
}

fn parse_step(
    raw: &Value,
    index: usize,
    ty: WorkflowType,
    parameters: &[ParameterDef],
    earlier: &[StepDef],
) -> Result<StepDef> {
    let position = index + 1;
    let Value::Object(map) = raw else {
        return invalid(format!("Step {position} must be a mapping."));
    };
    let name = match map.get("name") {
        None => return invalid(format!("Step {position} is missing required key 'name'.")),
        Some(Value::String(s)) => s.clone(),
        Some(other) => {
            return invalid(format!(
                "Step {position} has a name {} that is not a string.",
                show(other)
            ))
        }
    };
    if !valid_step_name(&name) {
        return invalid(format!(
            "Step name '{name}' is not valid; it must match ^[A-Za-z][A-Za-z0-9-_]{{1,99}}$."
        ));
    }
    if earlier.iter().any(|s| s.name == name) {
        return invalid(format!("Step name '{name}' is used more than once."));
    }
    let owner = format!("Step '{name}'");
    check_known_keys(map, STEP_KEYS, &owner)?;

    let action = match map.get("action") {
        None => return invalid(format!("{owner} is missing required key 'action'.")),
        Some(Value::String(s)) => match Action::parse(s) {
            Some(action) => action,
            None => return invalid(format!("{owner} uses unknown action '{s}'.")),
        },
        Some(other) => return invalid(format!("{owner} uses unknown action {}.", show(other))),
    };
    if !action.allowed_in(ty) {
        return invalid(format!(
            "{owner} uses action '{action}', which is not allowed in a {ty} workflow."
        ));
    }
    check_exclusive(&owner, action, earlier)?;

    let description = match map.get("description") {
        None => None,
        Some(Value::String(s)) if (1..=MAX_DESCRIPTION_CHARS).contains(&s.chars().count()) => {
            Some(s.clone())
        }
        Some(_) => {
            return invalid(format!(
                "{owner} has a description that is not a string of 1 to {MAX_DESCRIPTION_CHARS} characters."
            ))
        }
    };

    let on_failure = match map.get("onFailure") {
        None => OnFailure::Abort,
        Some(value) => value.as_str().and_then(OnFailure::parse).ok_or_else(|| {
            DocumentError::invalid(format!(
                "{owner} has an invalid onFailure value {}; it must be 'Abort' or 'Continue'.",
                show(value)
            ))
        })?,
    };

    let scope = Scope {
        owner: &owner,
        parameters,
        steps: earlier,
        earlier_only: true,
    };

    let rollback_enabled = match map.get("rollbackEnabled") {
        None => RollbackEnabled::Bool(true),
        Some(Value::Bool(b)) => RollbackEnabled::Bool(*b),
        Some(Value::String(s)) if s == "true" || s == "false" => RollbackEnabled::Bool(s == "true"),
        Some(Value::String(s)) if looks_like_reference(s) => {
            scope.check_reference(s)?;
            RollbackEnabled::Reference(s.trim().to_string())
        }
        Some(other) => {
            return invalid(format!(
            "{owner} has an invalid rollbackEnabled value {}; it must be a boolean or a reference.",
            show(other)
        ))
        }
    };

    let timeout_seconds = match map.get("timeoutSeconds") {
        None => None,
        Some(value) => Some(
            bounded_integer(value, 1, u64::from(action.max_timeout())).ok_or_else(|| {
                DocumentError::invalid(format!(
                    "{owner} has timeoutSeconds {}; it must be an integer from 1 to {} for action '{action}'.",
                    show(value),
                    action.max_timeout()
                ))
            })?,
        ),
    };

    let max_attempts = match map.get("maxAttempts") {
        None => 1,
        Some(value) => bounded_integer(value, 1, u64::from(MAX_ATTEMPTS)).ok_or_else(|| {
            DocumentError::invalid(format!(
                "{owner} has maxAttempts {}; it must be an integer from 1 to {MAX_ATTEMPTS}.",
                show(value)
            ))
        })?,
    };

    let condition = match map.get("if") {
        None => None,
        Some(value) => Some(parse_if(value, &scope)?),
    };

    let inputs = match map.get("inputs") {
        None | Some(Value::Null) => None,
        Some(value @ Value::Object(_)) => Some(value.clone()),
        Some(_) => return invalid(format!("{owner} has inputs that are not a mapping.")),
    };
    check_step_inputs(&scope, action, inputs.as_ref())?;

    Ok(StepDef {
        name,
        action,
        description,
        on_failure,
        rollback_enabled,
        timeout_seconds,
        condition,
        inputs,
        max_attempts,
    })
}

/// `DistributeContainerImage` excludes `DistributeImage`, `ModifyImageAttributes` and
/// `ApplyImageConfigurations` in the same document.
fn check_exclusive(owner: &str, action: Action, earlier: &[StepDef]) -> Result<()> {
    let excluded = |a: Action| {
        matches!(
            a,
            Action::DistributeImage
                | Action::ModifyImageAttributes
                | Action::ApplyImageConfigurations
        )
    };
    let conflict = earlier.iter().find(|s| {
        (action == Action::DistributeContainerImage && excluded(s.action))
            || (excluded(action) && s.action == Action::DistributeContainerImage)
    });
    match conflict {
        Some(other) => invalid(format!(
            "{owner} uses action '{action}', which cannot be combined with action '{}' (step '{}') in the same workflow.",
            other.action, other.name
        )),
        None => Ok(()),
    }
}

/// The list input whose items each need a `region`.
fn regional_list(action: Action) -> Option<&'static str> {
    match action {
        Action::DistributeImage => Some("distributions"),
        Action::ApplyImageConfigurations => Some("configurations"),
        Action::ModifyImageAttributes => Some("attributes"),
        _ => None,
    }
}

fn has_input(map: &Map<String, Value>, key: &str) -> bool {
    map.contains_key(key) || map.contains_key(&format!("{key}.$"))
}

fn check_step_inputs(scope: &Scope<'_>, action: Action, inputs: Option<&Value>) -> Result<()> {
    let owner = scope.owner;
    let empty = Map::new();
    let map = inputs.and_then(Value::as_object).unwrap_or(&empty);
    if let Some(inputs) = inputs {
        scope.check_inputs(inputs, false)?;
    }
    for required in action.required_inputs() {
        if !has_input(map, required) {
            return invalid(format!("{owner} is missing required input '{required}'."));
        }
    }
    if let Some(list) = regional_list(action) {
        if let Some(Value::Array(items)) = map.get(list) {
            for (i, item) in items.iter().enumerate() {
                match item {
                    Value::Object(entry) if has_input(entry, "region") => {}
                    Value::Object(_) => {
                        return invalid(format!(
                            "{owner} is missing required input '{list}[{i}].region'."
                        ))
                    }
                    _ => return invalid(format!("{owner} input '{list}[{i}]' must be a mapping.")),
                }
            }
        }
    }
    if matches!(
        action,
        Action::ModifyImageAttributes | Action::ApplyImageConfigurations
    ) {
        let value = map
            .get("distributedImages.$")
            .or_else(|| map.get("distributedImages"));
        let ok = value
            .and_then(Value::as_str)
            .and_then(Reference::parse)
            .is_some_and(|r| {
                r.root == "stepOutputs"
                    && r.path == [Segment::Key("distributedImages")]
                    && scope
                        .steps
                        .iter()
                        .any(|s| s.name == r.head && s.action == Action::DistributeImage)
            });
        if !ok {
            return invalid(format!(
                "{owner} input 'distributedImages' must reference '$.stepOutputs.<step>.distributedImages' of an earlier DistributeImage step."
            ));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// if

fn operand_kind(operator: Operator) -> &'static str {
    match operator {
        Operator::StringEquals => "a value that is not null",
        Operator::BooleanEquals => "a boolean",
        _ => "a number",
    }
}

fn is_dynamic(s: &str) -> bool {
    looks_like_reference(s) || split_placeholders(s).is_some()
}

fn parse_if(value: &Value, scope: &Scope<'_>) -> Result<Condition> {
    let bad = |detail: String| {
        DocumentError::invalid(format!(
            "{} has an invalid 'if' condition: {detail}",
            scope.owner
        ))
    };
    let node = match value {
        Value::Array(items) if items.len() == 1 => &items[0],
        Value::Array(_) => {
            return Err(bad(
                "a list directly under 'if' must hold exactly one condition.".into(),
            ))
        }
        other => other,
    };
    parse_condition(node, 1, scope, &bad)
}

fn parse_condition(
    value: &Value,
    depth: usize,
    scope: &Scope<'_>,
    bad: &dyn Fn(String) -> DocumentError,
) -> Result<Condition> {
    if depth > MAX_CONDITION_DEPTH {
        return Err(bad(format!(
            "conditions may be nested at most {MAX_CONDITION_DEPTH} levels deep."
        )));
    }
    let Value::Object(map) = value else {
        return Err(bad(format!(
            "each condition must be a mapping, not {}.",
            show(value)
        )));
    };
    if let Some(key) = ["and", "or", "not"]
        .into_iter()
        .find(|k| map.contains_key(*k))
    {
        if map.len() != 1 {
            return Err(bad(format!(
                "'{key}' must be the only key of its condition."
            )));
        }
        let child = &map[key];
        if key == "not" {
            if !child.is_object() {
                return Err(bad("'not' must hold exactly one condition mapping.".into()));
            }
            return Ok(Condition::Not(Box::new(parse_condition(
                child,
                depth + 1,
                scope,
                bad,
            )?)));
        }
        let children = match child {
            Value::Array(items) if (1..=MAX_CONDITION_CHILDREN).contains(&items.len()) => items,
            _ => {
                return Err(bad(format!(
                    "'{key}' must hold a list of 1 to {MAX_CONDITION_CHILDREN} conditions."
                )))
            }
        };
        let children = children
            .iter()
            .map(|c| parse_condition(c, depth + 1, scope, bad))
            .collect::<Result<Vec<_>>>()?;
        return Ok(if key == "and" {
            Condition::And(children)
        } else {
            Condition::Or(children)
        });
    }

    let operator_key = map.keys().find(|k| k.as_str() != "value");
    if map.len() != 2 || !map.contains_key("value") {
        return Err(bad(
            "a comparison must have exactly two keys, an operator and 'value'.".into(),
        ));
    }
    let operator_key = operator_key.expect("two keys, one of them 'value'");
    let Some(operator) = Operator::parse(operator_key) else {
        return Err(bad(format!("unknown operator '{operator_key}'.")));
    };
    let operand = &map[operator_key];
    if operand.as_str().is_some_and(is_dynamic) {
        return Err(bad(format!(
            "only 'value' may hold a reference, not '{operator}'."
        )));
    }
    if !operand_fits(operator, operand) {
        return Err(bad(format!(
            "'{operator}' needs {}, not {}.",
            operand_kind(operator),
            show(operand)
        )));
    }
    let value = &map["value"];
    match value {
        Value::String(s) if is_dynamic(s) => scope.check_string(s, true)?,
        literal if !operand_fits(operator, literal) => {
            return Err(bad(format!(
                "'value' of '{operator}' must be {} or a reference, not {}.",
                operand_kind(operator),
                show(literal)
            )))
        }
        _ => {}
    }
    Ok(Condition::Compare {
        operator,
        operand: operand.clone(),
        value: value.clone(),
    })
}

// ---------------------------------------------------------------------------------------------
// outputs

fn parse_outputs(
    items: &[Value],
    parameters: &[ParameterDef],
    steps: &[StepDef],
) -> Result<Vec<OutputDef>> {
    if items.len() > MAX_OUTPUTS {
        return invalid(format!(
            "The workflow document declares {} outputs; the maximum is {MAX_OUTPUTS}.",
            items.len()
        ));
    }
    let mut out: Vec<OutputDef> = Vec::with_capacity(items.len());
    for (index, raw) in items.iter().enumerate() {
        let position = index + 1;
        let Value::Object(map) = raw else {
            return invalid(format!("Output {position} must be a mapping."));
        };
        let name = match map.get("name") {
            None => return invalid(format!("Output {position} is missing required key 'name'.")),
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            Some(other) => {
                return invalid(format!(
                    "Output {position} has a name {} that is not a non-empty string.",
                    show(other)
                ))
            }
        };
        let owner = format!("Output '{name}'");
        check_known_keys(map, OUTPUT_KEYS, &owner)?;
        if out.iter().any(|o| o.name == name) {
            return invalid(format!("Output name '{name}' is used more than once."));
        }
        let value = match map.get("value") {
            None => return invalid(format!("{owner} is missing required key 'value'.")),
            Some(Value::String(s)) => s.clone(),
            Some(other) => {
                return invalid(format!(
                    "{owner} has a value {} that is not a string.",
                    show(other)
                ))
            }
        };
        Scope {
            owner: &owner,
            parameters,
            steps,
            earlier_only: false,
        }
        .check_string(&value, true)?;
        out.push(OutputDef { name, value });
    }
    Ok(out)
}
