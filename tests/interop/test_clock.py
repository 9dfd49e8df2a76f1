"""The service's clock: `/_stepwise/clock` and `stepwise clock` show and move it (forward only),
`--clock-start` starts it, the move survives a restart, every timestamp reads it, and moving it
ends the steps whose time has come."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request
from datetime import datetime, timedelta, timezone

import pytest

from stepwise_harness import Kit, serving, wait_for

START = "2027-01-01T00:00:00Z"


@pytest.fixture(scope="module")
def stepwise(stepwise_bin, tmp_path_factory):
    """A server whose clock starts in 2027 and whose steps take real time (one simulated second
    is one real second), so that only a clock move can finish a build quickly."""
    with serving(stepwise_bin, tmp_path_factory, "stepwise-clock", time_scale="1",
                 extra_args=["--clock-start", START]) as server:
        yield server


def clock(stepwise, body: dict | None = None) -> tuple[int, dict]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(stepwise.endpoint + "/_stepwise/clock", data=data,
                                     method="GET" if body is None else "POST")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        with err:
            return err.code, json.loads(err.read())


def parse(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


def test_the_clock_starts_where_it_is_told_and_moves_forward_only(stepwise):
    status, body = clock(stepwise)
    assert status == 200
    now = parse(body["now"])
    assert datetime(2027, 1, 1, tzinfo=timezone.utc) <= now < datetime(2027, 1, 1, 0, 10, tzinfo=timezone.utc)
    status, body = clock(stepwise, {"advanceSeconds": 3600})
    assert status == 200 and parse(body["now"]) - now >= timedelta(hours=1)
    status, body = clock(stepwise, {"set": "2027-02-01T00:00:00+01:00"})
    assert status == 200 and body["now"].startswith("2027-01-31T23:00:00")
    for bad, words in [({"set": "2026-06-01T00:00:00Z"}, "only moves forward"),
                       ({"advanceSeconds": -1}, "only moves forward"),
                       ({"set": "soon"}, "ISO-8601"),
                       ({"advanceSeconds": 1, "set": START}, "The body must be"),
                       ({"set": "2200-01-01T00:00:00Z"}, "the last time the clock moves to"),
                       ({"advanceSeconds": 1e15}, "too far"),
                       ({}, "The body must be")]:
        status, body = clock(stepwise, bad)
        assert status == 400 and words in body["message"], (bad, body)
        assert body["__type"] == "InvalidRequestException"
    assert clock(stepwise)[1]["now"] >= "2027-01-31T23:00:00"


def test_timestamps_read_the_clock_and_a_restart_keeps_it(stepwise, kit: Kit, imagebuilder):
    clock(stepwise, {"set": "2027-03-01T12:00:00Z"})
    infra = kit.create_infrastructure()
    created = imagebuilder.get_infrastructure_configuration(
        infrastructureConfigurationArn=infra)["infrastructureConfiguration"]["dateCreated"]
    assert created.startswith("2027-03-01T12:0"), created
    stepwise.restart()
    assert clock(stepwise)[1]["now"].startswith("2027-03-01T12:0")
    # A pagination token lives 24 hours of the service's time.
    for _ in range(2):
        kit.create_infrastructure()
    token = imagebuilder.list_infrastructure_configurations(maxResults=1)["nextToken"]
    clock(stepwise, {"advanceSeconds": 2 * 86400})
    with pytest.raises(imagebuilder.exceptions.InvalidPaginationTokenException):
        imagebuilder.list_infrastructure_configurations(maxResults=1, nextToken=token)


def test_moving_the_clock_ends_the_steps_whose_time_has_come(stepwise, kit: Kit, imagebuilder):
    image = kit.create_image(kit.create_recipe(), kit.create_infrastructure())
    wait_for(lambda: imagebuilder.get_image(imageBuildVersionArn=image)["image"]["state"]["status"] == "BUILDING",
             "the build to start")
    started = time.monotonic()
    # A default build takes about 20 simulated minutes, here 20 real ones: an hour's move
    # (several, as each step starts on the new clock) ends it.
    def moved_and_done():
        clock(stepwise, {"advanceSeconds": 3600})
        return imagebuilder.get_image(imageBuildVersionArn=image)["image"]["state"]["status"] == "AVAILABLE"
    wait_for(moved_and_done, "the build to end", timeout=60)
    assert time.monotonic() - started < 60


def test_stepwise_clock_shows_and_moves_it(stepwise, stepwise_bin):
    def run(*args):
        return subprocess.run([str(stepwise_bin), "clock", *args, "--endpoint-url", stepwise.endpoint],
                              capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    before = parse(run("show").stdout.strip())
    after = parse(run("advance", "1d12h").stdout.strip())
    assert after - before >= timedelta(days=1, hours=12)
    done = run("set", "2020-01-01T00:00:00Z")
    assert done.returncode == 255 and "only moves forward" in done.stderr
    done = run("advance", "soon")
    assert done.returncode == 2 and "not a duration" in done.stderr
