//! `stepwise imagebuilder`: the AWS CLI's `aws imagebuilder` commands, driven by the same
//! service model as the server, with the AWS CLI's global options, output formats, errors
//! and pagination.
#![forbid(unsafe_code)]

pub mod output;
