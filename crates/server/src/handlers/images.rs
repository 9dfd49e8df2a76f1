//! Images: CreateImage (checks, snapshots, the execution plan), GetImage and
//! ListImageBuildVersions.

use super::filters::Filters;
use super::json::{str_member, Obj};
use super::stored::{commit_create, create_response, get_guarded, stop_if_dry_run};
use super::workflows;
use crate::ctx::Ctx;
use crate::idempotency::Idempotency;
use crate::listing::{page_by_key, page_sorted, Grouping, KeyShape, PageRequest, SortKey};
use serde_json::{json, Map, Value};
use std::collections::HashSet;
use stepwise_api::arn::{
    self, latest_version_references, normalize_name, Arn, SemVer, VersionPattern,
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

/// The checks of spec §8.2 over `workflows`, and the plan they give.
async fn plan_workflows(
    ctx: &Ctx<'_>,
    input: &Value,
    tests_enabled: bool,
) -> ApiResult<Vec<PlannedWorkflow>> {
    let given = input
        .get("workflows")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let configs: Vec<Value> = if given.is_empty() {
        let region = &ctx.tenant.region;
        vec![
            json!({"workflowArn": arn::arn(region, "aws", "workflow/build/build-image/x.x.x")}),
            json!({"workflowArn": arn::arn(region, "aws", "workflow/test/test-image/x.x.x")}),
        ]
    } else {
        given
    };
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
            let arn_text = c
                .get("workflowArn")
                .and_then(Value::as_str)
                .unwrap_or_default();
            Arn::parse(arn_text)
                .filter(|a| a.resource_type == "workflow")
                .and_then(|a| {
                    a.path
                        .first()
                        .and_then(|s| WorkflowType::from_arn_segment(s))
                })
                .ok_or_else(|| ApiError::not_found(arn_text))
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
        let arn_text = c
            .get("workflowArn")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if let Some(a) = Arn::parse(arn_text) {
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
    let mut output_names = HashSet::new();
    for (i, c) in configs.iter().enumerate() {
        let arn_text = c
            .get("workflowArn")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let resolved = workflows::resolve(ctx, arn_text).await?;
        let ty = types[i];
        for key in ["parallelGroup", "onFailure"] {
            if c.get(key).is_some() && ty != WorkflowType::Test {
                return Err(bad(
                    format!("workflows[{i}].{key}"),
                    format!("{key} can only be set on test workflows."),
                ));
            }
        }
        let doc = parse_document(resolved.data(), ty, usize::MAX)
            .map_err(|e| ApiError::internal(format!("stored workflow document is invalid: {e}")))?;
        let supplied: Vec<(String, Vec<String>)> = c
            .get("parameters")
            .and_then(Value::as_array)
            .map(|ps| {
                ps.iter()
                    .map(|p| {
                        let name = p
                            .get("name")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string();
                        let values = p
                            .get("value")
                            .and_then(Value::as_array)
                            .map(|v| {
                                v.iter()
                                    .filter_map(Value::as_str)
                                    .map(str::to_string)
                                    .collect()
                            })
                            .unwrap_or_default();
                        (name, values)
                    })
                    .collect()
            })
            .unwrap_or_default();
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
            parallel_group: c
                .get("parallelGroup")
                .and_then(Value::as_str)
                .map(str::to_string),
            on_failure: c
                .get("onFailure")
                .and_then(Value::as_str)
                .map(str::to_string),
        });
    }
    Ok(plan)
}

pub async fn create_image(ctx: &Ctx<'_>, input: &Value) -> ApiResult<Value> {
    let idem = match Idempotency::check(ctx, input).await? {
        Ok(idem) => idem,
        Err(replay) => return Ok(replay),
    };
    let recipe_arn = str_member(input, "imageRecipeArn");
    match (recipe_arn, str_member(input, "containerRecipeArn")) {
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
    let mut tests = input
        .get("imageTestsConfiguration")
        .cloned()
        .unwrap_or_else(|| json!({}));
    let tests_enabled = tests
        .get("imageTestsEnabled")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    if let Some(t) = tests.as_object_mut() {
        t.entry("imageTestsEnabled").or_insert(json!(true));
        t.entry("timeoutMinutes").or_insert(json!(720));
    }
    let plan = plan_workflows(ctx, input, tests_enabled).await?;
    // The image snapshots what it uses; the guards make the snapshot and the new image one
    // atomic decision (a concurrent delete or change of any of them decides it again).
    let (recipe, recipe_guard) =
        super::recipes::resolve_recipe(ctx, recipe_arn.unwrap_or_default()).await?;
    let infra_arn = str_member(input, "infrastructureConfigurationArn").unwrap_or_default();
    let (infra, infra_guard) =
        get_guarded(ctx, ResourceKind::InfrastructureConfiguration, infra_arn).await?;
    let mut guards = vec![recipe_guard, infra_guard];
    let distribution = match str_member(input, "distributionConfigurationArn") {
        Some(a) => {
            let (body, guard) =
                get_guarded(ctx, ResourceKind::DistributionConfiguration, a).await?;
            guards.push(guard);
            Some(body)
        }
        None => None,
    };
    stop_if_dry_run(input)?;
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
            input
                .get("enhancedImageMetadataEnabled")
                .and_then(Value::as_bool)
                .unwrap_or(true),
        )
        .set("state", json!({"status": "PENDING"}))
        .set("imageRecipe", recipe)
        .set("infrastructureConfiguration", infra)
        .opt("distributionConfiguration", distribution)
        .set("imageTestsConfiguration", tests)
        .set("dateCreated", format_millis(ctx.now()))
        .set("outputResources", json!({"amis": []}))
        .set(
            "tags",
            input.get("tags").cloned().unwrap_or_else(|| json!({})),
        )
        .set("buildType", "USER_INITIATED")
        .set("imageSource", "CUSTOM")
        .opt(
            "imageScanningConfiguration",
            input.get("imageScanningConfiguration").cloned(),
        )
        .opt("executionRole", str_member(input, "executionRole"))
        .opt("workflows", input.get("workflows").cloned())
        .opt(
            "loggingConfiguration",
            input.get("loggingConfiguration").cloned(),
        )
        .build();
    let record = ImageRecord { image, plan };
    let response = create_response(input, "imageBuildVersionArn", &image_arn)
        .set(
            "latestVersionReferences",
            latest_version_references(&prefix, version),
        )
        .build();
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

pub async fn get_image(ctx: &Ctx<'_>, input: &Value) -> ApiResult<Value> {
    let arn_text = str_member(input, "imageBuildVersionArn").unwrap_or_default();
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
    Ok(Obj::new()
        .set("image", record.image)
        .set(
            "latestVersionReferences",
            latest_version_references(&prefix, version),
        )
        .build())
}

fn summary(image: &Value, owner: &str) -> Value {
    let mut out = Map::new();
    for key in [
        "arn",
        "name",
        "type",
        "version",
        "platform",
        "osVersion",
        "state",
        "owner",
        "dateCreated",
        "outputResources",
        "tags",
        "buildType",
        "imageSource",
        "loggingConfiguration",
    ] {
        if key == "owner" {
            out.insert(key.into(), json!(owner));
        } else if let Some(v) = image.get(key) {
            out.insert(key.into(), v.clone());
        }
    }
    Value::Object(out)
}

pub async fn list_image_build_versions(ctx: &Ctx<'_>, input: &Value) -> ApiResult<Value> {
    let filters =
        Filters::from_input(input, &["name", "osVersion", "platform", "type", "version"])?;
    let version_arn = str_member(input, "imageVersionArn");
    let mut binding = Map::new();
    if let Some(a) = version_arn {
        binding.insert("imageVersionArn".into(), json!(a));
    }
    if let Some(f) = input.get("filters") {
        binding.insert("filters".into(), f.clone());
    }
    let page = PageRequest::new(
        ctx,
        OpCode::ListImageBuildVersions,
        Value::Object(binding),
        input,
    );
    let shown = |b: &ImageBuild| {
        let image = &b.record.image;
        let semver = b.version.to_string();
        let kept = filters.matches(|f| match f {
            "version" => Some(semver.as_str()),
            other => image.get(other).and_then(Value::as_str),
        });
        kept.then(|| summary(image, &ctx.tenant.account))
    };
    let (items, token) = match version_arn {
        None => {
            page_by_key(
                &page,
                ResourceKind::Image,
                KeyShape::NAME_VERSION_BUILD,
                Grouping::Each,
                |r, key| {
                    Ok(image_build_of(r)?
                        .and_then(|b| shown(&b))
                        .map(|s| (key.clone(), s)))
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
            let items = builds
                .into_iter()
                .filter_map(|b| {
                    let key = SortKey::new(b.nname.clone())
                        .version(b.version)
                        .build(b.build);
                    shown(&b).map(|s| (key, s))
                })
                .collect();
            page_sorted(&page, KeyShape::NAME_VERSION_BUILD, items)?
        }
    };
    Ok(Obj::new()
        .set("imageSummaryList", items)
        .opt("nextToken", token)
        .build())
}

/// ListImages: one item per image version (per name with `byName`), fields from its
/// highest build. Stepwise ships no Amazon-owned or shared images, so any owner but `Self`
/// lists nothing. Its token (op code 10) binds `owner`, `filters`, `byName` and
/// `includeDeprecated`; the order is normalized name ↑, version ↓.
pub async fn list_images(ctx: &Ctx<'_>, input: &Value) -> ApiResult<Value> {
    let owner = str_member(input, "owner").unwrap_or("Self");
    let by_name = input
        .get("byName")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let include_deprecated = input
        .get("includeDeprecated")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let filters =
        Filters::from_input(input, &["name", "osVersion", "platform", "type", "version"])?;
    if by_name && filters.has("version") {
        return Err(ApiError::invalid_param(
            "filters",
            "The 'version' filter cannot be combined with byName.",
        ));
    }
    let mut binding = Map::new();
    binding.insert("owner".into(), json!(owner));
    binding.insert("byName".into(), json!(by_name));
    binding.insert("includeDeprecated".into(), json!(include_deprecated));
    if let Some(f) = input.get("filters") {
        binding.insert("filters".into(), f.clone());
    }
    let page = PageRequest::new(ctx, OpCode::ListImages, Value::Object(binding), input);
    // The newest build of each version (or, by name, of each name), if the filters take it.
    let shown = |b: ImageBuild| -> Option<(SortKey, Value)> {
        Some(b)
            .filter(|b| {
                let image = &b.record.image;
                let semver = b.version.to_string();
                filters.matches(|f| match f {
                    "version" => Some(semver.as_str()),
                    other => image.get(other).and_then(Value::as_str),
                })
            })
            .map(|b| {
                let image = &b.record.image;
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
                let mut item = Map::new();
                item.insert("arn".into(), json!(arn));
                for key in ["name", "type"] {
                    if let Some(v) = image.get(key) {
                        item.insert(key.into(), v.clone());
                    }
                }
                item.insert("version".into(), json!(b.version.to_string()));
                for key in ["platform", "osVersion"] {
                    if let Some(v) = image.get(key) {
                        item.insert(key.into(), v.clone());
                    }
                }
                item.insert("owner".into(), json!(ctx.tenant.account));
                for key in ["dateCreated", "buildType", "imageSource"] {
                    if let Some(v) = image.get(key) {
                        item.insert(key.into(), v.clone());
                    }
                }
                let key = SortKey::new(b.nname.clone()).version(key_version);
                (key, Value::Object(item))
            })
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
            |r, _| Ok(image_build_of(r)?.and_then(shown)),
        )
        .await?
    } else {
        page_sorted::<Value>(&page, KeyShape::NAME_VERSION, Vec::new())?
    };
    Ok(Obj::new()
        .set("imageVersionList", items)
        .opt("nextToken", token)
        .build())
}
