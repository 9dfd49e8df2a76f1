//! Resources kept as JSON bodies (workflows, recipes, configurations, images): reading one
//! with the write that guards or claims it, inserting a new one, and deleting one no
//! unfinished image uses.

use crate::ctx::Ctx;
use crate::idempotency::Idempotency;
use serde::Serialize;
use serde_json::Value;
use stepwise_api::{ApiError, ApiResult, ErrorKind};
use stepwise_engine::{is_terminal_image_status, ImageRecord, TERMINAL_IMAGE_STATUSES};
use stepwise_store::{Resource, ResourceKind, Write};

/// ResourceAlreadyExistsException when a resource is stored under `arn_text`.
pub(super) async fn ensure_absent(
    ctx: &Ctx<'_>,
    kind: ResourceKind,
    resource: &str,
    arn_text: &str,
) -> ApiResult<()> {
    match ctx
        .state
        .store
        .get_resource(&ctx.tenant, kind, arn_text)
        .await?
    {
        Some(_) => Err(ApiError::already_exists(resource, arn_text)),
        None => Ok(()),
    }
}

/// The resource stored under `arn_text`, or ResourceNotFoundException.
async fn read(ctx: &Ctx<'_>, kind: ResourceKind, arn_text: &str) -> ApiResult<Resource> {
    ctx.state
        .store
        .get_resource(&ctx.tenant, kind, arn_text)
        .await?
        .ok_or_else(|| ApiError::not_found(arn_text))
}

/// The stored body under `arn_text`, or ResourceNotFoundException.
pub(super) async fn get_body(
    ctx: &Ctx<'_>,
    kind: ResourceKind,
    arn_text: &str,
) -> ApiResult<Value> {
    Ok(read(ctx, kind, arn_text).await?.body)
}

/// The stored body under `arn_text` (or ResourceNotFoundException) and the write that keeps
/// a decision taken on it valid: in a batch, it conflicts if the resource changed or went.
pub(super) async fn get_guarded(
    ctx: &Ctx<'_>,
    kind: ResourceKind,
    arn_text: &str,
) -> ApiResult<(Value, Write)> {
    let resource = read(ctx, kind, arn_text).await?;
    let guard = Write::ExpectResource {
        kind,
        arn: resource.arn,
        revision: resource.revision,
    };
    Ok((resource.body, guard))
}

/// The write by which a new image claims a resource it read as `body`: in the image's batch
/// it conflicts if the resource went or is no longer what was read, and it moves the
/// resource's revision on, so that a delete decided before the image existed conflicts too
/// (and, decided again, sees the image). Claims do not conflict with one another.
pub(super) fn claim(kind: ResourceKind, arn_text: &str, body: &Value) -> Write {
    Write::ClaimResource {
        kind,
        arn: arn_text.to_string(),
        body: body.clone(),
    }
}

/// The stored body under `arn_text` (or ResourceNotFoundException) for a new image to
/// use, with the write that [`claim`]s it.
pub(super) async fn get_claimed(
    ctx: &Ctx<'_>,
    kind: ResourceKind,
    arn_text: &str,
) -> ApiResult<(Value, Write)> {
    let resource = read(ctx, kind, arn_text).await?;
    let claim = claim(kind, &resource.arn, &resource.body);
    Ok((resource.body, claim))
}

/// DryRunOperationException for a create that passed every check with `dryRun: true`.
pub(super) fn stop_if_dry_run(dry_run: Option<bool>) -> ApiResult<()> {
    match dry_run {
        Some(true) => Err(ApiError::dry_run()),
        _ => Ok(()),
    }
}

/// The JSON body kept in the store for a resource of a model shape.
pub(super) fn stored_body(resource: &impl Serialize) -> ApiResult<Value> {
    serde_json::to_value(resource)
        .map_err(|e| ApiError::internal(format!("resource not serializable: {e}")))
}

/// Stores a new resource together with its idempotency record (when the create has a
/// token) and returns `response`;
/// `guards` keep valid what the create read (see [`get_guarded`]).
pub(super) async fn commit_create<R: Serialize>(
    ctx: &Ctx<'_>,
    idem: impl Into<Option<Idempotency>>,
    kind: ResourceKind,
    arn_text: &str,
    body: Value,
    response: R,
    mut guards: Vec<Write>,
) -> ApiResult<R> {
    guards.push(Write::InsertResource {
        kind,
        arn: arn_text.to_string(),
        body,
    });
    if let Some(idem) = idem.into() {
        guards.push(idem.record(ctx, &response)?);
    }
    // A concurrent create of the same ARN, a concurrent use of the token or a change to what
    // the guards hold conflicts here; decided again, the operation answers "already exists",
    // replays, or sees the change.
    ctx.state.store.apply(&ctx.tenant, &guards).await?;
    Ok(response)
}

/// The first unfinished image of the tenancy for which `uses` holds: a read of the
/// unfinished images only (the store indexes images by status).
async fn image_in_use(
    ctx: &Ctx<'_>,
    uses: impl Fn(&ImageRecord) -> bool,
) -> ApiResult<Option<String>> {
    let unfinished = ctx
        .state
        .store
        .list_unfinished(ResourceKind::Image, &TERMINAL_IMAGE_STATUSES)
        .await?;
    for (tenant, arn) in unfinished {
        if tenant != ctx.tenant {
            continue;
        }
        let Some(r) = ctx
            .state
            .store
            .get_resource(&ctx.tenant, ResourceKind::Image, &arn)
            .await?
        else {
            continue;
        };
        if let Ok(record) = serde_json::from_value::<ImageRecord>(r.body) {
            if !is_terminal_image_status(record.status()) && uses(&record) {
                return Ok(Some(record.arn().to_string()));
            }
        }
    }
    Ok(None)
}

/// The members by which a pipeline names the resources it builds from.
const PIPELINE_REFERENCES: [&str; 3] = [
    "imageRecipeArn",
    "infrastructureConfigurationArn",
    "distributionConfigurationArn",
];

/// The first image pipeline of the tenancy that names `arn_text`. A pipeline created or
/// updated meanwhile claimed what it names (see [`claim`]), so a delete decided without it
/// conflicts and is decided again.
async fn pipeline_using(ctx: &Ctx<'_>, arn_text: &str) -> ApiResult<Option<String>> {
    let pipelines = ctx
        .state
        .store
        .list_resources(&ctx.tenant, ResourceKind::ImagePipeline)
        .await?;
    Ok(pipelines
        .into_iter()
        .find(|p| {
            PIPELINE_REFERENCES
                .iter()
                .any(|m| p.body[*m].as_str() == Some(arn_text))
        })
        .map(|p| p.arn))
}

/// Deletes a stored resource: 404 when unknown, ResourceDependencyException while an
/// unfinished image `uses` it or an image pipeline names it. The delete is guarded by the revision the check read: an
/// image created meanwhile claimed the resource (see [`get_claimed`]), so the delete
/// conflicts and, decided again, finds that image.
pub(super) async fn delete_unused(
    ctx: &Ctx<'_>,
    kind: ResourceKind,
    arn_text: &str,
    uses: impl Fn(&ImageRecord) -> bool,
    dependent: impl std::future::Future<Output = ApiResult<Option<String>>>,
) -> ApiResult<()> {
    let resource = ctx
        .state
        .store
        .get_resource(&ctx.tenant, kind, arn_text)
        .await?
        .ok_or_else(|| ApiError::not_found(arn_text))?;
    if let Some(image) = image_in_use(ctx, uses).await? {
        return Err(ApiError::new(
            ErrorKind::ResourceDependency,
            format!("The resource '{arn_text}' is in use by image '{image}'."),
        ));
    }
    if let Some(pipeline) = pipeline_using(ctx, arn_text).await? {
        return Err(ApiError::new(
            ErrorKind::ResourceDependency,
            format!("The resource '{arn_text}' is in use by image pipeline '{pipeline}'."),
        ));
    }
    // The family's own dependents, read after the resource's revision: one that claimed it
    // since makes the guarded delete conflict.
    if let Some(what) = dependent.await? {
        return Err(ApiError::new(
            ErrorKind::ResourceDependency,
            format!("The resource '{arn_text}' is in use by {what}."),
        ));
    }
    let delete = Write::DeleteResource {
        kind,
        arn: resource.arn.clone(),
    };
    apply_as_read(ctx, kind, &resource, delete).await
}

/// Commits `write` to a resource decided on as it was read: guarded by the revision read, so
/// that if the resource changed or went meanwhile the batch conflicts, and the operation is
/// decided again on a fresh read.
pub(super) async fn apply_as_read(
    ctx: &Ctx<'_>,
    kind: ResourceKind,
    read: &Resource,
    write: Write,
) -> ApiResult<()> {
    let guard = Write::ExpectResource {
        kind,
        arn: read.arn.clone(),
        revision: read.revision,
    };
    ctx.state.store.apply(&ctx.tenant, &[guard, write]).await?;
    Ok(())
}
