//! JSON read into a model type. A leaf, used by the handlers and by idempotency.

use serde::Deserialize;
use serde_json::Value;
use stepwise_api::{ApiError, ApiResult, ErrorKind};

/// A request's input as its operation's type. It was validated against the model before,
/// so a mismatch is the caller's: refused as a bad request.
pub(crate) fn input<'a, T: Deserialize<'a>>(value: &'a Value) -> ApiResult<T> {
    // The validator has named the member of anything the model refuses; what is left is a
    // value the model's shape allows but its Rust type cannot hold (an integer past i32,
    // say), worded without the decoder's vocabulary.
    T::deserialize(value).map_err(|_| {
        ApiError::new(
            ErrorKind::InvalidRequest,
            "The request holds a value outside the range its member allows.",
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
