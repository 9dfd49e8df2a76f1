//! Starts the builds of scheduled pipelines when they come due (README, "Image
//! pipelines"): every second, and at once when the clock moves, each ENABLED pipeline's
//! due times up to now start in order. What makes a due time start at most once is the
//! pipeline's batch ([`crate::handlers::start_due`]); this loop only looks.

use crate::ctx::Ctx;
use crate::handlers;
use crate::state::AppState;
use std::time::Duration;
use stepwise_api::{ids, operations, ApiResult};
use stepwise_store::ResourceKind;

/// How often the scheduler looks when nothing wakes it.
const PERIOD: Duration = Duration::from_secs(1);

/// Runs the scheduler until the process ends.
pub fn start(state: AppState) {
    tokio::spawn(async move {
        loop {
            let woken = state.schedules.notified();
            tokio::pin!(woken);
            woken.as_mut().enable();
            if let Err(e) = tick(&state).await {
                tracing::warn!(error = %e, "the scheduler could not look at the pipelines");
            }
            tokio::select! {
                _ = tokio::time::sleep(PERIOD) => {}
                _ = woken => {}
            }
        }
    });
}

/// Starts every due build of every ENABLED pipeline of every tenancy.
pub async fn tick(state: &AppState) -> ApiResult<usize> {
    let op = operations::by_name("StartImagePipelineExecution")
        .ok_or_else(|| stepwise_api::ApiError::internal("no StartImagePipelineExecution"))?;
    let mut started = 0;
    for (tenant, arn) in state
        .store
        .list_unfinished(ResourceKind::ImagePipeline, &["DISABLED"])
        .await?
    {
        let request_id = ids::new_request_id();
        let ctx = Ctx {
            state,
            op,
            tenant,
            request_id: &request_id,
        };
        match handlers::start_due(&ctx, &arn).await {
            Ok(0) => {}
            Ok(n) => {
                tracing::info!(pipeline = %arn, builds = n, "scheduled builds started");
                started += n;
            }
            // One pipeline that cannot start (its recipe went, say) holds no other back.
            Err(e) => {
                tracing::warn!(pipeline = %arn, error = %e, "a scheduled build did not start")
            }
        }
    }
    Ok(started)
}
