"""WaitForAction steps, ListWaitingWorkflowSteps and SendWorkflowStepAction (spec §8.8),
with boto3 against the real binary at time scale 0 (a waiting step waits until actioned)."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from stepwise_harness import GATED_TEST_WORKFLOW as GATED_TEST, GATED_WORKFLOW as GATED, Kit, make_client, serving, unique_name, wait_for



@pytest.fixture(scope="module")
def gated_workflow(kit: Kit) -> str:
    return kit.create_workflow(data=GATED, name=unique_name("gated"))


def start_gated_image(kit: Kit, workflow: str) -> tuple[str, dict]:
    recipe, infra = kit.create_recipe(), kit.create_infrastructure()
    image = kit.create_image(recipe, infra, workflows=[{"workflowArn": workflow}])
    return image, wait_for(lambda: kit.waiting_step(image), "the gate to wait")


def test_a_waiting_step_is_listed_and_resumed(imagebuilder, kit: Kit, gated_workflow: str):
    image, gate = start_gated_image(kit, gated_workflow)
    assert gate["name"] == "Gate" and gate["action"] == "WaitForAction"
    assert gate["workflowBuildVersionArn"] == gated_workflow
    step = imagebuilder.get_workflow_step_execution(stepExecutionId=gate["stepExecutionId"])
    assert step["status"] == "RUNNING" and "endTime" not in step
    assert imagebuilder.get_image(imageBuildVersionArn=image)["image"]["state"]["status"] == "BUILDING"

    token = str(uuid.uuid4())
    sent = imagebuilder.send_workflow_step_action(
        stepExecutionId=gate["stepExecutionId"], imageBuildVersionArn=image, action="RESUME",
        reason="approved by the release bot", clientToken=token,
    )
    assert sent["stepExecutionId"] == gate["stepExecutionId"] and sent["clientToken"] == token
    waiting = [s["stepExecutionId"] for s in imagebuilder.list_waiting_workflow_steps()["steps"]]
    assert gate["stepExecutionId"] not in waiting, "it leaves the list before the response"

    final = kit.wait_image(image)
    assert final["state"]["status"] == "AVAILABLE"
    execution = kit.executions(image)[0]
    steps = {s["name"]: s for s in kit.steps(execution["workflowExecutionId"])}
    assert steps["Gate"]["status"] == "COMPLETED"
    assert json.loads(steps["Gate"]["outputs"]) == {"action": "RESUME", "reason": "approved by the release bot"}
    assert json.loads(steps["Echo"]["inputs"])["approval"] == "approved by the release bot"
    assert execution["totalStepsSucceeded"] == 4

    # The same token and parameters replay the response even though nothing waits now.
    again = imagebuilder.send_workflow_step_action(
        stepExecutionId=gate["stepExecutionId"], imageBuildVersionArn=image, action="RESUME",
        reason="approved by the release bot", clientToken=token,
    )
    assert again["stepExecutionId"] == sent["stepExecutionId"]
    with pytest.raises(imagebuilder.exceptions.IdempotentParameterMismatchException):
        imagebuilder.send_workflow_step_action(
            stepExecutionId=gate["stepExecutionId"], imageBuildVersionArn=image, action="STOP", clientToken=token,
        )
    with pytest.raises(imagebuilder.exceptions.InvalidRequestException) as err:
        imagebuilder.send_workflow_step_action(
            stepExecutionId=gate["stepExecutionId"], imageBuildVersionArn=image, action="RESUME",
        )
    assert "not waiting" in str(err.value)


def test_stop_fails_the_step_and_its_workflow(imagebuilder, kit: Kit, gated_workflow: str):
    image, gate = start_gated_image(kit, gated_workflow)
    imagebuilder.send_workflow_step_action(
        stepExecutionId=gate["stepExecutionId"], imageBuildVersionArn=image, action="STOP", reason="change freeze",
    )
    final = kit.wait_image(image)
    assert final["state"]["status"] == "FAILED"
    assert final["state"]["reason"].endswith("failed with reason: change freeze")
    execution = kit.executions(image)[0]
    assert execution["status"] == "ROLLBACK_COMPLETED", "Launch rolled back"
    steps = {s["name"]: s for s in kit.steps(execution["workflowExecutionId"])}
    assert steps["Gate"]["status"] == "FAILED" and steps["Gate"]["message"] == "change freeze"
    assert json.loads(steps["Gate"]["outputs"]) == {"action": "STOP", "reason": "change freeze"}
    assert "Echo" not in steps


def test_stop_without_a_reason_has_the_default_message(imagebuilder, kit: Kit, gated_workflow: str):
    image, gate = start_gated_image(kit, gated_workflow)
    imagebuilder.send_workflow_step_action(stepExecutionId=gate["stepExecutionId"], imageBuildVersionArn=image, action="STOP")
    kit.wait_image(image)
    step = imagebuilder.get_workflow_step_execution(stepExecutionId=gate["stepExecutionId"])
    assert step["message"] == "Step stopped by SendWorkflowStepAction."
    assert json.loads(step["outputs"]) == {"action": "STOP"}


def test_action_errors_in_the_documented_order(imagebuilder, kit: Kit, gated_workflow: str):
    image, gate = start_gated_image(kit, gated_workflow)
    with pytest.raises(imagebuilder.exceptions.ResourceNotFoundException):
        imagebuilder.send_workflow_step_action(
            stepExecutionId="step-0b6e2c1a-4f3d-4c8e-9a71-2d5f0e8b7c43", imageBuildVersionArn=image, action="RESUME",
        )
    other = image.rsplit("/", 1)[0] + "/999"
    with pytest.raises(imagebuilder.exceptions.InvalidParameterValueException) as err:
        imagebuilder.send_workflow_step_action(stepExecutionId=gate["stepExecutionId"], imageBuildVersionArn=other, action="RESUME")
    assert "imageBuildVersionArn" in str(err.value)
    launch = kit.steps(gate["workflowExecutionId"])[0]
    with pytest.raises(imagebuilder.exceptions.InvalidRequestException) as err:
        imagebuilder.send_workflow_step_action(stepExecutionId=launch["stepExecutionId"], imageBuildVersionArn=image, action="RESUME")
    assert "not waiting" in str(err.value)
    # Still waiting after the refused actions; let it finish.
    imagebuilder.send_workflow_step_action(
        stepExecutionId=gate["stepExecutionId"], imageBuildVersionArn=image, action="RESUME", reason="ok",
    )
    assert kit.wait_image(image)["state"]["status"] == "AVAILABLE"


def test_a_reason_that_was_not_sent_cannot_be_read_later(imagebuilder, kit: Kit, gated_workflow: str):
    image, gate = start_gated_image(kit, gated_workflow)
    imagebuilder.send_workflow_step_action(stepExecutionId=gate["stepExecutionId"], imageBuildVersionArn=image, action="RESUME")
    final = kit.wait_image(image)
    assert final["state"]["status"] == "FAILED"
    assert final["state"]["failureContext"]["failedStep"] == "Echo"
    assert final["state"]["reason"].endswith("Unable to resolve '$.stepOutputs.Gate.reason'.")


def test_an_unanswered_wait_times_out_at_a_positive_time_scale(stepwise_bin, tmp_path_factory):
    with serving(stepwise_bin, tmp_path_factory, "wait-timeout", time_scale="0.01") as server:
        client = make_client(server.endpoint)
        kit = Kit(client)
        data = GATED.replace("    action: WaitForAction\n", "    action: WaitForAction\n    timeoutSeconds: 100\n")
        workflow = kit.create_workflow(data=data, name=unique_name("timed-gate"))
        image = kit.create_image(kit.create_recipe(), kit.create_infrastructure(), workflows=[{"workflowArn": workflow}])
        final = kit.wait_image(image, timeout=30)
        assert final["state"]["status"] == "FAILED"
        steps = {s["name"]: s for s in kit.steps(kit.executions(image)[0]["workflowExecutionId"])}
        assert steps["Gate"]["message"] == "Step timed out after 100 seconds."
        assert client.list_waiting_workflow_steps()["steps"] == []
        with pytest.raises(client.exceptions.InvalidRequestException):
            client.send_workflow_step_action(
                stepExecutionId=steps["Gate"]["stepExecutionId"], imageBuildVersionArn=image, action="RESUME",
            )


# --------------------------------------------------------------------------- cancellation


def test_cancelling_a_waiting_build(imagebuilder, kit: Kit, gated_workflow: str):
    image, gate = start_gated_image(kit, gated_workflow)
    token = str(uuid.uuid4())
    resp = imagebuilder.cancel_image_creation(imageBuildVersionArn=image, clientToken=token)
    assert resp["imageBuildVersionArn"] == image and resp["clientToken"] == token
    assert resp["requestId"] == resp["ResponseMetadata"]["RequestId"]
    final = kit.wait_image(image)
    assert final["state"] == {"status": "CANCELLED"}, "no reason, no failureContext"
    execution = kit.executions(image)[0]
    assert execution["status"] == "CANCELLED" and "endTime" in execution
    steps = kit.steps(execution["workflowExecutionId"])
    assert [s["name"] for s in steps] == ["Launch", "Gate"], "nothing starts after a cancel"
    cancelled = steps[1]
    assert cancelled["status"] == "CANCELLED" and "endTime" in cancelled and "outputs" not in cancelled
    assert (execution["totalStepsSucceeded"], execution["totalStepsFailed"]) == (1, 0), "CANCELLED counts nowhere"
    waiting = [s["stepExecutionId"] for s in imagebuilder.list_waiting_workflow_steps()["steps"]]
    assert gate["stepExecutionId"] not in waiting

    # Replaying the same request returns the first response; a new one meets a terminal image.
    again = imagebuilder.cancel_image_creation(imageBuildVersionArn=image, clientToken=token)
    assert again["imageBuildVersionArn"] == image
    with pytest.raises(imagebuilder.exceptions.InvalidRequestException) as err:
        imagebuilder.cancel_image_creation(imageBuildVersionArn=image)
    assert "terminal state" in str(err.value)


def test_cancelling_a_finished_or_unknown_image_is_refused(imagebuilder, kit: Kit):
    built = kit.build(kit.create_recipe(), kit.create_infrastructure(), steps=3)
    assert built.status == "AVAILABLE"
    with pytest.raises(imagebuilder.exceptions.InvalidRequestException):
        imagebuilder.cancel_image_creation(imageBuildVersionArn=built.arn)
    with pytest.raises(imagebuilder.exceptions.ResourceNotFoundException):
        imagebuilder.cancel_image_creation(imageBuildVersionArn=built.arn.rsplit("/", 1)[0] + "/77")


def test_cancelling_a_running_step_at_a_positive_time_scale(stepwise_bin, tmp_path_factory):
    with serving(stepwise_bin, tmp_path_factory, "cancel-running", time_scale="0.01") as server:
        client = make_client(server.endpoint)
        kit = Kit(client)
        workflow = kit.create_workflow(4)
        # The second step takes 3,000 simulated seconds: 30 s of real time, unless cancelled.
        image = kit.create_image(
            kit.create_recipe(), kit.create_infrastructure(), workflows=[{"workflowArn": workflow}],
            tags={"stepwise:duration:Step02": "3000"},
        )

        def second_step_running():
            executions = kit.executions(image)
            if not executions:
                return None
            steps = client.list_workflow_step_executions(workflowExecutionId=executions[0]["workflowExecutionId"])["steps"]
            return steps if len(steps) == 2 and steps[1]["status"] == "RUNNING" else None

        wait_for(second_step_running, "the second step to run")
        started = time.monotonic()
        client.cancel_image_creation(imageBuildVersionArn=image)
        final = kit.wait_image(image, timeout=10)
        assert final["state"]["status"] == "CANCELLED"
        assert time.monotonic() - started < 5, "the sleeping step woke up for the cancellation"
        steps = kit.steps(kit.executions(image)[0]["workflowExecutionId"])
        assert [s["status"] for s in steps] == ["COMPLETED", "CANCELLED"]


# --------------------------------------------------------------------------- retry



def test_retry_reruns_the_failed_test_stage_in_place(imagebuilder, kit: Kit):
    test_workflow = kit.create_workflow(data=GATED_TEST, name=unique_name("gated-test"), wf_type="TEST")
    build_workflow = kit.create_workflow(3)
    workflows = [{"workflowArn": build_workflow}, {"workflowArn": test_workflow}]
    recipe, infra = kit.create_recipe(), kit.create_infrastructure()
    image = kit.create_image(recipe, infra, workflows=workflows)

    gate = wait_for(lambda: kit.waiting_step(image), "the test gate")
    imagebuilder.send_workflow_step_action(stepExecutionId=gate["stepExecutionId"], imageBuildVersionArn=image, action="STOP")
    assert kit.wait_image(image)["state"]["status"] == "FAILED"
    before = kit.executions(image)
    assert [(e["type"], e["status"]) for e in before] == [("BUILD", "COMPLETED"), ("TEST", "ROLLBACK_COMPLETED")]
    # Decision (README): a retry runs on the image's snapshots, so what the failed image used
    # may be deleted first.
    imagebuilder.delete_image_recipe(imageRecipeArn=recipe)
    imagebuilder.delete_infrastructure_configuration(infrastructureConfigurationArn=infra)
    imagebuilder.delete_workflow(workflowBuildVersionArn=test_workflow)

    token = str(uuid.uuid4())
    resp = imagebuilder.retry_image(imageBuildVersionArn=image, clientToken=token)
    assert resp["imageBuildVersionArn"] == image and resp["clientToken"] == token
    state = imagebuilder.get_image(imageBuildVersionArn=image)["image"]["state"]
    assert state["status"] in ("TESTING",), state
    assert "reason" not in state and "failureContext" not in state

    second_gate = wait_for(
        lambda: (g := kit.waiting_step(image)) and g["stepExecutionId"] != gate["stepExecutionId"] and g,
        "the retried gate",
    )
    imagebuilder.send_workflow_step_action(
        stepExecutionId=second_gate["stepExecutionId"], imageBuildVersionArn=image, action="RESUME",
    )
    final = kit.wait_image(image)
    assert final["state"]["status"] == "AVAILABLE"
    assert final["arn"] == image, "the image keeps its ARN and build number"
    after = kit.executions(image)
    assert [(e["type"], e["status"], e["retried"]) for e in after] == [
        ("BUILD", "COMPLETED", False),
        ("TEST", "ROLLBACK_COMPLETED", True),
        ("TEST", "COMPLETED", False),
    ]
    assert after[0]["workflowExecutionId"] == before[0]["workflowExecutionId"], "the build is untouched"
    assert after[2]["workflowExecutionId"] != before[1]["workflowExecutionId"]
    # A replay of the retry returns its first response and changes nothing.
    assert imagebuilder.retry_image(imageBuildVersionArn=image, clientToken=token)["imageBuildVersionArn"] == image
    assert len(kit.executions(image)) == 3


def test_images_that_cannot_be_retried(imagebuilder, kit: Kit):
    recipe, infra = kit.create_recipe(), kit.create_infrastructure()
    done = kit.build(recipe, infra, steps=3)
    with pytest.raises(imagebuilder.exceptions.InvalidRequestException) as err:
        imagebuilder.retry_image(imageBuildVersionArn=done.arn)
    assert "after the build phase" in str(err.value)
    failed_build = kit.build(recipe, infra, steps=3, tags={"stepwise:fail:Launch": "no capacity"})
    assert failed_build.status == "FAILED"
    with pytest.raises(imagebuilder.exceptions.InvalidRequestException):
        imagebuilder.retry_image(imageBuildVersionArn=failed_build.arn)
    with pytest.raises(imagebuilder.exceptions.ResourceNotFoundException):
        imagebuilder.retry_image(imageBuildVersionArn=done.arn.rsplit("/", 1)[0] + "/88")


def test_a_second_cancel_while_one_is_pending_is_resource_in_use(stepwise_bin, tmp_path_factory):
    """A rollback is not cut short by a cancellation, so the cancellation stays pending while
    it runs: at time scale 0.05 a rollback takes 1.5 s, time for a second request."""
    with serving(stepwise_bin, tmp_path_factory, "cancel-pending", time_scale="0.05") as server:
        client = make_client(server.endpoint)
        kit = Kit(client)
        data = "schemaVersion: 1.0\nsteps:\n  - name: Launch\n    action: LaunchInstance\n    inputs:\n      waitFor: ssmAgent\n" \
               "  - name: Configure\n    action: RunCommand\n    inputs:\n      documentName: AWS-RunShellScript\n" \
               "      instanceId.$: $.stepOutputs.Launch.instanceId\n"
        workflow = kit.create_workflow(data=data, name=unique_name("rolls-back"))
        image = kit.create_image(
            kit.create_recipe(), kit.create_infrastructure(), workflows=[{"workflowArn": workflow}],
            tags={"stepwise:duration:Launch": "1", "stepwise:fail:Configure": "broken"},
        )
        wait_for(lambda: [e for e in kit.executions(image) if e["status"] == "ROLLBACK_IN_PROGRESS"],
                 "the rollback to start")
        token = str(uuid.uuid4())
        client.cancel_image_creation(imageBuildVersionArn=image, clientToken=token)
        with pytest.raises(client.exceptions.ResourceInUseException) as err:
            client.cancel_image_creation(imageBuildVersionArn=image, clientToken=str(uuid.uuid4()))
        assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert err.value.response["Error"]["Message"] == f"The image '{image}' is already being cancelled."
        # The same request again is a replay, not a second cancellation.
        assert client.cancel_image_creation(imageBuildVersionArn=image, clientToken=token)["clientToken"] == token
        assert kit.executions(image)[0]["status"] == "ROLLBACK_IN_PROGRESS", "the window was real"

        # The rollback finishes; the failure it rolled back decides the image.
        final = kit.wait_image(image, timeout=30)
        assert final["state"]["status"] == "FAILED"
        execution = kit.executions(image)[0]
        assert execution["status"] == "ROLLBACK_COMPLETED"
        launch = kit.steps(execution["workflowExecutionId"])[0]
        assert launch["rollbackStatus"] == "COMPLETED"
