"""The whole user journey with boto3 (and one AWS CLI call), against imagebuilder-workflows.md:
create a workflow, a recipe and an infrastructure configuration; build images with the managed
workflows and with a custom one; read executions and steps; the error wire format; a failing
step (fault injection by image tag) failing the workflow and the image.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid

import pytest
from botocore.exceptions import ClientError

from stepwise_harness import (
    ACCOUNT,
    AMI_ID_RE,
    BUILD_COMPONENT_ARN,
    INSTANCE_ID_RE,
    MANAGED_BUILD_WORKFLOW,
    MANAGED_TEST_WORKFLOW,
    PARENT_IMAGE,
    REGION,
    REQUEST_ID_RE,
    STEP_ID_RE,
    TIMESTAMP_RE,
    WF_ID_RE,
    BuiltImage,
    Kit,
    WireLog,
    assert_api_error,
    python_json,
    unique_name,
)

# The §5.10 example, extended with a string parameter; comments and spacing make "verbatim" visible.
JOURNEY_DOCUMENT = """\
# Stepwise interop journey workflow
schemaVersion: 1.0
description: Journey test   # document metadata, not the resource description
parameters:
  - name: gateEnabled
    type: boolean
    default: false
  - name: greeting
    type: string
    default: "hello"
    description: Printed by the Customize step.
steps:
  - name: StartBox
    action: LaunchInstance
    inputs:
      waitFor: ssmAgent
  - name: Customize
    action: RunCommand
    description: Says hello.
    inputs:
      instanceId.$: $.stepOutputs.StartBox.instanceId
      documentName: AWS-RunShellScript
      parameters:
        commands:
          - "echo {{ $.parameters.greeting }}"
  - name: Approve
    action: WaitForAction
    timeoutSeconds: 3600
    if:
      booleanEquals: true
      value: $.parameters.gateEnabled
  - name: Capture
    action: CreateImage
    inputs:
      instanceId.$: $.stepOutputs.StartBox.instanceId
  - name: StopBox
    action: TerminateInstance
    onFailure: Continue
    inputs:
      instanceId.$: $.stepOutputs.StartBox.instanceId
outputs:
  - name: ImageId
    value: $.stepOutputs.Capture.imageId
"""

JOURNEY_PARAMETERS = [
    {"name": "gateEnabled", "type": "boolean", "defaultValue": ["false"]},
    {"name": "greeting", "type": "string", "defaultValue": ["hello"], "description": "Printed by the Customize step."},
]

MANAGED_BUILD_STEPS = [
    ("LaunchBuildInstance", "LaunchInstance", "COMPLETED"),
    ("ApplyBuildComponents", "ExecuteComponents", "COMPLETED"),
    ("InventoryCollection", "CollectImageMetadata", "COMPLETED"),
    ("RunSanitizeScript", "SanitizeInstance", "COMPLETED"),
    ("RunSysPrepScript", "RunSysPrep", "SKIPPED"),
    ("CreateOutputAMI", "CreateImage", "COMPLETED"),
    ("TerminateBuildInstance", "TerminateInstance", "COMPLETED"),
]
MANAGED_TEST_STEPS = [
    ("LaunchTestInstance", "LaunchInstance", "COMPLETED"),
    ("CollectImageScanFindings", "CollectImageScanFindings", "SKIPPED"),
    ("ApplyTestComponents", "ExecuteComponents", "SKIPPED"),
    ("TerminateTestInstance", "TerminateInstance", "COMPLETED"),
]
CONTINUE_STEPS = {"TerminateBuildInstance", "TerminateTestInstance", "CollectImageScanFindings", "StopBox"}
FAIL_MESSAGE = "Simulated AMI failure"

HAS_REQUEST_ID = {
    "ListWorkflowStepExecutions", "GetWorkflowStepExecution", "ListWorkflowExecutions", "GetWorkflowExecution",
    "CreateImage", "GetImage", "ListImageBuildVersions", "CancelImageCreation",
    "CreateImageRecipe", "GetImageRecipe", "ListImageRecipes", "DeleteImageRecipe",
    "CreateInfrastructureConfiguration", "GetInfrastructureConfiguration",
    "ListInfrastructureConfigurations", "DeleteInfrastructureConfiguration",
}  # fmt: skip


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def recipe(kit: Kit) -> str:
    return kit.create_recipe(unique_name("journey-recipe"))


@pytest.fixture(scope="module")
def infra(kit: Kit) -> str:
    return kit.create_infrastructure(unique_name("journey-infra"))


@pytest.fixture(scope="module")
def workflow_name() -> str:
    # Upper case and a space: the ARN carries the normalized form, `name` the entered one.
    return f"Journey Flow {uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def journey_workflow(kit: Kit, workflow_name: str) -> str:
    return kit.create_workflow(
        data=JOURNEY_DOCUMENT,
        name=workflow_name,
        version="1.0.0",
        description="Interop journey workflow",
    )


@pytest.fixture(scope="module")
def managed_image(kit: Kit, recipe: str, infra: str) -> BuiltImage:
    return kit.build(recipe, infra)


@pytest.fixture(scope="module")
def custom_image(kit: Kit, recipe: str, infra: str, journey_workflow: str) -> BuiltImage:
    return kit.build(
        recipe,
        infra,
        workflows=[{"workflowArn": journey_workflow, "parameters": [{"name": "greeting", "value": ["world"]}]}],
    )


@pytest.fixture(scope="module")
def failed_image(kit: Kit, recipe: str, infra: str) -> BuiltImage:
    return kit.build(recipe, infra, tags={"stepwise:fail:CreateOutputAMI": FAIL_MESSAGE})


def normalized(name: str) -> str:
    return name.lower().replace(" ", "-").replace("_", "-")


# --------------------------------------------------------------------------- resources


def test_create_workflow_and_get_it_back_verbatim(imagebuilder, journey_workflow: str, workflow_name: str):
    expected_arn = f"arn:aws:imagebuilder:{REGION}:{ACCOUNT}:workflow/build/{normalized(workflow_name)}/1.0.0/1"
    assert journey_workflow == expected_arn

    resp = imagebuilder.get_workflow(workflowBuildVersionArn=journey_workflow)
    wf = resp["workflow"]
    assert wf["arn"] == journey_workflow
    assert wf["data"] == JOURNEY_DOCUMENT
    assert wf["parameters"] == JOURNEY_PARAMETERS
    assert wf["name"] == workflow_name
    assert wf["version"] == "1.0.0"
    assert wf["type"] == "BUILD"
    assert wf["owner"] == ACCOUNT
    assert wf["description"] == "Interop journey workflow"
    assert wf["tags"] == {}
    assert "state" not in wf
    assert TIMESTAMP_RE.match(wf["dateCreated"]), wf["dateCreated"]
    base = journey_workflow.rsplit("/", 2)[0]
    assert resp["latestVersionReferences"] == {
        "latestVersionArn": f"{base}/x.x.x",
        "latestMajorVersionArn": f"{base}/1.x.x",
        "latestMinorVersionArn": f"{base}/1.0.x",
        "latestPatchVersionArn": f"{base}/1.0.0",
    }
    # Version and wildcard ARNs resolve to the same build.
    for ref in (f"{base}/1.0.0", f"{base}/x.x.x", f"{base}/1.x.x"):
        assert imagebuilder.get_workflow(workflowBuildVersionArn=ref)["workflow"]["arn"] == journey_workflow


def test_identical_workflow_is_rejected_as_existing(imagebuilder, journey_workflow: str, workflow_name: str):
    with pytest.raises(ClientError) as exc:
        imagebuilder.create_workflow(
            name=workflow_name,
            semanticVersion="1.0.0",
            type="BUILD",
            data=JOURNEY_DOCUMENT,
            description="Interop journey workflow",
            clientToken=str(uuid.uuid4()),
        )
    assert_api_error(exc.value, "ResourceAlreadyExistsException", 400, message_contains=[journey_workflow])


def test_recipe_and_infrastructure_configuration(imagebuilder, recipe: str, infra: str):
    assert recipe.startswith(f"arn:aws:imagebuilder:{REGION}:{ACCOUNT}:image-recipe/journey-recipe-")
    assert recipe.endswith("/1.0.0")
    r = imagebuilder.get_image_recipe(imageRecipeArn=recipe)["imageRecipe"]
    assert r["arn"] == recipe
    assert r["parentImage"] == PARENT_IMAGE
    assert r["platform"] == "Linux"
    assert r["type"] == "AMI"
    assert r["version"] == "1.0.0"
    assert r["owner"] == ACCOUNT
    assert [c["componentArn"] for c in r["components"]] == [BUILD_COMPONENT_ARN]
    assert TIMESTAMP_RE.match(r["dateCreated"])

    assert infra.startswith(f"arn:aws:imagebuilder:{REGION}:{ACCOUNT}:infrastructure-configuration/journey-infra-")
    i = imagebuilder.get_infrastructure_configuration(infrastructureConfigurationArn=infra)["infrastructureConfiguration"]
    assert i["arn"] == infra
    assert i["instanceProfileName"] == "EC2InstanceProfileForImageBuilder"
    assert i["terminateInstanceOnFailure"] is True
    assert TIMESTAMP_RE.match(i["dateCreated"])


# --------------------------------------------------------------------------- managed workflows


def _check_execution(e: dict, *, arn: str, wf_type: str, counts: tuple[int, int, int, int], status: str = "COMPLETED"):
    assert WF_ID_RE.match(e["workflowExecutionId"]), e
    assert e["workflowBuildVersionArn"] == arn
    assert e["type"] == wf_type
    assert e["status"] == status, e
    got = (e["totalStepCount"], e["totalStepsSucceeded"], e["totalStepsFailed"], e["totalStepsSkipped"])
    assert got == counts, f"{wf_type} counters {got}, expected {counts}"
    assert TIMESTAMP_RE.match(e["startTime"]) and TIMESTAMP_RE.match(e["endTime"]), e
    assert e["endTime"] >= e["startTime"]


def test_image_without_workflows_runs_managed_build_and_test(imagebuilder, managed_image: BuiltImage, recipe: str, infra: str):
    img = managed_image.image
    assert managed_image.status == "AVAILABLE", img["state"]
    assert img["arn"] == managed_image.arn
    assert img["name"] == recipe.split("/")[-2]
    assert img["version"] == "1.0.0/" + managed_image.arn.rsplit("/", 1)[1]
    assert img["type"] == "AMI"
    assert img["platform"] == "Linux"
    assert img["osVersion"] == "Amazon Linux 2023"
    assert img["buildType"] == "USER_INITIATED"
    assert img["imageSource"] == "CUSTOM"
    assert img["tags"] == {}
    assert img["enhancedImageMetadataEnabled"] is True
    assert img["imageTestsConfiguration"]["imageTestsEnabled"] is True
    assert img["imageRecipe"]["arn"] == recipe
    assert img["infrastructureConfiguration"]["arn"] == infra
    assert "workflows" not in img
    assert "reason" not in img["state"] and "failureContext" not in img["state"]
    assert TIMESTAMP_RE.match(img["dateCreated"])
    amis = img["outputResources"]["amis"]
    assert len(amis) == 1 and amis[0]["region"] == REGION and AMI_ID_RE.match(amis[0]["image"]), amis

    build, test = managed_image.executions
    _check_execution(build, arn=MANAGED_BUILD_WORKFLOW, wf_type="BUILD", counts=(7, 6, 0, 1))
    _check_execution(test, arn=MANAGED_TEST_WORKFLOW, wf_type="TEST", counts=(4, 2, 0, 2))
    for e in (build, test):
        assert e["retried"] is False
        assert "message" not in e
    assert test["startTime"] >= build["endTime"]

    resp = imagebuilder.list_workflow_executions(imageBuildVersionArn=managed_image.arn)
    assert resp["imageBuildVersionArn"] == managed_image.arn
    assert "message" not in resp
    for e in managed_image.executions:
        g = imagebuilder.get_workflow_execution(workflowExecutionId=e["workflowExecutionId"])
        assert g["imageBuildVersionArn"] == managed_image.arn
        assert "retried" not in g
        for key in ("workflowBuildVersionArn", "workflowExecutionId", "type", "status", "totalStepCount",
                    "totalStepsSucceeded", "totalStepsFailed", "totalStepsSkipped", "startTime", "endTime"):  # fmt: skip
            assert g[key] == e[key], key


def _check_steps(imagebuilder, kit: Kit, execution: dict, expected: list[tuple[str, str, str]], image_arn: str):
    steps = kit.steps(execution["workflowExecutionId"])
    assert [(s["name"], s["action"], s["status"]) for s in steps] == expected
    launch_outputs = json.loads(steps[0]["outputs"])
    assert list(launch_outputs) == ["instanceId"] and INSTANCE_ID_RE.match(launch_outputs["instanceId"])
    launch_step = expected[0][0]
    for s in steps:
        assert STEP_ID_RE.match(s["stepExecutionId"]), s
        assert TIMESTAMP_RE.match(s["startTime"]) and TIMESTAMP_RE.match(s["endTime"]), s
        assert "rollbackStatus" not in s and "message" not in s
        inputs = json.loads(s["inputs"])
        assert s["inputs"] == python_json(inputs), "inputs in Python json.dumps style"
        if s["status"] == "SKIPPED":
            assert s["startTime"] == s["endTime"]
            assert "outputs" not in s
            assert "attemptNumber" not in s and "maxAttempts" not in s
            assert inputs == {"instanceId.$": f"$.stepOutputs.{launch_step}.instanceId"}, "raw document inputs"
        else:
            assert s["endTime"] >= s["startTime"]
            assert s["attemptNumber"] == 1 and s["maxAttempts"] == 1
            if s["action"] == "LaunchInstance":
                assert inputs.get("waitFor") == "ssmAgent"
            else:
                assert inputs == {"instanceId": launch_outputs["instanceId"]}, s
            if s["action"] == "TerminateInstance":
                assert "outputs" not in s
            else:
                outputs = json.loads(s["outputs"])
                assert s["outputs"] == python_json(outputs), "outputs in Python json.dumps style"

        g = imagebuilder.get_workflow_step_execution(stepExecutionId=s["stepExecutionId"])
        assert g["requestId"] == g["ResponseMetadata"]["RequestId"]
        assert g["workflowExecutionId"] == execution["workflowExecutionId"]
        assert g["workflowBuildVersionArn"] == execution["workflowBuildVersionArn"]
        assert g["imageBuildVersionArn"] == image_arn
        assert g["onFailure"] == ("Continue" if s["name"] in CONTINUE_STEPS else "Abort")
        assert isinstance(g["timeoutSeconds"], int) and g["timeoutSeconds"] > 0
        for key, value in s.items():
            assert g.get(key) == value, f"{s['name']}: {key}"
    return steps


def test_managed_build_and_test_steps(imagebuilder, kit: Kit, managed_image: BuiltImage):
    build, test = managed_image.executions
    steps = _check_steps(imagebuilder, kit, build, MANAGED_BUILD_STEPS, managed_image.arn)
    by_name = {s["name"]: s for s in steps}
    ami = json.loads(by_name["CreateOutputAMI"]["outputs"])["imageId"]
    assert AMI_ID_RE.match(ami)
    assert managed_image.image["outputResources"]["amis"][0]["image"] == ami
    assert json.loads(by_name["InventoryCollection"]["outputs"])["osVersion"] == "Amazon Linux 2023"
    assert list(json.loads(by_name["ApplyBuildComponents"]["outputs"])) == ["status", "output", "runCommandId"]

    test_steps = _check_steps(imagebuilder, kit, test, MANAGED_TEST_STEPS, managed_image.arn)
    assert test_steps[0]["name"] == "LaunchTestInstance"


# --------------------------------------------------------------------------- custom workflow


def test_image_with_a_custom_workflow(imagebuilder, kit: Kit, custom_image: BuiltImage, journey_workflow: str):
    assert custom_image.status == "AVAILABLE", custom_image.image["state"]
    assert custom_image.image["workflows"] == [
        {"workflowArn": journey_workflow, "parameters": [{"name": "greeting", "value": ["world"]}]}
    ]
    # Only the given BUILD workflow runs: no TEST stage without a TEST workflow.
    assert [e["type"] for e in custom_image.executions] == ["BUILD"]
    build = custom_image.executions[0]
    _check_execution(build, arn=journey_workflow, wf_type="BUILD", counts=(5, 4, 0, 1))

    steps = kit.steps(build["workflowExecutionId"])
    assert [(s["name"], s["status"]) for s in steps] == [
        ("StartBox", "COMPLETED"),
        ("Customize", "COMPLETED"),
        ("Approve", "SKIPPED"),
        ("Capture", "COMPLETED"),
        ("StopBox", "COMPLETED"),
    ]
    start, customize, approve, capture, stop = steps
    instance_id = json.loads(start["outputs"])["instanceId"]
    assert customize["description"] == "Says hello."
    assert customize["inputs"] == python_json(
        {
            "instanceId": instance_id,
            "documentName": "AWS-RunShellScript",
            "parameters": {"commands": ["echo world"]},
        }
    )
    run = json.loads(customize["outputs"])
    assert list(run) == ["status", "output", "runCommandId"]
    assert run["status"] == "Success" and run["output"] == [""]
    assert REQUEST_ID_RE.match(run["runCommandId"])
    assert approve["startTime"] == approve["endTime"]
    assert "outputs" not in approve and "attemptNumber" not in approve and "maxAttempts" not in approve
    ami = json.loads(capture["outputs"])["imageId"]
    assert custom_image.image["outputResources"]["amis"][0]["image"] == ami
    assert "outputs" not in stop
    assert imagebuilder.get_workflow_step_execution(stepExecutionId=stop["stepExecutionId"])["onFailure"] == "Continue"
    assert imagebuilder.get_workflow_step_execution(stepExecutionId=approve["stepExecutionId"])["timeoutSeconds"] == 3600


# --------------------------------------------------------------------------- failure


def test_failing_step_fails_the_workflow_and_the_image(imagebuilder, kit: Kit, failed_image: BuiltImage):
    state = failed_image.image["state"]
    assert state["status"] == "FAILED", state
    # No TEST stage after a failed BUILD.
    assert [e["type"] for e in failed_image.executions] == ["BUILD"]
    build = failed_image.executions[0]
    wf_id = build["workflowExecutionId"]
    assert state["reason"] == f"Workflow Execution ID: '{wf_id}' failed with reason: {FAIL_MESSAGE}"

    # LaunchInstance and CollectImageMetadata roll back, so the workflow ends ROLLBACK_COMPLETED.
    assert build["status"] == "ROLLBACK_COMPLETED", build
    assert build["message"] == FAIL_MESSAGE
    assert (build["totalStepCount"], build["totalStepsSucceeded"], build["totalStepsFailed"], build["totalStepsSkipped"]) == (7, 4, 1, 1)

    steps = kit.steps(wf_id)
    assert [(s["name"], s["status"], s.get("rollbackStatus")) for s in steps] == [
        ("LaunchBuildInstance", "COMPLETED", "COMPLETED"),
        ("ApplyBuildComponents", "COMPLETED", "SKIPPED"),
        ("InventoryCollection", "COMPLETED", "COMPLETED"),
        ("RunSanitizeScript", "COMPLETED", "SKIPPED"),
        ("RunSysPrepScript", "SKIPPED", None),
        ("CreateOutputAMI", "FAILED", "SKIPPED"),
    ], "Abort: TerminateBuildInstance never starts"
    failed = steps[-1]
    assert failed["message"] == FAIL_MESSAGE
    assert json.loads(failed["outputs"]) == {"errorMessage": FAIL_MESSAGE}

    ctx = state["failureContext"]
    assert ctx["imageStatus"] == "BUILDING"
    assert ctx["workflowExecutionId"] == wf_id
    assert ctx["workflowArn"] == MANAGED_BUILD_WORKFLOW
    assert ctx["stepExecutionId"] == failed["stepExecutionId"]
    assert ctx["failedStep"] == "CreateOutputAMI"

    listing = imagebuilder.list_workflow_executions(imageBuildVersionArn=failed_image.arn)
    assert listing["message"] == state["reason"]
    assert failed_image.image["outputResources"] == {"amis": []}


# --------------------------------------------------------------------------- wire format


def test_request_id_header_on_every_response(imagebuilder, wire: WireLog, managed_image: BuiltImage, recipe: str, infra: str, journey_workflow: str):
    build = managed_image.executions[0]
    step = imagebuilder.list_workflow_step_executions(workflowExecutionId=build["workflowExecutionId"])["steps"][0]
    imagebuilder.get_image(imageBuildVersionArn=managed_image.arn)
    imagebuilder.list_workflow_executions(imageBuildVersionArn=managed_image.arn)
    imagebuilder.get_workflow_execution(workflowExecutionId=build["workflowExecutionId"])
    imagebuilder.get_workflow_step_execution(stepExecutionId=step["stepExecutionId"])
    imagebuilder.list_image_build_versions()
    imagebuilder.get_image_recipe(imageRecipeArn=recipe)
    imagebuilder.list_image_recipes()
    imagebuilder.get_infrastructure_configuration(infrastructureConfigurationArn=infra)
    imagebuilder.list_infrastructure_configurations()
    imagebuilder.get_workflow(workflowBuildVersionArn=journey_workflow)
    imagebuilder.list_workflows()
    imagebuilder.list_workflow_build_versions()
    imagebuilder.list_waiting_workflow_steps()
    with pytest.raises(ClientError):
        imagebuilder.get_workflow_execution(workflowExecutionId=f"wf-{uuid.uuid4()}")
    assert len(wire.calls) == 15
    for call in wire.calls:
        header = call.headers.get("x-amzn-requestid", "")
        assert REQUEST_ID_RE.match(header), f"{call.operation}: x-amzn-RequestId {header!r}"
        body = call.json()
        if call.status == 200 and call.operation in HAS_REQUEST_ID:
            assert body["requestId"] == header, call.operation
        elif call.status == 200:
            assert "requestId" not in body, call.operation
        assert call.headers.get("content-type", "").startswith("application/json"), call.operation


def test_unknown_ids_are_resource_not_found(imagebuilder, managed_image: BuiltImage):
    wf_id = f"wf-{uuid.uuid4()}"
    step_id = f"step-{uuid.uuid4()}"
    image_arn = f"arn:aws:imagebuilder:{REGION}:{ACCOUNT}:image/{unique_name('nope')}/1.0.0/1"
    calls = [
        (lambda: imagebuilder.get_workflow_execution(workflowExecutionId=wf_id), wf_id),
        (lambda: imagebuilder.list_workflow_step_executions(workflowExecutionId=wf_id), wf_id),
        (lambda: imagebuilder.get_workflow_step_execution(stepExecutionId=step_id), step_id),
        (lambda: imagebuilder.get_image(imageBuildVersionArn=image_arn), image_arn),
        (lambda: imagebuilder.list_workflow_executions(imageBuildVersionArn=image_arn), image_arn),
    ]
    for call, missing in calls:
        with pytest.raises(ClientError) as exc:
            call()
        assert_api_error(exc.value, "ResourceNotFoundException", 404, message=f"The resource '{missing}' does not exist.")


def test_malformed_ids_are_invalid_request(imagebuilder):
    with pytest.raises(ClientError) as exc:
        imagebuilder.get_workflow_execution(workflowExecutionId="wf-not-a-uuid")
    assert_api_error(exc.value, "InvalidRequestException", 400, message_contains=["workflowExecutionId"])
    with pytest.raises(ClientError) as exc:
        imagebuilder.get_workflow_step_execution(stepExecutionId="step-123")
    assert_api_error(exc.value, "InvalidRequestException", 400, message_contains=["stepExecutionId"])


@pytest.mark.parametrize(
    "step, document",
    [
        (
            "Frobnicate",
            "schemaVersion: 1.0\nsteps:\n  - name: Frobnicate\n    action: DistributeImage\n",
        ),
        (
            "Capture",
            "schemaVersion: 1.0\nsteps:\n  - name: Launch\n    action: LaunchInstance\n    inputs:\n"
            "      waitFor: ssmAgent\n  - name: Capture\n    action: CreateImage\n",
        ),
        (
            "Mystery",
            "schemaVersion: 1.0\nsteps:\n  - name: Mystery\n    action: DoesNotExist\n",
        ),
    ],
    ids=["action-not-allowed", "missing-input", "unknown-action"],
)
def test_bad_workflow_document_is_invalid_parameter_value_naming_the_step(imagebuilder, step: str, document: str):
    with pytest.raises(ClientError) as exc:
        imagebuilder.create_workflow(
            name=unique_name("bad-doc"),
            semanticVersion="1.0.0",
            type="BUILD",
            data=document,
            clientToken=str(uuid.uuid4()),
        )
    assert_api_error(
        exc.value,
        "InvalidParameterValueException",
        400,
        message_contains=["The value supplied for parameter 'data' is not valid.", f"'{step}'"],
    )


def test_create_image_with_a_missing_recipe_is_not_found(imagebuilder, kit: Kit, infra: str):
    missing = f"arn:aws:imagebuilder:{REGION}:{ACCOUNT}:image-recipe/{unique_name('no-such-recipe')}/1.0.0"
    with pytest.raises(ClientError) as exc:
        kit.create_image(missing, infra)
    assert_api_error(exc.value, "ResourceNotFoundException", 404, message_contains=[missing])


def test_unknown_operation_is_404_unknown_operation(stepwise):
    req = urllib.request.Request(stepwise.endpoint + "/NoSuchOperation", data=b"{}", method="POST")
    req.add_header("Content-Type", "application/json")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with pytest.raises(urllib.error.HTTPError) as exc:
        opener.open(req, timeout=10)
    err = exc.value
    assert err.code == 404
    assert err.headers["x-amzn-ErrorType"] == "UnknownOperationException"
    assert REQUEST_ID_RE.match(err.headers["x-amzn-RequestId"] or "")
    body = json.loads(err.read())
    assert body["__type"] == "UnknownOperationException" and body["message"]


# --------------------------------------------------------------------------- AWS CLI


def test_aws_cli_get_image(aws_cli, managed_image: BuiltImage):
    out = aws_cli("get-image", "--image-build-version-arn", managed_image.arn).json()
    assert out["image"]["arn"] == managed_image.arn
    assert out["image"]["state"]["status"] == "AVAILABLE"
    assert REQUEST_ID_RE.match(out["requestId"])

    missing = managed_image.arn.rsplit("/", 1)[0] + "/999"
    result = aws_cli("get-image", "--image-build-version-arn", missing)
    assert result.returncode == 255, result
    assert "An error occurred (ResourceNotFoundException) when calling the GetImage operation" in result.stderr
