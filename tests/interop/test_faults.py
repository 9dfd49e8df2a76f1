"""Fault injection beyond per-step tags: the server-wide fault file (`--fault-file`) and the
per-action tags, with boto3 against the real binary; `stepwise simulate` reads the same file."""

from __future__ import annotations

import json
import subprocess

import pytest

from stepwise_harness import Kit, serving, unique_name

DOCUMENT = """schemaVersion: 1.0
steps:
  - name: Launch
    action: LaunchInstance
    inputs:
      waitFor: ssmAgent
  - name: Configure
    action: RunCommand
    inputs:
      instanceId.$: $.stepOutputs.Launch.instanceId
      documentName: AWS-RunShellScript
  - name: Snapshot
    action: CreateImage
    inputs:
      instanceId.$: $.stepOutputs.Launch.instanceId
"""

FAULTY = "faulty-app"

FAULT_FILE = f"""rules:
  - action: RunCommand
    imageName: {FAULTY}
    fail: ssm agent unreachable
  - step: Launch
    imageName: {FAULTY}
    rollbackFail: true
"""


@pytest.fixture(scope="module")
def fault_file(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("faults") / "faults.yaml"
    path.write_text(FAULT_FILE)
    return str(path)


@pytest.fixture(scope="module")
def stepwise(stepwise_bin, tmp_path_factory, fault_file):
    """This module's server runs with the fault file."""
    with serving(stepwise_bin, tmp_path_factory, "stepwise-faults",
                 extra_args=["--fault-file", fault_file]) as server:
        yield server


def build(kit: Kit, recipe_name: str, tags: dict | None = None, version: str = "1.0.0"):
    workflow = kit.create_workflow(data=DOCUMENT, name=unique_name("faults"))
    recipe = kit.create_recipe(name=recipe_name, version=version)
    image = kit.create_image(recipe, kit.create_infrastructure(),
                             workflows=[{"workflowArn": workflow}], tags=tags)
    final = kit.wait_image(image)
    (execution,) = kit.executions(image)
    steps = {s["name"]: s for s in kit.steps(execution["workflowExecutionId"])}
    return {"image": final, "execution": execution}, steps


def test_a_fault_file_rule_fails_every_step_of_an_action_of_the_named_image(kit: Kit):
    result, steps = build(kit, FAULTY)
    assert steps["Configure"]["status"] == "FAILED"
    assert steps["Configure"]["message"] == "ssm agent unreachable"
    assert steps["Launch"]["rollbackStatus"] == "FAILED", "the rule makes Launch's rollback fail"
    assert result["execution"]["status"] == "FAILED"
    assert result["image"]["state"]["status"] == "FAILED"
    assert "Snapshot" not in steps


def test_a_rule_for_another_image_changes_nothing(kit: Kit):
    result, steps = build(kit, unique_name("healthy"))
    assert result["image"]["state"]["status"] == "AVAILABLE"
    assert {s["status"] for s in steps.values()} == {"COMPLETED"}


def test_an_action_tag_fails_every_step_of_that_action(kit: Kit):
    result, steps = build(kit, unique_name("tagged"), {"stepwise:fail-action:CreateImage": "quota"})
    assert steps["Snapshot"]["status"] == "FAILED" and steps["Snapshot"]["message"] == "quota"
    assert steps["Configure"]["status"] == "COMPLETED"
    assert result["image"]["state"]["reason"].endswith("failed with reason: quota")


def test_a_step_tag_wins_over_the_fault_file(kit: Kit):
    _, steps = build(kit, FAULTY, {"stepwise:fail:Configure": "from the tag"}, version="1.0.1")
    assert steps["Configure"]["message"] == "from the tag"


def test_simulate_reads_the_same_fault_file(stepwise_bin, tmp_path, fault_file):
    doc = tmp_path / "doc.yaml"
    doc.write_text(DOCUMENT)
    # The simulated image is named `simulated`: the file's rules name another image.
    run = subprocess.run([str(stepwise_bin), "simulate", str(doc), "--fault-file", fault_file,
                          "--output", "json"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["workflowExecution"]["status"] == "COMPLETED"
    rules = tmp_path / "all.yaml"
    rules.write_text("rules:\n  - action: RunCommand\n    fail: ''\n")
    run = subprocess.run([str(stepwise_bin), "simulate", str(doc), "--fault-file", str(rules),
                          "--output", "json"], capture_output=True, text=True, timeout=60)
    steps = {s["name"]: s for s in json.loads(run.stdout)["steps"]}
    assert steps["Configure"]["message"] == "Step failed by fault injection."


def test_a_bad_fault_file_stops_the_server_with_the_rule_named(stepwise_bin, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - action: LaunchInstances\n    fail: x\n")
    run = subprocess.run([str(stepwise_bin), "serve", "--listen", "127.0.0.1:0", "--data-dir",
                          str(tmp_path / "data"), "--fault-file", str(bad)],
                         capture_output=True, text=True, timeout=30)
    assert run.returncode != 0
    assert "rules[0]: 'LaunchInstances' is not a workflow step action" in run.stderr
