//! Resources kept as JSON bodies (workflows, recipes, configurations, images): shaping a
//! body to a model shape, inserting a new one, and deleting one no unfinished image uses.

use super::json::{str_member, Obj};
use crate::idempotency::Idempotency;
use crate::protocol::Ctx;
use serde_json::Value;
use stepwise_api::{ApiError, ApiResult, ErrorKind};
use stepwise_engine::{is_terminal_image_status, ImageRecord};
use stepwise_store::{ResourceKind, StoreError, Write};

/// Commits a create's writes; a concurrent create of the same ARN becomes "already exists".
fn insert_new(ctx: &Ctx<'_>, resource: &str, arn_text: &str, writes: &[Write]) -> ApiResult<()> {
    match ctx.state.store.apply(&ctx.tenant, writes) {
        Err(StoreError::Conflict(_)) => Err(ApiError::already_exists(resource, arn_text)),
        other => Ok(other?),
    }
}

/// ResourceAlreadyExistsException when a resource is stored under `arn_text`.
pub(super) fn ensure_absent(
    ctx: &Ctx<'_>,
    kind: ResourceKind,
    resource: &str,
    arn_text: &str,
) -> ApiResult<()> {
    match ctx.state.store.get_resource(&ctx.tenant, kind, arn_text)? {
        Some(_) => Err(ApiError::already_exists(resource, arn_text)),
        None => Ok(()),
    }
}

/// The stored body under `arn_text`, or ResourceNotFoundException.
pub(super) fn get_body(ctx: &Ctx<'_>, kind: ResourceKind, arn_text: &str) -> ApiResult<Value> {
    ctx.state
        .store
        .get_resource(&ctx.tenant, kind, arn_text)?
        .map(|r| r.body)
        .ok_or_else(|| ApiError::not_found(arn_text))
}

/// DryRunOperationException for a create that passed every check with `dryRun: true`.
pub(super) fn stop_if_dry_run(input: &Value) -> ApiResult<()> {
    match input.get("dryRun").and_then(Value::as_bool) {
        Some(true) => Err(ApiError::dry_run()),
        _ => Ok(()),
    }
}

/// The members every create response starts with: `clientToken` and the new ARN.
pub(super) fn create_response(input: &Value, arn_member: &str, arn_text: &str) -> Obj {
    Obj::new()
        .set(
            "clientToken",
            str_member(input, "clientToken").unwrap_or_default(),
        )
        .set(arn_member, arn_text)
}

/// Stores a new resource together with its idempotency record and returns `response`.
pub(super) fn commit_create(
    ctx: &Ctx<'_>,
    idem: Idempotency,
    kind: ResourceKind,
    resource: &str,
    arn_text: &str,
    body: Value,
    response: Value,
) -> ApiResult<Value> {
    let writes = [
        Write::InsertResource {
            kind,
            arn: arn_text.to_string(),
            body,
        },
        idem.record(ctx, &response),
    ];
    insert_new(ctx, resource, arn_text, &writes)?;
    Ok(response)
}

/// The first unfinished image for which `uses` holds.
fn image_in_use(ctx: &Ctx<'_>, uses: impl Fn(&ImageRecord) -> bool) -> ApiResult<Option<String>> {
    for r in ctx
        .state
        .store
        .list_resources(&ctx.tenant, ResourceKind::Image)?
    {
        if let Ok(record) = serde_json::from_value::<ImageRecord>(r.body) {
            if !is_terminal_image_status(record.status()) && uses(&record) {
                return Ok(Some(record.arn().to_string()));
            }
        }
    }
    Ok(None)
}

/// Whether an image took its snapshot at `pointer` (e.g. `/imageRecipe/arn`) from `arn_text`.
pub(super) fn snapshot_of<'a>(
    pointer: &'static str,
    arn_text: &'a str,
) -> impl Fn(&ImageRecord) -> bool + 'a {
    move |r| r.image.pointer(pointer).and_then(Value::as_str) == Some(arn_text)
}

/// Deletes a stored resource: 404 when unknown, ResourceDependencyException while an
/// unfinished image `uses` it.
pub(super) fn delete_unused(
    ctx: &Ctx<'_>,
    kind: ResourceKind,
    arn_text: &str,
    uses: impl Fn(&ImageRecord) -> bool,
) -> ApiResult<()> {
    if ctx
        .state
        .store
        .get_resource(&ctx.tenant, kind, arn_text)?
        .is_none()
    {
        return Err(ApiError::not_found(arn_text));
    }
    if let Some(image) = image_in_use(ctx, uses)? {
        return Err(ApiError::new(
            ErrorKind::ResourceDependency,
            format!("The resource '{arn_text}' is in use by image '{image}'."),
        ));
    }
    ctx.state.store.apply(
        &ctx.tenant,
        &[Write::DeleteResource {
            kind,
            arn: arn_text.to_string(),
        }],
    )?;
    Ok(())
}
