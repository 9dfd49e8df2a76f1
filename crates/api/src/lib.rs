//! The wire model of the Image Builder API: shapes, their constraints, identifiers,
//! timestamps and errors. Pure data and validation; no I/O.
#![forbid(unsafe_code)]

pub mod error;
pub mod ids;
pub mod pyjson;
pub mod time;

pub use error::{ApiError, ApiResult, ErrorKind};
