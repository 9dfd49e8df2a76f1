//! botocore-exact pagination for aws-sdk-imagebuilder.
//!
//! boto3's paginators offer `MaxItems`, `PageSize` and `StartingToken`, and report a resume
//! token (`NextToken` in the AWS CLI) when `MaxItems` stops a run, possibly in the middle of a
//! page. aws-sdk-rust's own paginators have none of that. This crate reproduces botocore
//! 1.44.8's `PageIterator` observably, including resume tokens that are byte-identical with
//! boto3's and the AWS CLI's, so tokens move freely between the three.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use futures_util::StreamExt;
//! use stepwise_client::{PaginateExt, PaginationConfig};
//!
//! let config = aws_sdk_imagebuilder::Config::builder()
//!     .behavior_version(aws_sdk_imagebuilder::config::BehaviorVersion::latest())
//!     .region(aws_sdk_imagebuilder::config::Region::new("us-east-1"))
//!     .endpoint_url("http://127.0.0.1:4599")
//!     .credentials_provider(aws_sdk_imagebuilder::config::Credentials::new("any", "any", None, None, "example"))
//!     .build();
//! let client = aws_sdk_imagebuilder::Client::from_conf(config);
//!
//! let paginator = client
//!     .list_workflow_step_executions()
//!     .workflow_execution_id("wf-0b6e2c1a-4f3d-4c8e-9a71-2d5f0e8b7c43")
//!     .paginate(PaginationConfig::default().page_size(3).max_items(5));
//! let mut steps = paginator.items();
//! while let Some(step) = steps.next().await {
//!     println!("{:?}", step?.name());
//! }
//! // Same string boto3 and `aws … --max-items 5` print; give it back as StartingToken.
//! println!("NextToken: {:?}", steps.resume_token());
//! # Ok(()) }
//! ```
//!
//! Layout: [`token`] (resume-token codec), [`descriptor`] (which operations page and how),
//! [`PaginationConfig`], [`PageSource`] (where pages come from; [`FnSource`] for fakes),
//! [`PageStream`] (the page loop), [`Paginator`] (pages, items, search, full result),
//! [`sdk`] (the SDK operations), [`PaginationError`].
//!
//! Deliberate differences from botocore (spec §3.9): a run never resumes from a stale token,
//! a `nextToken` set on the request is refused, starting tokens botocore would crash on are
//! refused with [`token::TokenError::Malformed`] before any request, a token cycle of any
//! length is an error (see [`PaginationConfig::cycle_guard`]), and pages carry no
//! `ResponseMetadata`.

#![warn(missing_docs)]

mod capture;
mod config;
pub mod descriptor;
mod error;
mod lenient_base64;
mod pages;
mod paginator;
pub mod query;
mod results;
pub mod sdk;
mod source;
pub mod token;
mod validation;

pub use config::PaginationConfig;
pub use error::PaginationError;
pub use pages::{Page, PageStream};
pub use paginator::Paginator;
pub use results::{FlatStream, ItemStream, ValueStream};
pub use sdk::{PaginateExt, PaginatedOperation};
pub use source::{
    FetchedPage, FnSource, PageBody, PageFuture, PageOutput, PageRequest, PageSource, Preset,
    RawPage, RawPageFuture,
};
