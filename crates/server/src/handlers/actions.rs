//! Actions from the outside world on a running build: SendWorkflowStepAction (spec §8.8)
//! and CancelImageCreation (§8.9).

use super::images::load_image;
use crate::ctx::Ctx;
use crate::idempotency::Idempotency;
use stepwise_api::model::{
    CancelImageCreationRequest, CancelImageCreationResponse, RetryImageRequest, RetryImageResponse,
    SendWorkflowStepActionRequest, SendWorkflowStepActionResponse,
};
use stepwise_api::{ApiError, ApiResult, ErrorKind};
use stepwise_engine::is_terminal_image_status;
use stepwise_engine::step_action::{self, StepAction};
use stepwise_store::{ResourceKind, Write};

fn not_waiting() -> ApiError {
    ApiError::new(
        ErrorKind::InvalidRequest,
        "The workflow step is not waiting for an action.",
    )
}

/// RESUME completes a waiting WaitForAction step, STOP fails it (its onFailure then
/// applies); either way it leaves ListWaitingWorkflowSteps before the response, and the
/// engine carries on with the workflow.
pub async fn send_workflow_step_action(
    ctx: &Ctx<'_>,
    input: &SendWorkflowStepActionRequest,
) -> ApiResult<SendWorkflowStepActionResponse> {
    let idem = match Idempotency::check(ctx, input).await? {
        Ok(idem) => idem,
        Err(replay) => return Ok(replay),
    };
    let step_id = input
        .step_execution_id
        .as_deref()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let image_arn = input.image_build_version_arn.as_deref().unwrap_or_default();
    let action = input.action.as_deref().unwrap_or_default();
    let reason = input.reason.as_deref();
    let found = ctx
        .state
        .store
        .get_step(&ctx.tenant, &step_id)
        .await?
        .ok_or_else(|| ApiError::not_found(&step_id))?;
    if found.execution.image_arn != image_arn {
        return Err(ApiError::invalid_value(
            "imageBuildVersionArn",
            "It does not match the image that owns the step.",
        ));
    }
    let (mut step, mut execution) = (found.step, found.execution);
    if step.action != "WaitForAction" || step.status != "RUNNING" || step.wait_seq.is_none() {
        return Err(not_waiting());
    }
    // The model's enum check ran before, so this only fails if the model grows a value.
    let answer = StepAction::parse(action)
        .ok_or_else(|| ApiError::invalid_value("action", "It must be RESUME or STOP."))?;
    step_action::answer(&mut step, &mut execution, answer, reason, ctx.now());
    let response = SendWorkflowStepActionResponse {
        step_execution_id: Some(step.id.clone()),
        image_build_version_arn: Some(image_arn.to_string()),
        client_token: input.client_token.clone(),
    };
    // FinishWaitingStep conflicts if the step stopped waiting since it was read (a timeout,
    // another answer); decided again, the request is refused as not waiting, or replays the
    // answer given under the same token.
    let writes = [
        Write::FinishWaitingStep(Box::new(step)),
        Write::UpdateExecution(Box::new(execution)),
        idem.record(ctx, &response)?,
    ];
    ctx.state.store.apply(&ctx.tenant, &writes).await?;
    Ok(response)
}

/// CancelImageCreation (spec §8.9): recorded at once, carried out by the engine
/// asynchronously (running step and workflow CANCELLED, nothing later starts, image
/// CANCELLED).
pub async fn cancel_image_creation(
    ctx: &Ctx<'_>,
    input: &CancelImageCreationRequest,
) -> ApiResult<CancelImageCreationResponse> {
    let idem = match Idempotency::check(ctx, input).await? {
        Ok(idem) => idem,
        Err(replay) => return Ok(replay),
    };
    let arn = input.image_build_version_arn.as_deref().unwrap_or_default();
    let (record, image_guard) = load_image(ctx, arn).await?;
    if is_terminal_image_status(record.status()) {
        return Err(ApiError::new(
            ErrorKind::InvalidRequest,
            "The image cannot be cancelled because it is in a terminal state.",
        ));
    }
    let in_progress = || {
        ApiError::new(
            ErrorKind::ResourceInUse,
            format!("The image '{arn}' is already being cancelled."),
        )
    };
    if ctx
        .state
        .store
        .cancellation_requested(&ctx.tenant, arn)
        .await?
    {
        return Err(in_progress());
    }
    let response = CancelImageCreationResponse {
        request_id: None,
        client_token: input.client_token.clone(),
        image_build_version_arn: Some(arn.to_string()),
    };
    // Conflicts if another cancellation got in first, or if the build moved on since the
    // image was read (it may have ended): decided again on what the store holds then.
    let writes = [
        image_guard,
        Write::RequestCancellation {
            image_arn: arn.to_string(),
            requested_ms: ctx.now(),
        },
        idem.record(ctx, &response)?,
    ];
    ctx.state.store.apply(&ctx.tenant, &writes).await?;
    ctx.state.engine.cancel(ctx.tenant.clone(), arn.to_string());
    Ok(response)
}

fn not_retryable() -> ApiError {
    ApiError::new(
        ErrorKind::InvalidRequest,
        "Only images that failed or were cancelled after the build phase can be retried.",
    )
}

/// RetryImage (spec §8.10): the stage that did not finish (TEST or DISTRIBUTION) runs again
/// entirely, in place; the executions it replaces (and any of later stages) are marked
/// `retried`; the image takes that stage's status before the response.
pub async fn retry_image(
    ctx: &Ctx<'_>,
    input: &RetryImageRequest,
) -> ApiResult<RetryImageResponse> {
    let idem = match Idempotency::check(ctx, input).await? {
        Ok(idem) => idem,
        Err(replay) => return Ok(replay),
    };
    let arn = input.image_build_version_arn.as_deref().unwrap_or_default();
    let (mut record, image_guard) = load_image(ctx, arn).await?;
    if !matches!(record.status(), "FAILED" | "CANCELLED") {
        return Err(not_retryable());
    }
    let executions = ctx
        .state
        .store
        .list_executions(&ctx.tenant, arn, None, 1000)
        .await?;
    let current = |plan_index: usize| {
        executions
            .iter()
            .find(|e| e.plan_index == plan_index as i64 && !e.retried)
    };
    let finished = |plan_index: usize, on_failure: Option<&str>| {
        current(plan_index).is_some_and(|e| {
            e.status == "COMPLETED"
                || (on_failure == Some("CONTINUE")
                    && matches!(e.status.as_str(), "FAILED" | "ROLLBACK_COMPLETED"))
        })
    };
    // The first stage that did not finish; it must come after the build.
    let stage =
        ["BUILD", "TEST", "DISTRIBUTION"]
            .into_iter()
            .find(|stage| {
                record.plan.iter().enumerate().any(|(i, p)| {
                    p.workflow_type == *stage && !finished(i, p.on_failure.as_deref())
                })
            })
            .ok_or_else(not_retryable)?;
    let status = match stage {
        "TEST" => "TESTING",
        "DISTRIBUTION" => "DISTRIBUTING",
        _ => return Err(not_retryable()),
    };
    let rerun: Vec<usize> = record
        .plan
        .iter()
        .enumerate()
        .filter(|(_, p)| {
            p.workflow_type == stage || (stage == "TEST" && p.workflow_type == "DISTRIBUTION")
        })
        .map(|(i, _)| i)
        .collect();
    // Exactly one of several concurrent retries wins: the others' guards see the image
    // moved on, and decided again they find it no longer retryable.
    let mut writes = vec![image_guard];
    for e in executions
        .iter()
        .filter(|e| !e.retried && rerun.contains(&(e.plan_index as usize)))
    {
        let mut superseded = e.clone();
        superseded.retried = true;
        writes.push(Write::UpdateExecution(Box::new(superseded)));
    }
    if let Some(obj) = record.image.as_object_mut() {
        obj.insert("state".into(), serde_json::json!({ "status": status }));
    }
    let body = serde_json::to_value(&record).map_err(|e| ApiError::internal(e.to_string()))?;
    writes.push(Write::PutResource {
        kind: ResourceKind::Image,
        arn: arn.to_string(),
        body,
    });
    writes.push(Write::ClearCancellation {
        image_arn: arn.to_string(),
    });
    let response = RetryImageResponse {
        client_token: input.client_token.clone(),
        image_build_version_arn: Some(arn.to_string()),
    };
    writes.push(idem.record(ctx, &response)?);
    ctx.state.store.apply(&ctx.tenant, &writes).await?;
    ctx.state.engine.start(ctx.tenant.clone(), arn.to_string());
    Ok(response)
}
