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

/// Parses YAML (1.2 core schema, duplicate keys rejected) into an order-preserving value;
/// `what` names the document in messages ("workflow document", "component document").
pub(crate) fn parse_yaml(data: &str, what: &str) -> Result<Value> {
    let options = serde_saphyr::options! {
        strict_booleans: true,
        underscored_numbers_as_strings: true,
        reject_unsupported_tags: true,
        merge_keys: serde_saphyr::MergeKeyPolicy::AsOrdinary,
        with_snippet: false,
    };
    serde_saphyr::from_str_with_options::<Value>(data, options)
        .map_err(|e| DocumentError::Syntax(yaml_error_message(e.without_snippet(), what)))
}

/// A YAML error in the service's words: what is wrong and where, never the parser's Rust
/// vocabulary (a null key is "cannot deserialize null into string; use Option<String>" to
/// the parser).
fn yaml_error_message(e: &serde_saphyr::Error, what: &str) -> String {
    use serde_saphyr::Error as E;
    let at = |l: &serde_saphyr::Location| format!("line {}, column {}", l.line(), l.column());
    match e {
        E::DuplicateMappingKey {
            key: Some(key),
            location,
        } => format!(
            "The {what} has a duplicate key '{key}' at {}.",
            at(location)
        ),
        E::NullIntoString { location } => format!(
            "The {what} is not valid YAML: the mapping key at {} is empty; every key must be a string.",
            at(location)
        ),
        E::Unexpected { location, .. } => format!(
            "The {what} is not valid YAML: the mapping key at {} is a list or a mapping; every key must be a string.",
            at(location)
        ),
        E::NonFiniteFloat { value, location } => format!(
            "The {what} is not valid YAML: the number '{value}' at {} is not a finite number.",
            at(location)
        ),
        E::RecursiveReferencesRequireWeakTypes { location } => format!(
            "The {what} is not valid YAML: the alias at {} refers to a node that contains it.",
            at(location)
        ),
        other => {
            // The parser's own descriptions of syntax errors ("unclosed bracket '[' at line 1,
            // column 35") are in YAML's terms already.
            let text = other.to_string();
            let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            format!(
                "The {what} is not valid YAML: {}.",
                text.trim_end_matches('.')
            )
        }
    }
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
    let value = parse_yaml(data, "workflow document")?;
    let Value::Object(root) = value else {
        return invalid("The workflow document must be a YAML mapping.");
    };
    check_known_keys(&root, TOP_LEVEL_KEYS, "The workflow document")?;
    check_schema_version(&root)?;
    let name = metadata(&root, "name")?;
    let description = metadata(&root, "description")?;
    let parameters = parse_parameters(optional_list(&root, "parameters")?)?;
    let steps = parse_steps(&root, ty, max_steps, &parameters)?;
    let outputs = parse_outputs(optional_list(&root, "outputs")?, &parameters, &steps)?;

    Ok(WorkflowDocument {
        name,
        description,
        parameters,
        steps,
        outputs,
    })
}

/// `schemaVersion` is required and must be 1.0 (the string, or the number).
fn check_schema_version(root: &Map<String, Value>) -> Result<()> {
    match root.get("schemaVersion") {
        None => invalid("The workflow document is missing required key 'schemaVersion'."),
        Some(Value::String(s)) if s == "1.0" => Ok(()),
        Some(Value::Number(n)) if n.is_f64() && n.as_f64() == Some(1.0) => Ok(()),
        Some(other) => invalid(format!(
            "The schemaVersion {} is not supported; the only supported value is 1.0.",
            show(other)
        )),
    }
}

/// The required `steps` list: 1 to `max_steps` steps, each checked against the ones before.
fn parse_steps(
    root: &Map<String, Value>,
    ty: WorkflowType,
    max_steps: usize,
    parameters: &[ParameterDef],
) -> Result<Vec<StepDef>> {
    let items = match root.get("steps") {
        None => return invalid("The workflow document is missing required key 'steps'."),
        Some(Value::Array(items)) => items,
        Some(_) => return invalid("'steps' must be a list."),
    };
    if items.is_empty() || items.len() > max_steps {
        return invalid(format!(
            "The workflow document has {} steps; it must have between 1 and {max_steps}.",
            items.len()
        ));
    }
    let mut steps: Vec<StepDef> = Vec::with_capacity(items.len());
    for (index, raw) in items.iter().enumerate() {
        let step = parse_step(raw, index, ty, parameters, &steps)?;
        steps.push(step);
    }
    Ok(steps)
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
        let parameter = parse_parameter(raw, index + 1, &out)?;
        out.push(parameter);
    }
    Ok(out)
}

/// The parameter at `position` (1-based); `declared` are the parameters before it.
fn parse_parameter(
    raw: &Value,
    position: usize,
    declared: &[ParameterDef],
) -> Result<ParameterDef> {
    let Value::Object(map) = raw else {
        return invalid(format!("Parameter {position} must be a mapping."));
    };
    let name = parameter_name(map, position)?;
    let owner = format!("Parameter '{name}'");
    check_known_keys(map, PARAMETER_KEYS, &owner)?;
    if declared.iter().any(|p| p.name == name) {
        return invalid(format!(
            "Parameter name '{name}' is declared more than once."
        ));
    }
    let ty = parameter_type(map, &owner)?;
    let default = parameter_default(map, ty, &owner)?;
    let description = parameter_description(map, &owner)?;
    Ok(ParameterDef {
        name,
        ty,
        default,
        description,
    })
}

/// The required `name`: a string of 1 to 128 characters without NUL.
fn parameter_name(map: &Map<String, Value>, position: usize) -> Result<String> {
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
    Ok(name)
}

/// `type`, `string` when absent or `null`.
fn parameter_type(map: &Map<String, Value>, owner: &str) -> Result<ParamType> {
    match map.get("type") {
        None | Some(Value::Null) => Ok(ParamType::String),
        Some(Value::String(s)) => ParamType::parse(s).map_or_else(
            || {
                invalid(format!(
                    "{owner} has an unknown type '{s}'; it must be 'string', 'integer', 'boolean' or 'stringList'."
                ))
            },
            Ok,
        ),
        Some(other) => invalid(format!(
            "{owner} has an unknown type {}; it must be 'string', 'integer', 'boolean' or 'stringList'.",
            show(other)
        )),
    }
}

/// `default`, typed as the parameter is.
fn parameter_default(
    map: &Map<String, Value>,
    ty: ParamType,
    owner: &str,
) -> Result<Option<Value>> {
    let Some(raw) = map.get("default") else {
        return Ok(None);
    };
    match typed_default(ty, raw) {
        Some(default) => Ok(Some(default)),
        None => invalid(format!(
            "{owner} has a default value {} that is not a valid {ty}.",
            show(raw)
        )),
    }
}

/// `description`: absent, `null`, or a string of at most 1024 characters.
fn parameter_description(map: &Map<String, Value>, owner: &str) -> Result<Option<String>> {
    match map.get("description") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.chars().count() <= MAX_DESCRIPTION_CHARS => Ok(Some(s.clone())),
        Some(_) => invalid(format!(
            "{owner} has a description that is not a string of at most {MAX_DESCRIPTION_CHARS} characters."
        )),
    }
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
    let name = step_name(map, position, earlier)?;
    let owner = format!("Step '{name}'");
    check_known_keys(map, STEP_KEYS, &owner)?;
    let action = step_action(map, &owner, ty, earlier)?;
    let description = step_description(map, &owner)?;
    let on_failure = step_on_failure(map, &owner)?;
    let scope = Scope {
        owner: &owner,
        parameters,
        steps: earlier,
        earlier_only: true,
    };
    let rollback_enabled = step_rollback_enabled(map, &scope)?;
    let timeout_seconds = step_timeout_seconds(map, &owner, action)?;
    let max_attempts = step_max_attempts(map, &owner)?;
    let condition = match map.get("if") {
        None => None,
        Some(value) => Some(parse_if(value, &scope)?),
    };
    let inputs = step_inputs(map, &owner)?;
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

/// The required `name`: a valid step name not used by an `earlier` step.
fn step_name(map: &Map<String, Value>, position: usize, earlier: &[StepDef]) -> Result<String> {
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
    Ok(name)
}

/// The required `action`: known, allowed in a workflow of type `ty`, and not excluded by the
/// action of an `earlier` step.
fn step_action(
    map: &Map<String, Value>,
    owner: &str,
    ty: WorkflowType,
    earlier: &[StepDef],
) -> Result<Action> {
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
    check_exclusive(owner, action, earlier)?;
    Ok(action)
}

/// `description`: absent, or a string of 1 to 1024 characters.
fn step_description(map: &Map<String, Value>, owner: &str) -> Result<Option<String>> {
    match map.get("description") {
        None => Ok(None),
        Some(Value::String(s)) if (1..=MAX_DESCRIPTION_CHARS).contains(&s.chars().count()) => {
            Ok(Some(s.clone()))
        }
        Some(_) => invalid(format!(
            "{owner} has a description that is not a string of 1 to {MAX_DESCRIPTION_CHARS} characters."
        )),
    }
}

/// `onFailure`: `Abort` (the default) or `Continue`.
fn step_on_failure(map: &Map<String, Value>, owner: &str) -> Result<OnFailure> {
    match map.get("onFailure") {
        None => Ok(OnFailure::Abort),
        Some(value) => value.as_str().and_then(OnFailure::parse).ok_or_else(|| {
            DocumentError::invalid(format!(
                "{owner} has an invalid onFailure value {}; it must be 'Abort' or 'Continue'.",
                show(value)
            ))
        }),
    }
}

/// `rollbackEnabled`: a boolean (or its string), or a reference checked against `scope`;
/// `true` when absent.
fn step_rollback_enabled(map: &Map<String, Value>, scope: &Scope<'_>) -> Result<RollbackEnabled> {
    match map.get("rollbackEnabled") {
        None => Ok(RollbackEnabled::Bool(true)),
        Some(Value::Bool(b)) => Ok(RollbackEnabled::Bool(*b)),
        Some(Value::String(s)) if s == "true" || s == "false" => {
            Ok(RollbackEnabled::Bool(s == "true"))
        }
        Some(Value::String(s)) if looks_like_reference(s) => {
            scope.check_reference(s)?;
            Ok(RollbackEnabled::Reference(s.trim().to_string()))
        }
        Some(other) => invalid(format!(
            "{} has an invalid rollbackEnabled value {}; it must be a boolean or a reference.",
            scope.owner,
            show(other)
        )),
    }
}

/// `timeoutSeconds`: an integer from 1 to the action's maximum.
fn step_timeout_seconds(
    map: &Map<String, Value>,
    owner: &str,
    action: Action,
) -> Result<Option<u32>> {
    let Some(value) = map.get("timeoutSeconds") else {
        return Ok(None);
    };
    match bounded_integer(value, 1, u64::from(action.max_timeout())) {
        Some(seconds) => Ok(Some(seconds)),
        None => invalid(format!(
            "{owner} has timeoutSeconds {}; it must be an integer from 1 to {} for action '{action}'.",
            show(value),
            action.max_timeout()
        )),
    }
}

/// `maxAttempts`: an integer from 1 to 10; 1 when absent.
fn step_max_attempts(map: &Map<String, Value>, owner: &str) -> Result<u32> {
    let Some(value) = map.get("maxAttempts") else {
        return Ok(1);
    };
    bounded_integer(value, 1, u64::from(MAX_ATTEMPTS)).ok_or_else(|| {
        DocumentError::invalid(format!(
            "{owner} has maxAttempts {}; it must be an integer from 1 to {MAX_ATTEMPTS}.",
            show(value)
        ))
    })
}

/// `inputs`: absent, `null`, or a mapping (kept raw).
fn step_inputs(map: &Map<String, Value>, owner: &str) -> Result<Option<Value>> {
    match map.get("inputs") {
        None | Some(Value::Null) => Ok(None),
        Some(value @ Value::Object(_)) => Ok(Some(value.clone())),
        Some(_) => invalid(format!("{owner} has inputs that are not a mapping.")),
    }
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
    check_regional_items(owner, action, map)?;
    check_distributed_images(scope, action, map)
}

/// Each item of the action's regional list (if it has one and it is given) is a mapping with
/// a `region`.
fn check_regional_items(owner: &str, action: Action, map: &Map<String, Value>) -> Result<()> {
    let Some(list) = regional_list(action) else {
        return Ok(());
    };
    let Some(Value::Array(items)) = map.get(list) else {
        return Ok(());
    };
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
    Ok(())
}

/// `ModifyImageAttributes` and `ApplyImageConfigurations` take their `distributedImages` from
/// an earlier `DistributeImage` step, by reference.
fn check_distributed_images(
    scope: &Scope<'_>,
    action: Action,
    map: &Map<String, Value>,
) -> Result<()> {
    if !matches!(
        action,
        Action::ModifyImageAttributes | Action::ApplyImageConfigurations
    ) {
        return Ok(());
    }
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
    if ok {
        Ok(())
    } else {
        invalid(format!(
            "{} input 'distributedImages' must reference '$.stepOutputs.<step>.distributedImages' of an earlier DistributeImage step.",
            scope.owner
        ))
    }
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
    match ["and", "or", "not"]
        .into_iter()
        .find(|k| map.contains_key(*k))
    {
        Some(key) => parse_logical(map, key, depth, scope, bad),
        None => parse_comparison(map, scope, bad),
    }
}

/// An `and`, `or` or `not` node (`key`), its children one level deeper.
fn parse_logical(
    map: &Map<String, Value>,
    key: &str,
    depth: usize,
    scope: &Scope<'_>,
    bad: &dyn Fn(String) -> DocumentError,
) -> Result<Condition> {
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
    Ok(if key == "and" {
        Condition::And(children)
    } else {
        Condition::Or(children)
    })
}

/// A comparison node: `{<operator>: <literal operand>, value: <literal or reference>}`.
fn parse_comparison(
    map: &Map<String, Value>,
    scope: &Scope<'_>,
    bad: &dyn Fn(String) -> DocumentError,
) -> Result<Condition> {
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
        let output = parse_output(raw, index + 1, &out, parameters, steps)?;
        out.push(output);
    }
    Ok(out)
}

/// The output at `position` (1-based); `declared` are the outputs before it. Its value may
/// reference any step of the document.
fn parse_output(
    raw: &Value,
    position: usize,
    declared: &[OutputDef],
    parameters: &[ParameterDef],
    steps: &[StepDef],
) -> Result<OutputDef> {
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
    if declared.iter().any(|o| o.name == name) {
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
    Ok(OutputDef { name, value })
}
