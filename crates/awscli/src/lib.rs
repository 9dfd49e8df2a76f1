//! `stepwise imagebuilder`: the AWS CLI's `aws imagebuilder` commands, driven by the same
//! service model as the server, with the AWS CLI's global options, output formats, errors
//! and pagination (through the botocore-exact paginator of `stepwise-client`).
#![forbid(unsafe_code)]

mod command;
mod names;
pub mod output;
mod paging;
mod params;
mod shorthand;
pub mod transport;
mod validate;
pub mod watch;

pub use command::{command, run};
