//! Image recipes: CreateImageRecipe, GetImageRecipe, ListImageRecipes, DeleteImageRecipe
//! (spec §4.2), and the recipe resolution CreateImage shares.

use super::components;
use super::family::{self, snapshot_of, Allocated, ListedResource, StoredResource};
use super::stored::{claim, ensure_absent, stored_body};
use crate::ctx::Ctx;
use crate::listing::KeyShape;
use serde_json::Value;
use std::collections::HashSet;
use stepwise_api::arn::{
    self, latest_version_references, normalize_name, Arn, SemVer, VersionPattern,
};
use stepwise_api::model::{
    CreateImageRecipeRequest, CreateImageRecipeResponse, DeleteImageRecipeRequest,
    DeleteImageRecipeResponse, GetImageRecipeRequest, GetImageRecipeResponse, ImageRecipe,
    ImageRecipeSummary, LatestVersionReferences, ListImageRecipesRequest, ListImageRecipesResponse,
};
use stepwise_api::time::format_millis;
use stepwise_api::{ApiError, ApiResult};
use stepwise_engine::ImageRecord;
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
/// with the write by which a new image claims it (see `stored::claim`).
pub(super) async fn resolve_recipe(ctx: &Ctx<'_>, arn_text: &str) -> ApiResult<(Value, Write)> {
    let recipe = resolve(ctx, arn_text).await?;
    let claim = claim(ResourceKind::ImageRecipe, &recipe.arn, &recipe.body);
    Ok((recipe.body, claim))
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

pub(super) struct ImageRecipes;

impl StoredResource for ImageRecipes {
    type Create = CreateImageRecipeRequest;
    type CreateOutput = CreateImageRecipeResponse;
    type Get = GetImageRecipeRequest;
    type GetOutput = GetImageRecipeResponse;
    type Delete = DeleteImageRecipeRequest;
    type DeleteOutput = DeleteImageRecipeResponse;

    const KIND: ResourceKind = ResourceKind::ImageRecipe;
    const NAME: &'static str = "ImageRecipe";
    const ARN_TYPE: &'static str = "image-recipe";
    const ARN_MEMBER: &'static str = "imageRecipeArn";
    const GET_MEMBER: &'static str = "imageRecipe";

    fn get_arn(input: &Self::Get) -> &str {
        input.image_recipe_arn.as_deref().unwrap_or_default()
    }

    fn delete_arn(input: &Self::Delete) -> &str {
        input.image_recipe_arn.as_deref().unwrap_or_default()
    }

    fn dry_run(input: &Self::Create) -> Option<bool> {
        input.dry_run
    }

    /// A component is listed once.
    fn check(_ctx: &Ctx<'_>, input: &Self::Create) -> ApiResult<()> {
        semantic_version(input)?;
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
        Ok(())
    }

    /// `image-recipe/<normalized name>/<semanticVersion>`, refused while it exists.
    async fn allocate(ctx: &Ctx<'_>, input: &Self::Create) -> ApiResult<Allocated> {
        let version = semantic_version(input)?;
        let prefix = recipe_prefix(
            ctx,
            &normalize_name(input.name.as_deref().unwrap_or_default()),
        );
        let arn = format!("{prefix}/{version}");
        ensure_absent(ctx, Self::KIND, Self::NAME, &arn).await?;
        Ok(Allocated {
            arn,
            references: Some(latest_version_references(&prefix, version)),
        })
    }

    /// Every component resolves (a version pattern to its newest build), runs on the
    /// recipe's platform and gets the parameters its document declares.
    async fn references(ctx: &Ctx<'_>, input: &Self::Create) -> ApiResult<Vec<Write>> {
        let platform = infer_platform(input.parent_image.as_deref().unwrap_or_default());
        let mut claims = Vec::new();
        for (i, c) in input.components.iter().flatten().enumerate() {
            let named = c.component_arn.as_deref().unwrap_or_default();
            let component = components::resolve(ctx, named).await?;
            if component.platform() != platform {
                return Err(ApiError::invalid_value(
                    &format!("components[{i}].componentArn"),
                    &format!(
                        "The component '{named}' is for {}, and the recipe's parent image is {platform}.",
                        component.platform()
                    ),
                ));
            }
            components::check_parameters(&component, c.parameters.as_deref(), i)?;
            claims.extend(component.claim());
        }
        Ok(claims)
    }

    /// The recipe as given, with its platform inferred from the parent image.
    async fn draft(ctx: &Ctx<'_>, input: &Self::Create, arn: &str) -> ApiResult<Value> {
        let i = input.clone();
        let parent_image = i.parent_image.unwrap_or_default();
        stored_body(&ImageRecipe {
            arn: Some(arn.to_string()),
            r#type: Some("AMI".into()),
            name: Some(i.name.unwrap_or_default()),
            description: i.description,
            platform: Some(infer_platform(&parent_image).into()),
            owner: Some(ctx.tenant.account.clone()),
            version: Some(semantic_version(input)?.to_string()),
            components: i.components,
            parent_image: Some(parent_image),
            block_device_mappings: i.block_device_mappings,
            date_created: Some(format_millis(ctx.now())),
            tags: Some(i.tags.unwrap_or_default()),
            working_directory: i.working_directory,
            additional_instance_configuration: i.additional_instance_configuration,
            ami_tags: i.ami_tags,
            ami_watermarks: i.ami_watermarks,
        })
    }

    /// An exact or wildcard version: the highest version that matches.
    async fn resolve(
        ctx: &Ctx<'_>,
        arn: &str,
    ) -> ApiResult<(Value, Option<LatestVersionReferences>)> {
        let recipe = resolve(ctx, arn).await?;
        let prefix = recipe_prefix(ctx, &recipe.nname);
        let references = latest_version_references(&prefix, recipe.version);
        Ok((recipe.body, Some(references)))
    }

    /// Only an exact version is deleted.
    fn check_delete(arn: &str) -> ApiResult<()> {
        let version = Arn::parse(arn)
            .and_then(|a| a.path.get(1).copied())
            .unwrap_or_default();
        if version.split('.').any(|node| node == "x") {
            return Err(ApiError::invalid_param(
                "imageRecipeArn",
                "A recipe can only be deleted by its exact version; wildcard versions are not allowed.",
            ));
        }
        Ok(())
    }

    fn uses(image: &ImageRecord, arn: &str) -> bool {
        snapshot_of(image, "/imageRecipe/arn", arn)
    }
}

impl ListedResource for ImageRecipes {
    type List = ListImageRecipesRequest;
    type ListOutput = ListImageRecipesResponse;
    type Summary = ImageRecipeSummary;

    const LIST_OP: OpCode = OpCode::ListImageRecipes;
    const FILTERS: &'static [&'static str] = &["name", "parentImage", "platform"];
    const KEY_SHAPE: KeyShape = KeyShape::NAME_VERSION;

    fn page(items: Vec<Self::Summary>, next_token: Option<String>) -> Self::ListOutput {
        ListImageRecipesResponse {
            request_id: None,
            image_recipe_summary_list: Some(items),
            next_token,
        }
    }

    fn owner(input: &Self::List) -> Option<&str> {
        Some(input.owner.as_deref().unwrap_or("Self"))
    }
}

/// A create's `semanticVersion`; the validator already refused `x` nodes and oversized
/// nodes with InvalidVersionNumber.
fn semantic_version(input: &CreateImageRecipeRequest) -> ApiResult<SemVer> {
    let text = input.semantic_version.as_deref().unwrap_or_default();
    SemVer::parse(text)
        .ok_or_else(|| ApiError::internal(format!("semanticVersion '{text}' passed validation")))
}

pub async fn create_image_recipe(
    ctx: &Ctx<'_>,
    input: &CreateImageRecipeRequest,
) -> ApiResult<CreateImageRecipeResponse> {
    family::create::<ImageRecipes>(ctx, input).await
}

pub async fn get_image_recipe(
    ctx: &Ctx<'_>,
    input: &GetImageRecipeRequest,
) -> ApiResult<GetImageRecipeResponse> {
    family::get::<ImageRecipes>(ctx, input).await
}

pub async fn list_image_recipes(
    ctx: &Ctx<'_>,
    input: &ListImageRecipesRequest,
) -> ApiResult<ListImageRecipesResponse> {
    family::list::<ImageRecipes>(ctx, input).await
}

pub async fn delete_image_recipe(
    ctx: &Ctx<'_>,
    input: &DeleteImageRecipeRequest,
) -> ApiResult<DeleteImageRecipeResponse> {
    family::delete::<ImageRecipes>(ctx, input).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handlers::testkit::Kit;
    use serde_json::json;
    use stepwise_api::ErrorKind;

    const ACCOUNT: &str = "123456789012";
    const COMPONENT: &str = "arn:aws:imagebuilder:us-east-1:aws:component/update-linux/1.0.2/1";
    const WINDOWS_COMPONENT: &str =
        "arn:aws:imagebuilder:us-east-1:aws:component/update-windows/x.x.x";

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
        input["components"] = json!([{"componentArn": WINDOWS_COMPONENT}]);
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
        win["components"] = json!([{"componentArn": WINDOWS_COMPONENT}]);
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
