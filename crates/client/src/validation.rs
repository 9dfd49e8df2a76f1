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
use crate::token::decode_starting_token;
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
    if preset.token.is_some() {
        return Err(PaginationError::TokenInParams {
            input_token: descriptor.input_token,
        });
    }
    if config.page_size.is_some() && descriptor.limit_key.is_none() {
        return Err(PaginationError::PageSizeNotSupported);
    }

    let mut unknown = Vec::new();
    let mut token_problems = Vec::new();
    let mut start = Start {
        token: None,
        skip: None,
    };
    if let Some(text) = &config.starting_token {
        let parsed = decode_starting_token(text, descriptor.input_token)?;
        start.skip = Some(parsed.truncate_amount);
        for (name, value) in &parsed.members {
            if name != descriptor.input_token {
                unknown.push(format!(
                    "Unknown parameter in input: \"{name}\", must be one of: {}",
                    descriptor.input_members.join(", ")
                ));
                continue;
            }
            match value {
                Value::Null => start.token = None,
                Value::String(s) => start.token = Some(s.clone()),
                other => token_problems.push(format!(
                    "Invalid type for parameter {name}, value: {}, type: <class '{}'>, valid types: <class 'str'>",
                    stepwise_api::pyfmt::py_repr(other),
                    stepwise_api::pyfmt::py_class(other)
                )),
            }
        }
    }
    if let Some(sent) = start.token_to_send() {
        // Python counts code points.
        let length = sent.chars().count();
        if length < descriptor.token_min_length {
            token_problems.push(format!(
                "Invalid length for parameter {}, value: {length}, valid min length: {}",
                descriptor.input_token, descriptor.token_min_length
            ));
        }
    }

    let mut limit_problems = Vec::new();
    if let Some(limit_key) = descriptor.limit_key {
        if let Some(limit) = config.page_size.or(preset.limit) {
            if i64::from(limit) < descriptor.limit_min {
                limit_problems.push(format!(
                    "Invalid value for parameter {limit_key}, value: {limit}, valid min value: {}",
                    descriptor.limit_min
                ));
            }
        }
    }

    // botocore reports unknown members first, then known ones in the order they sit in the
    // request: a limit the caller set comes before the injected token, PageSize after it.
    let mut report = unknown;
    if config.page_size.is_none() && preset.limit.is_some() {
        report.extend(limit_problems);
        report.extend(token_problems);
    } else {
        report.extend(token_problems);
        report.extend(limit_problems);
    }
    if report.is_empty() {
        Ok(start)
    } else {
        Err(PaginationError::ParamValidation {
            report: report.join("\n"),
        })
    }
}
