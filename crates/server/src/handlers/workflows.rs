//! Workflow resources: CreateWorkflow, GetWorkflow, ListWorkflows,
//! ListWorkflowBuildVersions, DeleteWorkflow, and the Amazon-managed workflows.

use super::filters::Filters;
use super::json::{str_member, Obj};
use super::stored::{commit_create, create_response, delete_unused, stop_if_dry_run};
use crate::ctx::Ctx;
use crate::idempotency::Idempotency;
use crate::listing::{
    newest_per_group, page_by_key, page_sorted, Grouping, KeyShape, PageRequest, SortKey,
};
use serde_json::{json, Value};
use stepwise_api::arn::{
    self, latest_version_references, normalize_name, Arn, SemVer, VersionPattern,
};
use stepwise_api::time::format_millis;
use stepwise_api::{ApiError, ApiResult, ErrorKind};
use stepwise_store::ResourceKind;
use stepwise_token::OpCode;
use stepwise_workflow::{managed_workflows, parse_document, WorkflowType};

/// A workflow build version as it is kept and shown (the `Workflow` shape) with its sort key.
pub struct WorkflowBuild {
    pub body: Value,
    pub ty: WorkflowType,
    pub nname: String,
    pub version: SemVer,
    pub build: u32,
}

impl WorkflowBuild {
    fn from_body(body: Value) -> Option<WorkflowBuild> {
        let arn = body.get("arn")?.as_str()?.to_string();
        let parsed = Arn::parse(&arn)?;
        let [ty, nname, version, build] = parsed.path[..] else {
            return None;
        };
        Some(WorkflowBuild {
            ty: WorkflowType::from_arn_segment(ty)?,
            nname: nname.to_string(),
            version: SemVer::parse(version)?,
            build: build.parse().ok()?,
            body,
        })
    }

    /// Its place in listings.
    fn sort_key(&self) -> SortKey {
        SortKey::new(self.nname.clone())
            .ty(type_code(self.ty))
            .version(self.version)
            .build(self.build)
    }

    pub fn arn(&self) -> &str {
        self.body
            .get("arn")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    pub fn data(&self) -> &str {
        self.body
            .get("data")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    fn field(&self, key: &str) -> Option<&str> {
        self.body.get(key).and_then(Value::as_str)
    }
}

fn type_code(ty: WorkflowType) -> u8 {
    match ty {
        WorkflowType::Build => 0,
        WorkflowType::Test => 1,
        WorkflowType::Distribution => 2,
    }
}

fn parameters_json(data: &str, ty: WorkflowType) -> Value {
    let Ok(doc) = parse_document(data, ty, usize::MAX) else {
        return json!([]);
    };
    Value::Array(
        doc.parameters
            .iter()
            .map(|p| {
                Obj::new()
                    .set("name", p.name.clone())
                    .set("type", p.ty.as_str())
                    .opt("defaultValue", p.default_value_strings())
                    .opt("description", p.description.clone())
                    .build()
            })
            .collect(),
    )
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
            let body = Obj::new()
                .set("arn", arn)
                .set("name", m.name)
                .set("version", m.version)
                .set("description", m.description)
                .set("type", m.ty.as_str())
                .set("owner", "Amazon")
                .set("data", m.data)
                .set("dateCreated", m.date_created)
                .set("tags", json!({}))
                .set("parameters", parameters_json(m.data, m.ty))
                .build();
            WorkflowBuild::from_body(body)
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
        .filter_map(|r| WorkflowBuild::from_body(r.body))
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
        [t, n, v, b] => (t, n, v, Some(b.parse::<u32>().map_err(|_| not_found())?)),
        _ => return Err(not_found()),
    };
    let ty = WorkflowType::from_arn_segment(ty).ok_or_else(not_found)?;
    let pattern = VersionPattern::parse(version).ok_or_else(not_found)?;
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
    candidates
        .into_iter()
        .filter(|w| w.ty == ty && w.nname == nname && pattern.matches(w.version))
        .filter(|w| build.is_none_or(|b| b == w.build))
        .max_by_key(|w| (w.version, w.build))
        .ok_or_else(not_found)
}

pub async fn create_workflow(ctx: &Ctx<'_>, input: &Value) -> ApiResult<Value> {
    let idem = match Idempotency::check(ctx, input).await? {
        Ok(idem) => idem,
        Err(replay) => return Ok(replay),
    };
    let data = str_member(input, "data");
    let uri = str_member(input, "uri");
    match (data, uri) {
        (Some(_), Some(_)) | (None, None) => {
            return Err(ApiError::new(
                ErrorKind::InvalidParameterCombination,
                "Exactly one of the parameters 'data' and 'uri' must be supplied.",
            ))
        }
        (None, Some(_)) => {
            return Err(ApiError::invalid_value(
                "uri",
                "Only inline data is supported.",
            ));
        }
        (Some(_), None) => {}
    }
    let data = data.unwrap_or_default();
    let name = str_member(input, "name").unwrap_or_default();
    let ty_text = str_member(input, "type").unwrap_or_default();
    let ty = WorkflowType::parse(ty_text).ok_or_else(|| {
        ApiError::invalid_param("type", "It must be BUILD, TEST or DISTRIBUTION.")
    })?;
    let version_text = str_member(input, "semanticVersion").unwrap_or_default();
    let version = SemVer::parse(version_text).ok_or_else(|| {
        ApiError::new(
            ErrorKind::InvalidVersionNumber,
            "The value supplied for parameter 'semanticVersion' is not valid. semanticVersion must match pattern ^[0-9]+\\.[0-9]+\\.[0-9]+$",
        )
    })?;
    parse_document(data, ty, ctx.state.config.max_steps_per_workflow)
        .map_err(|e| ApiError::invalid_value("data", &e.to_string()))?;
    let nname = normalize_name(name);
    let description = str_member(input, "description");
    let kms = str_member(input, "kmsKeyId");
    let prefix = arn::arn(
        &ctx.tenant.region,
        &ctx.tenant.account,
        &format!("workflow/{}/{}", ty.arn_segment(), nname),
    );
    // The builds of this version: one range read.
    let latest = own_builds_under(ctx, &format!("{prefix}/{version}/"))
        .await?
        .into_iter()
        .filter(|w| w.ty == ty && w.nname == nname && w.version == version)
        .max_by_key(|w| w.build);
    if let Some(latest) = &latest {
        if latest.data() == data
            && latest.field("description") == description
            && latest.field("kmsKeyId") == kms
        {
            return Err(ApiError::already_exists("Workflow", latest.arn()));
        }
    }
    stop_if_dry_run(input)?;
    let build = latest.map_or(1, |w| w.build + 1);
    let build_arn = format!("{prefix}/{version}/{build}");
    let body = Obj::new()
        .set("arn", build_arn.clone())
        .set("name", name)
        .set("version", version.to_string())
        .opt("description", description)
        .opt("changeDescription", str_member(input, "changeDescription"))
        .set("type", ty.as_str())
        .set("owner", ctx.tenant.account.clone())
        .set("data", data)
        .opt("kmsKeyId", kms)
        .set("dateCreated", format_millis(ctx.now()))
        .set(
            "tags",
            input.get("tags").cloned().unwrap_or_else(|| json!({})),
        )
        .set("parameters", parameters_json(data, ty))
        .build();
    let response = create_response(input, "workflowBuildVersionArn", &build_arn)
        .set(
            "latestVersionReferences",
            latest_version_references(&prefix, version),
        )
        .build();
    commit_create(
        ctx,
        idem,
        ResourceKind::Workflow,
        &build_arn,
        body,
        response,
        Vec::new(),
    )
    .await
}

pub async fn get_workflow(ctx: &Ctx<'_>, input: &Value) -> ApiResult<Value> {
    let arn_text = str_member(input, "workflowBuildVersionArn").unwrap_or_default();
    let w = resolve(ctx, arn_text).await?;
    let prefix = arn::arn(
        Arn::parse(w.arn()).map(|a| a.region).unwrap_or_default(),
        Arn::parse(w.arn()).map(|a| a.owner).unwrap_or_default(),
        &format!("workflow/{}/{}", w.ty.arn_segment(), w.nname),
    );
    Ok(Obj::new()
        .set("workflow", w.body.clone())
        .set(
            "latestVersionReferences",
            latest_version_references(&prefix, w.version),
        )
        .build())
}

fn version_summary(w: &WorkflowBuild, arn: String, version: String) -> Value {
    Obj::new()
        .set("arn", arn)
        .opt("name", w.field("name"))
        .set("version", version)
        .opt("description", w.field("description"))
        .set("type", w.ty.as_str())
        .opt("owner", w.field("owner"))
        .opt("dateCreated", w.field("dateCreated"))
        .build()
}

pub async fn list_workflows(ctx: &Ctx<'_>, input: &Value) -> ApiResult<Value> {
    let owner = str_member(input, "owner").unwrap_or("Self");
    let by_name = input
        .get("byName")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let filters = Filters::from_input(input, &["name", "version", "description", "type"])?;
    if matches!(owner, "Shared" | "ThirdParty") {
        return Err(ApiError::invalid_param(
            "owner",
            &format!("Listing workflows owned by '{owner}' is not supported."),
        ));
    }
    if by_name && filters.has("version") {
        return Err(ApiError::invalid_param(
            "filters",
            "The 'version' filter cannot be combined with byName.",
        ));
    }
    let mut binding = serde_json::Map::new();
    binding.insert("owner".into(), json!(owner));
    binding.insert("byName".into(), json!(by_name));
    if let Some(f) = input.get("filters") {
        binding.insert("filters".into(), f.clone());
    }
    let page = PageRequest::new(ctx, OpCode::ListWorkflows, Value::Object(binding), input);
    // The newest build of each version (or, by name, of each name's newest version), if the
    // filters take it.
    let shown = |w: WorkflowBuild| {
        let version = w.version.to_string();
        let kept = filters.matches(|f| match f {
            "name" => w.field("name"),
            "version" => Some(version.as_str()),
            "description" => w.field("description"),
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
        let (arn, key_version) = if by_name {
            (format!("{prefix}/x.x.x"), SemVer(0, 0, 0))
        } else {
            (format!("{prefix}/{}", w.version), w.version)
        };
        let key = SortKey::new(w.nname.clone())
            .ty(type_code(w.ty))
            .version(key_version);
        Some((key, version_summary(&w, arn, version)))
    };
    let grouping = if by_name {
        Grouping::Name
    } else {
        Grouping::Version
    };
    let (items, token) = match owner {
        "Amazon" | "AWSMarketplace" => {
            let builds = if owner == "Amazon" {
                managed_builds(&ctx.tenant.region)
            } else {
                Vec::new()
            };
            let best = newest_per_group(
                builds,
                |w| grouping.group_of(&w.sort_key()),
                |w| (w.version, w.build),
            );
            let items = best.into_iter().filter_map(shown).collect();
            page_sorted(&page, KeyShape::NAME_TYPE_VERSION, items)?
        }
        _ => {
            page_by_key(
                &page,
                ResourceKind::Workflow,
                KeyShape::NAME_TYPE_VERSION,
                grouping,
                |r, _| Ok(WorkflowBuild::from_body(r.body).and_then(shown)),
            )
            .await?
        }
    };
    Ok(Obj::new()
        .set("workflowVersionList", items)
        .opt("nextToken", token)
        .build())
}

pub async fn list_workflow_build_versions(ctx: &Ctx<'_>, input: &Value) -> ApiResult<Value> {
    let arn_text = str_member(input, "workflowVersionArn");
    let mut binding = serde_json::Map::new();
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
                    let build = WorkflowBuild::from_body(r.body);
                    Ok(build.map(|w| (key.clone(), build_summary(&w))))
                },
            )
            .await?;
            return Ok(Obj::new()
                .set("workflowSummaryList", items)
                .opt("nextToken", token)
                .build());
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
    let items: Vec<(SortKey, Value)> = builds
        .into_iter()
        .map(|w| (w.sort_key(), build_summary(&w)))
        .collect();
    let (items, token) = page_sorted(&page, KeyShape::NAME_TYPE_VERSION_BUILD, items)?;
    Ok(Obj::new()
        .set("workflowSummaryList", items)
        .opt("nextToken", token)
        .build())
}

/// A build's item in ListWorkflowBuildVersions (`WorkflowSummary`).
fn build_summary(w: &WorkflowBuild) -> Value {
    let tags = w
        .body
        .get("tags")
        .filter(|t| t.as_object().is_some_and(|o| !o.is_empty()));
    Obj::new()
        .set("arn", w.arn())
        .opt("name", w.field("name"))
        .set("version", w.version.to_string())
        .opt("description", w.field("description"))
        .opt("changeDescription", w.field("changeDescription"))
        .set("type", w.ty.as_str())
        .opt("owner", w.field("owner"))
        .opt("dateCreated", w.field("dateCreated"))
        .opt("tags", tags.cloned())
        .build()
}

pub async fn delete_workflow(ctx: &Ctx<'_>, input: &Value) -> ApiResult<Value> {
    let arn_text = str_member(input, "workflowBuildVersionArn").unwrap_or_default();
    let parsed = Arn::parse(arn_text).ok_or_else(|| ApiError::not_found(arn_text))?;
    if parsed.is_amazon_owned() {
        return Err(ApiError::new(
            ErrorKind::Forbidden,
            format!("The Amazon-managed workflow '{arn_text}' cannot be deleted."),
        ));
    }
    delete_unused(ctx, ResourceKind::Workflow, arn_text, |r| {
        r.plan.iter().any(|p| p.workflow_arn == arn_text)
    })
    .await?;
    Ok(json!({ "workflowBuildVersionArn": arn_text }))
}
