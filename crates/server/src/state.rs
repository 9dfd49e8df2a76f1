//! What every request handler can reach: the store, the engine, the clock, the token codec
//! and the server's settings.

use std::sync::Arc;
use stepwise_api::time::Clock;
use stepwise_engine::Engine;
use stepwise_store::SqliteStore;
use stepwise_token::TokenCodec;

#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The account every request acts in.
    pub account_id: String,
    /// The region of unsigned requests (and of signed ones whose scope names no region).
    pub default_region: String,
    /// The quota on steps per workflow document.
    pub max_steps_per_workflow: usize,
    /// How long a stored idempotent response is replayed, in milliseconds.
    pub idempotency_retention_ms: i64,
    /// The largest request body accepted, in bytes.
    pub max_body_bytes: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            account_id: "123456789012".into(),
            default_region: "us-east-1".into(),
            max_steps_per_workflow: 15,
            idempotency_retention_ms: 24 * 3600 * 1000,
            max_body_bytes: 1024 * 1024,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<SqliteStore>,
    pub engine: Engine,
    pub clock: Arc<dyn Clock>,
    pub tokens: Arc<TokenCodec>,
    pub config: Arc<ServerConfig>,
}
