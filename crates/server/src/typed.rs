//! JSON read into a model type. A leaf, used by the handlers and by idempotency.

use serde::Deserialize;
use serde_json::Value;
use stepwise_api::{ApiError, ApiResult, ErrorKind};

/// A request's input as its operation's type. It was validated against the model before,
/// so a mismatch is the caller's: refused as a bad request.
pub(crate) fn input<'a, T: Deserialize<'a>>(value: &'a Value) -> ApiResult<T> {
    T::deserialize(value).map_err(|e| {
        ApiError::new(
            ErrorKind::InvalidRequest,
            format!("The request does not fit the operation's input: {e}."),
        )
    })
}

/// JSON that Stepwise wrote as a model shape (a stored body, a reply kept for replay, an
/// output assembled from them) read back as that shape; a mismatch is Stepwise's own fault.
pub(crate) fn typed<'a, T: Deserialize<'a>>(value: &'a Value) -> ApiResult<T> {
    T::deserialize(value).map_err(|e| {
        ApiError::internal(format!(
            "stored JSON does not fit the model shape {}: {e}",
            std::any::type_name::<T>()
        ))
    })
}
