//! The crate's error types. Each `Display` is the human-readable detail the server puts after
//! its own prefix (`The value supplied for parameter 'data' is not valid. …` and the like).

use thiserror::Error;

use crate::model::ParamType;

/// A workflow document that cannot be accepted by CreateWorkflow (§5.9).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DocumentError {
    /// The text is not well-formed YAML (or breaks a YAML-level rule such as duplicate keys).
    #[error("{0}")]
    Syntax(String),
    /// The text is YAML but not a valid workflow document.
    #[error("{0}")]
    Invalid(String),
}

impl DocumentError {
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        DocumentError::Invalid(message.into())
    }

    /// The detail text (same as `Display`).
    pub fn message(&self) -> &str {
        match self {
            DocumentError::Syntax(m) | DocumentError::Invalid(m) => m,
        }
    }
}

/// A run-time failure to evaluate a reference or a condition (§5.6, §5.8). The step that hit it
/// fails with this text as its message.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EvalError {
    /// A reference that does not resolve (unknown step or key, index out of range, output of a
    /// skipped step), or whose value cannot serve where it is used (a non-numeric operand of a
    /// `number*` comparison, a non-boolean `rollbackEnabled`).
    #[error("Unable to resolve '{reference}'.")]
    Unresolved { reference: String },
    /// A literal operand that does not fit its operator. Documents accepted by
    /// [`crate::parse_document`] never produce this; hand-built conditions can.
    #[error("Unable to evaluate '{operator}': {operand} is not a valid operand.")]
    InvalidOperand {
        operator: &'static str,
        operand: String,
    },
}

/// A runtime parameter problem found at CreateImage (§8.2, §5.3). `Display` names the
/// parameter and the reason; [`ParameterError::parameter`] gives the name alone.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ParameterError {
    #[error("Parameter '{name}' is not defined in the workflow document.")]
    Unknown { name: String },
    #[error("Parameter '{name}' is specified more than once.")]
    Duplicate { name: String },
    #[error("Parameter '{name}' has no default value and must be specified.")]
    Missing { name: String },
    #[error("Parameter '{name}' of type '{ty}' takes exactly one value, but {count} were given.")]
    Arity {
        name: String,
        ty: ParamType,
        count: usize,
    },
    #[error("Parameter '{name}' has a value longer than {max} characters.", max = crate::MAX_PARAMETER_VALUE_CHARS)]
    TooLong { name: String },
    #[error("Parameter '{name}' of type '{ty}' has an invalid value '{value}'.")]
    InvalidValue {
        name: String,
        ty: ParamType,
        value: String,
    },
}

impl ParameterError {
    /// The name of the parameter the error is about.
    pub fn parameter(&self) -> &str {
        match self {
            ParameterError::Unknown { name }
            | ParameterError::Duplicate { name }
            | ParameterError::Missing { name }
            | ParameterError::Arity { name, .. }
            | ParameterError::TooLong { name }
            | ParameterError::InvalidValue { name, .. } => name,
        }
    }
}
