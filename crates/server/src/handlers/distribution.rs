//! Distribution configurations: CreateDistributionConfiguration,
//! UpdateDistributionConfiguration, GetDistributionConfiguration, ListDistributionConfigurations,
//! DeleteDistributionConfiguration (spec §4.4): the family's rules, on the generic
//! operations of [`super::family`].

use super::family::{self, snapshot_of, ListedResource, StoredResource, UpdatedResource};
use super::stored::stored_body;
use super::typed;
use crate::ctx::Ctx;
use crate::listing::KeyShape;
use serde_json::Value;
use std::collections::HashSet;
use stepwise_api::model::{
    self, CreateDistributionConfigurationRequest, CreateDistributionConfigurationResponse,
    DeleteDistributionConfigurationRequest, DeleteDistributionConfigurationResponse, Distribution,
    DistributionConfigurationSummary, GetDistributionConfigurationRequest,
    GetDistributionConfigurationResponse, ListDistributionConfigurationsRequest,
    ListDistributionConfigurationsResponse, UpdateDistributionConfigurationRequest,
    UpdateDistributionConfigurationResponse,
};
use stepwise_api::time::format_millis;
use stepwise_api::{ApiError, ApiResult};
use stepwise_engine::ImageRecord;
use stepwise_store::ResourceKind;
use stepwise_token::OpCode;

/// `timeoutMinutes` is required in the shape but unused (spec §4.4 Decision).
const TIMEOUT_MINUTES: i32 = 720;

/// The spec §4.4 rules over `distributions`: every region has at least one output (any
/// `Distribution` member besides `region`) and no region is listed twice.
pub(super) fn check_distributions(distributions: &[Distribution]) -> ApiResult<()> {
    let mut regions = HashSet::new();
    for (i, d) in distributions.iter().enumerate() {
        let outputs = Distribution {
            region: None,
            ..d.clone()
        };
        if outputs == Distribution::default() {
            return Err(ApiError::invalid_value(
                &format!("distributions[{i}]"),
                "One or more outputs should be provided for each region in a distribution configuration.",
            ));
        }
        if !regions.insert(d.region.as_deref().unwrap_or_default()) {
            return Err(ApiError::invalid_value(
                &format!("distributions[{i}]"),
                "A Region can appear only once.",
            ));
        }
    }
    Ok(())
}

pub(super) struct DistributionConfiguration;

impl StoredResource for DistributionConfiguration {
    type Create = CreateDistributionConfigurationRequest;
    type CreateOutput = CreateDistributionConfigurationResponse;
    type Get = GetDistributionConfigurationRequest;
    type GetOutput = GetDistributionConfigurationResponse;
    type Delete = DeleteDistributionConfigurationRequest;
    type DeleteOutput = DeleteDistributionConfigurationResponse;

    const KIND: ResourceKind = ResourceKind::DistributionConfiguration;
    const NAME: &'static str = "DistributionConfiguration";
    const ARN_TYPE: &'static str = "distribution-configuration";
    const ARN_MEMBER: &'static str = "distributionConfigurationArn";
    const GET_MEMBER: &'static str = "distributionConfiguration";

    fn get_arn(input: &Self::Get) -> &str {
        input
            .distribution_configuration_arn
            .as_deref()
            .unwrap_or_default()
    }

    fn delete_arn(input: &Self::Delete) -> &str {
        input
            .distribution_configuration_arn
            .as_deref()
            .unwrap_or_default()
    }

    fn dry_run(input: &Self::Create) -> Option<bool> {
        input.dry_run
    }

    fn uses(image: &ImageRecord, arn: &str) -> bool {
        snapshot_of(image, "/distributionConfiguration/arn", arn)
    }

    fn check(_ctx: &Ctx<'_>, input: &Self::Create) -> ApiResult<()> {
        check_distributions(input.distributions.as_deref().unwrap_or_default())
    }

    async fn draft(ctx: &Ctx<'_>, input: &Self::Create, arn: &str) -> ApiResult<Value> {
        stored_body(&model::DistributionConfiguration {
            arn: Some(arn.to_string()),
            name: Some(input.name.clone().unwrap_or_default()),
            description: input.description.clone(),
            distributions: Some(input.distributions.clone().unwrap_or_default()),
            timeout_minutes: Some(TIMEOUT_MINUTES),
            date_created: Some(format_millis(ctx.now())),
            date_updated: None,
            tags: Some(input.tags.clone().unwrap_or_default()),
        })
    }
}

impl UpdatedResource for DistributionConfiguration {
    type Update = UpdateDistributionConfigurationRequest;
    type UpdateOutput = UpdateDistributionConfigurationResponse;

    fn update_arn(input: &Self::Update) -> &str {
        input
            .distribution_configuration_arn
            .as_deref()
            .unwrap_or_default()
    }

    fn as_create(input: &Self::Update, stored: &Value) -> ApiResult<Self::Create> {
        let stored: model::DistributionConfiguration = typed(stored)?;
        Ok(CreateDistributionConfigurationRequest {
            name: stored.name,
            description: input.description.clone(),
            distributions: input.distributions.clone(),
            tags: stored.tags,
            client_token: input.client_token.clone(),
            dry_run: None,
        })
    }
}

impl ListedResource for DistributionConfiguration {
    type List = ListDistributionConfigurationsRequest;
    type ListOutput = ListDistributionConfigurationsResponse;
    type Summary = DistributionConfigurationSummary;

    const LIST_OP: OpCode = OpCode::ListDistributionConfigurations;
    const FILTERS: &'static [&'static str] = &["name"];
    const KEY_SHAPE: KeyShape = KeyShape::NAME;

    fn page(items: Vec<Self::Summary>, next_token: Option<String>) -> Self::ListOutput {
        ListDistributionConfigurationsResponse {
            request_id: None,
            distribution_configuration_summary_list: Some(items),
            next_token,
        }
    }

    /// The summary lists the regions the configuration distributes to.
    fn summary(body: &Value) -> ApiResult<Self::Summary> {
        let stored: model::DistributionConfiguration = typed(body)?;
        let mut summary: DistributionConfigurationSummary = typed(body)?;
        summary.regions = Some(
            stored
                .distributions
                .unwrap_or_default()
                .into_iter()
                .filter_map(|d| d.region)
                .collect(),
        );
        Ok(summary)
    }
}

pub async fn create_distribution_configuration(
    ctx: &Ctx<'_>,
    input: &CreateDistributionConfigurationRequest,
) -> ApiResult<CreateDistributionConfigurationResponse> {
    family::create::<DistributionConfiguration>(ctx, input).await
}

pub async fn update_distribution_configuration(
    ctx: &Ctx<'_>,
    input: &UpdateDistributionConfigurationRequest,
) -> ApiResult<UpdateDistributionConfigurationResponse> {
    family::update::<DistributionConfiguration>(ctx, input).await
}

pub async fn get_distribution_configuration(
    ctx: &Ctx<'_>,
    input: &GetDistributionConfigurationRequest,
) -> ApiResult<GetDistributionConfigurationResponse> {
    family::get::<DistributionConfiguration>(ctx, input).await
}

pub async fn list_distribution_configurations(
    ctx: &Ctx<'_>,
    input: &ListDistributionConfigurationsRequest,
) -> ApiResult<ListDistributionConfigurationsResponse> {
    family::list::<DistributionConfiguration>(ctx, input).await
}

pub async fn delete_distribution_configuration(
    ctx: &Ctx<'_>,
    input: &DeleteDistributionConfigurationRequest,
) -> ApiResult<DeleteDistributionConfigurationResponse> {
    family::delete::<DistributionConfiguration>(ctx, input).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handlers::testkit::Kit;
    use serde_json::json;
    use stepwise_api::ErrorKind;

    /// The typed distributions of JSON ones.
    fn check_distributions(given: &[Value]) -> ApiResult<()> {
        let typed: Vec<Distribution> = given
            .iter()
            .map(|d| serde_json::from_value(d.clone()).unwrap())
            .collect();
        super::check_distributions(&typed)
    }

    fn dist_arn(nname: &str) -> String {
        format!("arn:aws:imagebuilder:us-east-1:123456789012:distribution-configuration/{nname}")
    }

    fn ami(region: &str) -> Value {
        json!({"region": region, "amiDistributionConfiguration": {"name": "out-{{imagebuilder:buildDate}}"}})
    }

    fn input(name: &str, distributions: Value) -> Value {
        json!({"name": name, "distributions": distributions, "clientToken": uuid::Uuid::new_v4().to_string()})
    }

    #[test]
    fn distribution_rules() {
        assert!(check_distributions(&[ami("us-east-1"), ami("eu-west-1")]).is_ok());
        let s3 = json!({"region": "us-west-2", "s3ExportConfiguration":
                        {"roleName": "r", "diskImageFormat": "RAW", "s3Bucket": "b"}});
        let lt = json!({"region": "eu-central-1", "launchTemplateConfigurations":
                        [{"launchTemplateId": "lt-0123456789abcdef0"}]});
        assert!(check_distributions(&[s3, lt]).is_ok());

        let e =
            check_distributions(&[ami("us-east-1"), json!({"region": "eu-west-1"})]).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidParameterValue);
        assert_eq!(
            e.message,
            "The value supplied for parameter 'distributions[1]' is not valid. One or more outputs should be provided for each region in a distribution configuration."
        );
        let e =
            check_distributions(&[json!({"region": "x", "amiDistributionConfiguration": null})])
                .unwrap_err();
        assert!(e.message.contains("'distributions[0]'"));

        let e = check_distributions(&[ami("us-east-1"), ami("eu-west-1"), ami("us-east-1")])
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidParameterValue);
        assert_eq!(
            e.message,
            "The value supplied for parameter 'distributions[2]' is not valid. A Region can appear only once."
        );
    }

    #[test]
    fn create_get_list_delete() {
        let kit = Kit::new();
        let mut first = input("Prod Dist", json!([ami("us-east-1"), ami("eu-west-1")]));
        first["description"] = json!("prod");
        first["tags"] = json!({"env": "prod"});
        let created = kit.ok("CreateDistributionConfiguration", first.clone());
        let arn = dist_arn("prod-dist");
        assert_eq!(
            created,
            json!({"clientToken": first["clientToken"], "distributionConfigurationArn": arn})
        );
        assert_eq!(kit.ok("CreateDistributionConfiguration", first), created);

        let got = kit.ok(
            "GetDistributionConfiguration",
            json!({"distributionConfigurationArn": arn}),
        );
        assert_eq!(
            got,
            json!({"distributionConfiguration": {
                "arn": arn, "name": "Prod Dist", "description": "prod",
                "distributions": [ami("us-east-1"), ami("eu-west-1")],
                "timeoutMinutes": 720, "dateCreated": "2026-03-04T10:15:30.042Z", "tags": {"env": "prod"}
            }})
        );

        let e = kit.err(
            "CreateDistributionConfiguration",
            input("prod_dist", json!([ami("us-east-1")])),
        );
        assert_eq!(e.kind, ErrorKind::ResourceAlreadyExists);
        assert_eq!(
            e.message,
            format!("The following resource 'DistributionConfiguration' already exists: '{arn}'.")
        );
        let e = kit.err(
            "CreateDistributionConfiguration",
            input("bad", json!([{"region": "us-east-1"}])),
        );
        assert_eq!(e.kind, ErrorKind::InvalidParameterValue);
        let mut dry = input("dry", json!([ami("us-east-1")]));
        dry["dryRun"] = json!(true);
        assert_eq!(
            kit.err("CreateDistributionConfiguration", dry).kind,
            ErrorKind::DryRunOperation
        );

        kit.ok(
            "CreateDistributionConfiguration",
            input("another", json!([ami("ap-south-1")])),
        );
        let all = kit.list_all(
            "ListDistributionConfigurations",
            "distributionConfigurationSummaryList",
            json!({}),
            1,
        );
        assert_eq!(
            all,
            [
                json!({"arn": dist_arn("another"), "name": "another", "dateCreated": "2026-03-04T10:15:30.042Z",
                       "tags": {}, "regions": ["ap-south-1"]}),
                json!({"arn": arn, "name": "Prod Dist", "description": "prod",
                       "dateCreated": "2026-03-04T10:15:30.042Z", "tags": {"env": "prod"},
                       "regions": ["us-east-1", "eu-west-1"]}),
            ]
        );
        let f = kit.ok(
            "ListDistributionConfigurations",
            json!({"filters": [{"name": "name", "values": ["Prod Dist"]}]}),
        );
        assert_eq!(
            f["distributionConfigurationSummaryList"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        let token =
            kit.ok("ListDistributionConfigurations", json!({"maxResults": 1}))["nextToken"].clone();
        let e = kit.err(
            "ListDistributionConfigurations",
            json!({"nextToken": token, "filters": [{"name": "name", "values": ["a*"]}]}),
        );
        assert_eq!(e.kind, ErrorKind::InvalidPaginationToken);

        let image = "arn:aws:imagebuilder:us-east-1:123456789012:image/r/1.0.0/1";
        kit.image_using(image, "DISTRIBUTING", "distributionConfiguration", &arn);
        let e = kit.err(
            "DeleteDistributionConfiguration",
            json!({"distributionConfigurationArn": arn}),
        );
        assert_eq!(e.kind, ErrorKind::ResourceDependency);
        assert_eq!(
            e.message,
            format!("The resource '{arn}' is in use by image '{image}'.")
        );
        let other = dist_arn("another");
        let out = kit.ok(
            "DeleteDistributionConfiguration",
            json!({"distributionConfigurationArn": other}),
        );
        assert_eq!(out, json!({"distributionConfigurationArn": other}));
        let e = kit.err(
            "GetDistributionConfiguration",
            json!({"distributionConfigurationArn": other}),
        );
        assert_eq!(e.kind, ErrorKind::ResourceNotFound);
        let e = kit.err(
            "DeleteDistributionConfiguration",
            json!({"distributionConfigurationArn": other}),
        );
        assert_eq!(e.kind, ErrorKind::ResourceNotFound);
    }

    #[test]
    fn update_is_checked_as_a_create_and_replaces_the_distributions() {
        let kit = Kit::new();
        let mut first = input("Rolling", json!([ami("us-east-1")]));
        first["description"] = json!("one region");
        first["tags"] = json!({"k": "v"});
        kit.ok("CreateDistributionConfiguration", first);
        let arn = dist_arn("rolling");
        let get = || {
            kit.ok(
                "GetDistributionConfiguration",
                json!({"distributionConfigurationArn": arn}),
            )["distributionConfiguration"]
                .clone()
        };
        let before = get();
        let e = kit.err(
            "UpdateDistributionConfiguration",
            json!({"distributionConfigurationArn": arn, "clientToken": "u1",
                   "distributions": [ami("eu-west-1"), ami("eu-west-1")]}),
        );
        assert_eq!(e.kind, ErrorKind::InvalidParameterValue);
        assert!(e.message.contains("'distributions[1]'"), "{}", e.message);
        assert_eq!(get(), before);
        kit.clock.advance(1_000);
        let out = kit.ok(
            "UpdateDistributionConfiguration",
            json!({"distributionConfigurationArn": arn, "clientToken": "u2",
                   "distributions": [ami("eu-west-1"), ami("us-west-2")]}),
        );
        assert_eq!(
            out,
            json!({"clientToken": "u2", "distributionConfigurationArn": arn})
        );
        let after = get();
        let regions: Vec<&str> = after["distributions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["region"].as_str().unwrap())
            .collect();
        assert_eq!(regions, ["eu-west-1", "us-west-2"]);
        assert!(after.get("description").is_none());
        assert_eq!(after["name"], json!("Rolling"));
        assert_eq!(after["tags"], json!({"k": "v"}));
        assert_eq!(after["dateCreated"], before["dateCreated"]);
        assert_eq!(after["dateUpdated"], json!("2026-03-04T10:15:31.042Z"));
        let listed = kit.ok("ListDistributionConfigurations", json!({}));
        assert_eq!(
            listed["distributionConfigurationSummaryList"][0]["regions"],
            json!(["eu-west-1", "us-west-2"])
        );
    }
}
