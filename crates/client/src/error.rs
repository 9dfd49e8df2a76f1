//! The paginator's error: the source's own error passed through untouched, or one of the
//! client-side failures botocore raises (with botocore's wording where botocore has one).

use crate::token::TokenError;

/// Everything a paginator can fail with. `E` is the page source's error; for the SDK it is
/// `aws_sdk_imagebuilder::error::SdkError<OperationError>`, carried unchanged in
/// [`PaginationError::Service`].
///
/// ```
/// use stepwise_client::PaginationError;
/// let err: PaginationError<std::io::Error> = PaginationError::RepeatedToken {
///     token: "SAME".into(),
///     input_token: "nextToken",
///     pages_apart: 1,
/// };
/// assert_eq!(err.to_string(),
///     "Error during pagination: The same next token was received twice: {'nextToken': 'SAME'}");
/// ```
#[derive(Debug, thiserror::Error)]
pub enum PaginationError<E> {
    /// The request failed (after the SDK's own retries). Pages already yielded stay yielded.
    #[error(transparent)]
    Service(E),
    /// The `StartingToken` cannot be used; no request was made.
    #[error(transparent)]
    StartingToken(#[from] TokenError),
    /// botocore's client-side parameter validation failed; no request was made. `report` is
    /// botocore's report, one problem per line.
    #[error("Parameter validation failed:\n{report}")]
    ParamValidation {
        /// Lines such as `Invalid value for parameter maxResults, value: 0, valid min value: 1`.
        report: String,
    },
    /// `PageSize` was given for an operation without a limit member.
    #[error("Error during pagination: PageSize parameter is not supported for the pagination interface for this operation.")]
    PageSizeNotSupported,
    /// The request builder already carries a continuation token; use
    /// [`PaginationConfig::starting_token`](crate::PaginationConfig::starting_token) instead
    /// (spec §3.9-2: botocore would emit resume tokens that restart from the beginning).
    #[error("Error during pagination: the request already sets {input_token}; pass the token as StartingToken instead")]
    TokenInParams {
        /// The input token member, e.g. `nextToken`.
        input_token: &'static str,
    },
    /// The service returned a token it had already returned: immediately before
    /// (`pages_apart == 1`, botocore's check and wording) or earlier (the cycle guard).
    #[error("Error during pagination: The same next token was received twice: {{{}: {}}}{}",
        stepwise_api::pyfmt::py_repr(&serde_json::Value::from(*input_token)),
        stepwise_api::pyfmt::py_repr(&serde_json::Value::from(token.as_str())),
        if *pages_apart > 1 { format!(" (a cycle of {pages_apart} pages)") } else { String::new() })]
    RepeatedToken {
        /// The repeated service token.
        token: String,
        /// The input token member, e.g. `nextToken`.
        input_token: &'static str,
        /// How many pages lie between the two occurrences (1 = consecutive pages).
        pages_apart: usize,
    },
    /// A JMESPath expression given to `search` did not compile or failed on a page.
    #[error("JMESPath error: {0}")]
    Search(String),
    /// A successful response whose body is not a JSON object (SDK sources only).
    #[error("response body is not a JSON object: {0}")]
    UnreadableBody(String),
}

impl<E> PaginationError<E> {
    /// The source's error, if this is one.
    ///
    /// ```
    /// use stepwise_client::PaginationError;
    /// let err = PaginationError::Service("boom");
    /// assert_eq!(err.as_service_error(), Some(&"boom"));
    /// ```
    pub fn as_service_error(&self) -> Option<&E> {
        match self {
            PaginationError::Service(e) => Some(e),
            _ => None,
        }
    }

    /// Consumes the error, returning the source's error if this is one.
    ///
    /// ```
    /// use stepwise_client::PaginationError;
    /// assert_eq!(PaginationError::Service(7).into_service_error(), Some(7));
    /// assert_eq!(PaginationError::<i32>::PageSizeNotSupported.into_service_error(), None);
    /// ```
    pub fn into_service_error(self) -> Option<E> {
        match self {
            PaginationError::Service(e) => Some(e),
            _ => None,
        }
    }
}
