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
mod workflows;

use crate::protocol::Ctx;
use serde_json::Value;
use stepwise_api::operations::Operation;
use stepwise_api::{validate, ApiError, ApiResult, ErrorKind};

/// A response body: a JSON value (the protocol layer adds `requestId` where the output
/// has it), or a body already serialized in full by a hot-path handler.
pub enum Reply {
    Value(Value),
    Serialized(String),
}

pub fn handle(ctx: &Ctx<'_>, op: &Operation, input: Value) -> ApiResult<Reply> {
    validate::validate_input(op, &input)?;
    if op.name == "ListWorkflowStepExecutions" {
        return executions::list_steps(ctx, &input).map(Reply::Serialized);
    }
    handle_value(ctx, op, &input).map(Reply::Value)
}

fn handle_value(ctx: &Ctx<'_>, op: &Operation, input: &Value) -> ApiResult<Value> {
    match op.name {
        "CreateWorkflow" => workflows::create(ctx, input),
        "GetWorkflow" => workflows::get(ctx, input),
        "ListWorkflows" => workflows::list(ctx, input),
        "ListWorkflowBuildVersions" => workflows::list_build_versions(ctx, input),
        "DeleteWorkflow" => workflows::delete(ctx, input),
        "CreateImageRecipe" => recipes::create(ctx, input),
        "GetImageRecipe" => recipes::get(ctx, input),
        "ListImageRecipes" => recipes::list(ctx, input),
        "DeleteImageRecipe" => recipes::delete(ctx, input),
        "CreateInfrastructureConfiguration" => infrastructure::create(ctx, input),
        "GetInfrastructureConfiguration" => infrastructure::get(ctx, input),
        "ListInfrastructureConfigurations" => infrastructure::list(ctx, input),
        "DeleteInfrastructureConfiguration" => infrastructure::delete(ctx, input),
        "CreateDistributionConfiguration" => distribution::create(ctx, input),
        "GetDistributionConfiguration" => distribution::get(ctx, input),
        "ListDistributionConfigurations" => distribution::list(ctx, input),
        "DeleteDistributionConfiguration" => distribution::delete(ctx, input),
        "CreateImage" => images::create(ctx, input),
        "GetImage" => images::get(ctx, input),
        "ListImages" => images::list(ctx, input),
        "ListImageBuildVersions" => images::list_build_versions(ctx, input),
        "ListWorkflowExecutions" => executions::list_executions(ctx, input),
        "GetWorkflowExecution" => executions::get_execution(ctx, input),
        "GetWorkflowStepExecution" => executions::get_step(ctx, input),
        "ListWaitingWorkflowSteps" => executions::list_waiting(ctx, input),
        "SendWorkflowStepAction" => actions::send_step_action(ctx, input),
        "CancelImageCreation" => actions::cancel_image(ctx, input),
        "RetryImage" => actions::retry_image(ctx, input),
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
