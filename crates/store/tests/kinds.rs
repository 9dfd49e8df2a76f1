//! The resource kinds, pinned. `ResourceKind` is generated from `RESOURCE_KINDS` in
//! codegen/gen_model.py; a kind's name is kept in every stored row and its status pointer
//! decides what the store indexes, so an edit of that list that changes either fails here.

use stepwise_store::ResourceKind;

#[test]
fn every_kind_keeps_its_name_and_status_pointer() {
    let actual = ResourceKind::ALL.map(|k| (k, k.as_str(), k.status_pointer()));
    assert_eq!(
        actual,
        [
            (ResourceKind::Workflow, "workflow", None),
            (ResourceKind::ImageRecipe, "image-recipe", None),
            (
                ResourceKind::InfrastructureConfiguration,
                "infrastructure-configuration",
                None
            ),
            (
                ResourceKind::DistributionConfiguration,
                "distribution-configuration",
                None
            ),
            (ResourceKind::Image, "image", Some("/image/state/status")),
            (ResourceKind::Component, "component", None),
            (
                ResourceKind::ImagePipeline,
                "image-pipeline",
                Some("/status")
            ),
        ]
    );
}

#[test]
fn every_kind_keeps_its_tags_where_its_bodies_have_them() {
    let actual = ResourceKind::ALL.map(|k| (k.as_str(), k.tags_pointer()));
    assert_eq!(
        actual,
        [
            ("workflow", "/tags"),
            ("image-recipe", "/tags"),
            ("infrastructure-configuration", "/tags"),
            ("distribution-configuration", "/tags"),
            ("image", "/image/tags"),
            ("component", "/tags"),
            ("image-pipeline", "/tags"),
        ]
    );
    for kind in ResourceKind::ALL {
        assert_eq!(ResourceKind::from_arn_type(kind.as_str()), Some(kind));
    }
    assert_eq!(ResourceKind::from_arn_type("lifecycle-policy"), None);
}
