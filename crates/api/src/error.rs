//! The modelled exceptions of the Image Builder API and the one error value every layer
//! above `api` converts into. The server turns an [`ApiError`] into the restJson1 error
//! wire format (header `x-amzn-ErrorType`, body `{"__type", "message"}`) in one place.

use std::fmt;

/// Every exception shape the service model defines, with its HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    InvalidRequest,
    InvalidParameterValue,
    /// The input error of the operations whose model lists it instead of
    /// InvalidRequestException (the tagging operations).
    InvalidParameter,
    InvalidParameterCombination,
    InvalidVersionNumber,
    InvalidPaginationToken,
    IdempotentParameterMismatch,
    ResourceInUse,
    ResourceDependency,
    ResourceAlreadyExists,
    ResourceNotFound,
    Forbidden,
    DryRunOperation,
    Service,
    ServiceUnavailable,
    /// Not a model exception: the restJson1 answer for a path/method no operation has.
    UnknownOperation,
    /// Not a model exception: a malformed or (in strict mode) wrong SigV4 signature.
    InvalidSignature,
    /// Not a model exception: an access key strict mode does not know.
    UnrecognizedClient,
    /// Not a model exception: a request body over the size limit.
    RequestTooLarge,
    /// Not a model exception: the store refused a write batch because a decision it guards
    /// no longer held (another caller got there first). The server takes the operation's
    /// decisions again on fresh reads; a client sees this only if that keeps losing, as
    /// ServiceUnavailableException, which every SDK retries.
    WriteConflict,
}

impl ErrorKind {
    pub fn type_name(self) -> &'static str {
        match self {
            ErrorKind::InvalidRequest => "InvalidRequestException",
            ErrorKind::InvalidParameterValue => "InvalidParameterValueException",
            ErrorKind::InvalidParameter => "InvalidParameterException",
            ErrorKind::InvalidParameterCombination => "InvalidParameterCombinationException",
            ErrorKind::InvalidVersionNumber => "InvalidVersionNumberException",
            ErrorKind::InvalidPaginationToken => "InvalidPaginationTokenException",
            ErrorKind::IdempotentParameterMismatch => "IdempotentParameterMismatchException",
            ErrorKind::ResourceInUse => "ResourceInUseException",
            ErrorKind::ResourceDependency => "ResourceDependencyException",
            ErrorKind::ResourceAlreadyExists => "ResourceAlreadyExistsException",
            ErrorKind::ResourceNotFound => "ResourceNotFoundException",
            ErrorKind::Forbidden => "ForbiddenException",
            ErrorKind::DryRunOperation => "DryRunOperationException",
            ErrorKind::Service => "ServiceException",
            ErrorKind::ServiceUnavailable | ErrorKind::WriteConflict => {
                "ServiceUnavailableException"
            }
            ErrorKind::UnknownOperation => "UnknownOperationException",
            ErrorKind::InvalidSignature => "InvalidSignatureException",
            ErrorKind::UnrecognizedClient => "UnrecognizedClientException",
            ErrorKind::RequestTooLarge => "RequestEntityTooLargeException",
        }
    }

    pub fn http_status(self) -> u16 {
        match self {
            ErrorKind::ResourceNotFound | ErrorKind::UnknownOperation => 404,
            ErrorKind::Forbidden | ErrorKind::InvalidSignature | ErrorKind::UnrecognizedClient => {
                403
            }
            ErrorKind::RequestTooLarge => 413,
            ErrorKind::DryRunOperation => 412,
            ErrorKind::Service => 500,
            ErrorKind::ServiceUnavailable | ErrorKind::WriteConflict => 503,
            _ => 400,
        }
    }
}

/// A modelled error: what the client sees as exception type, status and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub kind: ErrorKind,
    pub message: String,
}

impl ApiError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        ApiError {
            kind,
            message: message.into(),
        }
    }

    /// `The value supplied for parameter '<p>' is not valid. <detail>` as InvalidRequestException.
    pub fn invalid_param(param: &str, detail: &str) -> Self {
        Self::new(
            ErrorKind::InvalidRequest,
            invalid_param_message(param, detail),
        )
    }

    /// Same message shape, typed InvalidParameterValueException (semantic checks).
    pub fn invalid_value(param: &str, detail: &str) -> Self {
        Self::new(
            ErrorKind::InvalidParameterValue,
            invalid_param_message(param, detail),
        )
    }

    pub fn missing_param(param: &str) -> Self {
        Self::new(
            ErrorKind::InvalidRequest,
            format!("The parameter '{param}' is required."),
        )
    }

    pub fn not_found(id: &str) -> Self {
        Self::new(
            ErrorKind::ResourceNotFound,
            format!("The resource '{id}' does not exist."),
        )
    }

    pub fn already_exists(resource: &str, arn: &str) -> Self {
        Self::new(
            ErrorKind::ResourceAlreadyExists,
            format!("The following resource '{resource}' already exists: '{arn}'."),
        )
    }

    pub fn dry_run() -> Self {
        Self::new(
            ErrorKind::DryRunOperation,
            "Dry run succeeded; no resource was created.",
        )
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Service, message)
    }

    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::ServiceUnavailable, message)
    }

    /// A store write lost a race (see [`ErrorKind::WriteConflict`]).
    pub fn write_conflict(what: impl Into<String>) -> Self {
        Self::new(
            ErrorKind::WriteConflict,
            format!(
                "The request conflicted with a concurrent change ({}); retry the request.",
                what.into()
            ),
        )
    }

    pub fn invalid_token() -> Self {
        Self::new(
            ErrorKind::InvalidPaginationToken,
            "The pagination token is invalid.",
        )
    }

    pub fn expired_token() -> Self {
        Self::new(
            ErrorKind::InvalidPaginationToken,
            "The pagination token has expired.",
        )
    }
}

pub fn invalid_param_message(param: &str, detail: &str) -> String {
    if detail.is_empty() {
        format!("The value supplied for parameter '{param}' is not valid.")
    } else {
        format!("The value supplied for parameter '{param}' is not valid. {detail}")
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.type_name(), self.message)
    }
}

impl std::error::Error for ApiError {}

pub type ApiResult<T> = Result<T, ApiError>;
