"""Image pipelines through boto3, the AWS CLI and `stepwise imagebuilder`: create, get, list,
update, start by hand, list the images a pipeline built, delete; schedules validated with the
field and the problem named; the dependency rules both ways."""

from __future__ import annotations

import json
import uuid

import pytest

from stepwise_harness import GATED_WORKFLOW, Kit, assert_api_error, unique_name, wait_for

ACCOUNT_ARN = "arn:aws:imagebuilder:us-east-1:123456789012"


def pipeline(imagebuilder, kit: Kit, **extra) -> tuple[str, str, str]:
    """(pipeline, recipe, infrastructure)."""
    recipe, infra = kit.create_recipe(), kit.create_infrastructure()
    arn = imagebuilder.create_image_pipeline(
        name=unique_name("pipeline"), imageRecipeArn=recipe, infrastructureConfigurationArn=infra,
        clientToken=str(uuid.uuid4()), **extra)["imagePipelineArn"]
    return arn, recipe, infra


def test_create_get_list_update_and_delete(imagebuilder, kit: Kit):
    arn, recipe, infra = pipeline(imagebuilder, kit, description="nightly", tags={"team": "a"},
                                  imageTags={"built-by": "pipeline"},
                                  schedule={"scheduleExpression": "cron(0 3 * * ? *)", "timezone": "Europe/Berlin"})
    assert arn.startswith(f"{ACCOUNT_ARN}:image-pipeline/pipeline-")
    got = imagebuilder.get_image_pipeline(imagePipelineArn=arn)["imagePipeline"]
    assert (got["imageRecipeArn"], got["infrastructureConfigurationArn"]) == (recipe, infra)
    assert got["status"] == "ENABLED" and got["platform"] == "Linux"
    assert got["enhancedImageMetadataEnabled"] is True
    assert got["imageTestsConfiguration"] == {"imageTestsEnabled": True, "timeoutMinutes": 720}
    assert got["schedule"] == {"scheduleExpression": "cron(0 3 * * ? *)", "timezone": "Europe/Berlin",
                               "pipelineExecutionStartCondition": "EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE"}
    # 03:00 in Berlin is 01:00 or 02:00 UTC.
    assert got["dateNextRun"][11:16] in ("01:00", "02:00"), got["dateNextRun"]
    assert got["tags"] == {"team": "a"} and got["imageTags"] == {"built-by": "pipeline"}
    assert imagebuilder.list_tags_for_resource(resourceArn=arn)["tags"] == {"team": "a"}

    listed = imagebuilder.list_image_pipelines(filters=[{"name": "name", "values": [got["name"]]}])
    assert [p["arn"] for p in listed["imagePipelineList"]] == [arn]

    imagebuilder.update_image_pipeline(imagePipelineArn=arn, imageRecipeArn=recipe, infrastructureConfigurationArn=infra,
                                       status="DISABLED", clientToken=str(uuid.uuid4()))
    updated = imagebuilder.get_image_pipeline(imagePipelineArn=arn)["imagePipeline"]
    assert updated["status"] == "DISABLED" and "schedule" not in updated and "description" not in updated
    assert updated["dateCreated"] == got["dateCreated"] and "dateUpdated" in updated
    assert updated["tags"] == {"team": "a"}

    imagebuilder.delete_image_pipeline(imagePipelineArn=arn)
    with pytest.raises(imagebuilder.exceptions.ResourceNotFoundException):
        imagebuilder.get_image_pipeline(imagePipelineArn=arn)
    # Nothing names the recipe now.
    imagebuilder.delete_image_recipe(imageRecipeArn=recipe)


def test_a_pipeline_started_by_hand_builds_an_image_it_lists(imagebuilder, kit: Kit):
    arn, _, _ = pipeline(imagebuilder, kit, imageTags={"from": "pipeline"})
    token = str(uuid.uuid4())
    started = imagebuilder.start_image_pipeline_execution(imagePipelineArn=arn, clientToken=token,
                                                          tags={"run": "first"})
    image = started["imageBuildVersionArn"]
    again = imagebuilder.start_image_pipeline_execution(imagePipelineArn=arn, clientToken=token,
                                                        tags={"run": "first"})
    assert again["imageBuildVersionArn"] == image, "the same token replays"
    second = imagebuilder.start_image_pipeline_execution(imagePipelineArn=arn, clientToken=str(uuid.uuid4()))
    built = kit.wait_image(image)
    assert built["state"]["status"] == "AVAILABLE"
    assert built["sourcePipelineArn"] == arn and built["buildType"] == "USER_INITIATED"
    assert built["tags"] == {"from": "pipeline", "run": "first"}
    kit.wait_image(second["imageBuildVersionArn"])
    pages = imagebuilder.get_paginator("list_image_pipeline_images").paginate(
        imagePipelineArn=arn, PaginationConfig={"PageSize": 1})
    listed = [s["arn"] for p in pages for s in p["imageSummaryList"]]
    assert listed == [second["imageBuildVersionArn"], image], "newest first"
    got = imagebuilder.get_image_pipeline(imagePipelineArn=arn)["imagePipeline"]
    assert "dateLastRun" in got
    with pytest.raises(imagebuilder.exceptions.ResourceNotFoundException):
        imagebuilder.start_image_pipeline_execution(imagePipelineArn=arn.replace("pipeline-", "gone-"),
                                                    clientToken=str(uuid.uuid4()))
    with pytest.raises(imagebuilder.exceptions.ResourceNotFoundException):
        imagebuilder.list_image_pipeline_images(imagePipelineArn=arn.replace("pipeline-", "gone-"))


@pytest.mark.parametrize("schedule,member,words", [
    ({"scheduleExpression": "cron(0 25 * * ? *)"}, "schedule.scheduleExpression", "The hours field '25' has 25, outside 0-23"),
    ({"scheduleExpression": "cron(0 0 * * * *)"}, "schedule.scheduleExpression", "one of them must be '?'"),
    ({"scheduleExpression": "rate(1 day)"}, "schedule.scheduleExpression", "is not a cron expression"),
    ({"scheduleExpression": "cron(0 0 1 1 ? 1999)"}, "schedule.scheduleExpression", "never due after"),
    ({"scheduleExpression": "cron(0 0 * * ? *)", "timezone": "Mars/Olympus"}, "schedule.timezone", "not an IANA time zone"),
    ({"timezone": "Etc/UTC"}, "schedule.scheduleExpression", "needs its scheduleExpression"),
])
def test_schedules_are_checked_with_the_field_named(imagebuilder, kit: Kit, schedule, member, words):
    name = unique_name("bad")
    with pytest.raises(imagebuilder.exceptions.InvalidRequestException) as err:
        imagebuilder.create_image_pipeline(name=name, imageRecipeArn=kit.create_recipe(),
                                           infrastructureConfigurationArn=kit.create_infrastructure(),
                                           schedule=schedule, clientToken=str(uuid.uuid4()))
    assert_api_error(err.value, "InvalidRequestException", 400, message_contains=[f"'{member}'", words])
    assert imagebuilder.list_image_pipelines(filters=[{"name": "name", "values": [name]}])["imagePipelineList"] == []


def test_dependencies_hold_both_ways(imagebuilder, kit: Kit):
    arn, recipe, infra = pipeline(imagebuilder, kit)
    for delete, member, target in [
        (imagebuilder.delete_image_recipe, "imageRecipeArn", recipe),
        (imagebuilder.delete_infrastructure_configuration, "infrastructureConfigurationArn", infra),
    ]:
        with pytest.raises(imagebuilder.exceptions.ResourceDependencyException) as err:
            delete(**{member: target})
        assert arn in err.value.response["Error"]["Message"]
    with pytest.raises(imagebuilder.exceptions.ResourceNotFoundException):
        imagebuilder.create_image_pipeline(name=unique_name("p"), imageRecipeArn=recipe.replace("/recipe-", "/none-"),
                                           infrastructureConfigurationArn=infra, clientToken=str(uuid.uuid4()))
    imagebuilder.delete_image_pipeline(imagePipelineArn=arn)
    imagebuilder.delete_infrastructure_configuration(infrastructureConfigurationArn=infra)


def test_the_aws_cli_and_stepwise_imagebuilder_agree(tools, kit: Kit):
    recipe, infra = kit.create_recipe(), kit.create_infrastructure()
    arns = {}
    for tool in ("aws", "stepwise"):
        done = tools.run(tool, "create-image-pipeline", "--name", unique_name(tool), "--image-recipe-arn", recipe,
                         "--infrastructure-configuration-arn", infra,
                         "--schedule", "scheduleExpression=cron(0 0 ? * MON *),pipelineExecutionStartCondition=EXPRESSION_MATCH_ONLY")
        assert done.returncode == 0, done.stderr
        arns[tool] = json.loads(done.stdout)["imagePipelineArn"]
    got = {tool: json.loads(tools.run(tool, "get-image-pipeline", "--image-pipeline-arn", arn).stdout)["imagePipeline"]
           for tool, arn in arns.items()}
    assert list(got["aws"]) == list(got["stepwise"])
    assert got["aws"]["schedule"] == got["stepwise"]["schedule"]
    aws, ours = tools.both("get-image-pipeline", "--image-pipeline-arn", arns["aws"].replace("aws-", "gone-"))
    assert aws.returncode == ours.returncode != 0 and aws.stderr == ours.stderr


def test_a_pipeline_with_a_build_running_cannot_be_deleted(imagebuilder, kit: Kit):
    gated = kit.create_workflow(data=GATED_WORKFLOW, name=unique_name("gated"))
    arn, _, _ = pipeline(imagebuilder, kit, workflows=[{"workflowArn": gated}])
    image = imagebuilder.start_image_pipeline_execution(imagePipelineArn=arn,
                                                        clientToken=str(uuid.uuid4()))["imageBuildVersionArn"]
    gate = wait_for(lambda: kit.waiting_step(image), "the gate")
    with pytest.raises(imagebuilder.exceptions.ResourceDependencyException) as err:
        imagebuilder.delete_image_pipeline(imagePipelineArn=arn)
    assert image in err.value.response["Error"]["Message"]
    imagebuilder.send_workflow_step_action(stepExecutionId=gate["stepExecutionId"], imageBuildVersionArn=image,
                                           action="RESUME", reason="approved")
    assert kit.wait_image(image)["state"]["status"] == "AVAILABLE"
    imagebuilder.delete_image_pipeline(imagePipelineArn=arn)
