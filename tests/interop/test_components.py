"""Components through boto3, the AWS CLI, `stepwise imagebuilder` and `stepwise validate`: the
document corpus (tests/components) gets the same answer from CreateComponent and from `stepwise
validate`; create, import, get, list, build versions, tags and delete; recipes resolve components
and check their parameters; what a recipe uses cannot be deleted."""

from __future__ import annotations

import json
import subprocess
import uuid
from pathlib import Path

import pytest

from stepwise_harness import REPO_ROOT, Kit, assert_api_error, unique_name

CORPUS = sorted((REPO_ROOT / "tests" / "components").glob("*/*.yaml"))
ACCOUNT_ARN = "arn:aws:imagebuilder:us-east-1:123456789012"
AMAZON_ARN = "arn:aws:imagebuilder:us-east-1:aws"
GREETER = """schemaVersion: 1.0
parameters:
  - Greeting:
      type: string
phases:
  - name: build
    steps:
      - name: Say
        action: ExecuteBash
        inputs:
          commands: ['echo {{ Greeting }}']
"""


def header(text: str, key: str) -> str | None:
    for line in text.splitlines():
        if not line.startswith("#"):
            return None
        if line.startswith(f"# {key}: "):
            return line[len(f"# {key}: "):]
    return None


def create(imagebuilder, name: str, data: str, *, version: str = "1.0.0", platform: str = "Linux", **extra):
    return imagebuilder.create_component(name=name, semanticVersion=version, platform=platform, data=data,
                                         clientToken=str(uuid.uuid4()), **extra)


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_the_corpus_gets_the_same_answer_from_the_service_and_from_validate(imagebuilder, stepwise_bin, path: Path):
    data = path.read_text()
    platform = header(data, "platform") or "Linux"
    expected = header(data, "error")
    name = unique_name("corpus")
    if expected is None:
        arn = create(imagebuilder, name, data, platform=platform)["componentBuildVersionArn"]
        assert imagebuilder.get_component(componentBuildVersionArn=arn)["component"]["data"] == data
    else:
        with pytest.raises(imagebuilder.exceptions.InvalidParameterValueException) as err:
            create(imagebuilder, name, data, platform=platform)
        assert_api_error(err.value, "InvalidParameterValueException", 400,
                         message=f"The value supplied for parameter 'data' is not valid. {expected}")
        listed = imagebuilder.list_components(filters=[{"name": "name", "values": [name]}])
        assert listed["componentVersionList"] == []
    done = subprocess.run([str(stepwise_bin), "validate", str(path), "--kind", "component", "--platform", platform],
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    if expected is None:
        assert done.returncode == 0, done.stderr
    else:
        assert done.returncode == 255
        assert done.stderr.strip() == (
            "An error occurred (InvalidParameterValueException) when calling the CreateComponent operation: "
            f"The value supplied for parameter 'data' is not valid. {expected}")


def test_create_get_list_and_delete(imagebuilder):
    name = unique_name("comp")
    first = create(imagebuilder, name, GREETER, description="says hello", changeDescription="first",
                   supportedOsVersions=["Amazon Linux 2023"], tags={"team": "a"})
    arn = first["componentBuildVersionArn"]
    assert arn == f"{ACCOUNT_ARN}:component/{name}/1.0.0/1"
    assert first["latestVersionReferences"]["latestVersionArn"] == f"{ACCOUNT_ARN}:component/{name}/x.x.x"
    second = create(imagebuilder, name, GREETER)["componentBuildVersionArn"]
    assert second == f"{ACCOUNT_ARN}:component/{name}/1.0.0/2"
    create(imagebuilder, name, GREETER, version="1.1.0")

    got = imagebuilder.get_component(componentBuildVersionArn=arn)["component"]
    assert (got["name"], got["version"], got["type"], got["platform"], got["owner"]) == (
        name, "1.0.0", "BUILD", "Linux", "123456789012")
    assert got["parameters"] == [{"name": "Greeting", "type": "string"}]
    assert got["state"] == {"status": "ACTIVE"} and got["encrypted"] is True
    assert got["tags"] == {"team": "a"} and got["supportedOsVersions"] == ["Amazon Linux 2023"]
    newest = imagebuilder.get_component(componentBuildVersionArn=f"{ACCOUNT_ARN}:component/{name}/1.0.x")
    assert newest["component"]["arn"] == second

    versions = imagebuilder.list_components(filters=[{"name": "name", "values": [name]}])["componentVersionList"]
    assert [v["arn"] for v in versions] == [f"{ACCOUNT_ARN}:component/{name}/1.1.0",
                                            f"{ACCOUNT_ARN}:component/{name}/1.0.0"]
    pages = imagebuilder.get_paginator("list_component_build_versions").paginate(
        componentVersionArn=f"{ACCOUNT_ARN}:component/{name}/1.0.0", PaginationConfig={"PageSize": 1})
    assert [s["arn"] for p in pages for s in p["componentSummaryList"]] == [second, arn]

    imagebuilder.tag_resource(resourceArn=arn, tags={"later": "b"})
    assert imagebuilder.list_tags_for_resource(resourceArn=arn)["tags"] == {"team": "a", "later": "b"}

    imagebuilder.delete_component(componentBuildVersionArn=arn)
    with pytest.raises(imagebuilder.exceptions.ResourceNotFoundException):
        imagebuilder.get_component(componentBuildVersionArn=arn)
    with pytest.raises(imagebuilder.exceptions.ResourceNotFoundException):
        imagebuilder.delete_component(componentBuildVersionArn=arn)
    with pytest.raises(imagebuilder.exceptions.ForbiddenException):
        imagebuilder.delete_component(componentBuildVersionArn=f"{AMAZON_ARN}:component/update-linux/1.0.2/1")


def test_amazon_components_are_listed_and_usable(imagebuilder, kit: Kit):
    pages = imagebuilder.get_paginator("list_components").paginate(owner="Amazon")
    managed = [c for p in pages for c in p["componentVersionList"]]
    names = {c["name"] for c in managed}
    assert len(names) >= 10
    assert {"update-linux", "aws-cli-version-2-linux", "reboot-linux", "simple-boot-test-linux",
            "reboot-test-linux", "amazon-cloudwatch-agent-linux", "python-3-linux", "docker-ce-linux",
            "chrony-time-configuration-test", "update-windows"} <= names
    assert all(c["owner"] == "Amazon" for c in managed)
    tests = imagebuilder.list_components(owner="Amazon", filters=[{"name": "type", "values": ["TEST"]}])
    assert {c["name"] for c in tests["componentVersionList"]} >= {"simple-boot-test-linux", "reboot-test-linux"}
    # x.x.x is the newest version; 1.0.x the newest of 1.0.
    newest = imagebuilder.get_component(componentBuildVersionArn=f"{AMAZON_ARN}:component/aws-cli-version-2-linux/x.x.x")
    assert newest["component"]["version"] == "1.0.4"
    recipe = kit.create_recipe(components=[f"{AMAZON_ARN}:component/update-linux/1.0.x",
                                           f"{AMAZON_ARN}:component/simple-boot-test-linux/x.x.x"])
    assert imagebuilder.get_image_recipe(imageRecipeArn=recipe)["imageRecipe"]["components"][0]["componentArn"].endswith("/1.0.x")


def test_import_makes_a_document_of_a_script(imagebuilder):
    name = unique_name("imported")
    out = imagebuilder.import_component(name=name, semanticVersion="2.0.0", type="TEST", format="SHELL",
                                        platform="Linux", data="#!/bin/bash\nsystemctl is-system-running\n",
                                        clientToken=str(uuid.uuid4()))
    component = imagebuilder.get_component(componentBuildVersionArn=out["componentBuildVersionArn"])["component"]
    assert component["type"] == "TEST"
    assert "- name: test" in component["data"] and "ExecuteBash" in component["data"]
    with pytest.raises(imagebuilder.exceptions.InvalidParameterValueException) as err:
        imagebuilder.import_component(name=name, semanticVersion="2.0.1", type="BUILD", format="SHELL",
                                      platform="Linux", uri="s3://bucket/script.sh", clientToken=str(uuid.uuid4()))
    assert "'uri'" in err.value.response["Error"]["Message"]


def test_recipes_resolve_components_and_hold_them(imagebuilder, kit: Kit):
    name = unique_name("greeter")
    build = create(imagebuilder, name, GREETER)["componentBuildVersionArn"]
    wildcard = f"{ACCOUNT_ARN}:component/{name}/x.x.x"

    def recipe(components):
        return imagebuilder.create_image_recipe(
            name=unique_name("recipe"), semanticVersion="1.0.0", parentImage="ami-0123456789abcdef0",
            components=components, clientToken=str(uuid.uuid4()))

    with pytest.raises(imagebuilder.exceptions.InvalidParameterCombinationException) as err:
        recipe([{"componentArn": wildcard, "parameters": [{"name": "Greeting", "value": ["hi"]},
                                                          {"name": "Colour", "value": ["red"]}]}])
    assert_api_error(err.value, "InvalidParameterCombinationException", 400, message=(
        "The value supplied for parameter 'components[0].parameters' is not valid. "
        "The following parameters are not defined in the provided component: Colour"))
    with pytest.raises(imagebuilder.exceptions.InvalidParameterCombinationException) as err:
        recipe([{"componentArn": wildcard}])
    assert "Greeting" in err.value.response["Error"]["Message"]
    with pytest.raises(imagebuilder.exceptions.ResourceNotFoundException):
        recipe([{"componentArn": f"{ACCOUNT_ARN}:component/{name}-missing/1.0.0/1"}])
    with pytest.raises(imagebuilder.exceptions.InvalidParameterValueException) as err:
        recipe([{"componentArn": f"{AMAZON_ARN}:component/update-windows/x.x.x"}])
    assert "components[0].componentArn" in err.value.response["Error"]["Message"]

    used = recipe([{"componentArn": wildcard, "parameters": [{"name": "Greeting", "value": ["hi"]}]}])["imageRecipeArn"]
    with pytest.raises(imagebuilder.exceptions.ResourceDependencyException) as err:
        imagebuilder.delete_component(componentBuildVersionArn=build)
    assert used in err.value.response["Error"]["Message"]
    imagebuilder.delete_image_recipe(imageRecipeArn=used)
    imagebuilder.delete_component(componentBuildVersionArn=build)


def test_the_aws_cli_and_stepwise_imagebuilder_agree(tools, tmp_path):
    doc = tmp_path / "doc.yaml"
    doc.write_text(GREETER)
    arns = {}
    for tool in ("aws", "stepwise"):
        name = unique_name(f"cli-{tool}")
        done = tools.run(tool, "create-component", "--name", name, "--semantic-version", "1.0.0",
                         "--platform", "Linux", "--data", f"file://{doc}")
        assert done.returncode == 0, done.stderr
        arns[tool] = json.loads(done.stdout)["componentBuildVersionArn"]
    outputs = {tool: tools.run(tool, "get-component", "--component-build-version-arn", arn)
               for tool, arn in arns.items()}
    a, b = (json.loads(outputs[t].stdout)["component"] for t in ("aws", "stepwise"))
    assert list(a) == list(b)
    assert a["data"] == b["data"] == GREETER
    aws, ours = tools.both("list-components", "--owner", "Amazon", "--filters", "name=type,values=TEST",
                           "--query", "componentVersionList[].arn")
    assert aws.returncode == ours.returncode == 0 and aws.stdout == ours.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text(GREETER.replace("ExecuteBash", "RunCommand"))
    aws, ours = tools.both("create-component", "--name", unique_name("bad"), "--semantic-version", "1.0.0",
                           "--platform", "Linux", "--data", f"file://{bad}")
    assert aws.returncode == ours.returncode == 255
    assert aws.stderr == ours.stderr and "unknown action 'RunCommand'" in aws.stderr


def test_import_alike_through_the_aws_cli_and_stepwise_imagebuilder(tools, tmp_path):
    script = tmp_path / "setup.sh"
    script.write_text("#!/bin/bash\necho ready\n")
    shown = {}
    for tool in ("aws", "stepwise"):
        name = unique_name(f"import-{tool}")
        done = tools.run(tool, "import-component", "--name", name, "--semantic-version", "1.0.0", "--type", "BUILD",
                         "--format", "SHELL", "--platform", "Linux", "--data", f"file://{script}")
        assert done.returncode == 0, done.stderr
        arn = json.loads(done.stdout)["componentBuildVersionArn"]
        listed = tools.run(tool, "list-component-build-versions", "--component-version-arn", arn.rsplit("/", 1)[0],
                           "--query", "componentSummaryList[].[type,platform,version]", "--output", "text")
        shown[tool] = listed.stdout
    assert shown["aws"] == shown["stepwise"] == "BUILD\tLinux\t1.0.0\n"


def test_validate_checks_workflow_documents_as_create_workflow_does(stepwise_bin, imagebuilder, tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text("schemaVersion: 1.0\nsteps:\n  - name: Gate\n    action: WaitForAction\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text("schemaVersion: 1.0\nsteps:\n  - name: Gate\n    action: WaitForAction\n    onFailure: Retry\n")
    run = lambda *args: subprocess.run([str(stepwise_bin), "validate", *args], capture_output=True, text=True,  # noqa: E731
                                       timeout=60, stdin=subprocess.DEVNULL)
    done = run(str(good))
    assert done.returncode == 0 and "valid BUILD workflow document" in done.stdout, done.stderr
    done = run(str(bad), "--type", "TEST")
    assert done.returncode == 255
    with pytest.raises(imagebuilder.exceptions.InvalidParameterValueException) as err:
        imagebuilder.create_workflow(name=unique_name("wf"), semanticVersion="1.0.0", type="TEST",
                                     data=bad.read_text(), clientToken=str(uuid.uuid4()))
    assert done.stderr.strip() == (
        "An error occurred (InvalidParameterValueException) when calling the CreateWorkflow operation: "
        + err.value.response["Error"]["Message"])
