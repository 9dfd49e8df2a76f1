"""`stepwise simulate` against the running service: the same document with the same faults and
the same answers to its wait gives the same execution offline as the binary records through
boto3 (statuses, rollback statuses, attempts, messages, inputs, outputs, counters), and an
invalid document gets CreateWorkflow's own error."""

from __future__ import annotations

import json
import re
import subprocess
import time
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from stepwise_harness import Kit, unique_name

DOCUMENT = """schemaVersion: 1.0
parameters:
  - name: gated
    type: boolean
    default: true
steps:
  - name: Launch
    action: LaunchInstance
    inputs:
      waitFor: ssmAgent
  - name: Gate
    action: WaitForAction
    if:
      booleanEquals: true
      value: $.parameters.gated
  - name: Configure
    action: RunCommand
    onFailure: Continue
    maxAttempts: 2
    inputs:
      instanceId.$: $.stepOutputs.Launch.instanceId
      documentName: AWS-RunShellScript
  - name: Components
    action: ExecuteComponents
    inputs:
      instanceId.$: $.stepOutputs.Launch.instanceId
  - name: Snapshot
    action: CreateImage
    inputs:
      instanceId.$: $.stepOutputs.Launch.instanceId
  - name: Terminate
    action: TerminateInstance
    onFailure: Continue
    inputs:
      instanceId.$: $.stepOutputs.Launch.instanceId
outputs:
  - name: ImageId
    value: $.stepOutputs.Snapshot.imageId
"""

# (id, image tags, the gate's answer, runtime parameters)
SCENARIOS = [
    ("happy", {}, "RESUME", {}),
    ("abort-rolls-back", {"stepwise:fail:Snapshot": "no space left"}, "RESUME", {}),
    ("gate-stopped", {}, "STOP", {}),
    ("continue-and-retry", {"stepwise:fail:Configure": "flaky", "stepwise:fail-attempts:Configure": "1"}, "RESUME", {}),
    ("continue-exhausted", {"stepwise:fail:Configure": ""}, "RESUME", {"gated": "false"}),
    ("timeout", {"stepwise:duration:Components": "99999"}, "RESUME", {}),
    ("rollback-fails", {"stepwise:fail:Snapshot": "", "stepwise:rollback-fail:Launch": ""}, "RESUME", {}),
]

# What differs between two runs by nature: generated ids and times.
GENERATED = [
    (re.compile(r"\b(i|ami|snap)-[0-9a-f]{17}\b"), r"\1-X"),
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"), "UUID"),
]
COMPARED = ["name", "action", "status", "rollbackStatus", "message", "attemptNumber", "maxAttempts",
            "onFailure", "timeoutSeconds", "inputs", "outputs"]
COUNTERS = ["type", "status", "message", "totalStepCount", "totalStepsSucceeded", "totalStepsFailed",
            "totalStepsSkipped"]


def normalized(value):
    if not isinstance(value, str):
        return value
    for pattern, replacement in GENERATED:
        value = pattern.sub(replacement, value)
    return value


def comparable(execution: dict, steps: list[dict]) -> dict:
    return {
        "execution": {k: execution.get(k) for k in COUNTERS},
        "steps": [{k: normalized(s.get(k)) for k in COMPARED} for s in steps],
    }


def simulate(stepwise_bin: Path, tmp_path: Path, *args: str, document: str = DOCUMENT):
    path = tmp_path / "workflow.yaml"
    path.write_text(document)
    return subprocess.run([str(stepwise_bin), "simulate", str(path), *args],
                          capture_output=True, text=True, timeout=60)


def on_the_service(imagebuilder, kit: Kit, tags: dict, answer: str, params: dict) -> dict:
    workflow = kit.create_workflow(data=DOCUMENT, name=unique_name("simulated"))
    config = {"workflowArn": workflow}
    if params:
        config["parameters"] = [{"name": k, "value": [v]} for k, v in params.items()]
    image = kit.create_image(kit.create_recipe(), kit.create_infrastructure(), workflows=[config], tags=tags)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status = imagebuilder.get_image(imageBuildVersionArn=image)["image"]["state"]["status"]
        if status in ("AVAILABLE", "FAILED", "CANCELLED"):
            break
        waiting = [s for s in imagebuilder.list_waiting_workflow_steps()["steps"]
                   if s["imageBuildVersionArn"] == image]
        for step in waiting:
            imagebuilder.send_workflow_step_action(
                stepExecutionId=step["stepExecutionId"], imageBuildVersionArn=image, action=answer)
        time.sleep(0.05)
    execution = next(e for e in kit.executions(image) if e["workflowBuildVersionArn"] == workflow)
    steps = [imagebuilder.get_workflow_step_execution(stepExecutionId=s["stepExecutionId"])
             for s in kit.steps(execution["workflowExecutionId"])]
    return comparable(execution, steps)


def simulate_args(tags: dict, answer: str, params: dict) -> list[str]:
    args = ["--output", "json", "--wait", answer.lower()]
    for key, value in tags.items():
        kind, step = key.split(":")[1:]
        if kind == "fail":
            args += ["--fail", f"{step}={value}" if value else step]
        elif kind == "fail-attempts":
            args += ["--fail-attempts", f"{step}={value}"]
        elif kind == "duration":
            args += ["--duration", f"{step}={value}"]
        elif kind == "rollback-fail":
            args += ["--rollback-fail", step]
    for name, value in params.items():
        args += ["--param", f"{name}={value}"]
    return args


@pytest.mark.parametrize("tags,answer,params", [s[1:] for s in SCENARIOS], ids=[s[0] for s in SCENARIOS])
def test_simulate_records_what_the_service_records(stepwise_bin, tmp_path, imagebuilder, kit: Kit,
                                                   tags, answer, params):
    expected = on_the_service(imagebuilder, kit, tags, answer, params)
    run = simulate(stepwise_bin, tmp_path, *simulate_args(tags, answer, params))
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert comparable(report["workflowExecution"], report["steps"]) == expected


def test_an_invalid_document_gets_create_workflows_error(stepwise_bin, tmp_path, kit: Kit):
    bad = DOCUMENT.replace("action: CreateImage", "action: CreateImages")
    with pytest.raises(ClientError) as refused:
        kit.create_workflow(data=bad, name=unique_name("invalid"))
    error = refused.value.response["Error"]
    run = simulate(stepwise_bin, tmp_path, document=bad)
    assert run.returncode == 255 and run.stdout == ""
    assert run.stderr.strip() == (
        f"An error occurred ({error['Code']}) when calling the CreateWorkflow operation: {error['Message']}"
    )


def test_an_unknown_parameter_gets_create_images_error(stepwise_bin, tmp_path):
    run = simulate(stepwise_bin, tmp_path, "--param", "nope=1")
    assert run.returncode == 255
    assert "when calling the CreateImage operation" in run.stderr and "'nope'" in run.stderr


def test_the_table_names_every_step_and_the_outcome(stepwise_bin, tmp_path):
    run = simulate(stepwise_bin, tmp_path, "--fail", "Snapshot=no space left")
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert re.match(r"Workflow execution wf-\S+ \(BUILD\): ROLLBACK_COMPLETED in \d", lines[0])
    assert lines[1] == "Steps: 6 total, 4 succeeded, 1 failed, 0 skipped"
    assert lines[2] == "Message: no space left"
    snapshot = next(l for l in lines if re.match(r"5\s+Snapshot\s", l))
    assert re.search(r"CreateImage\s+FAILED\s+SKIPPED\s+1/1\s+\S+\s+no space left$", snapshot)
    launch = next(l for l in lines if re.match(r"1\s+Launch\s", l))
    assert re.search(r"LaunchInstance\s+COMPLETED\s+COMPLETED\s+1/1", launch)
