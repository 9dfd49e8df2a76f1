//! The HTTP face of Stepwise: routing by operation, restJson1 decoding and encoding,
//! request ids, the caller's tenancy, error mapping, pagination tokens and idempotency.
//! One handler module per resource family under [`handlers`].
#![forbid(unsafe_code)]

mod auth;
mod clock;
mod ctx;
mod handlers;
mod idempotency;
mod listing;
mod protocol;
mod reply;
pub mod scheduler;
pub mod simulation;
mod state;
mod typed;

pub use state::{AppState, Options, ServerConfig, DATABASE_FILE};

use axum::Router;
use std::net::SocketAddr;
use tokio::net::TcpListener;

/// The service's router (health endpoint plus every operation).
pub fn router(state: AppState) -> Router {
    protocol::router(state)
}

/// Serves until `shutdown` resolves; in-flight requests finish before it returns.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
