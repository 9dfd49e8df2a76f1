"""Tagging (TagResource, UntagResource, ListTagsForResource) on every kind Stepwise stores, through
boto3, the AWS CLI, `stepwise imagebuilder` and the JavaScript SDK v3: tags given at create time and
changed later are one set, as Get and List show them; AWS's limits; unknown resources."""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid

import pytest

from stepwise_harness import GATED_WORKFLOW, REPO_ROOT, Kit, assert_api_error, make_client, unique_name, wait_for

JS_DIR = REPO_ROOT / "tests" / "js"


def tagged_resources(imagebuilder, kit: Kit) -> dict[str, str]:
    """One resource of every stored kind, each created with the tag `given`."""
    given = {"given": "at-create"}
    workflow = imagebuilder.create_workflow(
        name=unique_name("wf"), semanticVersion="1.0.0", type="BUILD", data=GATED_WORKFLOW,
        clientToken=str(uuid.uuid4()), tags=given)["workflowBuildVersionArn"]
    recipe = imagebuilder.create_image_recipe(
        name=unique_name("recipe"), semanticVersion="1.0.0", parentImage="ami-0123456789abcdef0",
        components=[{"componentArn": "arn:aws:imagebuilder:us-east-1:aws:component/update-linux/x.x.x"}],
        clientToken=str(uuid.uuid4()), tags=given)["imageRecipeArn"]
    infra = imagebuilder.create_infrastructure_configuration(
        name=unique_name("infra"), instanceProfileName="p", clientToken=str(uuid.uuid4()),
        tags=given)["infrastructureConfigurationArn"]
    dist = imagebuilder.create_distribution_configuration(
        name=unique_name("dist"), clientToken=str(uuid.uuid4()), tags=given,
        distributions=[{"region": "us-east-1", "amiDistributionConfiguration": {"name": "out-{{imagebuilder:buildDate}}"}}],
    )["distributionConfigurationArn"]
    image = kit.create_image(recipe, infra, tags=given)
    assert kit.wait_image(image)["state"]["status"] == "AVAILABLE"
    component = imagebuilder.create_component(
        name=unique_name("component"), semanticVersion="1.0.0", platform="Linux", tags=given,
        data="schemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: Update\n        action: UpdateOS\n",
        clientToken=str(uuid.uuid4()))["componentBuildVersionArn"]
    return {"workflow": workflow, "recipe": recipe, "infra": infra, "dist": dist, "image": image,
            "component": component}


def shown_tags(imagebuilder, kind: str, arn: str) -> dict[str, str]:
    """The tags Get shows for a resource."""
    if kind == "workflow":
        return imagebuilder.get_workflow(workflowBuildVersionArn=arn)["workflow"]["tags"]
    if kind == "recipe":
        return imagebuilder.get_image_recipe(imageRecipeArn=arn)["imageRecipe"]["tags"]
    if kind == "infra":
        return imagebuilder.get_infrastructure_configuration(
            infrastructureConfigurationArn=arn)["infrastructureConfiguration"]["tags"]
    if kind == "dist":
        return imagebuilder.get_distribution_configuration(
            distributionConfigurationArn=arn)["distributionConfiguration"]["tags"]
    if kind == "component":
        return imagebuilder.get_component(componentBuildVersionArn=arn)["component"]["tags"]
    return imagebuilder.get_image(imageBuildVersionArn=arn)["image"]["tags"]


def test_every_kind_carries_one_set_of_tags(imagebuilder, kit: Kit):
    for kind, arn in tagged_resources(imagebuilder, kit).items():
        assert imagebuilder.list_tags_for_resource(resourceArn=arn)["tags"] == {"given": "at-create"}, kind
        resp = imagebuilder.tag_resource(resourceArn=arn, tags={"team": "build", "given": "changed", "empty": ""})
        assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200
        expected = {"given": "changed", "team": "build", "empty": ""}
        assert imagebuilder.list_tags_for_resource(resourceArn=arn)["tags"] == expected, kind
        assert shown_tags(imagebuilder, kind, arn) == expected, kind
        imagebuilder.untag_resource(resourceArn=arn, tagKeys=["given", "never-there"])
        assert shown_tags(imagebuilder, kind, arn) == {"team": "build", "empty": ""}, kind
    # Lists show the same set.
    infra = imagebuilder.list_infrastructure_configurations()["infrastructureConfigurationSummaryList"]
    assert all(s["tags"] == {"team": "build", "empty": ""} for s in infra)


def test_a_tag_change_during_a_build_survives_the_build(imagebuilder, kit: Kit):
    gated = kit.create_workflow(data=GATED_WORKFLOW, name=unique_name("gated"))
    image = kit.create_image(kit.create_recipe(), kit.create_infrastructure(),
                             workflows=[{"workflowArn": gated}], tags={"first": "1"})
    gate = wait_for(lambda: kit.waiting_step(image), "the gate")
    imagebuilder.tag_resource(resourceArn=image, tags={"during": "build"})
    imagebuilder.untag_resource(resourceArn=image, tagKeys=["first"])
    imagebuilder.send_workflow_step_action(stepExecutionId=gate["stepExecutionId"],
                                           imageBuildVersionArn=image, action="RESUME", reason="approved")
    done = kit.wait_image(image)
    assert done["state"]["status"] == "AVAILABLE"
    assert done["tags"] == {"during": "build"}
    summaries = imagebuilder.list_image_build_versions(imageVersionArn=image.rsplit("/", 1)[0])
    assert [s["tags"] for s in summaries["imageSummaryList"]] == [{"during": "build"}]


def test_limits_and_unknown_resources(imagebuilder, kit: Kit, stepwise):
    infra = kit.create_infrastructure()
    imagebuilder.tag_resource(resourceArn=infra, tags={f"k{i}": "v" for i in range(40)})
    with pytest.raises(imagebuilder.exceptions.InvalidParameterException) as err:
        imagebuilder.tag_resource(resourceArn=infra, tags={f"n{i}": "v" for i in range(11)})
    assert_api_error(err.value, "InvalidParameterException", 400, message_contains=["tags", "at most 50"])
    assert len(imagebuilder.list_tags_for_resource(resourceArn=infra)["tags"]) == 40
    # Replacing values of keys it has keeps a full resource within the limit.
    imagebuilder.tag_resource(resourceArn=infra, tags={f"n{i}": "v" for i in range(10)})
    imagebuilder.tag_resource(resourceArn=infra, tags={"k0": "new"})

    for tags, member in [({"aws:team": "x"}, "tags.aws:team"), ({"k" * 129: "v"}, "tags." + "k" * 129),
                         ({"k": "v" * 257}, "tags.k"), ({"bad*key": "v"}, "tags.bad*key")]:
        with pytest.raises(imagebuilder.exceptions.InvalidParameterException) as err:
            imagebuilder.tag_resource(resourceArn=infra, tags=tags)
        assert_api_error(err.value, "InvalidParameterException", 400, message_contains=[f"'{member}'"])
    with pytest.raises(imagebuilder.exceptions.InvalidParameterException) as err:
        imagebuilder.list_tags_for_resource(resourceArn="arn:aws:imagebuilder:us-east-1:123456789012:nothing/x")
    assert_api_error(err.value, "InvalidParameterException", 400, message_contains=["'resourceArn'"])
    assert imagebuilder.list_tags_for_resource(resourceArn=infra)["tags"]["k0"] == "new"

    other_region = make_client(stepwise.endpoint, region_name="eu-west-1")
    for client, arn in [
        (imagebuilder, infra.replace("/infra-", "/gone-")),
        (imagebuilder, infra.replace(":us-east-1:", ":eu-west-1:")),
        (imagebuilder, infra.replace(":123456789012:", ":210987654321:")),
        (other_region, infra),
        (imagebuilder, "arn:aws:imagebuilder:us-east-1:aws:workflow/build/build-image/1.0.0/1"),
        (imagebuilder, "arn:aws:imagebuilder:us-east-1:123456789012:component/mine/1.0.0/1"),
        (imagebuilder, "arn:aws:imagebuilder:us-east-1:aws:component/update-linux/1.0.2/1"),
        (imagebuilder, "arn:aws:imagebuilder:us-east-1:123456789012:image-pipeline/not-stored"),
        (imagebuilder, "arn:aws:imagebuilder:us-east-1:123456789012:lifecycle-policy/not-stored"),
    ]:
        for call in (lambda: client.list_tags_for_resource(resourceArn=arn),
                     lambda: client.tag_resource(resourceArn=arn, tags={"k": "v"}),
                     lambda: client.untag_resource(resourceArn=arn, tagKeys=["k"])):
            with pytest.raises(client.exceptions.ResourceNotFoundException) as err:
                call()
            assert_api_error(err.value, "ResourceNotFoundException", 404, message_contains=[arn])


def test_the_aws_cli_and_stepwise_imagebuilder_tag_alike(tools, kit: Kit):
    arns = {tool: kit.create_infrastructure() for tool in ("aws", "stepwise")}
    for tool, arn in arns.items():
        done = tools.run(tool, "tag-resource", "--resource-arn", arn, "--tags", "team=a,cost=b c")
        assert done.returncode == 0 and done.stdout == "", done.stderr
        done = tools.run(tool, "untag-resource", "--resource-arn", arn, "--tag-keys", "cost", "none")
        assert done.returncode == 0 and done.stdout == "", done.stderr
    aws, ours = (tools.run(tool, "list-tags-for-resource", "--resource-arn", arn) for tool, arn in arns.items())
    assert aws.returncode == ours.returncode == 0, aws.stderr + ours.stderr
    assert aws.stdout == ours.stdout
    assert json.loads(aws.stdout) == {"tags": {"team": "a"}}
    gone = arns["aws"].replace("/infra-", "/gone-")
    aws, ours = tools.both("list-tags-for-resource", "--resource-arn", gone)
    assert aws.returncode == ours.returncode == 254 or aws.returncode == ours.returncode == 255
    assert aws.stderr == ours.stderr and "ResourceNotFoundException" in aws.stderr
    aws, ours = tools.both("tag-resource", "--resource-arn", arns["aws"], "--tags", "aws:x=1")
    assert aws.returncode == ours.returncode != 0
    assert aws.stderr == ours.stderr and "InvalidParameterException" in aws.stderr


def test_the_javascript_sdk_sends_the_arn_as_one_encoded_label(imagebuilder, kit: Kit, stepwise):
    node = shutil.which("node")
    assert node, "node is not installed"
    assert (JS_DIR / "node_modules" / "@aws-sdk" / "client-imagebuilder").is_dir(), \
        "the JavaScript SDK is not installed: run scripts/test (npm ci in tests/js)"
    workflow = kit.create_workflow(data=GATED_WORKFLOW, name=unique_name("js"), tags={"given": "1"})
    infra = kit.create_infrastructure()
    done = subprocess.run([node, "tags.mjs", stepwise.endpoint, workflow, infra], cwd=JS_DIR,
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["listed"] == out["workflowTags"] == {"team": "js", "cost/centre": "a b"}
    encoded = workflow.replace(":", "%3A").replace("/", "%2F")
    assert f"POST /tags/{encoded}" in out["paths"], out["paths"]
    assert f"GET /tags/{encoded}" in out["paths"]
    assert any(p.startswith(f"DELETE /tags/{encoded}") for p in out["paths"])
    assert out["infra"]["instanceProfileName"] == "FromJavaScript"
    assert out["infra"]["description"] == "updated by the JavaScript SDK"
    assert "dateUpdated" in out["infra"]
    assert out["unknown"]["name"] == "ResourceNotFoundException" and out["unknown"]["status"] == 404
    assert out["reserved"]["name"] == "InvalidParameterException" and out["reserved"]["status"] == 400
    assert "aws:owner" in out["reserved"]["message"]
    assert imagebuilder.list_tags_for_resource(resourceArn=workflow)["tags"] == out["listed"]
