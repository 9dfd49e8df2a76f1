"""`stepwise watch` on the running binary: plain lines without a terminal, progress bars on one,
waiting steps flagged, the summary table, and the exit status by how the image ended."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import time

from stepwise_harness import DUMMY_ACCESS_KEY, DUMMY_SECRET_KEY, REGION, Kit, unique_name

GATED = """schemaVersion: 1.0
steps:
  - name: Launch
    action: LaunchInstance
    inputs:
      waitFor: ssmAgent
  - name: Approval
    action: WaitForAction
  - name: Terminate
    action: TerminateInstance
    inputs:
      instanceId.$: $.stepOutputs.Launch.instanceId
"""


def env() -> dict:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    clean.update(AWS_ACCESS_KEY_ID=DUMMY_ACCESS_KEY, AWS_SECRET_ACCESS_KEY=DUMMY_SECRET_KEY,
                 AWS_DEFAULT_REGION=REGION, AWS_CONFIG_FILE="/nonexistent", AWS_SHARED_CREDENTIALS_FILE="/nonexistent")
    return clean


def watch(stepwise_bin, stepwise, image: str, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(stepwise_bin), "watch", image, "--endpoint-url", stepwise.endpoint,
                           "--interval", "0.05", *extra], capture_output=True, text=True, env=env(), timeout=60)


def start(kit: Kit, **kwargs) -> str:
    return kit.create_image(kit.create_recipe(), kit.create_infrastructure(), **kwargs)


def test_a_build_that_succeeds_exits_0_with_a_summary(stepwise_bin, stepwise, kit: Kit):
    image = start(kit)
    run = watch(stepwise_bin, stepwise, image)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert any(l.endswith("image AVAILABLE") for l in lines)
    assert any("BUILD build-image step LaunchBuildInstance COMPLETED [1/7]" in l for l in lines)
    summary = run.stdout[run.stdout.index("WORKFLOW EXECUTION"):]
    for execution in kit.executions(image):
        assert execution["workflowExecutionId"] in summary
    assert f"Image {image}: AVAILABLE" in summary


def test_a_failed_build_exits_1_with_the_reason(stepwise_bin, stepwise, kit: Kit):
    image = start(kit, tags={"stepwise:fail:CreateOutputAMI": "snapshot quota exceeded"})
    run = watch(stepwise_bin, stepwise, image)
    assert run.returncode == 1
    assert "step CreateOutputAMI FAILED" in run.stdout
    assert "ROLLBACK_COMPLETED" in run.stdout
    assert run.stdout.rstrip().endswith("failed with reason: snapshot quota exceeded")


def test_a_waiting_step_is_flagged_and_a_cancelled_build_exits_3(stepwise_bin, stepwise, kit: Kit, imagebuilder):
    workflow = kit.create_workflow(data=GATED, name=unique_name("watched"))
    image = start(kit, workflows=[{"workflowArn": workflow}])
    proc = subprocess.Popen([str(stepwise_bin), "watch", image, "--endpoint-url", stepwise.endpoint,
                             "--interval", "0.05"], stdout=subprocess.PIPE, text=True, env=env())
    seen = []
    try:
        for line in proc.stdout:
            seen.append(line)
            if "step Approval RUNNING (waiting for action)" in line:
                imagebuilder.cancel_image_creation(imageBuildVersionArn=image)
        proc.wait(timeout=30)
    finally:
        proc.kill()
    assert any("(waiting for action)" in l for l in seen)
    assert proc.returncode == 3
    assert any(f"Image {image}: CANCELLED" in l for l in seen)


def test_on_a_terminal_it_draws_progress_bars(stepwise_bin, stepwise, kit: Kit):
    image = start(kit)
    leader, follower = pty.openpty()
    proc = subprocess.Popen([str(stepwise_bin), "watch", image, "--endpoint-url", stepwise.endpoint,
                             "--interval", "0.05"], stdout=follower, stderr=follower, env=env())
    os.close(follower)
    out = b""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        elif proc.poll() is not None:
            break
    proc.wait(timeout=10)
    os.close(leader)
    text = out.decode("utf-8", "replace")
    assert proc.returncode == 0
    assert "BUILD build-image" in text and "] 7/7" in text, text[-2000:]
    assert "\x1b[" in text, "the bars are redrawn in place"
    assert f"Image {image}: AVAILABLE" in text


def test_an_unknown_image_is_an_error(stepwise_bin, stepwise):
    missing = "arn:aws:imagebuilder:us-east-1:123456789012:image/nothing-here/1.0.0/1"
    run = watch(stepwise_bin, stepwise, missing)
    assert run.returncode == 255
    assert "ResourceNotFoundException" in run.stderr and "GetImage" in run.stderr
