"""Components in builds: the default workflows' ExecuteComponents steps run the recipe's
components in recipe order, build and validate phases in the build stage, test phases in the test
stage (where the document has that phase); a component step made to fail by a tag or a fault-file
rule fails ExecuteComponents with a message naming the component, phase and step, and the
workflow's onFailure and rollback apply."""

from __future__ import annotations

import uuid

import pytest

from stepwise_harness import Kit, serving, unique_name

APP = """schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Install
        action: ExecuteBash
        inputs:
          commands: [echo install]
      - name: Optional
        action: ExecuteBash
        onFailure: Ignore
        inputs:
          commands: [echo optional]
  - name: validate
    steps:
      - name: Check
        action: ExecuteBash
        inputs:
          commands: [echo check]
  - name: test
    steps:
      - name: Probe
        action: ExecuteBash
        inputs:
          commands: [echo probe]
"""
BUILD_ONLY = APP.split("  - name: test")[0]

FAULT_FILE = """rules:
  - component: {name}/validate/Check
    fail: checksum mismatch
"""


@pytest.fixture(scope="module")
def names() -> dict[str, str]:
    return {"app": unique_name("app"), "plain": unique_name("plain"), "ruled": unique_name("ruled")}


@pytest.fixture(scope="module")
def stepwise(stepwise_bin, tmp_path_factory, names):
    """This module's server runs with a fault file naming one component's step."""
    path = tmp_path_factory.mktemp("component-faults") / "faults.yaml"
    path.write_text(FAULT_FILE.format(name=names["ruled"]))
    with serving(stepwise_bin, tmp_path_factory, "stepwise-component-builds",
                 extra_args=["--fault-file", str(path)]) as server:
        yield server


def component(imagebuilder, name: str, data: str) -> str:
    return imagebuilder.create_component(name=name, semanticVersion="1.0.0", platform="Linux", data=data,
                                         clientToken=str(uuid.uuid4()))["componentBuildVersionArn"]


def build(kit: Kit, components: list[str], tags: dict | None = None):
    recipe = kit.create_recipe(components=components)
    image = kit.create_image(recipe, kit.create_infrastructure(), tags=tags)
    final = kit.wait_image(image)
    steps = {}
    for execution in kit.executions(image):
        for step in kit.steps(execution["workflowExecutionId"]):
            steps[(execution["type"], step["name"])] = step
    return final, steps


def test_each_stage_runs_the_phases_the_documents_have(imagebuilder, kit: Kit, names):
    app = component(imagebuilder, names["app"], APP)
    plain = component(imagebuilder, names["plain"], BUILD_ONLY)
    final, steps = build(kit, [app])
    assert final["state"]["status"] == "AVAILABLE"
    assert steps[("BUILD", "ApplyBuildComponents")]["status"] == "COMPLETED"
    assert steps[("TEST", "ApplyTestComponents")]["status"] == "COMPLETED", \
        "a BUILD component's test phase runs in the test stage"
    final, steps = build(kit, [plain])
    assert final["state"]["status"] == "AVAILABLE"
    assert steps[("BUILD", "ApplyBuildComponents")]["status"] == "COMPLETED"
    assert steps[("TEST", "ApplyTestComponents")]["status"] == "SKIPPED", "nothing has a test phase"
    recorded = imagebuilder.get_image(imageBuildVersionArn=final["arn"])["image"]
    assert recorded["imageRecipe"]["components"] == [{"componentArn": plain}]


def test_a_component_tag_fails_execute_components(imagebuilder, kit: Kit, names):
    app = f"arn:aws:imagebuilder:us-east-1:123456789012:component/{names['app']}/x.x.x"
    final, steps = build(kit, [app], {f"stepwise:fail-component:{names['app']}": "disk full"})
    apply = steps[("BUILD", "ApplyBuildComponents")]
    assert apply["status"] == "FAILED"
    assert apply["message"] == (f"Component '{names['app']}' (arn:aws:imagebuilder:us-east-1:123456789012:"
                                f"component/{names['app']}/1.0.0/1) failed in phase 'build' at step 'Install' "
                                "(ExecuteBash): disk full")
    assert steps[("BUILD", "LaunchBuildInstance")]["rollbackStatus"] == "COMPLETED"
    assert final["state"]["status"] == "FAILED" and "disk full" in final["state"]["reason"]

    final, steps = build(kit, [app], {f"stepwise:fail-component:{names['app']}/test/Probe": "no route"})
    assert steps[("BUILD", "ApplyBuildComponents")]["status"] == "COMPLETED"
    assert steps[("TEST", "ApplyTestComponents")]["status"] == "FAILED"
    assert "phase 'test' at step 'Probe'" in steps[("TEST", "ApplyTestComponents")]["message"]
    assert final["state"]["status"] == "FAILED"

    # A step whose onFailure is Ignore fails without failing its component.
    final, _ = build(kit, [app], {f"stepwise:fail-component:{names['app']}/build/Optional": "ignored"})
    assert final["state"]["status"] == "AVAILABLE"


def test_a_fault_file_rule_names_a_component_step(imagebuilder, kit: Kit, names):
    ruled = component(imagebuilder, names["ruled"], APP)
    final, steps = build(kit, ["arn:aws:imagebuilder:us-east-1:aws:component/update-linux/x.x.x", ruled])
    apply = steps[("BUILD", "ApplyBuildComponents")]
    assert apply["status"] == "FAILED"
    assert "phase 'validate' at step 'Check'" in apply["message"]
    assert apply["message"].endswith("checksum mismatch")
    assert final["state"]["status"] == "FAILED"
