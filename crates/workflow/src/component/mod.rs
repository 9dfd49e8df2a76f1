//! AWSTOE component documents, as CreateComponent accepts them: parsed and checked (every
//! error names the phase and step, or the part of the document, it is about), with what the
//! service and a simulated build need of them: phases, steps, parameters and the component's
//! type. The rules are the README's "Components"; the Amazon-managed components are in
//! [`managed`].

mod actions;
mod expressions;
pub mod managed;
mod references;

pub use actions::{module_named, InputForm, Module};

use crate::error::DocumentError;
use crate::parse::parse_yaml;
use serde_json::{Map, Value};
use std::collections::HashSet;

type Result<T> = std::result::Result<T, DocumentError>;

/// The phases Image Builder runs: `build` and `validate` in the build stage, `test` in the
/// test stage.
pub const PHASES: [&str; 3] = ["build", "validate", "test"];

/// What a failed step does to the rest of its component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepFailure {
    /// The component fails; nothing after the step runs (the default).
    Abort,
    /// The component fails once its remaining steps ran.
    Continue,
    /// The step's failure is ignored.
    Ignore,
}

/// One step of a phase.
#[derive(Debug, Clone, PartialEq)]
pub struct ComponentStep {
    pub name: String,
    pub module: &'static Module,
    pub on_failure: StepFailure,
    /// `-1` for no timeout.
    pub timeout_seconds: i64,
    pub max_attempts: u32,
    /// How many times the step's action runs: one per operation of a list module, times
    /// the iterations of a `for` loop or a literal `forEach` list (1 when they depend on
    /// values known only at run time).
    pub runs: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ComponentPhase {
    pub name: String,
    pub steps: Vec<ComponentStep>,
}

/// A parameter a document declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentParameterDef {
    pub name: String,
    /// As written (`string`).
    pub ty: String,
    pub default: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ComponentDocument {
    pub parameters: Vec<ComponentParameterDef>,
    pub phases: Vec<ComponentPhase>,
}

impl ComponentDocument {
    /// The component's type, as AWS derives it: TEST when its only phase is `test`, else
    /// BUILD.
    pub fn component_type(&self) -> &'static str {
        match &self.phases[..] {
            [only] if only.name == "test" => "TEST",
            _ => "BUILD",
        }
    }

    pub fn phase(&self, name: &str) -> Option<&ComponentPhase> {
        self.phases.iter().find(|p| p.name == name)
    }
}

/// `value` as a message shows it: a string quoted, anything else as JSON.
fn shown(value: &Value) -> String {
    match value {
        Value::String(s) => format!("'{s}'"),
        other => other.to_string(),
    }
}

fn invalid<T>(message: impl Into<String>) -> Result<T> {
    Err(DocumentError::invalid(message))
}

const TOP_KEYS: [&str; 6] = [
    "name",
    "description",
    "schemaVersion",
    "parameters",
    "constants",
    "phases",
];
const STEP_KEYS: [&str; 8] = [
    "name",
    "action",
    "inputs",
    "onFailure",
    "timeoutSeconds",
    "maxAttempts",
    "loop",
    "if",
];
/// The characters of step, parameter, constant and loop names.
fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Parses and checks a component document for a component of `platform` (`Linux`,
/// `Windows` or `macOS`), as CreateComponent does.
pub fn parse_component(data: &str, platform: &str) -> Result<ComponentDocument> {
    let value = parse_yaml(data, "component document")?;
    let Value::Object(top) = value else {
        return invalid("The component document must be a YAML mapping.");
    };
    if let Some(key) = top.keys().find(|k| !TOP_KEYS.contains(&k.as_str())) {
        return invalid(format!(
            "The component document has an unknown key '{key}'; the keys are {}.",
            TOP_KEYS.join(", ")
        ));
    }
    for key in ["name", "description"] {
        if let Some(v) = top.get(key) {
            if !v.is_string() {
                return invalid(format!("The document's '{key}' must be a string."));
            }
        }
    }
    match top.get("schemaVersion") {
        None => return invalid("The component document has no 'schemaVersion'; it must be 1.0."),
        Some(v) if is_schema_1(v) => {}
        Some(v) => {
            return invalid(format!(
                "The schemaVersion {} is not supported; the only supported value is 1.0.",
                shown(v)
            ))
        }
    }
    let mut names = HashSet::new();
    let parameters = declarations(top.get("parameters"), "parameters", &mut names)?;
    let constants = declarations(top.get("constants"), "constants", &mut names)?;
    let phases = phases(top.get("phases"), platform, &parameters, &constants)?;
    Ok(ComponentDocument { parameters, phases })
}

fn is_schema_1(v: &Value) -> bool {
    match v {
        Value::String(s) => s == "1.0",
        Value::Number(n) => n.as_f64() == Some(1.0),
        _ => false,
    }
}

/// The `parameters` or `constants` list: single-key mappings `Name: {type, …}`.
fn declarations(
    list: Option<&Value>,
    what: &str,
    names: &mut HashSet<String>,
) -> Result<Vec<ComponentParameterDef>> {
    let Some(list) = list else {
        return Ok(Vec::new());
    };
    let Value::Array(items) = list else {
        return invalid(format!("'{what}' must be a list."));
    };
    let singular = &what[..what.len() - 1];
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let entry = match item {
            Value::Object(m) if m.len() == 1 => m.iter().next(),
            _ => None,
        };
        let Some((name, body)) = entry else {
            return invalid(format!(
                "Entry {} of '{what}' must be a mapping with one key, the {singular}'s name.",
                i + 1
            ));
        };
        if !(3..=128).contains(&name.chars().count()) || !is_name(name) {
            return invalid(format!(
                "The {singular} name '{name}' is not valid; it must be 3 to 128 letters, digits, '-' or '_'."
            ));
        }
        if !names.insert(name.clone()) {
            return invalid(format!(
                "The name '{name}' is declared more than once among the parameters and constants."
            ));
        }
        let Value::Object(body) = body else {
            return invalid(format!("The {singular} '{name}' must be a mapping."));
        };
        let known: &[&str] = if what == "constants" {
            &["type", "value"]
        } else {
            &["type", "default", "description"]
        };
        if let Some(key) = body.keys().find(|k| !known.contains(&k.as_str())) {
            return invalid(format!(
                "The {singular} '{name}' has an unknown key '{key}'."
            ));
        }
        match body.get("type") {
            Some(Value::String(t)) if t.eq_ignore_ascii_case("string") => {}
            Some(t) => {
                return invalid(format!(
                    "The {singular} '{name}' has type {}; the only supported type is string.",
                    shown(t)
                ))
            }
            None => return invalid(format!("The {singular} '{name}' has no 'type'.")),
        }
        let text = |key: &str| -> Result<Option<String>> {
            match body.get(key) {
                None => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(Value::Number(n)) => Ok(Some(n.to_string())),
                Some(Value::Bool(b)) => Ok(Some(b.to_string())),
                Some(other) => invalid(format!(
                    "The {singular} '{name}' has {key} {}; it must be a string.",
                    shown(other)
                )),
            }
        };
        let default = text(if what == "constants" {
            "value"
        } else {
            "default"
        })?;
        if what == "constants" && default.is_none() {
            return invalid(format!("The constant '{name}' has no 'value'."));
        }
        out.push(ComponentParameterDef {
            name: name.clone(),
            ty: body["type"].as_str().unwrap_or("string").to_string(),
            default,
            description: text("description")?,
        });
    }
    Ok(out)
}

fn phases(
    list: Option<&Value>,
    platform: &str,
    parameters: &[ComponentParameterDef],
    constants: &[ComponentParameterDef],
) -> Result<Vec<ComponentPhase>> {
    let Some(list) = list else {
        return invalid("The component document has no 'phases'.");
    };
    let Value::Array(items) = list else {
        return invalid("'phases' must be a list.");
    };
    let mut seen = HashSet::new();
    let mut out: Vec<ComponentPhase> = Vec::new();
    // The steps before the one being checked, as `phase.step` with their module: what a
    // reference may chain.
    let mut earlier = references::Earlier::default();
    let declared: HashSet<&str> = parameters
        .iter()
        .chain(constants)
        .map(|p| p.name.as_str())
        .collect();
    for (i, item) in items.iter().enumerate() {
        let Value::Object(phase) = item else {
            return invalid(format!("Phase {} must be a mapping.", i + 1));
        };
        let Some(Value::String(name)) = phase.get("name") else {
            return invalid(format!("Phase {} has no name.", i + 1));
        };
        if let Some(key) = phase
            .keys()
            .find(|k| !["name", "steps"].contains(&k.as_str()))
        {
            return invalid(format!("Phase '{name}' has an unknown key '{key}'."));
        }
        if !is_name(name) {
            return invalid(format!(
                "The phase name '{name}' is not valid; it must be letters, digits, '-' or '_'."
            ));
        }
        if !seen.insert(name.clone()) {
            return invalid(format!("The phase '{name}' appears more than once."));
        }
        let steps = match phase.get("steps") {
            Some(Value::Array(steps)) if !steps.is_empty() => steps,
            _ => {
                return invalid(format!(
                    "Phase '{name}' must have a list of at least one step."
                ))
            }
        };
        let mut step_names = HashSet::new();
        let mut loop_names = HashSet::new();
        let mut parsed = Vec::with_capacity(steps.len());
        for (j, step) in steps.iter().enumerate() {
            let context = StepContext {
                phase: name,
                platform,
                declared: &declared,
                earlier: &earlier,
            };
            let s = step_of(step, j, &context, &mut loop_names)?;
            if !step_names.insert(s.name.clone()) {
                return invalid(format!(
                    "Step '{}' in phase '{name}' has the name of an earlier step of the phase.",
                    s.name
                ));
            }
            earlier.add(name, &s.name, s.module);
            parsed.push(s);
        }
        out.push(ComponentPhase {
            name: name.clone(),
            steps: parsed,
        });
    }
    if !out.iter().any(|p| PHASES.contains(&p.name.as_str())) {
        return invalid(
            "The component document must have at least one of the phases build, validate and test.",
        );
    }
    Ok(out)
}

/// What a step is checked against.
struct StepContext<'a> {
    phase: &'a str,
    platform: &'a str,
    declared: &'a HashSet<&'a str>,
    earlier: &'a references::Earlier,
}

fn step_of(
    step: &Value,
    index: usize,
    cx: &StepContext<'_>,
    loop_names: &mut HashSet<String>,
) -> Result<ComponentStep> {
    let phase = cx.phase;
    let Value::Object(step) = step else {
        return invalid(format!(
            "Step {} of phase '{phase}' must be a mapping.",
            index + 1
        ));
    };
    let name = match step.get("name") {
        Some(Value::String(n)) if is_name(n) => n.clone(),
        Some(n) => {
            return invalid(format!(
            "Invalid step name {} in phase '{phase}'; a step name is letters, digits, '-' and '_'.",
            shown(n)
        ))
        }
        None => {
            return invalid(format!(
                "Step {} of phase '{phase}' has no name.",
                index + 1
            ))
        }
    };
    let at = format!("Step '{name}' in phase '{phase}'");
    if let Some(key) = step.keys().find(|k| !STEP_KEYS.contains(&k.as_str())) {
        return invalid(format!("{at} has an unknown key '{key}'."));
    }
    let module = match step.get("action") {
        Some(Value::String(a)) => module_named(a).ok_or_else(|| {
            DocumentError::invalid(format!("{at} uses the unknown action '{a}'."))
        })?,
        Some(a) => {
            return invalid(format!(
                "{at} has action {}; it must be a string.",
                shown(a)
            ))
        }
        None => return invalid(format!("{at} has no action.")),
    };
    if !module.runs.on(cx.platform) {
        return invalid(format!(
            "{at} uses action '{}', which does not run on {}.",
            module.name, cx.platform
        ));
    }
    let on_failure = match step.get("onFailure") {
        None => StepFailure::Abort,
        Some(v) => match v.as_str() {
            Some("Abort") => StepFailure::Abort,
            Some("Continue") => StepFailure::Continue,
            Some("Ignore") => StepFailure::Ignore,
            _ => {
                return invalid(format!(
                    "{at} has onFailure {}; it must be Abort, Continue or Ignore.",
                    shown(v)
                ))
            }
        },
    };
    let timeout_seconds = match step.get("timeoutSeconds") {
        None => 7200,
        Some(v) => match v.as_i64() {
            Some(t) if t == -1 || (1..=i64::from(i32::MAX)).contains(&t) => t,
            _ => {
                return invalid(format!(
                    "{at} has timeoutSeconds {}; it must be -1 (no timeout) or a positive number of seconds.",
                    shown(v)
                ))
            }
        },
    };
    let max_attempts = match step.get("maxAttempts") {
        None => 1,
        Some(v) => match v.as_u64() {
            Some(n) if (1..=u64::from(u32::MAX)).contains(&n) => n as u32,
            _ => {
                return invalid(format!(
                    "{at} has maxAttempts {}; it must be a positive integer.",
                    shown(v)
                ))
            }
        },
    };
    if module.name == "ExecuteDocument"
        && (timeout_seconds != -1 && step.contains_key("timeoutSeconds") || max_attempts != 1)
    {
        return invalid(format!(
            "{at} uses ExecuteDocument, which takes timeoutSeconds -1 and maxAttempts 1 only."
        ));
    }
    let loop_spec = match step.get("loop") {
        Some(l) => Some(loop_of(l, &at, loop_names)?),
        None => None,
    };
    if let Some(condition) = step.get("if") {
        expressions::check_if(condition)
            .map_err(|e| DocumentError::invalid(format!("{at} has an invalid 'if': {e}")))?;
    }
    let operations = inputs_of(step.get("inputs"), module, &at)?;
    let refs = references::Scope {
        declared: cx.declared,
        earlier: cx.earlier,
        loop_name: loop_spec.as_ref().map(|l| l.name.as_deref()),
    };
    for (place, value) in [
        ("inputs", step.get("inputs")),
        ("loop", step.get("loop")),
        ("if", step.get("if")),
    ] {
        if let Some(value) = value {
            refs.check(value).map_err(|e| {
                DocumentError::invalid(format!("{at} has a reference in its {place} that {e}"))
            })?;
        }
    }
    let iterations = loop_spec.map_or(1, |l| l.iterations);
    Ok(ComponentStep {
        name,
        module,
        on_failure,
        timeout_seconds,
        max_attempts,
        runs: operations.saturating_mul(iterations).max(1),
    })
}

/// A step's loop: its name and how many iterations it is known to have.
struct LoopSpec {
    name: Option<String>,
    iterations: u32,
}

fn loop_of(value: &Value, at: &str, names: &mut HashSet<String>) -> Result<LoopSpec> {
    let Value::Object(spec) = value else {
        return invalid(format!("{at} has a loop that is not a mapping."));
    };
    if let Some(key) = spec
        .keys()
        .find(|k| !["name", "for", "forEach"].contains(&k.as_str()))
    {
        return invalid(format!("{at} has a loop with an unknown key '{key}'."));
    }
    let name = match spec.get("name") {
        None => None,
        Some(Value::String(n)) if is_name(n) => {
            if !names.insert(n.clone()) {
                return invalid(format!(
                    "{at} has the loop name '{n}' of an earlier step of the phase."
                ));
            }
            Some(n.clone())
        }
        Some(n) => {
            return invalid(format!(
                "{at} has the loop name {}; it must be letters, digits, '-' and '_'.",
                shown(n)
            ))
        }
    };
    let iterations = match (spec.get("for"), spec.get("forEach")) {
        (Some(f), None) => for_iterations(f, at)?,
        (None, Some(each)) => for_each_iterations(each, at)?,
        _ => {
            return invalid(format!(
                "{at} has a loop that needs exactly one of 'for' and 'forEach'."
            ))
        }
    };
    Ok(LoopSpec { name, iterations })
}

fn for_iterations(value: &Value, at: &str) -> Result<u32> {
    let Value::Object(f) = value else {
        return invalid(format!("{at} has a 'for' loop that is not a mapping."));
    };
    let mut ints = [0i64; 3];
    for (slot, key) in ints.iter_mut().zip(["start", "end", "updateBy"]) {
        *slot = f.get(key).and_then(Value::as_i64).ok_or_else(|| {
            DocumentError::invalid(format!(
                "{at} has a 'for' loop whose '{key}' is not an integer."
            ))
        })?;
    }
    if let Some(key) = f
        .keys()
        .find(|k| !["start", "end", "updateBy"].contains(&k.as_str()))
    {
        return invalid(format!(
            "{at} has a 'for' loop with an unknown key '{key}'."
        ));
    }
    let [start, end, by] = ints.map(i128::from);
    if by == 0 {
        return invalid(format!("{at} has a 'for' loop whose updateBy is 0."));
    }
    if (end - start).signum() * by.signum() < 0 {
        return invalid(format!(
            "{at} has a 'for' loop that never reaches its end: from {start} to {end} by {by}."
        ));
    }
    // In i128, no start, end or step of i64 overflows.
    Ok(u32::try_from((end - start) / by + 1).unwrap_or(u32::MAX))
}

/// The delimiters a delimited `forEach` list may use.
const DELIMITERS: [&str; 9] = [".", ",", ";", ":", "\n", "\t", " ", "-", "_"];

fn for_each_iterations(value: &Value, at: &str) -> Result<u32> {
    match value {
        Value::Array(items) if !items.is_empty() => {
            if items.iter().any(|i| !i.is_string()) {
                return invalid(format!(
                    "{at} has a 'forEach' list whose items are not all strings."
                ));
            }
            Ok(u32::try_from(items.len()).unwrap_or(u32::MAX))
        }
        Value::Object(spec) => {
            if let Some(key) = spec
                .keys()
                .find(|k| !["list", "delimiter"].contains(&k.as_str()))
            {
                return invalid(format!("{at} has a 'forEach' with an unknown key '{key}'."));
            }
            let Some(Value::String(list)) = spec.get("list") else {
                return invalid(format!(
                    "{at} has a 'forEach' whose 'list' is not a string."
                ));
            };
            let delimiter = match spec.get("delimiter") {
                None => ",",
                Some(Value::String(d)) if DELIMITERS.contains(&d.as_str()) => d.as_str(),
                Some(d) => {
                    return invalid(format!(
                        "{at} has the forEach delimiter {}; it must be one of . , ; : - _ a space, a tab or a newline.",
                        shown(d)
                    ))
                }
            };
            // A list read from a variable has as many items as its value will have.
            Ok(if list.contains("{{") {
                1
            } else {
                u32::try_from(list.split(delimiter).count()).unwrap_or(u32::MAX)
            })
        }
        _ => invalid(format!(
            "{at} has a 'forEach' that is neither a list of strings nor a mapping with 'list'."
        )),
    }
}

/// Checks a step's `inputs` against its module; the number of operations it holds.
fn inputs_of(inputs: Option<&Value>, module: &Module, at: &str) -> Result<u32> {
    let name = module.name;
    let check_map = |map: &Map<String, Value>, which: &str| -> Result<()> {
        if let Some(missing) = module.required.iter().find(|r| !map.contains_key(**r)) {
            return invalid(format!(
                "{at}: action {name} requires the input '{missing}'{which}."
            ));
        }
        match name {
            "ExecuteBash" | "ExecutePowerShell" => {
                if name == "ExecutePowerShell"
                    && map.contains_key("commands") == map.contains_key("file")
                {
                    return invalid(format!(
                        "{at}: action ExecutePowerShell takes exactly one of the inputs 'commands' and 'file'."
                    ));
                }
                if let Some(commands) = map.get("commands") {
                    let ok = matches!(commands, Value::Array(c) if !c.is_empty() && c.iter().all(Value::is_string));
                    if !ok {
                        return invalid(format!(
                            "{at}: the input 'commands' of {name} must be a list of strings."
                        ));
                    }
                }
            }
            "WebDownload" if map.contains_key("checksum") != map.contains_key("algorithm") => {
                return invalid(format!(
                    "{at}: action WebDownload takes 'checksum' and 'algorithm' together{which}."
                ));
            }
            "Assert" => {
                expressions::check_assert(map).map_err(|e| {
                    DocumentError::invalid(format!("{at}: its assertion is not valid: {e}"))
                })?;
            }
            _ => {}
        }
        Ok(())
    };
    match (module.form, inputs) {
        (InputForm::OptionalMap, None) => Ok(1),
        (InputForm::Map | InputForm::OptionalMap, Some(Value::Object(map))) => {
            check_map(map, "")?;
            Ok(1)
        }
        (InputForm::List, Some(Value::Array(items))) if !items.is_empty() => {
            for (i, item) in items.iter().enumerate() {
                let Value::Object(map) = item else {
                    return invalid(format!(
                        "{at}: each input of action {name} must be a mapping (input {i} is not)."
                    ));
                };
                check_map(map, &format!(" (in input {i})"))?;
            }
            Ok(u32::try_from(items.len()).unwrap_or(u32::MAX))
        }
        (_, None) => invalid(format!(
            "{at}: action {name} has no inputs; it requires 'inputs'."
        )),
        (InputForm::List, Some(_)) => invalid(format!(
            "{at}: the inputs of action {name} must be a list of mappings, one per operation."
        )),
        (_, Some(_)) => invalid(format!(
            "{at}: the inputs of action {name} must be a mapping."
        )),
    }
}

#[cfg(test)]
mod tests;
