//! Images: CreateImage (checks, snapshots, the new build; its workflows are planned by
//! [`super::image_plan`]), GetImage, DeleteImage, ListImageBuildVersions and ListImages.

use super::filters::Filters;
use super::image_plan;
use super::stored::{commit_create, get_claimed, get_guarded, stored_body};
use super::typed;
use crate::ctx::Ctx;
use crate::idempotency::Idempotency;
use crate::listing::{page_by_key, page_sorted, Grouping, KeyShape, PageRequest, SortKey};
use serde_json::{json, Map, Value};
use stepwise_api::arn::{
    self, latest_version_references, normalize_name, Arn, SemVer, VersionPattern,
};
use stepwise_api::model::{
    CreateImageRequest, CreateImageResponse, DeleteImageRequest, DeleteImageResponse,
    GetImageRequest, GetImageResponse, Image, ImageRecipe, ImageState, ImageSummary,
    ImageTestsConfiguration, ImageVersion, ListImageBuildVersionsRequest,
    ListImageBuildVersionsResponse, ListImagesRequest, ListImagesResponse, OutputResources,
};
use stepwise_api::time::format_millis;
use stepwise_api::{ApiError, ApiResult, ErrorKind};
use stepwise_engine::{is_terminal_image_status, ImageRecord, PlannedComponent};
use stepwise_store::{Resource, ResourceKind, Write};
use stepwise_token::OpCode;

/// The stored image under `arn` (or ResourceNotFoundException), with the write that guards a
/// decision taken on its state: in a batch it conflicts if the image changed since (the
/// engine moved it on, another caller retried or cancelled it).
pub(super) async fn load_image(ctx: &Ctx<'_>, arn: &str) -> ApiResult<(ImageRecord, Write)> {
    let (body, guard) = get_guarded(ctx, ResourceKind::Image, arn).await?;
    let record = serde_json::from_value(body)
        .map_err(|e| ApiError::internal(format!("stored image is unreadable: {e}")))?;
    Ok((record, guard))
}

/// A stored image with its sort key.
struct ImageBuild {
    record: ImageRecord,
    nname: String,
    version: SemVer,
    build: u32,
}

/// A stored image with its sort key (`None` for an ARN of another shape).
fn image_build_of(r: Resource) -> ApiResult<Option<ImageBuild>> {
    let Some(parsed) = Arn::parse(&r.arn) else {
        return Ok(None);
    };
    let [nname, version, build] = parsed.path[..] else {
        return Ok(None);
    };
    let (Some(version), Ok(build)) = (SemVer::parse(version), build.parse()) else {
        return Ok(None);
    };
    let nname = nname.to_string();
    let record: ImageRecord = serde_json::from_value(r.body)
        .map_err(|e| ApiError::internal(format!("stored image is unreadable: {e}")))?;
    Ok(Some(ImageBuild {
        nname,
        version,
        build,
        record,
    }))
}

/// The tenancy's images whose ARN starts with `prefix` (one range read).
async fn image_builds_under(ctx: &Ctx<'_>, prefix: &str) -> ApiResult<Vec<ImageBuild>> {
    let mut out = Vec::new();
    for r in ctx
        .state
        .store
        .list_resources_with_prefix(&ctx.tenant, ResourceKind::Image, prefix)
        .await?
    {
        out.extend(image_build_of(r)?);
    }
    Ok(out)
}

/// The one recipe a CreateImage names: an image recipe (container recipes are not served).
fn image_recipe_arn(input: &CreateImageRequest) -> ApiResult<&str> {
    one_image_recipe(
        input.image_recipe_arn.as_deref(),
        input.container_recipe_arn.as_deref(),
    )
}

/// Of an image recipe and a container recipe, the one named: an image recipe (container
/// recipes are not served).
pub(super) fn one_image_recipe<'a>(
    image: Option<&'a str>,
    container: Option<&str>,
) -> ApiResult<&'a str> {
    match (image, container) {
        (Some(arn), None) => Ok(arn),
        (None, Some(_)) => Err(ApiError::new(
            ErrorKind::InvalidRequest,
            "Container recipes are not supported.",
        )),
        _ => Err(ApiError::new(
            ErrorKind::InvalidRequest,
            "Exactly one of the parameters 'imageRecipeArn' and 'containerRecipeArn' must be supplied.",
        )),
    }
}

/// The tests configuration as the image keeps it: tests on and 720 minutes unless given.
fn tests_configuration(input: &CreateImageRequest) -> ImageTestsConfiguration {
    let given = input.image_tests_configuration.clone().unwrap_or_default();
    ImageTestsConfiguration {
        image_tests_enabled: Some(given.image_tests_enabled.unwrap_or(true)),
        timeout_minutes: Some(given.timeout_minutes.unwrap_or(720)),
    }
}

/// What an image snapshots at its creation, and the claims that make the snapshot and the
/// new image one atomic decision (a concurrent delete or change of any of them decides it
/// again; see `stored::get_claimed`).
struct Snapshots {
    recipe: Value,
    components: Vec<PlannedComponent>,
    infrastructure: Value,
    distribution: Option<Value>,
    claims: Vec<Write>,
}

async fn snapshots(
    ctx: &Ctx<'_>,
    input: &CreateImageRequest,
    recipe_arn: &str,
) -> ApiResult<Snapshots> {
    let (recipe, recipe_claim) = super::recipes::resolve_recipe(ctx, recipe_arn).await?;
    let infra_arn = input
        .infrastructure_configuration_arn
        .as_deref()
        .unwrap_or_default();
    let (infrastructure, infra_claim) =
        get_claimed(ctx, ResourceKind::InfrastructureConfiguration, infra_arn).await?;
    let (components, component_claims) = super::components::plan_components(ctx, &recipe).await?;
    let mut claims = vec![recipe_claim, infra_claim];
    claims.extend(component_claims);
    let distribution = match input.distribution_configuration_arn.as_deref() {
        Some(a) => {
            let (body, claim) =
                get_claimed(ctx, ResourceKind::DistributionConfiguration, a).await?;
            claims.push(claim);
            Some(body)
        }
        None => None,
    };
    Ok(Snapshots {
        recipe,
        components,
        infrastructure,
        distribution,
        claims,
    })
}

/// The next build number of an image version: one range read of its builds. Two callers
/// may pick the same number; the second one's insert conflicts and it decides again.
async fn next_build(ctx: &Ctx<'_>, version_prefix: &str) -> ApiResult<u32> {
    Ok(ctx
        .state
        .store
        .list_resources_with_prefix(&ctx.tenant, ResourceKind::Image, version_prefix)
        .await?
        .iter()
        .filter_map(|r| r.arn.rsplit('/').next()?.parse::<u32>().ok())
        .max()
        .unwrap_or(0)
        + 1)
}

pub async fn create_image(
    ctx: &Ctx<'_>,
    input: &CreateImageRequest,
) -> ApiResult<CreateImageResponse> {
    let idem = match Idempotency::check(ctx, input).await? {
        Ok(idem) => idem,
        Err(replay) => return Ok(replay),
    };
    new_image(ctx, Some(idem), input, None).await
}

/// The pipeline an image is built by, and the writes its start makes beside the image (the
/// pipeline's last run, guarded by the pipeline read).
pub(super) struct PipelineSource {
    pub arn: String,
    pub name: String,
    /// `USER_INITIATED` (StartImagePipelineExecution) or `SCHEDULED`.
    pub build_type: &'static str,
    pub writes: Vec<Write>,
}

/// Creates and starts an image as `input` describes, by CreateImage or from `pipeline`;
/// `idem` records the response under the calling operation's token (a schedule has none).
pub(super) async fn new_image(
    ctx: &Ctx<'_>,
    idem: Option<Idempotency>,
    input: &CreateImageRequest,
    pipeline: Option<PipelineSource>,
) -> ApiResult<CreateImageResponse> {
    let recipe_arn = image_recipe_arn(input)?;
    let tests = tests_configuration(input);
    let workflows = input.workflows.as_deref().unwrap_or_default();
    let plan = image_plan::plan(ctx, workflows, tests.image_tests_enabled == Some(true)).await?;
    let snap = snapshots(ctx, input, recipe_arn).await?;
    let recipe: ImageRecipe = typed(&snap.recipe)?;
    let name = recipe.name.clone().unwrap_or_default();
    let version = recipe
        .version
        .as_deref()
        .and_then(SemVer::parse)
        .unwrap_or(SemVer(1, 0, 0));
    let prefix = arn::arn(
        &ctx.tenant.region,
        &ctx.tenant.account,
        &format!("image/{}", normalize_name(&name)),
    );
    let build = next_build(ctx, &format!("{prefix}/{version}/")).await?;
    let image_arn = format!("{prefix}/{version}/{build}");
    let image = Image {
        arn: Some(image_arn.clone()),
        r#type: Some("AMI".into()),
        name: Some(name),
        version: Some(format!("{version}/{build}")),
        platform: Some(recipe.platform.clone().unwrap_or_else(|| "Linux".into())),
        enhanced_image_metadata_enabled: Some(
            input.enhanced_image_metadata_enabled.unwrap_or(true),
        ),
        state: Some(ImageState {
            status: Some("PENDING".into()),
            ..Default::default()
        }),
        image_recipe: Some(recipe),
        infrastructure_configuration: Some(typed(&snap.infrastructure)?),
        distribution_configuration: snap.distribution.as_ref().map(typed).transpose()?,
        image_tests_configuration: Some(tests),
        date_created: Some(format_millis(ctx.now())),
        output_resources: Some(OutputResources {
            amis: Some(Vec::new()),
            containers: None,
        }),
        tags: Some(input.tags.clone().unwrap_or_default()),
        build_type: Some(
            pipeline
                .as_ref()
                .map_or("USER_INITIATED", |p| p.build_type)
                .into(),
        ),
        source_pipeline_arn: pipeline.as_ref().map(|p| p.arn.clone()),
        source_pipeline_name: pipeline.as_ref().map(|p| p.name.clone()),
        image_source: Some("CUSTOM".into()),
        image_scanning_configuration: input.image_scanning_configuration.clone(),
        execution_role: input.execution_role.clone(),
        workflows: input.workflows.clone(),
        logging_configuration: input.logging_configuration.clone(),
        ..Default::default()
    };
    let record = ImageRecord {
        image: stored_body(&image)?,
        plan: plan.workflows,
        components: Some(snap.components),
    };
    let response = CreateImageResponse {
        request_id: None,
        client_token: input.client_token.clone(),
        image_build_version_arn: Some(image_arn.clone()),
        latest_version_references: Some(latest_version_references(&prefix, version)),
    };
    let mut claims = snap.claims;
    claims.extend(plan.claims);
    claims.extend(pipeline.into_iter().flat_map(|p| p.writes));
    let response = commit_create(
        ctx,
        idem,
        ResourceKind::Image,
        &image_arn,
        stored_body(&record)?,
        response,
        claims,
    )
    .await?;
    ctx.state.engine.start(ctx.tenant.clone(), image_arn);
    Ok(response)
}

/// DeleteImage: an image build version whose build is over goes, with the workflow and step
/// executions its builds recorded; one still building is `ResourceInUseException`. The
/// delete is guarded by the image read, so a RetryImage committing meanwhile decides it again.
pub async fn delete_image(
    ctx: &Ctx<'_>,
    input: &DeleteImageRequest,
) -> ApiResult<DeleteImageResponse> {
    let arn = input.image_build_version_arn.as_deref().unwrap_or_default();
    let (record, image_guard) = load_image(ctx, arn).await?;
    if !is_terminal_image_status(record.status()) {
        return Err(ApiError::new(
            ErrorKind::ResourceInUse,
            format!("The image '{arn}' cannot be deleted while it is being built."),
        ));
    }
    let writes = [
        image_guard,
        Write::DeleteResource {
            kind: ResourceKind::Image,
            arn: arn.to_string(),
        },
        Write::DeleteImageRecords {
            image_arn: arn.to_string(),
        },
    ];
    ctx.state.store.apply(&ctx.tenant, &writes).await?;
    Ok(DeleteImageResponse {
        request_id: None,
        image_build_version_arn: Some(arn.to_string()),
    })
}

pub async fn get_image(ctx: &Ctx<'_>, input: &GetImageRequest) -> ApiResult<GetImageResponse> {
    let arn_text = input.image_build_version_arn.as_deref().unwrap_or_default();
    let not_found = || ApiError::not_found(arn_text);
    let parsed = Arn::parse(arn_text)
        .filter(|a| a.resource_type == "image")
        .ok_or_else(not_found)?;
    if parsed.region != ctx.tenant.region || parsed.owner != ctx.tenant.account {
        return Err(not_found());
    }
    let found = match parsed.path[..] {
        [nname, version, _] => {
            let (record, _) = load_image(ctx, arn_text).await?;
            let version = SemVer::parse(version).ok_or_else(not_found)?;
            (record, nname.to_string(), version)
        }
        [nname, version] => {
            let pattern = VersionPattern::parse(version).ok_or_else(not_found)?;
            // The builds of this name only: one range read.
            let name_prefix = arn::arn(
                &ctx.tenant.region,
                &ctx.tenant.account,
                &format!("image/{nname}/"),
            );
            let best = image_builds_under(ctx, &name_prefix)
                .await?
                .into_iter()
                .filter(|b| {
                    b.nname == nname
                        && pattern.matches(b.version)
                        && b.record.status() == "AVAILABLE"
                })
                .max_by_key(|b| (b.version, b.build))
                .ok_or_else(not_found)?;
            (best.record, best.nname, best.version)
        }
        _ => return Err(not_found()),
    };
    let (record, nname, version) = found;
    let prefix = arn::arn(
        &ctx.tenant.region,
        &ctx.tenant.account,
        &format!("image/{nname}"),
    );
    Ok(GetImageResponse {
        request_id: None,
        image: Some(typed(&record.image)?),
        latest_version_references: Some(latest_version_references(&prefix, version)),
    })
}

/// An image build's item in ListImageBuildVersions.
fn summary(image: &Value, owner: &str) -> ApiResult<ImageSummary> {
    let mut item: ImageSummary = typed(image)?;
    item.owner = Some(owner.to_string());
    Ok(item)
}

/// The filter values of an image build: the model members by name, `version` its semver.
fn image_matches(filters: &Filters<'_>, b: &ImageBuild) -> bool {
    let image = &b.record.image;
    let semver = b.version.to_string();
    filters.matches(|f| match f {
        "version" => Some(semver.as_str()),
        other => image.get(other).and_then(Value::as_str),
    })
}

pub async fn list_image_build_versions(
    ctx: &Ctx<'_>,
    input: &ListImageBuildVersionsRequest,
) -> ApiResult<ListImageBuildVersionsResponse> {
    let filters = Filters::from_input(
        input.filters.as_deref().unwrap_or_default(),
        &["name", "osVersion", "platform", "type", "version"],
    )?;
    let version_arn = input.image_version_arn.as_deref();
    let mut bound = Map::new();
    if let Some(a) = version_arn {
        bound.insert("imageVersionArn".into(), json!(a));
    }
    let page = PageRequest::new(
        ctx,
        OpCode::ListImageBuildVersions,
        filters.binding_with(bound),
        input,
    );
    let shown = |b: &ImageBuild| -> ApiResult<Option<ImageSummary>> {
        if !image_matches(&filters, b) {
            return Ok(None);
        }
        summary(&b.record.image, &ctx.tenant.account).map(Some)
    };
    let (items, token) = match version_arn {
        None => {
            page_by_key(
                &page,
                ResourceKind::Image,
                KeyShape::NAME_VERSION_BUILD,
                Grouping::Each,
                |r, key| {
                    Ok(match image_build_of(r)? {
                        Some(b) => shown(&b)?.map(|s| (key.clone(), s)),
                        None => None,
                    })
                },
            )
            .await?
        }
        Some(text) => {
            // The builds of one version: one range read.
            let wanted = Arn::parse(text).filter(|a| {
                a.resource_type == "image"
                    && a.region == ctx.tenant.region
                    && a.owner == ctx.tenant.account
                    && a.path.len() == 2
            });
            let builds = match wanted.and_then(|a| Some((a.path[0], SemVer::parse(a.path[1])?))) {
                Some((nname, version)) => {
                    let prefix = arn::arn(
                        &ctx.tenant.region,
                        &ctx.tenant.account,
                        &format!("image/{nname}/{version}/"),
                    );
                    image_builds_under(ctx, &prefix).await?
                }
                None => Vec::new(),
            };
            let mut items = Vec::new();
            for b in builds {
                let key = SortKey::new(b.nname.clone())
                    .version(b.version)
                    .build(b.build);
                if let Some(s) = shown(&b)? {
                    items.push((key, s));
                }
            }
            page_sorted(&page, KeyShape::NAME_VERSION_BUILD, items)?
        }
    };
    Ok(ListImageBuildVersionsResponse {
        request_id: None,
        image_summary_list: Some(items),
        next_token: token,
    })
}

/// ListImages: one item per image version (per name with `byName`), fields from its
/// highest build. Stepwise ships no Amazon-owned or shared images, so any owner but `Self`
/// lists nothing. Its token (op code 10) binds `owner`, `filters`, `byName` and
/// `includeDeprecated`; the order is normalized name ↑, version ↓.
pub async fn list_images(
    ctx: &Ctx<'_>,
    input: &ListImagesRequest,
) -> ApiResult<ListImagesResponse> {
    let owner = input.owner.as_deref().unwrap_or("Self");
    let by_name = input.by_name.unwrap_or(false);
    let include_deprecated = input.include_deprecated.unwrap_or(false);
    let filters = Filters::from_input(
        input.filters.as_deref().unwrap_or_default(),
        &["name", "osVersion", "platform", "type", "version"],
    )?;
    let mut bound = filters.owner_and_by_name(owner, by_name)?;
    bound.insert("includeDeprecated".into(), json!(include_deprecated));
    let page = PageRequest::new(ctx, OpCode::ListImages, filters.binding_with(bound), input);
    // The newest build of each version (or, by name, of each name), if the filters take it.
    let shown = |b: ImageBuild| -> ApiResult<Option<(SortKey, ImageVersion)>> {
        if !image_matches(&filters, &b) {
            return Ok(None);
        }
        let prefix = arn::arn(
            &ctx.tenant.region,
            &ctx.tenant.account,
            &format!("image/{}", b.nname),
        );
        let (arn, key_version) = if by_name {
            (format!("{prefix}/x.x.x"), SemVer(0, 0, 0))
        } else {
            (format!("{prefix}/{}", b.version), b.version)
        };
        let mut item: ImageVersion = typed(&b.record.image)?;
        item.arn = Some(arn);
        item.version = Some(b.version.to_string());
        item.owner = Some(ctx.tenant.account.clone());
        let key = SortKey::new(b.nname.clone()).version(key_version);
        Ok(Some((key, item)))
    };
    let grouping = if by_name {
        Grouping::Name
    } else {
        Grouping::Version
    };
    let (items, token) = if owner == "Self" {
        page_by_key(
            &page,
            ResourceKind::Image,
            KeyShape::NAME_VERSION,
            grouping,
            |r, _| match image_build_of(r)? {
                Some(b) => shown(b),
                None => Ok(None),
            },
        )
        .await?
    } else {
        page_sorted::<ImageVersion>(&page, KeyShape::NAME_VERSION, Vec::new())?
    };
    Ok(ListImagesResponse {
        request_id: None,
        image_version_list: Some(items),
        next_token: token,
    })
}
