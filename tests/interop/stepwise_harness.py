"""Test harness for the Stepwise interop suites: the server process, clients with isolated
configuration, the AWS CLI runner, raw-response capture and resource helpers.

Fixtures that wire these together live in conftest.py. Everything here talks to Stepwise only
through its public surface: the `stepwise serve` command line, `/_stepwise/health`, and the
Image Builder API as spoken by boto3 and the AWS CLI v1.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, NamedTuple

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

REPO_ROOT = Path(__file__).resolve().parents[2]
REGION = "us-east-1"
ACCOUNT = "123456789012"
DUMMY_ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
DUMMY_SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
HEALTH_PATH = "/_stepwise/health"
START_TIMEOUT_SECS = 20.0
STOP_TIMEOUT_SECS = 10.0
TERMINAL_IMAGE_STATES = ("AVAILABLE", "FAILED", "CANCELLED")

PARENT_IMAGE = "ami-0123456789abcdef0"
BUILD_COMPONENT_ARN = "arn:aws:imagebuilder:us-east-1:aws:component/update-linux/x.x.x"
MANAGED_BUILD_WORKFLOW = "arn:aws:imagebuilder:us-east-1:aws:workflow/build/build-image/1.0.3/1"
MANAGED_TEST_WORKFLOW = "arn:aws:imagebuilder:us-east-1:aws:workflow/test/test-image/1.0.3/1"

UUID4 = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
WF_ID_RE = re.compile(rf"^wf-{UUID4}$")
STEP_ID_RE = re.compile(rf"^step-{UUID4}$")
REQUEST_ID_RE = re.compile(rf"^{UUID4}$")
TIMESTAMP_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
INSTANCE_ID_RE = re.compile(r"^i-[0-9a-f]{17}$")
AMI_ID_RE = re.compile(r"^ami-[0-9a-f]{17}$")
BASE64_STD_RE = re.compile(r"^[A-Za-z0-9+/]+={0,2}$")


# --------------------------------------------------------------------------- environment


def isolate_aws_environment(scratch: Path) -> dict[str, str]:
    """Make this process's AWS clients ignore the user's configuration: no profile, no config or
    credentials file, no endpoint override, no IMDS, dummy credentials, and no proxy for the
    loopback server. Returns the variables it set."""
    for key in list(os.environ):
        if key.startswith("AWS_"):
            del os.environ[key]
    missing = scratch / "does-not-exist"
    settings = {
        "AWS_ACCESS_KEY_ID": DUMMY_ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": DUMMY_SECRET_KEY,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": str(missing / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(missing / "credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_RETRY_MODE": "standard",
        "AWS_MAX_ATTEMPTS": "3",
        "AWS_PAGER": "",
    }
    os.environ.update(settings)
    for var in ("NO_PROXY", "no_proxy"):
        current = os.environ.get(var, "")
        os.environ[var] = ",".join(filter(None, [current, "127.0.0.1", "localhost"]))
    return settings


# --------------------------------------------------------------------------- server process


class ServerError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_NO_PROXY_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class StepwiseServer:
    """One `stepwise serve` process, addressed by PID, restartable on the same port and data dir.

    Output goes to a log file (never a pipe, which would block the server once full); failures
    quote its tail. If STEPWISE_PID_DIR is set, the live PID is kept in a file there so that
    scripts/test can stop a server that outlived a killed pytest.
    """

    def __init__(
        self,
        binary: Path,
        data_dir: Path,
        log_path: Path,
        *,
        port: int | None = None,
        time_scale: str = "0",
        extra_args: Iterable[str] = (),
        pid_dir: str | None = None,
    ) -> None:
        self.binary = Path(binary)
        self.data_dir = Path(data_dir)
        self.log_path = Path(log_path)
        self.port = port or free_port()
        self.time_scale = time_scale
        self.extra_args = list(extra_args)
        self.pid_dir = Path(pid_dir) if pid_dir else None
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def command(self) -> list[str]:
        return [
            str(self.binary),
            "serve",
            "--listen",
            f"127.0.0.1:{self.port}",
            "--data-dir",
            str(self.data_dir),
            "--time-scale",
            self.time_scale,
            *self.extra_args,
        ]

    def is_running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout: float = START_TIMEOUT_SECS) -> None:
        if self.is_running():
            raise ServerError(f"server already running (pid {self.pid})")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # A restart may race the kernel releasing the port; retry only early exits.
        for attempt in range(3):
            self._spawn()
            try:
                self._wait_healthy(timeout)
                return
            except _EarlyExit as exc:
                self._forget()
                if attempt == 2:
                    raise ServerError(str(exc)) from None
                time.sleep(0.5)

    def _spawn(self) -> None:
        self.starts += 1
        with open(self.log_path, "ab") as log:
            log.write(f"\n--- start #{self.starts}: {' '.join(self.command())}\n".encode())
        log = open(self.log_path, "ab")  # noqa: SIM115 - owned by the child from here on
        try:
            self.proc = subprocess.Popen(
                self.command(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                cwd=str(self.data_dir),
                env={**os.environ, "NO_COLOR": "1", "RUST_BACKTRACE": os.environ.get("RUST_BACKTRACE", "1")},
            )
        finally:
            log.close()
        if self.pid_dir is not None:
            self.pid_dir.mkdir(parents=True, exist_ok=True)
            (self.pid_dir / f"{self.proc.pid}.pid").write_text(str(self.proc.pid))

    def _wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last_error = "no answer yet"
        while time.monotonic() < deadline:
            assert self.proc is not None
            code = self.proc.poll()
            if code is not None:
                raise _EarlyExit(
                    f"stepwise serve exited with status {code} before answering {HEALTH_PATH}\n"
                    f"command: {' '.join(self.command())}\n--- server output ---\n{self.log_tail()}"
                )
            try:
                with _NO_PROXY_OPENER.open(self.endpoint + HEALTH_PATH, timeout=1.0) as resp:
                    if resp.status == 200:
                        return
                    last_error = f"HTTP {resp.status}"
            except urllib.error.HTTPError as exc:
                last_error = f"HTTP {exc.code}"
            except (urllib.error.URLError, OSError) as exc:
                last_error = str(exc)
            time.sleep(0.05)
        self.stop()
        raise ServerError(
            f"stepwise serve did not answer GET {HEALTH_PATH} with 200 within {timeout:.0f}s "
            f"(last: {last_error})\ncommand: {' '.join(self.command())}\n"
            f"--- server output ---\n{self.log_tail()}"
        )

    def stop(self, timeout: float = STOP_TIMEOUT_SECS) -> int | None:
        """SIGTERM, then SIGKILL if it has not exited within `timeout`. Returns the exit status."""
        if self.proc is None:
            return None
        proc = self.proc
        if proc.poll() is None:
            try:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=timeout)
        self._forget()
        return proc.returncode

    def kill9(self) -> None:
        """SIGKILL without warning (a crash)."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=STOP_TIMEOUT_SECS)
        self._forget()

    def restart(self) -> None:
        """Graceful stop, then start again on the same port and data dir."""
        self.stop()
        self.start()

    def kill9_and_restart(self) -> None:
        """Crash, then start again on the same port and data dir."""
        self.kill9()
        self.start()

    def _forget(self) -> None:
        if self.proc is not None and self.pid_dir is not None:
            try:
                (self.pid_dir / f"{self.proc.pid}.pid").unlink()
            except FileNotFoundError:
                pass
        self.proc = None

    def log_tail(self, max_chars: int = 6000) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return "(no output)"
        return text[-max_chars:] if len(text) > max_chars else text


class _EarlyExit(Exception):
    pass


# --------------------------------------------------------------------------- clients


def make_client(endpoint: str, **config: Any):
    """A boto3 `imagebuilder` client for Stepwise: us-east-1, dummy credentials, standard retries.
    Extra keyword arguments go to botocore's Config (e.g. parameter_validation=False)."""
    session = boto3.session.Session(
        aws_access_key_id=DUMMY_ACCESS_KEY,
        aws_secret_access_key=DUMMY_SECRET_KEY,
        region_name=REGION,
    )
    settings: dict[str, Any] = {
        "region_name": REGION,
        "retries": {"mode": "standard", "max_attempts": 3},
        "connect_timeout": 5,
        "read_timeout": 60,
    }
    settings.update(config)
    return session.client("imagebuilder", endpoint_url=endpoint, config=Config(**settings))


class CliResult(NamedTuple):
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        assert self.returncode == 0, f"aws exited {self.returncode}: {self.stderr}"
        return json.loads(self.stdout)


def find_aws_cli() -> Path:
    override = os.environ.get("STEPWISE_AWS_CLI")
    candidates = [Path(override)] if override else []
    candidates += [Path(sys.executable).parent / "aws", REPO_ROOT / ".venv" / "bin" / "aws"]
    for c in candidates:
        if c.is_file():
            return c
    raise FileNotFoundError(
        "AWS CLI v1 not found next to this Python or in .venv/bin; run scripts/test to create the venv"
    )


class AwsCli:
    """Runs `aws imagebuilder …` (AWS CLI v1 from the venv) against Stepwise with dummy credentials
    and no user configuration. Calling it returns CliResult(returncode, stdout, stderr)."""

    def __init__(self, endpoint: str, scratch: Path) -> None:
        self.endpoint = endpoint
        self.script = find_aws_cli()
        missing = scratch / "does-not-exist"
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(
            AWS_ACCESS_KEY_ID=DUMMY_ACCESS_KEY,
            AWS_SECRET_ACCESS_KEY=DUMMY_SECRET_KEY,
            AWS_DEFAULT_REGION=REGION,
            AWS_CONFIG_FILE=str(missing / "config"),
            AWS_SHARED_CREDENTIALS_FILE=str(missing / "credentials"),
            AWS_EC2_METADATA_DISABLED="true",
            AWS_RETRY_MODE="standard",
            AWS_MAX_ATTEMPTS="3",
            AWS_PAGER="",
            PYTHONWARNINGS="ignore",
        )
        self.env = env

    def __call__(self, *args: str, timeout: float = 120) -> CliResult:
        cmd = [
            sys.executable,
            str(self.script),
            "imagebuilder",
            *args,
            "--endpoint-url",
            self.endpoint,
            "--region",
            REGION,
            "--output",
            "json",
        ]
        proc = subprocess.run(
            cmd,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            env=self.env,
            timeout=timeout,
        )
        return CliResult(proc.returncode, proc.stdout, proc.stderr)


@contextlib.contextmanager
def serving(binary: Path, tmp_path_factory, name: str, **options: Any):
    """A Stepwise server of one's own on a fresh data directory (`options` as StepwiseServer's:
    time_scale, extra_args), stopped by PID afterwards. A server that does not start fails the
    test with the tail of its log."""
    import pytest

    base = tmp_path_factory.mktemp(name)
    server = StepwiseServer(binary, data_dir=base / "data", log_path=base / "server.log",
                            pid_dir=os.environ.get("STEPWISE_PID_DIR"), **options)
    try:
        failure = None
        try:
            server.start()
        except ServerError as exc:
            failure = str(exc)
        if failure is not None:
            pytest.fail(failure, pytrace=False)
        yield server
    finally:
        server.stop()


# --------------------------------------------------------------------------- wire capture


@dataclass
class WireCall:
    operation: str
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class WireLog:
    """Records every raw HTTP response a botocore client receives (success and error), so tests
    can check what was on the wire: absent vs null members, headers, raw tokens."""

    def __init__(self, client) -> None:
        self.calls: list[WireCall] = []
        self._client = client
        client.meta.events.register("after-call.imagebuilder", self._record)

    def _record(self, http_response, model, **_: Any) -> None:
        headers = {k.lower(): v for k, v in http_response.headers.items()}
        self.calls.append(WireCall(model.name, http_response.status_code, headers, http_response.content))

    def close(self) -> None:
        self._client.meta.events.unregister("after-call.imagebuilder", self._record)

    def clear(self) -> None:
        self.calls.clear()

    @property
    def last(self) -> WireCall:
        return self.calls[-1]

    def __enter__(self) -> "WireLog":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class Tools:
    """Runs `aws imagebuilder …` and `stepwise imagebuilder …` with the same clean environment."""

    def __init__(self, stepwise_bin: Path, endpoint: str, scratch: Path):
        self.stepwise_bin = stepwise_bin
        self.endpoint = endpoint
        self.aws_script = find_aws_cli()
        missing = scratch / "no-config"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        self.env.update(
            AWS_ACCESS_KEY_ID=DUMMY_ACCESS_KEY, AWS_SECRET_ACCESS_KEY=DUMMY_SECRET_KEY,
            AWS_DEFAULT_REGION=REGION, AWS_CONFIG_FILE=str(missing / "config"),
            AWS_SHARED_CREDENTIALS_FILE=str(missing / "credentials"), AWS_EC2_METADATA_DISABLED="true",
            AWS_PAGER="", PYTHONWARNINGS="ignore",
        )

    def run(self, tool: str, *args: str, endpoint: bool = True, env: dict | None = None):
        base = ([sys.executable, str(self.aws_script)] if tool == "aws" else [str(self.stepwise_bin)])
        extra = ["--endpoint-url", self.endpoint] if endpoint else []
        return subprocess.run([*base, "imagebuilder", *args, *extra], capture_output=True, text=True,
                              env={**self.env, **(env or {})}, stdin=subprocess.DEVNULL, timeout=120)

    def both(self, *args: str):
        return self.run("aws", *args), self.run("stepwise", *args)


def assert_api_error(
    exc: BaseException,
    code: str,
    status: int,
    *,
    message: str | None = None,
    message_contains: Iterable[str] = (),
) -> None:
    """A modelled error as the spec's wire format (imagebuilder-workflows.md §2.5) makes boto3
    see it: the named exception class, the HTTP status, `x-amzn-ErrorType`, the message."""
    assert isinstance(exc, ClientError), f"expected ClientError, got {type(exc).__name__}: {exc}"
    err = exc.response.get("Error", {})
    meta = exc.response.get("ResponseMetadata", {})
    headers = {k.lower(): v for k, v in meta.get("HTTPHeaders", {}).items()}
    assert err.get("Code") == code, f"error code {err.get('Code')!r}, expected {code!r}: {exc.response}"
    assert meta.get("HTTPStatusCode") == status, f"HTTP {meta.get('HTTPStatusCode')}, expected {status}"
    assert headers.get("x-amzn-errortype") == code, f"x-amzn-ErrorType = {headers.get('x-amzn-errortype')!r}"
    assert REQUEST_ID_RE.match(headers.get("x-amzn-requestid", "")), f"x-amzn-RequestId: {headers}"
    msg = err.get("Message", "")
    assert msg, "error without message"
    if message is not None:
        assert msg == message, f"message {msg!r}, expected {message!r}"
    for part in message_contains:
        assert part in msg, f"message {msg!r} does not mention {part!r}"
    if code != "UnknownOperationException":
        assert type(exc).__name__ == code, f"boto3 raised {type(exc).__name__}, expected {code}"


# --------------------------------------------------------------------------- botocore tokens


def decode_botocore_token(token: str) -> dict[str, Any]:
    """The JSON inside a botocore resume token (pagination.md §3.4)."""
    return json.loads(base64.b64decode(token).decode("utf-8"))


def assert_server_token_shape(token: str) -> None:
    """S-20 on a token seen on the wire: standard base64, 0xFF lead byte (not UTF-8)."""
    assert token and token not in ("None", "null"), token
    assert BASE64_STD_RE.match(token), f"not standard base64: {token!r}"
    assert "_" not in token and "-" not in token and not any(c.isspace() for c in token), token
    raw = base64.b64decode(token, validate=True)
    assert raw[0] == 0xFF, f"first byte {raw[0]:#x}"
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        raise AssertionError("server token decodes as UTF-8")


# --------------------------------------------------------------------------- resources


# A BUILD workflow whose `Gate` step waits for SendWorkflowStepAction; `Echo` shows the answer.
GATED_WORKFLOW = """schemaVersion: 1.0
steps:
  - name: Launch
    action: LaunchInstance
    inputs:
      waitFor: ssmAgent
  - name: Gate
    action: WaitForAction
    inputs:
      payload: please approve
  - name: Echo
    action: RunCommand
    inputs:
      instanceId.$: $.stepOutputs.Launch.instanceId
      documentName: AWS-RunShellScript
      approval.$: $.stepOutputs.Gate.reason
  - name: Terminate
    action: TerminateInstance
    inputs:
      instanceId.$: $.stepOutputs.Launch.instanceId
"""


# A TEST workflow that parks at `Gate`; STOP fails it (and the image, after its build).
GATED_TEST_WORKFLOW = """schemaVersion: 1.0
steps:
  - name: LaunchTest
    action: LaunchInstance
    inputs:
      waitFor: ssmAgent
  - name: Gate
    action: WaitForAction
  - name: TerminateTest
    action: TerminateInstance
    inputs:
      instanceId.$: $.stepOutputs.LaunchTest.instanceId
"""

def wait_for(predicate, what: str, timeout: float = 20.0):
    """The first truthy value of `predicate()`, polled every 50 ms; fails after `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def unique_name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def workflow_document(steps: int, *, capture: bool = True) -> str:
    """A BUILD workflow with exactly `steps` steps (1..15): `Launch` (LaunchInstance), then
    RunCommand steps `Step02`…, then (if `capture` and steps >= 3) `Capture` (CreateImage), then
    `Terminate` (TerminateInstance). Every step after Launch reads the instance id with
    `instanceId.$: $.stepOutputs.Launch.instanceId`. Step names are `step_names(steps)`."""
    if not 1 <= steps <= 15:
        raise ValueError("a workflow has 1..15 steps")
    lines = [
        "schemaVersion: 1.0",
        "steps:",
        "  - name: Launch",
        "    action: LaunchInstance",
        "    inputs:",
        "      waitFor: ssmAgent",
    ]
    for name in step_names(steps, capture=capture)[1:]:
        if name == "Capture":
            action, extra = "CreateImage", []
        elif name == "Terminate":
            action, extra = "TerminateInstance", []
        else:
            action = "RunCommand"
            extra = [
                "      documentName: AWS-RunShellScript",
                "      parameters:",
                "        commands:",
                f'          - "echo {name}"',
            ]
        lines += [
            f"  - name: {name}",
            f"    action: {action}",
            "    inputs:",
            "      instanceId.$: $.stepOutputs.Launch.instanceId",
            *extra,
        ]
    return "\n".join(lines) + "\n"


def step_names(steps: int, *, capture: bool = True) -> list[str]:
    """Document order of the steps of `workflow_document(steps)`."""
    if steps == 1:
        return ["Launch"]
    middle = [f"Step{i:02d}" for i in range(2, steps)]
    if capture and middle:
        middle[-1] = "Capture"
    return ["Launch", *middle, "Terminate"]


@dataclass
class BuiltImage:
    arn: str
    image: dict[str, Any]
    workflow_arn: str | None = None
    executions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def status(self) -> str:
        return self.image["state"]["status"]

    def execution(self, wf_type: str) -> dict[str, Any]:
        found = [e for e in self.executions if e["type"] == wf_type]
        assert len(found) == 1, f"{wf_type} executions: {self.executions}"
        return found[0]


class Kit:
    """Creates the resources a test needs through the real API (boto3)."""

    def __init__(self, client) -> None:
        self.client = client

    def create_recipe(self, name: str | None = None, *, version: str = "1.0.0", components: list[str] | None = None) -> str:
        resp = self.client.create_image_recipe(
            name=name or unique_name("recipe"),
            semanticVersion=version,
            parentImage=PARENT_IMAGE,
            components=[{"componentArn": arn} for arn in (components or [BUILD_COMPONENT_ARN])],
            clientToken=str(uuid.uuid4()),
        )
        return resp["imageRecipeArn"]

    def create_infrastructure(self, name: str | None = None) -> str:
        resp = self.client.create_infrastructure_configuration(
            name=name or unique_name("infra"),
            instanceProfileName="EC2InstanceProfileForImageBuilder",
            clientToken=str(uuid.uuid4()),
        )
        return resp["infrastructureConfigurationArn"]

    def create_workflow(
        self,
        steps: int | None = None,
        *,
        data: str | None = None,
        name: str | None = None,
        version: str = "1.0.0",
        wf_type: str = "BUILD",
        **extra: Any,
    ) -> str:
        if data is None:
            data = workflow_document(steps if steps is not None else 5)
        resp = self.client.create_workflow(
            name=name or unique_name("workflow"),
            semanticVersion=version,
            type=wf_type,
            data=data,
            clientToken=str(uuid.uuid4()),
            **extra,
        )
        return resp["workflowBuildVersionArn"]

    def create_image(
        self,
        recipe_arn: str,
        infra_arn: str,
        *,
        workflows: list[dict[str, Any]] | None = None,
        tags: dict[str, str] | None = None,
        **extra: Any,
    ) -> str:
        params: dict[str, Any] = {
            "imageRecipeArn": recipe_arn,
            "infrastructureConfigurationArn": infra_arn,
            "clientToken": str(uuid.uuid4()),
            **extra,
        }
        if workflows is not None:
            params["workflows"] = workflows
        if tags:
            params["tags"] = tags
        return self.client.create_image(**params)["imageBuildVersionArn"]

    def wait_image(self, arn: str, timeout: float = 60.0) -> dict[str, Any]:
        """Polls GetImage until the status is AVAILABLE, FAILED or CANCELLED."""
        deadline = time.monotonic() + timeout
        status = None
        while time.monotonic() < deadline:
            image = self.client.get_image(imageBuildVersionArn=arn)["image"]
            status = image["state"]["status"]
            if status in TERMINAL_IMAGE_STATES:
                return image
            time.sleep(0.1)
        raise AssertionError(f"image {arn} still {status} after {timeout}s")

    def executions(self, image_arn: str) -> list[dict[str, Any]]:
        pages = self.client.get_paginator("list_workflow_executions").paginate(imageBuildVersionArn=image_arn)
        return [e for page in pages for e in page["workflowExecutions"]]

    def waiting_step(self, image_arn: str) -> dict[str, Any] | None:
        """The image's step waiting for an action (ListWaitingWorkflowSteps, page by page), or None."""
        page = self.client.list_waiting_workflow_steps(maxResults=100)
        while True:
            found = [s for s in page["steps"] if s["imageBuildVersionArn"] == image_arn]
            if found or "nextToken" not in page:
                return found[0] if found else None
            page = self.client.list_waiting_workflow_steps(maxResults=100, nextToken=page["nextToken"])

    def steps(self, execution_id: str) -> list[dict[str, Any]]:
        """All step executions, in one unpaginated call (no execution has more than 15)."""
        resp = self.client.list_workflow_step_executions(workflowExecutionId=execution_id, maxResults=100)
        assert "nextToken" not in resp
        return resp["steps"]

    def build(
        self,
        recipe_arn: str,
        infra_arn: str,
        *,
        steps: int | None = None,
        workflows: list[dict[str, Any]] | None = None,
        tags: dict[str, str] | None = None,
        wait: bool = True,
    ) -> BuiltImage:
        """CreateImage (with a fresh `steps`-step custom BUILD workflow if `steps` is given) and,
        unless wait=False, wait for a terminal status and load the executions."""
        workflow_arn = None
        if steps is not None:
            workflow_arn = self.create_workflow(steps)
            workflows = [{"workflowArn": workflow_arn}]
        arn = self.create_image(recipe_arn, infra_arn, workflows=workflows, tags=tags)
        built = BuiltImage(arn=arn, image={}, workflow_arn=workflow_arn)
        if wait:
            self.finish(built)
        return built

    def finish(self, built: BuiltImage, timeout: float = 60.0) -> BuiltImage:
        built.image = self.wait_image(built.arn, timeout)
        built.executions = self.executions(built.arn)
        return built


def image_version_arn(image_build_arn: str) -> str:
    """`…:image/<name>/<x.y.z>/<build>` → `…:image/<name>/<x.y.z>`."""
    return image_build_arn.rsplit("/", 1)[0]


def python_json(value: Any) -> str:
    """Python `json.dumps` default style, the format of `inputs`/`outputs` (spec §3.4)."""
    return json.dumps(value)
