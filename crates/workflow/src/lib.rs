//! Image Builder's document languages. Workflow documents: parsing and validation (§5),
//! reference resolution and `if` evaluation (§5.6–§5.8), runtime parameters (§8.2) and the
//! Amazon-managed workflows (§7). AWSTOE component documents and the Amazon-managed
//! components ([`component`]). Pure: no I/O, no clock.
#![forbid(unsafe_code)]

mod coerce;
pub mod component;
mod error;
mod eval;
mod machine;
mod managed;
mod model;
mod params;
mod parse;
mod reference;

#[cfg(test)]
mod machine_props;
#[cfg(test)]
mod tests;

pub use coerce::stringify;
pub use error::{DocumentError, EvalError, ParameterError};
pub use eval::{
    evaluate_condition, evaluate_outputs, evaluate_rollback_enabled, resolve_inputs,
    resolve_reference, EvalContext,
};
pub use machine::{
    Context, Effect, Event, Machine, RollbackStatus, StepRecord, StepStatus, Work, WorkflowStatus,
    MESSAGE_LIMIT,
};
pub use managed::{managed_workflow, managed_workflows, ManagedWorkflow};
pub use model::{
    Action, Condition, OnFailure, Operator, OutputDef, ParamType, ParameterDef, RollbackEnabled,
    StepDef, WorkflowDocument, WorkflowType,
};
pub use params::bind_parameters;
pub use parse::parse_document;

/// Maximum length of a document's `data`, in characters (Unicode scalar values).
pub const MAX_DATA_CHARS: usize = 16000;
/// The default step quota passed as `max_steps` to [`parse_document`].
pub const DEFAULT_MAX_STEPS: usize = 15;
/// Maximum number of declared parameters.
pub const MAX_PARAMETERS: usize = 25;
/// Maximum number of declared outputs.
pub const MAX_OUTPUTS: usize = 25;
/// Maximum length of a parameter name, in characters.
pub const MAX_PARAMETER_NAME_CHARS: usize = 128;
/// Maximum length of each runtime parameter value, in characters.
pub const MAX_PARAMETER_VALUE_CHARS: usize = 1024;
/// Maximum length of a step or parameter description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 1024;
/// Maximum nesting depth of an `if` condition (the node under `if` is level 1).
pub const MAX_CONDITION_DEPTH: usize = 4;
/// Maximum number of children of an `and` / `or` node.
pub const MAX_CONDITION_CHILDREN: usize = 10;
/// Maximum of the `maxAttempts` step key (a Stepwise extension).
pub const MAX_ATTEMPTS: u32 = 10;

/// The `$.imagebuilder.*` variables (§5.7); any other name is rejected at CreateWorkflow.
pub const IMAGEBUILDER_VARIABLES: [&str; 19] = [
    "cloudWatchLogGroup",
    "cloudWatchLogStream",
    "collectImageMetadata",
    "collectImageScanFindings",
    "imageBuildNumber",
    "imageId",
    "imageName",
    "imageType",
    "imageVersionNumber",
    "instanceProfileName",
    "platform",
    "s3Logs",
    "securityGroups",
    "sourceImageARN",
    "subnetId",
    "terminateInstanceOnFailure",
    "workflowPhase",
    "workingDirectory",
    "dateTime",
];
