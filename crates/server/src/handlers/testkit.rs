//! A service state on a temporary store and a frozen clock, for the handler tests.

use crate::ctx::Ctx;
use crate::state::{AppState, ServerConfig};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::Arc;
use stepwise_api::time::{ManualClock, MovableClock};
use stepwise_api::{operations, ApiError};
use stepwise_engine::{Engine, EngineConfig, ImageRecord};
use stepwise_store::{ResourceKind, SqliteStore, Store, Tenant, Write};
use stepwise_token::{Keys, TokenCodec};

pub const START_MS: i64 = 1_772_619_330_042; // 2026-03-04T10:15:30.042Z

pub struct Kit {
    pub state: AppState,
    /// The state's clock, which only the tests move.
    pub clock: ManualClock,
    path: PathBuf,
    /// Runs the async handlers for the synchronous tests.
    runtime: tokio::runtime::Runtime,
}

impl Drop for Kit {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut p = self.path.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
    }
}

impl Kit {
    pub fn new() -> Kit {
        let path = std::env::temp_dir().join(format!("stepwise-res-{}.db", uuid::Uuid::new_v4()));
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).expect("temp store opens"));
        let clock = ManualClock::new(START_MS);
        let engine = Engine::new(
            store.clone(),
            Arc::new(clock.clone()),
            EngineConfig::default(),
        );
        let state = AppState {
            store,
            engine,
            clock: Arc::new(MovableClock::new(Arc::new(clock.clone()), 0)),
            tokens: Arc::new(TokenCodec::with_default_ttl(Keys::single(1, [7; 32]))),
            config: Arc::new(ServerConfig::default()),
            schedules: Default::default(),
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a test runtime");
        Kit {
            state,
            clock,
            path,
            runtime,
        }
    }

    pub fn tenant(&self) -> Tenant {
        Tenant::new("123456789012", "us-east-1")
    }

    /// A request context for operation `op` in the kit's tenancy.
    pub fn ctx(&self, op: &str) -> Ctx<'_> {
        Ctx {
            state: &self.state,
            op: operations::by_name(op).expect("operation exists"),
            tenant: self.tenant(),
            request_id: "00000000-0000-4000-8000-000000000000",
        }
    }

    /// Runs a future (a handler's helper, a store call) to its end.
    pub fn run<F: std::future::Future>(&self, f: F) -> F::Output {
        self.runtime.block_on(f)
    }

    pub fn call(&self, op: &str, input: Value) -> Result<Value, ApiError> {
        let ctx = self.ctx(op);
        match self.run(super::handle(&ctx, input))? {
            super::Reply::Value(v) => Ok(v),
            super::Reply::Serialized(body) => {
                Ok(serde_json::from_str(&body).expect("serialized replies are JSON"))
            }
        }
    }

    pub fn ok(&self, op: &str, input: Value) -> Value {
        self.call(op, input)
            .unwrap_or_else(|e| panic!("{op} failed: {e}"))
    }

    pub fn err(&self, op: &str, input: Value) -> ApiError {
        match self.call(op, input) {
            Ok(v) => panic!("{op} unexpectedly succeeded: {v}"),
            Err(e) => e,
        }
    }

    /// Stores an image record whose snapshot at `member` (e.g. `imageRecipe`) is `arn`.
    pub fn image_using(&self, image_arn: &str, status: &str, member: &str, arn: &str) {
        let record = ImageRecord {
            image: json!({"arn": image_arn, "state": {"status": status}, member: {"arn": arn}}),
            plan: Vec::new(),
            components: None,
        };
        let body = serde_json::to_value(&record).unwrap();
        self.runtime
            .block_on(self.state.store.apply(
                &self.tenant(),
                &[Write::InsertResource {
                    kind: ResourceKind::Image,
                    arn: image_arn.into(),
                    body,
                }],
            ))
            .unwrap();
    }

    /// Every item of a List operation, walking the pages with `maxResults`.
    pub fn list_all(&self, op: &str, key: &str, mut input: Value, page: u64) -> Vec<Value> {
        let mut out = Vec::new();
        input["maxResults"] = json!(page);
        loop {
            let resp = self.ok(op, input.clone());
            let items = resp[key].as_array().expect("result key present").clone();
            assert!(items.len() as u64 <= page);
            out.extend(items);
            match resp.get("nextToken").and_then(Value::as_str) {
                Some(t) => input["nextToken"] = json!(t),
                None => return out,
            }
        }
    }
}
