//! Images: CreateImage (checks, snapshots, the execution plan), GetImage and
//! ListImageBuildVersions.

use super::filters::Filters;
use super::json::Obj;
use super::stored::{commit_create, get_claimed, get_guarded};
use super::{typed, workflows};
use crate::ctx::Ctx;
use crate::idempotency::Idempotency;
use crate::listing::{page_by_key, page_sorted, Grouping, KeyShape, PageRequest, SortKey};
use serde_json::{json, Map, Value};
use std::collections::HashSet;
use stepwise_api::arn::{
    self, latest_version_references, normalize_name, Arn, SemVer, VersionPattern,
};
use stepwise_api::model::{
    CreateImageRequest, CreateImageResponse, GetImageRequest, GetImageResponse, ImageSummary,
    ImageTestsConfiguration, ImageVersion, ListImageBuildVersionsRequest,
    ListImageBuildVersionsResponse, ListImagesRequest, ListImagesResponse, WorkflowConfiguration,
};
use stepwise_api::time::format_millis;
use stepwise_api::{ApiError, ApiResult, ErrorKind};
use stepwise_engine::{ImageRecord, PlannedWorkflow};
use stepwise_store::{Resource, ResourceKind, Write};
use stepwise_token::OpCode;
use stepwise_workflow::{bind_parameters, parse_document, WorkflowType};

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

/// The checks of spec §8.2 over `workflows`, the plan they give, and the claims of the
/// stored workflows it uses (one per workflow, however often it is listed).
async fn plan_workflows(
    ctx: &Ctx<'_>,
    given: &[WorkflowConfiguration],
    tests_enabled: bool,
) -> ApiResult<(Vec<PlannedWorkflow>, Vec<Write>)> {
    let configs: Vec<WorkflowConfiguration> = if given.is_empty() {
        let region = &ctx.tenant.region;
        [
            "workflow/build/build-image/x.x.x",
            "workflow/test/test-image/x.x.x",
        ]
        .into_iter()
        .map(|managed| WorkflowConfiguration {
            workflow_arn: Some(arn::arn(region, "aws", managed)),
            ..Default::default()
        })
        .collect()
    } else {
        given.to_vec()
    };
    let arn_of = |c: &WorkflowConfiguration| c.workflow_arn.clone().unwrap_or_default();
    let bad = |path: String, detail: String| ApiError::invalid_value(&path, &detail);
    if configs.len() > 10 {
        return Err(bad(
            "workflows".into(),
            "At most 10 workflows can be specified.".into(),
        ));
    }
    // The type of each workflow is its ARN's `build|test|distribution` segment.
    let types = configs
        .iter()
        .map(|c| {
            let arn_text = arn_of(c);
            Arn::parse(&arn_text)
                .filter(|a| a.resource_type == "workflow")
                .and_then(|a| {
                    a.path
                        .first()
                        .and_then(|s| WorkflowType::from_arn_segment(s))
                })
                .ok_or_else(|| ApiError::not_found(&arn_text))
        })
        .collect::<ApiResult<Vec<_>>>()?;
    for (ty, label) in [
        (WorkflowType::Build, "build"),
        (WorkflowType::Distribution, "distribution"),
    ] {
        if let Some(second) = types
            .iter()
            .enumerate()
            .filter(|(_, t)| **t == ty)
            .nth(1)
            .map(|(i, _)| i)
        {
            return Err(bad(
                format!("workflows[{second}]"),
                format!("At most one {label} workflow can be specified."),
            ));
        }
    }
    for c in &configs {
        let arn_text = arn_of(c);
        if let Some(a) = Arn::parse(&arn_text) {
            if a.is_amazon_owned() && a.path.get(2) != Some(&"x.x.x") {
                return Err(bad(
                    "workflows".into(),
                    format!(
                        "AWS managed workflows must have latest version 'x.x.x' for '{arn_text}'"
                    ),
                ));
            }
        }
    }
    let mut plan = Vec::new();
    let mut claims = Vec::new();
    let mut claimed = HashSet::new();
    let mut output_names = HashSet::new();
    for (i, c) in configs.iter().enumerate() {
        let resolved = workflows::resolve(ctx, &arn_of(c)).await?;
        if claimed.insert(resolved.arn().to_string()) {
            claims.extend(resolved.claim());
        }
        let ty = types[i];
        for (key, given) in [
            ("parallelGroup", &c.parallel_group),
            ("onFailure", &c.on_failure),
        ] {
            if given.is_some() && ty != WorkflowType::Test {
                return Err(bad(
                    format!("workflows[{i}].{key}"),
                    format!("{key} can only be set on test workflows."),
                ));
            }
        }
        let doc = parse_document(resolved.data(), ty, usize::MAX)
            .map_err(|e| ApiError::internal(format!("stored workflow document is invalid: {e}")))?;
        let supplied: Vec<(String, Vec<String>)> = c
            .parameters
            .iter()
            .flatten()
            .map(|p| {
                (
                    p.name.clone().unwrap_or_default(),
                    p.value.clone().unwrap_or_default(),
                )
            })
            .collect();
        let parameters = bind_parameters(&doc, &supplied)
            .map_err(|e| bad(format!("workflows[{i}].parameters"), e.to_string()))?;
        for o in &doc.outputs {
            if !output_names.insert(o.name.clone()) {
                return Err(bad(
                    format!("workflows[{i}]"),
                    format!(
                        "The workflow output name '{}' is used by more than one workflow.",
                        o.name
                    ),
                ));
            }
        }
        if ty == WorkflowType::Test && !tests_enabled {
            continue;
        }
        plan.push(PlannedWorkflow {
            workflow_arn: resolved.arn().to_string(),
            workflow_type: ty.as_str().to_string(),
            data: resolved.data().to_string(),
            parameters,
            parallel_group: c.parallel_group.clone(),
            on_failure: c.on_failure.clone(),
        });
    }
    Ok((plan, claims))
}

pub async fn create_image(
    ctx: &Ctx<'_>,
    input: &CreateImageRequest,
) -> ApiResult<CreateImageResponse> {
    let idem = match Idempotency::check(ctx, input).await? {
        Ok(idem) => idem,
        Err(replay) => return Ok(replay),
    };
    let recipe_arn = input.image_recipe_arn.as_deref();
    match (recipe_arn, input.container_recipe_arn.as_deref()) {
        (Some(_), Some(_)) | (None, None) => {
            return Err(ApiError::new(
                ErrorKind::InvalidRequest,
                "Exactly one of the parameters 'imageRecipeArn' and 'containerRecipeArn' must be supplied.",
            ))
        }
        (None, Some(_)) => {
            return Err(ApiError::new(ErrorKind::InvalidRequest, "Container recipes are not supported."))
        }
        (Some(_), None) => {}
    }
    let given_tests = input.image_tests_configuration.clone().unwrap_or_default();
    let tests = ImageTestsConfiguration {
        image_tests_enabled: Some(given_tests.image_tests_enabled.unwrap_or(true)),
        timeout_minutes: Some(given_tests.timeout_minutes.unwrap_or(720)),
    };
    let tests_enabled = tests.image_tests_enabled == Some(true);
    let workflows = input.workflows.as_deref().unwrap_or_default();
    let (plan, workflow_claims) = plan_workflows(ctx, workflows, tests_enabled).await?;
    // The image snapshots what it uses; the claims make the snapshot and the new image one
    // atomic decision (a concurrent delete or change of any of them decides it again).
    let (recipe, recipe_guard) =
        super::recipes::resolve_recipe(ctx, recipe_arn.unwrap_or_default()).await?;
    let infra_arn = input
        .infrastructure_configuration_arn
        .as_deref()
        .unwrap_or_default();
    let (infra, infra_guard) =
        get_claimed(ctx, ResourceKind::InfrastructureConfiguration, infra_arn).await?;
    let mut guards = vec![recipe_guard, infra_guard];
    guards.extend(workflow_claims);
    let distribution = match input.distribution_configuration_arn.as_deref() {
        Some(a) => {
            let (body, guard) =
                get_claimed(ctx, ResourceKind::DistributionConfiguration, a).await?;
            guards.push(guard);
            Some(body)
        }
        None => None,
    };
    let name = recipe
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let version_text = recipe
        .get("version")
        .and_then(Value::as_str)
        .unwrap_or("1.0.0")
        .to_string();
    let version = SemVer::parse(&version_text).unwrap_or(SemVer(1, 0, 0));
    let nname = normalize_name(&name);
    let prefix = arn::arn(
        &ctx.tenant.region,
        &ctx.tenant.account,
        &format!("image/{nname}"),
    );
    // The next build of this version: one range read of its builds. Two callers may pick
    // the same number; the second one's insert conflicts and it decides again.
    let build = ctx
        .state
        .store
        .list_resources_with_prefix(
            &ctx.tenant,
            ResourceKind::Image,
            &format!("{prefix}/{version}/"),
        )
        .await?
        .iter()
        .filter_map(|r| r.arn.rsplit('/').next()?.parse::<u32>().ok())
        .max()
        .unwrap_or(0)
        + 1;
    let image_arn = format!("{prefix}/{version}/{build}");
    let platform = recipe
        .get("platform")
        .and_then(Value::as_str)
        .unwrap_or("Linux")
        .to_string();
    let image = Obj::new()
        .set("arn", image_arn.clone())
        .set("type", "AMI")
        .set("name", name)
        .set("version", format!("{version}/{build}"))
        .set("platform", platform)
        .set(
            "enhancedImageMetadataEnabled",
            input.enhanced_image_metadata_enabled.unwrap_or(true),
        )
        .set("state", json!({"status": "PENDING"}))
        .set("imageRecipe", recipe)
        .set("infrastructureConfiguration", infra)
        .opt("distributionConfiguration", distribution)
        .set("imageTestsConfiguration", json!(tests))
        .set("dateCreated", format_millis(ctx.now()))
        .set("outputResources", json!({"amis": []}))
        .set("tags", json!(input.tags.clone().unwrap_or_default()))
        .set("buildType", "USER_INITIATED")
        .set("imageSource", "CUSTOM")
        .opt(
            "imageScanningConfiguration",
            input
                .image_scanning_configuration
                .as_ref()
                .map(|c| json!(c)),
        )
        .opt("executionRole", input.execution_role.clone())
        .opt("workflows", input.workflows.as_ref().map(|w| json!(w)))
        .opt(
            "loggingConfiguration",
            input.logging_configuration.as_ref().map(|c| json!(c)),
        )
        .build();
    let record = ImageRecord { image, plan };
    let response = CreateImageResponse {
        request_id: None,
        client_token: input.client_token.clone(),
        image_build_version_arn: Some(image_arn.clone()),
        latest_version_references: Some(latest_version_references(&prefix, version)),
    };
    let body = serde_json::to_value(&record).map_err(|e| ApiError::internal(e.to_string()))?;
    let response = commit_create(
        ctx,
        idem,
        ResourceKind::Image,
        &image_arn,
        body,
        response,
        guards,
    )
    .await?;
    ctx.state.engine.start(ctx.tenant.clone(), image_arn);
    Ok(response)
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
    if by_name && filters.has("version") {
        return Err(ApiError::invalid_param(
            "filters",
            "The 'version' filter cannot be combined with byName.",
        ));
    }
    let mut bound = Map::new();
    bound.insert("owner".into(), json!(owner));
    bound.insert("byName".into(), json!(by_name));
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
