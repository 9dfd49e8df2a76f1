"""Durability: every acknowledged write survives `kill -9`, and builds in flight when the
server died continue to their end after a restart (issue 2, point 7).

The server here runs at time scale 0.01, and the image's `stepwise:duration:<Step>` tags
stretch every step to 100 simulated seconds (one real second), so a kill lands mid-build."""

from __future__ import annotations


import pytest

from stepwise_harness import Kit, make_client, serving, step_names, wait_for

SCALE = "0.01"
STEPS = 4


@pytest.fixture(scope="module")
def slow_server(stepwise_bin, tmp_path_factory):
    with serving(stepwise_bin, tmp_path_factory, "durable", time_scale=SCALE) as server:
        yield server




def test_a_build_killed_mid_step_finishes_after_restart(slow_server):
    client = make_client(slow_server.endpoint)
    kit = Kit(client)
    recipe = kit.create_recipe()
    infra = kit.create_infrastructure()
    workflow = kit.create_workflow(STEPS)
    names = step_names(STEPS)
    tags = {f"stepwise:duration:{name}": "100" for name in names}
    image_arn = kit.create_image(recipe, infra, workflows=[{"workflowArn": workflow}], tags=tags)

    def second_step_running():
        executions = kit.executions(image_arn)
        if not executions:
            return None
        steps = client.list_workflow_step_executions(workflowExecutionId=executions[0]["workflowExecutionId"])["steps"]
        return (executions[0], steps) if len(steps) == 2 and steps[1]["status"] == "RUNNING" else None

    execution, before = wait_for(second_step_running, "the second step to run")
    slow_server.kill9_and_restart()

    client = make_client(slow_server.endpoint)
    kit = Kit(client)
    # Everything acknowledged before the crash is still there.
    assert client.get_workflow(workflowBuildVersionArn=workflow)["workflow"]["arn"] == workflow
    assert client.get_image_recipe(imageRecipeArn=recipe)["imageRecipe"]["arn"] == recipe
    image = kit.wait_image(image_arn, timeout=60)
    assert image["state"]["status"] == "AVAILABLE", image["state"]

    executions = kit.executions(image_arn)
    assert [e["workflowExecutionId"] for e in executions] == [execution["workflowExecutionId"]], "no second run"
    done = executions[0]
    assert done["status"] == "COMPLETED"
    assert (done["totalStepCount"], done["totalStepsSucceeded"], done["totalStepsFailed"], done["totalStepsSkipped"]) == (STEPS, STEPS, 0, 0)
    after = client.list_workflow_step_executions(workflowExecutionId=done["workflowExecutionId"])["steps"]
    assert [s["name"] for s in after] == names
    assert [s["stepExecutionId"] for s in after[:2]] == [s["stepExecutionId"] for s in before], "records keep their ids"
    assert after[0]["outputs"] == before[0]["outputs"], "a finished step is not run again"
    assert all(s["status"] == "COMPLETED" for s in after)


def test_an_image_acknowledged_just_before_a_crash_is_built(slow_server):
    client = make_client(slow_server.endpoint)
    kit = Kit(client)
    recipe = kit.create_recipe()
    infra = kit.create_infrastructure()
    workflow = kit.create_workflow(3)
    image_arn = kit.create_image(recipe, infra, workflows=[{"workflowArn": workflow}])
    slow_server.kill9_and_restart()
    client = make_client(slow_server.endpoint)
    image = Kit(client).wait_image(image_arn, timeout=60)
    assert image["state"]["status"] == "AVAILABLE"
