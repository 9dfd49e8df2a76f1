//! Components: CreateComponent, ImportComponent, GetComponent, ListComponents,
//! ListComponentBuildVersions, DeleteComponent, and the Amazon-managed components. A
//! component build is `component/<name>/<x.y.z>/<build>`; its document is an AWSTOE
//! document (`stepwise_workflow::component`), checked at create.

use super::family::{self, inline_document, Allocated, StoredResource};
use super::filters::Filters;
use super::stored::{claim, stored_body};
use super::typed;
use super::versions::{list_versions, newest_matching, version_and_build, version_item_arn, Build};
use crate::ctx::Ctx;
use crate::listing::{page_by_key, page_sorted, Grouping, KeyShape, PageRequest, SortKey};
use serde_json::{json, Map, Value};
use stepwise_api::arn::{self, latest_version_references, normalize_name, Arn, SemVer};
use stepwise_api::error::invalid_param_message;
use stepwise_api::model::{
    Component, ComponentParameter, ComponentParameterDetail, ComponentState, ComponentSummary,
    ComponentVersion, CreateComponentRequest, CreateComponentResponse, DeleteComponentRequest,
    DeleteComponentResponse, GetComponentRequest, GetComponentResponse, ImportComponentRequest,
    ImportComponentResponse, LatestVersionReferences, ListComponentBuildVersionsRequest,
    ListComponentBuildVersionsResponse, ListComponentsRequest, ListComponentsResponse,
};
use stepwise_api::time::format_millis;
use stepwise_api::{ApiError, ApiResult, ErrorKind};
use stepwise_engine::ImageRecord;
use stepwise_engine::{PlannedComponent, PlannedComponentStep, PlannedPhase};
use stepwise_store::{ResourceKind, Write};
use stepwise_token::OpCode;
use stepwise_workflow::component::{managed::managed_components, parse_component, PHASES};

/// A component build as it is kept and shown (the `Component` shape).
pub struct ComponentBuild {
    pub component: Component,
    /// Its stored body; `None` for one of Amazon's managed components, which are not stored.
    pub stored: Option<Value>,
    pub nname: String,
    pub version: SemVer,
    pub build: u32,
}

impl Build for ComponentBuild {
    const KIND: ResourceKind = ResourceKind::Component;
    const VERSION_KEY: KeyShape = KeyShape::NAME_VERSION;

    fn from_body(body: &Value) -> Option<ComponentBuild> {
        Self::of(typed(body).ok()?)
    }

    fn sort_key(&self) -> SortKey {
        SortKey::new(self.nname.clone())
            .version(self.version)
            .build(self.build)
    }

    fn rank(&self) -> (SemVer, u32) {
        (self.version, self.build)
    }
}

impl ComponentBuild {
    fn of(component: Component) -> Option<ComponentBuild> {
        let parsed = Arn::parse(component.arn.as_deref()?)?;
        let [nname, version, build] = parsed.path[..] else {
            return None;
        };
        Some(ComponentBuild {
            nname: nname.to_string(),
            version: SemVer::parse(version)?,
            build: build.parse().ok()?,
            component,
            stored: None,
        })
    }

    pub fn arn(&self) -> &str {
        self.component.arn.as_deref().unwrap_or_default()
    }

    pub fn platform(&self) -> &str {
        self.component.platform.as_deref().unwrap_or("Linux")
    }

    /// The write by which a new recipe claims this component, if it is a stored one.
    pub fn claim(&self) -> Option<Write> {
        let body = self.stored.as_ref()?;
        Some(claim(ResourceKind::Component, self.arn(), body))
    }

    /// `component/<name>` under its owner and region, the prefix of its version ARNs.
    fn name_prefix(&self) -> String {
        self.arn()
            .rsplitn(3, '/')
            .nth(2)
            .unwrap_or_default()
            .to_string()
    }
}

/// What GetComponent shows of a document: the component's type, and the parameters it
/// declares. One parse serves both.
fn described(data: &str, platform: &str) -> (String, Vec<ComponentParameterDetail>) {
    let Ok(doc) = parse_component(data, platform) else {
        return ("BUILD".into(), Vec::new());
    };
    let parameters = doc
        .parameters
        .iter()
        .map(|p| ComponentParameterDetail {
            name: Some(p.name.clone()),
            r#type: Some(p.ty.clone()),
            default_value: p.default.clone().map(|d| vec![d]),
            description: p.description.clone(),
        })
        .collect();
    (doc.component_type().to_string(), parameters)
}

fn active() -> ComponentState {
    ComponentState {
        status: Some("ACTIVE".into()),
        reason: None,
    }
}

/// The Amazon-managed components as they appear in `region`. Their documents are parsed
/// once per process: this is read by every recipe and image that names one.
pub fn managed_builds(region: &str) -> Vec<ComponentBuild> {
    static DESCRIBED: std::sync::OnceLock<Vec<(String, Vec<ComponentParameterDetail>)>> =
        std::sync::OnceLock::new();
    let described = DESCRIBED.get_or_init(|| {
        managed_components()
            .iter()
            .map(|m| described(m.data, m.platform))
            .collect()
    });
    managed_components()
        .iter()
        .zip(described)
        .filter_map(|(m, (ty, parameters))| {
            let arn = arn::arn(
                region,
                "aws",
                &format!("component/{}/{}/{}", m.name, m.version, m.build),
            );
            ComponentBuild::of(Component {
                arn: Some(arn),
                name: Some(m.name.to_string()),
                version: Some(m.version.to_string()),
                description: Some(m.description.to_string()),
                r#type: Some(ty.clone()),
                platform: Some(m.platform.to_string()),
                supported_os_versions: Some(
                    m.supported_os_versions
                        .iter()
                        .map(|s| s.to_string())
                        .collect(),
                ),
                state: Some(active()),
                parameters: Some(parameters.clone()),
                owner: Some("Amazon".into()),
                data: Some(m.data.to_string()),
                encrypted: Some(true),
                date_created: Some(m.date_created.to_string()),
                tags: Some(Default::default()),
                ..Default::default()
            })
        })
        .collect()
}

/// The tenancy's component builds whose ARN starts with `prefix` (one range read).
async fn own_builds_under(ctx: &Ctx<'_>, prefix: &str) -> ApiResult<Vec<ComponentBuild>> {
    Ok(ctx
        .state
        .store
        .list_resources_with_prefix(&ctx.tenant, ResourceKind::Component, prefix)
        .await?
        .into_iter()
        .filter_map(|r| {
            let mut build = ComponentBuild::from_body(&r.body)?;
            build.stored = Some(r.body);
            Some(build)
        })
        .collect())
}

/// The builds an ARN of `owner` may name in the caller's region: Amazon's, or the caller's
/// own of the name `nname` (one range read); none of another account.
async fn pool(ctx: &Ctx<'_>, parsed: &Arn<'_>, nname: &str) -> ApiResult<Vec<ComponentBuild>> {
    if parsed.region != ctx.tenant.region {
        return Ok(Vec::new());
    }
    if parsed.is_amazon_owned() {
        return Ok(managed_builds(&ctx.tenant.region));
    }
    if parsed.owner != ctx.tenant.account {
        return Ok(Vec::new());
    }
    let prefix = arn::arn(
        &ctx.tenant.region,
        &ctx.tenant.account,
        &format!("component/{nname}/"),
    );
    own_builds_under(ctx, &prefix).await
}

/// Resolves a build, version or wildcard component ARN, the caller's or Amazon's, to the
/// newest matching build; ResourceNotFoundException if none.
pub async fn resolve(ctx: &Ctx<'_>, arn_text: &str) -> ApiResult<ComponentBuild> {
    let not_found = || ApiError::not_found(arn_text);
    let parsed = Arn::parse(arn_text).ok_or_else(not_found)?;
    if parsed.resource_type != "component" {
        return Err(not_found());
    }
    let (nname, version, build) = match parsed.path[..] {
        [n, v] => (n, v, None),
        [n, v, b] => (n, v, Some(b)),
        _ => return Err(not_found()),
    };
    let (pattern, build) = version_and_build(version, build).ok_or_else(not_found)?;
    let builds = pool(ctx, &parsed, nname).await?;
    newest_matching(
        builds.into_iter().filter(|c| c.nname == nname),
        |c| (c.version, c.build),
        pattern,
        build,
    )
    .ok_or_else(not_found)
}

/// Checks the parameters a recipe gives the component at `components[index]` against those
/// its document declares: each given one declared and given one value, each declared one
/// without a default given. (AWS refuses an undeclared one with
/// InvalidParameterCombinationException; Decision: a missing one alike.)
pub fn check_parameters(
    component: &ComponentBuild,
    given: Option<&[ComponentParameter]>,
    index: usize,
) -> ApiResult<()> {
    let member = format!("components[{index}].parameters");
    let declared = component
        .component
        .parameters
        .as_deref()
        .unwrap_or_default();
    let given = given.unwrap_or_default();
    let is_declared = |name: &str| declared.iter().any(|d| d.name.as_deref() == Some(name));
    let unknown: Vec<&str> = given
        .iter()
        .filter_map(|p| p.name.as_deref())
        .filter(|n| !is_declared(n))
        .collect();
    if !unknown.is_empty() {
        return Err(ApiError::new(
            ErrorKind::InvalidParameterCombination,
            invalid_param_message(
                &member,
                &format!(
                    "The following parameters are not defined in the provided component: {}",
                    unknown.join(", ")
                ),
            ),
        ));
    }
    let missing: Vec<&str> = declared
        .iter()
        .filter(|d| d.default_value.is_none())
        .filter_map(|d| d.name.as_deref())
        .filter(|n| !given.iter().any(|p| p.name.as_deref() == Some(*n)))
        .collect();
    if !missing.is_empty() {
        return Err(ApiError::new(
            ErrorKind::InvalidParameterCombination,
            invalid_param_message(
                &member,
                &format!(
                    "The following parameters of the component have no default value and must be given: {}",
                    missing.join(", ")
                ),
            ),
        ));
    }
    for (j, p) in given.iter().enumerate() {
        let count = p.value.as_ref().map_or(0, Vec::len);
        if count != 1 {
            return Err(ApiError::invalid_value(
                &format!("{member}[{j}].value"),
                &format!(
                    "The parameter '{}' is a string and takes one value; {count} were given.",
                    p.name.as_deref().unwrap_or_default()
                ),
            ));
        }
    }
    Ok(())
}

/// The recipe's components (`recipe` is its stored body) as a build runs them: each one's
/// build, resolved now, with the phases Image Builder runs and the simulated seconds of each
/// step; and the writes that claim the stored ones, so that none is deleted under the image.
pub async fn plan_components(
    ctx: &Ctx<'_>,
    recipe: &Value,
) -> ApiResult<(Vec<PlannedComponent>, Vec<Write>)> {
    let mut planned = Vec::new();
    let mut claims = Vec::new();
    let named = recipe["components"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["componentArn"].as_str());
    for arn_text in named {
        let component = resolve(ctx, arn_text).await?;
        let doc = parse_component(
            component.component.data.as_deref().unwrap_or_default(),
            component.platform(),
        )
        .map_err(|e| ApiError::internal(format!("stored component document {arn_text}: {e}")))?;
        let phases = doc
            .phases
            .iter()
            .filter(|p| PHASES.contains(&p.name.as_str()))
            .map(|p| PlannedPhase {
                name: p.name.clone(),
                steps: p
                    .steps
                    .iter()
                    .map(|s| PlannedComponentStep {
                        name: s.name.clone(),
                        action: s.module.name.to_string(),
                        seconds: u64::from(s.module.seconds) * u64::from(s.runs),
                        on_failure: format!("{:?}", s.on_failure),
                    })
                    .collect(),
            })
            .collect();
        claims.extend(component.claim());
        planned.push(PlannedComponent {
            arn: component.arn().to_string(),
            name: component.component.name.clone().unwrap_or_default(),
            phases,
        });
    }
    Ok((planned, claims))
}

pub(super) struct Components;

/// A create's document: inline only.
fn document(input: &CreateComponentRequest) -> ApiResult<&str> {
    inline_document(input.data.as_deref(), input.uri.as_deref())
}

fn create_version(input: &CreateComponentRequest) -> ApiResult<SemVer> {
    let text = input.semantic_version.as_deref().unwrap_or_default();
    SemVer::parse(text)
        .ok_or_else(|| ApiError::internal(format!("semanticVersion '{text}' passed validation")))
}

fn platform(input: &CreateComponentRequest) -> &str {
    input.platform.as_deref().unwrap_or("Linux")
}

impl StoredResource for Components {
    type Create = CreateComponentRequest;
    type CreateOutput = CreateComponentResponse;
    type Get = GetComponentRequest;
    type GetOutput = GetComponentResponse;
    type Delete = DeleteComponentRequest;
    type DeleteOutput = DeleteComponentResponse;

    const KIND: ResourceKind = ResourceKind::Component;
    const NAME: &'static str = "Component";
    const ARN_TYPE: &'static str = "component";
    const ARN_MEMBER: &'static str = "componentBuildVersionArn";
    const GET_MEMBER: &'static str = "component";

    fn get_arn(input: &Self::Get) -> &str {
        input
            .component_build_version_arn
            .as_deref()
            .unwrap_or_default()
    }

    fn delete_arn(input: &Self::Delete) -> &str {
        input
            .component_build_version_arn
            .as_deref()
            .unwrap_or_default()
    }

    fn dry_run(input: &Self::Create) -> Option<bool> {
        input.dry_run
    }

    /// Inline data only, and a valid document for the component's platform.
    fn check(_ctx: &Ctx<'_>, input: &Self::Create) -> ApiResult<()> {
        let data = document(input)?;
        create_version(input)?;
        parse_component(data, platform(input))
            .map_err(|e| ApiError::invalid_value("data", &e.to_string()))?;
        Ok(())
    }

    /// The next build of the version. (Decision, as AWS does since its automatic build
    /// versioning: creating a version that exists adds a build rather than failing.)
    async fn allocate(ctx: &Ctx<'_>, input: &Self::Create) -> ApiResult<Allocated> {
        let version = create_version(input)?;
        let nname = normalize_name(input.name.as_deref().unwrap_or_default());
        let prefix = arn::arn(
            &ctx.tenant.region,
            &ctx.tenant.account,
            &format!("component/{nname}"),
        );
        let latest = own_builds_under(ctx, &format!("{prefix}/{version}/"))
            .await?
            .into_iter()
            .filter(|c| c.nname == nname && c.version == version)
            .map(|c| c.build)
            .max();
        let build = latest.map_or(1, |b| b + 1);
        Ok(Allocated {
            arn: format!("{prefix}/{version}/{build}"),
            references: Some(latest_version_references(&prefix, version)),
        })
    }

    async fn draft(ctx: &Ctx<'_>, input: &Self::Create, arn: &str) -> ApiResult<Value> {
        let data = document(input)?;
        let platform = platform(input);
        let (ty, parameters) = described(data, platform);
        stored_body(&Component {
            arn: Some(arn.to_string()),
            name: input.name.clone(),
            version: Some(create_version(input)?.to_string()),
            description: input.description.clone(),
            change_description: input.change_description.clone(),
            r#type: Some(ty),
            platform: Some(platform.to_string()),
            supported_os_versions: input.supported_os_versions.clone(),
            state: Some(active()),
            parameters: Some(parameters),
            owner: Some(ctx.tenant.account.clone()),
            data: Some(data.to_string()),
            kms_key_id: input.kms_key_id.clone(),
            encrypted: Some(true),
            date_created: Some(format_millis(ctx.now())),
            tags: Some(input.tags.clone().unwrap_or_default()),
            ..Default::default()
        })
    }

    /// A build, version or wildcard ARN, the caller's or Amazon's: the newest match.
    async fn resolve(
        ctx: &Ctx<'_>,
        arn_text: &str,
    ) -> ApiResult<(Value, Option<LatestVersionReferences>)> {
        let c = resolve(ctx, arn_text).await?;
        let references = latest_version_references(&c.name_prefix(), c.version);
        Ok((stored_body(&c.component)?, Some(references)))
    }

    /// Amazon's components are not the caller's to delete.
    fn check_delete(arn_text: &str) -> ApiResult<()> {
        let parsed = Arn::parse(arn_text).ok_or_else(|| ApiError::not_found(arn_text))?;
        if parsed.is_amazon_owned() {
            return Err(ApiError::new(
                ErrorKind::Forbidden,
                format!("The Amazon-managed component '{arn_text}' cannot be deleted."),
            ));
        }
        Ok(())
    }

    async fn dependent(ctx: &Ctx<'_>, arn: &str) -> ApiResult<Option<String>> {
        Ok(recipe_using(ctx, arn)
            .await?
            .map(|recipe| format!("image recipe '{recipe}'")))
    }

    /// The builds an image runs were resolved at its CreateImage.
    fn uses(image: &ImageRecord, arn: &str) -> bool {
        image.components.iter().flatten().any(|c| c.arn == arn)
    }
}

pub async fn create_component(
    ctx: &Ctx<'_>,
    input: &CreateComponentRequest,
) -> ApiResult<CreateComponentResponse> {
    family::create::<Components>(ctx, input).await
}

/// The document ImportComponent makes of a script (Decision, AWS documents none): one
/// phase (`build` for a BUILD component, `test` for a TEST one) with one step that runs the
/// script, with ExecuteBash, or ExecutePowerShell on Windows.
pub fn document_of_script(name: &str, script: &str, ty: &str, platform: &str) -> String {
    let phase = if ty == "TEST" { "test" } else { "build" };
    let action = if platform == "Windows" {
        "ExecutePowerShell"
    } else {
        "ExecuteBash"
    };
    // JSON strings are YAML double-quoted scalars: any script text survives as it is.
    let quoted = |s: &str| serde_json::to_string(s).unwrap_or_default();
    format!(
        "name: {}\ndescription: Imported from a shell script.\nschemaVersion: 1.0\nphases:\n  - name: {phase}\n    steps:\n      - name: RunScript\n        action: {action}\n        inputs:\n          commands:\n            - {}\n",
        quoted(name),
        quoted(script)
    )
}

pub async fn import_component(
    ctx: &Ctx<'_>,
    input: &ImportComponentRequest,
) -> ApiResult<ImportComponentResponse> {
    let script = inline_document(input.data.as_deref(), input.uri.as_deref())?;
    let platform = input.platform.as_deref().unwrap_or("Linux");
    let data = document_of_script(
        input.name.as_deref().unwrap_or_default(),
        script,
        input.r#type.as_deref().unwrap_or("BUILD"),
        platform,
    );
    let create = CreateComponentRequest {
        name: input.name.clone(),
        semantic_version: input.semantic_version.clone(),
        description: input.description.clone(),
        change_description: input.change_description.clone(),
        platform: input.platform.clone(),
        supported_os_versions: None,
        data: Some(data),
        uri: None,
        kms_key_id: input.kms_key_id.clone(),
        tags: input.tags.clone(),
        client_token: input.client_token.clone(),
        dry_run: None,
    };
    let created = family::create_as::<Components>(ctx, input, &create).await?;
    Ok(ImportComponentResponse {
        request_id: None,
        client_token: created.client_token,
        component_build_version_arn: created.component_build_version_arn,
    })
}

pub async fn get_component(
    ctx: &Ctx<'_>,
    input: &GetComponentRequest,
) -> ApiResult<GetComponentResponse> {
    family::get::<Components>(ctx, input).await
}

/// DeleteComponent: refused while a recipe names the build (exactly, or by a version
/// pattern that resolves to it now) or an unfinished image runs it (the generic delete). A
/// recipe created meanwhile claimed the component, so the delete, guarded by the revision
/// read before the recipes were, conflicts and is decided again.
pub async fn delete_component(
    ctx: &Ctx<'_>,
    input: &DeleteComponentRequest,
) -> ApiResult<DeleteComponentResponse> {
    family::delete::<Components>(ctx, input).await
}

/// The first recipe of the tenancy whose components include the build `arn_text`.
async fn recipe_using(ctx: &Ctx<'_>, arn_text: &str) -> ApiResult<Option<String>> {
    let recipes = ctx
        .state
        .store
        .list_resources(&ctx.tenant, ResourceKind::ImageRecipe)
        .await?;
    for recipe in recipes {
        let named = recipe.body["components"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["componentArn"].as_str());
        for named in named {
            if named == arn_text
                || (Arn::parse(named).is_some_and(|a| a.resource_type == "component")
                    && resolve(ctx, named).await.is_ok_and(|c| c.arn() == arn_text))
            {
                return Ok(Some(recipe.arn));
            }
        }
    }
    Ok(None)
}

/// A version's item in ListComponents, from its newest build.
fn version_item(c: &ComponentBuild, arn: String, version: String) -> ComponentVersion {
    let m = &c.component;
    ComponentVersion {
        arn: Some(arn),
        name: m.name.clone(),
        version: Some(version),
        description: m.description.clone(),
        platform: m.platform.clone(),
        supported_os_versions: m.supported_os_versions.clone(),
        r#type: m.r#type.clone(),
        owner: m.owner.clone(),
        date_created: m.date_created.clone(),
        status: Some("ACTIVE".into()),
        product_codes: None,
    }
}

/// The filters ListComponents accepts.
const LIST_FILTERS: [&str; 6] = [
    "description",
    "name",
    "platform",
    "supportedOsVersion",
    "type",
    "version",
];

pub async fn list_components(
    ctx: &Ctx<'_>,
    input: &ListComponentsRequest,
) -> ApiResult<ListComponentsResponse> {
    let owner = input.owner.as_deref().unwrap_or("Self");
    let by_name = input.by_name.unwrap_or(false);
    let filters = Filters::from_input(input.filters.as_deref().unwrap_or_default(), &LIST_FILTERS)?;
    let bound = filters.owner_and_by_name(owner, by_name)?;
    let page = PageRequest::new(
        ctx,
        OpCode::ListComponents,
        filters.binding_with(bound),
        input,
    );
    let shown = |c: ComponentBuild| {
        let version = c.version.to_string();
        let m = &c.component;
        let kept = filters.matches_any(|f| match f {
            "name" => m.name.clone().into_iter().collect(),
            "version" => vec![version.clone()],
            "description" => m.description.clone().into_iter().collect(),
            "platform" => m.platform.clone().into_iter().collect(),
            "type" => m.r#type.clone().into_iter().collect(),
            "supportedOsVersion" => m.supported_os_versions.clone().unwrap_or_default(),
            _ => Vec::new(),
        });
        if !kept {
            return None;
        }
        let (arn, key_version) = version_item_arn(&c.name_prefix(), c.version, by_name);
        let key = SortKey::new(c.nname.clone()).version(key_version);
        Some((key, version_item(&c, arn, version)))
    };
    let (items, token) = list_versions(
        &page,
        owner,
        by_name,
        || managed_builds(&ctx.tenant.region),
        shown,
    )
    .await?;
    Ok(ListComponentsResponse {
        request_id: None,
        component_version_list: Some(items),
        next_token: token,
    })
}

pub async fn list_component_build_versions(
    ctx: &Ctx<'_>,
    input: &ListComponentBuildVersionsRequest,
) -> ApiResult<ListComponentBuildVersionsResponse> {
    let arn_text = input.component_version_arn.as_deref();
    let mut binding = Map::new();
    if let Some(a) = arn_text {
        binding.insert("componentVersionArn".into(), json!(a));
    }
    let page = PageRequest::new(
        ctx,
        OpCode::ListComponentBuildVersions,
        Value::Object(binding),
        input,
    );
    let builds: Vec<ComponentBuild> = match arn_text {
        None => {
            let (items, token) = page_by_key(
                &page,
                ResourceKind::Component,
                KeyShape::NAME_VERSION_BUILD,
                Grouping::Each,
                |r, key| {
                    let build = ComponentBuild::from_body(&r.body);
                    Ok(build.map(|c| (key.clone(), build_summary(c))))
                },
            )
            .await?;
            return Ok(ListComponentBuildVersionsResponse {
                request_id: None,
                component_summary_list: Some(items),
                next_token: token,
            });
        }
        // An ARN that names no version lists nothing (as ListWorkflowBuildVersions).
        Some(text) => match Arn::parse(text) {
            Some(a) if a.resource_type == "component" && a.path.len() == 2 => {
                let version = SemVer::parse(a.path[1]);
                pool(ctx, &a, a.path[0])
                    .await?
                    .into_iter()
                    .filter(|c| c.nname == a.path[0] && Some(c.version) == version)
                    .collect()
            }
            _ => Vec::new(),
        },
    };
    let items: Vec<(SortKey, ComponentSummary)> = builds
        .into_iter()
        .map(|c| (c.sort_key(), build_summary(c)))
        .collect();
    let (items, token) = page_sorted(&page, KeyShape::NAME_VERSION_BUILD, items)?;
    Ok(ListComponentBuildVersionsResponse {
        request_id: None,
        component_summary_list: Some(items),
        next_token: token,
    })
}

/// A build's item in ListComponentBuildVersions.
fn build_summary(c: ComponentBuild) -> ComponentSummary {
    let m = c.component;
    ComponentSummary {
        arn: m.arn,
        name: m.name,
        version: m.version,
        platform: m.platform,
        supported_os_versions: m.supported_os_versions,
        state: m.state,
        r#type: m.r#type,
        owner: m.owner,
        description: m.description,
        change_description: m.change_description,
        date_created: m.date_created,
        tags: m.tags,
        publisher: m.publisher,
        obfuscate: m.obfuscate,
    }
}

#[cfg(test)]
mod tests {
    use crate::handlers::testkit::Kit;
    use serde_json::{json, Value};
    use stepwise_api::ErrorKind;

    const US: &str = "arn:aws:imagebuilder:us-east-1:123456789012";
    const DOC: &str = "schemaVersion: 1.0\nparameters:\n  - Greeting:\n      type: string\n  - Target:\n      type: string\n      default: world\nphases:\n  - name: build\n    steps:\n      - name: Say\n        action: ExecuteBash\n        inputs:\n          commands: ['echo {{ Greeting }} {{ Target }}']\n";

    fn create(kit: &Kit, name: &str, version: &str, data: &str) -> Value {
        kit.ok(
            "CreateComponent",
            json!({"name": name, "semanticVersion": version, "platform": "Linux", "data": data,
                   "clientToken": uuid::Uuid::new_v4().to_string()}),
        )
    }

    #[test]
    fn create_get_and_build_versions() {
        let kit = Kit::new();
        let out = create(&kit, "Hello World", "1.2.0", DOC);
        assert_eq!(
            out["componentBuildVersionArn"],
            json!(format!("{US}:component/hello-world/1.2.0/1"))
        );
        assert_eq!(
            out["latestVersionReferences"]["latestMajorVersionArn"],
            json!(format!("{US}:component/hello-world/1.x.x"))
        );
        // The same version again is its next build.
        let again = create(&kit, "Hello World", "1.2.0", DOC);
        assert_eq!(
            again["componentBuildVersionArn"],
            json!(format!("{US}:component/hello-world/1.2.0/2"))
        );
        create(&kit, "Hello World", "1.10.0", DOC);
        let got = kit.ok(
            "GetComponent",
            json!({"componentBuildVersionArn": format!("{US}:component/hello-world/1.2.x")}),
        );
        let c = &got["component"];
        assert_eq!(
            c["arn"],
            json!(format!("{US}:component/hello-world/1.2.0/2"))
        );
        assert_eq!(
            (&c["type"], &c["platform"]),
            (&json!("BUILD"), &json!("Linux"))
        );
        assert_eq!(c["state"], json!({"status": "ACTIVE"}));
        assert_eq!(
            c["parameters"],
            json!([{"name": "Greeting", "type": "string"},
                   {"name": "Target", "type": "string", "defaultValue": ["world"]}])
        );
        assert_eq!(c["data"], json!(DOC));
        let newest = kit.ok(
            "GetComponent",
            json!({"componentBuildVersionArn": format!("{US}:component/hello-world/x.x.x")}),
        );
        assert_eq!(newest["component"]["version"], json!("1.10.0"));
        let builds = kit.list_all(
            "ListComponentBuildVersions",
            "componentSummaryList",
            json!({"componentVersionArn": format!("{US}:component/hello-world/1.2.0")}),
            1,
        );
        let arns: Vec<&str> = builds.iter().map(|b| b["arn"].as_str().unwrap()).collect();
        assert_eq!(
            arns,
            [
                format!("{US}:component/hello-world/1.2.0/2"),
                format!("{US}:component/hello-world/1.2.0/1")
            ]
        );
    }

    #[test]
    fn bad_documents_and_inputs_are_refused_by_name() {
        let kit = Kit::new();
        let e = kit.err(
            "CreateComponent",
            json!({"name": "bad", "semanticVersion": "1.0.0", "platform": "Linux",
                   "data": "schemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: Run\n        action: RunCommand\n",
                   "clientToken": "t1"}),
        );
        assert_eq!(e.kind, ErrorKind::InvalidParameterValue);
        assert_eq!(
            e.message,
            "The value supplied for parameter 'data' is not valid. Step 'Run' in phase 'build' uses the unknown action 'RunCommand'."
        );
        let e = kit.err(
            "CreateComponent",
            json!({"name": "bad", "semanticVersion": "1.0.0", "platform": "Linux",
                   "uri": "s3://bucket/doc.yaml", "data": DOC, "clientToken": "t2"}),
        );
        assert_eq!(e.kind, ErrorKind::InvalidParameterCombination);
        let e = kit.err(
            "CreateComponent",
            json!({"name": "bad", "semanticVersion": "1.0.0", "platform": "Linux",
                   "uri": "s3://bucket/doc.yaml", "clientToken": "t3"}),
        );
        assert_eq!(e.kind, ErrorKind::InvalidParameterValue);
        assert!(e.message.contains("'uri'"), "{}", e.message);
        let mut dry = json!({"name": "dry", "semanticVersion": "1.0.0", "platform": "Linux",
                             "data": DOC, "clientToken": "t4", "dryRun": true});
        assert_eq!(
            kit.err("CreateComponent", dry.clone()).kind,
            ErrorKind::DryRunOperation
        );
        dry["clientToken"] = json!("t5");
        dry["semanticVersion"] = json!("1.0.1073741824");
        assert_eq!(
            kit.err("CreateComponent", dry).kind,
            ErrorKind::InvalidVersionNumber
        );
        let listed = kit.ok("ListComponents", json!({}));
        assert_eq!(listed["componentVersionList"], json!([]));
    }

    #[test]
    fn lists_group_versions_and_amazon_lists_its_own() {
        let kit = Kit::new();
        for v in ["1.0.0", "1.0.0", "2.0.0"] {
            create(&kit, "alpha", v, DOC);
        }
        create(&kit, "beta", "0.1.0", DOC);
        let all = kit.list_all("ListComponents", "componentVersionList", json!({}), 1);
        let arns: Vec<&str> = all.iter().map(|c| c["arn"].as_str().unwrap()).collect();
        assert_eq!(
            arns,
            [
                format!("{US}:component/alpha/2.0.0"),
                format!("{US}:component/alpha/1.0.0"),
                format!("{US}:component/beta/0.1.0")
            ]
        );
        let by_name = kit.ok("ListComponents", json!({"byName": true}));
        let by_name: Vec<(&str, &str)> = by_name["componentVersionList"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["arn"].as_str().unwrap(), c["version"].as_str().unwrap()))
            .collect();
        assert_eq!(
            by_name,
            [
                (format!("{US}:component/alpha/x.x.x").as_str(), "2.0.0"),
                (format!("{US}:component/beta/x.x.x").as_str(), "0.1.0")
            ]
        );
        let amazon = kit.ok(
            "ListComponents",
            json!({"owner": "Amazon", "maxResults": 100}),
        );
        let names: Vec<&str> = amazon["componentVersionList"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert!(
            names.len() >= 10 && names.contains(&"update-linux"),
            "{names:?}"
        );
        let tests = kit.ok(
            "ListComponents",
            json!({"owner": "Amazon", "filters": [{"name": "type", "values": ["TEST"]},
                                                  {"name": "supportedOsVersion", "values": ["Amazon Linux 2023"]}]}),
        );
        assert!(tests["componentVersionList"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["type"] == json!("TEST")));
        for owner in ["Shared", "ThirdParty", "AWSMarketplace"] {
            let none = kit.ok("ListComponents", json!({"owner": owner}));
            assert_eq!(none["componentVersionList"], json!([]), "{owner}");
        }
        let e = kit.err(
            "ListComponents",
            json!({"byName": true, "filters": [{"name": "version", "values": ["1.0.0"]}]}),
        );
        assert_eq!(e.kind, ErrorKind::InvalidRequest);
    }

    #[test]
    fn recipes_resolve_components_and_check_their_parameters() {
        let kit = Kit::new();
        create(&kit, "greeter", "1.0.0", DOC);
        let recipe = |name: &str, components: Value| {
            json!({"name": name, "semanticVersion": "1.0.0", "parentImage": "ami-0123456789abcdef0",
                   "components": components, "clientToken": uuid::Uuid::new_v4().to_string()})
        };
        let greeter = format!("{US}:component/greeter/x.x.x");
        let ok = kit.call(
            "CreateImageRecipe",
            recipe(
                "uses",
                json!([{"componentArn": greeter,
                                   "parameters": [{"name": "Greeting", "value": ["hi"]}]}]),
            ),
        );
        assert!(ok.is_ok(), "{ok:?}");
        for (components, kind, words) in [
            (
                json!([{"componentArn": format!("{US}:component/nothing/1.0.0/1")}]),
                ErrorKind::ResourceNotFound,
                "nothing",
            ),
            (
                json!([{"componentArn": greeter}]),
                ErrorKind::InvalidParameterCombination,
                "must be given: Greeting",
            ),
            (
                json!([{"componentArn": greeter, "parameters": [{"name": "Greeting", "value": ["a"]}, {"name": "Colour", "value": ["b"]}]}]),
                ErrorKind::InvalidParameterCombination,
                "not defined in the provided component: Colour",
            ),
            (
                json!([{"componentArn": greeter, "parameters": [{"name": "Greeting", "value": ["a", "b"]}]}]),
                ErrorKind::InvalidParameterValue,
                "'components[0].parameters[0].value'",
            ),
            (
                json!([{"componentArn": "arn:aws:imagebuilder:us-east-1:aws:component/update-windows/x.x.x"}]),
                ErrorKind::InvalidParameterValue,
                "is for Windows",
            ),
        ] {
            let e = kit.err("CreateImageRecipe", recipe("refused", components));
            assert_eq!(e.kind, kind, "{}", e.message);
            assert!(e.message.contains(words), "{}", e.message);
        }
        // A component a recipe names (here by a pattern that resolves to it) stays.
        let build = format!("{US}:component/greeter/1.0.0/1");
        let e = kit.err(
            "DeleteComponent",
            json!({"componentBuildVersionArn": build}),
        );
        assert_eq!(e.kind, ErrorKind::ResourceDependency);
        kit.ok(
            "DeleteImageRecipe",
            json!({"imageRecipeArn": format!("{US}:image-recipe/uses/1.0.0")}),
        );
        kit.ok(
            "DeleteComponent",
            json!({"componentBuildVersionArn": build}),
        );
        let e = kit.err("GetComponent", json!({"componentBuildVersionArn": build}));
        assert_eq!(e.kind, ErrorKind::ResourceNotFound);
        let e = kit.err(
            "DeleteComponent",
            json!({"componentBuildVersionArn": "arn:aws:imagebuilder:us-east-1:aws:component/update-linux/1.0.2/1"}),
        );
        assert_eq!(e.kind, ErrorKind::Forbidden);
    }

    #[test]
    fn import_turns_a_script_into_a_document() {
        let kit = Kit::new();
        let out = kit.ok(
            "ImportComponent",
            json!({"name": "from-script", "semanticVersion": "1.0.0", "type": "TEST",
                   "format": "SHELL", "platform": "Linux",
                   "data": "#!/bin/bash\necho \"it's fine\"\nexit 0\n", "clientToken": "imp"}),
        );
        assert_eq!(
            out,
            json!({"clientToken": "imp", "componentBuildVersionArn": format!("{US}:component/from-script/1.0.0/1")})
        );
        let again = kit.ok(
            "ImportComponent",
            json!({"name": "from-script", "semanticVersion": "1.0.0", "type": "TEST",
                   "format": "SHELL", "platform": "Linux",
                   "data": "#!/bin/bash\necho \"it's fine\"\nexit 0\n", "clientToken": "imp"}),
        );
        assert_eq!(again, out, "the same token replays");
        let e = kit.err(
            "ImportComponent",
            json!({"name": "from-script", "semanticVersion": "1.0.0", "type": "BUILD",
                   "format": "SHELL", "platform": "Linux", "data": "echo", "clientToken": "imp"}),
        );
        assert_eq!(e.kind, ErrorKind::IdempotentParameterMismatch);
        let c = kit.ok(
            "GetComponent",
            json!({"componentBuildVersionArn": format!("{US}:component/from-script/1.0.0/1")}),
        )["component"]
            .clone();
        assert_eq!(c["type"], json!("TEST"));
        let doc =
            stepwise_workflow::component::parse_component(c["data"].as_str().unwrap(), "Linux")
                .unwrap();
        assert_eq!(doc.phases[0].name, "test");
        assert_eq!(doc.phases[0].steps[0].module.name, "ExecuteBash");
        assert!(c["data"]
            .as_str()
            .unwrap()
            .contains(r##""#!/bin/bash\necho \"it's fine\"\nexit 0\n""##));
    }
}
