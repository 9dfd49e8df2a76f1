//! Workflow resources: CreateWorkflow, GetWorkflow, ListWorkflows,
//! ListWorkflowBuildVersions, DeleteWorkflow, and the Amazon-managed workflows.

use super::family::{self, inline_document, Allocated, StoredResource};
use super::filters::Filters;
use super::stored::{claim, stored_body};
use super::typed;
use super::versions::{list_versions, newest_matching, version_and_build, version_item_arn, Build};
use crate::ctx::Ctx;
use crate::listing::{page_by_key, page_sorted, Grouping, KeyShape, PageRequest, SortKey};
use serde_json::{json, Map, Value};
use stepwise_api::arn::{
    self, latest_version_references, normalize_name, Arn, SemVer, VersionPattern,
};
use stepwise_api::model::{
    CreateWorkflowRequest, CreateWorkflowResponse, DeleteWorkflowRequest, DeleteWorkflowResponse,
    GetWorkflowRequest, GetWorkflowResponse, LatestVersionReferences,
    ListWorkflowBuildVersionsRequest, ListWorkflowBuildVersionsResponse, ListWorkflowsRequest,
    ListWorkflowsResponse, Workflow, WorkflowParameterDetail, WorkflowSummary, WorkflowVersion,
};
use stepwise_api::time::format_millis;
use stepwise_api::{ApiError, ApiResult, ErrorKind};
use stepwise_engine::ImageRecord;
use stepwise_store::{ResourceKind, Write};
use stepwise_token::OpCode;
use stepwise_workflow::{managed_workflows, parse_document, WorkflowType};

/// A workflow build version as it is kept and shown (the `Workflow` shape) with its sort key.
pub struct WorkflowBuild {
    pub workflow: Workflow,
    /// Its stored body; `None` for one of Amazon's managed workflows, which are not stored.
    pub stored: Option<Value>,
    pub ty: WorkflowType,
    pub nname: String,
    pub version: SemVer,
    pub build: u32,
}

impl Build for WorkflowBuild {
    const KIND: ResourceKind = ResourceKind::Workflow;
    const VERSION_KEY: KeyShape = KeyShape::NAME_TYPE_VERSION;

    fn from_body(body: &Value) -> Option<WorkflowBuild> {
        Self::of(typed(body).ok()?)
    }

    fn sort_key(&self) -> SortKey {
        SortKey::new(self.nname.clone())
            .ty(type_code(self.ty))
            .version(self.version)
            .build(self.build)
    }

    fn rank(&self) -> (SemVer, u32) {
        (self.version, self.build)
    }
}

impl WorkflowBuild {
    fn of(workflow: Workflow) -> Option<WorkflowBuild> {
        let parsed = Arn::parse(workflow.arn.as_deref()?)?;
        let [ty, nname, version, build] = parsed.path[..] else {
            return None;
        };
        Some(WorkflowBuild {
            ty: WorkflowType::from_arn_segment(ty)?,
            nname: nname.to_string(),
            version: SemVer::parse(version)?,
            build: build.parse().ok()?,
            workflow,
            stored: None,
        })
    }

    pub fn arn(&self) -> &str {
        self.workflow.arn.as_deref().unwrap_or_default()
    }

    pub fn data(&self) -> &str {
        self.workflow.data.as_deref().unwrap_or_default()
    }

    /// The write by which a new image claims this workflow, if it is a stored one (see
    /// `stored::claim`).
    pub fn claim(&self) -> Option<Write> {
        let body = self.stored.as_ref()?;
        Some(claim(ResourceKind::Workflow, self.arn(), body))
    }
}

fn type_code(ty: WorkflowType) -> u8 {
    match ty {
        WorkflowType::Build => 0,
        WorkflowType::Test => 1,
        WorkflowType::Distribution => 2,
    }
}

/// The parameters a workflow document declares, as GetWorkflow shows them.
fn parameters_of(data: &str, ty: WorkflowType) -> Vec<WorkflowParameterDetail> {
    let Ok(doc) = parse_document(data, ty, usize::MAX) else {
        return Vec::new();
    };
    doc.parameters
        .iter()
        .map(|p| WorkflowParameterDetail {
            name: Some(p.name.clone()),
            r#type: Some(p.ty.as_str().to_string()),
            default_value: p.default_value_strings(),
            description: p.description.clone(),
        })
        .collect()
}

/// The Amazon-managed workflows as they appear in `region`.
pub fn managed_builds(region: &str) -> Vec<WorkflowBuild> {
    managed_workflows()
        .iter()
        .filter_map(|m| {
            let arn = arn::arn(
                region,
                "aws",
                &format!(
                    "workflow/{}/{}/{}/{}",
                    m.ty.arn_segment(),
                    m.name,
                    m.version,
                    m.build
                ),
            );
            WorkflowBuild::of(Workflow {
                arn: Some(arn),
                name: Some(m.name.to_string()),
                version: Some(m.version.to_string()),
                description: Some(m.description.to_string()),
                r#type: Some(m.ty.as_str().to_string()),
                owner: Some("Amazon".into()),
                data: Some(m.data.to_string()),
                date_created: Some(m.date_created.to_string()),
                tags: Some(Default::default()),
                parameters: Some(parameters_of(m.data, m.ty)),
                ..Default::default()
            })
        })
        .collect()
}

/// The tenancy's workflow builds whose ARN starts with `prefix` (one range read).
async fn own_builds_under(ctx: &Ctx<'_>, prefix: &str) -> ApiResult<Vec<WorkflowBuild>> {
    Ok(ctx
        .state
        .store
        .list_resources_with_prefix(&ctx.tenant, ResourceKind::Workflow, prefix)
        .await?
        .into_iter()
        .filter_map(|r| {
            let mut build = WorkflowBuild::from_body(&r.body)?;
            build.stored = Some(r.body);
            Some(build)
        })
        .collect())
}

/// Resolves a build, version or wildcard workflow ARN to the highest matching build.
pub async fn resolve(ctx: &Ctx<'_>, arn_text: &str) -> ApiResult<WorkflowBuild> {
    let not_found = || ApiError::not_found(arn_text);
    let parsed = Arn::parse(arn_text).ok_or_else(not_found)?;
    if parsed.resource_type != "workflow" || parsed.region != ctx.tenant.region {
        return Err(not_found());
    }
    let (ty, nname, version, build) = match parsed.path[..] {
        [t, n, v] => (t, n, v, None),
        [t, n, v, b] => (t, n, v, Some(b)),
        _ => return Err(not_found()),
    };
    let ty = WorkflowType::from_arn_segment(ty).ok_or_else(not_found)?;
    let (pattern, build) = version_and_build(version, build).ok_or_else(not_found)?;
    let candidates = if parsed.is_amazon_owned() {
        managed_builds(&ctx.tenant.region)
    } else if parsed.owner == ctx.tenant.account {
        let name_prefix = arn::arn(
            &ctx.tenant.region,
            &ctx.tenant.account,
            &format!("workflow/{}/{nname}/", ty.arn_segment()),
        );
        own_builds_under(ctx, &name_prefix).await?
    } else {
        return Err(not_found());
    };
    newest_matching(
        candidates
            .into_iter()
            .filter(|w| w.ty == ty && w.nname == nname),
        |w| (w.version, w.build),
        pattern,
        build,
    )
    .ok_or_else(not_found)
}

pub(super) struct Workflows;

/// A create's document, type and version.
struct Create<'a> {
    data: &'a str,
    ty: WorkflowType,
    version: SemVer,
}

impl<'a> Create<'a> {
    fn of(input: &'a CreateWorkflowRequest) -> ApiResult<Create<'a>> {
        let data = inline_document(input.data.as_deref(), input.uri.as_deref())?;
        let ty =
            WorkflowType::parse(input.r#type.as_deref().unwrap_or_default()).ok_or_else(|| {
                ApiError::invalid_param("type", "It must be BUILD, TEST or DISTRIBUTION.")
            })?;
        let version_text = input.semantic_version.as_deref().unwrap_or_default();
        let version = SemVer::parse(version_text).ok_or_else(|| {
            ApiError::new(
                ErrorKind::InvalidVersionNumber,
                "The value supplied for parameter 'semanticVersion' is not valid. semanticVersion must match pattern ^[0-9]+\\.[0-9]+\\.[0-9]+$",
            )
        })?;
        Ok(Create { data, ty, version })
    }
}

/// `workflow/<type>/<normalized name>` in the caller's tenancy.
fn workflow_prefix(ctx: &Ctx<'_>, ty: WorkflowType, nname: &str) -> String {
    arn::arn(
        &ctx.tenant.region,
        &ctx.tenant.account,
        &format!("workflow/{}/{}", ty.arn_segment(), nname),
    )
}

impl StoredResource for Workflows {
    type Create = CreateWorkflowRequest;
    type CreateOutput = CreateWorkflowResponse;
    type Get = GetWorkflowRequest;
    type GetOutput = GetWorkflowResponse;
    type Delete = DeleteWorkflowRequest;
    type DeleteOutput = DeleteWorkflowResponse;

    const KIND: ResourceKind = ResourceKind::Workflow;
    const NAME: &'static str = "Workflow";
    const ARN_TYPE: &'static str = "workflow";
    const ARN_MEMBER: &'static str = "workflowBuildVersionArn";
    const GET_MEMBER: &'static str = "workflow";

    fn get_arn(input: &Self::Get) -> &str {
        input
            .workflow_build_version_arn
            .as_deref()
            .unwrap_or_default()
    }

    fn delete_arn(input: &Self::Delete) -> &str {
        input
            .workflow_build_version_arn
            .as_deref()
            .unwrap_or_default()
    }

    fn dry_run(input: &Self::Create) -> Option<bool> {
        input.dry_run
    }

    /// Inline data only, a known type, a version, a valid document.
    fn check(ctx: &Ctx<'_>, input: &Self::Create) -> ApiResult<()> {
        let c = Create::of(input)?;
        parse_document(c.data, c.ty, ctx.state.config.max_steps_per_workflow)
            .map_err(|e| ApiError::invalid_value("data", &e.to_string()))?;
        Ok(())
    }

    /// The next build of the version; ResourceAlreadyExistsException when its newest build
    /// has the same document, description and KMS key.
    async fn allocate(ctx: &Ctx<'_>, input: &Self::Create) -> ApiResult<Allocated> {
        let c = Create::of(input)?;
        let nname = normalize_name(input.name.as_deref().unwrap_or_default());
        let prefix = workflow_prefix(ctx, c.ty, &nname);
        // The builds of this version: one range read.
        let latest = own_builds_under(ctx, &format!("{prefix}/{}/", c.version))
            .await?
            .into_iter()
            .filter(|w| w.ty == c.ty && w.nname == nname && w.version == c.version)
            .max_by_key(|w| w.build);
        if let Some(latest) = &latest {
            if latest.data() == c.data
                && latest.workflow.description == input.description
                && latest.workflow.kms_key_id == input.kms_key_id
            {
                return Err(ApiError::already_exists("Workflow", latest.arn()));
            }
        }
        let build = latest.map_or(1, |w| w.build + 1);
        Ok(Allocated {
            arn: format!("{prefix}/{}/{build}", c.version),
            references: Some(latest_version_references(&prefix, c.version)),
        })
    }

    async fn draft(ctx: &Ctx<'_>, input: &Self::Create, arn: &str) -> ApiResult<Value> {
        let c = Create::of(input)?;
        stored_body(&Workflow {
            arn: Some(arn.to_string()),
            name: Some(input.name.clone().unwrap_or_default()),
            version: Some(c.version.to_string()),
            description: input.description.clone(),
            change_description: input.change_description.clone(),
            r#type: Some(c.ty.as_str().to_string()),
            state: None,
            owner: Some(ctx.tenant.account.clone()),
            data: Some(c.data.to_string()),
            kms_key_id: input.kms_key_id.clone(),
            date_created: Some(format_millis(ctx.now())),
            tags: Some(input.tags.clone().unwrap_or_default()),
            parameters: Some(parameters_of(c.data, c.ty)),
        })
    }

    /// A build, version or wildcard ARN, the caller's or Amazon's: the newest match.
    async fn resolve(
        ctx: &Ctx<'_>,
        arn_text: &str,
    ) -> ApiResult<(Value, Option<LatestVersionReferences>)> {
        let w = resolve(ctx, arn_text).await?;
        let parsed = Arn::parse(w.arn());
        let prefix = arn::arn(
            parsed.as_ref().map(|a| a.region).unwrap_or_default(),
            parsed.as_ref().map(|a| a.owner).unwrap_or_default(),
            &format!("workflow/{}/{}", w.ty.arn_segment(), w.nname),
        );
        let references = latest_version_references(&prefix, w.version);
        Ok((stored_body(&w.workflow)?, Some(references)))
    }

    /// Amazon's workflows are not the caller's to delete.
    fn check_delete(arn_text: &str) -> ApiResult<()> {
        let parsed = Arn::parse(arn_text).ok_or_else(|| ApiError::not_found(arn_text))?;
        if parsed.is_amazon_owned() {
            return Err(ApiError::new(
                ErrorKind::Forbidden,
                format!("The Amazon-managed workflow '{arn_text}' cannot be deleted."),
            ));
        }
        Ok(())
    }

    fn uses(image: &ImageRecord, arn: &str) -> bool {
        image.plan.iter().any(|p| p.workflow_arn == arn)
    }
}

pub async fn create_workflow(
    ctx: &Ctx<'_>,
    input: &CreateWorkflowRequest,
) -> ApiResult<CreateWorkflowResponse> {
    family::create::<Workflows>(ctx, input).await
}

pub async fn get_workflow(
    ctx: &Ctx<'_>,
    input: &GetWorkflowRequest,
) -> ApiResult<GetWorkflowResponse> {
    family::get::<Workflows>(ctx, input).await
}

pub async fn delete_workflow(
    ctx: &Ctx<'_>,
    input: &DeleteWorkflowRequest,
) -> ApiResult<DeleteWorkflowResponse> {
    family::delete::<Workflows>(ctx, input).await
}

/// A version's item in ListWorkflows (`WorkflowVersion`), from its newest build.
fn version_summary(w: &WorkflowBuild, arn: String, version: String) -> WorkflowVersion {
    WorkflowVersion {
        arn: Some(arn),
        name: w.workflow.name.clone(),
        version: Some(version),
        description: w.workflow.description.clone(),
        r#type: Some(w.ty.as_str().to_string()),
        owner: w.workflow.owner.clone(),
        date_created: w.workflow.date_created.clone(),
    }
}

pub async fn list_workflows(
    ctx: &Ctx<'_>,
    input: &ListWorkflowsRequest,
) -> ApiResult<ListWorkflowsResponse> {
    let owner = input.owner.as_deref().unwrap_or("Self");
    let by_name = input.by_name.unwrap_or(false);
    let filters = Filters::from_input(
        input.filters.as_deref().unwrap_or_default(),
        &["name", "version", "description", "type"],
    )?;
    let bound = filters.owner_and_by_name(owner, by_name)?;
    let page = PageRequest::new(
        ctx,
        OpCode::ListWorkflows,
        filters.binding_with(bound),
        input,
    );
    // The newest build of each version (or, by name, of each name's newest version), if the
    // filters take it.
    let shown = |w: WorkflowBuild| {
        let version = w.version.to_string();
        let kept = filters.matches(|f| match f {
            "name" => w.workflow.name.as_deref(),
            "version" => Some(version.as_str()),
            "description" => w.workflow.description.as_deref(),
            "type" => Some(w.ty.as_str()),
            _ => None,
        });
        if !kept {
            return None;
        }
        let prefix = w
            .arn()
            .rsplitn(3, '/')
            .nth(2)
            .unwrap_or_default()
            .to_string();
        let (arn, key_version) = version_item_arn(&prefix, w.version, by_name);
        let key = SortKey::new(w.nname.clone())
            .ty(type_code(w.ty))
            .version(key_version);
        Some((key, version_summary(&w, arn, version)))
    };
    let (items, token) = list_versions(
        &page,
        owner,
        by_name,
        || managed_builds(&ctx.tenant.region),
        shown,
    )
    .await?;
    Ok(ListWorkflowsResponse {
        workflow_version_list: Some(items),
        next_token: token,
    })
}

pub async fn list_workflow_build_versions(
    ctx: &Ctx<'_>,
    input: &ListWorkflowBuildVersionsRequest,
) -> ApiResult<ListWorkflowBuildVersionsResponse> {
    let arn_text = input.workflow_version_arn.as_deref();
    let mut binding = Map::new();
    if let Some(a) = arn_text {
        binding.insert("workflowVersionArn".into(), json!(a));
    }
    let page = PageRequest::new(
        ctx,
        OpCode::ListWorkflowBuildVersions,
        Value::Object(binding),
        input,
    );
    let builds: Vec<WorkflowBuild> = match arn_text {
        None => {
            let (items, token) = page_by_key(
                &page,
                ResourceKind::Workflow,
                KeyShape::NAME_TYPE_VERSION_BUILD,
                Grouping::Each,
                |r, key| {
                    let build = WorkflowBuild::from_body(&r.body);
                    Ok(build.map(|w| (key.clone(), build_summary(w))))
                },
            )
            .await?;
            return Ok(ListWorkflowBuildVersionsResponse {
                workflow_summary_list: Some(items),
                next_token: token,
            });
        }
        Some(text) => match Arn::parse(text) {
            Some(a)
                if a.resource_type == "workflow"
                    && a.region == ctx.tenant.region
                    && a.path.len() == 3 =>
            {
                let pool = if a.is_amazon_owned() {
                    managed_builds(&ctx.tenant.region)
                } else if a.owner == ctx.tenant.account {
                    // The builds of this name only: one range read.
                    let prefix = arn::arn(
                        &ctx.tenant.region,
                        &ctx.tenant.account,
                        &format!("workflow/{}/{}/", a.path[0], a.path[1]),
                    );
                    own_builds_under(ctx, &prefix).await?
                } else {
                    Vec::new()
                };
                let ty = WorkflowType::from_arn_segment(a.path[0]);
                let pattern = VersionPattern::parse(a.path[2]);
                pool.into_iter()
                    .filter(|w| Some(w.ty) == ty && w.nname == a.path[1])
                    .filter(|w| pattern.is_some_and(|p| p.matches(w.version)))
                    .collect()
            }
            _ => Vec::new(),
        },
    };
    let items: Vec<(SortKey, WorkflowSummary)> = builds
        .into_iter()
        .map(|w| (w.sort_key(), build_summary(w)))
        .collect();
    let (items, token) = page_sorted(&page, KeyShape::NAME_TYPE_VERSION_BUILD, items)?;
    Ok(ListWorkflowBuildVersionsResponse {
        workflow_summary_list: Some(items),
        next_token: token,
    })
}

/// A build's item in ListWorkflowBuildVersions (`WorkflowSummary`); no tags when it has none.
fn build_summary(w: WorkflowBuild) -> WorkflowSummary {
    let version = w.version.to_string();
    let ty = w.ty.as_str().to_string();
    let w = w.workflow;
    WorkflowSummary {
        arn: w.arn,
        name: w.name,
        version: Some(version),
        description: w.description,
        change_description: w.change_description,
        r#type: Some(ty),
        owner: w.owner,
        state: None,
        date_created: w.date_created,
        tags: w.tags.filter(|t| !t.is_empty()),
    }
}
