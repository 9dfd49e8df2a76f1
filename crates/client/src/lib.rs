//! botocore-exact pagination for aws-sdk-imagebuilder (work in progress: the token codec).

#![warn(missing_docs)]

mod lenient_base64;
#[allow(dead_code)] // used by the paginator's error messages, which come next
mod pyrepr;
pub mod token;
