//! The rows the store keeps. Times are Unix milliseconds; JSON members are kept as text
//! exactly as they will be shown (step `inputs`/`outputs` are already strings on the wire).

use serde_json::Value;

/// The tenancy every row belongs to: (account, region).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Tenant {
    pub account: String,
    pub region: String,
}

impl Tenant {
    pub fn new(account: impl Into<String>, region: impl Into<String>) -> Self {
        Tenant {
            account: account.into(),
            region: region.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    pub arn: String,
    pub body: Value,
    /// Moves on with every write of the resource and every claim of it by a new user
    /// ([`crate::Write::ClaimResource`]); a batch that decided on this revision guards the
    /// decision with [`crate::Write::ExpectResource`].
    pub revision: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct WorkflowExecutionRow {
    /// Creation sequence: the immutable listing order of ListWorkflowExecutions.
    pub seq: i64,
    pub id: String,
    pub tenant: Tenant,
    pub image_arn: String,
    pub workflow_arn: String,
    pub workflow_type: String,
    pub status: String,
    pub message: Option<String>,
    pub total_steps: i64,
    pub succeeded: i64,
    pub failed: i64,
    pub skipped: i64,
    pub start_ms: i64,
    pub end_ms: Option<i64>,
    pub parallel_group: Option<String>,
    pub retried: bool,
    /// Position of this workflow in the image's plan.
    pub plan_index: i64,
    /// The workflow's evaluated outputs (a JSON object) once it completed.
    pub outputs: Option<Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StepRow {
    pub id: String,
    pub execution_id: String,
    /// Index of the step in the document: the immutable listing order.
    pub idx: i64,
    pub name: String,
    pub description: Option<String>,
    pub action: String,
    pub status: String,
    pub rollback_status: Option<String>,
    pub message: Option<String>,
    pub inputs: Option<String>,
    pub outputs: Option<String>,
    pub start_ms: i64,
    pub end_ms: Option<i64>,
    pub attempt: Option<i64>,
    pub max_attempts: Option<i64>,
    pub on_failure: String,
    pub timeout_seconds: i64,
    /// Set while the step waits for an outside action (ListWaitingWorkflowSteps order).
    pub wait_seq: Option<i64>,
}

/// A step row joined with the identity of its execution, for GetWorkflowStepExecution.
#[derive(Debug, Clone, PartialEq)]
pub struct StepWithExecution {
    pub step: StepRow,
    pub execution: WorkflowExecutionRow,
}

/// A stored successful response of an idempotent operation.
#[derive(Debug, Clone, PartialEq)]
pub struct IdempotencyRecord {
    pub fingerprint: String,
    pub response: Value,
    pub created_ms: i64,
}
