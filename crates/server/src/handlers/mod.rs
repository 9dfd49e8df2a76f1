//! Operation handlers, one module per resource family. Each takes a validated JSON input
//! and returns the response body (without `requestId`, which the protocol layer adds).

mod actions;
mod distribution;
mod executions;
mod filters;
mod images;
mod infrastructure;
mod json;
mod recipes;
mod stored;
#[cfg(test)]
pub(crate) mod testkit;
mod workflows;

use crate::ctx::Ctx;
use serde_json::Value;
use stepwise_api::{validate, ApiError, ApiResult, ErrorKind};

/// A response body: a JSON value (the protocol layer adds `requestId` where the output
/// has it), or a body already serialized in full by a hot-path handler.
pub enum Reply {
    Value(Value),
    Serialized(String),
}

/// How often an operation is decided again after its write batch lost a race. Each lost
/// race means another caller's batch committed, so a burst of N callers needs at most N.
const MAX_ATTEMPTS: u32 = 100;

/// Runs the request's operation. Its decisions are taken on reads and guarded inside the
/// write batch that commits them; when a guard fails (another caller changed what the
/// decision rested on) the operation runs again from the start on fresh reads, so
/// concurrent callers see one serial order: the loser of a create race gets "already
/// exists", the second caller of one `clientToken` the first one's reply.
pub async fn handle(ctx: &Ctx<'_>, input: Value) -> ApiResult<Reply> {
    validate::validate_input(ctx.op, &input)?;
    if ctx.op.name == "ListWorkflowStepExecutions" {
        return executions::list_steps(ctx, &input)
            .await
            .map(Reply::Serialized);
    }
    let mut attempt = 1;
    loop {
        match handle_value(ctx, &input).await {
            Err(e) if e.kind == ErrorKind::WriteConflict && attempt < MAX_ATTEMPTS => {
                tracing::debug!(
                    operation = ctx.op.name,
                    attempt,
                    "write conflict; deciding again"
                );
                backoff(attempt).await;
                attempt += 1;
            }
            other => return other.map(Reply::Value),
        }
    }
}

/// A short random pause after a lost race, so that a burst of callers spreads out.
async fn backoff(attempt: u32) {
    if attempt < 3 {
        return tokio::task::yield_now().await;
    }
    let micros = rand::Rng::gen_range(&mut rand::thread_rng(), 0..(200 * attempt.min(20)) as u64);
    tokio::time::sleep(std::time::Duration::from_micros(micros)).await;
}

async fn handle_value(ctx: &Ctx<'_>, input: &Value) -> ApiResult<Value> {
    match ctx.op.name {
        "CreateWorkflow" => workflows::create(ctx, input).await,
        "GetWorkflow" => workflows::get(ctx, input).await,
        "ListWorkflows" => workflows::list(ctx, input).await,
        "ListWorkflowBuildVersions" => workflows::list_build_versions(ctx, input).await,
        "DeleteWorkflow" => workflows::delete(ctx, input).await,
        "CreateImageRecipe" => recipes::create(ctx, input).await,
        "GetImageRecipe" => recipes::get(ctx, input).await,
        "ListImageRecipes" => recipes::list(ctx, input).await,
        "DeleteImageRecipe" => recipes::delete(ctx, input).await,
        "CreateInfrastructureConfiguration" => infrastructure::create(ctx, input).await,
        "GetInfrastructureConfiguration" => infrastructure::get(ctx, input).await,
        "ListInfrastructureConfigurations" => infrastructure::list(ctx, input).await,
        "DeleteInfrastructureConfiguration" => infrastructure::delete(ctx, input).await,
        "CreateDistributionConfiguration" => distribution::create(ctx, input).await,
        "GetDistributionConfiguration" => distribution::get(ctx, input).await,
        "ListDistributionConfigurations" => distribution::list(ctx, input).await,
        "DeleteDistributionConfiguration" => distribution::delete(ctx, input).await,
        "CreateImage" => images::create(ctx, input).await,
        "GetImage" => images::get(ctx, input).await,
        "ListImages" => images::list(ctx, input).await,
        "ListImageBuildVersions" => images::list_build_versions(ctx, input).await,
        "ListWorkflowExecutions" => executions::list_executions(ctx, input).await,
        "GetWorkflowExecution" => executions::get_execution(ctx, input).await,
        "GetWorkflowStepExecution" => executions::get_step(ctx, input).await,
        "ListWaitingWorkflowSteps" => executions::list_waiting(ctx, input).await,
        "SendWorkflowStepAction" => actions::send_step_action(ctx, input).await,
        "CancelImageCreation" => actions::cancel_image(ctx, input).await,
        "RetryImage" => actions::retry_image(ctx, input).await,
        other => Err(ApiError::new(
            ErrorKind::UnknownOperation,
            format!("The operation {other} is not supported by Stepwise yet."),
        )),
    }
}

/// Whether the operation's output shape has a `requestId` member (spec §3.5).
pub fn has_request_id(operation: &str) -> bool {
    !matches!(
        operation,
        "CreateWorkflow"
            | "GetWorkflow"
            | "ListWorkflows"
            | "ListWorkflowBuildVersions"
            | "DeleteWorkflow"
            | "RetryImage"
            | "ListWaitingWorkflowSteps"
            | "SendWorkflowStepAction"
    )
}
