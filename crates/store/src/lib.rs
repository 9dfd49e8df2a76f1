//! Persistence for Stepwise. Knows nothing of HTTP or of the engine's rules: it stores
//! resources, executions, step records, idempotency records and the pagination key, and
//! answers the keyset range reads the list operations page through.
//!
//! Every backend sits behind one async [`Store`] trait and keeps the same rules, which
//! `tests/conformance.rs` checks: a [`Write`] batch commits whole or not at all, and every
//! guard in it (a resource absent or at the revision read, an idempotency token free, a step
//! still waiting, no cancellation pending, a row still there to delete) is checked inside the
//! transaction that writes, so concurrent callers see one serial order. A guard that no
//! longer holds fails the batch with [`StoreError::Conflict`]; the caller re-reads and
//! decides again.
//!
//! SQLite (bundled, WAL, `synchronous=FULL`) is the embedded backend: every batch is one
//! transaction committed before the caller acknowledges anything.
#![forbid(unsafe_code)]

mod kinds;
mod listing;
mod records;
mod sqlite;

pub use kinds::ResourceKind;
pub use listing::{ListedStep, StepListing};
pub use records::*;
pub use sqlite::SqliteStore;

use async_trait::async_trait;
use serde_json::Value;

/// `body` with `value` at the JSON `pointer`, the objects on the way created where missing
/// (a pointer through a non-object leaves `body` as it was).
pub fn set_at_pointer(body: &mut Value, pointer: &str, value: Value) {
    let mut at = body;
    let mut keys = pointer.split('/').skip(1).peekable();
    while let Some(key) = keys.next() {
        let Value::Object(map) = at else { return };
        if keys.peek().is_none() {
            map.insert(key.to_string(), value);
            return;
        }
        at = map
            .entry(key)
            .or_insert_with(|| Value::Object(Default::default()));
    }
}

/// A `wait_seq` of this value in a step write means "allocate the next waiting sequence".
pub const ALLOCATE_WAIT_SEQ: i64 = 0;

/// What went wrong in a store, in terms every backend can report.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The backend could not take the request now (locked, overloaded); retrying may work.
    #[error("the store is busy: {0}")]
    Busy(String),
    /// A guard of a write batch did not hold (see [`Write`]); nothing was written.
    #[error("{0}")]
    Conflict(String),
    /// Stored data cannot be read back.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// Any other failure of the backend.
    #[error("store error: {0}")]
    Backend(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

impl From<StoreError> for stepwise_api::ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Busy(_) => {
                stepwise_api::ApiError::unavailable("The store is busy; retry the request.")
            }
            StoreError::Conflict(what) => stepwise_api::ApiError::write_conflict(what),
            other => stepwise_api::ApiError::internal(format!("Internal store failure: {other}")),
        }
    }
}

/// One change in a write batch; [`Store::apply`] commits a batch atomically. The writes that
/// guard a decision fail the whole batch with [`StoreError::Conflict`] when it no longer holds.
#[derive(Debug, Clone)]
pub enum Write {
    /// Inserts a resource at revision 1; conflicts if the ARN exists.
    InsertResource {
        kind: ResourceKind,
        arn: String,
        body: Value,
    },
    /// Inserts or replaces a resource, moving its revision on by one. A replaced resource
    /// keeps the tags stored with it (at its kind's [`ResourceKind::tags_pointer`]), whatever
    /// `body` holds there: a writer that read the body before a tag change (the engine moving
    /// an image on) cannot undo it. Tags change through [`Write::SetTags`].
    PutResource {
        kind: ResourceKind,
        arn: String,
        body: Value,
    },
    /// Replaces a resource's tags (the map at its kind's [`ResourceKind::tags_pointer`]),
    /// moving its revision on by one; conflicts if there is no such resource.
    SetTags {
        kind: ResourceKind,
        arn: String,
        tags: Value,
    },
    /// Deletes a resource; conflicts if there is none (someone deleted it first).
    DeleteResource { kind: ResourceKind, arn: String },
    /// Writes nothing; conflicts unless the resource exists at `revision` (the revision a
    /// decision was taken on).
    ExpectResource {
        kind: ResourceKind,
        arn: String,
        revision: i64,
    },
    /// Moves the resource's revision on by one and writes nothing else; conflicts if it is
    /// gone or its body is no longer `body` (the one the claimer read: a resource changed,
    /// or deleted and created again under its ARN, is not the one it read). A new user of a
    /// resource claims it, so that a delete decided on an earlier revision (guarded by
    /// [`Write::ExpectResource`]) conflicts; claims do not conflict with one another, so
    /// users of one resource do not wait on each other.
    ClaimResource {
        kind: ResourceKind,
        arn: String,
        body: Value,
    },
    /// Deletes what the builds of an image recorded: its workflow executions, their step
    /// executions and step listings, and a pending cancellation (the image itself is a
    /// [`Write::DeleteResource`] beside it).
    DeleteImageRecords { image_arn: String },
    /// Records an idempotent operation's response under its token; conflicts if a record
    /// created at or after `replaces_before_ms` holds the token (an older one is replaced).
    Idempotency {
        operation: String,
        token: String,
        record: IdempotencyRecord,
        replaces_before_ms: i64,
    },
    /// Inserts an execution (and its empty step listing); conflicts if the id exists.
    InsertExecution(Box<WorkflowExecutionRow>),
    /// Updates an execution's mutable columns; conflicts if there is no such execution.
    UpdateExecution(Box<WorkflowExecutionRow>),
    /// Inserts a step record; a `wait_seq` of [`ALLOCATE_WAIT_SEQ`] takes the next value of
    /// the store-wide waiting sequence. Conflicts if the execution does not exist.
    InsertStep(Box<StepRow>),
    /// Replaces a step record (same allocation rule as [`Write::InsertStep`]).
    UpdateStep(Box<StepRow>),
    /// Asks for an image's build to be cancelled (CancelImageCreation); conflicts if a
    /// cancellation is already pending.
    RequestCancellation {
        image_arn: String,
        requested_ms: i64,
    },
    /// Withdraws a cancellation (RetryImage starts the image again).
    ClearCancellation { image_arn: String },
    /// Ends a step that waits for an outside action, only if it still waits (running, with
    /// a waiting sequence); otherwise conflicts. An action and a timeout racing for the same
    /// step cannot both win.
    FinishWaitingStep(Box<StepRow>),
}

/// A Stepwise store. Reads see every batch committed before they began; each batch of
/// [`Store::apply`] is atomic, durable before it returns, and serializable with every other.
#[async_trait]
pub trait Store: Send + Sync {
    /// Where the data lives, for logs (a file path, a database address without secrets).
    fn describe(&self) -> String;

    /// Returns the value under `key`, storing `init` first if there is none (atomically: every
    /// caller, on every node, gets the first value stored).
    async fn meta_get_or_init(&self, key: &str, init: Vec<u8>) -> StoreResult<Vec<u8>>;

    /// The value under `key`, if any.
    async fn meta_get(&self, key: &str) -> StoreResult<Option<Vec<u8>>>;

    /// Raises the number under `key` to `value` (stores it when there is none), atomically:
    /// a number kept here only grows, whoever raises it. Returns the number now stored.
    async fn meta_raise(&self, key: &str, value: i64) -> StoreResult<i64>;

    /// Commits every write of `batch` in one transaction, or none of them.
    async fn apply(&self, tenant: &Tenant, batch: &[Write]) -> StoreResult<()>;

    async fn get_resource(
        &self,
        tenant: &Tenant,
        kind: ResourceKind,
        arn: &str,
    ) -> StoreResult<Option<Resource>>;

    /// Every resource of `kind` in the tenancy, in ARN order.
    async fn list_resources(
        &self,
        tenant: &Tenant,
        kind: ResourceKind,
    ) -> StoreResult<Vec<Resource>>;

    /// Up to `limit` resources of `kind` in the tenancy in listing order (their
    /// [`stepwise_api::sort_key::SortKey`], which the store derives from the ARN), strictly
    /// after the key bytes `after`: the keyset read a list page is made of.
    async fn list_resources_by_key(
        &self,
        tenant: &Tenant,
        kind: ResourceKind,
        after: Option<&[u8]>,
        limit: usize,
    ) -> StoreResult<Vec<Resource>>;

    /// The resources of `kind` in the tenancy whose ARN starts with `prefix`, in ARN order
    /// (one range read: the builds of one image version, the versions of one recipe).
    async fn list_resources_with_prefix(
        &self,
        tenant: &Tenant,
        kind: ResourceKind,
        prefix: &str,
    ) -> StoreResult<Vec<Resource>>;

    /// The tenancy and ARN of every resource of `kind` with a status not among `done`
    /// (the engine's restart scan), without reading bodies.
    async fn list_unfinished(
        &self,
        kind: ResourceKind,
        done: &[&str],
    ) -> StoreResult<Vec<(Tenant, String)>>;

    /// Whether a cancellation of the image is pending.
    async fn cancellation_requested(&self, tenant: &Tenant, image_arn: &str) -> StoreResult<bool>;

    async fn get_idempotency(
        &self,
        tenant: &Tenant,
        operation: &str,
        token: &str,
    ) -> StoreResult<Option<IdempotencyRecord>>;

    async fn get_execution(
        &self,
        tenant: &Tenant,
        id: &str,
    ) -> StoreResult<Option<WorkflowExecutionRow>>;

    /// Executions of an image in creation order, strictly after `after_seq`, at most `limit`.
    async fn list_executions(
        &self,
        tenant: &Tenant,
        image_arn: &str,
        after_seq: Option<i64>,
        limit: usize,
    ) -> StoreResult<Vec<WorkflowExecutionRow>>;

    /// Step records of an execution in document order, strictly after `after_idx`.
    async fn list_steps(
        &self,
        execution_id: &str,
        after_idx: Option<i64>,
        limit: usize,
    ) -> StoreResult<Vec<StepRow>>;

    /// Steps waiting for an outside action in the tenancy, in the order they began waiting,
    /// strictly after `after_seq`; each with its execution.
    async fn list_waiting_steps(
        &self,
        tenant: &Tenant,
        after_seq: Option<i64>,
        limit: usize,
    ) -> StoreResult<Vec<StepWithExecution>>;

    /// The step listing of an execution in the tenancy (one keyed read), with the
    /// execution's identity; `None` if there is no such execution.
    async fn step_listing(
        &self,
        tenant: &Tenant,
        execution_id: &str,
    ) -> StoreResult<Option<StepListing>>;

    /// A step record with its execution, if the execution is in the tenancy.
    async fn get_step(
        &self,
        tenant: &Tenant,
        step_id: &str,
    ) -> StoreResult<Option<StepWithExecution>>;

    /// Makes the stored state stand alone and releases the backend (clean shutdown).
    async fn close(&self) -> StoreResult<()>;
}
