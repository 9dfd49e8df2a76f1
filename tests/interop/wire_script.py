"""A scripted run of every served operation and its error cases, in raw HTTP, recorded as the
server wrote it (status, content-type, x-amzn-ErrorType, body text), normalised only where two
runs of the same binary would differ.

`run(endpoint)` performs the calls in a fixed order on a fresh server and returns one record per
call; `test_wire_recording.py` compares that with `fixtures/wire_recording.json`. Waiting for a
build to reach a state is done with polls that are not recorded.

    python tests/interop/wire_script.py BINARY OUT.json   # start BINARY, record, write OUT.json

Normalisation (nothing else is touched; key order, absent vs null, messages, statuses are kept):
  * `wf-<uuid>` / `step-<uuid>`      → `<wf-N>` / `<step-N>`, numbered by first appearance
    (the unknown ids this script sends are kept);
  * any other UUID (request ids, runCommandId, …) → `<uuid>`;
  * simulated EC2 ids (`i-`, `ami-`, `snap-` + 17 hex digits, random per run) → `<i-N>`,
    `<ami-N>`, `<snap-N>` numbered by first appearance (ids this script sends are kept);
  * ISO timestamps, also with `-` for `:` as in AMI names → `<time>`;
  * `nextToken` values in bodies (sealed with a random key) → `<token>`.
"""

from __future__ import annotations

import json
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Callable

from stepwise_harness import GATED_WORKFLOW

OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))

ACCOUNT = "123456789012"
PARENT_IMAGE = "ami-0123456789abcdef0"
COMPONENT = "arn:aws:imagebuilder:us-east-1:aws:component/update-linux/x.x.x"
EU_AUTH = ("AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-west-1/imagebuilder/aws4_request, "
           "SignedHeaders=host, Signature=abc")
US = f"arn:aws:imagebuilder:us-east-1:{ACCOUNT}"
MISSING_WF = "wf-0b6e2c1a-4f3d-4c8e-9a71-2d5f0e8b7c43"
MISSING_STEP = "step-0b6e2c1a-4f3d-4c8e-9a71-2d5f0e8b7c43"
TERMINAL = ("AVAILABLE", "FAILED", "CANCELLED")

BUILD_DOC = """schemaVersion: 1.0
steps:
  - name: Launch
    action: LaunchInstance
    inputs:
      waitFor: ssmAgent
  - name: Capture
    action: CreateImage
    inputs:
      instanceId.$: $.stepOutputs.Launch.instanceId
  - name: Terminate
    action: TerminateInstance
    inputs:
      instanceId.$: $.stepOutputs.Launch.instanceId
"""

TEST_DOC = """schemaVersion: 1.0
steps:
  - name: LaunchTest
    action: LaunchInstance
    inputs:
      waitFor: ssmAgent
  - name: Check
    action: RunCommand
    inputs:
      instanceId.$: $.stepOutputs.LaunchTest.instanceId
      documentName: AWS-RunShellScript
      parameters:
        commands:
          - "echo check"
  - name: TerminateTest
    action: TerminateInstance
    inputs:
      instanceId.$: $.stepOutputs.LaunchTest.instanceId
"""


# --------------------------------------------------------------------------- normalisation

_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_EXEC_ID_RE = re.compile(rf"\b(wf|step)-{_UUID}\b")
_UUID_RE = re.compile(rf"(?<![-\w]){_UUID}")  # not the tail of a kept wf-/step- id
_EC2_ID_RE = re.compile(r"\b(i|ami|snap)-[0-9a-f]{17}\b")
_TIME_RE = re.compile(r"\b\d{4}-\d{2}-\d{2}T\d{2}([:-])\d{2}\1\d{2}(?:\.\d{1,9})?Z")
_TOKEN_RE = re.compile(r'("nextToken"\s*:\s*)"[^"]*"')
_KEPT = {PARENT_IMAGE, MISSING_WF, MISSING_STEP}  # sent by this script: kept verbatim


class Normaliser:
    """Replaces what differs between two runs of the same binary; numbered placeholders are
    shared across the whole run, so identity (the same id again) is still checked."""

    def __init__(self) -> None:
        self.numbers: dict[str, dict[str, int]] = {}

    def _numbered(self, kind: str, text: str) -> str:
        seen = self.numbers.setdefault(kind, {})
        if text not in seen:
            seen[text] = len(seen) + 1
        return f"<{kind}-{seen[text]}>"

    def __call__(self, text: str) -> str:
        text = _TOKEN_RE.sub(r'\1"<token>"', text)
        text = _EXEC_ID_RE.sub(
            lambda m: m.group(0) if m.group(0) in _KEPT else self._numbered(m.group(1), m.group(0)), text)
        text = _UUID_RE.sub("<uuid>", text)
        text = _EC2_ID_RE.sub(
            lambda m: m.group(0) if m.group(0) in _KEPT else self._numbered(m.group(1), m.group(0)),
            text,
        )
        return _TIME_RE.sub("<time>", text)


# --------------------------------------------------------------------------- transport


def _send(endpoint: str, method: str, path: str, body: bytes | None, headers: dict[str, str]):
    req = urllib.request.Request(endpoint + path, data=body, method=method)
    if body is not None:
        req.add_header("Content-Type", "application/json")
    for k, v in headers.items():
        req.add_header(k, v)
    try:
        with OPENER.open(req, timeout=30) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        with err:
            return err.code, err.headers, err.read()


def q(member: str, value: str) -> str:
    """`?member=value`, percent-encoded as botocore does."""
    return "?" + urllib.parse.urlencode({member: value}, quote_via=urllib.parse.quote, safe="")


class Wire:
    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.records: list[dict[str, Any]] = []
        self.norm = Normaliser()
        self.labels: set[str] = set()

    def call(
        self,
        label: str,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """One recorded request; returns the parsed (un-normalised) JSON body, or None."""
        assert label not in self.labels, f"duplicate label {label}"
        self.labels.add(label)
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        status, resp_headers, payload = _send(self.endpoint, method, path, data, headers or {})
        text = payload.decode("utf-8", errors="replace")
        kept = {}
        for name in ("content-type", "x-amzn-errortype"):
            value = resp_headers.get(name)
            if value is not None:
                kept[name] = value
        self.records.append({
            "call": label,
            "method": method,
            "path": self.norm(path),
            "status": status,
            "headers": kept,
            "body": self.norm(text),
        })
        try:
            return json.loads(text)
        except ValueError:
            return None

    def peek(self, method: str, path: str, body: Any = None) -> Any:
        """An unrecorded request (polling); returns the parsed body."""
        data = None if body is None else json.dumps(body).encode()
        _, _, payload = _send(self.endpoint, method, path, data, {})
        return json.loads(payload)

    # ---- unrecorded waits

    def wait(self, what: str, probe: Callable[[], Any], timeout: float = 30.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = probe()
            if value:
                return value
            time.sleep(0.02)
        raise AssertionError(f"timed out waiting for {what}")

    def image_status(self, arn: str) -> str:
        return self.peek("GET", "/GetImage" + q("imageBuildVersionArn", arn))["image"]["state"]["status"]

    def wait_terminal(self, arn: str) -> str:
        return self.wait(f"{arn} to finish", lambda: (s := self.image_status(arn)) in TERMINAL and s)

    def waiting_steps(self) -> list[dict[str, Any]]:
        return self.peek("POST", "/ListWaitingWorkflowSteps", {"maxResults": 100})["steps"]

    def wait_gate(self, image_arn: str) -> dict[str, Any]:
        return self.wait(
            f"a waiting step of {image_arn}",
            lambda: next((s for s in self.waiting_steps() if s["imageBuildVersionArn"] == image_arn), None),
        )

    def follow(self, label: str, path: str, body: dict[str, Any], limit: int = 20) -> list[Any]:
        """Records the first page (maxResults set in `body`) and every next page to the end;
        returns the pages (parsed, not normalised)."""
        pages = [self.call(f"{label} page 1", "POST", path, body)]
        while pages[-1] and pages[-1].get("nextToken"):
            assert len(pages) < limit, f"{label}: more than {limit} pages"
            pages.append(self.call(f"{label} page {len(pages) + 1}", "POST", path,
                                   {**body, "nextToken": pages[-1]["nextToken"]}))
        return pages


# --------------------------------------------------------------------------- the script


def run(endpoint: str) -> list[dict[str, Any]]:
    w = Wire(endpoint)
    call = w.call

    # ---- protocol, routing, tenancy -------------------------------------------------------
    call("health", "GET", "/_stepwise/health")
    call("unknown path", "GET", "/NoSuchOperation")
    call("out-of-scope CreateContainerRecipe", "PUT", "/CreateContainerRecipe", {"name": "c"})
    call("wrong method GET CreateWorkflow", "GET", "/CreateWorkflow")
    call("wrong method POST GetWorkflow", "POST", "/GetWorkflow", {})
    call("trailing slash", "POST", "/ListWorkflows/", {})
    call("malformed JSON", "PUT", "/CreateWorkflow", raw=b'{"name": "x",')
    call("non-object body (array)", "PUT", "/CreateWorkflow", raw=b"[1, 2]")
    call("non-object body (string)", "POST", "/ListWorkflows", raw=b'"text"')
    call("body over 1 MiB", "PUT", "/CreateWorkflow",
         raw=b'{"name": "big", "data": "' + b"x" * (1024 * 1024) + b'"}')
    call("empty body on a list", "POST", "/ListWorkflows", raw=b"")
    call("malformed Authorization (Basic)", "POST", "/ListWorkflows", {},
         headers={"Authorization": "Basic dXNlcjpwYXNz"})
    call("malformed Authorization (no SignedHeaders)", "POST", "/ListWorkflows", {},
         headers={"Authorization": "AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-west-1/imagebuilder/aws4_request"})
    call("malformed Authorization (short scope)", "POST", "/ListWorkflows", {},
         headers={"Authorization": "AWS4-HMAC-SHA256 Credential=AKID/eu-west-1, SignedHeaders=host, Signature=abc"})

    # ---- workflows ---------------------------------------------------------------------------
    wf_params = {"name": "wire-build", "semanticVersion": "1.0.0", "type": "BUILD", "data": BUILD_DOC,
                 "description": "the wire build", "clientToken": "wf-token-1"}
    wf = call("CreateWorkflow", "PUT", "/CreateWorkflow", wf_params)
    build_wf = wf["workflowBuildVersionArn"]
    call("CreateWorkflow same token replayed", "PUT", "/CreateWorkflow", wf_params)
    call("CreateWorkflow same token other params", "PUT", "/CreateWorkflow",
         {**wf_params, "description": "changed"})
    call("CreateWorkflow already exists", "PUT", "/CreateWorkflow", {**wf_params, "clientToken": "wf-token-2"})
    call("CreateWorkflow already exists with dryRun", "PUT", "/CreateWorkflow",
         {**wf_params, "clientToken": "wf-token-3", "dryRun": True})
    call("CreateWorkflow dryRun", "PUT", "/CreateWorkflow",
         {**wf_params, "name": "wire-dry", "clientToken": "wf-token-4", "dryRun": True})
    wf2 = call("CreateWorkflow new build of same version", "PUT", "/CreateWorkflow",
               {**wf_params, "data": BUILD_DOC + "# second\n", "clientToken": "wf-token-5"})
    call("CreateWorkflow newer version", "PUT", "/CreateWorkflow",
         {**wf_params, "semanticVersion": "1.1.0", "clientToken": "wf-token-6"})
    test_wf = call("CreateWorkflow TEST", "PUT", "/CreateWorkflow",
                   {"name": "wire-test", "semanticVersion": "1.0.0", "type": "TEST", "data": TEST_DOC,
                    "clientToken": "wf-token-7", "tags": {"team": "wire"}})["workflowBuildVersionArn"]
    gated_wf = call("CreateWorkflow gated", "PUT", "/CreateWorkflow",
                    {"name": "wire-gated", "semanticVersion": "1.0.0", "type": "BUILD", "data": GATED_WORKFLOW,
                     "clientToken": "wf-token-8"})["workflowBuildVersionArn"]
    doomed_wf = call("CreateWorkflow to delete", "PUT", "/CreateWorkflow",
                     {"name": "wire-doomed", "semanticVersion": "2.0.0", "type": "BUILD", "data": BUILD_DOC,
                      "clientToken": "wf-token-9"})["workflowBuildVersionArn"]
    base = {"name": "wire-bad", "semanticVersion": "1.0.0", "type": "BUILD", "data": BUILD_DOC, "clientToken": "wf-bad"}
    call("CreateWorkflow missing name", "PUT", "/CreateWorkflow", {k: v for k, v in base.items() if k != "name"})
    call("CreateWorkflow missing clientToken", "PUT", "/CreateWorkflow",
         {k: v for k, v in base.items() if k != "clientToken"})
    call("CreateWorkflow name wrong type", "PUT", "/CreateWorkflow", {**base, "name": 5})
    call("CreateWorkflow name pattern", "PUT", "/CreateWorkflow", {**base, "name": "bad/name!"})
    call("CreateWorkflow name too long", "PUT", "/CreateWorkflow", {**base, "name": "n" * 200})
    call("CreateWorkflow bad type enum", "PUT", "/CreateWorkflow", {**base, "type": "PACKAGE"})
    call("CreateWorkflow bad semanticVersion", "PUT", "/CreateWorkflow", {**base, "semanticVersion": "1.0"})
    call("CreateWorkflow invalid document", "PUT", "/CreateWorkflow", {**base, "data": "schemaVersion: 1.0\nsteps: []\n"})
    call("CreateWorkflow document not YAML", "PUT", "/CreateWorkflow", {**base, "data": "steps: [unclosed"})
    call("CreateWorkflow data too long", "PUT", "/CreateWorkflow", {**base, "data": "#" * 16001})
    call("CreateWorkflow data and uri", "PUT", "/CreateWorkflow", {**base, "uri": "s3://bucket/doc.yaml"})
    call("CreateWorkflow uri only", "PUT", "/CreateWorkflow",
         {**{k: v for k, v in base.items() if k != "data"}, "uri": "s3://bucket/doc.yaml"})
    call("CreateWorkflow neither data nor uri", "PUT", "/CreateWorkflow", {k: v for k, v in base.items() if k != "data"})
    call("CreateWorkflow empty description", "PUT", "/CreateWorkflow", {**base, "description": ""})
    call("CreateWorkflow clientToken too long", "PUT", "/CreateWorkflow", {**base, "clientToken": "t" * 65})
    call("CreateWorkflow unknown member is ignored", "PUT", "/CreateWorkflow",
         {**base, "name": "wire-extra", "clientToken": "wf-extra", "bogus": 1})

    call("GetWorkflow", "GET", "/GetWorkflow" + q("workflowBuildVersionArn", build_wf))
    call("GetWorkflow version ARN", "GET", "/GetWorkflow" + q("workflowBuildVersionArn", build_wf.rsplit("/", 1)[0]))
    call("GetWorkflow wildcard ARN", "GET", "/GetWorkflow" + q("workflowBuildVersionArn", f"{US}:workflow/build/wire-build/x.x.x"))
    call("GetWorkflow managed", "GET", "/GetWorkflow" + q(
        "workflowBuildVersionArn", "arn:aws:imagebuilder:us-east-1:aws:workflow/test/test-image/1.0.3/1"))
    call("GetWorkflow unknown", "GET", "/GetWorkflow" + q(
        "workflowBuildVersionArn", f"{US}:workflow/build/no-such-workflow/1.0.0/1"))
    call("GetWorkflow pattern", "GET", "/GetWorkflow" + q("workflowBuildVersionArn", "not-an-arn"))
    call("GetWorkflow missing", "GET", "/GetWorkflow")

    call("ListWorkflows", "POST", "/ListWorkflows", {})
    w.follow("ListWorkflows maxResults 1", "/ListWorkflows", {"maxResults": 1})
    call("ListWorkflows byName", "POST", "/ListWorkflows", {"byName": True})
    call("ListWorkflows name filter", "POST", "/ListWorkflows", {"filters": [{"name": "name", "values": ["wire-b*"]}]})
    call("ListWorkflows type filter", "POST", "/ListWorkflows", {"filters": [{"name": "type", "values": ["TEST"]}]})
    call("ListWorkflows owner Amazon", "POST", "/ListWorkflows", {"owner": "Amazon"})
    call("ListWorkflows owner Shared", "POST", "/ListWorkflows", {"owner": "Shared"})
    call("ListWorkflows bad owner enum", "POST", "/ListWorkflows", {"owner": "Everyone"})
    call("ListWorkflows bad filter name", "POST", "/ListWorkflows", {"filters": [{"name": "color", "values": ["red"]}]})
    call("ListWorkflows byName with version filter", "POST", "/ListWorkflows",
         {"byName": True, "filters": [{"name": "version", "values": ["1.0.0"]}]})
    call("ListWorkflows maxResults 0", "POST", "/ListWorkflows", {"maxResults": 0})
    call("ListWorkflows maxResults 101", "POST", "/ListWorkflows", {"maxResults": 101})
    call("ListWorkflows maxResults string", "POST", "/ListWorkflows", {"maxResults": "3"})
    call("ListWorkflows nextToken garbage", "POST", "/ListWorkflows", {"nextToken": "not-a-token"})
    call("ListWorkflows nextToken empty", "POST", "/ListWorkflows", {"nextToken": ""})
    filtered = call("ListWorkflows filtered maxResults 1", "POST", "/ListWorkflows",
                    {"maxResults": 1, "filters": [{"name": "name", "values": ["wire-*"]}]})
    call("ListWorkflows token with other filters", "POST", "/ListWorkflows",
         {"nextToken": filtered["nextToken"], "filters": [{"name": "name", "values": ["other-*"]}]})
    call("ListWorkflows token of another operation", "POST", "/ListImageRecipes", {"nextToken": filtered["nextToken"]})

    version_arn = build_wf.rsplit("/", 1)[0]
    call("ListWorkflowBuildVersions", "POST", "/ListWorkflowBuildVersions", {"workflowVersionArn": version_arn})
    builds = w.follow("ListWorkflowBuildVersions maxResults 1", "/ListWorkflowBuildVersions",
                      {"workflowVersionArn": version_arn, "maxResults": 1})
    call("ListWorkflowBuildVersions token of another version", "POST", "/ListWorkflowBuildVersions",
         {"workflowVersionArn": f"{US}:workflow/build/wire-build/1.1.0", "nextToken": builds[0]["nextToken"]})
    call("ListWorkflowBuildVersions wildcard", "POST", "/ListWorkflowBuildVersions",
         {"workflowVersionArn": f"{US}:workflow/build/wire-build/x.x.x"})
    call("ListWorkflowBuildVersions unknown", "POST", "/ListWorkflowBuildVersions",
         {"workflowVersionArn": f"{US}:workflow/build/no-such-workflow/1.0.0"})
    call("ListWorkflowBuildVersions pattern", "POST", "/ListWorkflowBuildVersions", {"workflowVersionArn": build_wf})
    call("ListWorkflowBuildVersions no ARN", "POST", "/ListWorkflowBuildVersions", {})

    call("DeleteWorkflow", "DELETE", "/DeleteWorkflow" + q("workflowBuildVersionArn", doomed_wf))
    call("DeleteWorkflow again", "DELETE", "/DeleteWorkflow" + q("workflowBuildVersionArn", doomed_wf))
    call("DeleteWorkflow managed", "DELETE", "/DeleteWorkflow" + q(
        "workflowBuildVersionArn", "arn:aws:imagebuilder:us-east-1:aws:workflow/build/build-image/1.0.3/1"))
    call("DeleteWorkflow pattern", "DELETE", "/DeleteWorkflow" + q("workflowBuildVersionArn", version_arn))
    call("DeleteWorkflow missing", "DELETE", "/DeleteWorkflow")

    # another region, from the credential scope
    eu = {"Authorization": EU_AUTH}
    eu_wf = call("CreateWorkflow eu-west-1", "PUT", "/CreateWorkflow",
                 {**wf_params, "clientToken": "wf-token-1"}, headers=eu)["workflowBuildVersionArn"]
    call("ListWorkflows eu-west-1", "POST", "/ListWorkflows", {}, headers=eu)
    call("GetWorkflow eu-west-1", "GET", "/GetWorkflow" + q("workflowBuildVersionArn", eu_wf), headers=eu)
    call("GetWorkflow eu ARN from us-east-1", "GET", "/GetWorkflow" + q("workflowBuildVersionArn", eu_wf))
    call("GetWorkflow us ARN from eu-west-1", "GET", "/GetWorkflow" + q("workflowBuildVersionArn", build_wf), headers=eu)
    call("ListImages eu-west-1", "POST", "/ListImages", {}, headers=eu)

    # ---- image recipes -------------------------------------------------------------------------
    rp = {"name": "wire-recipe", "semanticVersion": "1.0.0", "parentImage": PARENT_IMAGE,
          "components": [{"componentArn": COMPONENT}], "description": "the wire recipe", "clientToken": "rp-token-1"}
    recipe = call("CreateImageRecipe", "PUT", "/CreateImageRecipe", rp)["imageRecipeArn"]
    call("CreateImageRecipe same token replayed", "PUT", "/CreateImageRecipe", rp)
    call("CreateImageRecipe same token other params", "PUT", "/CreateImageRecipe", {**rp, "description": "changed"})
    call("CreateImageRecipe already exists", "PUT", "/CreateImageRecipe", {**rp, "clientToken": "rp-token-2"})
    call("CreateImageRecipe dryRun", "PUT", "/CreateImageRecipe",
         {**rp, "name": "wire-dry", "clientToken": "rp-token-3", "dryRun": True})
    recipe_101 = call("CreateImageRecipe 1.0.1", "PUT", "/CreateImageRecipe",
                      {**rp, "semanticVersion": "1.0.1", "clientToken": "rp-token-4"})["imageRecipeArn"]
    gated_recipe = call("CreateImageRecipe gated", "PUT", "/CreateImageRecipe",
                        {**rp, "name": "wire-gated", "clientToken": "rp-token-5"})["imageRecipeArn"]
    doomed_recipe = call("CreateImageRecipe to delete", "PUT", "/CreateImageRecipe",
                         {**rp, "name": "wire-doomed", "clientToken": "rp-token-6"})["imageRecipeArn"]
    rb = {**rp, "name": "wire-bad-recipe", "clientToken": "rp-bad"}
    call("CreateImageRecipe missing parentImage", "PUT", "/CreateImageRecipe",
         {k: v for k, v in rb.items() if k != "parentImage"})
    call("CreateImageRecipe bad semanticVersion", "PUT", "/CreateImageRecipe", {**rb, "semanticVersion": "1.0.0.0"})
    call("CreateImageRecipe empty components", "PUT", "/CreateImageRecipe", {**rb, "components": []})
    call("CreateImageRecipe component missing ARN", "PUT", "/CreateImageRecipe", {**rb, "components": [{}]})
    call("CreateImageRecipe duplicate component", "PUT", "/CreateImageRecipe",
         {**rb, "components": [{"componentArn": COMPONENT}, {"componentArn": COMPONENT}]})
    call("CreateImageRecipe name pattern", "PUT", "/CreateImageRecipe", {**rb, "name": "x"})
    call("CreateImageRecipe description too long", "PUT", "/CreateImageRecipe", {**rb, "description": "d" * 1025})

    call("GetImageRecipe", "GET", "/GetImageRecipe" + q("imageRecipeArn", recipe))
    call("GetImageRecipe unknown", "GET", "/GetImageRecipe" + q("imageRecipeArn", f"{US}:image-recipe/no-such-recipe/1.0.0"))
    call("GetImageRecipe pattern", "GET", "/GetImageRecipe" + q("imageRecipeArn", f"{US}:image-recipe/Wire/1.0.0"))
    call("GetImageRecipe missing", "GET", "/GetImageRecipe")
    call("ListImageRecipes", "POST", "/ListImageRecipes", {})
    w.follow("ListImageRecipes maxResults 1", "/ListImageRecipes", {"maxResults": 1})
    call("ListImageRecipes name filter", "POST", "/ListImageRecipes", {"filters": [{"name": "name", "values": ["wire-recipe"]}]})
    call("ListImageRecipes owner Amazon", "POST", "/ListImageRecipes", {"owner": "Amazon"})
    call("ListImageRecipes bad owner enum", "POST", "/ListImageRecipes", {"owner": "Nobody"})
    call("ListImageRecipes bad filter name", "POST", "/ListImageRecipes", {"filters": [{"name": "version", "values": ["1.0.0"]}]})
    call("ListImageRecipes too many filters", "POST", "/ListImageRecipes",
         {"filters": [{"name": "name", "values": ["a"]}] * 11})
    call("DeleteImageRecipe", "DELETE", "/DeleteImageRecipe" + q("imageRecipeArn", doomed_recipe))
    call("DeleteImageRecipe again", "DELETE", "/DeleteImageRecipe" + q("imageRecipeArn", doomed_recipe))
    call("DeleteImageRecipe pattern", "DELETE", "/DeleteImageRecipe" + q("imageRecipeArn", "arn:aws:imagebuilder:us-east-1"))

    # ---- infrastructure configurations ----------------------------------------------------------
    ip = {"name": "wire-infra", "instanceProfileName": "EC2InstanceProfileForImageBuilder",
          "instanceTypes": ["t3.micro"], "clientToken": "in-token-1"}
    infra = call("CreateInfrastructureConfiguration", "PUT", "/CreateInfrastructureConfiguration",
                 ip)["infrastructureConfigurationArn"]
    call("CreateInfrastructureConfiguration same token replayed", "PUT", "/CreateInfrastructureConfiguration", ip)
    call("CreateInfrastructureConfiguration same token other params", "PUT", "/CreateInfrastructureConfiguration",
         {**ip, "instanceTypes": ["t3.large"]})
    call("CreateInfrastructureConfiguration already exists", "PUT", "/CreateInfrastructureConfiguration",
         {**ip, "clientToken": "in-token-2"})
    call("CreateInfrastructureConfiguration dryRun", "PUT", "/CreateInfrastructureConfiguration",
         {**ip, "name": "wire-dry", "clientToken": "in-token-3", "dryRun": True})
    doomed_infra = call("CreateInfrastructureConfiguration to delete", "PUT", "/CreateInfrastructureConfiguration",
                        {**ip, "name": "wire-doomed", "terminateInstanceOnFailure": False,
                         "clientToken": "in-token-4"})["infrastructureConfigurationArn"]
    ib = {**ip, "name": "wire-bad-infra", "clientToken": "in-bad"}
    call("CreateInfrastructureConfiguration missing instanceProfileName", "PUT", "/CreateInfrastructureConfiguration",
         {k: v for k, v in ib.items() if k != "instanceProfileName"})
    call("CreateInfrastructureConfiguration instanceProfileName pattern", "PUT", "/CreateInfrastructureConfiguration",
         {**ib, "instanceProfileName": "bad profile!"})
    call("CreateInfrastructureConfiguration snsTopicArn pattern", "PUT", "/CreateInfrastructureConfiguration",
         {**ib, "snsTopicArn": "arn:aws:sqs:us-east-1:123456789012:q"})
    call("CreateInfrastructureConfiguration boolean wrong type", "PUT", "/CreateInfrastructureConfiguration",
         {**ib, "terminateInstanceOnFailure": "true"})
    call("CreateInfrastructureConfiguration instanceTypes wrong item", "PUT", "/CreateInfrastructureConfiguration",
         {**ib, "instanceTypes": [1]})
    call("GetInfrastructureConfiguration", "GET", "/GetInfrastructureConfiguration" + q("infrastructureConfigurationArn", infra))
    call("GetInfrastructureConfiguration unknown", "GET", "/GetInfrastructureConfiguration" + q(
        "infrastructureConfigurationArn", f"{US}:infrastructure-configuration/no-such-infra"))
    call("GetInfrastructureConfiguration pattern", "GET", "/GetInfrastructureConfiguration" + q(
        "infrastructureConfigurationArn", f"{US}:infrastructure-configuration/"))
    call("ListInfrastructureConfigurations", "POST", "/ListInfrastructureConfigurations", {})
    w.follow("ListInfrastructureConfigurations maxResults 1", "/ListInfrastructureConfigurations", {"maxResults": 1})
    call("ListInfrastructureConfigurations name filter", "POST", "/ListInfrastructureConfigurations",
         {"filters": [{"name": "name", "values": ["*doom*"]}]})
    call("ListInfrastructureConfigurations nextToken garbage", "POST", "/ListInfrastructureConfigurations",
         {"nextToken": "AAAA"})
    call("DeleteInfrastructureConfiguration", "DELETE", "/DeleteInfrastructureConfiguration" + q(
        "infrastructureConfigurationArn", doomed_infra))
    call("DeleteInfrastructureConfiguration again", "DELETE", "/DeleteInfrastructureConfiguration" + q(
        "infrastructureConfigurationArn", doomed_infra))
    call("DeleteInfrastructureConfiguration pattern", "DELETE", "/DeleteInfrastructureConfiguration" + q(
        "infrastructureConfigurationArn", "arn:aws:imagebuilder:us-east-1:123456789012:image-recipe/wire-recipe/1.0.0"))

    # ---- distribution configurations ------------------------------------------------------------
    dp = {"name": "wire-dist", "description": "the wire distribution",
          "distributions": [{"region": "us-east-1", "amiDistributionConfiguration": {"name": "wire {{imagebuilder:buildDate}}"}}],
          "clientToken": "di-token-1"}
    dist = call("CreateDistributionConfiguration", "PUT", "/CreateDistributionConfiguration",
                dp)["distributionConfigurationArn"]
    call("CreateDistributionConfiguration same token replayed", "PUT", "/CreateDistributionConfiguration", dp)
    call("CreateDistributionConfiguration same token other params", "PUT", "/CreateDistributionConfiguration",
         {**dp, "description": "changed"})
    call("CreateDistributionConfiguration already exists", "PUT", "/CreateDistributionConfiguration",
         {**dp, "clientToken": "di-token-2"})
    call("CreateDistributionConfiguration dryRun", "PUT", "/CreateDistributionConfiguration",
         {**dp, "name": "wire-dry", "clientToken": "di-token-3", "dryRun": True})
    doomed_dist = call("CreateDistributionConfiguration to delete", "PUT", "/CreateDistributionConfiguration",
                       {**dp, "name": "wire-doomed", "clientToken": "di-token-4"})["distributionConfigurationArn"]
    db = {**dp, "name": "wire-bad-dist", "clientToken": "di-bad"}
    call("CreateDistributionConfiguration missing distributions", "PUT", "/CreateDistributionConfiguration",
         {k: v for k, v in db.items() if k != "distributions"})
    call("CreateDistributionConfiguration region without output", "PUT", "/CreateDistributionConfiguration",
         {**db, "distributions": [{"region": "us-east-1"}]})
    call("CreateDistributionConfiguration duplicate region", "PUT", "/CreateDistributionConfiguration",
         {**db, "distributions": dp["distributions"] * 2})
    call("CreateDistributionConfiguration distribution missing region", "PUT", "/CreateDistributionConfiguration",
         {**db, "distributions": [{"amiDistributionConfiguration": {"name": "x"}}]})
    call("CreateDistributionConfiguration distributions wrong type", "PUT", "/CreateDistributionConfiguration",
         {**db, "distributions": {"region": "us-east-1"}})
    call("GetDistributionConfiguration", "GET", "/GetDistributionConfiguration" + q("distributionConfigurationArn", dist))
    call("GetDistributionConfiguration unknown", "GET", "/GetDistributionConfiguration" + q(
        "distributionConfigurationArn", f"{US}:distribution-configuration/no-such-dist"))
    call("GetDistributionConfiguration pattern", "GET", "/GetDistributionConfiguration" + q(
        "distributionConfigurationArn", f"{US}:distribution-configuration/UPPER"))
    call("ListDistributionConfigurations", "POST", "/ListDistributionConfigurations", {})
    w.follow("ListDistributionConfigurations maxResults 1", "/ListDistributionConfigurations", {"maxResults": 1})
    call("ListDistributionConfigurations name filter", "POST", "/ListDistributionConfigurations",
         {"filters": [{"name": "name", "values": ["wire-dist"]}]})
    call("ListDistributionConfigurations nextToken garbage", "POST", "/ListDistributionConfigurations",
         {"nextToken": "/w=="})
    call("ListDistributionConfigurations filters wrong type", "POST", "/ListDistributionConfigurations",
         {"filters": {"name": "name"}})
    call("DeleteDistributionConfiguration", "DELETE", "/DeleteDistributionConfiguration" + q(
        "distributionConfigurationArn", doomed_dist))
    call("DeleteDistributionConfiguration again", "DELETE", "/DeleteDistributionConfiguration" + q(
        "distributionConfigurationArn", doomed_dist))
    call("DeleteDistributionConfiguration missing", "DELETE", "/DeleteDistributionConfiguration")

    # ---- in-place updates (of resources no image uses) --------------------------------------------
    updated = call("CreateInfrastructureConfiguration to update", "PUT", "/CreateInfrastructureConfiguration",
                   {**ip, "name": "wire-updated", "description": "before", "tags": {"a": "1"},
                    "clientToken": "in-token-5"})["infrastructureConfigurationArn"]
    up = {"infrastructureConfigurationArn": updated, "instanceProfileName": "OtherProfile",
          "instanceTypes": ["c5.large"], "clientToken": "up-token-1"}
    call("UpdateInfrastructureConfiguration", "PUT", "/UpdateInfrastructureConfiguration", up)
    call("UpdateInfrastructureConfiguration same token replayed", "PUT", "/UpdateInfrastructureConfiguration", up)
    call("UpdateInfrastructureConfiguration same token other params", "PUT", "/UpdateInfrastructureConfiguration",
         {**up, "instanceProfileName": "Third"})
    call("UpdateInfrastructureConfiguration unknown", "PUT", "/UpdateInfrastructureConfiguration",
         {**up, "infrastructureConfigurationArn": f"{US}:infrastructure-configuration/no-such-infra",
          "clientToken": "up-token-2"})
    call("UpdateInfrastructureConfiguration missing instanceProfileName", "PUT", "/UpdateInfrastructureConfiguration",
         {"infrastructureConfigurationArn": updated, "clientToken": "up-token-3"})
    call("GetInfrastructureConfiguration updated", "GET", "/GetInfrastructureConfiguration" + q(
        "infrastructureConfigurationArn", updated))
    updated_dist = call("CreateDistributionConfiguration to update", "PUT", "/CreateDistributionConfiguration",
                        {**dp, "name": "wire-updated", "clientToken": "di-token-5"})["distributionConfigurationArn"]
    ud = {"distributionConfigurationArn": updated_dist, "clientToken": "ud-token-1",
          "distributions": [{"region": "eu-west-1", "amiDistributionConfiguration": {"name": "eu {{imagebuilder:buildDate}}"}}]}
    call("UpdateDistributionConfiguration", "PUT", "/UpdateDistributionConfiguration", ud)
    call("UpdateDistributionConfiguration duplicate region", "PUT", "/UpdateDistributionConfiguration",
         {**ud, "distributions": ud["distributions"] * 2, "clientToken": "ud-token-2"})
    call("GetDistributionConfiguration updated", "GET", "/GetDistributionConfiguration" + q(
        "distributionConfigurationArn", updated_dist))

    # ---- tags: the ARN is one percent-encoded path label ------------------------------------------
    tags_path = "/tags/" + urllib.parse.quote(updated, safe="")
    call("TagResource", "POST", tags_path, {"tags": {"b": "2", "a": "changed"}})
    call("ListTagsForResource", "GET", tags_path)
    call("UntagResource", "DELETE", tags_path + "?tagKeys=a&tagKeys=absent")
    call("ListTagsForResource after untag", "GET", tags_path)
    call("TagResource aws prefix", "POST", tags_path, {"tags": {"aws:x": "1"}})
    call("TagResource more than 50", "POST", tags_path, {"tags": {f"k{i:02}": "v" for i in range(50)}})
    call("TagResource empty tags", "POST", tags_path, {"tags": {}})
    call("TagResource unknown", "POST", "/tags/" + urllib.parse.quote(
        f"{US}:infrastructure-configuration/no-such-infra", safe=""), {"tags": {"k": "v"}})
    call("ListTagsForResource bad arn", "GET", "/tags/not-an-arn")
    call("UntagResource missing tagKeys", "DELETE", tags_path)

    # ---- components --------------------------------------------------------------------------------
    doc = ("schemaVersion: 1.0\nparameters:\n  - Greeting:\n      type: string\n      default: hello\n"
           "phases:\n  - name: build\n    steps:\n      - name: Say\n        action: ExecuteBash\n"
           "        inputs:\n          commands: ['echo {{ Greeting }}']\n")
    cp = {"name": "wire-component", "semanticVersion": "1.0.0", "platform": "Linux", "data": doc,
          "supportedOsVersions": ["Amazon Linux 2023"], "tags": {"k": "v"}, "clientToken": "co-token-1"}
    component = call("CreateComponent", "PUT", "/CreateComponent", cp)["componentBuildVersionArn"]
    call("CreateComponent same token replayed", "PUT", "/CreateComponent", cp)
    call("CreateComponent same version again", "PUT", "/CreateComponent", {**cp, "clientToken": "co-token-2"})
    call("CreateComponent dryRun", "PUT", "/CreateComponent", {**cp, "clientToken": "co-token-3", "dryRun": True})
    call("CreateComponent bad document", "PUT", "/CreateComponent",
         {**cp, "clientToken": "co-bad-1", "data": doc.replace("ExecuteBash", "RunCommand")})
    call("CreateComponent not YAML", "PUT", "/CreateComponent", {**cp, "clientToken": "co-bad-2", "data": "phases: ["})
    call("CreateComponent data and uri", "PUT", "/CreateComponent",
         {**cp, "clientToken": "co-bad-3", "uri": "s3://bucket/doc.yaml"})
    call("CreateComponent bash on Windows", "PUT", "/CreateComponent",
         {**cp, "clientToken": "co-bad-4", "platform": "Windows"})
    call("CreateComponent missing platform", "PUT", "/CreateComponent",
         {k: v for k, v in cp.items() if k != "platform"})
    call("ImportComponent", "PUT", "/ImportComponent",
         {"name": "wire-imported", "semanticVersion": "1.0.0", "type": "BUILD", "format": "SHELL",
          "platform": "Linux", "data": "#!/bin/bash\necho imported\n", "clientToken": "ic-token-1"})
    call("GetComponent", "GET", "/GetComponent" + q("componentBuildVersionArn", component))
    call("GetComponent wildcard", "GET", "/GetComponent" + q(
        "componentBuildVersionArn", f"{US}:component/wire-component/x.x.x"))
    call("GetComponent managed", "GET", "/GetComponent" + q(
        "componentBuildVersionArn", "arn:aws:imagebuilder:us-east-1:aws:component/reboot-linux/x.x.x"))
    call("GetComponent imported", "GET", "/GetComponent" + q(
        "componentBuildVersionArn", f"{US}:component/wire-imported/1.0.0/1"))
    call("GetComponent unknown", "GET", "/GetComponent" + q(
        "componentBuildVersionArn", f"{US}:component/no-such-component/1.0.0/1"))
    call("ListComponents", "POST", "/ListComponents", {})
    call("ListComponents byName", "POST", "/ListComponents", {"byName": True})
    call("ListComponents owner Amazon test type", "POST", "/ListComponents",
         {"owner": "Amazon", "filters": [{"name": "type", "values": ["TEST"]}]})
    call("ListComponents bad filter", "POST", "/ListComponents", {"filters": [{"name": "color", "values": ["x"]}]})
    call("ListComponentBuildVersions", "POST", "/ListComponentBuildVersions",
         {"componentVersionArn": f"{US}:component/wire-component/1.0.0"})
    call("CreateImageRecipe unknown component parameter", "PUT", "/CreateImageRecipe",
         {"name": "wire-param-recipe", "semanticVersion": "1.0.0", "parentImage": "ami-0123456789abcdef0",
          "components": [{"componentArn": component, "parameters": [{"name": "Colour", "value": ["red"]}]}],
          "clientToken": "rp-param-1"})
    call("DeleteComponent", "DELETE", "/DeleteComponent" + q("componentBuildVersionArn", component))
    call("DeleteComponent again", "DELETE", "/DeleteComponent" + q("componentBuildVersionArn", component))
    call("DeleteComponent managed", "DELETE", "/DeleteComponent" + q(
        "componentBuildVersionArn", "arn:aws:imagebuilder:us-east-1:aws:component/reboot-linux/1.0.1/1"))

    # ---- images: a default build ------------------------------------------------------------------
    im = {"imageRecipeArn": recipe, "infrastructureConfigurationArn": infra, "tags": {"team": "wire"},
          "clientToken": "im-token-1"}
    image = call("CreateImage", "PUT", "/CreateImage", im)["imageBuildVersionArn"]
    w.wait_terminal(image)
    call("CreateImage same token replayed", "PUT", "/CreateImage", im)
    call("CreateImage same token other params", "PUT", "/CreateImage", {**im, "tags": {"team": "other"}})
    ib2 = {"imageRecipeArn": recipe, "infrastructureConfigurationArn": infra, "clientToken": "im-bad"}
    call("CreateImage missing infrastructureConfigurationArn", "PUT", "/CreateImage",
         {"imageRecipeArn": recipe, "clientToken": "im-bad"})
    call("CreateImage no recipe", "PUT", "/CreateImage", {"infrastructureConfigurationArn": infra, "clientToken": "im-bad"})
    call("CreateImage container recipe", "PUT", "/CreateImage",
         {"containerRecipeArn": f"{US}:container-recipe/web/1.0.0", "infrastructureConfigurationArn": infra,
          "clientToken": "im-bad"})
    call("CreateImage both recipes", "PUT", "/CreateImage",
         {**ib2, "containerRecipeArn": f"{US}:container-recipe/web/1.0.0"})
    call("CreateImage unknown recipe", "PUT", "/CreateImage",
         {**ib2, "imageRecipeArn": f"{US}:image-recipe/no-such-recipe/1.0.0"})
    call("CreateImage unknown infrastructure", "PUT", "/CreateImage",
         {**ib2, "infrastructureConfigurationArn": f"{US}:infrastructure-configuration/no-such-infra"})
    call("CreateImage unknown distribution", "PUT", "/CreateImage",
         {**ib2, "distributionConfigurationArn": f"{US}:distribution-configuration/no-such-dist"})
    call("CreateImage recipe pattern", "PUT", "/CreateImage", {**ib2, "imageRecipeArn": "recipe"})
    call("CreateImage boolean wrong type", "PUT", "/CreateImage", {**ib2, "enhancedImageMetadataEnabled": 1})
    call("CreateImage too many tags", "PUT", "/CreateImage", {**ib2, "tags": {f"k{i}": "v" for i in range(51)}})
    call("CreateImage two build workflows", "PUT", "/CreateImage",
         {**ib2, "workflows": [{"workflowArn": build_wf}, {"workflowArn": gated_wf}]})
    call("CreateImage managed workflow not x.x.x", "PUT", "/CreateImage",
         {**ib2, "workflows": [{"workflowArn": "arn:aws:imagebuilder:us-east-1:aws:workflow/build/build-image/1.0.3/1"}]})
    call("CreateImage onFailure on a build workflow", "PUT", "/CreateImage",
         {**ib2, "workflows": [{"workflowArn": build_wf, "onFailure": "CONTINUE"}]})
    call("CreateImage unknown workflow", "PUT", "/CreateImage",
         {**ib2, "workflows": [{"workflowArn": f"{US}:workflow/build/no-such-workflow/1.0.0/1"}]})
    call("CreateImage workflow missing ARN", "PUT", "/CreateImage", {**ib2, "workflows": [{"parallelGroup": "a"}]})
    call("CreateImage bad onFailure enum", "PUT", "/CreateImage",
         {**ib2, "workflows": [{"workflowArn": test_wf, "onFailure": "IGNORE"}]})
    call("CreateImage undeclared workflow parameter", "PUT", "/CreateImage",
         {**ib2, "workflows": [{"workflowArn": build_wf, "parameters": [{"name": "nope", "value": ["x"]}]}]})

    call("GetImage", "GET", "/GetImage" + q("imageBuildVersionArn", image))
    call("GetImage version ARN", "GET", "/GetImage" + q("imageBuildVersionArn", image.rsplit("/", 1)[0]))
    call("GetImage wildcard ARN", "GET", "/GetImage" + q("imageBuildVersionArn", f"{US}:image/wire-recipe/x.x.x"))
    call("GetImage unknown", "GET", "/GetImage" + q("imageBuildVersionArn", f"{US}:image/wire-recipe/1.0.0/99"))
    call("GetImage pattern", "GET", "/GetImage" + q("imageBuildVersionArn", f"{US}:image/wire-recipe"))
    call("GetImage missing", "GET", "/GetImage")

    execs = call("ListWorkflowExecutions", "POST", "/ListWorkflowExecutions", {"imageBuildVersionArn": image})
    w.follow("ListWorkflowExecutions maxResults 1", "/ListWorkflowExecutions",
             {"imageBuildVersionArn": image, "maxResults": 1})
    call("ListWorkflowExecutions unknown image", "POST", "/ListWorkflowExecutions",
         {"imageBuildVersionArn": f"{US}:image/wire-recipe/1.0.0/99"})
    call("ListWorkflowExecutions missing image", "POST", "/ListWorkflowExecutions", {})
    call("ListWorkflowExecutions version ARN", "POST", "/ListWorkflowExecutions",
         {"imageBuildVersionArn": image.rsplit("/", 1)[0]})
    build_exec = execs["workflowExecutions"][0]["workflowExecutionId"]
    test_exec = execs["workflowExecutions"][1]["workflowExecutionId"]
    call("GetWorkflowExecution build", "GET", "/GetWorkflowExecution" + q("workflowExecutionId", build_exec))
    call("GetWorkflowExecution test", "GET", "/GetWorkflowExecution" + q("workflowExecutionId", test_exec))
    call("GetWorkflowExecution upper-case id", "GET", "/GetWorkflowExecution" + q("workflowExecutionId", build_exec.upper().replace("WF-", "wf-")))
    call("GetWorkflowExecution unknown", "GET", "/GetWorkflowExecution" + q("workflowExecutionId", MISSING_WF))
    call("GetWorkflowExecution pattern", "GET", "/GetWorkflowExecution" + q("workflowExecutionId", "wf-123"))
    call("GetWorkflowExecution missing", "GET", "/GetWorkflowExecution")

    steps = call("ListWorkflowStepExecutions", "POST", "/ListWorkflowStepExecutions", {"workflowExecutionId": build_exec})
    w.follow("ListWorkflowStepExecutions maxResults 3", "/ListWorkflowStepExecutions",
             {"workflowExecutionId": build_exec, "maxResults": 3})
    call("ListWorkflowStepExecutions test workflow", "POST", "/ListWorkflowStepExecutions", {"workflowExecutionId": test_exec})
    first = call("ListWorkflowStepExecutions maxResults 2", "POST", "/ListWorkflowStepExecutions",
                 {"workflowExecutionId": build_exec, "maxResults": 2})
    call("ListWorkflowStepExecutions token of another execution", "POST", "/ListWorkflowStepExecutions",
         {"workflowExecutionId": test_exec, "nextToken": first["nextToken"]})
    call("ListWorkflowStepExecutions nextToken garbage", "POST", "/ListWorkflowStepExecutions",
         {"workflowExecutionId": build_exec, "nextToken": "bm90IGEgdG9rZW4="})
    call("ListWorkflowStepExecutions unknown execution", "POST", "/ListWorkflowStepExecutions",
         {"workflowExecutionId": MISSING_WF})
    call("ListWorkflowStepExecutions missing id", "POST", "/ListWorkflowStepExecutions", {"maxResults": 3})
    call("ListWorkflowStepExecutions pattern", "POST", "/ListWorkflowStepExecutions", {"workflowExecutionId": "step-1"})
    for s in steps["steps"][:2] + steps["steps"][-1:]:
        call(f"GetWorkflowStepExecution {s['name']}", "GET",
             "/GetWorkflowStepExecution" + q("stepExecutionId", s["stepExecutionId"]))
    call("GetWorkflowStepExecution unknown", "GET", "/GetWorkflowStepExecution" + q("stepExecutionId", MISSING_STEP))
    call("GetWorkflowStepExecution pattern", "GET", "/GetWorkflowStepExecution" + q("stepExecutionId", build_exec))
    call("GetWorkflowStepExecution missing", "GET", "/GetWorkflowStepExecution")

    # ---- failures, RetryImage ---------------------------------------------------------------------
    test_fail = call("CreateImage failing test", "PUT", "/CreateImage",
                     {"imageRecipeArn": recipe, "infrastructureConfigurationArn": infra,
                      "workflows": [{"workflowArn": build_wf}, {"workflowArn": test_wf}],
                      "tags": {"stepwise:fail:Check": "tests exploded"},
                      "clientToken": "im-token-2"})["imageBuildVersionArn"]
    w.wait_terminal(test_fail)
    build_fail = call("CreateImage failing build", "PUT", "/CreateImage",
                      {"imageRecipeArn": recipe_101, "infrastructureConfigurationArn": infra,
                       "workflows": [{"workflowArn": build_wf}, {"workflowArn": test_wf}],
                       "tags": {"stepwise:fail:Capture": ""}, "clientToken": "im-token-3"})["imageBuildVersionArn"]
    w.wait_terminal(build_fail)
    call("GetImage failed in test", "GET", "/GetImage" + q("imageBuildVersionArn", test_fail))
    call("GetImage failed in build", "GET", "/GetImage" + q("imageBuildVersionArn", build_fail))
    fexecs = call("ListWorkflowExecutions failed build", "POST", "/ListWorkflowExecutions",
                  {"imageBuildVersionArn": build_fail})
    fsteps = call("ListWorkflowStepExecutions failed build", "POST", "/ListWorkflowStepExecutions",
                  {"workflowExecutionId": fexecs["workflowExecutions"][0]["workflowExecutionId"]})
    failed = next(s for s in fsteps["steps"] if s["status"] == "FAILED")
    call("GetWorkflowStepExecution failed step", "GET",
         "/GetWorkflowStepExecution" + q("stepExecutionId", failed["stepExecutionId"]))
    rt = {"imageBuildVersionArn": test_fail, "clientToken": "rt-token-1"}
    call("RetryImage", "PUT", "/RetryImage", rt)
    w.wait_terminal(test_fail)
    call("RetryImage same token replayed", "PUT", "/RetryImage", rt)
    call("RetryImage same token other params", "PUT", "/RetryImage", {**rt, "imageBuildVersionArn": build_fail})
    call("GetImage after retry", "GET", "/GetImage" + q("imageBuildVersionArn", test_fail))
    call("ListWorkflowExecutions after retry", "POST", "/ListWorkflowExecutions", {"imageBuildVersionArn": test_fail})
    call("RetryImage failed in build", "PUT", "/RetryImage", {"imageBuildVersionArn": build_fail, "clientToken": "rt-token-2"})
    call("RetryImage available image", "PUT", "/RetryImage", {"imageBuildVersionArn": image, "clientToken": "rt-token-3"})
    call("RetryImage unknown", "PUT", "/RetryImage",
         {"imageBuildVersionArn": f"{US}:image/wire-recipe/1.0.0/99", "clientToken": "rt-token-4"})
    call("RetryImage missing clientToken", "PUT", "/RetryImage", {"imageBuildVersionArn": test_fail})
    call("RetryImage version ARN", "PUT", "/RetryImage",
         {"imageBuildVersionArn": test_fail.rsplit("/", 1)[0], "clientToken": "rt-token-5"})

    # ---- waiting steps, actions, cancellation -------------------------------------------------------
    gi = {"imageRecipeArn": gated_recipe, "infrastructureConfigurationArn": infra,
          "distributionConfigurationArn": dist, "workflows": [{"workflowArn": gated_wf}],
          "imageTestsConfiguration": {"imageTestsEnabled": False}, "clientToken": "gi-token-1"}
    g1 = call("CreateImage gated 1", "PUT", "/CreateImage", gi)["imageBuildVersionArn"]
    gate1 = w.wait_gate(g1)
    call("ListWaitingWorkflowSteps one", "POST", "/ListWaitingWorkflowSteps", {})
    call("GetImage waiting", "GET", "/GetImage" + q("imageBuildVersionArn", g1))
    call("DeleteImageRecipe in use", "DELETE", "/DeleteImageRecipe" + q("imageRecipeArn", gated_recipe))
    call("DeleteInfrastructureConfiguration in use", "DELETE", "/DeleteInfrastructureConfiguration" + q(
        "infrastructureConfigurationArn", infra))
    call("DeleteDistributionConfiguration in use", "DELETE", "/DeleteDistributionConfiguration" + q(
        "distributionConfigurationArn", dist))
    call("DeleteWorkflow in use", "DELETE", "/DeleteWorkflow" + q("workflowBuildVersionArn", gated_wf))
    g2 = call("CreateImage gated 2", "PUT", "/CreateImage", {**gi, "clientToken": "gi-token-2"})["imageBuildVersionArn"]
    gate2 = w.wait_gate(g2)
    w.follow("ListWaitingWorkflowSteps maxResults 1", "/ListWaitingWorkflowSteps", {"maxResults": 1})
    call("ListWaitingWorkflowSteps nextToken garbage", "POST", "/ListWaitingWorkflowSteps", {"nextToken": "x"})
    call("ListWaitingWorkflowSteps eu-west-1", "POST", "/ListWaitingWorkflowSteps", {}, headers=eu)
    call("GetWorkflowExecution running", "GET", "/GetWorkflowExecution" + q("workflowExecutionId", gate1["workflowExecutionId"]))
    gsteps = call("ListWorkflowStepExecutions running", "POST", "/ListWorkflowStepExecutions",
                  {"workflowExecutionId": gate1["workflowExecutionId"]})
    call("GetWorkflowStepExecution waiting", "GET", "/GetWorkflowStepExecution" + q("stepExecutionId", gate1["stepExecutionId"]))
    launch1 = gsteps["steps"][0]["stepExecutionId"]

    sa = {"stepExecutionId": gate1["stepExecutionId"], "imageBuildVersionArn": g1, "action": "RESUME",
          "reason": "approved by the wire", "clientToken": "sa-token-1"}
    call("SendWorkflowStepAction unknown step", "PUT", "/SendWorkflowStepAction",
         {**sa, "stepExecutionId": MISSING_STEP, "clientToken": "sa-bad-1"})
    call("SendWorkflowStepAction other image", "PUT", "/SendWorkflowStepAction",
         {**sa, "imageBuildVersionArn": g2, "clientToken": "sa-bad-2"})
    call("SendWorkflowStepAction step not waiting", "PUT", "/SendWorkflowStepAction",
         {**sa, "stepExecutionId": launch1, "clientToken": "sa-bad-3"})
    call("SendWorkflowStepAction bad action enum", "PUT", "/SendWorkflowStepAction",
         {**sa, "action": "PAUSE", "clientToken": "sa-bad-4"})
    call("SendWorkflowStepAction missing action", "PUT", "/SendWorkflowStepAction",
         {k: v for k, v in {**sa, "clientToken": "sa-bad-5"}.items() if k != "action"})
    call("SendWorkflowStepAction reason too long", "PUT", "/SendWorkflowStepAction",
         {**sa, "reason": "r" * 1025, "clientToken": "sa-bad-6"})
    call("SendWorkflowStepAction step id pattern", "PUT", "/SendWorkflowStepAction",
         {**sa, "stepExecutionId": "step-xyz", "clientToken": "sa-bad-7"})
    call("SendWorkflowStepAction RESUME", "PUT", "/SendWorkflowStepAction", sa)
    w.wait_terminal(g1)
    call("SendWorkflowStepAction same token replayed", "PUT", "/SendWorkflowStepAction", sa)
    call("SendWorkflowStepAction same token other params", "PUT", "/SendWorkflowStepAction", {**sa, "action": "STOP"})
    call("SendWorkflowStepAction no longer waiting", "PUT", "/SendWorkflowStepAction", {**sa, "clientToken": "sa-token-2"})
    call("GetImage resumed", "GET", "/GetImage" + q("imageBuildVersionArn", g1))
    call("ListWorkflowStepExecutions resumed", "POST", "/ListWorkflowStepExecutions",
         {"workflowExecutionId": gate1["workflowExecutionId"]})
    call("SendWorkflowStepAction STOP", "PUT", "/SendWorkflowStepAction",
         {"stepExecutionId": gate2["stepExecutionId"], "imageBuildVersionArn": g2, "action": "STOP",
          "reason": "change freeze", "clientToken": "sa-token-3"})
    w.wait_terminal(g2)
    call("GetImage stopped", "GET", "/GetImage" + q("imageBuildVersionArn", g2))
    call("GetWorkflowStepExecution stopped", "GET", "/GetWorkflowStepExecution" + q("stepExecutionId", gate2["stepExecutionId"]))
    call("GetWorkflowExecution stopped", "GET", "/GetWorkflowExecution" + q("workflowExecutionId", gate2["workflowExecutionId"]))
    call("ListWaitingWorkflowSteps none", "POST", "/ListWaitingWorkflowSteps", {})

    g3 = call("CreateImage gated 3", "PUT", "/CreateImage", {**gi, "clientToken": "gi-token-3"})["imageBuildVersionArn"]
    gate3 = w.wait_gate(g3)
    ci = {"imageBuildVersionArn": g3, "clientToken": "ci-token-1"}
    call("CancelImageCreation", "PUT", "/CancelImageCreation", ci)
    w.wait_terminal(g3)
    call("CancelImageCreation same token replayed", "PUT", "/CancelImageCreation", ci)
    call("CancelImageCreation same token other params", "PUT", "/CancelImageCreation", {**ci, "imageBuildVersionArn": g2})
    call("CancelImageCreation terminal image", "PUT", "/CancelImageCreation", {**ci, "clientToken": "ci-token-2"})
    call("CancelImageCreation unknown", "PUT", "/CancelImageCreation",
         {"imageBuildVersionArn": f"{US}:image/wire-gated/1.0.0/99", "clientToken": "ci-token-3"})
    call("CancelImageCreation missing clientToken", "PUT", "/CancelImageCreation", {"imageBuildVersionArn": g3})
    call("CancelImageCreation pattern", "PUT", "/CancelImageCreation",
         {"imageBuildVersionArn": f"{US}:image/wire-gated/1.0.0", "clientToken": "ci-token-4"})
    call("GetImage cancelled", "GET", "/GetImage" + q("imageBuildVersionArn", g3))
    call("ListWorkflowExecutions cancelled", "POST", "/ListWorkflowExecutions", {"imageBuildVersionArn": g3})
    call("GetWorkflowStepExecution cancelled", "GET", "/GetWorkflowStepExecution" + q("stepExecutionId", gate3["stepExecutionId"]))
    call("SendWorkflowStepAction cancelled step", "PUT", "/SendWorkflowStepAction",
         {"stepExecutionId": gate3["stepExecutionId"], "imageBuildVersionArn": g3, "action": "RESUME",
          "clientToken": "sa-token-4"})
    call("RetryImage cancelled during build", "PUT", "/RetryImage", {"imageBuildVersionArn": g3, "clientToken": "rt-token-6"})

    # ---- every image settled: the image lists, and deletes that are now allowed ----------------
    call("ListImages", "POST", "/ListImages", {})
    images = w.follow("ListImages maxResults 1", "/ListImages", {"maxResults": 1})
    call("ListImages token with byName", "POST", "/ListImages", {"byName": True, "nextToken": images[0]["nextToken"]})
    call("ListImages nextToken garbage", "POST", "/ListImages", {"nextToken": "garbage"})
    call("ListImages byName", "POST", "/ListImages", {"byName": True})
    call("ListImages name filter", "POST", "/ListImages", {"filters": [{"name": "name", "values": ["wire-g*"]}]})
    call("ListImages version filter", "POST", "/ListImages", {"filters": [{"name": "version", "values": ["1.0.1"]}]})
    call("ListImages byName with version filter", "POST", "/ListImages",
         {"byName": True, "filters": [{"name": "version", "values": ["1.0.0"]}]})
    call("ListImages owner Amazon", "POST", "/ListImages", {"owner": "Amazon"})
    call("ListImageBuildVersions", "POST", "/ListImageBuildVersions", {})
    w.follow("ListImageBuildVersions maxResults 1", "/ListImageBuildVersions",
             {"imageVersionArn": image.rsplit("/", 1)[0], "maxResults": 1})
    call("ListImageBuildVersions platform filter", "POST", "/ListImageBuildVersions",
         {"filters": [{"name": "platform", "values": ["Windows"]}]})
    call("ListImageBuildVersions unknown version", "POST", "/ListImageBuildVersions",
         {"imageVersionArn": f"{US}:image/no-such-image/1.0.0"})
    call("ListImageBuildVersions token of ListImages", "POST", "/ListImageBuildVersions",
         {"nextToken": images[0]["nextToken"]})
    call("ListImageBuildVersions pattern", "POST", "/ListImageBuildVersions", {"imageVersionArn": image})
    call("DeleteImageRecipe no longer in use", "DELETE", "/DeleteImageRecipe" + q("imageRecipeArn", gated_recipe))
    call("DeleteDistributionConfiguration no longer in use", "DELETE", "/DeleteDistributionConfiguration" + q(
        "distributionConfigurationArn", dist))
    call("DeleteWorkflow no longer in use", "DELETE", "/DeleteWorkflow" + q("workflowBuildVersionArn", gated_wf))
    call("DeleteWorkflow second build", "DELETE", "/DeleteWorkflow" + q(
        "workflowBuildVersionArn", wf2["workflowBuildVersionArn"]))
    call("ListWorkflowBuildVersions after delete", "POST", "/ListWorkflowBuildVersions", {"workflowVersionArn": version_arn})
    call("GetImage after its recipe was deleted", "GET", "/GetImage" + q("imageBuildVersionArn", g1))

    # ---- image pipelines (last: their builds shift no other image's build number) -----------------
    pp = {"name": "wire-pipeline", "imageRecipeArn": recipe, "infrastructureConfigurationArn": infra,
          "schedule": {"scheduleExpression": "cron(0 3 ? * MON *)", "timezone": "Europe/Berlin"},
          "imageTags": {"built-by": "pipeline"}, "clientToken": "pp-token-1"}
    pipeline = call("CreateImagePipeline", "PUT", "/CreateImagePipeline", pp)["imagePipelineArn"]
    call("CreateImagePipeline same token replayed", "PUT", "/CreateImagePipeline", pp)
    call("CreateImagePipeline already exists", "PUT", "/CreateImagePipeline", {**pp, "clientToken": "pp-token-2"})
    call("CreateImagePipeline bad schedule", "PUT", "/CreateImagePipeline",
         {**pp, "name": "wire-bad-pipeline", "clientToken": "pp-bad-1",
          "schedule": {"scheduleExpression": "cron(0 0 * * * *)"}})
    call("CreateImagePipeline bad time zone", "PUT", "/CreateImagePipeline",
         {**pp, "name": "wire-bad-pipeline", "clientToken": "pp-bad-2",
          "schedule": {"scheduleExpression": "cron(0 0 * * ? *)", "timezone": "Mars/Olympus"}})
    call("CreateImagePipeline container recipe", "PUT", "/CreateImagePipeline",
         {"name": "wire-bad-pipeline", "containerRecipeArn": f"{US}:container-recipe/web/1.0.0",
          "infrastructureConfigurationArn": infra, "clientToken": "pp-bad-3"})
    call("GetImagePipeline", "GET", "/GetImagePipeline" + q("imagePipelineArn", pipeline))
    call("ListImagePipelines", "POST", "/ListImagePipelines", {})
    call("ListImagePipelines status filter", "POST", "/ListImagePipelines",
         {"filters": [{"name": "status", "values": ["DISABLED"]}]})
    call("DeleteImageRecipe used by a pipeline", "DELETE", "/DeleteImageRecipe" + q("imageRecipeArn", recipe))
    call("UpdateImagePipeline", "PUT", "/UpdateImagePipeline",
         {"imagePipelineArn": pipeline, "imageRecipeArn": recipe, "infrastructureConfigurationArn": infra,
          "status": "DISABLED", "clientToken": "pp-token-3"})
    started = call("StartImagePipelineExecution", "PUT", "/StartImagePipelineExecution",
                   {"imagePipelineArn": pipeline, "clientToken": "ps-token-1"})["imageBuildVersionArn"]
    w.wait_terminal(started)
    call("ListImagePipelineImages", "POST", "/ListImagePipelineImages", {"imagePipelineArn": pipeline})
    call("ListImagePipelineImages unknown", "POST", "/ListImagePipelineImages",
         {"imagePipelineArn": f"{US}:image-pipeline/no-such-pipeline"})
    call("StartImagePipelineExecution unknown", "PUT", "/StartImagePipelineExecution",
         {"imagePipelineArn": f"{US}:image-pipeline/no-such-pipeline", "clientToken": "ps-token-2"})
    call("DeleteImagePipeline", "DELETE", "/DeleteImagePipeline" + q("imagePipelineArn", pipeline))
    return w.records


def dump(records: list[dict[str, Any]]) -> str:
    return json.dumps(records, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(f"usage: {argv[0]} STEPWISE_BINARY OUT.json", file=sys.stderr)
        return 2
    import tempfile
    from pathlib import Path

    from stepwise_harness import StepwiseServer

    with tempfile.TemporaryDirectory(prefix="stepwise-wire-") as tmp:
        server = StepwiseServer(Path(argv[1]).resolve(), data_dir=Path(tmp) / "data",
                                log_path=Path(tmp) / "server.log")
        server.start()
        try:
            records = run(server.endpoint)
        except BaseException:
            print(server.log_tail(), file=sys.stderr)
            raise
        finally:
            server.stop()
    Path(argv[2]).write_text(dump(records), encoding="utf-8")
    print(f"{len(records)} calls recorded in {argv[2]}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
    sys.exit(main(sys.argv))
