//! The SQLite store: one writer connection (every write batch is one transaction) and a
//! small pool of reader connections, which WAL lets run beside the writer.

use crate::{
    listing, set_at_pointer, IdempotencyRecord, Resource, ResourceKind, StepListing, StepRow,
    StepWithExecution, Store, StoreError, StoreResult, Tenant, WorkflowExecutionRow, Write,
    ALLOCATE_WAIT_SEQ,
};
use async_trait::async_trait;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, Row};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;
use stepwise_api::sort_key::SortKey;

const SCHEMA_VERSION: i64 = 4;

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS resources (
    account TEXT NOT NULL,
    region  TEXT NOT NULL,
    kind    TEXT NOT NULL,
    arn     TEXT NOT NULL,
    body    TEXT NOT NULL,
    status  TEXT,
    -- Moves on with every write and claim of the row: the compare-and-set of `ExpectResource`.
    revision INTEGER NOT NULL DEFAULT 1,
    -- The listing order (stepwise_api::sort_key), derived from the ARN.
    sort_key BLOB,
    PRIMARY KEY (account, region, kind, arn)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS resources_by_sort_key ON resources (account, region, kind, sort_key);
CREATE INDEX IF NOT EXISTS resources_by_status ON resources (kind, status);
CREATE TABLE IF NOT EXISTS workflow_executions (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    id             TEXT NOT NULL UNIQUE,
    account        TEXT NOT NULL,
    region         TEXT NOT NULL,
    image_arn      TEXT NOT NULL,
    workflow_arn   TEXT NOT NULL,
    workflow_type  TEXT NOT NULL,
    status         TEXT NOT NULL,
    message        TEXT,
    total_steps    INTEGER NOT NULL,
    succeeded      INTEGER NOT NULL,
    failed         INTEGER NOT NULL,
    skipped        INTEGER NOT NULL,
    start_ms       INTEGER NOT NULL,
    end_ms         INTEGER,
    parallel_group TEXT,
    retried        INTEGER NOT NULL,
    plan_index     INTEGER NOT NULL,
    outputs        TEXT
);
CREATE INDEX IF NOT EXISTS workflow_executions_by_image
    ON workflow_executions (account, region, image_arn, seq);
CREATE TABLE IF NOT EXISTS step_executions (
    execution_id    TEXT NOT NULL,
    idx             INTEGER NOT NULL,
    id              TEXT NOT NULL,
    name            TEXT NOT NULL,
    description     TEXT,
    action          TEXT NOT NULL,
    status          TEXT NOT NULL,
    rollback_status TEXT,
    message         TEXT,
    inputs          TEXT,
    outputs         TEXT,
    start_ms        INTEGER NOT NULL,
    end_ms          INTEGER,
    attempt         INTEGER,
    max_attempts    INTEGER,
    on_failure      TEXT NOT NULL,
    timeout_seconds INTEGER NOT NULL,
    wait_seq        INTEGER,
    PRIMARY KEY (execution_id, idx)
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS step_executions_by_id ON step_executions (id);
CREATE INDEX IF NOT EXISTS step_executions_waiting
    ON step_executions (wait_seq) WHERE wait_seq IS NOT NULL;
-- A rowid table on purpose: a WITHOUT ROWID table keeps whole rows, blobs included, in its
-- interior pages, which multiplies the pages a keyed read of a large row touches.
CREATE TABLE IF NOT EXISTS step_listings (
    execution_id TEXT NOT NULL UNIQUE,
    account      TEXT NOT NULL,
    region       TEXT NOT NULL,
    workflow_arn TEXT NOT NULL,
    image_arn    TEXT NOT NULL,
    steps        BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS cancellations (
    account      TEXT NOT NULL,
    region       TEXT NOT NULL,
    image_arn    TEXT NOT NULL,
    requested_ms INTEGER NOT NULL,
    PRIMARY KEY (account, region, image_arn)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sequences (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS idempotency (
    account     TEXT NOT NULL,
    region      TEXT NOT NULL,
    operation   TEXT NOT NULL,
    token       TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    response    TEXT NOT NULL,
    created_ms  INTEGER NOT NULL,
    PRIMARY KEY (account, region, operation, token)
) WITHOUT ROWID;
"#;

pub struct SqliteStore {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match &e {
            rusqlite::Error::SqliteFailure(f, _)
                if matches!(
                    f.code,
                    rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                ) =>
            {
                StoreError::Busy(e.to_string())
            }
            rusqlite::Error::SqliteFailure(f, _)
                if matches!(
                    f.code,
                    rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase
                ) =>
            {
                StoreError::Corrupt(e.to_string())
            }
            _ => StoreError::Backend(e.to_string()),
        }
    }
}

/// Runs a call that may wait on the disk (a commit's fsync). On a multi-threaded runtime the
/// worker hands its other tasks over first, so a commit never stalls requests that only
/// read; elsewhere (a current-thread runtime, no runtime) it simply runs.
fn blocking<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(f)
        }
        _ => f(),
    }
}

fn open_connection(path: &Path, read_only: bool) -> StoreResult<Connection> {
    let flags = if read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
    };
    // unix-excl: the process holds the database exclusively (a second server or a seeder
    // on the same file is refused instead of racing) and keeps the WAL index in its own
    // memory, so a read takes no file locks.
    let conn = Connection::open_with_flags_and_vfs(path, flags, "unix-excl")?;
    conn.busy_timeout(Duration::from_secs(5))?;
    if !read_only {
        // 8 KiB pages (taking effect in a new database only) hold an execution's whole
        // step listing in one leaf, so a page of ListWorkflowStepExecutions reads one page.
        conn.pragma_update(None, "page_size", 8192)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
    }
    // FULL: a commit is on disk before the caller acknowledges the write.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.set_prepared_statement_cache_capacity(64);
    // Keep one plan per cached statement: without the planner stability guarantee SQLite
    // re-plans a statement whenever a bound LIMIT changes, on every page request.
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    Ok(conn)
}

/// The synchronous API, for the tools that own the file outright (`stepwise seed`); the
/// service reaches the store only through [`Store`].
impl SqliteStore {
    /// Opens (creating if needed) the database file at `path` and migrates its schema.
    pub fn open(path: impl AsRef<Path>) -> StoreResult<Self> {
        let path = path.as_ref().to_path_buf();
        let mut writer = open_connection(&path, false)?;
        let version: i64 = writer.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::Corrupt(format!(
                "database schema version {version} is newer than this build supports ({SCHEMA_VERSION})"
            )));
        }
        if version == 1 {
            // v2 indexes resources by status; fill it in for stored images.
            writer.execute_batch(
                "ALTER TABLE resources ADD COLUMN status TEXT;
                 UPDATE resources SET status = json_extract(body, '$.image.state.status')
                 WHERE kind = 'image';",
            )?;
        }
        if (1..=3).contains(&version) {
            // v4 keeps a revision per resource for compare-and-set writes, and its listing
            // key for keyset pages.
            writer.execute_batch(
                "ALTER TABLE resources ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
                 ALTER TABLE resources ADD COLUMN sort_key BLOB;",
            )?;
        }
        writer.execute_batch(SCHEMA)?;
        if (1..=3).contains(&version) {
            backfill_sort_keys(&mut writer)?;
        }
        if (1..=2).contains(&version) {
            backfill_step_listings(&mut writer)?;
        }
        writer.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        Ok(SqliteStore {
            path,
            writer: Mutex::new(writer),
            readers: Mutex::new(Vec::new()),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn with_reader<T>(&self, f: impl FnOnce(&Connection) -> StoreResult<T>) -> StoreResult<T> {
        let conn = match self.readers.lock().unwrap_or_else(|e| e.into_inner()).pop() {
            Some(c) => c,
            None => open_connection(&self.path, true)?,
        };
        let result = f(&conn);
        let mut pool = self.readers.lock().unwrap_or_else(|e| e.into_inner());
        if pool.len() < 16 {
            pool.push(conn);
        }
        result
    }

    /// Checkpoints the WAL so the database file stands alone; called on clean shutdown.
    pub fn close(&self) -> StoreResult<()> {
        self.readers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        let w = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        w.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }

    // ---- meta -------------------------------------------------------------------------

    /// The value under `key`, if any.
    pub fn meta_get(&self, key: &str) -> StoreResult<Option<Vec<u8>>> {
        let w = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        Ok(
            w.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
                .optional()?,
        )
    }

    /// Raises the number (8 bytes, big-endian) under `key` to `value`; the number stored.
    pub fn meta_raise(&self, key: &str, value: i64) -> StoreResult<i64> {
        let mut w = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let tx = w.transaction()?;
        let existing: Option<Vec<u8>> = tx
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?;
        let existing = existing
            .map(|bytes| {
                <[u8; 8]>::try_from(bytes.as_slice())
                    .map(i64::from_be_bytes)
                    .map_err(|_| StoreError::Corrupt(format!("meta {key} is not a number")))
            })
            .transpose()?;
        let kept = existing.map_or(value, |e| e.max(value));
        if existing != Some(kept) {
            tx.execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![key, kept.to_be_bytes().to_vec()],
            )?;
        }
        tx.commit()?;
        Ok(kept)
    }

    /// Returns the value under `key`, storing `init()` first if there is none (atomically).
    pub fn meta_get_or_init(
        &self,
        key: &str,
        init: impl FnOnce() -> Vec<u8>,
    ) -> StoreResult<Vec<u8>> {
        let mut w = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let tx = w.transaction()?;
        let existing: Option<Vec<u8>> = tx
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?;
        let value = match existing {
            Some(v) => v,
            None => {
                let v = init();
                tx.execute(
                    "INSERT INTO meta (key, value) VALUES (?1, ?2)",
                    params![key, v],
                )?;
                v
            }
        };
        tx.commit()?;
        Ok(value)
    }

    // ---- writes -----------------------------------------------------------------------

    /// Commits every write of `batch` in one transaction, or none of them.
    pub fn apply(&self, tenant: &Tenant, batch: &[Write]) -> StoreResult<()> {
        let mut w = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let tx = w.transaction()?;
        for write in batch {
            apply_one(&tx, tenant, write)?;
        }
        tx.commit()?;
        Ok(())
    }

    // ---- resources --------------------------------------------------------------------

    pub fn get_resource(
        &self,
        tenant: &Tenant,
        kind: ResourceKind,
        arn: &str,
    ) -> StoreResult<Option<Resource>> {
        self.with_reader(|c| {
            let mut st = c.prepare_cached(
                "SELECT body, revision FROM resources WHERE account = ?1 AND region = ?2 AND kind = ?3 AND arn = ?4",
            )?;
            let row: Option<(String, i64)> = st
                .query_row(params![tenant.account, tenant.region, kind.as_str(), arn], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()?;
            row.map(|(b, revision)| {
                Ok(Resource { arn: arn.to_string(), body: parse_json(&b)?, revision })
            })
            .transpose()
        })
    }

    /// Every resource of `kind` in the tenancy, in ARN order.
    pub fn list_resources(
        &self,
        tenant: &Tenant,
        kind: ResourceKind,
    ) -> StoreResult<Vec<Resource>> {
        self.read_resources(
            "SELECT arn, body, revision FROM resources
             WHERE account = ?1 AND region = ?2 AND kind = ?3 ORDER BY arn",
            params![tenant.account, tenant.region, kind.as_str()],
        )
    }

    /// Up to `limit` resources of `kind` in listing-key order, strictly after `after`.
    pub fn list_resources_by_key(
        &self,
        tenant: &Tenant,
        kind: ResourceKind,
        after: Option<&[u8]>,
        limit: usize,
    ) -> StoreResult<Vec<Resource>> {
        self.read_resources(
            "SELECT arn, body, revision FROM resources
             WHERE account = ?1 AND region = ?2 AND kind = ?3 AND sort_key > ?4
             ORDER BY sort_key LIMIT ?5",
            params![
                tenant.account,
                tenant.region,
                kind.as_str(),
                after.unwrap_or(&[]),
                limit as i64
            ],
        )
    }

    /// The resources of `kind` in the tenancy whose ARN starts with `prefix`, in ARN order.
    pub fn list_resources_with_prefix(
        &self,
        tenant: &Tenant,
        kind: ResourceKind,
        prefix: &str,
    ) -> StoreResult<Vec<Resource>> {
        self.read_resources(
            "SELECT arn, body, revision FROM resources
             WHERE account = ?1 AND region = ?2 AND kind = ?3 AND arn >= ?4 AND arn < ?5
             ORDER BY arn",
            params![
                tenant.account,
                tenant.region,
                kind.as_str(),
                prefix,
                prefix_end(prefix)
            ],
        )
    }

    /// The resources a query selecting `arn, body, revision` returns.
    fn read_resources(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> StoreResult<Vec<Resource>> {
        self.with_reader(|c| {
            let mut st = c.prepare_cached(sql)?;
            let rows = st.query_map(params, |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (arn, body, revision) = row?;
                out.push(Resource {
                    arn,
                    body: parse_json(&body)?,
                    revision,
                });
            }
            Ok(out)
        })
    }

    /// The tenancy and ARN of every resource of `kind` whose status is not one of `done`,
    /// without reading the bodies (the engine's restart scan).
    pub fn list_unfinished(
        &self,
        kind: ResourceKind,
        done: &[&str],
    ) -> StoreResult<Vec<(Tenant, String)>> {
        self.with_reader(|c| {
            let mut st = c.prepare_cached(
                "SELECT account, region, arn, status FROM resources WHERE kind = ?1 AND status IS NOT NULL",
            )?;
            let rows = st.query_map([kind.as_str()], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (account, region, arn, status) = row?;
                if !done.contains(&status.as_str()) {
                    out.push((Tenant { account, region }, arn));
                }
            }
            Ok(out)
        })
    }

    /// Whether a cancellation of the image was requested.
    pub fn cancellation_requested(&self, tenant: &Tenant, image_arn: &str) -> StoreResult<bool> {
        self.with_reader(|c| {
            let mut st = c.prepare_cached(
                "SELECT 1 FROM cancellations WHERE account = ?1 AND region = ?2 AND image_arn = ?3",
            )?;
            Ok(st
                .query_row(
                    params![tenant.account, tenant.region, image_arn],
                    |_| Ok(()),
                )
                .optional()?
                .is_some())
        })
    }

    // ---- idempotency ------------------------------------------------------------------

    pub fn get_idempotency(
        &self,
        tenant: &Tenant,
        operation: &str,
        token: &str,
    ) -> StoreResult<Option<IdempotencyRecord>> {
        self.with_reader(|c| {
            let mut st = c.prepare_cached(
                "SELECT fingerprint, response, created_ms FROM idempotency
                 WHERE account = ?1 AND region = ?2 AND operation = ?3 AND token = ?4",
            )?;
            let row: Option<(String, String, i64)> = st
                .query_row(
                    params![tenant.account, tenant.region, operation, token],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            row.map(|(fingerprint, response, created_ms)| {
                Ok(IdempotencyRecord {
                    fingerprint,
                    response: parse_json(&response)?,
                    created_ms,
                })
            })
            .transpose()
        })
    }

    // ---- executions -------------------------------------------------------------------

    pub fn get_execution(
        &self,
        tenant: &Tenant,
        id: &str,
    ) -> StoreResult<Option<WorkflowExecutionRow>> {
        self.with_reader(|c| {
            let mut st = c.prepare_cached(&format!(
                "SELECT {EXECUTION_COLUMNS} FROM workflow_executions WHERE id = ?1 AND account = ?2 AND region = ?3"
            ))?;
            Ok(st
                .query_row(params![id, tenant.account, tenant.region], execution_from_row)
                .optional()?)
        })
    }

    /// Executions of an image in creation order, strictly after `after_seq`, at most `limit`.
    pub fn list_executions(
        &self,
        tenant: &Tenant,
        image_arn: &str,
        after_seq: Option<i64>,
        limit: usize,
    ) -> StoreResult<Vec<WorkflowExecutionRow>> {
        self.with_reader(|c| {
            let mut st = c.prepare_cached(&format!(
                "SELECT {EXECUTION_COLUMNS} FROM workflow_executions
                 WHERE account = ?1 AND region = ?2 AND image_arn = ?3 AND seq > ?4
                 ORDER BY seq LIMIT ?5"
            ))?;
            let rows = st.query_map(
                params![
                    tenant.account,
                    tenant.region,
                    image_arn,
                    after_seq.unwrap_or(-1),
                    limit as i64
                ],
                execution_from_row,
            )?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    // ---- steps ------------------------------------------------------------------------

    /// Step records of an execution in document order, strictly after `after_idx`.
    pub fn list_steps(
        &self,
        execution_id: &str,
        after_idx: Option<i64>,
        limit: usize,
    ) -> StoreResult<Vec<StepRow>> {
        self.with_reader(|c| {
            let mut st = c.prepare_cached(&format!(
                "SELECT {STEP_COLUMNS} FROM step_executions
                 WHERE execution_id = ?1 AND idx > ?2 ORDER BY idx LIMIT ?3"
            ))?;
            let rows = st.query_map(
                params![execution_id, after_idx.unwrap_or(-1), limit as i64],
                step_from_row,
            )?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    /// Steps waiting for an outside action in the tenancy, in the order they began waiting,
    /// strictly after `after_seq`; each with its execution.
    pub fn list_waiting_steps(
        &self,
        tenant: &Tenant,
        after_seq: Option<i64>,
        limit: usize,
    ) -> StoreResult<Vec<StepWithExecution>> {
        self.with_reader(|c| {
            let mut st = c.prepare_cached(&format!(
                "SELECT {}, {} FROM step_executions s
                 JOIN workflow_executions e ON e.id = s.execution_id
                 WHERE s.wait_seq IS NOT NULL AND s.wait_seq > ?1 AND e.account = ?2 AND e.region = ?3
                 ORDER BY s.wait_seq LIMIT ?4",
                prefixed_columns(STEP_COLUMNS, "s"),
                prefixed_columns(EXECUTION_COLUMNS, "e")
            ))?;
            let rows = st.query_map(
                params![after_seq.unwrap_or(-1), tenant.account, tenant.region, limit as i64],
                |r| {
                    let step = step_from_row(r)?;
                    let execution = execution_from_offset(r, STEP_COLUMN_COUNT)?;
                    Ok(StepWithExecution { step, execution })
                },
            )?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    /// The step listing of an execution in the tenancy (one keyed read), with the
    /// execution's identity; `None` if there is no such execution.
    pub fn step_listing(
        &self,
        tenant: &Tenant,
        execution_id: &str,
    ) -> StoreResult<Option<StepListing>> {
        self.with_reader(|c| {
            // The fast path: the row id the listing was most likely stored under.
            let mut st = c.prepare_cached(
                "SELECT execution_id, account, region, workflow_arn, image_arn, steps
                 FROM step_listings WHERE rowid = ?1",
            )?;
            let mut row = st
                .query_row([listing_rowid(execution_id)], listing_from_row)
                .optional()?;
            if row.as_ref().is_none_or(|(id, ..)| id != execution_id) {
                let mut st = c.prepare_cached(
                    "SELECT execution_id, account, region, workflow_arn, image_arn, steps
                     FROM step_listings WHERE execution_id = ?1",
                )?;
                row = st.query_row([execution_id], listing_from_row).optional()?;
            }
            Ok(row
                .filter(|(_, account, region, _)| {
                    *account == tenant.account && *region == tenant.region
                })
                .map(|(.., listing)| listing))
        })
    }

    pub fn get_step(
        &self,
        tenant: &Tenant,
        step_id: &str,
    ) -> StoreResult<Option<StepWithExecution>> {
        let step = self.with_reader(|c| {
            let mut st = c.prepare_cached(&format!(
                "SELECT {STEP_COLUMNS} FROM step_executions WHERE id = ?1"
            ))?;
            Ok(st.query_row([step_id], step_from_row).optional()?)
        })?;
        let Some(step) = step else { return Ok(None) };
        let Some(execution) = self.get_execution(tenant, &step.execution_id)? else {
            return Ok(None);
        };
        Ok(Some(StepWithExecution { step, execution }))
    }
}

/// The backend-neutral face of the SQLite store. Reads run inline (WAL readers never wait
/// on the writer); writes, which wait for their commit to reach the disk, run through
/// [`blocking`].
#[async_trait]
impl Store for SqliteStore {
    fn describe(&self) -> String {
        self.path.display().to_string()
    }

    async fn meta_get_or_init(&self, key: &str, init: Vec<u8>) -> StoreResult<Vec<u8>> {
        blocking(|| SqliteStore::meta_get_or_init(self, key, || init))
    }

    async fn meta_get(&self, key: &str) -> StoreResult<Option<Vec<u8>>> {
        blocking(|| SqliteStore::meta_get(self, key))
    }

    async fn meta_raise(&self, key: &str, value: i64) -> StoreResult<i64> {
        blocking(|| SqliteStore::meta_raise(self, key, value))
    }

    async fn apply(&self, tenant: &Tenant, batch: &[Write]) -> StoreResult<()> {
        blocking(|| SqliteStore::apply(self, tenant, batch))
    }

    async fn get_resource(
        &self,
        tenant: &Tenant,
        kind: ResourceKind,
        arn: &str,
    ) -> StoreResult<Option<Resource>> {
        SqliteStore::get_resource(self, tenant, kind, arn)
    }

    async fn list_resources(
        &self,
        tenant: &Tenant,
        kind: ResourceKind,
    ) -> StoreResult<Vec<Resource>> {
        SqliteStore::list_resources(self, tenant, kind)
    }

    async fn list_resources_by_key(
        &self,
        tenant: &Tenant,
        kind: ResourceKind,
        after: Option<&[u8]>,
        limit: usize,
    ) -> StoreResult<Vec<Resource>> {
        SqliteStore::list_resources_by_key(self, tenant, kind, after, limit)
    }

    async fn list_resources_with_prefix(
        &self,
        tenant: &Tenant,
        kind: ResourceKind,
        prefix: &str,
    ) -> StoreResult<Vec<Resource>> {
        SqliteStore::list_resources_with_prefix(self, tenant, kind, prefix)
    }

    async fn list_unfinished(
        &self,
        kind: ResourceKind,
        done: &[&str],
    ) -> StoreResult<Vec<(Tenant, String)>> {
        SqliteStore::list_unfinished(self, kind, done)
    }

    async fn cancellation_requested(&self, tenant: &Tenant, image_arn: &str) -> StoreResult<bool> {
        SqliteStore::cancellation_requested(self, tenant, image_arn)
    }

    async fn get_idempotency(
        &self,
        tenant: &Tenant,
        operation: &str,
        token: &str,
    ) -> StoreResult<Option<IdempotencyRecord>> {
        SqliteStore::get_idempotency(self, tenant, operation, token)
    }

    async fn get_execution(
        &self,
        tenant: &Tenant,
        id: &str,
    ) -> StoreResult<Option<WorkflowExecutionRow>> {
        SqliteStore::get_execution(self, tenant, id)
    }

    async fn list_executions(
        &self,
        tenant: &Tenant,
        image_arn: &str,
        after_seq: Option<i64>,
        limit: usize,
    ) -> StoreResult<Vec<WorkflowExecutionRow>> {
        SqliteStore::list_executions(self, tenant, image_arn, after_seq, limit)
    }

    async fn list_steps(
        &self,
        execution_id: &str,
        after_idx: Option<i64>,
        limit: usize,
    ) -> StoreResult<Vec<StepRow>> {
        SqliteStore::list_steps(self, execution_id, after_idx, limit)
    }

    async fn list_waiting_steps(
        &self,
        tenant: &Tenant,
        after_seq: Option<i64>,
        limit: usize,
    ) -> StoreResult<Vec<StepWithExecution>> {
        SqliteStore::list_waiting_steps(self, tenant, after_seq, limit)
    }

    async fn step_listing(
        &self,
        tenant: &Tenant,
        execution_id: &str,
    ) -> StoreResult<Option<StepListing>> {
        SqliteStore::step_listing(self, tenant, execution_id)
    }

    async fn get_step(
        &self,
        tenant: &Tenant,
        step_id: &str,
    ) -> StoreResult<Option<StepWithExecution>> {
        SqliteStore::get_step(self, tenant, step_id)
    }

    async fn close(&self) -> StoreResult<()> {
        blocking(|| SqliteStore::close(self))
    }
}

const EXECUTION_COLUMNS: &str = "seq, id, account, region, image_arn, workflow_arn, workflow_type, status, message, \
     total_steps, succeeded, failed, skipped, start_ms, end_ms, parallel_group, retried, plan_index, outputs";

const STEP_COLUMNS: &str = "execution_id, idx, id, name, description, action, status, rollback_status, message, \
     inputs, outputs, start_ms, end_ms, attempt, max_attempts, on_failure, timeout_seconds, wait_seq";

/// The least string above every string that starts with `prefix` (ARNs are ASCII): the
/// exclusive end of a prefix range read.
fn prefix_end(prefix: &str) -> String {
    let mut end = prefix.as_bytes().to_vec();
    while let Some(last) = end.pop() {
        if last < 0x7f {
            end.push(last + 1);
            return String::from_utf8(end).unwrap_or_else(|_| "\u{10FFFF}".into());
        }
    }
    "\u{10FFFF}".into()
}

/// `a, b` → `p.a, p.b`, for the column lists of joined reads.
fn prefixed_columns(columns: &str, prefix: &str) -> String {
    columns
        .split(',')
        .map(|c| format!("{prefix}.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn status_of(kind: ResourceKind, body: &Value) -> Option<&str> {
    kind.status_pointer()
        .and_then(|p| body.pointer(p))
        .and_then(Value::as_str)
}

fn parse_json(text: &str) -> StoreResult<Value> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("bad JSON in store: {e}")))
}

const STEP_COLUMN_COUNT: usize = 18;

fn execution_from_row(r: &Row<'_>) -> rusqlite::Result<WorkflowExecutionRow> {
    execution_from_offset(r, 0)
}

/// An execution read from the columns of `r` starting at `at` (for joined reads).
fn execution_from_offset(r: &Row<'_>, at: usize) -> rusqlite::Result<WorkflowExecutionRow> {
    let outputs: Option<String> = r.get(at + 18)?;
    Ok(WorkflowExecutionRow {
        seq: r.get(at)?,
        id: r.get(at + 1)?,
        tenant: Tenant {
            account: r.get(at + 2)?,
            region: r.get(at + 3)?,
        },
        image_arn: r.get(at + 4)?,
        workflow_arn: r.get(at + 5)?,
        workflow_type: r.get(at + 6)?,
        status: r.get(at + 7)?,
        message: r.get(at + 8)?,
        total_steps: r.get(at + 9)?,
        succeeded: r.get(at + 10)?,
        failed: r.get(at + 11)?,
        skipped: r.get(at + 12)?,
        start_ms: r.get(at + 13)?,
        end_ms: r.get(at + 14)?,
        parallel_group: r.get(at + 15)?,
        retried: r.get::<_, i64>(at + 16)? != 0,
        plan_index: r.get(at + 17)?,
        outputs: outputs.and_then(|o| serde_json::from_str(&o).ok()),
    })
}

fn step_from_row(r: &Row<'_>) -> rusqlite::Result<StepRow> {
    Ok(StepRow {
        execution_id: r.get(0)?,
        idx: r.get(1)?,
        id: r.get(2)?,
        name: r.get(3)?,
        description: r.get(4)?,
        action: r.get(5)?,
        status: r.get(6)?,
        rollback_status: r.get(7)?,
        message: r.get(8)?,
        inputs: r.get(9)?,
        outputs: r.get(10)?,
        start_ms: r.get(11)?,
        end_ms: r.get(12)?,
        attempt: r.get(13)?,
        max_attempts: r.get(14)?,
        on_failure: r.get(15)?,
        timeout_seconds: r.get(16)?,
        wait_seq: r.get(17)?,
    })
}

/// The transaction a batch is applied in.
type Tx<'a> = rusqlite::Transaction<'a>;

fn apply_one(tx: &Tx<'_>, tenant: &Tenant, write: &Write) -> StoreResult<()> {
    match write {
        Write::InsertResource { kind, arn, body } => insert_resource(tx, tenant, *kind, arn, body),
        Write::PutResource { kind, arn, body } => put_resource(tx, tenant, *kind, arn, body),
        Write::SetTags { kind, arn, tags } => set_tags(tx, tenant, *kind, arn, tags),
        Write::DeleteResource { kind, arn } => delete_resource(tx, tenant, *kind, arn),
        Write::ExpectResource {
            kind,
            arn,
            revision,
        } => expect_resource(tx, tenant, *kind, arn, *revision),
        Write::ClaimResource { kind, arn, body } => claim_resource(tx, tenant, *kind, arn, body),
        Write::Idempotency {
            operation,
            token,
            record,
            replaces_before_ms,
        } => record_idempotency(tx, tenant, operation, token, record, *replaces_before_ms),
        Write::InsertExecution(e) => insert_execution(tx, tenant, e),
        Write::UpdateExecution(e) => update_execution(tx, e),
        Write::InsertStep(s) => insert_step(tx, s),
        Write::RequestCancellation {
            image_arn,
            requested_ms,
        } => request_cancellation(tx, tenant, image_arn, *requested_ms),
        Write::ClearCancellation { image_arn } => clear_cancellation(tx, tenant, image_arn),
        Write::DeleteImageRecords { image_arn } => delete_image_records(tx, tenant, image_arn),
        Write::FinishWaitingStep(s) => finish_waiting_step(tx, s),
        Write::UpdateStep(s) => update_step(tx, s),
    }
}

/// Inserts a resource at revision 1; conflicts if the ARN exists.
fn insert_resource(
    tx: &Tx<'_>,
    tenant: &Tenant,
    kind: ResourceKind,
    arn: &str,
    body: &Value,
) -> StoreResult<()> {
    let sql = "INSERT OR IGNORE INTO resources (account, region, kind, arn, body, status, sort_key)
               VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
    if write_resource(tx, sql, tenant, kind, arn, body)? == 0 {
        return Err(StoreError::Conflict(arn.to_string()));
    }
    Ok(())
}

/// Inserts or replaces a resource, moving its revision on; a replaced one keeps its tags.
fn put_resource(
    tx: &Tx<'_>,
    tenant: &Tenant,
    kind: ResourceKind,
    arn: &str,
    body: &Value,
) -> StoreResult<()> {
    let sql = "INSERT INTO resources (account, region, kind, arn, body, status, sort_key)
               VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
               ON CONFLICT (account, region, kind, arn)
               DO UPDATE SET body = excluded.body, status = excluded.status, revision = revision + 1";
    let pointer = kind.tags_pointer();
    let kept = match stored_body(tx, tenant, kind, arn)? {
        Some(stored) => stored.pointer(pointer).cloned(),
        None => None,
    };
    match kept {
        Some(tags) if body.pointer(pointer) != Some(&tags) => {
            let mut body = body.clone();
            set_at_pointer(&mut body, pointer, tags);
            write_resource(tx, sql, tenant, kind, arn, &body)?;
        }
        _ => {
            write_resource(tx, sql, tenant, kind, arn, body)?;
        }
    }
    Ok(())
}

/// The body of a resource as this transaction sees it.
fn stored_body(
    tx: &Tx<'_>,
    tenant: &Tenant,
    kind: ResourceKind,
    arn: &str,
) -> StoreResult<Option<Value>> {
    let text: Option<String> = tx
        .prepare_cached(
            "SELECT body FROM resources
             WHERE account = ?1 AND region = ?2 AND kind = ?3 AND arn = ?4",
        )?
        .query_row(
            params![tenant.account, tenant.region, kind.as_str(), arn],
            |r| r.get(0),
        )
        .optional()?;
    text.as_deref().map(parse_json).transpose()
}

/// Replaces a resource's tags, moving its revision on; conflicts if it is gone.
fn set_tags(
    tx: &Tx<'_>,
    tenant: &Tenant,
    kind: ResourceKind,
    arn: &str,
    tags: &Value,
) -> StoreResult<()> {
    let Some(mut body) = stored_body(tx, tenant, kind, arn)? else {
        return Err(StoreError::Conflict(format!("{arn} is gone")));
    };
    set_at_pointer(&mut body, kind.tags_pointer(), tags.clone());
    let n = tx
        .prepare_cached(
            "UPDATE resources SET body = ?5, revision = revision + 1
             WHERE account = ?1 AND region = ?2 AND kind = ?3 AND arn = ?4",
        )?
        .execute(params![
            tenant.account,
            tenant.region,
            kind.as_str(),
            arn,
            body.to_string()
        ])?;
    if n == 0 {
        return Err(StoreError::Conflict(format!("{arn} is gone")));
    }
    Ok(())
}

/// Runs `sql`, an insert of a resource row's seven columns; the rows it changed.
fn write_resource(
    tx: &Tx<'_>,
    sql: &str,
    tenant: &Tenant,
    kind: ResourceKind,
    arn: &str,
    body: &Value,
) -> StoreResult<usize> {
    Ok(tx.prepare_cached(sql)?.execute(params![
        tenant.account,
        tenant.region,
        kind.as_str(),
        arn,
        body.to_string(),
        status_of(kind, body),
        sort_key_of(arn)
    ])?)
}

/// Deletes a resource; conflicts if it is gone.
fn delete_resource(tx: &Tx<'_>, tenant: &Tenant, kind: ResourceKind, arn: &str) -> StoreResult<()> {
    let n = tx
        .prepare_cached(
            "DELETE FROM resources WHERE account = ?1 AND region = ?2 AND kind = ?3 AND arn = ?4",
        )?
        .execute(params![tenant.account, tenant.region, kind.as_str(), arn])?;
    if n == 0 {
        return Err(StoreError::Conflict(format!("{arn} is gone")));
    }
    Ok(())
}

/// Conflicts unless the resource is at `revision`.
fn expect_resource(
    tx: &Tx<'_>,
    tenant: &Tenant,
    kind: ResourceKind,
    arn: &str,
    revision: i64,
) -> StoreResult<()> {
    let stored: Option<i64> = tx
        .prepare_cached(
            "SELECT revision FROM resources
             WHERE account = ?1 AND region = ?2 AND kind = ?3 AND arn = ?4",
        )?
        .query_row(
            params![tenant.account, tenant.region, kind.as_str(), arn],
            |r| r.get(0),
        )
        .optional()?;
    if stored != Some(revision) {
        return Err(StoreError::Conflict(format!(
            "{arn} changed since revision {revision}"
        )));
    }
    Ok(())
}

/// Moves the revision on; conflicts if the resource is gone or holds another body (bodies
/// are stored as `Value::to_string`, which gives a read body back unchanged).
fn claim_resource(
    tx: &Tx<'_>,
    tenant: &Tenant,
    kind: ResourceKind,
    arn: &str,
    body: &Value,
) -> StoreResult<()> {
    let n = tx
        .prepare_cached(
            "UPDATE resources SET revision = revision + 1
                 WHERE account = ?1 AND region = ?2 AND kind = ?3 AND arn = ?4 AND body = ?5",
        )?
        .execute(params![
            tenant.account,
            tenant.region,
            kind.as_str(),
            arn,
            body.to_string()
        ])?;
    if n == 0 {
        return Err(StoreError::Conflict(format!(
            "{arn} is gone or not the one read"
        )));
    }
    Ok(())
}

/// Claims a token for a response; conflicts while a live record holds it.
fn record_idempotency(
    tx: &Tx<'_>,
    tenant: &Tenant,
    operation: &str,
    token: &str,
    record: &IdempotencyRecord,
    replaces_before_ms: i64,
) -> StoreResult<()> {
    let n = tx
            .prepare_cached(
                "INSERT INTO idempotency (account, region, operation, token, fingerprint, response, created_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (account, region, operation, token) DO UPDATE SET
                     fingerprint = excluded.fingerprint, response = excluded.response,
                     created_ms = excluded.created_ms
                 WHERE idempotency.created_ms < ?8",
            )?
            .execute(params![
                tenant.account,
                tenant.region,
                operation,
                token,
                record.fingerprint,
                record.response.to_string(),
                record.created_ms,
                replaces_before_ms
            ])?;
    if n == 0 {
        return Err(StoreError::Conflict(format!(
            "the client token '{token}' of {operation} is taken"
        )));
    }
    Ok(())
}

/// Inserts an execution and its empty step listing.
fn insert_execution(tx: &Tx<'_>, tenant: &Tenant, e: &WorkflowExecutionRow) -> StoreResult<()> {
    insert_listing(tx, &e.id, tenant, &e.workflow_arn, &e.image_arn, &[])?;
    tx.prepare_cached(
        "INSERT INTO workflow_executions (id, account, region, image_arn, workflow_arn, workflow_type,
             status, message, total_steps, succeeded, failed, skipped, start_ms, end_ms, parallel_group,
             retried, plan_index, outputs)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
    )?
    .execute(params![
        e.id,
        tenant.account,
        tenant.region,
        e.image_arn,
        e.workflow_arn,
        e.workflow_type,
        e.status,
        e.message,
        e.total_steps,
        e.succeeded,
        e.failed,
        e.skipped,
        e.start_ms,
        e.end_ms,
        e.parallel_group,
        e.retried as i64,
        e.plan_index,
        e.outputs.as_ref().map(|o| o.to_string())
    ])?;
    Ok(())
}

/// Updates an execution's mutable columns; conflicts if there is none.
fn update_execution(tx: &Tx<'_>, e: &WorkflowExecutionRow) -> StoreResult<()> {
    let n = tx
        .prepare_cached(
            "UPDATE workflow_executions SET status = ?2, message = ?3, succeeded = ?4, failed = ?5,
                    skipped = ?6, end_ms = ?7, retried = ?8, outputs = ?9
                 WHERE id = ?1",
        )?
        .execute(params![
            e.id,
            e.status,
            e.message,
            e.succeeded,
            e.failed,
            e.skipped,
            e.end_ms,
            e.retried as i64,
            e.outputs.as_ref().map(|o| o.to_string())
        ])?;
    if n == 0 {
        return Err(StoreError::Conflict(format!(
            "no workflow execution {}",
            e.id
        )));
    }
    Ok(())
}

/// Inserts a step (and its listing item), numbering a wait.
fn insert_step(tx: &Tx<'_>, s: &StepRow) -> StoreResult<()> {
    write_step(tx, s, "INSERT")?;
    Ok(())
}

/// Records a pending cancellation; conflicts if one is pending.
fn request_cancellation(
    tx: &Tx<'_>,
    tenant: &Tenant,
    image_arn: &str,
    requested_ms: i64,
) -> StoreResult<()> {
    let n = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO cancellations (account, region, image_arn, requested_ms)
                 VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![
            tenant.account,
            tenant.region,
            image_arn,
            requested_ms
        ])?;
    if n == 0 {
        return Err(StoreError::Conflict(format!(
            "{image_arn} is being cancelled"
        )));
    }
    Ok(())
}

/// Clears an image's pending cancellation.
fn clear_cancellation(tx: &Tx<'_>, tenant: &Tenant, image_arn: &str) -> StoreResult<()> {
    tx.prepare_cached(
        "DELETE FROM cancellations WHERE account = ?1 AND region = ?2 AND image_arn = ?3",
    )?
    .execute(params![tenant.account, tenant.region, image_arn])?;
    Ok(())
}

/// Deletes an image's executions, their steps and step listings, and its cancellation: each
/// an indexed read (executions by image, steps and listings by execution id).
fn delete_image_records(tx: &Tx<'_>, tenant: &Tenant, image_arn: &str) -> StoreResult<()> {
    let of_image = params![tenant.account, tenant.region, image_arn];
    for table in ["step_executions", "step_listings"] {
        tx.prepare_cached(&format!(
            "DELETE FROM {table} WHERE execution_id IN (
                 SELECT id FROM workflow_executions
                 WHERE account = ?1 AND region = ?2 AND image_arn = ?3)"
        ))?
        .execute(of_image)?;
    }
    for table in ["workflow_executions", "cancellations"] {
        tx.prepare_cached(&format!(
            "DELETE FROM {table} WHERE account = ?1 AND region = ?2 AND image_arn = ?3"
        ))?
        .execute(of_image)?;
    }
    Ok(())
}

/// Updates a step that must still be waiting; conflicts if it is not.
fn finish_waiting_step(tx: &Tx<'_>, s: &StepRow) -> StoreResult<()> {
    let waiting: Option<i64> = tx
        .prepare_cached(
            "SELECT 1 FROM step_executions
                 WHERE id = ?1 AND status = 'RUNNING' AND wait_seq IS NOT NULL",
        )?
        .query_row([&s.id], |r| r.get(0))
        .optional()?;
    if waiting.is_none() {
        return Err(StoreError::Conflict(format!(
            "step {} is not waiting",
            s.id
        )));
    }
    update_step(tx, s)
}

/// Updates a step (and its listing item).
fn update_step(tx: &Tx<'_>, s: &StepRow) -> StoreResult<()> {
    if write_step(tx, s, "INSERT OR REPLACE")? == 0 {
        return Err(StoreError::Conflict(format!("no step execution {}", s.id)));
    }
    Ok(())
}

/// Writes a step row with `insert` (`INSERT` or `INSERT OR REPLACE`), numbering a wait and
/// keeping the execution's step listing in step; the rows it changed.
fn write_step(tx: &Tx<'_>, s: &StepRow, insert: &str) -> StoreResult<usize> {
    let s = &with_wait_seq(tx, s)?;
    list_step(tx, s)?;
    Ok(tx
        .prepare_cached(&format!(
            "{insert} INTO step_executions ({STEP_COLUMNS})
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)"
        ))?
        .execute(&step_params(s)[..])?)
}

/// Puts `step` into its execution's listing (the read model of ListWorkflowStepExecutions).
fn list_step(tx: &rusqlite::Transaction<'_>, step: &StepRow) -> StoreResult<()> {
    let packed: Option<Vec<u8>> = tx
        .prepare_cached("SELECT steps FROM step_listings WHERE execution_id = ?1")?
        .query_row([&step.execution_id], |r| r.get(0))
        .optional()?;
    let Some(packed) = packed else {
        return Err(StoreError::Conflict(format!(
            "no workflow execution {}",
            step.execution_id
        )));
    };
    let packed = listing::upsert(&packed, step)?;
    tx.prepare_cached("UPDATE step_listings SET steps = ?2 WHERE execution_id = ?1")?
        .execute(params![step.execution_id, packed])?;
    Ok(())
}

/// Where a listing is stored: a 63-bit hash of the execution id, so that reading it is one
/// B-tree descent. The id column is checked on every read; a listing whose hash row was
/// taken lives under an ordinary row id and is found through the id's index.
fn listing_rowid(execution_id: &str) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in execution_id.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    ((h >> 1) as i64).max(1)
}

type ListingRow = (String, String, String, StepListing);

fn listing_from_row(r: &Row<'_>) -> rusqlite::Result<ListingRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        StepListing::new(r.get(3)?, r.get(4)?, r.get(5)?),
    ))
}

fn insert_listing(
    tx: &rusqlite::Transaction<'_>,
    execution_id: &str,
    tenant: &Tenant,
    workflow_arn: &str,
    image_arn: &str,
    packed: &[u8],
) -> StoreResult<()> {
    let at_hash = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO step_listings (rowid, execution_id, account, region, workflow_arn, image_arn, steps)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![
            listing_rowid(execution_id),
            execution_id,
            tenant.account,
            tenant.region,
            workflow_arn,
            image_arn,
            packed
        ])?;
    if at_hash == 0 {
        tx.prepare_cached(
            "INSERT INTO step_listings (execution_id, account, region, workflow_arn, image_arn, steps)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![execution_id, tenant.account, tenant.region, workflow_arn, image_arn, packed])?;
    }
    Ok(())
}

/// Derives the listing keys of a store written before they existed (schema v4).
fn backfill_sort_keys(conn: &mut Connection) -> StoreResult<()> {
    let tx = conn.transaction()?;
    let rows: Vec<(String, String, String, String)> = {
        let mut st = tx.prepare("SELECT account, region, kind, arn FROM resources")?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    for (account, region, kind, arn) in rows {
        tx.prepare_cached(
            "UPDATE resources SET sort_key = ?5 WHERE account = ?1 AND region = ?2 AND kind = ?3 AND arn = ?4",
        )?
        .execute(params![account, region, kind, arn, sort_key_of(&arn)])?;
    }
    tx.commit()?;
    Ok(())
}

/// A resource's listing key, derived from its ARN (`None` for an ARN of no known shape,
/// which keyset listings then leave out).
fn sort_key_of(arn: &str) -> Option<Vec<u8>> {
    SortKey::of_arn(arn).map(|k| k.bytes())
}

/// Builds the step listings of a store written before they existed (schema v3).
fn backfill_step_listings(conn: &mut Connection) -> StoreResult<()> {
    let tx = conn.transaction()?;
    let executions: Vec<(String, String, String, String, String)> = {
        let mut st = tx.prepare(
            "SELECT id, account, region, workflow_arn, image_arn FROM workflow_executions
             WHERE id NOT IN (SELECT execution_id FROM step_listings)",
        )?;
        let rows = st.query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?;
        rows.collect::<Result<_, _>>()?
    };
    for (id, account, region, workflow_arn, image_arn) in executions {
        let steps: Vec<StepRow> = {
            let mut st = tx.prepare_cached(&format!(
                "SELECT {STEP_COLUMNS} FROM step_executions WHERE execution_id = ?1 ORDER BY idx"
            ))?;
            let rows = st.query_map([&id], step_from_row)?;
            rows.collect::<Result<_, _>>()?
        };
        let mut packed = Vec::new();
        for step in &steps {
            packed = listing::upsert(&packed, step)?;
        }
        let tenant = Tenant { account, region };
        insert_listing(&tx, &id, &tenant, &workflow_arn, &image_arn, &packed)?;
    }
    tx.commit()?;
    Ok(())
}

/// A step row whose `wait_seq` asks for allocation ([`ALLOCATE_WAIT_SEQ`]) gets the next
/// value of the store-wide waiting sequence, so waiting steps list in the order they began.
fn with_wait_seq(tx: &rusqlite::Transaction<'_>, s: &StepRow) -> StoreResult<StepRow> {
    let mut s = s.clone();
    if s.wait_seq == Some(ALLOCATE_WAIT_SEQ) {
        let next: i64 = tx
            .prepare_cached(
                "INSERT INTO sequences (name, value) VALUES ('wait', 1)
                 ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value",
            )?
            .query_row([], |r| r.get(0))?;
        s.wait_seq = Some(next);
    }
    Ok(s)
}

fn step_params(s: &StepRow) -> [&dyn rusqlite::ToSql; 18] {
    [
        &s.execution_id,
        &s.idx,
        &s.id,
        &s.name,
        &s.description,
        &s.action,
        &s.status,
        &s.rollback_status,
        &s.message,
        &s.inputs,
        &s.outputs,
        &s.start_ms,
        &s.end_ms,
        &s.attempt,
        &s.max_attempts,
        &s.on_failure,
        &s.timeout_seconds,
        &s.wait_seq,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn execution(id: &str) -> WorkflowExecutionRow {
        WorkflowExecutionRow {
            seq: 0,
            id: id.into(),
            tenant: Tenant::new("123456789012", "us-east-1"),
            image_arn: format!("image-of-{id}"),
            workflow_arn: format!("workflow-of-{id}"),
            workflow_type: "BUILD".into(),
            status: "RUNNING".into(),
            message: None,
            total_steps: 1,
            succeeded: 0,
            failed: 0,
            skipped: 0,
            start_ms: 0,
            end_ms: None,
            parallel_group: None,
            retried: false,
            plan_index: 0,
            outputs: None,
        }
    }

    #[test]
    fn a_listing_whose_hash_row_is_taken_is_still_found() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("s.db")).unwrap();
        let tenant = Tenant::new("123456789012", "us-east-1");
        // Another listing squats on the row id "wf-b" hashes to.
        store
            .writer
            .lock()
            .unwrap()
            .execute(
                "INSERT INTO step_listings (rowid, execution_id, account, region, workflow_arn, image_arn, steps)
                 VALUES (?1, 'wf-a', ?2, ?3, 'workflow-of-wf-a', 'image-of-wf-a', x'')",
                params![listing_rowid("wf-b"), tenant.account, tenant.region],
            )
            .unwrap();
        store
            .apply(
                &tenant,
                &[Write::InsertExecution(Box::new(execution("wf-b")))],
            )
            .unwrap();
        let b = store.step_listing(&tenant, "wf-b").unwrap().unwrap();
        assert_eq!(b.workflow_arn, "workflow-of-wf-b");
        let a = store.step_listing(&tenant, "wf-a").unwrap().unwrap();
        assert_eq!(a.workflow_arn, "workflow-of-wf-a");
        assert!(store.step_listing(&tenant, "wf-c").unwrap().is_none());
        let other = Tenant::new("123456789012", "eu-west-1");
        assert!(
            store.step_listing(&other, "wf-b").unwrap().is_none(),
            "tenancy is checked"
        );
    }

    #[test]
    fn a_v3_store_gets_revisions_and_listing_keys() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let arn = "arn:aws:imagebuilder:us-east-1:123456789012:image-recipe/web/1.0.0";
        {
            // The resources table as schema v3 had it.
            let c = Connection::open(&path).unwrap();
            c.execute_batch(
                "CREATE TABLE resources (
                     account TEXT NOT NULL, region TEXT NOT NULL, kind TEXT NOT NULL,
                     arn TEXT NOT NULL, body TEXT NOT NULL, status TEXT,
                     PRIMARY KEY (account, region, kind, arn)) WITHOUT ROWID;
                 PRAGMA user_version = 3;",
            )
            .unwrap();
            c.execute(
                "INSERT INTO resources VALUES ('123456789012', 'us-east-1', 'image-recipe', ?1, '{}', NULL)",
                [arn],
            )
            .unwrap();
        }
        let store = SqliteStore::open(&path).unwrap();
        let tenant = Tenant::new("123456789012", "us-east-1");
        let listed = store
            .list_resources_by_key(&tenant, ResourceKind::ImageRecipe, None, 10)
            .unwrap();
        assert_eq!(listed.len(), 1, "the old row has its listing key");
        assert_eq!((listed[0].arn.as_str(), listed[0].revision), (arn, 1));
        store
            .apply(
                &tenant,
                &[Write::ExpectResource {
                    kind: ResourceKind::ImageRecipe,
                    arn: arn.into(),
                    revision: 1,
                }],
            )
            .unwrap();
    }

    #[test]
    fn a_second_cancellation_while_one_is_pending_conflicts() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("s.db")).unwrap();
        let tenant = Tenant::new("123456789012", "us-east-1");
        let arn = "arn:aws:imagebuilder:us-east-1:123456789012:image/x/1.0.0/1";
        let request = |ms| Write::RequestCancellation {
            image_arn: arn.into(),
            requested_ms: ms,
        };
        assert!(!store.cancellation_requested(&tenant, arn).unwrap());
        store.apply(&tenant, &[request(1)]).unwrap();
        assert!(store.cancellation_requested(&tenant, arn).unwrap());
        assert!(matches!(
            store.apply(&tenant, &[request(2)]),
            Err(StoreError::Conflict(_))
        ));
        store
            .apply(
                &tenant,
                &[Write::ClearCancellation {
                    image_arn: arn.into(),
                }],
            )
            .unwrap();
        assert!(!store.cancellation_requested(&tenant, arn).unwrap());
    }
}
