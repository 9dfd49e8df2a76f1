//! JSON read into a model type: a validated input, a stored body of a model shape, or an
//! idempotent reply kept as JSON. A leaf, used by the handlers and by idempotency.

use serde::Deserialize;
use serde_json::Value;
use stepwise_api::{ApiError, ApiResult, ErrorKind};

/// The `T` that `value` holds. Inputs are validated against the model before, so a
/// mismatch is refused as a bad request.
pub(crate) fn typed<'a, T: Deserialize<'a>>(value: &'a Value) -> ApiResult<T> {
    T::deserialize(value).map_err(|e| {
        ApiError::new(
            ErrorKind::InvalidRequest,
            format!("The JSON does not fit the operation's model: {e}."),
        )
    })
}
