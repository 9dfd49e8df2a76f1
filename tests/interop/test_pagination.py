"""Pagination against pagination.md with the real clients: server scenarios (S-xx) through boto3,
boto3's paginator (MaxItems / PageSize / StartingToken / build_full_result), and cross-tool
scenarios (X-xx) with the AWS CLI v1.

Fixture data (one server for the module): an image built with a 7-step custom BUILD workflow
(execution E7, steps s0…s6), one with a 6-step workflow (E6), and one with the managed
workflows (BUILD + TEST executions). All three are builds 1..3 of the same image version.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass

import pytest
from botocore.exceptions import ClientError, ParamValidationError

from stepwise_harness import (
    BuiltImage,
    Kit,
    WireLog,
    assert_api_error,
    assert_server_token_shape,
    decode_botocore_token,
    image_version_arn,
    step_names,
    unique_name,
    workflow_document,
)

INVALID_TOKEN = "The pagination token is invalid."
MAX_RESULTS_MESSAGE = (
    "The value supplied for parameter 'maxResults' is not valid. maxResults must be between 1 and 100."
)
NON_AGGREGATE_STEPS = ("requestId", "workflowBuildVersionArn", "workflowExecutionId", "imageBuildVersionArn", "message")


@dataclass
class Data:
    recipe_arn: str
    infra_arn: str
    img7: BuiltImage
    img6: BuiltImage
    managed: BuiltImage
    e7: str
    e6: str
    ids7: list[str]
    ids6: list[str]
    workflow_prefix: str
    workflow_arns: list[str]


@pytest.fixture(scope="module")
def data(kit: Kit) -> Data:
    recipe = kit.create_recipe()
    infra = kit.create_infrastructure()
    prefix = unique_name("pg")
    wf7 = kit.create_workflow(data=workflow_document(7), name=f"{prefix}-a-seven")
    wf6 = kit.create_workflow(data=workflow_document(6), name=f"{prefix}-b-six")
    wf3 = kit.create_workflow(data=workflow_document(3), name=f"{prefix}-c-three")
    # Start all three builds, then wait: they run concurrently.
    img7 = kit.build(recipe, infra, workflows=[{"workflowArn": wf7}], wait=False)
    img6 = kit.build(recipe, infra, workflows=[{"workflowArn": wf6}], wait=False)
    managed = kit.build(recipe, infra, wait=False)
    for img in (img7, img6, managed):
        kit.finish(img)
        assert img.status == "AVAILABLE", img.image["state"]
    e7 = img7.execution("BUILD")["workflowExecutionId"]
    e6 = img6.execution("BUILD")["workflowExecutionId"]
    steps7 = kit.steps(e7)
    steps6 = kit.steps(e6)
    assert [s["name"] for s in steps7] == step_names(7)
    assert [s["name"] for s in steps6] == step_names(6)
    return Data(
        recipe_arn=recipe,
        infra_arn=infra,
        img7=img7,
        img6=img6,
        managed=managed,
        e7=e7,
        e6=e6,
        ids7=[s["stepExecutionId"] for s in steps7],
        ids6=[s["stepExecutionId"] for s in steps6],
        workflow_prefix=prefix,
        workflow_arns=[wf7, wf6, wf3],
    )


def ids(resp) -> list[str]:
    return [s["stepExecutionId"] for s in resp["steps"]]


def paginate_steps(client, execution_id: str, **config):
    """(step ids, pages, resume token) of one boto3 paginator run."""
    it = client.get_paginator("list_workflow_step_executions").paginate(
        workflowExecutionId=execution_id, PaginationConfig=config
    )
    pages = list(it)
    found = [s["stepExecutionId"] for p in pages for s in p.get("steps", [])]
    return found, pages, it.resume_token


def flip_bit(token: str, index: int, bit: int = 0) -> str:
    raw = bytearray(base64.b64decode(token))
    raw[index] ^= 1 << bit
    return base64.b64encode(bytes(raw)).decode()


def first_token(client, execution_id: str, page_size: int = 3) -> str:
    resp = client.list_workflow_step_executions(workflowExecutionId=execution_id, maxResults=page_size)
    return resp["nextToken"]


# =========================================================================== S: server behaviour


def test_s01_default_page_size_returns_everything_without_token(imagebuilder, data: Data, wire: WireLog):
    resp = imagebuilder.list_workflow_step_executions(workflowExecutionId=data.e7)
    assert ids(resp) == data.ids7
    body = wire.last.json()
    assert "nextToken" not in body


def test_s02_peek_ahead_pages_and_no_token_member_on_last_page(imagebuilder, data: Data, wire: WireLog):
    p1 = imagebuilder.list_workflow_step_executions(workflowExecutionId=data.e7, maxResults=3)
    assert ids(p1) == data.ids7[0:3]
    p2 = imagebuilder.list_workflow_step_executions(workflowExecutionId=data.e7, maxResults=3, nextToken=p1["nextToken"])
    assert ids(p2) == data.ids7[3:6]
    p3 = imagebuilder.list_workflow_step_executions(workflowExecutionId=data.e7, maxResults=3, nextToken=p2["nextToken"])
    assert ids(p3) == data.ids7[6:7]
    bodies = [c.json() for c in wire.calls]
    assert [("nextToken" in b) for b in bodies] == [True, True, False]
    # Absent, not null and not "".
    assert "nextToken" not in bodies[2]
    for tok in (p1["nextToken"], p2["nextToken"]):
        assert_server_token_shape(tok)


def test_s03_exactly_full_last_page_has_no_token(imagebuilder, data: Data, wire: WireLog):
    p1 = imagebuilder.list_workflow_step_executions(workflowExecutionId=data.e6, maxResults=3)
    assert ids(p1) == data.ids6[0:3] and "nextToken" in p1
    p2 = imagebuilder.list_workflow_step_executions(workflowExecutionId=data.e6, maxResults=3, nextToken=p1["nextToken"])
    assert ids(p2) == data.ids6[3:6]
    assert "nextToken" not in wire.last.json()
    for n in (6, 7, 100):
        whole = imagebuilder.list_workflow_step_executions(workflowExecutionId=data.e6, maxResults=n)
        assert ids(whole) == data.ids6
        assert "nextToken" not in wire.last.json(), n


def test_s04_empty_lists_keep_the_result_key_and_carry_no_token(imagebuilder, data: Data, wire: WireLog):
    # No execution can be observed with zero step records at --time-scale 0 (records appear as
    # steps start), so S-04 is checked on the other List operations with an empty result.
    imagebuilder.list_waiting_workflow_steps()
    body = wire.last.json()
    assert body["steps"] == [] and "nextToken" not in body
    unknown_version = image_version_arn(data.img7.arn).replace("/1.0.0", "/9.9.9")
    imagebuilder.list_image_build_versions(imageVersionArn=unknown_version)
    body = wire.last.json()
    assert body["imageSummaryList"] == [] and "nextToken" not in body
    imagebuilder.list_workflows(filters=[{"name": "name", "values": [unique_name("nothing-matches")]}])
    body = wire.last.json()
    assert body["workflowVersionList"] == [] and "nextToken" not in body


@pytest.mark.parametrize("bad", [101, 1000])
def test_s05_max_results_above_100_is_invalid_request(imagebuilder, data: Data, bad: int):
    with pytest.raises(ClientError) as exc:
        imagebuilder.list_workflow_step_executions(workflowExecutionId=data.e7, maxResults=bad)
    assert_api_error(exc.value, "InvalidRequestException", 400, message=MAX_RESULTS_MESSAGE)


@pytest.mark.parametrize("bad", [0, -1])
def test_s05_max_results_below_1_is_invalid_request(imagebuilder, imagebuilder_unvalidated, data: Data, bad: int):
    # botocore refuses to send these (client-side `min`), so validation is switched off to reach
    # the server, as aws-sdk-rust or raw HTTP would.
    with pytest.raises(ParamValidationError):
        imagebuilder.list_workflow_step_executions(workflowExecutionId=data.e7, maxResults=bad)
    with pytest.raises(ClientError) as exc:
        imagebuilder_unvalidated.list_workflow_step_executions(workflowExecutionId=data.e7, maxResults=bad)
    assert_api_error(exc.value, "InvalidRequestException", 400, message=MAX_RESULTS_MESSAGE)


def test_s05_max_results_bounds_1_and_100_succeed(imagebuilder, data: Data):
    assert ids(imagebuilder.list_workflow_step_executions(workflowExecutionId=data.e7, maxResults=1)) == data.ids7[:1]
    assert ids(imagebuilder.list_workflow_step_executions(workflowExecutionId=data.e7, maxResults=100)) == data.ids7


def test_s05_max_results_is_checked_before_the_token(imagebuilder, data: Data):
    with pytest.raises(ClientError) as exc:
        imagebuilder.list_workflow_step_executions(workflowExecutionId=data.e7, maxResults=101, nextToken="garbage")
    assert_api_error(exc.value, "InvalidRequestException", 400, message_contains=["maxResults"])


def test_s06_missing_execution_id_is_invalid_request(imagebuilder_unvalidated, data: Data):
    with pytest.raises(ClientError) as exc:
        imagebuilder_unvalidated.list_workflow_step_executions(maxResults=3)
    assert_api_error(exc.value, "InvalidRequestException", 400, message_contains=["workflowExecutionId"])


@pytest.mark.parametrize("bad_id", ["wf-123", "not-an-id", "step-0b6e2c1a-4f3d-4c8e-9a71-2d5f0e8b7c43", "wf-0b6e2c1a4f3d4c8e9a712d5f0e8b7c43"])
def test_s06_malformed_execution_id_is_invalid_request_even_with_a_valid_token(imagebuilder, data: Data, bad_id: str):
    token = first_token(imagebuilder, data.e7)
    for kwargs in ({}, {"nextToken": token}):
        with pytest.raises(ClientError) as exc:
            imagebuilder.list_workflow_step_executions(workflowExecutionId=bad_id, **kwargs)
        assert_api_error(exc.value, "InvalidRequestException", 400, message_contains=["workflowExecutionId"])


def test_s06_execution_id_is_case_insensitive_and_bound_lower_cased(imagebuilder, data: Data):
    upper = "wf-" + data.e7[3:].upper()
    first = imagebuilder.list_workflow_step_executions(workflowExecutionId=upper, maxResults=3)
    assert ids(first) == data.ids7[:3]
    assert first["workflowExecutionId"].lower() == data.e7
    # A token minted with the lower-case id continues with the upper-case one, and vice versa.
    lower_token = first_token(imagebuilder, data.e7)
    second = imagebuilder.list_workflow_step_executions(workflowExecutionId=upper, maxResults=3, nextToken=lower_token)
    assert ids(second) == data.ids7[3:6]
    third = imagebuilder.list_workflow_step_executions(workflowExecutionId=data.e7, maxResults=3, nextToken=first["nextToken"])
    assert ids(third) == data.ids7[3:6]


def test_s07_empty_next_token_is_invalid_request(imagebuilder, imagebuilder_unvalidated, data: Data):
    with pytest.raises(ParamValidationError):
        imagebuilder.list_workflow_step_executions(workflowExecutionId=data.e7, nextToken="")
    with pytest.raises(ClientError) as exc:
        imagebuilder_unvalidated.list_workflow_step_executions(workflowExecutionId=data.e7, nextToken="")
    assert_api_error(exc.value, "InvalidRequestException", 400, message_contains=["nextToken"])


def test_s07_next_token_over_65535_chars_is_invalid_request(imagebuilder, data: Data):
    with pytest.raises(ClientError) as exc:
        imagebuilder.list_workflow_step_executions(workflowExecutionId=data.e7, nextToken="A" * 65_536)
    assert_api_error(exc.value, "InvalidRequestException", 400, message_contains=["nextToken"])
    # 65535 passes the length check and fails as a token (it is also over the 1024-char limit).
    with pytest.raises(ClientError) as exc:
        imagebuilder.list_workflow_step_executions(workflowExecutionId=data.e7, nextToken="A" * 65_535)
    assert_api_error(exc.value, "InvalidPaginationTokenException", 400, message=INVALID_TOKEN)


def _garbage_tokens(valid: str) -> dict[str, str]:
    random_bytes = base64.b64encode(b"\xff" + os.urandom(40)).decode()
    return {
        "abc": "abc",
        "bangs": "!!!",
        "not-base64": "%%%%&&&&",
        "none-text": "None",
        "random-base64": random_bytes,
        "random-base64-no-tag": base64.b64encode(b"\x00" + os.urandom(40)).decode(),
        "truncated-chars": valid[:-1],
        "truncated-bytes": base64.b64encode(base64.b64decode(valid)[:-4]).decode(),
        "flipped-mac": flip_bit(valid, -1),
        "flipped-cursor": flip_bit(valid, 16),
        "flipped-issued-at": flip_bit(valid, 9),
        "flipped-op-code": flip_bit(valid, 10),
        "flipped-key-id": flip_bit(valid, 1),
        "url-safe-alphabet": valid.replace("/", "_").replace("+", "-"),
        "with-newline": valid[:10] + "\n" + valid[10:],
        "over-1024-chars": valid + "A" * 1100,
    }


def test_s08_garbage_tokens_are_invalid_pagination_token(imagebuilder, data: Data):
    valid = first_token(imagebuilder, data.e7)
    for label, bad in _garbage_tokens(valid).items():
        if bad == valid:
            continue
        with pytest.raises(ClientError) as exc:
            imagebuilder.list_workflow_step_executions(workflowExecutionId=data.e7, maxResults=3, nextToken=bad)
        try:
            assert_api_error(exc.value, "InvalidPaginationTokenException", 400, message=INVALID_TOKEN)
        except AssertionError as err:
            raise AssertionError(f"{label}: {err}") from None


def test_s08_error_body_is_the_restjson_error_shape(imagebuilder, data: Data, wire: WireLog):
    with pytest.raises(ClientError):
        imagebuilder.list_workflow_step_executions(workflowExecutionId=data.e7, nextToken="abc")
    call = wire.last
    assert call.status == 400
    assert call.headers["x-amzn-errortype"] == "InvalidPaginationTokenException"
    assert call.json() == {"__type": "InvalidPaginationTokenException", "message": INVALID_TOKEN}


def test_s09_token_of_another_execution_is_invalid(imagebuilder, data: Data):
    token = first_token(imagebuilder, data.e7)
    with pytest.raises(ClientError) as exc:
        imagebuilder.list_workflow_step_executions(workflowExecutionId=data.e6, maxResults=3, nextToken=token)
    assert_api_error(exc.value, "InvalidPaginationTokenException", 400, message=INVALID_TOKEN)


def test_s10_token_of_another_operation_is_invalid(imagebuilder, data: Data):
    executions_token = imagebuilder.list_workflow_executions(imageBuildVersionArn=data.managed.arn, maxResults=1)["nextToken"]
    workflows_token = imagebuilder.list_workflows(
        filters=[{"name": "name", "values": [f"{data.workflow_prefix}*"]}], maxResults=1
    )["nextToken"]
    for foreign in (executions_token, workflows_token):
        with pytest.raises(ClientError) as exc:
            imagebuilder.list_workflow_step_executions(workflowExecutionId=data.e7, nextToken=foreign)
        assert_api_error(exc.value, "InvalidPaginationTokenException", 400, message=INVALID_TOKEN)
    steps_token = first_token(imagebuilder, data.e7)
    with pytest.raises(ClientError) as exc:
        imagebuilder.list_workflow_executions(imageBuildVersionArn=data.managed.arn, nextToken=steps_token)
    assert_api_error(exc.value, "InvalidPaginationTokenException", 400, message=INVALID_TOKEN)


def test_s13_page_size_may_change_mid_chain(imagebuilder, data: Data):
    p1 = imagebuilder.list_workflow_step_executions(workflowExecutionId=data.e7, maxResults=3)
    p2 = imagebuilder.list_workflow_step_executions(workflowExecutionId=data.e7, maxResults=2, nextToken=p1["nextToken"])
    assert ids(p2) == data.ids7[3:5] and "nextToken" in p2
    p3 = imagebuilder.list_workflow_step_executions(workflowExecutionId=data.e7, maxResults=100, nextToken=p2["nextToken"])
    assert ids(p3) == data.ids7[5:7] and "nextToken" not in p3


def test_s14_a_token_is_reusable_and_deterministic(imagebuilder, data: Data):
    token = first_token(imagebuilder, data.e7)
    pages = [
        imagebuilder.list_workflow_step_executions(workflowExecutionId=data.e7, maxResults=3, nextToken=token)
        for _ in range(3)
    ]
    assert all(p["steps"] == pages[0]["steps"] for p in pages)
    assert ids(pages[0]) == data.ids7[3:6]
    # Each next token (issued_at may differ) leads to the same page.
    for p in pages:
        last = imagebuilder.list_workflow_step_executions(workflowExecutionId=data.e7, maxResults=3, nextToken=p["nextToken"])
        assert ids(last) == data.ids7[6:]


def test_s19_botocore_wrapped_token_sent_as_next_token_is_invalid(imagebuilder, data: Data):
    _, _, resume = paginate_steps(imagebuilder, data.e7, MaxItems=3, PageSize=3)
    decoded = decode_botocore_token(resume)
    assert set(decoded) == {"nextToken"}
    with pytest.raises(ClientError) as exc:
        imagebuilder.list_workflow_step_executions(workflowExecutionId=data.e7, nextToken=resume)
    assert_api_error(exc.value, "InvalidPaginationTokenException", 400, message=INVALID_TOKEN)


def test_s20_s22_walk_with_page_size_1(imagebuilder, data: Data, wire: WireLog):
    seen, token, requests = [], None, 0
    while True:
        kwargs = {"nextToken": token} if token else {}
        resp = imagebuilder.list_workflow_step_executions(workflowExecutionId=data.e7, maxResults=1, **kwargs)
        requests += 1
        assert len(resp["steps"]) == 1, "no empty page while items remain"
        seen += ids(resp)
        new = resp.get("nextToken")
        if new is None:
            break
        assert new != token, "a returned token never equals the request's"
        assert_server_token_shape(new)
        token = new
        assert requests <= len(data.ids7)
    assert seen == data.ids7
    assert requests == len(data.ids7)
    assert "nextToken" not in wire.last.json()


def test_s21_every_page_carries_the_non_aggregate_members(imagebuilder, data: Data, wire: WireLog):
    paginate_steps(imagebuilder, data.e7, PageSize=2)
    assert len(wire.calls) == 4
    for call in wire.calls:
        body = call.json()
        assert "steps" in body
        assert body["requestId"] == call.headers["x-amzn-requestid"]
        assert body["workflowExecutionId"] == data.e7
        assert body["workflowBuildVersionArn"] == data.img7.execution("BUILD")["workflowBuildVersionArn"]
        assert body["imageBuildVersionArn"] == data.img7.arn
        assert "message" not in body
    request_ids = [c.json()["requestId"] for c in wire.calls]
    assert len(set(request_ids)) == len(request_ids), "requestId is new per call"


# =========================================================================== boto3 paginator


@pytest.mark.parametrize("which", ["e7", "e6"])
def test_paginator_every_page_size_gives_the_full_list_in_order(imagebuilder, data: Data, which: str):
    execution, expected = (data.e7, data.ids7) if which == "e7" else (data.e6, data.ids6)
    n = len(expected)
    for page_size in range(1, n + 2):
        found, pages, resume = paginate_steps(imagebuilder, execution, PageSize=page_size)
        assert found == expected, f"PageSize {page_size}"
        assert len(set(found)) == len(found)
        assert resume is None
        assert len(pages) == -(-n // page_size), f"PageSize {page_size}: {len(pages)} pages (peek-ahead)"


@pytest.mark.parametrize("page_size", [1, 2, 3, 7, None])
def test_paginator_max_items_chains_resume_to_the_full_list(imagebuilder, data: Data, page_size):
    n = len(data.ids7)
    for max_items in range(1, n + 1):
        collected, token, rounds = [], None, 0
        while True:
            config = {"MaxItems": max_items}
            if page_size is not None:
                config["PageSize"] = page_size
            if token is not None:
                config["StartingToken"] = token
            found, _, token = paginate_steps(imagebuilder, data.e7, **config)
            rounds += 1
            collected += found
            label = f"PageSize {page_size} MaxItems {max_items} round {rounds}"
            if token is None:
                break
            assert len(found) == max_items, label
            assert rounds <= n, label
        assert collected == data.ids7, f"PageSize {page_size} MaxItems {max_items}"
        assert rounds == -(-n // max_items), f"PageSize {page_size} MaxItems {max_items}: {rounds} rounds"


def test_paginator_resume_mid_page_and_on_page_boundary(imagebuilder, data: Data):
    # Mid-page (C-02/C-03): MaxItems 5, PageSize 3.
    found, pages, resume = paginate_steps(imagebuilder, data.e7, MaxItems=5, PageSize=3)
    assert found == data.ids7[:5]
    assert [len(p["steps"]) for p in pages] == [3, 2]
    decoded = decode_botocore_token(resume)
    assert list(decoded) == ["nextToken", "boto_truncate_amount"]
    assert decoded["boto_truncate_amount"] == 2
    assert decoded["nextToken"] == pages[0]["nextToken"], "resume token wraps the token that fetched page 2"
    rest, _, again = paginate_steps(imagebuilder, data.e7, PageSize=3, StartingToken=resume)
    assert rest == data.ids7[5:] and again is None
    # Resume with MaxItems 1 (C-04).
    one, _, after_one = paginate_steps(imagebuilder, data.e7, PageSize=3, MaxItems=1, StartingToken=resume)
    assert one == data.ids7[5:6]
    assert set(decode_botocore_token(after_one)) == {"nextToken"}
    # Page boundary (C-05): MaxItems 6, PageSize 3 -> no boto_truncate_amount.
    found, pages, resume = paginate_steps(imagebuilder, data.e7, MaxItems=6, PageSize=3)
    assert found == data.ids7[:6]
    decoded = decode_botocore_token(resume)
    assert decoded == {"nextToken": pages[1]["nextToken"]}
    rest, _, again = paginate_steps(imagebuilder, data.e7, PageSize=3, StartingToken=resume)
    assert rest == data.ids7[6:] and again is None
    # Exactly full last page (C-06): nothing to resume.
    found, _, resume = paginate_steps(imagebuilder, data.e6, MaxItems=6, PageSize=3)
    assert found == data.ids6 and resume is None


def test_paginator_first_page_cut_resumes_with_a_null_token(imagebuilder, data: Data):
    # C-07: MaxItems inside the first page -> {"nextToken": null, "boto_truncate_amount": 2}.
    found, _, resume = paginate_steps(imagebuilder, data.e7, MaxItems=2, PageSize=3)
    assert found == data.ids7[:2]
    assert resume == "eyJuZXh0VG9rZW4iOiBudWxsLCAiYm90b190cnVuY2F0ZV9hbW91bnQiOiAyfQ=="
    rest, _, again = paginate_steps(imagebuilder, data.e7, PageSize=3, StartingToken=resume)
    assert rest == data.ids7[2:] and again is None


def test_build_full_result_non_aggregate_keys_and_next_token(imagebuilder, data: Data):
    full = (
        imagebuilder.get_paginator("list_workflow_step_executions")
        .paginate(workflowExecutionId=data.e7, PaginationConfig={"MaxItems": 5, "PageSize": 3})
        .build_full_result()
    )
    assert [s["stepExecutionId"] for s in full["steps"]] == data.ids7[:5]
    assert set(full) == {"steps", *NON_AGGREGATE_STEPS, "NextToken"}
    assert full["workflowExecutionId"] == data.e7
    assert full["imageBuildVersionArn"] == data.img7.arn
    assert full["workflowBuildVersionArn"] == data.img7.execution("BUILD")["workflowBuildVersionArn"]
    assert full["requestId"]
    assert full["message"] is None
    assert decode_botocore_token(full["NextToken"])["boto_truncate_amount"] == 2

    everything = (
        imagebuilder.get_paginator("list_workflow_step_executions")
        .paginate(workflowExecutionId=data.e7, PaginationConfig={"PageSize": 2})
        .build_full_result()
    )
    assert [s["stepExecutionId"] for s in everything["steps"]] == data.ids7
    assert "NextToken" not in everything
    assert set(everything) == {"steps", *NON_AGGREGATE_STEPS}


def test_c13_raw_server_token_as_starting_token(imagebuilder, data: Data):
    raw = first_token(imagebuilder, data.e7)
    found, _, resume = paginate_steps(imagebuilder, data.e7, StartingToken=raw, PageSize=3)
    assert found == data.ids7[3:] and resume is None


def test_paginator_bad_starting_token_is_a_service_error(imagebuilder, data: Data):
    # 'abc' is not botocore base64 JSON, so botocore sends it verbatim (legacy path).
    with pytest.raises(ClientError) as exc:
        paginate_steps(imagebuilder, data.e7, StartingToken="abc", PageSize=3)
    assert_api_error(exc.value, "InvalidPaginationTokenException", 400, message=INVALID_TOKEN)


# =========================================================================== X: AWS CLI v1


def _cli_steps(aws_cli, execution_id: str, *flags: str):
    result = aws_cli("list-workflow-step-executions", "--workflow-execution-id", execution_id, *flags)
    return result


def test_cli_lists_everything_with_any_page_size(aws_cli, data: Data):
    for flags in ((), ("--page-size", "1"), ("--page-size", "3"), ("--page-size", "100")):
        out = _cli_steps(aws_cli, data.e7, *flags).json()
        assert [s["stepExecutionId"] for s in out["steps"]] == data.ids7, flags
        assert "NextToken" not in out and "nextToken" not in out
        assert out["workflowExecutionId"] == data.e7


def test_x02_cli_max_items_matches_boto3(aws_cli, imagebuilder, data: Data):
    out = _cli_steps(aws_cli, data.e7, "--page-size", "3", "--max-items", "5").json()
    assert [s["stepExecutionId"] for s in out["steps"]] == data.ids7[:5]
    assert out["workflowExecutionId"] == data.e7 and out["imageBuildVersionArn"] == data.img7.arn
    cli_token = decode_botocore_token(out["NextToken"])
    _, _, boto_resume = paginate_steps(imagebuilder, data.e7, MaxItems=5, PageSize=3)
    boto_token = decode_botocore_token(boto_resume)
    # Same structure; the raw server tokens differ only if minted in different seconds.
    assert list(cli_token) == list(boto_token) == ["nextToken", "boto_truncate_amount"]
    assert cli_token["boto_truncate_amount"] == boto_token["boto_truncate_amount"] == 2
    assert_server_token_shape(cli_token["nextToken"])
    # The CLI's token is botocore's own encoding of that JSON, byte for byte.
    assert out["NextToken"] == base64.b64encode(json.dumps(cli_token).encode()).decode()


def test_x01_cli_and_boto3_resume_tokens_are_interchangeable(aws_cli, imagebuilder, data: Data):
    cli_first = _cli_steps(aws_cli, data.e7, "--page-size", "3", "--max-items", "5").json()
    found, _, resume = paginate_steps(imagebuilder, data.e7, PageSize=3, StartingToken=cli_first["NextToken"])
    assert found == data.ids7[5:] and resume is None

    _, _, boto_token = paginate_steps(imagebuilder, data.e7, MaxItems=5, PageSize=3)
    cli_rest = _cli_steps(aws_cli, data.e7, "--page-size", "3", "--starting-token", boto_token).json()
    assert [s["stepExecutionId"] for s in cli_rest["steps"]] == data.ids7[5:]
    assert "NextToken" not in cli_rest


def test_cli_chained_max_items_walks_everything_once(aws_cli, data: Data):
    collected, token = [], None
    for _ in range(len(data.ids7)):
        flags = ["--page-size", "3", "--max-items", "2"]
        if token:
            flags += ["--starting-token", token]
        out = _cli_steps(aws_cli, data.e7, *flags).json()
        collected += [s["stepExecutionId"] for s in out["steps"]]
        token = out.get("NextToken")
        if not token:
            break
    assert collected == data.ids7


def test_x03_x05_raw_token_from_max_results_output(aws_cli, imagebuilder, data: Data):
    single = _cli_steps(aws_cli, data.e7, "--max-results", "3").json()
    assert [s["stepExecutionId"] for s in single["steps"]] == data.ids7[:3]
    assert "nextToken" in single and "NextToken" not in single
    raw = single["nextToken"]
    assert_server_token_shape(raw)
    rest = _cli_steps(aws_cli, data.e7, "--starting-token", raw).json()
    assert [s["stepExecutionId"] for s in rest["steps"]] == data.ids7[3:]
    found, _, _ = paginate_steps(imagebuilder, data.e7, StartingToken=raw)
    assert found == data.ids7[3:]
    # --no-paginate shows the raw service token too, and it resumes the same way.
    no_paginate = _cli_steps(aws_cli, data.e7, "--no-paginate", "--max-results", "3").json()
    assert [s["stepExecutionId"] for s in no_paginate["steps"]] == data.ids7[:3]
    assert "nextToken" in no_paginate and "NextToken" not in no_paginate
    rest = _cli_steps(aws_cli, data.e7, "--starting-token", no_paginate["nextToken"]).json()
    assert [s["stepExecutionId"] for s in rest["steps"]] == data.ids7[3:]


@pytest.mark.parametrize(
    "flags, named",
    [
        (("--max-results", "3", "--starting-token", "X"), "--starting-token"),
        (("--no-paginate", "--max-items", "3"), "--max-items"),
        (("--no-paginate", "--page-size", "3"), "--page-size"),
        (("--next-token", "X", "--max-items", "3"), "--max-items"),
    ],
)
def test_x05_cli_refuses_to_mix_single_call_and_pagination_flags(aws_cli, data: Data, flags, named):
    result = _cli_steps(aws_cli, data.e7, *flags)
    assert result.returncode == 255, result
    assert f"Cannot specify --no-paginate along with pagination arguments: {named}" in result.stderr


def test_cli_invalid_starting_token_prints_the_service_error(aws_cli, data: Data):
    result = _cli_steps(aws_cli, data.e7, "--starting-token", "abc")
    assert result.returncode == 255, result
    assert (
        "An error occurred (InvalidPaginationTokenException) when calling the "
        f"ListWorkflowStepExecutions operation: {INVALID_TOKEN}"
    ) in result.stderr
    assert result.stdout.strip() == ""


# =========================================================================== other operations


def test_list_workflow_executions_pagination(imagebuilder, data: Data, wire: WireLog):
    arn = data.managed.arn
    p1 = imagebuilder.list_workflow_executions(imageBuildVersionArn=arn, maxResults=1)
    assert [e["type"] for e in p1["workflowExecutions"]] == ["BUILD"]
    assert_server_token_shape(p1["nextToken"])
    p2 = imagebuilder.list_workflow_executions(imageBuildVersionArn=arn, maxResults=1, nextToken=p1["nextToken"])
    assert [e["type"] for e in p2["workflowExecutions"]] == ["TEST"]
    assert "nextToken" not in wire.last.json()
    for call in wire.calls:
        body = call.json()
        assert body["imageBuildVersionArn"] == arn and body["requestId"] == call.headers["x-amzn-requestid"]

    full = (
        imagebuilder.get_paginator("list_workflow_executions")
        .paginate(imageBuildVersionArn=arn, PaginationConfig={"PageSize": 1})
        .build_full_result()
    )
    assert [e["workflowExecutionId"] for e in full["workflowExecutions"]] == [
        e["workflowExecutionId"] for e in data.managed.executions
    ]
    assert set(full) == {"workflowExecutions", "requestId", "imageBuildVersionArn", "message"}
    assert full["message"] is None
    cut = (
        imagebuilder.get_paginator("list_workflow_executions")
        .paginate(imageBuildVersionArn=arn, PaginationConfig={"PageSize": 1, "MaxItems": 1})
        .build_full_result()
    )
    assert len(cut["workflowExecutions"]) == 1 and "NextToken" in cut


def test_list_workflows_pagination_and_binding(imagebuilder, data: Data):
    filters = [{"name": "name", "values": [f"{data.workflow_prefix}*"]}]
    names = [f"{data.workflow_prefix}-a-seven", f"{data.workflow_prefix}-b-six", f"{data.workflow_prefix}-c-three"]
    whole = imagebuilder.list_workflows(filters=filters)
    assert [w["name"] for w in whole["workflowVersionList"]] == names
    assert "nextToken" not in whole

    seen, token = [], None
    for _ in range(4):
        kwargs = {"nextToken": token} if token else {}
        page = imagebuilder.list_workflows(filters=filters, maxResults=1, **kwargs)
        seen += [w["name"] for w in page["workflowVersionList"]]
        token = page.get("nextToken")
        if token is None:
            break
    assert seen == names

    full = (
        imagebuilder.get_paginator("list_workflows")
        .paginate(filters=filters, PaginationConfig={"PageSize": 1})
        .build_full_result()
    )
    assert [w["name"] for w in full["workflowVersionList"]] == names

    # S-23: bound to filters/owner/byName, not to maxResults.
    token = imagebuilder.list_workflows(filters=filters, maxResults=1)["nextToken"]
    ok = imagebuilder.list_workflows(filters=filters, maxResults=5, nextToken=token)
    assert [w["name"] for w in ok["workflowVersionList"]] == names[1:]
    for other in (
        {"filters": [{"name": "name", "values": [f"{data.workflow_prefix}-a*"]}]},
        {"filters": filters, "owner": "Amazon"},
        {"filters": filters, "byName": True},
    ):
        with pytest.raises(ClientError) as exc:
            imagebuilder.list_workflows(maxResults=1, nextToken=token, **other)
        assert_api_error(exc.value, "InvalidPaginationTokenException", 400, message=INVALID_TOKEN)
    # Sending the defaults explicitly is the same binding as leaving them out.
    same = imagebuilder.list_workflows(filters=filters, owner="Self", byName=False, maxResults=1, nextToken=token)
    assert [w["name"] for w in same["workflowVersionList"]] == names[1:2]


def test_list_image_build_versions_pagination(imagebuilder, data: Data):
    version_arn = image_version_arn(data.img7.arn)
    expected = sorted([data.img7.arn, data.img6.arn, data.managed.arn], key=lambda a: int(a.rsplit("/", 1)[1]), reverse=True)
    whole = imagebuilder.list_image_build_versions(imageVersionArn=version_arn)
    assert [i["arn"] for i in whole["imageSummaryList"]] == expected
    assert "nextToken" not in whole
    p1 = imagebuilder.list_image_build_versions(imageVersionArn=version_arn, maxResults=2)
    assert [i["arn"] for i in p1["imageSummaryList"]] == expected[:2]
    p2 = imagebuilder.list_image_build_versions(imageVersionArn=version_arn, maxResults=2, nextToken=p1["nextToken"])
    assert [i["arn"] for i in p2["imageSummaryList"]] == expected[2:]
    assert "nextToken" not in p2
    full = (
        imagebuilder.get_paginator("list_image_build_versions")
        .paginate(imageVersionArn=version_arn, PaginationConfig={"PageSize": 1})
        .build_full_result()
    )
    assert [i["arn"] for i in full["imageSummaryList"]] == expected
    assert set(full) == {"imageSummaryList", "requestId"}


# =========================================================================== restarts (keep last)


def test_token_minted_before_a_restart_continues_after_it(stepwise, imagebuilder, data: Data):
    p1 = imagebuilder.list_workflow_step_executions(workflowExecutionId=data.e7, maxResults=3)
    assert ids(p1) == data.ids7[:3]
    stepwise.restart()
    p2 = imagebuilder.list_workflow_step_executions(workflowExecutionId=data.e7, maxResults=3, nextToken=p1["nextToken"])
    assert ids(p2) == data.ids7[3:6]
    stepwise.kill9_and_restart()
    p3 = imagebuilder.list_workflow_step_executions(workflowExecutionId=data.e7, maxResults=3, nextToken=p2["nextToken"])
    assert ids(p3) == data.ids7[6:]
    assert "nextToken" not in p3


def test_paginator_resume_token_survives_a_restart(stepwise, imagebuilder, aws_cli, data: Data):
    _, _, resume = paginate_steps(imagebuilder, data.e7, MaxItems=5, PageSize=3)
    stepwise.restart()
    rest, _, again = paginate_steps(imagebuilder, data.e7, PageSize=3, StartingToken=resume)
    assert rest == data.ids7[5:] and again is None
    out = _cli_steps(aws_cli, data.e7, "--page-size", "3", "--starting-token", resume).json()
    assert [s["stepExecutionId"] for s in out["steps"]] == data.ids7[5:]
