"""Fixtures for the interop suites.

`stepwise`          module-scoped running server (StepwiseServer): .endpoint, .restart(),
                    .kill9(), .kill9_and_restart(), .stop(), .start(), .log_tail(). One server per
                    test module, on a fresh data dir and a free port, `--time-scale 0`.
`imagebuilder`      boto3 `imagebuilder` client on that server (us-east-1, dummy credentials,
                    standard retries).
`imagebuilder_unvalidated`  the same with botocore's client-side parameter validation off, to send
                    what only raw HTTP or aws-sdk-rust would send (maxResults 0, nextToken "").
`aws_cli`           AwsCli: aws_cli("get-image", "--image-build-version-arn", arn) ->
                    CliResult(returncode, stdout, stderr), with .json().
`tools`             Tools: .run("aws" | "stepwise", *args) and .both(*args) run `aws imagebuilder`
                    and `stepwise imagebuilder` alike, in one clean environment.
`kit`               Kit: create recipes, infrastructure, workflows, images; wait for images.
`wire`              WireLog on `imagebuilder`: raw status, headers and body of every response.

The binary comes from $STEPWISE_BIN (scripts/test sets it), else target/release/stepwise.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from stepwise_harness import (
    REPO_ROOT,
    AwsCli,
    Kit,
    StepwiseServer,
    Tools,
    WireLog,
    isolate_aws_environment,
    make_client,
    serving,
)

_SCRATCH = Path(tempfile.mkdtemp(prefix="stepwise-interop-"))


def pytest_configure(config: pytest.Config) -> None:
    # Before any client exists: the user's AWS profile, config files and endpoint overrides must
    # never leak into these tests.
    isolate_aws_environment(_SCRATCH)


def _stepwise_binary() -> Path:
    configured = os.environ.get("STEPWISE_BIN")
    path = Path(configured) if configured else REPO_ROOT / "target" / "release" / "stepwise"
    if not path.is_absolute():
        path = REPO_ROOT / path
    return path


@pytest.fixture(scope="session")
def stepwise_bin() -> Path:
    path = _stepwise_binary()
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(
            f"stepwise binary not found at {path}: run scripts/test, or `cargo build --release` "
            "and set STEPWISE_BIN",
            pytrace=False,
        )
    return path


@pytest.fixture(scope="module")
def stepwise(stepwise_bin: Path, tmp_path_factory: pytest.TempPathFactory):
    with serving(stepwise_bin, tmp_path_factory, "stepwise") as server:
        yield server


@pytest.fixture(scope="module")
def imagebuilder(stepwise: StepwiseServer):
    return make_client(stepwise.endpoint)


@pytest.fixture(scope="module")
def imagebuilder_unvalidated(stepwise: StepwiseServer):
    return make_client(stepwise.endpoint, parameter_validation=False)


@pytest.fixture(scope="module")
def aws_cli(stepwise: StepwiseServer) -> AwsCli:
    try:
        return AwsCli(stepwise.endpoint, _SCRATCH)
    except FileNotFoundError as exc:
        missing = str(exc)
    pytest.fail(missing, pytrace=False)


@pytest.fixture(scope="module")
def tools(stepwise_bin, stepwise, tmp_path_factory) -> Tools:
    return Tools(stepwise_bin, stepwise.endpoint, tmp_path_factory.mktemp("cli"))


@pytest.fixture(scope="module")
def kit(imagebuilder) -> Kit:
    return Kit(imagebuilder)


@pytest.fixture
def wire(imagebuilder):
    with WireLog(imagebuilder) as log:
        yield log


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    # On failure, show what the server printed: the quickest way to see a server-side panic.
    outcome = yield
    report = outcome.get_result()
    if report.when in ("setup", "call") and report.failed:
        server = item.funcargs.get("stepwise") if hasattr(item, "funcargs") else None
        if isinstance(server, StepwiseServer):
            report.sections.append(("stepwise server output (tail)", server.log_tail(4000)))
