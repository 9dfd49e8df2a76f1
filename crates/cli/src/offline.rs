//! What the offline commands (`simulate`, `validate`) share: a document read from a file or
//! standard input, and a runtime for the service's operations they run in-process.

use std::future::Future;
use std::io::Read;
use std::path::Path;
use std::process::ExitCode;

/// The document at `path`; `-` reads standard input.
pub fn read_document(path: &Path) -> std::io::Result<String> {
    if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s)?;
        Ok(s)
    } else {
        std::fs::read_to_string(path)
    }
}

/// Runs `work` to its end on a single-threaded runtime; a runtime that cannot start is
/// reported for `command` as a failure.
pub fn block_on<F: Future>(command: &str, work: F) -> Result<F::Output, ExitCode> {
    match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => Ok(runtime.block_on(work)),
        Err(e) => {
            eprintln!("stepwise {command}: cannot start a runtime: {e}");
            Err(ExitCode::FAILURE)
        }
    }
}
