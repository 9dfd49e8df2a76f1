//! Image pipelines: CreateImagePipeline, UpdateImagePipeline, GetImagePipeline,
//! ListImagePipelines, DeleteImagePipeline, StartImagePipelineExecution and
//! ListImagePipelineImages (README, "Image pipelines"). A pipeline names the recipe and
//! configurations an image is built from, and its schedule; a start builds an image from
//! them, which carries the pipeline as its source.

use super::family::{self, ListedResource, StoredResource, UpdatedResource};
use super::filters::Filters;
use super::images::{self, PipelineSource};
use super::recipes::{infer_platform, resolve_recipe};
use super::stored::{get_claimed, get_guarded, stored_body};
use super::typed;
use crate::ctx::Ctx;
use crate::idempotency::Idempotency;
use crate::listing::{page_sorted, KeyShape, PageRequest, SortKey};
use serde_json::{json, Map, Value};
use stepwise_api::model::{
    self, CreateImagePipelineRequest, CreateImagePipelineResponse, CreateImageRequest,
    DeleteImagePipelineRequest, DeleteImagePipelineResponse, GetImagePipelineRequest,
    GetImagePipelineResponse, ImagePipeline, ImageTestsConfiguration,
    ListImagePipelineImagesRequest, ListImagePipelineImagesResponse, ListImagePipelinesRequest,
    ListImagePipelinesResponse, Schedule, StartImagePipelineExecutionRequest,
    StartImagePipelineExecutionResponse, UpdateImagePipelineRequest, UpdateImagePipelineResponse,
};
use stepwise_api::time::format_millis;
use stepwise_api::{ApiError, ApiResult, ErrorKind};
use stepwise_engine::ImageRecord;
use stepwise_schedule::{time_zone, Cron};
use stepwise_store::{ResourceKind, Write};
use stepwise_token::OpCode;

/// What a schedule starts on when it does not say (AWS's default).
const DEFAULT_START_CONDITION: &str = "EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE";

/// The one recipe a pipeline names (see [`images::one_image_recipe`]).
fn recipe_arn(image: Option<&str>, container: Option<&str>) -> ApiResult<String> {
    images::one_image_recipe(image, container).map(str::to_string)
}

/// A schedule's expression and time zone, checked: the expression must parse and be due
/// again after `now`.
fn checked_schedule(schedule: &Schedule, now: i64) -> ApiResult<(Cron, stepwise_schedule::Tz)> {
    let expression = schedule.schedule_expression.as_deref().ok_or_else(|| {
        ApiError::invalid_param(
            "schedule.scheduleExpression",
            "A schedule needs its scheduleExpression, for example cron(0 0 * * ? *).",
        )
    })?;
    let cron = Cron::parse(expression)
        .map_err(|e| ApiError::invalid_param("schedule.scheduleExpression", &e.to_string()))?;
    let zone = time_zone(schedule.timezone.as_deref().unwrap_or("Etc/UTC"))
        .map_err(|e| ApiError::invalid_param("schedule.timezone", &e))?;
    if next_due(&cron, zone, now).is_none() {
        return Err(ApiError::invalid_param(
            "schedule.scheduleExpression",
            &format!(
                "The expression '{expression}' is never due after {}: the pipeline would never run on its schedule.",
                format_millis(now)
            ),
        ));
    }
    Ok((cron, zone))
}

/// The first due time of a schedule after `now`, in milliseconds.
fn next_due(cron: &Cron, zone: stepwise_schedule::Tz, now: i64) -> Option<i64> {
    let after = chrono::DateTime::from_timestamp_millis(now)?;
    cron.next_after(after, zone).map(|t| t.timestamp_millis())
}

pub(super) struct ImagePipelines;

impl StoredResource for ImagePipelines {
    type Create = CreateImagePipelineRequest;
    type CreateOutput = CreateImagePipelineResponse;
    type Get = GetImagePipelineRequest;
    type GetOutput = GetImagePipelineResponse;
    type Delete = DeleteImagePipelineRequest;
    type DeleteOutput = DeleteImagePipelineResponse;

    const KIND: ResourceKind = ResourceKind::ImagePipeline;
    const NAME: &'static str = "ImagePipeline";
    const ARN_TYPE: &'static str = "image-pipeline";
    const ARN_MEMBER: &'static str = "imagePipelineArn";
    const GET_MEMBER: &'static str = "imagePipeline";

    fn get_arn(input: &Self::Get) -> &str {
        input.image_pipeline_arn.as_deref().unwrap_or_default()
    }

    fn delete_arn(input: &Self::Delete) -> &str {
        input.image_pipeline_arn.as_deref().unwrap_or_default()
    }

    fn dry_run(input: &Self::Create) -> Option<bool> {
        input.dry_run
    }

    /// One image recipe; a schedule that parses and will be due.
    fn check(ctx: &Ctx<'_>, input: &Self::Create) -> ApiResult<()> {
        recipe_arn(
            input.image_recipe_arn.as_deref(),
            input.container_recipe_arn.as_deref(),
        )?;
        if let Some(schedule) = &input.schedule {
            checked_schedule(schedule, ctx.now())?;
        }
        Ok(())
    }

    /// The recipe, configurations and workflows must exist; the pipeline claims them.
    async fn references(ctx: &Ctx<'_>, input: &Self::Create) -> ApiResult<Vec<Write>> {
        let recipe = recipe_arn(
            input.image_recipe_arn.as_deref(),
            input.container_recipe_arn.as_deref(),
        )?;
        let (_, recipe_claim) = resolve_recipe(ctx, &recipe).await?;
        let mut claims = vec![recipe_claim];
        let infra = input
            .infrastructure_configuration_arn
            .as_deref()
            .unwrap_or_default();
        claims.push(
            get_claimed(ctx, ResourceKind::InfrastructureConfiguration, infra)
                .await?
                .1,
        );
        if let Some(dist) = input.distribution_configuration_arn.as_deref() {
            claims.push(
                get_claimed(ctx, ResourceKind::DistributionConfiguration, dist)
                    .await?
                    .1,
            );
        }
        let tests = input
            .image_tests_configuration
            .as_ref()
            .and_then(|t| t.image_tests_enabled)
            .unwrap_or(true);
        let plan =
            super::image_plan::plan(ctx, input.workflows.as_deref().unwrap_or_default(), tests)
                .await?;
        claims.extend(plan.claims);
        Ok(claims)
    }

    /// The pipeline as given, with AWS's defaults (ENABLED, tests on for 720 minutes,
    /// enhanced metadata on, the dependency-update start condition), its platform from the
    /// recipe and its next due time.
    async fn draft(ctx: &Ctx<'_>, input: &Self::Create, arn: &str) -> ApiResult<Value> {
        let i = input.clone();
        let recipe = recipe_arn(i.image_recipe_arn.as_deref(), None)?;
        let (recipe_body, _) = resolve_recipe(ctx, &recipe).await?;
        let parent = recipe_body["parentImage"].as_str().unwrap_or_default();
        let status = i.status.unwrap_or_else(|| "ENABLED".into());
        let schedule = i.schedule.map(|mut s| {
            s.pipeline_execution_start_condition = Some(
                s.pipeline_execution_start_condition
                    .unwrap_or_else(|| DEFAULT_START_CONDITION.into()),
            );
            s
        });
        let next_run = match (&schedule, status.as_str()) {
            (Some(s), "ENABLED") => {
                let (cron, zone) = checked_schedule(s, ctx.now())?;
                next_due(&cron, zone, ctx.now()).map(format_millis)
            }
            _ => None,
        };
        let tests = i.image_tests_configuration.unwrap_or_default();
        stored_body(&ImagePipeline {
            arn: Some(arn.to_string()),
            name: i.name,
            description: i.description,
            platform: Some(infer_platform(parent).into()),
            enhanced_image_metadata_enabled: Some(
                i.enhanced_image_metadata_enabled.unwrap_or(true),
            ),
            image_recipe_arn: Some(recipe),
            container_recipe_arn: None,
            infrastructure_configuration_arn: i.infrastructure_configuration_arn,
            distribution_configuration_arn: i.distribution_configuration_arn,
            image_tests_configuration: Some(ImageTestsConfiguration {
                image_tests_enabled: Some(tests.image_tests_enabled.unwrap_or(true)),
                timeout_minutes: Some(tests.timeout_minutes.unwrap_or(720)),
            }),
            schedule,
            status: Some(status),
            date_created: Some(format_millis(ctx.now())),
            date_updated: None,
            date_last_run: None,
            last_run_status: None,
            date_next_run: next_run,
            tags: Some(i.tags.unwrap_or_default()),
            image_scanning_configuration: i.image_scanning_configuration,
            image_tags: i.image_tags,
            execution_role: i.execution_role,
            workflows: i.workflows,
            logging_configuration: i.logging_configuration,
            consecutive_failures: None,
        })
    }

    /// An unfinished image the pipeline built holds it.
    fn uses(image: &ImageRecord, arn: &str) -> bool {
        image.image["sourcePipelineArn"].as_str() == Some(arn)
    }
}

impl UpdatedResource for ImagePipelines {
    type Update = UpdateImagePipelineRequest;
    type UpdateOutput = UpdateImagePipelineResponse;

    fn update_arn(input: &Self::Update) -> &str {
        input.image_pipeline_arn.as_deref().unwrap_or_default()
    }

    fn as_create(input: &Self::Update, stored: &Value) -> ApiResult<Self::Create> {
        let stored: ImagePipeline = typed(stored)?;
        let i = input.clone();
        Ok(CreateImagePipelineRequest {
            name: stored.name,
            description: i.description,
            image_recipe_arn: i.image_recipe_arn,
            container_recipe_arn: i.container_recipe_arn,
            infrastructure_configuration_arn: i.infrastructure_configuration_arn,
            distribution_configuration_arn: i.distribution_configuration_arn,
            image_tests_configuration: i.image_tests_configuration,
            enhanced_image_metadata_enabled: i.enhanced_image_metadata_enabled,
            schedule: i.schedule,
            status: i.status,
            tags: stored.tags,
            image_tags: i.image_tags,
            client_token: i.client_token,
            image_scanning_configuration: i.image_scanning_configuration,
            workflows: i.workflows,
            execution_role: i.execution_role,
            logging_configuration: i.logging_configuration,
            dry_run: None,
        })
    }

    /// What the pipeline's runs recorded stays.
    fn carried(stored: &Value, mut draft: Value) -> Value {
        for member in ["dateLastRun", "lastRunStatus", "consecutiveFailures"] {
            if let (Some(value), Value::Object(body)) = (stored.get(member), &mut draft) {
                body.insert(member.into(), value.clone());
            }
        }
        draft
    }
}

impl ListedResource for ImagePipelines {
    type List = ListImagePipelinesRequest;
    type ListOutput = ListImagePipelinesResponse;
    type Summary = ImagePipeline;

    const LIST_OP: OpCode = OpCode::ListImagePipelines;
    const FILTERS: &'static [&'static str] = &[
        "description",
        "distributionConfigurationArn",
        "imageRecipeArn",
        "infrastructureConfigurationArn",
        "name",
        "status",
    ];
    const KEY_SHAPE: KeyShape = KeyShape::NAME;

    fn page(items: Vec<Self::Summary>, next_token: Option<String>) -> Self::ListOutput {
        ListImagePipelinesResponse {
            request_id: None,
            image_pipeline_list: Some(items),
            next_token,
        }
    }
}

pub async fn create_image_pipeline(
    ctx: &Ctx<'_>,
    input: &CreateImagePipelineRequest,
) -> ApiResult<CreateImagePipelineResponse> {
    family::create::<ImagePipelines>(ctx, input).await
}

pub async fn update_image_pipeline(
    ctx: &Ctx<'_>,
    input: &UpdateImagePipelineRequest,
) -> ApiResult<UpdateImagePipelineResponse> {
    family::update::<ImagePipelines>(ctx, input).await
}

pub async fn get_image_pipeline(
    ctx: &Ctx<'_>,
    input: &GetImagePipelineRequest,
) -> ApiResult<GetImagePipelineResponse> {
    family::get::<ImagePipelines>(ctx, input).await
}

pub async fn list_image_pipelines(
    ctx: &Ctx<'_>,
    input: &ListImagePipelinesRequest,
) -> ApiResult<ListImagePipelinesResponse> {
    family::list::<ImagePipelines>(ctx, input).await
}

pub async fn delete_image_pipeline(
    ctx: &Ctx<'_>,
    input: &DeleteImagePipelineRequest,
) -> ApiResult<DeleteImagePipelineResponse> {
    family::delete::<ImagePipelines>(ctx, input).await
}

/// The CreateImage a pipeline's start amounts to: its recipe, configurations, tests,
/// workflows and settings, tagged with its `imageTags` and the start's `tags`.
fn image_request(
    pipeline: &ImagePipeline,
    tags: Option<&indexmap::IndexMap<String, String>>,
    token: Option<String>,
) -> CreateImageRequest {
    let mut all_tags = pipeline.image_tags.clone().unwrap_or_default();
    all_tags.extend(
        tags.into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), v.clone())),
    );
    let p = pipeline.clone();
    CreateImageRequest {
        image_recipe_arn: p.image_recipe_arn,
        container_recipe_arn: None,
        distribution_configuration_arn: p.distribution_configuration_arn,
        infrastructure_configuration_arn: p.infrastructure_configuration_arn,
        image_tests_configuration: p.image_tests_configuration,
        enhanced_image_metadata_enabled: p.enhanced_image_metadata_enabled,
        tags: (!all_tags.is_empty()).then_some(all_tags),
        client_token: token,
        image_scanning_configuration: p.image_scanning_configuration,
        workflows: p.workflows,
        execution_role: p.execution_role,
        // The pipeline's image log group is its images' log group.
        logging_configuration: p
            .logging_configuration
            .map(|l| model::ImageLoggingConfiguration {
                log_group_name: l.image_log_group_name,
            }),
    }
}

/// StartImagePipelineExecution: builds an image from the pipeline now, whatever its
/// status (Decision: DISABLED stops only its schedule), and records the run on the
/// pipeline in the image's own batch.
pub async fn start_image_pipeline_execution(
    ctx: &Ctx<'_>,
    input: &StartImagePipelineExecutionRequest,
) -> ApiResult<StartImagePipelineExecutionResponse> {
    let idem = match Idempotency::check(ctx, input).await? {
        Ok(idem) => idem,
        Err(replay) => return Ok(replay),
    };
    let arn = input.image_pipeline_arn.as_deref().unwrap_or_default();
    let (body, guard) = get_guarded(ctx, ResourceKind::ImagePipeline, arn).await?;
    let pipeline: ImagePipeline = typed(&body)?;
    let request = image_request(&pipeline, input.tags.as_ref(), input.client_token.clone());
    let mut ran = body.clone();
    ran["dateLastRun"] = json!(format_millis(ctx.now()));
    ran["lastRunStatus"] = json!("PENDING");
    let source = PipelineSource {
        arn: arn.to_string(),
        name: pipeline.name.clone().unwrap_or_default(),
        build_type: "USER_INITIATED",
        writes: vec![
            guard,
            Write::PutResource {
                kind: ResourceKind::ImagePipeline,
                arn: arn.to_string(),
                body: ran,
            },
        ],
    };
    let created = images::new_image(ctx, Some(idem), &request, Some(source)).await?;
    Ok(StartImagePipelineExecutionResponse {
        request_id: None,
        client_token: created.client_token,
        image_build_version_arn: created.image_build_version_arn,
    })
}

/// Starts the builds of the pipeline `arn`'s due times up to now, in order of due time.
/// Each due time is one batch, guarded by the pipeline read: the image it starts (if its
/// start condition holds) and the pipeline's next due time together, so that a due time
/// starts at most once, across restarts and concurrent callers alike. Returns how many
/// builds started.
pub(crate) async fn start_due(ctx: &Ctx<'_>, arn: &str) -> ApiResult<usize> {
    let mut started = 0;
    loop {
        match start_next_due(ctx, arn).await {
            Ok(Some(true)) => started += 1,
            Ok(Some(false)) => {}
            Ok(None) => return Ok(started),
            // Another caller moved the pipeline on (or changed it): look again.
            Err(e) if e.kind == ErrorKind::WriteConflict => {}
            Err(e) => return Err(e),
        }
    }
}

/// Handles the pipeline's earliest due time if it has come: `Some(true)` when it started a
/// build, `Some(false)` when its start condition held it back, `None` when nothing is due.
async fn start_next_due(ctx: &Ctx<'_>, arn: &str) -> ApiResult<Option<bool>> {
    let Some(resource) = ctx
        .state
        .store
        .get_resource(&ctx.tenant, ResourceKind::ImagePipeline, arn)
        .await?
    else {
        return Ok(None);
    };
    let pipeline: ImagePipeline = typed(&resource.body)?;
    let due = pipeline
        .date_next_run
        .as_deref()
        .and_then(stepwise_api::time::parse_timestamp);
    let (Some(due), Some(schedule), Some("ENABLED")) =
        (due, pipeline.schedule.as_ref(), pipeline.status.as_deref())
    else {
        return Ok(None);
    };
    if due > ctx.now() {
        return Ok(None);
    }
    let mut moved = resource.body.clone();
    let next = checked_schedule(schedule, due)
        .ok()
        .and_then(|(cron, zone)| next_due(&cron, zone, due));
    match next {
        Some(next) => moved["dateNextRun"] = json!(format_millis(next)),
        None => {
            if let Some(body) = moved.as_object_mut() {
                body.remove("dateNextRun");
            }
        }
    }
    let guard = Write::ExpectResource {
        kind: ResourceKind::ImagePipeline,
        arn: arn.to_string(),
        revision: resource.revision,
    };
    let moved_write = |body: Value| Write::PutResource {
        kind: ResourceKind::ImagePipeline,
        arn: arn.to_string(),
        body,
    };
    let only_on_updates =
        schedule.pipeline_execution_start_condition.as_deref() != Some("EXPRESSION_MATCH_ONLY");
    if only_on_updates && !updates_available(ctx, &pipeline).await? {
        ctx.state
            .store
            .apply(&ctx.tenant, &[guard, moved_write(moved)])
            .await?;
        return Ok(Some(false));
    }
    moved["dateLastRun"] = json!(format_millis(due));
    moved["lastRunStatus"] = json!("PENDING");
    let source = PipelineSource {
        arn: arn.to_string(),
        name: pipeline.name.clone().unwrap_or_default(),
        build_type: "SCHEDULED",
        writes: vec![guard, moved_write(moved)],
    };
    let request = image_request(&pipeline, None, None);
    images::new_image(ctx, None, &request, Some(source)).await?;
    Ok(Some(true))
}

/// Whether a build would differ from the pipeline's last image: a component its recipe
/// names by a wildcard version now resolves to another build than that image ran, or the
/// parent image, named by an Image Builder image ARN with a wildcard version, has an
/// AVAILABLE build made since that image. With no image yet, there is something to build.
async fn updates_available(ctx: &Ctx<'_>, pipeline: &ImagePipeline) -> ApiResult<bool> {
    let arn = pipeline.arn.as_deref().unwrap_or_default();
    let last = images_of(ctx, arn)
        .await?
        .into_iter()
        .max_by_key(|(created, arn, _)| (*created, arn.clone()));
    let Some((last_created, _, last)) = last else {
        return Ok(true);
    };
    let recipe = pipeline.image_recipe_arn.as_deref().unwrap_or_default();
    let (recipe_body, _) = resolve_recipe(ctx, recipe).await?;
    let parent = recipe_body["parentImage"].as_str().unwrap_or_default();
    if newer_parent(ctx, parent, last_created).await? {
        return Ok(true);
    }
    let (now, _) = super::components::plan_components(ctx, &recipe_body).await?;
    let before = last.components.unwrap_or_default();
    let named = recipe_body["components"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["componentArn"].as_str());
    for (i, named) in named.enumerate() {
        let wildcard = named.rsplit('/').next().is_some_and(|v| v.contains('x'));
        if wildcard && now.get(i).map(|c| &c.arn) != before.get(i).map(|c| &c.arn) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Whether `parent`, an Image Builder image ARN of the caller's with a wildcard version
/// (`image/<name>/1.x.x`), has an AVAILABLE build of a matching version created after
/// `since`; false for any other parent (an AMI id, an exact version).
async fn newer_parent(ctx: &Ctx<'_>, parent: &str, since: i64) -> ApiResult<bool> {
    let Some(parsed) = stepwise_api::arn::Arn::parse(parent) else {
        return Ok(false);
    };
    let [name, version] = parsed.path[..] else {
        return Ok(false);
    };
    let pattern = stepwise_api::arn::VersionPattern::parse(version);
    let wildcard = pattern.is_some_and(|p| !p.is_exact());
    if parsed.resource_type != "image" || !wildcard || parsed.owner != ctx.tenant.account {
        return Ok(false);
    }
    let prefix = stepwise_api::arn::arn(
        &ctx.tenant.region,
        &ctx.tenant.account,
        &format!("image/{name}/"),
    );
    for r in ctx
        .state
        .store
        .list_resources_with_prefix(&ctx.tenant, ResourceKind::Image, &prefix)
        .await?
    {
        let record: ImageRecord = typed(&r.body)?;
        let image = &record.image;
        let built_version = image["version"]
            .as_str()
            .and_then(|v| v.split('/').next())
            .and_then(stepwise_api::arn::SemVer::parse);
        let created = image["dateCreated"]
            .as_str()
            .and_then(stepwise_api::time::parse_timestamp)
            .unwrap_or(0);
        if record.status() == "AVAILABLE"
            && created > since
            && built_version.is_some_and(|v| pattern.is_some_and(|p| p.matches(v)))
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The images the pipeline `arn` built: creation time, ARN and record.
async fn images_of(ctx: &Ctx<'_>, arn: &str) -> ApiResult<Vec<(i64, String, ImageRecord)>> {
    let mut out = Vec::new();
    for r in ctx
        .state
        .store
        .list_resources(&ctx.tenant, ResourceKind::Image)
        .await?
    {
        let record: ImageRecord = typed(&r.body)?;
        if record.image["sourcePipelineArn"].as_str() != Some(arn) {
            continue;
        }
        let created = record.image["dateCreated"]
            .as_str()
            .and_then(stepwise_api::time::parse_timestamp)
            .unwrap_or(0);
        out.push((created, r.arn, record));
    }
    Ok(out)
}

/// The key that lists a pipeline's images newest first: the complement of the creation
/// time (zero-padded, so that byte order is time order reversed), then the ARN.
fn newest_first(created_ms: i64, arn: &str) -> SortKey {
    SortKey::new(format!("{:020}|{arn}", i64::MAX - created_ms))
}

pub async fn list_image_pipeline_images(
    ctx: &Ctx<'_>,
    input: &ListImagePipelineImagesRequest,
) -> ApiResult<ListImagePipelineImagesResponse> {
    let arn = input.image_pipeline_arn.as_deref().unwrap_or_default();
    super::stored::get_body(ctx, ResourceKind::ImagePipeline, arn).await?;
    let filters = Filters::from_input(
        input.filters.as_deref().unwrap_or_default(),
        &["name", "version"],
    )?;
    let mut bound = Map::new();
    bound.insert("imagePipelineArn".into(), json!(arn));
    let page = PageRequest::new(
        ctx,
        OpCode::ListImagePipelineImages,
        filters.binding_with(bound),
        input,
    );
    let mut items = Vec::new();
    for (created, image_arn, record) in images_of(ctx, arn).await? {
        let image = &record.image;
        let version = image["version"]
            .as_str()
            .and_then(|v| v.split('/').next())
            .unwrap_or_default()
            .to_string();
        let kept = filters.matches(|f| match f {
            "name" => image["name"].as_str(),
            "version" => Some(version.as_str()),
            _ => None,
        });
        if !kept {
            continue;
        }
        let mut summary: model::ImageSummary = typed(image)?;
        summary.owner = Some(ctx.tenant.account.clone());
        items.push((newest_first(created, &image_arn), summary));
    }
    let (items, token) = page_sorted(&page, KeyShape::NAME, items)?;
    Ok(ListImagePipelineImagesResponse {
        request_id: None,
        image_summary_list: Some(items),
        next_token: token,
    })
}
