//! Workflow executions and step executions: the records the engine writes, read back.
//! ListWorkflowStepExecutions is the hot path: two indexed reads and one token.

use super::json::{str_member, Obj};
use crate::ctx::Ctx;
use crate::listing::PageRequest;
use serde_json::{json, Value};
use stepwise_api::render::json_string;
use stepwise_api::time::format_millis;
use stepwise_api::{ApiError, ApiResult};
use stepwise_store::{StepRow, WorkflowExecutionRow};
use stepwise_token::{CursorWriter, OpCode};

fn lower_id(input: &Value, key: &str) -> String {
    str_member(input, key)
        .unwrap_or_default()
        .to_ascii_lowercase()
}

fn step_common(obj: Obj, s: &StepRow) -> Obj {
    obj.opt("description", s.description.clone())
        .set("action", s.action.clone())
        .set("status", s.status.clone())
        .opt("rollbackStatus", s.rollback_status.clone())
        .opt("message", s.message.clone())
        .opt("inputs", s.inputs.clone())
        .opt("outputs", s.outputs.clone())
        .set("startTime", format_millis(s.start_ms))
        .opt("endTime", s.end_ms.map(format_millis))
}

/// ListWorkflowStepExecutions: token, then one keyed read of the execution's step listing,
/// whose items are stored rendered; the page is their concatenation (`message` is never
/// set, spec §4.7).
pub async fn list_workflow_step_executions(ctx: &Ctx<'_>, input: &Value) -> ApiResult<String> {
    let id = lower_id(input, "workflowExecutionId");
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
    Ok(body)
}

pub async fn get_workflow_step_execution(ctx: &Ctx<'_>, input: &Value) -> ApiResult<Value> {
    let id = lower_id(input, "stepExecutionId");
    let found = ctx
        .state
        .store
        .get_step(&ctx.tenant, &id)
        .await?
        .ok_or_else(|| ApiError::not_found(&id))?;
    let (s, e) = (&found.step, &found.execution);
    let obj = Obj::new()
        .set("stepExecutionId", s.id.clone())
        .set("workflowBuildVersionArn", e.workflow_arn.clone())
        .set("workflowExecutionId", e.id.clone())
        .set("imageBuildVersionArn", e.image_arn.clone())
        .set("name", s.name.clone());
    Ok(step_common(obj, s)
        .set("onFailure", s.on_failure.clone())
        .set("timeoutSeconds", s.timeout_seconds)
        .opt("attemptNumber", s.attempt)
        .opt("maxAttempts", s.max_attempts)
        .build())
}

fn execution_common(obj: Obj, e: &WorkflowExecutionRow) -> Obj {
    obj.set("type", e.workflow_type.clone())
        .set("status", e.status.clone())
        .opt("message", e.message.clone())
        .set("totalStepCount", e.total_steps)
        .set("totalStepsSucceeded", e.succeeded)
        .set("totalStepsFailed", e.failed)
        .set("totalStepsSkipped", e.skipped)
        .set("startTime", format_millis(e.start_ms))
        .opt("endTime", e.end_ms.map(format_millis))
        .opt("parallelGroup", e.parallel_group.clone())
}

pub async fn list_workflow_executions(ctx: &Ctx<'_>, input: &Value) -> ApiResult<Value> {
    let arn = str_member(input, "imageBuildVersionArn")
        .unwrap_or_default()
        .to_string();
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
    let items: Vec<Value> = rows
        .iter()
        .map(|e| {
            let obj = Obj::new()
                .set("workflowBuildVersionArn", e.workflow_arn.clone())
                .set("workflowExecutionId", e.id.clone());
            execution_common(obj, e).set("retried", e.retried).build()
        })
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
    Ok(Obj::new()
        .set("workflowExecutions", items)
        .set("imageBuildVersionArn", arn)
        .opt("message", message)
        .opt("nextToken", token)
        .build())
}

pub async fn get_workflow_execution(ctx: &Ctx<'_>, input: &Value) -> ApiResult<Value> {
    let id = lower_id(input, "workflowExecutionId");
    let e = ctx
        .state
        .store
        .get_execution(&ctx.tenant, &id)
        .await?
        .ok_or_else(|| ApiError::not_found(&id))?;
    let obj = Obj::new()
        .set("workflowBuildVersionArn", e.workflow_arn.clone())
        .set("workflowExecutionId", e.id.clone())
        .set("imageBuildVersionArn", e.image_arn.clone());
    Ok(execution_common(obj, &e).build())
}

pub async fn list_waiting_workflow_steps(ctx: &Ctx<'_>, input: &Value) -> ApiResult<Value> {
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
    let items: Vec<Value> = rows
        .iter()
        .map(|w| {
            Obj::new()
                .set("stepExecutionId", w.step.id.clone())
                .set("imageBuildVersionArn", w.execution.image_arn.clone())
                .set("workflowExecutionId", w.execution.id.clone())
                .set("workflowBuildVersionArn", w.execution.workflow_arn.clone())
                .set("name", w.step.name.clone())
                .set("action", w.step.action.clone())
                .set("startTime", format_millis(w.step.start_ms))
                .build()
        })
        .collect();
    Ok(Obj::new()
        .set("steps", items)
        .opt("nextToken", token)
        .build())
}
