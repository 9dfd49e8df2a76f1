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

/// Runs `work` to its end on a single-threaded runtime (a command makes one call at a time);
/// if no runtime can be started, says so and gives the exit status 255.
fn block_on<F: std::future::Future>(work: F) -> Result<F::Output, std::process::ExitCode> {
    match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => Ok(runtime.block_on(work)),
        Err(e) => {
            eprintln!("cannot start a runtime: {e}");
            Err(std::process::ExitCode::from(255))
        }
    }
}
