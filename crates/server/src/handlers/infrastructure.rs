//! Infrastructure configurations: CreateInfrastructureConfiguration,
//! UpdateInfrastructureConfiguration, GetInfrastructureConfiguration,
//! ListInfrastructureConfigurations, DeleteInfrastructureConfiguration (spec §4.3): the family's rules, on the generic
//! operations of [`super::family`].

use super::family::{self, snapshot_of, ListedResource, StoredResource, UpdatedResource};
use super::stored::stored_body;
use super::typed;
use crate::ctx::Ctx;
use crate::listing::KeyShape;
use serde_json::Value;
use stepwise_api::model::{
    self, CreateInfrastructureConfigurationRequest, CreateInfrastructureConfigurationResponse,
    DeleteInfrastructureConfigurationRequest, DeleteInfrastructureConfigurationResponse,
    GetInfrastructureConfigurationRequest, GetInfrastructureConfigurationResponse,
    ListInfrastructureConfigurationsRequest, ListInfrastructureConfigurationsResponse,
    UpdateInfrastructureConfigurationRequest, UpdateInfrastructureConfigurationResponse,
};
use stepwise_api::time::format_millis;
use stepwise_api::ApiResult;
use stepwise_engine::ImageRecord;
use stepwise_store::ResourceKind;
use stepwise_token::OpCode;

pub(super) struct InfrastructureConfiguration;

impl StoredResource for InfrastructureConfiguration {
    type Create = CreateInfrastructureConfigurationRequest;
    type CreateOutput = CreateInfrastructureConfigurationResponse;
    type Get = GetInfrastructureConfigurationRequest;
    type GetOutput = GetInfrastructureConfigurationResponse;
    type Delete = DeleteInfrastructureConfigurationRequest;
    type DeleteOutput = DeleteInfrastructureConfigurationResponse;

    const KIND: ResourceKind = ResourceKind::InfrastructureConfiguration;
    const NAME: &'static str = "InfrastructureConfiguration";
    const ARN_TYPE: &'static str = "infrastructure-configuration";
    const ARN_MEMBER: &'static str = "infrastructureConfigurationArn";
    const GET_MEMBER: &'static str = "infrastructureConfiguration";

    fn get_arn(input: &Self::Get) -> &str {
        input
            .infrastructure_configuration_arn
            .as_deref()
            .unwrap_or_default()
    }

    fn delete_arn(input: &Self::Delete) -> &str {
        input
            .infrastructure_configuration_arn
            .as_deref()
            .unwrap_or_default()
    }

    fn dry_run(input: &Self::Create) -> Option<bool> {
        input.dry_run
    }

    fn uses(image: &ImageRecord, arn: &str) -> bool {
        snapshot_of(image, "/infrastructureConfiguration/arn", arn)
    }

    /// The configuration as given, with `terminateInstanceOnFailure` defaulting to true
    /// and `tags` to none.
    async fn draft(ctx: &Ctx<'_>, input: &Self::Create, arn: &str) -> ApiResult<Value> {
        let i = input.clone();
        stored_body(&model::InfrastructureConfiguration {
            arn: Some(arn.to_string()),
            name: i.name,
            description: i.description,
            instance_types: i.instance_types,
            instance_profile_name: i.instance_profile_name,
            security_group_ids: i.security_group_ids,
            subnet_id: i.subnet_id,
            logging: i.logging,
            key_pair: i.key_pair,
            terminate_instance_on_failure: Some(i.terminate_instance_on_failure.unwrap_or(true)),
            sns_topic_arn: i.sns_topic_arn,
            date_created: Some(format_millis(ctx.now())),
            date_updated: None,
            resource_tags: i.resource_tags,
            instance_metadata_options: i.instance_metadata_options,
            tags: Some(i.tags.unwrap_or_default()),
            placement: i.placement,
            terminate_instance_on_completion: i.terminate_instance_on_completion,
            parent_instance: i.parent_instance,
        })
    }
}

impl UpdatedResource for InfrastructureConfiguration {
    type Update = UpdateInfrastructureConfigurationRequest;
    type UpdateOutput = UpdateInfrastructureConfigurationResponse;

    fn update_arn(input: &Self::Update) -> &str {
        input
            .infrastructure_configuration_arn
            .as_deref()
            .unwrap_or_default()
    }

    fn as_create(input: &Self::Update, stored: &Value) -> ApiResult<Self::Create> {
        let stored: model::InfrastructureConfiguration = typed(stored)?;
        let i = input.clone();
        Ok(CreateInfrastructureConfigurationRequest {
            name: stored.name,
            description: i.description,
            instance_types: i.instance_types,
            instance_profile_name: i.instance_profile_name,
            security_group_ids: i.security_group_ids,
            subnet_id: i.subnet_id,
            logging: i.logging,
            key_pair: i.key_pair,
            terminate_instance_on_failure: i.terminate_instance_on_failure,
            terminate_instance_on_completion: i.terminate_instance_on_completion,
            sns_topic_arn: i.sns_topic_arn,
            resource_tags: i.resource_tags,
            instance_metadata_options: i.instance_metadata_options,
            tags: stored.tags,
            placement: i.placement,
            parent_instance: i.parent_instance,
            client_token: i.client_token,
            dry_run: None,
        })
    }
}

impl ListedResource for InfrastructureConfiguration {
    type List = ListInfrastructureConfigurationsRequest;
    type ListOutput = ListInfrastructureConfigurationsResponse;
    type Summary = model::InfrastructureConfigurationSummary;

    const LIST_OP: OpCode = OpCode::ListInfrastructureConfigurations;
    const FILTERS: &'static [&'static str] = &["name"];
    const KEY_SHAPE: KeyShape = KeyShape::NAME;

    fn page(items: Vec<Self::Summary>, next_token: Option<String>) -> Self::ListOutput {
        ListInfrastructureConfigurationsResponse {
            request_id: None,
            infrastructure_configuration_summary_list: Some(items),
            next_token,
        }
    }
}

pub async fn create_infrastructure_configuration(
    ctx: &Ctx<'_>,
    input: &CreateInfrastructureConfigurationRequest,
) -> ApiResult<CreateInfrastructureConfigurationResponse> {
    family::create::<InfrastructureConfiguration>(ctx, input).await
}

pub async fn update_infrastructure_configuration(
    ctx: &Ctx<'_>,
    input: &UpdateInfrastructureConfigurationRequest,
) -> ApiResult<UpdateInfrastructureConfigurationResponse> {
    family::update::<InfrastructureConfiguration>(ctx, input).await
}

pub async fn get_infrastructure_configuration(
    ctx: &Ctx<'_>,
    input: &GetInfrastructureConfigurationRequest,
) -> ApiResult<GetInfrastructureConfigurationResponse> {
    family::get::<InfrastructureConfiguration>(ctx, input).await
}

pub async fn list_infrastructure_configurations(
    ctx: &Ctx<'_>,
    input: &ListInfrastructureConfigurationsRequest,
) -> ApiResult<ListInfrastructureConfigurationsResponse> {
    family::list::<InfrastructureConfiguration>(ctx, input).await
}

pub async fn delete_infrastructure_configuration(
    ctx: &Ctx<'_>,
    input: &DeleteInfrastructureConfigurationRequest,
) -> ApiResult<DeleteInfrastructureConfigurationResponse> {
    family::delete::<InfrastructureConfiguration>(ctx, input).await
}

#[cfg(test)]
mod tests {
    use crate::handlers::testkit::Kit;
    use serde_json::{json, Value};
    use stepwise_api::ErrorKind;

    fn infra_arn(nname: &str) -> String {
        format!("arn:aws:imagebuilder:us-east-1:123456789012:infrastructure-configuration/{nname}")
    }

    fn input(name: &str) -> Value {
        json!({
            "name": name,
            "instanceProfileName": "EC2InstanceProfileForImageBuilder",
            "clientToken": uuid::Uuid::new_v4().to_string(),
        })
    }

    #[test]
    fn create_and_get() {
        let kit = Kit::new();
        let mut full = input("Build Infra_1");
        full["placement"] = json!({"tenancy": "dedicated", "availabilityZone": "us-east-1a"});
        full["instanceTypes"] = json!(["m5.large"]);
        full["terminateInstanceOnFailure"] = json!(false);
        full["resourceTags"] = json!({"k": "v"});
        full["logging"] = json!({"s3Logs": {"s3BucketName": "b"}});
        let created = kit.ok("CreateInfrastructureConfiguration", full.clone());
        let arn = infra_arn("build-infra-1");
        assert_eq!(
            created,
            json!({"clientToken": full["clientToken"], "infrastructureConfigurationArn": arn})
        );
        assert_eq!(kit.ok("CreateInfrastructureConfiguration", full), created);
        let got = kit.ok(
            "GetInfrastructureConfiguration",
            json!({"infrastructureConfigurationArn": arn}),
        );
        let c = &got["infrastructureConfiguration"];
        let keys: Vec<&str> = c.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "arn",
                "name",
                "instanceTypes",
                "instanceProfileName",
                "logging",
                "terminateInstanceOnFailure",
                "dateCreated",
                "resourceTags",
                "tags",
                "placement"
            ]
        );
        assert_eq!(c["name"], json!("Build Infra_1"));
        assert_eq!(c["terminateInstanceOnFailure"], json!(false));
        assert_eq!(
            c["placement"],
            json!({"availabilityZone": "us-east-1a", "tenancy": "dedicated"})
        );
        assert_eq!(c["tags"], json!({}));

        kit.ok("CreateInfrastructureConfiguration", input("plain"));
        let c = kit.ok(
            "GetInfrastructureConfiguration",
            json!({"infrastructureConfigurationArn": infra_arn("plain")}),
        );
        assert_eq!(
            c["infrastructureConfiguration"]["terminateInstanceOnFailure"],
            json!(true)
        );
        assert!(c["infrastructureConfiguration"]
            .get("dateUpdated")
            .is_none());

        let e = kit.err("CreateInfrastructureConfiguration", input("PLAIN"));
        assert_eq!(e.kind, ErrorKind::ResourceAlreadyExists);
        assert_eq!(
            e.message,
            format!(
                "The following resource 'InfrastructureConfiguration' already exists: '{}'.",
                infra_arn("plain")
            )
        );
        let mut dry = input("dry");
        dry["dryRun"] = json!(true);
        assert_eq!(
            kit.err("CreateInfrastructureConfiguration", dry).kind,
            ErrorKind::DryRunOperation
        );
        let e = kit.err(
            "GetInfrastructureConfiguration",
            json!({"infrastructureConfigurationArn": infra_arn("dry")}),
        );
        assert_eq!(e.kind, ErrorKind::ResourceNotFound);
    }

    #[test]
    fn list_and_delete() {
        let kit = Kit::new();
        for name in ["zeta", "Alpha", "mid one"] {
            let mut i = input(name);
            i["description"] = json!(format!("about {name}"));
            i["subnetId"] = json!("subnet-1");
            kit.ok("CreateInfrastructureConfiguration", i);
        }
        let all = kit.list_all(
            "ListInfrastructureConfigurations",
            "infrastructureConfigurationSummaryList",
            json!({}),
            1,
        );
        let names: Vec<&str> = all.iter().map(|s| s["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["Alpha", "mid one", "zeta"]);
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
                "description",
                "dateCreated",
                "tags",
                "instanceProfileName"
            ]
        );
        let f = kit.ok(
            "ListInfrastructureConfigurations",
            json!({"filters": [{"name": "name", "values": ["*id*", "zeta"]}]}),
        );
        assert_eq!(
            f["infrastructureConfigurationSummaryList"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
        let e = kit.err(
            "ListInfrastructureConfigurations",
            json!({"filters": [{"name": "platform", "values": ["Linux"]}]}),
        );
        assert_eq!(e.kind, ErrorKind::InvalidRequest);

        let arn = infra_arn("zeta");
        let image = "arn:aws:imagebuilder:us-east-1:123456789012:image/r/1.0.0/1";
        kit.image_using(image, "PENDING", "infrastructureConfiguration", &arn);
        let e = kit.err(
            "DeleteInfrastructureConfiguration",
            json!({"infrastructureConfigurationArn": arn}),
        );
        assert_eq!(e.kind, ErrorKind::ResourceDependency);
        assert_eq!(
            e.message,
            format!("The resource '{arn}' is in use by image '{image}'.")
        );
        let alpha = infra_arn("alpha");
        let out = kit.ok(
            "DeleteInfrastructureConfiguration",
            json!({"infrastructureConfigurationArn": alpha}),
        );
        assert_eq!(out, json!({"infrastructureConfigurationArn": alpha}));
        let e = kit.err(
            "DeleteInfrastructureConfiguration",
            json!({"infrastructureConfigurationArn": alpha}),
        );
        assert_eq!(e.kind, ErrorKind::ResourceNotFound);
    }

    #[test]
    fn update_replaces_the_configuration_and_keeps_name_dates_and_tags() {
        let kit = Kit::new();
        let mut first = input("Updated One");
        first["description"] = json!("first");
        first["subnetId"] = json!("subnet-1");
        first["tags"] = json!({"team": "a"});
        kit.ok("CreateInfrastructureConfiguration", first);
        let arn = infra_arn("updated-one");
        kit.ok(
            "TagResource",
            json!({"resourceArn": arn, "tags": {"later": "b"}}),
        );
        let get = || {
            kit.ok(
                "GetInfrastructureConfiguration",
                json!({"infrastructureConfigurationArn": arn}),
            )["infrastructureConfiguration"]
                .clone()
        };
        let before = get();
        kit.clock.advance(61_000);
        let update = json!({
            "infrastructureConfigurationArn": arn,
            "instanceProfileName": "OtherProfile",
            "instanceTypes": ["c5.xlarge"],
            "terminateInstanceOnFailure": false,
            "clientToken": "u1",
        });
        let out = kit.ok("UpdateInfrastructureConfiguration", update.clone());
        assert_eq!(
            out,
            json!({"clientToken": "u1", "infrastructureConfigurationArn": arn})
        );
        let after = get();
        let keys: Vec<&str> = after
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
                "instanceTypes",
                "instanceProfileName",
                "terminateInstanceOnFailure",
                "dateCreated",
                "dateUpdated",
                "tags"
            ]
        );
        assert_eq!(after["name"], json!("Updated One"));
        assert_eq!(after["dateCreated"], before["dateCreated"]);
        assert_eq!(after["dateUpdated"], json!("2026-03-04T10:16:31.042Z"));
        assert_eq!(after["tags"], json!({"team": "a", "later": "b"}));
        // What the update leaves out is gone (replace semantics).
        assert!(after.get("description").is_none() && after.get("subnetId").is_none());

        // The same token replays; with other parameters it is refused.
        assert_eq!(
            kit.ok("UpdateInfrastructureConfiguration", update.clone()),
            out
        );
        let mut other = update.clone();
        other["instanceProfileName"] = json!("Third");
        let e = kit.err("UpdateInfrastructureConfiguration", other);
        assert_eq!(e.kind, ErrorKind::IdempotentParameterMismatch);

        let e = kit.err(
            "UpdateInfrastructureConfiguration",
            json!({"infrastructureConfigurationArn": infra_arn("none"),
                   "instanceProfileName": "p", "clientToken": "u2"}),
        );
        assert_eq!(e.kind, ErrorKind::ResourceNotFound);
        let e = kit.err(
            "UpdateInfrastructureConfiguration",
            json!({"infrastructureConfigurationArn": arn, "clientToken": "u3"}),
        );
        assert_eq!(e.kind, ErrorKind::InvalidRequest);
        assert!(e.message.contains("instanceProfileName"), "{}", e.message);
        assert_eq!(get(), after, "a refused update changes nothing");
    }
}
