"""`stepwise imagebuilder` against the AWS CLI 1.46.3, both on the running binary: every output
format byte for byte, errors and exit statuses, pagination options, resume tokens crossing between
the two (and boto3) in both directions, --cli-input-json, and the endpoint, region and profile
chain."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess

import pytest
import yaml

from stepwise_harness import REGION, Kit, Tools, unique_name

# The AWS CLI vendors botocore 1.43.62, whose model has no attemptNumber / maxAttempts on step
# executions; Stepwise's model (botocore 1.44.8) has them. Commands whose output would include
# them are compared through a --query that leaves them out.
STEP_FIELDS = "steps[].{name: name, action: action, status: status, startTime: startTime, endTime: endTime}"
# A request id differs per call; every bare UUID is blanked (same length: tables keep their widths).
UUID = re.compile(r"(?<![\w-])[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![\w-])")


def blank_ids(text: str) -> str:
    return UUID.sub("X" * 36, text)


@pytest.fixture(scope="module")
def built(kit: Kit) -> dict:
    """One finished image with a seven-step custom build workflow and tags."""
    workflow = kit.create_workflow(7, name=unique_name("cli"))
    image = kit.create_image(kit.create_recipe(), kit.create_infrastructure(),
                             workflows=[{"workflowArn": workflow}], tags={"team": "ünïcode ✓", "b": "2"})
    kit.wait_image(image)
    (execution,) = kit.executions(image)
    return {"workflow": workflow, "image": image, "execution": execution["workflowExecutionId"],
            "step": kit.steps(execution["workflowExecutionId"])[0]["stepExecutionId"]}


def commands(b: dict) -> dict[str, list[str]]:
    return {
        "get-workflow-execution": ["get-workflow-execution", "--workflow-execution-id", b["execution"]],
        "list-workflow-executions": ["list-workflow-executions", "--image-build-version-arn", b["image"]],
        "get-image": ["get-image", "--image-build-version-arn", b["image"]],
        "get-workflow": ["get-workflow", "--workflow-build-version-arn", b["workflow"]],
        "list-workflows": ["list-workflows", "--owner", "Self"],
        "steps-queried": ["list-workflow-step-executions", "--workflow-execution-id", b["execution"],
                          "--query", STEP_FIELDS],
        "steps-cut-short": ["list-workflow-step-executions", "--workflow-execution-id", b["execution"],
                            "--max-items", "3", "--page-size", "2",
                            "--query", "{steps: " + STEP_FIELDS + ", NextToken: NextToken}"],
        "scalar": ["get-workflow-execution", "--workflow-execution-id", b["execution"], "--query", "status"],
        "empty-list": ["list-waiting-workflow-steps", "--query", "steps"],
    }


@pytest.mark.parametrize("fmt", ["json", "text", "table"])
@pytest.mark.parametrize("name", ["get-workflow-execution", "list-workflow-executions", "get-image", "get-workflow",
                                  "list-workflows", "steps-queried", "steps-cut-short", "scalar", "empty-list"])
def test_output_matches_the_aws_cli_byte_for_byte(tools, built, fmt, name):
    args = [*commands(built)[name], "--output", fmt]
    # A NextToken holds the second its server token was issued; a pair of runs straddling a
    # second differs there alone, and is redone (a real difference stays).
    for _ in range(5 if name == "steps-cut-short" else 1):
        aws, ours = tools.both(*args)
        if blank_ids(ours.stdout) == blank_ids(aws.stdout):
            break
    assert aws.returncode == 0, aws.stderr
    assert ours.returncode == 0, ours.stderr
    assert blank_ids(ours.stdout) == blank_ids(aws.stdout)


def test_yaml_output_is_the_json_output(tools, built):
    # A request id differs per call, and so does a NextToken's issue second.
    def without_request_id(v):
        if isinstance(v, dict):
            v.pop("requestId", None)
            v.pop("NextToken", None)
        return v

    for args in commands(built).values():
        as_json = tools.run("stepwise", *args, "--output", "json")
        as_yaml = tools.run("stepwise", *args, "--output", "yaml")
        assert as_yaml.returncode == 0, as_yaml.stderr
        expected = json.loads(as_json.stdout) if as_json.stdout else None
        assert without_request_id(yaml.safe_load(as_yaml.stdout)) == without_request_id(expected)


def test_paginated_text_goes_page_by_page_like_the_aws_cli(tools, built):
    args = ["list-workflow-step-executions", "--workflow-execution-id", built["execution"], "--max-items", "5",
            "--page-size", "2", "--output", "text", "--query", "steps[].[name, status]"]
    aws, ours = tools.both(*args)
    assert aws.returncode == ours.returncode == 0, aws.stderr + ours.stderr
    assert ours.stdout == aws.stdout


def test_service_errors_print_and_exit_like_the_aws_cli(tools, built):
    missing_image = built["image"].rsplit("/", 1)[0] + "/99"
    for args in (["get-image", "--image-build-version-arn", missing_image],
                 ["get-image", "--image-build-version-arn", "not-an-arn"],
                 ["list-workflow-step-executions", "--workflow-execution-id", built["execution"],
                  "--starting-token", "bm90IGEgdG9rZW4="],
                 ["cancel-image-creation", "--image-build-version-arn", built["image"]]):
        aws, ours = tools.both(*args)
        assert (ours.returncode, ours.stdout) == (aws.returncode, aws.stdout) == (255, ""), args
        assert ours.stderr == aws.stderr, args


def test_usage_errors_name_the_option(tools):
    ours = tools.run("stepwise", "get-image")
    assert ours.returncode == 2 and "--image-build-version-arn" in ours.stderr


@pytest.mark.parametrize("args", [
    ["list-workflow-executions", "--image-build-version-arn", "x", "--max-results", "ten"],
    ["get-workflow-execution", "--workflow-execution-id", "file:///no/such/file"],
    ["create-image", "--image-recipe-arn", "a", "--infrastructure-configuration-arn", "b", "--tags", "a=1,a=2"],
    ["create-image", "--image-recipe-arn", "a", "--infrastructure-configuration-arn", "b", "--tags", ""],
    ["create-image", "--image-recipe-arn", "a", "--infrastructure-configuration-arn", "b",
     "--image-tests-configuration", "nope=1"],
    ["create-image", "--image-recipe-arn", "a", "--infrastructure-configuration-arn", "b",
     "--image-tests-configuration", "timeoutMinutes=x"],
    ["get-workflow-execution", "--cli-input-json", '{"workflowExecutionId": "wf-1", "bogus": 1}'],
    ["list-workflow-step-executions", "--cli-input-json", '{"maxResults": "5"}'],
], ids=["int", "paramfile", "duplicate-key", "empty-shorthand", "unknown-member", "bad-int-in-shorthand",
        "unknown-in-json", "wrong-type-and-missing-in-json"])
def test_bad_parameters_fail_like_the_aws_cli(tools, args):
    aws, ours = tools.both(*args)
    assert (ours.returncode, ours.stdout) == (aws.returncode, aws.stdout) == (255, "")
    assert ours.stderr == aws.stderr


def test_escaped_commas_in_shorthand(tools, built, kit: Kit):
    made = tools.run("stepwise", "create-image", "--image-recipe-arn", kit.create_recipe(),
                     "--infrastructure-configuration-arn", kit.create_infrastructure(),
                     "--workflows", f"workflowArn={built['workflow']}", "--tags", r"team=a\,b",
                     "--query", "imageBuildVersionArn", "--output", "text")
    assert made.returncode == 0, made.stderr
    assert kit.client.get_image(imageBuildVersionArn=made.stdout.strip())["image"]["tags"] == {"team": "a,b"}


def test_no_paginate_makes_one_call_and_refuses_paging_options(tools, built):
    args = ["list-workflow-step-executions", "--workflow-execution-id", built["execution"], "--max-results", "2",
            "--query", "{steps: steps[].name, nextToken: nextToken}"]
    aws, ours = tools.both(*args)
    assert json.loads(ours.stdout)["steps"] == json.loads(aws.stdout)["steps"]
    assert len(json.loads(ours.stdout)["steps"]) == 2 and json.loads(ours.stdout)["nextToken"]
    aws, ours = tools.both("list-workflow-step-executions", "--workflow-execution-id", built["execution"],
                           "--no-paginate", "--max-items", "2")
    assert ours.returncode == aws.returncode == 255
    assert ours.stderr == aws.stderr


# --------------------------------------------------------------------------- resume tokens


def cut(tools: Tools, tool: str, execution: str, *paging: str) -> dict:
    run = tools.run(tool, "list-workflow-step-executions", "--workflow-execution-id", execution, *paging,
                    "--query", "{names: steps[].name, NextToken: NextToken}", "--output", "json")
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def issued_at(token: str | None) -> int | None:
    """The issue second inside the server token a resume token carries (spec §2.2)."""
    server = token and json.loads(base64.b64decode(token)).get("nextToken")
    if server is None:
        return None
    return int.from_bytes(base64.b64decode(server)[2:10], "big")


@pytest.mark.parametrize("page_size,max_items", [(1, 1), (1, 3), (2, 3), (3, 3), (2, 4), (5, 2), (4, 6), (7, 3)])
def test_tokens_are_identical_and_resume_across_tools(tools, built, page_size, max_items):
    execution = built["execution"]
    paging = ["--page-size", str(page_size), "--max-items", str(max_items)]
    # A server token carries the second it was issued at; the two strings can only be equal
    # when both were issued within the same second, so a pair that straddles one is redone.
    for _ in range(5):
        aws, ours = cut(tools, "aws", execution, *paging), cut(tools, "stepwise", execution, *paging)
        if issued_at(aws["NextToken"]) == issued_at(ours["NextToken"]):
            break
    assert ours == aws
    everything = cut(tools, "stepwise", execution)["names"]
    assert ours["names"] == everything[:max_items]
    if max_items >= len(everything):
        assert ours["NextToken"] is None
        return
    token = ours["NextToken"]
    # The same token continues at the same next item in either tool.
    rest_aws = cut(tools, "aws", execution, "--starting-token", token, "--page-size", str(page_size))
    rest_ours = cut(tools, "stepwise", execution, "--starting-token", token, "--page-size", str(page_size))
    assert rest_ours == rest_aws
    assert rest_ours["names"] == everything[max_items:]


def test_boto3_tokens_continue_in_stepwise_and_back(tools, built, imagebuilder):
    execution = built["execution"]
    paginator = imagebuilder.get_paginator("list_workflow_step_executions")
    first = paginator.paginate(workflowExecutionId=execution,
                               PaginationConfig={"MaxItems": 2, "PageSize": 3}).build_full_result()
    rest = cut(tools, "stepwise", execution, "--starting-token", first["NextToken"], "--max-items", "3")
    middle = [s["name"] for s in first["steps"]] + rest["names"]
    back = paginator.paginate(workflowExecutionId=execution,
                              PaginationConfig={"StartingToken": rest["NextToken"]}).build_full_result()
    everything = [s["name"] for s in paginator.paginate(workflowExecutionId=execution).build_full_result()["steps"]]
    assert middle + [s["name"] for s in back["steps"]] == everything
    assert "NextToken" not in back


def test_the_sdk_paginator_example_agrees_with_boto3(built, imagebuilder, stepwise):
    example = os.environ.get("STEPWISE_CLIENT_EXAMPLE")
    if not example:
        pytest.skip("STEPWISE_CLIENT_EXAMPLE is not set (scripts/test sets it)")
    execution = built["execution"]
    paginator = imagebuilder.get_paginator("list_workflow_step_executions")
    for page_size, max_items in [(2, 3), (3, 3), (1, 5)]:
        run = subprocess.run([example, "--endpoint", stepwise.endpoint, "--page-size", str(page_size),
                              "--max-items", str(max_items), execution], capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, run.stderr
        lines = run.stdout.splitlines()
        expected = paginator.paginate(workflowExecutionId=execution,
                                      PaginationConfig={"MaxItems": max_items, "PageSize": page_size}).build_full_result()
        assert [l.split("\t")[1] for l in lines[:-1]] == [s["name"] for s in expected["steps"]]
        assert lines[-1] == f"NextToken: {expected['NextToken']}"
        resumed = subprocess.run([example, "--endpoint", stepwise.endpoint, "--starting-token",
                                  expected["NextToken"], execution], capture_output=True, text=True, timeout=60)
        rest = paginator.paginate(workflowExecutionId=execution,
                                  PaginationConfig={"StartingToken": expected["NextToken"]}).build_full_result()
        assert [l.split("\t")[1] for l in resumed.stdout.splitlines()[:-1]] == [s["name"] for s in rest["steps"]]


# --------------------------------------------------------------------------- input and configuration


def test_cli_input_json_inline_and_from_a_file(tools, built, tmp_path):
    request = {"workflowExecutionId": built["execution"]}
    path = tmp_path / "input.json"
    path.write_text(json.dumps(request))
    direct = tools.run("stepwise", "get-workflow-execution", "--workflow-execution-id", built["execution"],
                       "--query", "workflowExecutionId")
    for source in (json.dumps(request), f"file://{path}"):
        via = tools.run("stepwise", "get-workflow-execution", "--cli-input-json", source, "--query",
                        "workflowExecutionId")
        assert via.returncode == 0, via.stderr
        assert via.stdout == direct.stdout
    # An option on the command line wins over the JSON.
    bad = tools.run("stepwise", "get-workflow-execution", "--cli-input-json", json.dumps(request),
                    "--workflow-execution-id", "wf-00000000-0000-4000-8000-000000000000")
    assert bad.returncode == 255 and "ResourceNotFoundException" in bad.stderr


def test_the_endpoint_comes_from_the_environment_or_the_profile(tools, built, tmp_path):
    args = ["get-workflow-execution", "--workflow-execution-id", built["execution"], "--query", "status",
            "--output", "text"]
    for env in ({"AWS_ENDPOINT_URL_IMAGEBUILDER": tools.endpoint}, {"AWS_ENDPOINT_URL": tools.endpoint}):
        run = tools.run("stepwise", *args, endpoint=False, env=env)
        assert (run.returncode, run.stdout) == (0, "COMPLETED\n"), run.stderr
    config = tmp_path / "config"
    config.write_text(f"[profile local]\nregion = {REGION}\nendpoint_url = {tools.endpoint}\noutput = text\n")
    no_output = args[:-2]
    run = tools.run("stepwise", *no_output, "--profile", "local", endpoint=False,
                    env={"AWS_CONFIG_FILE": str(config), "AWS_DEFAULT_REGION": ""})
    assert (run.returncode, run.stdout) == (0, "COMPLETED\n"), run.stderr
    # AWS_PROFILE selects it as well; --output wins over the profile's output.
    run = tools.run("stepwise", *no_output, "--output", "json", endpoint=False,
                    env={"AWS_CONFIG_FILE": str(config), "AWS_DEFAULT_REGION": "", "AWS_PROFILE": "local"})
    assert (run.returncode, run.stdout) == (0, '"COMPLETED"\n'), run.stderr
    # Another region is another tenant: the execution is not there.
    run = tools.run("stepwise", *args, "--region", "eu-west-1")
    assert run.returncode == 255 and "ResourceNotFoundException" in run.stderr


def test_nothing_listening_is_a_clear_error(tools):
    run = tools.run("stepwise", "list-images", endpoint=False, env={"AWS_ENDPOINT_URL": "http://127.0.0.1:9"})
    assert run.returncode == 255
    assert 'Could not connect to the endpoint URL: "http://127.0.0.1:9/ListImages' in run.stderr


def test_debug_shows_the_requests(tools, built):
    run = tools.run("stepwise", "get-workflow-execution", "--workflow-execution-id", built["execution"], "--debug")
    assert run.returncode == 0
    assert "GetWorkflowExecution" in run.stderr and "authorization" not in run.stderr.lower()
    json.loads(run.stdout)


def test_structured_parameters_take_shorthand_or_json(tools, built, kit: Kit):
    recipe, infra = kit.create_recipe(), kit.create_infrastructure()
    made = tools.run("stepwise", "create-image", "--image-recipe-arn", recipe,
                     "--infrastructure-configuration-arn", infra, "--workflows",
                     f"workflowArn={built['workflow']}", "--tags", "k1=v1,k2=v2",
                     "--image-tests-configuration", '{"imageTestsEnabled": false}', "--query", "imageBuildVersionArn",
                     "--output", "text")
    assert made.returncode == 0, made.stderr
    image = kit.client.get_image(imageBuildVersionArn=made.stdout.strip())["image"]
    assert image["tags"] == {"k1": "v1", "k2": "v2"}
    assert image["imageTestsConfiguration"]["imageTestsEnabled"] is False
    assert image["workflows"][0]["workflowArn"] == built["workflow"]


def test_a_raw_service_token_starts_a_paginated_run(tools, built):
    """X-03: a nextToken from --max-results (one call) works as --starting-token."""
    execution = built["execution"]
    one = tools.run("stepwise", "list-workflow-step-executions", "--workflow-execution-id", execution,
                    "--max-results", "3", "--query", "{names: steps[].name, nextToken: nextToken, NextToken: NextToken}")
    first = json.loads(one.stdout)
    assert len(first["names"]) == 3 and first["nextToken"] and first["NextToken"] is None
    everything = cut(tools, "stepwise", execution)["names"]
    for tool in ("stepwise", "aws"):
        rest = cut(tools, tool, execution, "--starting-token", first["nextToken"])
        assert rest["names"] == everything[3:], tool


def test_manual_paging_members_refuse_the_pagination_options(tools, built):
    """X-05: --max-results with --starting-token is an error before any request, as in the AWS CLI."""
    args = ["list-workflow-step-executions", "--workflow-execution-id", built["execution"], "--max-results", "3",
            "--starting-token", "abc"]
    aws, ours = tools.both(*args)
    assert ours.returncode == aws.returncode == 255
    assert ours.stderr == aws.stderr
    assert "Cannot specify --no-paginate along with pagination arguments: --starting-token" in ours.stderr


@pytest.mark.parametrize("op", ["get-workflow-execution", "list-workflow-step-executions", "get-image",
                                "cancel-image-creation", "list-workflow-executions", "send-workflow-step-action"])
def test_the_input_skeleton_is_the_aws_clis(tools, op):
    aws = tools.run("aws", op, "--generate-cli-skeleton", endpoint=False)
    ours = tools.run("stepwise", op, "--generate-cli-skeleton", endpoint=False)
    assert aws.returncode == ours.returncode == 0, aws.stderr + ours.stderr
    # The AWS CLI picks an enum's placeholder at random; these inputs have none but
    # send-workflow-step-action's `action`, compared by keys below.
    if op == "send-workflow-step-action":
        assert json.loads(ours.stdout).keys() == json.loads(aws.stdout).keys()
        assert json.loads(ours.stdout)["action"] in ("RESUME", "STOP")
    else:
        assert ours.stdout == aws.stdout


def test_a_skeleton_is_valid_cli_input_json(tools, built, tmp_path):
    skeleton = json.loads(tools.run("stepwise", "get-workflow-execution", "--generate-cli-skeleton").stdout)
    skeleton["workflowExecutionId"] = built["execution"]
    path = tmp_path / "request.json"
    path.write_text(json.dumps(skeleton))
    run = tools.run("stepwise", "get-workflow-execution", "--cli-input-json", f"file://{path}", "--query", "status")
    assert (run.returncode, run.stdout) == (0, '"COMPLETED"\n'), run.stderr
