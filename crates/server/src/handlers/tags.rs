//! Tagging: TagResource, UntagResource and ListTagsForResource, on every kind of resource the
//! store keeps (the decisions are in the README's "What is supported"). A resource's tags are
//! one set, whether given at create time or changed here: they live in its stored body, where
//! its Get and List show them, and only [`Write::SetTags`] changes them once it is stored.

use super::stored::apply_as_read;
use crate::ctx::Ctx;
use indexmap::IndexMap;
use serde_json::Value;
use stepwise_api::arn::Arn;
use stepwise_api::model::{
    ListTagsForResourceRequest, ListTagsForResourceResponse, TagResourceRequest,
    TagResourceResponse, UntagResourceRequest, UntagResourceResponse,
};
use stepwise_api::{ApiError, ApiResult, ErrorKind};
use stepwise_store::{Resource, ResourceKind, Write};

/// The most tags a resource carries (AWS's limit, also the model's for one request).
pub const MAX_TAGS: usize = 50;

type Tags = IndexMap<String, String>;

/// The stored resource an ARN names in the caller's tenancy, or ResourceNotFoundException:
/// an ARN of a kind Stepwise does not store, of another account or region, or owned by
/// Amazon names nothing the caller can tag.
async fn tagged(ctx: &Ctx<'_>, arn: &str) -> ApiResult<(ResourceKind, Resource)> {
    let kind = Arn::parse(arn)
        .and_then(|a| ResourceKind::from_arn_type(a.resource_type))
        .ok_or_else(|| ApiError::not_found(arn))?;
    let resource = ctx
        .state
        .store
        .get_resource(&ctx.tenant, kind, arn)
        .await?
        .ok_or_else(|| ApiError::not_found(arn))?;
    Ok((kind, resource))
}

/// The tags a stored body carries (none when it has no map at the kind's pointer).
fn tags_of(kind: ResourceKind, body: &Value) -> ApiResult<Tags> {
    match body.pointer(kind.tags_pointer()) {
        None | Some(Value::Null) => Ok(Tags::new()),
        Some(tags) => crate::typed::typed(tags),
    }
}

/// Stores `tags` as the resource's tags, if it is still as read (else the operation is
/// decided again).
async fn commit(ctx: &Ctx<'_>, kind: ResourceKind, read: Resource, tags: Tags) -> ApiResult<()> {
    let tags = serde_json::to_value(tags).map_err(|e| ApiError::internal(e.to_string()))?;
    let arn = read.arn.clone();
    apply_as_read(ctx, kind, &read, Write::SetTags { kind, arn, tags }).await
}

pub async fn tag_resource(
    ctx: &Ctx<'_>,
    input: &TagResourceRequest,
) -> ApiResult<TagResourceResponse> {
    let arn = input.resource_arn.as_deref().unwrap_or_default();
    let (kind, resource) = tagged(ctx, arn).await?;
    let mut tags = tags_of(kind, &resource.body)?;
    for (key, value) in input.tags.iter().flatten() {
        tags.insert(key.clone(), value.clone());
    }
    if tags.len() > MAX_TAGS {
        return Err(ApiError::new(
            ErrorKind::InvalidParameter,
            format!(
                "The value supplied for parameter 'tags' is not valid. A resource can have at most \
                 {MAX_TAGS} tags; '{arn}' would have {}.",
                tags.len()
            ),
        ));
    }
    commit(ctx, kind, resource, tags).await?;
    Ok(TagResourceResponse {})
}

pub async fn untag_resource(
    ctx: &Ctx<'_>,
    input: &UntagResourceRequest,
) -> ApiResult<UntagResourceResponse> {
    let arn = input.resource_arn.as_deref().unwrap_or_default();
    let (kind, resource) = tagged(ctx, arn).await?;
    let mut tags = tags_of(kind, &resource.body)?;
    // Removing a key the resource does not carry is no error, as in AWS.
    for key in input.tag_keys.iter().flatten() {
        tags.shift_remove(key);
    }
    commit(ctx, kind, resource, tags).await?;
    Ok(UntagResourceResponse {})
}

pub async fn list_tags_for_resource(
    ctx: &Ctx<'_>,
    input: &ListTagsForResourceRequest,
) -> ApiResult<ListTagsForResourceResponse> {
    let arn = input.resource_arn.as_deref().unwrap_or_default();
    let (kind, resource) = tagged(ctx, arn).await?;
    Ok(ListTagsForResourceResponse {
        tags: Some(tags_of(kind, &resource.body)?),
    })
}

#[cfg(test)]
mod tests {
    use crate::handlers::testkit::Kit;
    use serde_json::{json, Value};
    use stepwise_api::ErrorKind;

    const INFRA: &str =
        "arn:aws:imagebuilder:us-east-1:123456789012:infrastructure-configuration/tagged";
    const IMAGE: &str = "arn:aws:imagebuilder:us-east-1:123456789012:image/r/1.0.0/1";

    fn kit_with_infra() -> Kit {
        let kit = Kit::new();
        kit.ok(
            "CreateInfrastructureConfiguration",
            json!({"name": "tagged", "instanceProfileName": "p", "clientToken": "t1",
                   "tags": {"team": "a", "env": "dev"}}),
        );
        kit
    }

    fn tags(kit: &Kit, arn: &str) -> Value {
        kit.ok("ListTagsForResource", json!({"resourceArn": arn}))["tags"].clone()
    }

    #[test]
    fn tags_given_at_create_and_changed_later_are_one_set() {
        let kit = kit_with_infra();
        assert_eq!(tags(&kit, INFRA), json!({"team": "a", "env": "dev"}));
        let out = kit.ok(
            "TagResource",
            json!({"resourceArn": INFRA, "tags": {"env": "prod", "owner": ""}}),
        );
        assert_eq!(out, json!({}));
        let expected = json!({"team": "a", "env": "prod", "owner": ""});
        assert_eq!(tags(&kit, INFRA), expected);
        let got = kit.ok(
            "GetInfrastructureConfiguration",
            json!({"infrastructureConfigurationArn": INFRA}),
        );
        assert_eq!(got["infrastructureConfiguration"]["tags"], expected);
        let listed = kit.ok("ListInfrastructureConfigurations", json!({}));
        assert_eq!(
            listed["infrastructureConfigurationSummaryList"][0]["tags"],
            expected
        );
        // Keys the resource does not carry are ignored.
        kit.ok(
            "UntagResource",
            json!({"resourceArn": INFRA, "tagKeys": ["team", "absent"]}),
        );
        assert_eq!(tags(&kit, INFRA), json!({"env": "prod", "owner": ""}));
    }

    #[test]
    fn images_are_tagged_where_get_image_shows_them() {
        let kit = Kit::new();
        kit.image_using(IMAGE, "BUILDING", "imageRecipe", "arn:r");
        assert_eq!(tags(&kit, IMAGE), json!({}));
        kit.ok(
            "TagResource",
            json!({"resourceArn": IMAGE, "tags": {"k": "v"}}),
        );
        let got = kit.ok("GetImage", json!({"imageBuildVersionArn": IMAGE}));
        assert_eq!(got["image"]["tags"], json!({"k": "v"}));
    }

    #[test]
    fn limits_and_unknown_resources() {
        let kit = kit_with_infra();
        let many: serde_json::Map<String, Value> =
            (0..49).map(|i| (format!("k{i}"), json!("v"))).collect();
        let e = kit.err("TagResource", json!({"resourceArn": INFRA, "tags": many}));
        assert_eq!(e.kind, ErrorKind::InvalidParameter);
        assert!(e.message.contains("at most 50 tags"), "{}", e.message);
        assert_eq!(tags(&kit, INFRA), json!({"team": "a", "env": "dev"}));

        for (input, member) in [
            (
                json!({"resourceArn": INFRA, "tags": {"aws:x": "v"}}),
                "tags.aws:x",
            ),
            (json!({"resourceArn": INFRA, "tags": {"": "v"}}), "tags."),
            (
                json!({"resourceArn": INFRA, "tags": {"k": "v".repeat(257)}}),
                "tags.k",
            ),
            (json!({"resourceArn": INFRA, "tags": {}}), "tags"),
            (
                json!({"resourceArn": "arn:nothing", "tags": {"k": "v"}}),
                "resourceArn",
            ),
        ] {
            let e = kit.err("TagResource", input);
            assert_eq!(e.kind, ErrorKind::InvalidParameter, "{}", e.message);
            assert!(e.message.contains(&format!("'{member}'")), "{}", e.message);
        }
        let e = kit.err(
            "UntagResource",
            json!({"resourceArn": INFRA, "tagKeys": []}),
        );
        assert_eq!(e.kind, ErrorKind::InvalidParameter);

        for arn in [
            "arn:aws:imagebuilder:us-east-1:123456789012:infrastructure-configuration/none",
            "arn:aws:imagebuilder:eu-west-1:123456789012:infrastructure-configuration/tagged",
            "arn:aws:imagebuilder:us-east-1:210987654321:infrastructure-configuration/tagged",
            "arn:aws:imagebuilder:us-east-1:aws:workflow/build/build-image/1.0.0/1",
            "arn:aws:imagebuilder:us-east-1:123456789012:component/c/1.0.0/1",
        ] {
            let e = kit.err("ListTagsForResource", json!({"resourceArn": arn}));
            assert_eq!(e.kind, ErrorKind::ResourceNotFound, "{arn}");
            let e = kit.err(
                "TagResource",
                json!({"resourceArn": arn, "tags": {"k": "v"}}),
            );
            assert_eq!(e.kind, ErrorKind::ResourceNotFound, "{arn}");
            let e = kit.err(
                "UntagResource",
                json!({"resourceArn": arn, "tagKeys": ["k"]}),
            );
            assert_eq!(e.kind, ErrorKind::ResourceNotFound, "{arn}");
        }
    }
}
