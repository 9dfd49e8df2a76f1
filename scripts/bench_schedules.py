"""The body of scripts/bench-schedules (see there)."""

from __future__ import annotations

import json
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import uuid

OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def call(endpoint: str, method: str, path: str, body: dict | None = None) -> dict:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(endpoint + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    with OPENER.open(request, timeout=60) as response:
        return json.loads(response.read())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else float("nan")


def main() -> int:
    binary, count = sys.argv[1], int(sys.argv[2])
    data = tempfile.mkdtemp(prefix="stepwise-bench-schedules-")
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([binary, "serve", "--listen", f"127.0.0.1:{port}", "--data-dir", data,
                               "--time-scale", "0", "--clock-start", "2027-01-01T12:00:00Z"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                call(endpoint, "GET", "/_stepwise/health")
                break
            except OSError:
                time.sleep(0.1)
        recipe = call(endpoint, "PUT", "/CreateImageRecipe", {
            "name": "bench", "semanticVersion": "1.0.0", "parentImage": "ami-0123456789abcdef0",
            "components": [{"componentArn": "arn:aws:imagebuilder:us-east-1:aws:component/update-linux/x.x.x"}],
            "clientToken": str(uuid.uuid4())})["imageRecipeArn"]
        infra = call(endpoint, "PUT", "/CreateInfrastructureConfiguration", {
            "name": "bench", "instanceProfileName": "p", "clientToken": str(uuid.uuid4())})["infrastructureConfigurationArn"]
        image = call(endpoint, "PUT", "/CreateImage", {"imageRecipeArn": recipe, "infrastructureConfigurationArn": infra,
                                                       "clientToken": str(uuid.uuid4())})["imageBuildVersionArn"]
        while call(endpoint, "GET", f"/GetImage?imageBuildVersionArn={urllib.parse.quote(image, safe='')}")["image"]["state"]["status"] != "AVAILABLE":
            time.sleep(0.05)
        execution = call(endpoint, "POST", "/ListWorkflowExecutions",
                         {"imageBuildVersionArn": image})["workflowExecutions"][0]["workflowExecutionId"]
        started = time.monotonic()
        for i in range(count):
            call(endpoint, "PUT", "/CreateImagePipeline", {
                "name": f"bench-{i:05}", "imageRecipeArn": recipe, "infrastructureConfigurationArn": infra,
                "schedule": {"scheduleExpression": "cron(0 0 * * ? *)",
                             "pipelineExecutionStartCondition": "EXPRESSION_MATCH_ONLY"},
                "clientToken": str(uuid.uuid4())})
        created_in = time.monotonic() - started

        latencies: dict[str, list[float]] = {"before": [], "burst": []}
        phase = ["before"]
        stop = threading.Event()

        def reader() -> None:
            while not stop.is_set():
                t = time.perf_counter()
                call(endpoint, "POST", "/ListWorkflowStepExecutions",
                     {"workflowExecutionId": execution, "maxResults": 10})
                latencies[phase[0]].append((time.perf_counter() - t) * 1000)

        thread = threading.Thread(target=reader)
        thread.start()
        time.sleep(3)
        phase[0] = "burst"
        version = image.rsplit("/", 1)[0]
        moved = time.monotonic()
        call(endpoint, "POST", "/_stepwise/clock", {"advanceSeconds": 86400})

        def builds() -> int:
            total, token = 0, None
            while True:
                body = {"imageVersionArn": version, "maxResults": 100}
                if token:
                    body["nextToken"] = token
                page = call(endpoint, "POST", "/ListImageBuildVersions", body)
                total += len(page["imageSummaryList"])
                token = page.get("nextToken")
                if not token:
                    return total

        while builds() < count + 1:
            time.sleep(0.2)
        all_started = time.monotonic() - moved
        stop.set()
        thread.join()
        before, burst = latencies["before"], latencies["burst"]
        print(f"pipelines created: {count} in {created_in:.1f} s")
        print(f"clock moved a day: {count} scheduled builds started in {all_started:.1f} s "
              f"({count / all_started:.0f} starts/s)")
        print("ListWorkflowStepExecutions latency, ms      n      p50     p99")
        for name, values in (("before the burst (baseline)", before), ("during the burst", burst)):
            print(f"  {name:<28} {len(values):6d} {statistics.median(values):8.2f} {percentile(values, 99):7.2f}")
        print(f"p99 ratio burst / baseline: {percentile(burst, 99) / percentile(before, 99):.2f}")
        return 0
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
