//! Image recipes: CreateImageRecipe, GetImageRecipe, ListImageRecipes, DeleteImageRecipe
//! (spec §4.2), and the recipe resolution CreateImage shares.

use super::filters::Filters;
use super::stored::{
    commit_create, delete_unused, ensure_absent, snapshot_of, stop_if_dry_run, stored_body,
};
use super::typed;
use crate::ctx::Ctx;
use crate::idempotency::Idempotency;
use crate::listing::{page_by_key, page_sorted, Grouping, KeyShape, PageRequest};
use serde_json::{json, Map, Value};
use std::collections::HashSet;
use stepwise_api::arn::{
    self, latest_version_references, normalize_name, Arn, SemVer, VersionPattern,
};
use stepwise_api::model::{
    CreateImageRecipeRequest, CreateImageRecipeResponse, DeleteImageRecipeRequest,
    DeleteImageRecipeResponse, GetImageRecipeRequest, GetImageRecipeResponse, ImageRecipe,
    ImageRecipeSummary, ListImageRecipesRequest, ListImageRecipesResponse,
};
use stepwise_api::time::format_millis;
use stepwise_api::{ApiError, ApiResult};
use stepwise_store::{Resource, ResourceKind, Write};
use stepwise_token::OpCode;

/// Spec §4.2 (Decision): `Windows` if the parent image mentions windows, `macOS` if it
/// mentions mac, else `Linux` (case-insensitive).
pub(super) fn infer_platform(parent_image: &str) -> &'static str {
    let lower = parent_image.to_ascii_lowercase();
    if lower.contains("windows") {
        "Windows"
    } else if lower.contains("mac") {
        "macOS"
    } else {
        "Linux"
    }
}

/// A stored recipe with its identity.
struct Recipe {
    nname: String,
    version: SemVer,
    body: Value,
    arn: String,
    revision: i64,
}

/// A stored recipe read back with its identity (`None` for an ARN of another shape).
fn recipe_of(r: Resource) -> Option<Recipe> {
    let a = Arn::parse(&r.arn)?;
    let [nname, version] = a.path[..] else {
        return None;
    };
    Some(Recipe {
        nname: nname.to_string(),
        version: SemVer::parse(version)?,
        body: r.body,
        arn: r.arn.clone(),
        revision: r.revision,
    })
}

fn recipe_prefix(ctx: &Ctx<'_>, nname: &str) -> String {
    arn::arn(
        &ctx.tenant.region,
        &ctx.tenant.account,
        &format!("image-recipe/{nname}"),
    )
}

/// Resolves a recipe ARN (exact or wildcard version) to the highest matching version's body,
/// with the write by which a new image claims it (see `stored::get_claimed`).
pub(super) async fn resolve_recipe(ctx: &Ctx<'_>, arn_text: &str) -> ApiResult<(Value, Write)> {
    let recipe = resolve(ctx, arn_text).await?;
    let guard = Write::ClaimResource {
        kind: ResourceKind::ImageRecipe,
        arn: recipe.arn,
        revision: recipe.revision,
    };
    Ok((recipe.body, guard))
}

async fn resolve(ctx: &Ctx<'_>, arn_text: &str) -> ApiResult<Recipe> {
    let not_found = || ApiError::not_found(arn_text);
    let parsed = Arn::parse(arn_text)
        .filter(|a| a.resource_type == "image-recipe")
        .ok_or_else(not_found)?;
    let [nname, version] = parsed.path[..] else {
        return Err(not_found());
    };
    let pattern = VersionPattern::parse(version).ok_or_else(not_found)?;
    if parsed.region != ctx.tenant.region || parsed.owner != ctx.tenant.account {
        return Err(not_found());
    }
    // The versions of this recipe only: one range read.
    let versions = format!("{}/", recipe_prefix(ctx, nname));
    ctx.state
        .store
        .list_resources_with_prefix(&ctx.tenant, ResourceKind::ImageRecipe, &versions)
        .await?
        .into_iter()
        .filter_map(recipe_of)
        .filter(|r| r.nname == nname && pattern.matches(r.version))
        .max_by_key(|r| r.version)
        .ok_or_else(not_found)
}

pub async fn create_image_recipe(
    ctx: &Ctx<'_>,
    input: &CreateImageRecipeRequest,
) -> ApiResult<CreateImageRecipeResponse> {
    let idem = match Idempotency::check(ctx, input).await? {
        Ok(idem) => idem,
        Err(replay) => return Ok(replay),
    };
    // The validator already refuses `x` nodes and oversized nodes with InvalidVersionNumber.
    let version_text = input.semantic_version.as_deref().unwrap_or_default();
    let version = SemVer::parse(version_text).ok_or_else(|| {
        ApiError::internal(format!(
            "semanticVersion '{version_text}' passed validation"
        ))
    })?;
    let mut seen = HashSet::new();
    for (i, c) in input.components.iter().flatten().enumerate() {
        let component = c.component_arn.as_deref().unwrap_or_default();
        if !seen.insert(component) {
            return Err(ApiError::invalid_value(
                &format!("components[{i}].componentArn"),
                &format!("The component '{component}' is specified more than once."),
            ));
        }
    }
    let name = input.name.clone().unwrap_or_default();
    let nname = normalize_name(&name);
    let prefix = recipe_prefix(ctx, &nname);
    let recipe_arn = format!("{prefix}/{version}");
    ensure_absent(ctx, ResourceKind::ImageRecipe, "ImageRecipe", &recipe_arn).await?;
    stop_if_dry_run(input.dry_run)?;
    let parent_image = input.parent_image.clone().unwrap_or_default();
    let i = input.clone();
    let body = stored_body(&ImageRecipe {
        arn: Some(recipe_arn.clone()),
        r#type: Some("AMI".into()),
        name: Some(name),
        description: i.description,
        platform: Some(infer_platform(&parent_image).into()),
        owner: Some(ctx.tenant.account.clone()),
        version: Some(version.to_string()),
        components: i.components,
        parent_image: Some(parent_image),
        block_device_mappings: i.block_device_mappings,
        date_created: Some(format_millis(ctx.now())),
        tags: Some(i.tags.unwrap_or_default()),
        working_directory: i.working_directory,
        additional_instance_configuration: i.additional_instance_configuration,
        ami_tags: i.ami_tags,
        ami_watermarks: i.ami_watermarks,
    })?;
    let response = CreateImageRecipeResponse {
        request_id: None,
        client_token: input.client_token.clone(),
        image_recipe_arn: Some(recipe_arn.clone()),
        latest_version_references: Some(latest_version_references(&prefix, version)),
    };
    commit_create(
        ctx,
        idem,
        ResourceKind::ImageRecipe,
        &recipe_arn,
        body,
        response,
        Vec::new(),
    )
    .await
}

pub async fn get_image_recipe(
    ctx: &Ctx<'_>,
    input: &GetImageRecipeRequest,
) -> ApiResult<GetImageRecipeResponse> {
    let arn_text = input.image_recipe_arn.as_deref().unwrap_or_default();
    let recipe = resolve(ctx, arn_text).await?;
    let prefix = recipe_prefix(ctx, &recipe.nname);
    Ok(GetImageRecipeResponse {
        request_id: None,
        image_recipe: Some(typed(&recipe.body)?),
        latest_version_references: Some(latest_version_references(&prefix, recipe.version)),
    })
}

pub async fn list_image_recipes(
    ctx: &Ctx<'_>,
    input: &ListImageRecipesRequest,
) -> ApiResult<ListImageRecipesResponse> {
    let filters = Filters::from_input(
        input.filters.as_deref().unwrap_or_default(),
        &["name", "parentImage", "platform"],
    )?;
    let owner = input.owner.as_deref().unwrap_or("Self");
    let mut bound = Map::new();
    bound.insert("owner".into(), json!(owner));
    let page = PageRequest::new(
        ctx,
        OpCode::ListImageRecipes,
        filters.binding_with(bound),
        input,
    );
    // Only the caller's own recipes exist here; every other owner lists nothing.
    let (items, token) = if owner == "Self" {
        page_by_key(
            &page,
            ResourceKind::ImageRecipe,
            KeyShape::NAME_VERSION,
            Grouping::Each,
            |r, key| {
                if !filters.matches(|f| r.body.get(f).and_then(Value::as_str)) {
                    return Ok(None);
                }
                let summary: ImageRecipeSummary = typed(&r.body)?;
                Ok(Some((key.clone(), summary)))
            },
        )
        .await?
    } else {
        page_sorted::<ImageRecipeSummary>(&page, KeyShape::NAME_VERSION, Vec::new())?
    };
    Ok(ListImageRecipesResponse {
        request_id: None,
        image_recipe_summary_list: Some(items),
        next_token: token,
    })
}

pub async fn delete_image_recipe(
    ctx: &Ctx<'_>,
    input: &DeleteImageRecipeRequest,
) -> ApiResult<DeleteImageRecipeResponse> {
    let arn_text = input.image_recipe_arn.as_deref().unwrap_or_default();
    let version = Arn::parse(arn_text)
        .and_then(|a| a.path.get(1).copied())
        .unwrap_or_default();
    if version.split('.').any(|node| node == "x") {
        return Err(ApiError::invalid_param(
            "imageRecipeArn",
            "A recipe can only be deleted by its exact version; wildcard versions are not allowed.",
        ));
    }
    delete_unused(
        ctx,
        ResourceKind::ImageRecipe,
        arn_text,
        snapshot_of("/imageRecipe/arn", arn_text),
    )
    .await?;
    Ok(DeleteImageRecipeResponse {
        request_id: None,
        image_recipe_arn: Some(arn_text.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handlers::testkit::Kit;
    use stepwise_api::ErrorKind;

    const ACCOUNT: &str = "123456789012";
    const COMPONENT: &str = "arn:aws:imagebuilder:us-east-1:aws:component/update-linux/1.0.2/1";

    fn recipe_input(name: &str, version: &str) -> Value {
        json!({
            "name": name,
            "semanticVersion": version,
            "parentImage": "ami-0123456789abcdef0",
            "components": [{"componentArn": COMPONENT}],
            "clientToken": uuid::Uuid::new_v4().to_string(),
        })
    }

    fn recipe_arn(nname: &str, version: &str) -> String {
        format!("arn:aws:imagebuilder:us-east-1:{ACCOUNT}:image-recipe/{nname}/{version}")
    }

    #[test]
    fn platform_is_inferred_from_the_parent_image() {
        assert_eq!(infer_platform("ami-0123456789abcdef0"), "Linux");
        assert_eq!(
            infer_platform("ssm:/aws/service/ami-windows-latest/Windows_Server-2022"),
            "Windows"
        );
        assert_eq!(
            infer_platform("arn:aws:imagebuilder:us-east-1:aws:image/WINDOWS-server-2019/x.x.x"),
            "Windows"
        );
        assert_eq!(
            infer_platform("arn:aws:imagebuilder:us-east-1:aws:image/macos-sonoma/x.x.x"),
            "macOS"
        );
        assert_eq!(infer_platform("prod-MAC123"), "macOS");
        assert_eq!(
            infer_platform("ssm:/aws/service/ami-amazon-linux-latest/al2023"),
            "Linux"
        );
    }

    #[test]
    fn create_get_and_replay() {
        let kit = Kit::new();
        let mut input = recipe_input("My Recipe_One", "1.2.3");
        input["description"] = json!("d");
        input["blockDeviceMappings"] =
            json!([{"deviceName": "/dev/xvda", "ebs": {"volumeSize": 8}}]);
        let created = kit.ok("CreateImageRecipe", input.clone());
        let arn = recipe_arn("my-recipe-one", "1.2.3");
        assert_eq!(created["imageRecipeArn"], json!(arn));
        assert_eq!(created["clientToken"], input["clientToken"]);
        assert_eq!(
            created["latestVersionReferences"]["latestMinorVersionArn"],
            json!(recipe_arn("my-recipe-one", "1.2.x"))
        );
        // Same token, same parameters: the stored response again, even though the name is now taken.
        assert_eq!(kit.ok("CreateImageRecipe", input.clone()), created);
        let mut changed = input.clone();
        changed["description"] = json!("other");
        assert_eq!(
            kit.err("CreateImageRecipe", changed).kind,
            ErrorKind::IdempotentParameterMismatch
        );

        let got = kit.ok("GetImageRecipe", json!({"imageRecipeArn": arn}));
        let r = &got["imageRecipe"];
        let keys: Vec<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "arn",
                "type",
                "name",
                "description",
                "platform",
                "owner",
                "version",
                "components",
                "parentImage",
                "blockDeviceMappings",
                "dateCreated",
                "tags"
            ]
        );
        assert_eq!(r["name"], json!("My Recipe_One"));
        assert_eq!(r["type"], json!("AMI"));
        assert_eq!(r["platform"], json!("Linux"));
        assert_eq!(r["owner"], json!(ACCOUNT));
        assert_eq!(r["tags"], json!({}));
        assert_eq!(r["dateCreated"], json!("2026-03-04T10:15:30.042Z"));
        assert_eq!(
            got["latestVersionReferences"],
            created["latestVersionReferences"]
        );
        // The stored body is what Get returns (CreateImage snapshots it).
        let ctx = kit.ctx("GetImageRecipe");
        assert_eq!(kit.run(resolve_recipe(&ctx, &arn)).unwrap().0, *r);
    }

    #[test]
    fn create_errors() {
        let kit = Kit::new();
        kit.ok("CreateImageRecipe", recipe_input("web", "1.0.0"));
        let e = kit.err("CreateImageRecipe", recipe_input("WEB", "1.0.0"));
        assert_eq!(e.kind, ErrorKind::ResourceAlreadyExists);
        assert_eq!(
            e.message,
            format!(
                "The following resource 'ImageRecipe' already exists: '{}'.",
                recipe_arn("web", "1.0.0")
            )
        );
        let e = kit.err("CreateImageRecipe", recipe_input("web", "1.x.0"));
        assert_eq!(e.kind, ErrorKind::InvalidVersionNumber);
        let e = kit.err("CreateImageRecipe", recipe_input("web", "x.x.x"));
        assert_eq!(e.kind, ErrorKind::InvalidVersionNumber);

        let mut dup = recipe_input("dup", "1.0.0");
        dup["components"] = json!([{"componentArn": COMPONENT}, {"componentArn": COMPONENT}]);
        let e = kit.err("CreateImageRecipe", dup);
        assert_eq!(e.kind, ErrorKind::InvalidParameterValue);
        assert!(e.message.starts_with(
            "The value supplied for parameter 'components[1].componentArn' is not valid."
        ));

        let mut dry = recipe_input("dry", "1.0.0");
        dry["dryRun"] = json!(true);
        assert_eq!(
            kit.err("CreateImageRecipe", dry).kind,
            ErrorKind::DryRunOperation
        );
        let e = kit.err(
            "GetImageRecipe",
            json!({"imageRecipeArn": recipe_arn("dry", "1.0.0")}),
        );
        assert_eq!(e.kind, ErrorKind::ResourceNotFound);
    }

    #[test]
    fn windows_recipe_and_optional_members() {
        let kit = Kit::new();
        let mut input = recipe_input("win", "2.0.0");
        input["parentImage"] =
            json!("ssm:/aws/service/ami-windows-latest/Windows_Server-2022-English-Full-Base");
        input["tags"] = json!({"team": "a"});
        input["workingDirectory"] = json!("D:/work");
        input["amiWatermarks"] = json!(["wm1"]);
        kit.ok("CreateImageRecipe", input);
        let r = kit.ok(
            "GetImageRecipe",
            json!({"imageRecipeArn": recipe_arn("win", "2.0.0")}),
        )["imageRecipe"]
            .clone();
        assert_eq!(r["platform"], json!("Windows"));
        assert_eq!(r["tags"], json!({"team": "a"}));
        assert_eq!(r["workingDirectory"], json!("D:/work"));
        assert_eq!(r["amiWatermarks"], json!(["wm1"]));
    }

    #[test]
    fn wildcard_get_resolves_the_highest_version() {
        let kit = Kit::new();
        for v in ["1.9.0", "1.10.0", "2.0.0", "1.10.1"] {
            kit.ok("CreateImageRecipe", recipe_input("app", v));
        }
        let version_of = |wild: &str| {
            kit.ok(
                "GetImageRecipe",
                json!({"imageRecipeArn": recipe_arn("app", wild)}),
            )["imageRecipe"]["version"]
                .clone()
        };
        assert_eq!(version_of("x.x.x"), json!("2.0.0"));
        assert_eq!(version_of("1.x.x"), json!("1.10.1"));
        assert_eq!(version_of("1.10.x"), json!("1.10.1"));
        assert_eq!(version_of("1.9.0"), json!("1.9.0"));
        let got = kit.ok(
            "GetImageRecipe",
            json!({"imageRecipeArn": recipe_arn("app", "1.x.x")}),
        );
        assert_eq!(
            got["latestVersionReferences"]["latestPatchVersionArn"],
            json!(recipe_arn("app", "1.10.1"))
        );
        for missing in [recipe_arn("app", "3.x.x"), recipe_arn("other", "x.x.x")] {
            let e = kit.err("GetImageRecipe", json!({"imageRecipeArn": missing}));
            assert_eq!(e.kind, ErrorKind::ResourceNotFound);
            assert_eq!(
                e.message,
                format!("The resource '{missing}' does not exist.")
            );
        }
        let foreign = "arn:aws:imagebuilder:eu-west-1:123456789012:image-recipe/app/x.x.x";
        assert_eq!(
            kit.err("GetImageRecipe", json!({"imageRecipeArn": foreign}))
                .kind,
            ErrorKind::ResourceNotFound
        );
    }

    #[test]
    fn list_orders_filters_and_pages() {
        let kit = Kit::new();
        for (name, v) in [
            ("beta", "1.0.0"),
            ("Alpha", "1.0.0"),
            ("alpha_2", "1.0.0"),
            ("Alpha", "1.2.0"),
        ] {
            kit.ok("CreateImageRecipe", recipe_input(name, v));
        }
        let mut win = recipe_input("gamma", "1.0.0");
        win["parentImage"] = json!("windows-server");
        kit.ok("CreateImageRecipe", win);

        let all = kit.list_all("ListImageRecipes", "imageRecipeSummaryList", json!({}), 2);
        let arns: Vec<&str> = all.iter().map(|s| s["arn"].as_str().unwrap()).collect();
        assert_eq!(
            arns,
            [
                recipe_arn("alpha", "1.2.0"),
                recipe_arn("alpha", "1.0.0"),
                recipe_arn("alpha-2", "1.0.0"),
                recipe_arn("beta", "1.0.0"),
                recipe_arn("gamma", "1.0.0"),
            ]
        );
        let keys: Vec<&str> = all[0]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "arn",
                "name",
                "platform",
                "owner",
                "parentImage",
                "dateCreated",
                "tags"
            ]
        );

        let filtered = kit.ok(
            "ListImageRecipes",
            json!({"filters": [{"name": "name", "values": ["Alpha*"]}]}),
        );
        assert_eq!(
            filtered["imageRecipeSummaryList"].as_array().unwrap().len(),
            2
        );
        assert!(filtered.get("nextToken").is_none());
        let windows = kit.ok(
            "ListImageRecipes",
            json!({"filters": [{"name": "platform", "values": ["Windows"]}]}),
        );
        assert_eq!(windows["imageRecipeSummaryList"][0]["name"], json!("gamma"));
        let e = kit.err(
            "ListImageRecipes",
            json!({"filters": [{"name": "version", "values": ["1.0.0"]}]}),
        );
        assert_eq!(e.kind, ErrorKind::InvalidRequest);

        let amazon = kit.ok("ListImageRecipes", json!({"owner": "Amazon"}));
        assert_eq!(amazon["imageRecipeSummaryList"], json!([]));
        assert!(amazon.get("nextToken").is_none());

        // The token is bound to owner (default Self) and filters.
        let first = kit.ok("ListImageRecipes", json!({"maxResults": 1}));
        let token = first["nextToken"].as_str().unwrap();
        let same = kit.ok(
            "ListImageRecipes",
            json!({"maxResults": 1, "owner": "Self", "nextToken": token}),
        );
        assert_eq!(
            same["imageRecipeSummaryList"][0]["arn"],
            json!(recipe_arn("alpha", "1.0.0"))
        );
        for other in [
            json!({"owner": "Amazon", "nextToken": token}),
            json!({"filters": [{"name": "name", "values": ["a*"]}], "nextToken": token}),
        ] {
            assert_eq!(
                kit.err("ListImageRecipes", other).kind,
                ErrorKind::InvalidPaginationToken
            );
        }
        let e = kit.err(
            "ListInfrastructureConfigurations",
            json!({"nextToken": token}),
        );
        assert_eq!(e.kind, ErrorKind::InvalidPaginationToken);
    }

    #[test]
    fn delete_rules() {
        let kit = Kit::new();
        kit.ok("CreateImageRecipe", recipe_input("del", "1.0.0"));
        let arn = recipe_arn("del", "1.0.0");
        let e = kit.err(
            "DeleteImageRecipe",
            json!({"imageRecipeArn": recipe_arn("del", "1.x.x")}),
        );
        assert_eq!(e.kind, ErrorKind::InvalidRequest);
        let missing = recipe_arn("nope", "1.0.0");
        let e = kit.err("DeleteImageRecipe", json!({"imageRecipeArn": missing}));
        assert_eq!(e.kind, ErrorKind::ResourceNotFound);

        let done = "arn:aws:imagebuilder:us-east-1:123456789012:image/del/1.0.0/1";
        let running = "arn:aws:imagebuilder:us-east-1:123456789012:image/del/1.0.0/2";
        kit.image_using(done, "AVAILABLE", "imageRecipe", &arn);
        kit.image_using(running, "BUILDING", "imageRecipe", &arn);
        let e = kit.err("DeleteImageRecipe", json!({"imageRecipeArn": arn}));
        assert_eq!(e.kind, ErrorKind::ResourceDependency);
        assert_eq!(
            e.message,
            format!("The resource '{arn}' is in use by image '{running}'.")
        );

        let other = recipe_input("del", "1.0.1");
        kit.ok("CreateImageRecipe", other);
        let arn2 = recipe_arn("del", "1.0.1");
        assert_eq!(
            kit.ok("DeleteImageRecipe", json!({"imageRecipeArn": arn2})),
            json!({"imageRecipeArn": arn2})
        );
        let e = kit.err("GetImageRecipe", json!({"imageRecipeArn": arn2}));
        assert_eq!(e.kind, ErrorKind::ResourceNotFound);
    }
}
