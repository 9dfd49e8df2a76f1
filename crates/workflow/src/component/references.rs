//! `{{ … }}` references in a component document: parameters and constants, loop variables,
//! chained inputs and outputs of earlier steps, and AWSTOE's prefixed variables. Checked
//! at create time; a simulated build does not resolve them.

use super::actions::Module;
use serde_json::Value;
use std::collections::HashSet;

/// The steps checked so far, in document order.
#[derive(Default)]
pub struct Earlier {
    steps: Vec<(String, String, &'static Module)>,
}

impl Earlier {
    pub fn add(&mut self, phase: &str, step: &str, module: &'static Module) {
        self.steps.push((phase.into(), step.into(), module));
    }

    fn find(&self, phase: &str, step: &str) -> Option<&'static Module> {
        self.steps
            .iter()
            .find(|(p, s, _)| p == phase && s == step)
            .map(|(_, _, m)| *m)
    }
}

/// What a step's references may name.
pub struct Scope<'a> {
    pub declared: &'a HashSet<&'a str>,
    pub earlier: &'a Earlier,
    /// `Some(name)` when the step loops (`Some(None)` for an unnamed loop).
    pub loop_name: Option<Option<&'a str>>,
}

/// The `{{ context:… }}` keys.
const CONTEXT_KEYS: [&str; 12] = [
    "executionId",
    "accountId",
    "region",
    "osPlatform",
    "osName",
    "osVersion",
    "date",
    "dateTime",
    "uuid",
    "hostname",
    "phase",
    "step",
];

impl Scope<'_> {
    /// Checks every reference in the strings of `value`; the error completes "… has a
    /// reference in its inputs that …".
    pub fn check(&self, value: &Value) -> Result<(), String> {
        match value {
            Value::String(s) => self.check_text(s),
            Value::Array(items) => items.iter().try_for_each(|v| self.check(v)),
            Value::Object(map) => map.values().try_for_each(|v| self.check(v)),
            _ => Ok(()),
        }
    }

    fn check_text(&self, text: &str) -> Result<(), String> {
        let mut rest = text;
        while let Some(open) = rest.find("{{") {
            let after = &rest[open + 2..];
            let Some(close) = after.find("}}") else {
                return Err(format!("opens '{{{{' without closing it: '{text}'."));
            };
            self.check_one(after[..close].trim())?;
            rest = &after[close + 2..];
        }
        Ok(())
    }

    fn check_one(&self, inner: &str) -> Result<(), String> {
        let shown = format!("'{{{{ {inner} }}}}'");
        if inner.is_empty() {
            return Err("is empty: '{{ }}'.".into());
        }
        if let Some(path) = inner.strip_prefix("aws:imds:") {
            if path.starts_with("iam/") || path.starts_with("identity-credentials/") {
                return Err(format!(
                    "reads credentials from instance metadata, which is not allowed: {shown}."
                ));
            }
            return Ok(());
        }
        if let Some(key) = inner.strip_prefix("context:") {
            return if CONTEXT_KEYS.contains(&key) {
                Ok(())
            } else {
                Err(format!(
                    "names the unknown context variable '{key}': {shown}; the context variables are {}.",
                    CONTEXT_KEYS.join(", ")
                ))
            };
        }
        if let Some(name) = inner
            .strip_prefix("aws:ssm:resolve(")
            .and_then(|r| r.strip_suffix(')'))
        {
            return self.declared_name(name.trim(), &shown);
        }
        if inner.starts_with("aws:ssm:") || inner.starts_with("env:") {
            return Ok(());
        }
        let parts: Vec<&str> = inner.split('.').collect();
        match parts[..] {
            [name] => self.declared_name(name, &shown),
            [owner, "index" | "value"] => match self.loop_name {
                Some(name) if owner == "loop" || name == Some(owner) => Ok(()),
                Some(_) => Err(format!(
                    "names the loop '{owner}', which is not this step's loop: {shown}."
                )),
                None => Err(format!("uses a loop variable in a step without a loop: {shown}.")),
            },
            [phase, step, kind, ref field @ ..] if !field.is_empty() => {
                let module = self.earlier.find(phase, step).ok_or_else(|| {
                    format!("names step '{step}' of phase '{phase}', which does not come before it: {shown}.")
                })?;
                match kind {
                    "outputs" if module.outputs.contains(&field[0]) => Ok(()),
                    "outputs" => Err(format!(
                        "asks for the output '{}' of step '{step}', whose action {} {}: {shown}.",
                        field[0],
                        module.name,
                        if module.outputs.is_empty() {
                            "has no outputs".to_string()
                        } else {
                            format!("has the outputs {}", module.outputs.join(", "))
                        }
                    )),
                    k if k == "inputs" || is_indexed_inputs(k) => Ok(()),
                    _ => Err(format!(
                        "must chain the 'outputs' or 'inputs' of a step: {shown}."
                    )),
                }
            }
            _ => Err(format!(
                "is neither a parameter, a constant, a loop variable nor an input or output of an earlier step: {shown}."
            )),
        }
    }

    fn declared_name(&self, name: &str, shown: &str) -> Result<(), String> {
        if self.declared.contains(name) {
            Ok(())
        } else {
            Err(format!(
                "names '{name}', which is neither a parameter nor a constant of the document: {shown}."
            ))
        }
    }
}

/// `inputs[<n>]`.
fn is_indexed_inputs(kind: &str) -> bool {
    kind.strip_prefix("inputs[")
        .and_then(|r| r.strip_suffix(']'))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}
