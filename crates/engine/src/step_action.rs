//! What SendWorkflowStepAction does to a waiting step (spec §8.8). The service's handler
//! and the engine's own wait policy (`stepwise simulate`) share it, so an answered wait is
//! recorded alike whoever answers it.

use serde_json::{Map, Value};
use stepwise_api::pyjson;
use stepwise_store::{StepRow, WorkflowExecutionRow};
use stepwise_workflow::MESSAGE_LIMIT;

/// The step's message when STOP comes without a reason.
pub const STOPPED_MESSAGE: &str = "Step stopped by SendWorkflowStepAction.";

/// The answer to a step that waits for action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepAction {
    /// The step completes and the workflow goes on.
    Resume,
    /// The step fails and its `onFailure` applies.
    Stop,
}

impl StepAction {
    pub fn parse(s: &str) -> Option<StepAction> {
        match s {
            "RESUME" => Some(StepAction::Resume),
            "STOP" => Some(StepAction::Stop),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            StepAction::Resume => "RESUME",
            StepAction::Stop => "STOP",
        }
    }
}

/// The step's outputs (`{"action": ..., "reason": ...}`) and, for STOP, its failure message.
pub fn outcome(action: StepAction, reason: Option<&str>) -> (Value, Option<String>) {
    let mut outputs = Map::new();
    outputs.insert("action".into(), Value::String(action.as_str().into()));
    if let Some(r) = reason {
        outputs.insert("reason".into(), Value::String(r.into()));
    }
    let message = match action {
        StepAction::Resume => None,
        StepAction::Stop => Some(
            reason
                .unwrap_or(STOPPED_MESSAGE)
                .chars()
                .take(MESSAGE_LIMIT)
                .collect(),
        ),
    };
    (Value::Object(outputs), message)
}

/// Ends the waiting `step` as `action` says at `now_ms`, moving its execution's counters.
pub fn answer(
    step: &mut StepRow,
    execution: &mut WorkflowExecutionRow,
    action: StepAction,
    reason: Option<&str>,
    now_ms: i64,
) {
    let (outputs, message) = outcome(action, reason);
    step.outputs = Some(pyjson::to_string(&outputs));
    step.end_ms = Some(now_ms.max(step.start_ms));
    step.wait_seq = None;
    step.message = message;
    match action {
        StepAction::Resume => {
            step.status = "COMPLETED".into();
            execution.succeeded += 1;
        }
        StepAction::Stop => {
            step.status = "FAILED".into();
            execution.failed += 1;
        }
    }
}
