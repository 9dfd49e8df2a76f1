//! Distribution configurations: CreateDistributionConfiguration,
//! GetDistributionConfiguration, ListDistributionConfigurations,
//! DeleteDistributionConfiguration (spec §4.4): the family's rules, on the generic
//! operations of [`super::family`].

use super::family::{self, StoredResource};
use super::json::{str_member, Obj};
use crate::ctx::Ctx;
use serde_json::{json, Value};
use std::collections::HashSet;
use stepwise_api::schema;
use stepwise_api::shaped::shaped;
use stepwise_api::time::format_millis;
use stepwise_api::{ApiError, ApiResult};
use stepwise_store::ResourceKind;
use stepwise_token::OpCode;

/// `timeoutMinutes` is required in the shape but unused (spec §4.4 Decision).
const TIMEOUT_MINUTES: u32 = 720;

/// The spec §4.4 rules over `distributions`: every region has at least one output (any
/// `Distribution` member besides `region`) and no region is listed twice.
pub(super) fn check_distributions(distributions: &[Value]) -> ApiResult<()> {
    let mut regions = HashSet::new();
    for (i, d) in distributions.iter().enumerate() {
        let has_output = schema::DISTRIBUTION
            .members()
            .iter()
            .filter(|m| m.name != "region")
            .any(|m| d.get(m.name).is_some_and(|v| !v.is_null()));
        if !has_output {
            return Err(ApiError::invalid_value(
                &format!("distributions[{i}]"),
                "One or more outputs should be provided for each region in a distribution configuration.",
            ));
        }
        let region = d.get("region").and_then(Value::as_str).unwrap_or_default();
        if !regions.insert(region) {
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
    const KIND: ResourceKind = ResourceKind::DistributionConfiguration;
    const NAME: &'static str = "DistributionConfiguration";
    const ARN_TYPE: &'static str = "distribution-configuration";
    const ARN_MEMBER: &'static str = "distributionConfigurationArn";
    const GET_MEMBER: &'static str = "distributionConfiguration";
    const LIST_MEMBER: &'static str = "distributionConfigurationSummaryList";
    const LIST_OP: OpCode = OpCode::ListDistributionConfigurations;
    const FILTERS: &'static [&'static str] = &["name"];
    const SNAPSHOT_POINTER: &'static str = "/distributionConfiguration/arn";

    fn check(input: &Value) -> ApiResult<()> {
        let distributions = input.get("distributions").and_then(Value::as_array);
        check_distributions(distributions.map(Vec::as_slice).unwrap_or_default())
    }

    fn draft(ctx: &Ctx<'_>, input: &Value, arn: &str) -> Value {
        let distributions = input
            .get("distributions")
            .cloned()
            .unwrap_or_else(|| json!([]));
        let draft = Obj::new()
            .set("arn", arn)
            .set("name", str_member(input, "name").unwrap_or_default())
            .opt("description", str_member(input, "description"))
            .set("distributions", distributions)
            .set("timeoutMinutes", TIMEOUT_MINUTES)
            .set("dateCreated", format_millis(ctx.now()))
            .set(
                "tags",
                input.get("tags").cloned().unwrap_or_else(|| json!({})),
            )
            .build();
        shaped(&schema::DISTRIBUTION_CONFIGURATION, &draft).unwrap_or(draft)
    }

    /// The summary lists the regions the configuration distributes to.
    fn summary(body: &Value) -> Option<Value> {
        let regions: Vec<Value> = body
            .get("distributions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|d| d.get("region").cloned())
            .collect();
        let mut with_regions = body.clone();
        with_regions
            .as_object_mut()?
            .insert("regions".into(), Value::Array(regions));
        shaped(&schema::DISTRIBUTION_CONFIGURATION_SUMMARY, &with_regions)
    }
}

pub async fn create_distribution_configuration(ctx: &Ctx<'_>, input: &Value) -> ApiResult<Value> {
    family::create::<DistributionConfiguration>(ctx, input).await
}

pub async fn get_distribution_configuration(ctx: &Ctx<'_>, input: &Value) -> ApiResult<Value> {
    family::get::<DistributionConfiguration>(ctx, input).await
}

pub async fn list_distribution_configurations(ctx: &Ctx<'_>, input: &Value) -> ApiResult<Value> {
    family::list::<DistributionConfiguration>(ctx, input).await
}

pub async fn delete_distribution_configuration(ctx: &Ctx<'_>, input: &Value) -> ApiResult<Value> {
    family::delete::<DistributionConfiguration>(ctx, input).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handlers::testkit::Kit;
    use stepwise_api::ErrorKind;

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
}
