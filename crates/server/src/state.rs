//! What every request handler can reach: the store, the engine, the clock, the token codec
//! and the server's settings.

use std::sync::Arc;
use stepwise_api::time::{Clock, Millis, MovableClock};
use stepwise_engine::Engine;
use stepwise_store::{SqliteStore, Store};
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
    pub store: Arc<dyn Store>,
    pub engine: Engine,
    /// The service's "now": the base clock plus an offset that `/_stepwise/clock` moves.
    pub clock: Arc<MovableClock>,
    pub tokens: Arc<TokenCodec>,
    pub config: Arc<ServerConfig>,
    /// Wakes the scheduler (the clock moved).
    pub schedules: Arc<tokio::sync::Notify>,
}

/// Everything [`AppState::open`] needs besides the data directory.
#[derive(Debug, Clone)]
pub struct Options {
    pub server: ServerConfig,
    /// The engine's time scale and fault rules.
    pub engine: stepwise_engine::EngineConfig,
    /// Lifetime of pagination tokens, in seconds.
    pub token_ttl_secs: u64,
    /// Where the clock starts (`stepwise serve --clock-start`), if it is not there yet.
    pub clock_start: Option<Millis>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            server: ServerConfig::default(),
            engine: stepwise_engine::EngineConfig::default(),
            token_ttl_secs: stepwise_token::DEFAULT_TTL_SECS,
            clock_start: None,
        }
    }
}

/// The file of the embedded store inside a data directory.
pub const DATABASE_FILE: &str = "stepwise.db";

impl AppState {
    /// Opens (creating if needed) the store under `data_dir`, its pagination key and the
    /// engine. The engine does not pick unfinished builds up until `engine.resume_all()`.
    pub async fn open(
        data_dir: &std::path::Path,
        clock: Arc<dyn Clock>,
        options: Options,
    ) -> Result<AppState, String> {
        std::fs::create_dir_all(data_dir)
            .map_err(|e| format!("cannot create data directory {}: {e}", data_dir.display()))?;
        let path = data_dir.join(DATABASE_FILE);
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).map_err(|e| {
            let hint = if e.to_string().contains("locked") {
                " (another stepwise process holds it: stop it, or use another --data-dir)"
            } else {
                ""
            };
            format!("cannot open store {}: {e}{hint}", path.display())
        })?);
        let tokens = token_codec(store.as_ref(), options.token_ttl_secs).await?;
        let clock = Arc::new(movable_clock(store.as_ref(), clock, options.clock_start).await?);
        let engine = Engine::new(store.clone(), clock.clone(), options.engine);
        Ok(AppState {
            store,
            engine,
            clock,
            tokens: Arc::new(tokens),
            config: Arc::new(options.server),
            schedules: Arc::new(tokio::sync::Notify::new()),
        })
    }
}

/// Where the clock's offset is kept (milliseconds ahead of the base clock, 8 bytes
/// big-endian), so that a moved clock stays moved across restarts.
pub const CLOCK_OFFSET_KEY: &str = "clock_offset_ms";

/// The service clock on `base`, with the offset the store keeps. A `start` later than the
/// clock's current time moves it there; an earlier one is ignored, since the clock never
/// moves back (README, "The clock").
async fn movable_clock(
    store: &dyn Store,
    base: Arc<dyn Clock>,
    start: Option<Millis>,
) -> Result<MovableClock, String> {
    let stored = match store
        .meta_get(CLOCK_OFFSET_KEY)
        .await
        .map_err(|e| e.to_string())?
    {
        Some(bytes) => i64::from_be_bytes(
            bytes
                .as_slice()
                .try_into()
                .map_err(|_| "the stored clock offset is corrupt")?,
        ),
        None => 0,
    };
    let offset = match start {
        Some(start) => {
            let wanted = start - base.now_millis();
            if wanted < stored {
                tracing::warn!(
                    "--clock-start is before the clock's current time; the clock stays where it is"
                );
            }
            store
                .meta_raise(CLOCK_OFFSET_KEY, wanted.max(stored))
                .await
                .map_err(|e| e.to_string())?
        }
        None => stored,
    };
    Ok(MovableClock::new(base, offset))
}

/// The store's pagination key (key id byte + 32-byte secret): generated once and kept in
/// the store, so tokens outlive restarts and every node on the store honours them.
async fn token_codec(store: &dyn Store, ttl_secs: u64) -> Result<TokenCodec, String> {
    let mut fresh = vec![0u8; 33];
    fresh[0] = 1;
    rand::Rng::fill(&mut rand::thread_rng(), &mut fresh[1..]);
    let key = store
        .meta_get_or_init("pagination_key_v1", fresh)
        .await
        .map_err(|e| e.to_string())?;
    let secret: [u8; 32] = key
        .get(1..)
        .and_then(|s| s.try_into().ok())
        .ok_or("the stored pagination key is corrupt")?;
    Ok(TokenCodec::new(
        stepwise_token::Keys::single(key[0], secret),
        ttl_secs,
    ))
}
