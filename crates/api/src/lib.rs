//! The wire model of the Image Builder API: shapes, their constraints, identifiers,
//! timestamps and errors. Pure data and validation; no I/O.
#![forbid(unsafe_code)]

pub mod arn;
pub mod error;
pub mod ids;
pub mod members;
pub mod model;
pub mod operations;
pub mod pyfmt;
pub mod pyjson;
pub mod render;
pub mod schema;
pub mod shaped;
pub mod sort_key;
pub mod time;
pub mod validate;

pub use error::{ApiError, ApiResult, ErrorKind};
