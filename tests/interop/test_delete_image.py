"""DeleteImage: an image whose build is over goes with the executions its builds recorded; one
still building is refused; the dependency rule then lets its recipe go. Through boto3, the AWS
CLI and `stepwise imagebuilder`."""

from __future__ import annotations

import json
import subprocess

import pytest

from stepwise_harness import GATED_WORKFLOW, Kit, unique_name, wait_for


def finished_image(kit: Kit) -> tuple[str, str, str]:
    """(image, recipe, infrastructure) of an AVAILABLE image built by the managed workflows."""
    recipe, infra = kit.create_recipe(), kit.create_infrastructure()
    image = kit.create_image(recipe, infra)
    assert kit.wait_image(image)["state"]["status"] == "AVAILABLE"
    return image, recipe, infra


def test_a_finished_image_goes_with_its_executions_and_steps(imagebuilder, kit: Kit):
    image, recipe, _ = finished_image(kit)
    executions = kit.executions(image)
    assert executions
    execution = executions[0]["workflowExecutionId"]
    first = imagebuilder.list_workflow_step_executions(workflowExecutionId=execution, maxResults=1)
    token, step = first["nextToken"], first["steps"][0]["stepExecutionId"]
    executions_page = imagebuilder.list_workflow_executions(imageBuildVersionArn=image, maxResults=1)

    resp = imagebuilder.delete_image(imageBuildVersionArn=image)
    assert resp["imageBuildVersionArn"] == image and resp["requestId"]

    not_found = imagebuilder.exceptions.ResourceNotFoundException
    for call in (
        lambda: imagebuilder.get_image(imageBuildVersionArn=image),
        lambda: imagebuilder.delete_image(imageBuildVersionArn=image),
        lambda: imagebuilder.list_workflow_executions(imageBuildVersionArn=image),
        lambda: imagebuilder.get_workflow_execution(workflowExecutionId=execution),
        lambda: imagebuilder.list_workflow_step_executions(workflowExecutionId=execution),
        lambda: imagebuilder.list_workflow_step_executions(workflowExecutionId=execution, nextToken=token),
        lambda: imagebuilder.get_workflow_step_execution(stepExecutionId=step),
    ):
        with pytest.raises(not_found):
            call()
    if "nextToken" in executions_page:
        with pytest.raises(not_found):
            imagebuilder.list_workflow_executions(imageBuildVersionArn=image,
                                                  nextToken=executions_page["nextToken"])
    builds = imagebuilder.list_image_build_versions(imageVersionArn=image.rsplit("/", 1)[0])
    assert image not in [s["arn"] for s in builds["imageSummaryList"]]
    # The recipe is used by no image now.
    imagebuilder.delete_image_recipe(imageRecipeArn=recipe)


def test_an_image_still_building_is_in_use_until_its_build_is_over(imagebuilder, kit: Kit):
    gated = kit.create_workflow(data=GATED_WORKFLOW, name=unique_name("gated"))
    recipe, infra = kit.create_recipe(), kit.create_infrastructure()
    image = kit.create_image(recipe, infra, workflows=[{"workflowArn": gated}])
    gate = wait_for(lambda: kit.waiting_step(image), "the gate")
    with pytest.raises(imagebuilder.exceptions.ResourceInUseException) as err:
        imagebuilder.delete_image(imageBuildVersionArn=image)
    assert image in err.value.response["Error"]["Message"]
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with pytest.raises(imagebuilder.exceptions.ResourceDependencyException):
        imagebuilder.delete_image_recipe(imageRecipeArn=recipe)
    assert imagebuilder.get_image(imageBuildVersionArn=image)["image"]["arn"] == image

    imagebuilder.send_workflow_step_action(stepExecutionId=gate["stepExecutionId"],
                                           imageBuildVersionArn=image, action="STOP")
    assert kit.wait_image(image)["state"]["status"] == "FAILED"
    imagebuilder.delete_image(imageBuildVersionArn=image)
    imagebuilder.delete_image_recipe(imageRecipeArn=recipe)
    imagebuilder.delete_infrastructure_configuration(infrastructureConfigurationArn=infra)


def test_unknown_images_and_bad_arns_are_refused(imagebuilder, kit: Kit):
    image, _, _ = finished_image(kit)
    with pytest.raises(imagebuilder.exceptions.ResourceNotFoundException):
        imagebuilder.delete_image(imageBuildVersionArn=image.rsplit("/", 1)[0] + "/99")
    other_region = image.replace(":us-east-1:", ":eu-west-1:")
    with pytest.raises(imagebuilder.exceptions.ResourceNotFoundException):
        imagebuilder.delete_image(imageBuildVersionArn=other_region)
    # A version ARN is not a build version ARN: the model's pattern refuses it, as it
    # refuses any malformed input (InvalidRequestException naming the member).
    with pytest.raises(imagebuilder.exceptions.InvalidRequestException) as err:
        imagebuilder.delete_image(imageBuildVersionArn=image.rsplit("/", 1)[0])
    assert "imageBuildVersionArn" in err.value.response["Error"]["Message"]
    assert imagebuilder.get_image(imageBuildVersionArn=image)["image"]["state"]["status"] == "AVAILABLE"


def test_the_aws_cli_and_stepwise_imagebuilder_delete_alike(stepwise_bin, aws_cli, kit: Kit):
    theirs, _, _ = finished_image(kit)
    ours, _, _ = finished_image(kit)
    aws = aws_cli("delete-image", "--image-build-version-arn", theirs)
    mine = subprocess.run(
        [str(stepwise_bin), "imagebuilder", "delete-image", "--image-build-version-arn", ours,
         "--endpoint-url", aws_cli.endpoint],
        capture_output=True, text=True, env=aws_cli.env, stdin=subprocess.DEVNULL, timeout=120,
    )
    assert aws.returncode == mine.returncode == 0, aws.stderr + mine.stderr
    a, b = json.loads(aws.stdout), json.loads(mine.stdout)
    assert list(a) == list(b) == ["requestId", "imageBuildVersionArn"]
    assert (a["imageBuildVersionArn"], b["imageBuildVersionArn"]) == (theirs, ours)
    # The same error, printed alike, with the AWS CLI's exit status.
    aws = aws_cli("delete-image", "--image-build-version-arn", theirs)
    mine = subprocess.run(
        [str(stepwise_bin), "imagebuilder", "delete-image", "--image-build-version-arn", theirs,
         "--endpoint-url", aws_cli.endpoint],
        capture_output=True, text=True, env=aws_cli.env, stdin=subprocess.DEVNULL, timeout=120,
    )
    assert aws.returncode == mine.returncode == 254 or aws.returncode == mine.returncode == 255
    assert mine.stderr == aws.stderr and "ResourceNotFoundException" in aws.stderr
