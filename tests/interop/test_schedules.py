"""Scheduled pipelines on a clock the test moves: a daily schedule starts one build per due
time, in order (also across a daylight-saving change in the pipeline's zone); a DISABLED
pipeline starts none; the dependency-update condition starts a build only when a wildcard
component has a newer build; a restart or `kill -9` between due times starts no due time twice
and loses none (decision: due times that passed while the server was down start when it is
back, in order)."""

from __future__ import annotations

import json
import urllib.request
import uuid

import pytest

from stepwise_harness import GATED_WORKFLOW, Kit, serving, unique_name, wait_for

START = "2027-03-10T12:00:00Z"  # Sunday 2027-03-14 02:00 is skipped in America/New_York
COMPONENT = """schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Install
        action: ExecuteBash
        inputs:
          commands: [echo install]
"""


@pytest.fixture(scope="module")
def stepwise(stepwise_bin, tmp_path_factory):
    with serving(stepwise_bin, tmp_path_factory, "stepwise-schedules",
                 extra_args=["--clock-start", START]) as server:
        yield server


def advance(stepwise, seconds: int) -> None:
    request = urllib.request.Request(stepwise.endpoint + "/_stepwise/clock",
                                     data=json.dumps({"advanceSeconds": seconds}).encode(), method="POST")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=10) as response:
        assert response.status == 200


def scheduled(imagebuilder, kit: Kit, expression: str, *, timezone: str = "Etc/UTC",
              condition: str = "EXPRESSION_MATCH_ONLY", status: str = "ENABLED",
              components: list[str] | None = None) -> str:
    return imagebuilder.create_image_pipeline(
        name=unique_name("scheduled"), imageRecipeArn=kit.create_recipe(components=components),
        infrastructureConfigurationArn=kit.create_infrastructure(), status=status,
        schedule={"scheduleExpression": expression, "timezone": timezone,
                  "pipelineExecutionStartCondition": condition},
        clientToken=str(uuid.uuid4()))["imagePipelineArn"]


def images_of(imagebuilder, pipeline: str) -> list[dict]:
    pages = imagebuilder.get_paginator("list_image_pipeline_images").paginate(imagePipelineArn=pipeline)
    return [s for p in pages for s in p["imageSummaryList"]]


def test_a_week_of_a_daily_schedule_starts_seven_builds_in_order(stepwise, imagebuilder, kit: Kit):
    utc = scheduled(imagebuilder, kit, "cron(0 6 * * ? *)")
    new_york = scheduled(imagebuilder, kit, "cron(30 2 * * ? *)", timezone="America/New_York")
    disabled = scheduled(imagebuilder, kit, "cron(0 6 * * ? *)", status="DISABLED")
    assert imagebuilder.get_image_pipeline(imagePipelineArn=utc)["imagePipeline"]["dateNextRun"] \
        == "2027-03-11T06:00:00.000Z"
    assert "dateNextRun" not in imagebuilder.get_image_pipeline(imagePipelineArn=disabled)["imagePipeline"]
    advance(stepwise, 7 * 86400)
    wait_for(lambda: len(images_of(imagebuilder, utc)) == 7, "seven builds", timeout=60)
    built = images_of(imagebuilder, utc)
    assert [i["buildType"] for i in built] == ["SCHEDULED"] * 7
    # Newest first; each due time one build, in order of due time.
    versions = [int(i["version"].split("/")[1]) for i in built]
    assert versions == sorted(versions, reverse=True)
    # 02:30 does not exist in New York on 2027-03-14: six builds in seven days.
    wait_for(lambda: len(images_of(imagebuilder, new_york)) == 6, "six builds", timeout=60)
    assert images_of(imagebuilder, disabled) == []
    got = imagebuilder.get_image_pipeline(imagePipelineArn=utc)["imagePipeline"]
    assert got["dateNextRun"] == "2027-03-18T06:00:00.000Z"
    assert got["dateLastRun"] == "2027-03-17T06:00:00.000Z"
    for image in built:
        kit.wait_image(image["arn"])


def test_the_dependency_condition_waits_for_a_newer_component(stepwise, imagebuilder, kit: Kit):
    name = unique_name("tool")
    imagebuilder.create_component(name=name, semanticVersion="1.0.0", platform="Linux", data=COMPONENT,
                                  clientToken=str(uuid.uuid4()))
    wildcard = f"arn:aws:imagebuilder:us-east-1:123456789012:component/{name}/x.x.x"
    pipeline = scheduled(imagebuilder, kit, "cron(0 12 * * ? *)",
                         condition="EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE", components=[wildcard])
    advance(stepwise, 86400)
    wait_for(lambda: len(images_of(imagebuilder, pipeline)) == 1, "the first build (no image yet)", timeout=30)
    kit.wait_image(images_of(imagebuilder, pipeline)[0]["arn"])
    before = imagebuilder.get_image_pipeline(imagePipelineArn=pipeline)["imagePipeline"]["dateNextRun"]
    advance(stepwise, 86400)
    wait_for(lambda: imagebuilder.get_image_pipeline(imagePipelineArn=pipeline)["imagePipeline"]["dateNextRun"]
             != before, "the due time to pass", timeout=30)
    assert len(images_of(imagebuilder, pipeline)) == 1, "nothing newer: nothing built"
    imagebuilder.create_component(name=name, semanticVersion="1.1.0", platform="Linux", data=COMPONENT,
                                  clientToken=str(uuid.uuid4()))
    advance(stepwise, 86400)
    wait_for(lambda: len(images_of(imagebuilder, pipeline)) == 2, "a build with the new component", timeout=30)
    newest = images_of(imagebuilder, pipeline)[0]["arn"]
    kit.wait_image(newest)


def test_a_kill_between_due_times_starts_none_twice_and_loses_none(stepwise, imagebuilder, kit: Kit):
    pipeline = scheduled(imagebuilder, kit, "cron(0 * * * ? *)")
    advance(stepwise, 3 * 3600)
    wait_for(lambda: len(images_of(imagebuilder, pipeline)) == 3, "three hourly builds", timeout=30)
    stepwise.kill9()
    stepwise.start()
    assert len(images_of(imagebuilder, pipeline)) == 3
    advance(stepwise, 2 * 3600)
    wait_for(lambda: len(images_of(imagebuilder, pipeline)) == 5, "two more", timeout=30)
    stepwise.restart()
    assert len(images_of(imagebuilder, pipeline)) == 5
    versions = [int(i["version"].split("/")[1]) for i in images_of(imagebuilder, pipeline)]
    assert len(set(versions)) == 5


def test_watch_follows_a_pipelines_next_image(stepwise, stepwise_bin, imagebuilder, kit: Kit, tools):
    import subprocess
    pipeline = scheduled(imagebuilder, kit, "cron(0 0 * * ? *)")
    watcher = subprocess.Popen(
        [str(stepwise_bin), "watch", pipeline, "--plain", "--interval", "0.1", "--endpoint-url", stepwise.endpoint],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=tools.env, stdin=subprocess.DEVNULL)
    try:
        waiting = watcher.stderr.readline()
        assert waiting.startswith(f"Waiting for the next image of {pipeline} (next run 2027-"), waiting
        advance(stepwise, 86400)
        out, err = watcher.communicate(timeout=60)
    finally:
        watcher.kill()
    assert watcher.returncode == 0, err
    image = images_of(imagebuilder, pipeline)[0]["arn"]
    assert f"Following {image}." in err
    assert f"Image {image}: AVAILABLE" in out


def test_the_dependency_condition_waits_for_a_newer_parent_image(stepwise, imagebuilder, kit: Kit):
    base_recipe = kit.create_recipe(name=unique_name("base"))
    infra = kit.create_infrastructure()
    first_base = kit.create_image(base_recipe, infra)
    kit.wait_image(first_base)
    base_name = first_base.split(":image/")[1].split("/")[0]
    recipe = imagebuilder.create_image_recipe(
        name=unique_name("child"), semanticVersion="1.0.0",
        parentImage=f"arn:aws:imagebuilder:us-east-1:123456789012:image/{base_name}/x.x.x",
        components=[{"componentArn": "arn:aws:imagebuilder:us-east-1:aws:component/update-linux/1.0.2/1"}],
        clientToken=str(uuid.uuid4()))["imageRecipeArn"]
    pipeline = imagebuilder.create_image_pipeline(
        name=unique_name("child"), imageRecipeArn=recipe, infrastructureConfigurationArn=infra,
        schedule={"scheduleExpression": "cron(0 12 * * ? *)",
                  "pipelineExecutionStartCondition": "EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE"},
        clientToken=str(uuid.uuid4()))["imagePipelineArn"]
    advance(stepwise, 86400)
    wait_for(lambda: len(images_of(imagebuilder, pipeline)) == 1, "the first build", timeout=30)
    kit.wait_image(images_of(imagebuilder, pipeline)[0]["arn"])
    before = imagebuilder.get_image_pipeline(imagePipelineArn=pipeline)["imagePipeline"]["dateNextRun"]
    advance(stepwise, 86400)
    wait_for(lambda: imagebuilder.get_image_pipeline(imagePipelineArn=pipeline)["imagePipeline"]["dateNextRun"]
             != before, "the due time to pass", timeout=30)
    assert len(images_of(imagebuilder, pipeline)) == 1, "the same parent: nothing built"
    kit.wait_image(kit.create_image(base_recipe, infra))
    advance(stepwise, 86400)
    wait_for(lambda: len(images_of(imagebuilder, pipeline)) == 2, "a build on the newer parent", timeout=30)
    kit.wait_image(images_of(imagebuilder, pipeline)[0]["arn"])


def test_a_kill_during_a_scheduled_build_starts_it_once_and_finishes_it(stepwise, imagebuilder, kit: Kit):
    gated = kit.create_workflow(data=GATED_WORKFLOW, name=unique_name("gated"))
    pipeline = imagebuilder.create_image_pipeline(
        name=unique_name("gated"), imageRecipeArn=kit.create_recipe(),
        infrastructureConfigurationArn=kit.create_infrastructure(), workflows=[{"workflowArn": gated}],
        schedule={"scheduleExpression": "cron(0 12 * * ? *)",
                  "pipelineExecutionStartCondition": "EXPRESSION_MATCH_ONLY"},
        clientToken=str(uuid.uuid4()))["imagePipelineArn"]
    advance(stepwise, 86400)
    wait_for(lambda: len(images_of(imagebuilder, pipeline)) == 1, "the due build", timeout=30)
    image = images_of(imagebuilder, pipeline)[0]["arn"]
    wait_for(lambda: kit.waiting_step(image), "the build to wait at its gate")
    stepwise.kill9()
    stepwise.start()
    gate = wait_for(lambda: kit.waiting_step(image), "the gate after the restart")
    assert [i["arn"] for i in images_of(imagebuilder, pipeline)] == [image], "the due time started once"
    imagebuilder.send_workflow_step_action(stepExecutionId=gate["stepExecutionId"], imageBuildVersionArn=image,
                                           action="RESUME", reason="approved")
    assert kit.wait_image(image)["state"]["status"] == "AVAILABLE"
    assert [i["arn"] for i in images_of(imagebuilder, pipeline)] == [image]
