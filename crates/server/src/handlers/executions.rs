//! Workflow executions and step executions: the records the engine writes, read back.
//! ListWorkflowStepExecutions is the hot path: two indexed reads and one token.

use super::Rendered;
use crate::ctx::Ctx;
use crate::listing::PageRequest;
use serde_json::{json, Value};
use stepwise_api::model::{
    GetWorkflowExecutionRequest, GetWorkflowExecutionResponse, GetWorkflowStepExecutionRequest,
    GetWorkflowStepExecutionResponse, ListWaitingWorkflowStepsRequest,
    ListWaitingWorkflowStepsResponse, ListWorkflowExecutionsRequest,
    ListWorkflowExecutionsResponse, ListWorkflowStepExecutionsRequest,
    ListWorkflowStepExecutionsResponse, WorkflowExecutionMetadata, WorkflowStepExecution,
};
use stepwise_api::render::json_string;
use stepwise_api::time::format_millis;
use stepwise_api::{ApiError, ApiResult};
use stepwise_token::{CursorWriter, OpCode};

/// An execution or step id as the store keys it (ids are answered in lower case).
fn lower_id(id: &Option<String>) -> String {
    id.as_deref().unwrap_or_default().to_ascii_lowercase()
}

/// A stored count as the model's integer.
fn count(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// A stored execution as a model shape that has the execution members (`$shape`), plus the
/// shape's own `$extra` members: one mapping for ListWorkflowExecutions' items and
/// GetWorkflowExecution's output, whose structs share those members.
macro_rules! execution_shape {
    ($shape:ident, $e:ident, $($extra:ident: $value:expr),* $(,)?) => {
        $shape {
            $($extra: $value,)*
            workflow_build_version_arn: Some($e.workflow_arn),
            workflow_execution_id: Some($e.id),
            r#type: Some($e.workflow_type),
            status: Some($e.status),
            message: $e.message,
            total_step_count: Some(count($e.total_steps)),
            total_steps_succeeded: Some(count($e.succeeded)),
            total_steps_failed: Some(count($e.failed)),
            total_steps_skipped: Some(count($e.skipped)),
            start_time: Some(format_millis($e.start_ms)),
            end_time: $e.end_ms.map(format_millis),
            parallel_group: $e.parallel_group,
        }
    };
}

/// ListWorkflowStepExecutions: token, then one keyed read of the execution's step listing,
/// whose items are stored rendered; the page is their concatenation (`message` is never
/// set, spec §4.7).
pub async fn list_workflow_step_executions(
    ctx: &Ctx<'_>,
    input: &ListWorkflowStepExecutionsRequest,
) -> ApiResult<Rendered<ListWorkflowStepExecutionsResponse>> {
    let id = lower_id(&input.workflow_execution_id);
    let page = PageRequest::new(
        ctx,
        OpCode::ListWorkflowStepExecutions,
        json!({ "workflowExecutionId": id }),
        input,
    );
    let after = page.cursor(|r| r.u32())?;
    let listing = ctx
        .state
        .store
        .step_listing(&ctx.tenant, &id)
        .await?
        .ok_or_else(|| ApiError::not_found(&id))?;
    let items = listing.page(after, page.limit + 1)?;
    let (items, token) = page.finish(items, |s| CursorWriter::new().u32(s.idx));
    let mut body =
        String::with_capacity(256 + items.iter().map(|s| s.json.len() + 1).sum::<usize>());
    body.push_str("{\"requestId\":");
    body.push_str(&json_string(ctx.request_id));
    body.push_str(",\"steps\":[");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(item.json);
    }
    body.push_str("],\"workflowBuildVersionArn\":");
    body.push_str(&json_string(&listing.workflow_arn));
    body.push_str(",\"workflowExecutionId\":");
    body.push_str(&json_string(&id));
    body.push_str(",\"imageBuildVersionArn\":");
    body.push_str(&json_string(&listing.image_arn));
    if let Some(token) = token {
        body.push_str(",\"nextToken\":");
        body.push_str(&json_string(&token));
    }
    body.push('}');
    Ok(Rendered::new(body))
}

pub async fn get_workflow_step_execution(
    ctx: &Ctx<'_>,
    input: &GetWorkflowStepExecutionRequest,
) -> ApiResult<GetWorkflowStepExecutionResponse> {
    let id = lower_id(&input.step_execution_id);
    let found = ctx
        .state
        .store
        .get_step(&ctx.tenant, &id)
        .await?
        .ok_or_else(|| ApiError::not_found(&id))?;
    let (s, e) = (found.step, found.execution);
    Ok(GetWorkflowStepExecutionResponse {
        request_id: None,
        step_execution_id: Some(s.id),
        workflow_build_version_arn: Some(e.workflow_arn),
        workflow_execution_id: Some(e.id),
        image_build_version_arn: Some(e.image_arn),
        name: Some(s.name),
        description: s.description,
        action: Some(s.action),
        status: Some(s.status),
        rollback_status: s.rollback_status,
        message: s.message,
        inputs: s.inputs,
        outputs: s.outputs,
        start_time: Some(format_millis(s.start_ms)),
        end_time: s.end_ms.map(format_millis),
        on_failure: Some(s.on_failure),
        timeout_seconds: Some(count(s.timeout_seconds)),
        attempt_number: s.attempt.map(count),
        max_attempts: s.max_attempts.map(count),
    })
}

pub async fn list_workflow_executions(
    ctx: &Ctx<'_>,
    input: &ListWorkflowExecutionsRequest,
) -> ApiResult<ListWorkflowExecutionsResponse> {
    let arn = input.image_build_version_arn.clone().unwrap_or_default();
    let page = PageRequest::new(
        ctx,
        OpCode::ListWorkflowExecutions,
        json!({ "imageBuildVersionArn": arn }),
        input,
    );
    let after = page.cursor(|r| r.u64())?;
    let (record, _) = super::images::load_image(ctx, &arn).await?;
    let after = after.map(|s| s.min(i64::MAX as u64) as i64);
    let rows = ctx
        .state
        .store
        .list_executions(&ctx.tenant, &arn, after, page.limit + 1)
        .await?;
    let (rows, token) = page.finish(rows, |e| CursorWriter::new().u64(e.seq as u64));
    let items = rows
        .into_iter()
        .map(|e| execution_shape!(WorkflowExecutionMetadata, e, retried: Some(e.retried)))
        .collect();
    let message = (record.status() == "FAILED")
        .then(|| {
            record
                .image
                .pointer("/state/reason")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .flatten();
    Ok(ListWorkflowExecutionsResponse {
        request_id: None,
        workflow_executions: Some(items),
        image_build_version_arn: Some(arn),
        message,
        next_token: token,
    })
}

pub async fn get_workflow_execution(
    ctx: &Ctx<'_>,
    input: &GetWorkflowExecutionRequest,
) -> ApiResult<GetWorkflowExecutionResponse> {
    let id = lower_id(&input.workflow_execution_id);
    let e = ctx
        .state
        .store
        .get_execution(&ctx.tenant, &id)
        .await?
        .ok_or_else(|| ApiError::not_found(&id))?;
    Ok(execution_shape!(
        GetWorkflowExecutionResponse,
        e,
        request_id: None,
        image_build_version_arn: Some(e.image_arn),
    ))
}

pub async fn list_waiting_workflow_steps(
    ctx: &Ctx<'_>,
    input: &ListWaitingWorkflowStepsRequest,
) -> ApiResult<ListWaitingWorkflowStepsResponse> {
    let page = PageRequest::new(ctx, OpCode::ListWaitingWorkflowSteps, json!({}), input);
    let after = page.cursor(|r| r.u64())?;
    let after = after.map(|s| s.min(i64::MAX as u64) as i64);
    let rows = ctx
        .state
        .store
        .list_waiting_steps(&ctx.tenant, after, page.limit + 1)
        .await?;
    let (rows, token) = page.finish(rows, |w| {
        CursorWriter::new().u64(w.step.wait_seq.unwrap_or(0) as u64)
    });
    let steps = rows
        .into_iter()
        .map(|w| WorkflowStepExecution {
            step_execution_id: Some(w.step.id),
            image_build_version_arn: Some(w.execution.image_arn),
            workflow_execution_id: Some(w.execution.id),
            workflow_build_version_arn: Some(w.execution.workflow_arn),
            name: Some(w.step.name),
            action: Some(w.step.action),
            start_time: Some(format_millis(w.step.start_ms)),
        })
        .collect();
    Ok(ListWaitingWorkflowStepsResponse {
        steps: Some(steps),
        next_token: token,
    })
}
