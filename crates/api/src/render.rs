//! Wire JSON of the shapes that are rendered ahead of time: a step's
//! `WorkflowStepMetadata` item is kept rendered in the store's step listing, so a page of
//! ListWorkflowStepExecutions is assembled from ready items.

use crate::time::{format_millis, Millis};
use serde::Serialize;

/// The members of one `WorkflowStepMetadata` item.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepMetadata<'a> {
    pub step_execution_id: &'a str,
    pub name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'a str>,
    pub action: &'a str,
    pub status: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rollback_status: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inputs: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outputs: Option<&'a str>,
    #[serde(serialize_with = "timestamp")]
    pub start_time: Millis,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "optional_timestamp"
    )]
    pub end_time: Option<Millis>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempt_number: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_attempts: Option<i64>,
}

impl StepMetadata<'_> {
    /// The item as JSON text.
    pub fn render(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

fn timestamp<S: serde::Serializer>(ms: &Millis, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format_millis(*ms))
}

fn optional_timestamp<S: serde::Serializer>(ms: &Option<Millis>, s: S) -> Result<S::Ok, S::Error> {
    match ms {
        Some(ms) => s.serialize_str(&format_millis(*ms)),
        None => s.serialize_none(),
    }
}

/// A JSON string literal of `s`.
pub fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_the_members_that_have_values() {
        let item = StepMetadata {
            step_execution_id: "step-1",
            name: "Launch",
            description: None,
            action: "LaunchInstance",
            status: "COMPLETED",
            rollback_status: None,
            message: None,
            inputs: Some(r#"{"waitFor": "ssmAgent"}"#),
            outputs: None,
            start_time: 1_767_225_600_042,
            end_time: Some(1_767_225_601_000),
            attempt_number: Some(1),
            max_attempts: Some(1),
        };
        assert_eq!(
            item.render(),
            r#"{"stepExecutionId":"step-1","name":"Launch","action":"LaunchInstance","status":"COMPLETED","inputs":"{\"waitFor\": \"ssmAgent\"}","startTime":"2026-01-01T00:00:00.042Z","endTime":"2026-01-01T00:00:01.000Z","attemptNumber":1,"maxAttempts":1}"#
        );
        assert_eq!(json_string("a\"b"), r#""a\"b""#);
    }
}
