"""The wire protocol under bad input, with raw HTTP where boto3 would refuse to send it:
every failure is a modelled 4xx with `x-amzn-ErrorType`, a JSON body and a request id, and
changes nothing."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import boto3
import pytest

from stepwise_harness import (
    ACCOUNT,
    DUMMY_ACCESS_KEY,
    DUMMY_SECRET_KEY,
    REQUEST_ID_RE,
    Kit,
    make_client,
    unique_name,
    workflow_document,
)

OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def raw(stepwise, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None):
    """(status, headers, parsed JSON body) of one raw request."""
    req = urllib.request.Request(stepwise.endpoint + path, data=body, method=method)
    req.add_header("Content-Type", "application/json")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with OPENER.open(req, timeout=15) as resp:
            return resp.status, resp.headers, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as err:
        return err.code, err.headers, json.loads(err.read() or b"{}")


def assert_error(result, status: int, error_type: str, *, mentions: str | None = None):
    code, headers, body = result
    assert code == status, (code, body)
    assert headers["x-amzn-ErrorType"] == error_type
    assert REQUEST_ID_RE.match(headers["x-amzn-RequestId"] or "")
    assert body["__type"] == error_type and body["message"], body
    if mentions:
        assert mentions in body["message"], body["message"]


def workflow_count(imagebuilder) -> int:
    return len(imagebuilder.list_workflows()["workflowVersionList"])


def test_malformed_json_is_invalid_request_and_changes_nothing(stepwise, imagebuilder):
    before = workflow_count(imagebuilder)
    assert_error(raw(stepwise, "PUT", "/CreateWorkflow", b'{"name": "x",'), 400, "InvalidRequestException", mentions="JSON")
    assert_error(raw(stepwise, "PUT", "/CreateWorkflow", b"[1, 2]"), 400, "InvalidRequestException")
    assert workflow_count(imagebuilder) == before


def test_wrong_json_type_names_the_member(stepwise, imagebuilder):
    body = json.dumps({"name": 5, "semanticVersion": "1.0.0", "type": "BUILD", "clientToken": "t-1", "data": "x"}).encode()
    assert_error(raw(stepwise, "PUT", "/CreateWorkflow", body), 400, "InvalidRequestException", mentions="'name'")
    body = json.dumps({"workflowExecutionId": "wf-0b6e2c1a-4f3d-4c8e-9a71-2d5f0e8b7c43", "maxResults": "3"}).encode()
    assert_error(raw(stepwise, "POST", "/ListWorkflowStepExecutions", body), 400, "InvalidRequestException", mentions="'maxResults'")


def test_missing_required_member_is_named(stepwise):
    body = json.dumps({"semanticVersion": "1.0.0", "type": "BUILD", "clientToken": "t-2", "data": "x"}).encode()
    assert_error(raw(stepwise, "PUT", "/CreateWorkflow", body), 400, "InvalidRequestException", mentions="'name'")


def test_wrong_method_is_unknown_operation(stepwise):
    assert_error(raw(stepwise, "GET", "/CreateWorkflow"), 404, "UnknownOperationException")
    assert_error(raw(stepwise, "POST", "/GetWorkflow", b"{}"), 404, "UnknownOperationException")


def test_out_of_scope_model_operation_is_unknown_operation(stepwise):
    assert_error(raw(stepwise, "POST", "/ListContainerRecipes", b"{}"), 404, "UnknownOperationException")


def test_oversized_body_is_refused(stepwise, imagebuilder):
    before = workflow_count(imagebuilder)
    body = b'{"name": "big", "data": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    code, headers, payload = raw(stepwise, "PUT", "/CreateWorkflow", body)
    assert code == 413 and payload["__type"] == headers["x-amzn-ErrorType"]
    assert workflow_count(imagebuilder) == before


def test_malformed_authorization_header_is_refused(stepwise):
    result = raw(stepwise, "POST", "/ListWorkflows", b"{}", {"Authorization": "Basic dXNlcjpwYXNz"})
    assert_error(result, 403, "InvalidSignatureException", mentions="Authorization")


def test_unsigned_requests_use_the_default_region(stepwise):
    code, _, body = raw(stepwise, "POST", "/ListWorkflows", b"{}")
    assert code == 200 and "workflowVersionList" in body


def test_region_comes_from_the_signature_scope(stepwise):
    west = boto3.client(
        "imagebuilder",
        endpoint_url=stepwise.endpoint,
        region_name="eu-west-1",
        aws_access_key_id=DUMMY_ACCESS_KEY,
        aws_secret_access_key=DUMMY_SECRET_KEY,
    )
    name = unique_name("regional")
    arn = west.create_workflow(name=name, semanticVersion="1.0.0", type="BUILD", data=workflow_document(3))["workflowBuildVersionArn"]
    assert arn.startswith(f"arn:aws:imagebuilder:eu-west-1:{ACCOUNT}:workflow/build/")
    east = make_client(stepwise.endpoint)
    assert name not in [w["name"] for w in east.list_workflows()["workflowVersionList"]]
    with pytest.raises(east.exceptions.ResourceNotFoundException):
        east.get_workflow(workflowBuildVersionArn=arn)


def test_a_rejected_create_image_stores_nothing(imagebuilder, kit: Kit):
    recipe = kit.create_recipe()
    before = imagebuilder.list_image_build_versions()["imageSummaryList"]
    with pytest.raises(imagebuilder.exceptions.ResourceNotFoundException):
        kit.create_image(recipe, f"arn:aws:imagebuilder:us-east-1:{ACCOUNT}:infrastructure-configuration/missing")
    assert imagebuilder.list_image_build_versions()["imageSummaryList"] == before


def test_client_token_replays_the_first_response(imagebuilder):
    name = unique_name("idem")
    params = dict(name=name, semanticVersion="1.0.0", type="BUILD", data=workflow_document(3), clientToken="same-token-1")
    first = imagebuilder.create_workflow(**params)
    again = imagebuilder.create_workflow(**params)
    assert again["workflowBuildVersionArn"] == first["workflowBuildVersionArn"]
    assert again["ResponseMetadata"]["RequestId"] != first["ResponseMetadata"]["RequestId"]
    builds = imagebuilder.list_workflow_build_versions(workflowVersionArn=first["workflowBuildVersionArn"].rsplit("/", 1)[0])
    assert len(builds["workflowSummaryList"]) == 1, "nothing was created twice"
    with pytest.raises(imagebuilder.exceptions.IdempotentParameterMismatchException):
        imagebuilder.create_workflow(**{**params, "description": "changed"})


def test_members_outside_an_operations_input_are_ignored(stepwise, imagebuilder, kit: Kit):
    """An input member the model does not have for the operation is ignored, as AWS ignores
    it: CreateImage has no dryRun, so a CreateImage sent with `"dryRun": true` creates the
    image (the creates that have dryRun honour it; see the wire recording)."""
    recipe, infra = kit.create_recipe(), kit.create_infrastructure()
    body = {"imageRecipeArn": recipe, "infrastructureConfigurationArn": infra,
            "clientToken": unique_name("token"), "dryRun": True, "notAMember": {"x": 1}}
    code, _, created = raw(stepwise, "PUT", "/CreateImage", json.dumps(body).encode())
    assert code == 200, created
    image = imagebuilder.get_image(imageBuildVersionArn=created["imageBuildVersionArn"])["image"]
    assert image["imageRecipe"]["arn"] == recipe
