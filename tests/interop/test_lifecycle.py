"""What an infrastructure-as-code tool does to Image Builder resources, call for call as
Terraform's AWS provider makes them: create with tags, refresh (Get plus ListTagsForResource),
change tags (UntagResource then TagResource), update configurations in place, build, then destroy
in dependency order, and find nothing left."""

from __future__ import annotations

import uuid

import pytest

from stepwise_harness import GATED_WORKFLOW, Kit, unique_name, wait_for

TAGS = {"managed-by": "terraform", "stack": "images"}
COMPONENT = """schemaVersion: 1.0
parameters:
  - Tool:
      type: string
phases:
  - name: build
    steps:
      - name: Install
        action: ExecuteBash
        inputs:
          commands: ['dnf install -y {{ Tool }}']
  - name: test
    steps:
      - name: Present
        action: ExecuteBash
        inputs:
          commands: ['command -v {{ Tool }}']
"""


def refresh(imagebuilder, get, member: str, arn_member: str, arn: str) -> dict:
    """A resource read back as a provider's refresh reads it: Get, and its tags by ARN."""
    resource = get(**{arn_member: arn})[member]
    tags = imagebuilder.list_tags_for_resource(resourceArn=arn)["tags"]
    assert resource["tags"] == tags, member
    return resource


def change_tags(imagebuilder, arn: str, old: dict, new: dict) -> None:
    """A provider's tag diff: removed keys untagged, added or changed ones tagged."""
    removed = [k for k in old if k not in new]
    changed = {k: v for k, v in new.items() if old.get(k) != v}
    if removed:
        imagebuilder.untag_resource(resourceArn=arn, tagKeys=removed)
    if changed:
        imagebuilder.tag_resource(resourceArn=arn, tags=changed)


def test_create_refresh_change_build_and_destroy(imagebuilder, kit: Kit):
    stack = unique_name("stack")
    token = lambda: str(uuid.uuid4())  # noqa: E731 - the SDK's auto-filled token, made explicit
    workflow = imagebuilder.create_workflow(
        name=f"{stack}-build", semanticVersion="1.0.0", type="BUILD", data=GATED_WORKFLOW, tags=TAGS,
        clientToken=token())["workflowBuildVersionArn"]
    component = imagebuilder.create_component(
        name=f"{stack}-tools", semanticVersion="1.0.0", platform="Linux", tags=TAGS, clientToken=token(),
        data=COMPONENT)["componentBuildVersionArn"]
    recipe = imagebuilder.create_image_recipe(
        name=f"{stack}-recipe", semanticVersion="1.0.0", parentImage="ami-0123456789abcdef0",
        components=[{"componentArn": "arn:aws:imagebuilder:us-east-1:aws:component/update-linux/x.x.x"},
                    {"componentArn": component, "parameters": [{"name": "Tool", "value": ["jq"]}]}],
        tags=TAGS, clientToken=token())["imageRecipeArn"]
    infra = imagebuilder.create_infrastructure_configuration(
        name=f"{stack}-infra", instanceProfileName="ImageBuilderInstance", instanceTypes=["m5.large"],
        tags=TAGS, clientToken=token())["infrastructureConfigurationArn"]
    dist = imagebuilder.create_distribution_configuration(
        name=f"{stack}-dist", tags=TAGS, clientToken=token(),
        distributions=[{"region": "us-east-1", "amiDistributionConfiguration": {"name": "img-{{imagebuilder:buildDate}}"}}],
    )["distributionConfigurationArn"]

    resources = [
        (imagebuilder.get_component, "component", "componentBuildVersionArn", component),
        (imagebuilder.get_workflow, "workflow", "workflowBuildVersionArn", workflow),
        (imagebuilder.get_image_recipe, "imageRecipe", "imageRecipeArn", recipe),
        (imagebuilder.get_infrastructure_configuration, "infrastructureConfiguration",
         "infrastructureConfigurationArn", infra),
        (imagebuilder.get_distribution_configuration, "distributionConfiguration",
         "distributionConfigurationArn", dist),
    ]
    new_tags = {"managed-by": "terraform", "owner": "platform"}
    for get, member, arn_member, arn in resources:
        assert refresh(imagebuilder, get, member, arn_member, arn)["tags"] == TAGS
        change_tags(imagebuilder, arn, TAGS, new_tags)
        assert refresh(imagebuilder, get, member, arn_member, arn)["tags"] == new_tags

    # In-place updates: the whole configuration is sent again, changed.
    imagebuilder.update_infrastructure_configuration(
        infrastructureConfigurationArn=infra, instanceProfileName="ImageBuilderInstance",
        instanceTypes=["m5.xlarge"], description="bigger", clientToken=token())
    imagebuilder.update_distribution_configuration(
        distributionConfigurationArn=dist, clientToken=token(),
        distributions=[{"region": "us-east-1", "amiDistributionConfiguration": {"name": "img-{{imagebuilder:buildDate}}"}},
                       {"region": "eu-west-1", "amiDistributionConfiguration": {"name": "img-{{imagebuilder:buildDate}}"}}])
    updated = refresh(imagebuilder, *resources[3])
    assert updated["instanceTypes"] == ["m5.xlarge"] and updated["tags"] == new_tags

    image = imagebuilder.create_image(
        imageRecipeArn=recipe, infrastructureConfigurationArn=infra, distributionConfigurationArn=dist,
        workflows=[{"workflowArn": workflow}], tags=TAGS, clientToken=token())["imageBuildVersionArn"]
    gate = wait_for(lambda: kit.waiting_step(image), "the gate")
    # While it builds, everything it uses is held.
    for delete, arn_member, arn in [
        (imagebuilder.delete_component, "componentBuildVersionArn", component),
        (imagebuilder.delete_image_recipe, "imageRecipeArn", recipe),
        (imagebuilder.delete_infrastructure_configuration, "infrastructureConfigurationArn", infra),
        (imagebuilder.delete_distribution_configuration, "distributionConfigurationArn", dist),
        (imagebuilder.delete_workflow, "workflowBuildVersionArn", workflow),
    ]:
        with pytest.raises(imagebuilder.exceptions.ResourceDependencyException):
            delete(**{arn_member: arn})
    with pytest.raises(imagebuilder.exceptions.ResourceInUseException):
        imagebuilder.delete_image(imageBuildVersionArn=image)
    imagebuilder.send_workflow_step_action(stepExecutionId=gate["stepExecutionId"], imageBuildVersionArn=image,
                                           action="RESUME", reason="approved")
    built = kit.wait_image(image)
    assert built["state"]["status"] == "AVAILABLE"
    assert built["infrastructureConfiguration"]["instanceTypes"] == ["m5.xlarge"]
    assert [d["region"] for d in built["distributionConfiguration"]["distributions"]] == ["us-east-1", "eu-west-1"]
    assert imagebuilder.list_tags_for_resource(resourceArn=image)["tags"] == TAGS

    # Destroy, dependents first.
    imagebuilder.delete_image(imageBuildVersionArn=image)
    imagebuilder.delete_distribution_configuration(distributionConfigurationArn=dist)
    imagebuilder.delete_infrastructure_configuration(infrastructureConfigurationArn=infra)
    imagebuilder.delete_image_recipe(imageRecipeArn=recipe)
    imagebuilder.delete_component(componentBuildVersionArn=component)
    imagebuilder.delete_workflow(workflowBuildVersionArn=workflow)

    for arn in (image, dist, infra, recipe, component, workflow):
        with pytest.raises(imagebuilder.exceptions.ResourceNotFoundException):
            imagebuilder.list_tags_for_resource(resourceArn=arn)
    for get, _, arn_member, arn in resources:
        with pytest.raises(imagebuilder.exceptions.ResourceNotFoundException):
            get(**{arn_member: arn})
    with pytest.raises(imagebuilder.exceptions.ResourceNotFoundException):
        imagebuilder.get_image(imageBuildVersionArn=image)
    by_name = [{"name": "name", "values": [f"{stack}*"]}]
    assert imagebuilder.list_image_recipes(filters=by_name)["imageRecipeSummaryList"] == []
    assert imagebuilder.list_infrastructure_configurations(filters=by_name)["infrastructureConfigurationSummaryList"] == []
    assert imagebuilder.list_distribution_configurations(filters=by_name)["distributionConfigurationSummaryList"] == []
    assert imagebuilder.list_images(filters=by_name)["imageVersionList"] == []
    assert imagebuilder.list_workflows(filters=by_name)["workflowVersionList"] == []
    assert imagebuilder.list_components(filters=by_name)["componentVersionList"] == []
