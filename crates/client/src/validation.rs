//! The first request's paging members, checked the way botocore checks them before sending.
//!
//! botocore injects the `StartingToken` members and `PageSize` into the request parameters and
//! its client validates them against the model (`required`, `min`, types, unknown members;
//! never `max`). Only the paging members can change between the caller's request and what the
//! paginator sends, so only they are checked here; everything else is the SDK's and the
//! service's business. Later requests carry the service's own (non-empty) tokens and the same
//! page size, so checking the first request is enough.

use crate::config::PaginationConfig;
use crate::descriptor::OperationDescriptor;
use crate::error::PaginationError;
use crate::source::Preset;
use crate::token::{decode_starting_token, TokenError};
use serde_json::Value;

/// Where the first request starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Start {
    /// The input token as botocore holds it in its token dict (`"None"` stays a string: it is
    /// not sent, but it is what a resume token built from this page records).
    pub token: Option<String>,
    /// Items to cut from the front of the first page; `Some` exactly when a starting token was
    /// given (botocore only slices the first page then).
    pub skip: Option<i64>,
}

impl Start {
    /// The token as sent: `None` and the string `"None"` both leave the member out.
    pub(crate) fn token_to_send(&self) -> Option<String> {
        sendable(self.token.as_deref())
    }
}

/// botocore's `_inject_token_into_kwargs`: `None` and `"None"` remove the member.
pub(crate) fn sendable(token: Option<&str>) -> Option<String> {
    token.filter(|t| *t != "None").map(str::to_string)
}

/// Reads the starting token and runs botocore's client-side checks on the first request.
pub(crate) fn first_request<E>(
    descriptor: &'static OperationDescriptor,
    config: &PaginationConfig,
    preset: &Preset,
) -> Result<Start, PaginationError<E>> {
    refuse_unsupported(descriptor, config, preset)?;
    let mut problems = Problems::default();
    let start = match &config.starting_token {
        Some(text) => read_starting_token(descriptor, text, &mut problems)?,
        None => Start {
            token: None,
            skip: None,
        },
    };
    problems
        .token
        .extend(token_length_problem(descriptor, &start));
    problems
        .limit
        .extend(limit_problem(descriptor, config, preset));
    match problems.report(config, preset) {
        None => Ok(start),
        Some(report) => Err(PaginationError::ParamValidation { report }),
    }
}

/// What the paginator refuses before any validation: a token set on the request itself, and
/// a `PageSize` for an operation without a limit member.
fn refuse_unsupported<E>(
    descriptor: &'static OperationDescriptor,
    config: &PaginationConfig,
    preset: &Preset,
) -> Result<(), PaginationError<E>> {
    if preset.token.is_some() {
        return Err(PaginationError::TokenInParams {
            input_token: descriptor.input_token,
        });
    }
    if config.page_size.is_some() && descriptor.limit_key.is_none() {
        return Err(PaginationError::PageSizeNotSupported);
    }
    Ok(())
}

/// botocore's parameter-validation messages, by the member they are about.
#[derive(Default)]
struct Problems {
    /// Members of the starting token the operation does not have.
    unknown: Vec<String>,
    /// The input token member.
    token: Vec<String>,
    /// The limit member.
    limit: Vec<String>,
}

impl Problems {
    /// The report botocore raises, or `None` when there is nothing to report. Unknown members
    /// come first, then known ones in the order they sit in the request: a limit the caller
    /// set comes before the injected token, `PageSize` after it.
    fn report(self, config: &PaginationConfig, preset: &Preset) -> Option<String> {
        let mut report = self.unknown;
        if config.page_size.is_none() && preset.limit.is_some() {
            report.extend(self.limit);
            report.extend(self.token);
        } else {
            report.extend(self.token);
            report.extend(self.limit);
        }
        (!report.is_empty()).then(|| report.join("\n"))
    }
}

/// Decodes the starting token into where the run starts; members botocore would reject are
/// recorded in `problems`.
fn read_starting_token(
    descriptor: &'static OperationDescriptor,
    text: &str,
    problems: &mut Problems,
) -> Result<Start, TokenError> {
    let parsed = decode_starting_token(text, descriptor.input_token)?;
    let mut start = Start {
        token: None,
        skip: Some(parsed.truncate_amount),
    };
    for (name, value) in &parsed.members {
        if name != descriptor.input_token {
            problems.unknown.push(format!(
                "Unknown parameter in input: \"{name}\", must be one of: {}",
                descriptor.input_members.join(", ")
            ));
            continue;
        }
        match value {
            Value::Null => start.token = None,
            Value::String(s) => start.token = Some(s.clone()),
            other => problems.token.push(format!(
                "Invalid type for parameter {name}, value: {}, type: <class '{}'>, valid types: <class 'str'>",
                stepwise_api::pyfmt::py_repr(other),
                stepwise_api::pyfmt::py_class(other)
            )),
        }
    }
    Ok(start)
}

/// The input token that will be sent, if it is shorter than the model allows.
fn token_length_problem(descriptor: &OperationDescriptor, start: &Start) -> Option<String> {
    let sent = start.token_to_send()?;
    // Python counts code points.
    let length = sent.chars().count();
    (length < descriptor.token_min_length).then(|| {
        format!(
            "Invalid length for parameter {}, value: {length}, valid min length: {}",
            descriptor.input_token, descriptor.token_min_length
        )
    })
}

/// The limit that will be sent (`PageSize`, else the request's own), if it is below the
/// model's minimum.
fn limit_problem(
    descriptor: &OperationDescriptor,
    config: &PaginationConfig,
    preset: &Preset,
) -> Option<String> {
    let limit_key = descriptor.limit_key?;
    let limit = config.page_size.or(preset.limit)?;
    (i64::from(limit) < descriptor.limit_min).then(|| {
        format!(
            "Invalid value for parameter {limit_key}, value: {limit}, valid min value: {}",
            descriptor.limit_min
        )
    })
}
