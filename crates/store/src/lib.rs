//! Persistence for Stepwise. Knows nothing of HTTP or of the engine's rules: it stores
//! resources, executions, step records, idempotency records and the pagination key, and
//! answers the keyset range reads the list operations page through.
//!
//! SQLite (bundled, WAL, `synchronous=FULL`) is the embedded engine: every write is one
//! transaction committed before the caller acknowledges anything.
#![forbid(unsafe_code)]

mod listing;
mod records;
mod sqlite;

pub use listing::{ListedStep, StepListing};
pub use records::*;
pub use sqlite::{SqliteStore, Write, ALLOCATE_WAIT_SEQ};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("{0}")]
    Conflict(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

impl From<StoreError> for stepwise_api::ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(f, _))
                if matches!(
                    f.code,
                    rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                ) =>
            {
                stepwise_api::ApiError::unavailable("The store is busy; retry the request.")
            }
            other => stepwise_api::ApiError::internal(format!("Internal store failure: {other}")),
        }
    }
}
