//! The parsed form of a workflow document and the action table (§5, §6).

use std::fmt;

use serde_json::Value;

/// The type of a workflow, which decides the stage it runs in and the actions it may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WorkflowType {
    Build,
    Test,
    Distribution,
}

impl WorkflowType {
    pub const ALL: [WorkflowType; 3] = [
        WorkflowType::Build,
        WorkflowType::Test,
        WorkflowType::Distribution,
    ];

    /// The API enum value: `BUILD`, `TEST`, `DISTRIBUTION`.
    pub fn as_str(self) -> &'static str {
        match self {
            WorkflowType::Build => "BUILD",
            WorkflowType::Test => "TEST",
            WorkflowType::Distribution => "DISTRIBUTION",
        }
    }

    /// Parses the API enum value (exact case).
    pub fn parse(s: &str) -> Option<WorkflowType> {
        WorkflowType::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The ARN segment: `build`, `test`, `distribution`.
    pub fn arn_segment(self) -> &'static str {
        match self {
            WorkflowType::Build => "build",
            WorkflowType::Test => "test",
            WorkflowType::Distribution => "distribution",
        }
    }

    /// Parses an ARN segment (exact case).
    pub fn from_arn_segment(s: &str) -> Option<WorkflowType> {
        WorkflowType::ALL.into_iter().find(|t| t.arn_segment() == s)
    }

    /// The `$.imagebuilder.workflowPhase` value: `Build`, `Test`, `Distribution`.
    pub fn phase(self) -> &'static str {
        match self {
            WorkflowType::Build => "Build",
            WorkflowType::Test => "Test",
            WorkflowType::Distribution => "Distribution",
        }
    }
}

impl fmt::Display for WorkflowType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A step action (§6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    ApplyImageConfigurations,
    BootstrapInstanceForContainer,
    CollectImageMetadata,
    CollectImageScanFindings,
    CreateImage,
    CreateImageFromIso,
    DistributeContainerImage,
    DistributeImage,
    ExecuteComponents,
    ExecuteStateMachine,
    LaunchInstance,
    ModifyImageAttributes,
    RegisterImage,
    RunCommand,
    RunSysPrep,
    SanitizeInstance,
    TerminateInstance,
    WaitForAction,
    WaitForSSMAgent,
}

const B: u8 = 1;
const T: u8 = 2;
const D: u8 = 4;

/// name, allowed types, default timeout, maximum timeout, required inputs.
type ActionRow = (&'static str, u8, u32, u32, &'static [&'static str]);

const INSTANCE_ID: &[&str] = &["instanceId"];

impl Action {
    pub const ALL: [Action; 19] = [
        Action::ApplyImageConfigurations,
        Action::BootstrapInstanceForContainer,
        Action::CollectImageMetadata,
        Action::CollectImageScanFindings,
        Action::CreateImage,
        Action::CreateImageFromIso,
        Action::DistributeContainerImage,
        Action::DistributeImage,
        Action::ExecuteComponents,
        Action::ExecuteStateMachine,
        Action::LaunchInstance,
        Action::ModifyImageAttributes,
        Action::RegisterImage,
        Action::RunCommand,
        Action::RunSysPrep,
        Action::SanitizeInstance,
        Action::TerminateInstance,
        Action::WaitForAction,
        Action::WaitForSSMAgent,
    ];

    fn row(self) -> ActionRow {
        match self {
            Action::ApplyImageConfigurations => (
                "ApplyImageConfigurations",
                D,
                21600,
                43200,
                &["distributedImages"],
            ),
            Action::BootstrapInstanceForContainer => (
                "BootstrapInstanceForContainer",
                B | T | D,
                3600,
                43200,
                INSTANCE_ID,
            ),
            Action::CollectImageMetadata => {
                ("CollectImageMetadata", B | T | D, 1800, 43200, INSTANCE_ID)
            }
            Action::CollectImageScanFindings => {
                ("CollectImageScanFindings", T, 7200, 43200, INSTANCE_ID)
            }
            Action::CreateImage => ("CreateImage", B | T | D, 43200, 259200, INSTANCE_ID),
            Action::CreateImageFromIso => {
                ("CreateImageFromIso", B | T | D, 43200, 43200, INSTANCE_ID)
            }
            Action::DistributeContainerImage => {
                ("DistributeContainerImage", D, 7200, 43200, INSTANCE_ID)
            }
            Action::DistributeImage => ("DistributeImage", D, 21600, 43200, &[]),
            Action::ExecuteComponents => ("ExecuteComponents", B | T, 43200, 86400, INSTANCE_ID),
            Action::ExecuteStateMachine => (
                "ExecuteStateMachine",
                B | T | D,
                21600,
                86400,
                &["stateMachineArn"],
            ),
            Action::LaunchInstance => ("LaunchInstance", B | T | D, 4500, 43200, &["waitFor"]),
            Action::ModifyImageAttributes => (
                "ModifyImageAttributes",
                D,
                7200,
                10800,
                &["distributedImages"],
            ),
            Action::RegisterImage => ("RegisterImage", B | T | D, 32400, 43200, &[]),
            Action::RunCommand => (
                "RunCommand",
                B | T | D,
                43200,
                43200,
                &["instanceId", "documentName"],
            ),
            Action::RunSysPrep => ("RunSysPrep", B | T | D, 3600, 43200, INSTANCE_ID),
            Action::SanitizeInstance => ("SanitizeInstance", B | T | D, 3600, 43200, INSTANCE_ID),
            Action::TerminateInstance => ("TerminateInstance", B | T | D, 1800, 43200, INSTANCE_ID),
            Action::WaitForAction => ("WaitForAction", B | T | D, 259200, 604800, &[]),
            Action::WaitForSSMAgent => ("WaitForSSMAgent", B | T | D, 3600, 10800, INSTANCE_ID),
        }
    }

    /// The action name as written in documents.
    pub fn name(self) -> &'static str {
        self.row().0
    }

    /// Parses an action name (exact case).
    pub fn parse(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.name() == s)
    }

    /// Whether a workflow of type `ty` may use this action.
    pub fn allowed_in(self, ty: WorkflowType) -> bool {
        let bit = match ty {
            WorkflowType::Build => B,
            WorkflowType::Test => T,
            WorkflowType::Distribution => D,
        };
        self.row().1 & bit != 0
    }

    /// Timeout in seconds when the step sets no `timeoutSeconds`.
    pub fn default_timeout(self) -> u32 {
        self.row().2
    }

    /// The largest `timeoutSeconds` a step with this action may set.
    pub fn max_timeout(self) -> u32 {
        self.row().3
    }

    /// Top-level inputs that must be present (as `name` or `name.$`).
    pub fn required_inputs(self) -> &'static [&'static str] {
        self.row().4
    }

    /// Whether the action has a rollback (§8.6): only `LaunchInstance` and
    /// `CollectImageMetadata`.
    pub fn has_rollback(self) -> bool {
        matches!(self, Action::LaunchInstance | Action::CollectImageMetadata)
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What happens when a step fails (after its last attempt).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnFailure {
    #[default]
    Abort,
    Continue,
}

impl OnFailure {
    pub fn as_str(self) -> &'static str {
        match self {
            OnFailure::Abort => "Abort",
            OnFailure::Continue => "Continue",
        }
    }

    /// Parses `Abort` / `Continue` (exact case).
    pub fn parse(s: &str) -> Option<OnFailure> {
        match s {
            "Abort" => Some(OnFailure::Abort),
            "Continue" => Some(OnFailure::Continue),
            _ => None,
        }
    }
}

impl fmt::Display for OnFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A step's `rollbackEnabled`: a literal, or a `$.` reference evaluated at rollback time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RollbackEnabled {
    Bool(bool),
    Reference(String),
}

impl Default for RollbackEnabled {
    fn default() -> Self {
        RollbackEnabled::Bool(true)
    }
}

/// The declared type of a workflow parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ParamType {
    #[default]
    String,
    Integer,
    Boolean,
    StringList,
}

impl ParamType {
    /// The document / API spelling: `string`, `integer`, `boolean`, `stringList`.
    pub fn as_str(self) -> &'static str {
        match self {
            ParamType::String => "string",
            ParamType::Integer => "integer",
            ParamType::Boolean => "boolean",
            ParamType::StringList => "stringList",
        }
    }

    /// Parses the document spelling (exact case).
    pub fn parse(s: &str) -> Option<ParamType> {
        [
            ParamType::String,
            ParamType::Integer,
            ParamType::Boolean,
            ParamType::StringList,
        ]
        .into_iter()
        .find(|t| t.as_str() == s)
    }
}

impl fmt::Display for ParamType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A declared workflow parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterDef {
    pub name: String,
    pub ty: ParamType,
    /// The default, already typed: `String`, `Number` (integer), `Bool`, or an `Array` of strings.
    pub default: Option<Value>,
    pub description: Option<String>,
}

impl ParameterDef {
    /// GetWorkflow's `defaultValue`: `true` → `["true"]`, `5` → `["5"]`, a stringList → its items.
    pub fn default_value_strings(&self) -> Option<Vec<String>> {
        let default = self.default.as_ref()?;
        Some(match default {
            Value::Array(items) => items.iter().map(crate::coerce::stringify).collect(),
            other => vec![crate::coerce::stringify(other)],
        })
    }
}

/// The operator of a comparison node (§5.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    StringEquals,
    NumberEquals,
    NumberGreaterThan,
    NumberGreaterThanEquals,
    NumberLessThan,
    NumberLessThanEquals,
    BooleanEquals,
}

impl Operator {
    pub const ALL: [Operator; 7] = [
        Operator::StringEquals,
        Operator::NumberEquals,
        Operator::NumberGreaterThan,
        Operator::NumberGreaterThanEquals,
        Operator::NumberLessThan,
        Operator::NumberLessThanEquals,
        Operator::BooleanEquals,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Operator::StringEquals => "stringEquals",
            Operator::NumberEquals => "numberEquals",
            Operator::NumberGreaterThan => "numberGreaterThan",
            Operator::NumberGreaterThanEquals => "numberGreaterThanEquals",
            Operator::NumberLessThan => "numberLessThan",
            Operator::NumberLessThanEquals => "numberLessThanEquals",
            Operator::BooleanEquals => "booleanEquals",
        }
    }

    pub fn parse(s: &str) -> Option<Operator> {
        Operator::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A parsed `if` node (§5.8).
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    And(Vec<Condition>),
    Or(Vec<Condition>),
    Not(Box<Condition>),
    /// `{<operator>: <operand>, value: <value>}`; true when `value <operator> operand`.
    /// `operand` is a literal; `value` is a literal, a `$.` reference or a `{{ }}` template.
    Compare {
        operator: Operator,
        operand: Value,
        value: Value,
    },
}

/// One step of a workflow document.
#[derive(Debug, Clone, PartialEq)]
pub struct StepDef {
    pub name: String,
    pub action: Action,
    pub description: Option<String>,
    pub on_failure: OnFailure,
    pub rollback_enabled: RollbackEnabled,
    pub timeout_seconds: Option<u32>,
    pub condition: Option<Condition>,
    /// The raw `inputs` mapping in document key order (`.$` keys and references unresolved).
    pub inputs: Option<Value>,
    /// Stepwise extension, 1..10, default 1.
    pub max_attempts: u32,
}

impl StepDef {
    /// `timeoutSeconds`, else the action default.
    pub fn effective_timeout(&self) -> u32 {
        self.timeout_seconds
            .unwrap_or_else(|| self.action.default_timeout())
    }
}

/// A workflow output: `name` and its (reference) `value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputDef {
    pub name: String,
    pub value: String,
}

/// A parsed and validated workflow document.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkflowDocument {
    /// Document metadata `name` (independent of the resource name).
    pub name: Option<String>,
    /// Document metadata `description`.
    pub description: Option<String>,
    pub parameters: Vec<ParameterDef>,
    pub steps: Vec<StepDef>,
    pub outputs: Vec<OutputDef>,
}

impl WorkflowDocument {
    /// The step named `name`, if any.
    pub fn step(&self, name: &str) -> Option<&StepDef> {
        self.steps.iter().find(|s| s.name == name)
    }

    /// The parameter named `name`, if any.
    pub fn parameter(&self, name: &str) -> Option<&ParameterDef> {
        self.parameters.iter().find(|p| p.name == name)
    }
}
