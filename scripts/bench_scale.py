#!/usr/bin/env python3
"""Measurements of scripts/bench-scale, over raw HTTP on one keep-alive connection.

Standard library only. Every request is unsigned (the server's default region and account).

  bench_scale.py scale  --url U --label L --size N --ids FILE [--calls 200 --warmup 20
                        --op-seconds 20]
      Sequential latency of CreateImage, GetImage, ListImages (maxResults 25),
      ListImageRecipes, ListWorkflows and ListWorkflowExecutions on a seeded store.
  bench_scale.py deep   --url U --label L [--workflows 10000 --page 400 --reps 30]
      Creates the workflows with CreateWorkflow, walks ListWorkflows (maxResults 25) page by
      page, then times page 1 and page --page repeatedly (the token of page --page stays valid).
  bench_scale.py report FILE
      Tables of the RESULT lines collected in FILE, side by side per binary.

Each measurement prints one line:
  RESULT <part> <label> <size> <operation> median_ms=… p90_ms=… n=…
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import statistics
import sys
import time
import urllib.parse
import uuid
from collections import defaultdict

PARENT_IMAGE = "ami-0123456789abcdef0"
BUILD_COMPONENT_ARN = "arn:aws:imagebuilder:us-east-1:aws:component/update-linux/x.x.x"
PAGE_SIZE = 25


class Client:
    """One keep-alive HTTP/1.1 connection; reconnects once if the server closed it."""

    def __init__(self, url: str) -> None:
        u = urllib.parse.urlsplit(url)
        self.host, self.port = u.hostname, u.port
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=120)

    def call(self, method: str, path: str, body: dict | None = None) -> dict:
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if data is not None else {}
        for attempt in (0, 1):
            try:
                self.conn.request(method, path, body=data, headers=headers)
                resp = self.conn.getresponse()
                raw = resp.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                if attempt:
                    raise
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
        if resp.status != 200:
            raise RuntimeError(f"{method} {path} -> {resp.status}: {raw[:400]!r}")
        return json.loads(raw) if raw else {}


def pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, max(0, int(round(q * (len(s) - 1)))))]


def emit(part: str, label: str, size: int, op: str, samples_s: list[float]) -> None:
    ms = [x * 1000 for x in samples_s]
    print(
        f"RESULT {part} {label} {size} {op} median_ms={statistics.median(ms):.3f} "
        f"p90_ms={pct(ms, 0.9):.3f} n={len(ms)}",
        flush=True,
    )


def timed(fn, calls: int, warmup: int, budget_s: float = 0.0, min_calls: int = 5) -> list[float]:
    """`calls` timed calls after `warmup` untimed ones. With a budget, the warm-up stops after a
    quarter of it and the timed calls once it is spent (but not before `min_calls`), so that an
    operation that grows linearly with the store still finishes on a big one."""
    start = time.perf_counter()
    done = 0
    for i in range(warmup):
        fn(i)
        done += 1
        if budget_s and time.perf_counter() - start > budget_s / 4:
            break
    out = []
    start = time.perf_counter()
    for i in range(calls):
        t0 = time.perf_counter()
        fn(done + i)
        out.append(time.perf_counter() - t0)
        if budget_s and len(out) >= min_calls and time.perf_counter() - start > budget_s:
            break
    return out


# ---- A: scaling ---------------------------------------------------------------------------


def cmd_scale(a: argparse.Namespace) -> None:
    c = Client(a.url)
    rng = random.Random(7)
    with open(a.ids) as f:
        ids = [line.strip() for line in f if line.strip()]
    # Image build version ARNs of seeded images (setup, not timed): via their executions.
    sample = rng.sample(ids, min(len(ids), 50))
    arns = []
    for wid in sample:
        r = c.call("GET", "/GetWorkflowExecution?workflowExecutionId=" + urllib.parse.quote(wid, safe=""))
        arns.append(r["imageBuildVersionArn"])
    arns = sorted(set(arns))
    suffix = uuid.uuid4().hex[:8]
    recipe = c.call("PUT", "/CreateImageRecipe", {
        "name": f"bench-scale-{suffix}", "semanticVersion": "1.0.0", "parentImage": PARENT_IMAGE,
        "components": [{"componentArn": BUILD_COMPONENT_ARN}], "clientToken": str(uuid.uuid4()),
    })["imageRecipeArn"]
    infra = c.call("PUT", "/CreateInfrastructureConfiguration", {
        "name": f"bench-scale-{suffix}", "instanceProfileName": "EC2InstanceProfileForImageBuilder",
        "clientToken": str(uuid.uuid4()),
    })["infrastructureConfigurationArn"]

    def get_image(i: int) -> None:
        c.call("GET", "/GetImage?imageBuildVersionArn=" + urllib.parse.quote(arns[i % len(arns)], safe=""))

    def list_executions(i: int) -> None:
        c.call("POST", "/ListWorkflowExecutions",
               {"imageBuildVersionArn": arns[i % len(arns)], "maxResults": PAGE_SIZE})

    def create_image(i: int) -> None:
        c.call("PUT", "/CreateImage", {"imageRecipeArn": recipe, "infrastructureConfigurationArn": infra,
                                       "clientToken": f"bench-{suffix}-{i}"})

    ops = [
        ("GetImage", get_image),
        ("ListImages", lambda i: c.call("POST", "/ListImages", {"maxResults": PAGE_SIZE})),
        ("ListImageRecipes", lambda i: c.call("POST", "/ListImageRecipes", {"maxResults": PAGE_SIZE})),
        ("ListWorkflows", lambda i: c.call("POST", "/ListWorkflows", {"maxResults": PAGE_SIZE})),
        ("ListWorkflowExecutions", list_executions),
        # Last: the images it creates (parked by the server's large time scale) add to the store.
        ("CreateImage", create_image),
    ]
    for name, fn in ops:
        emit("A", a.label, a.size, name, timed(fn, a.calls, a.warmup, a.op_seconds))


# ---- B: deep pages ------------------------------------------------------------------------


def workflow_document() -> str:
    return (
        "schemaVersion: 1.0\n"
        "steps:\n"
        "  - name: Launch\n"
        "    action: LaunchInstance\n"
        "    inputs:\n"
        "      waitFor: ssmAgent\n"
        "  - name: Terminate\n"
        "    action: TerminateInstance\n"
        "    inputs:\n"
        "      instanceId.$: $.stepOutputs.Launch.instanceId\n"
    )


def cmd_deep(a: argparse.Namespace) -> None:
    c = Client(a.url)
    doc = workflow_document()
    t0 = time.perf_counter()
    for i in range(a.workflows):
        c.call("PUT", "/CreateWorkflow", {
            "name": f"bench-wf-{i:06d}", "semanticVersion": "1.0.0", "type": "BUILD",
            "data": doc, "clientToken": f"bench-wf-{i}",
        })
    created = time.perf_counter() - t0
    print(f"created {a.workflows} workflows in {created:.1f} s "
          f"({created * 1000 / max(1, a.workflows):.2f} ms each)", flush=True)

    # One full walk: page count and the token that fetches page a.page.
    token, pages, items, page_token = None, 0, 0, None
    walk_t = []
    while True:
        body = {"maxResults": PAGE_SIZE}
        if token:
            body["nextToken"] = token
        if pages + 1 == a.page:
            page_token = token
        t = time.perf_counter()
        r = c.call("POST", "/ListWorkflows", body)
        walk_t.append(time.perf_counter() - t)
        pages += 1
        items += len(r.get("workflowVersionList", []))
        token = r.get("nextToken")
        if not token:
            break
    print(f"walk: {pages} pages, {items} workflow versions, {sum(walk_t):.2f} s "
          f"(first page {walk_t[0] * 1000:.2f} ms, last {walk_t[-1] * 1000:.2f} ms)", flush=True)
    if page_token is None:
        print(f"error: fewer than {a.page} pages", file=sys.stderr)
        sys.exit(1)

    def page(tok):
        body = {"maxResults": PAGE_SIZE}
        if tok:
            body["nextToken"] = tok
        return lambda i: c.call("POST", "/ListWorkflows", body)

    # Alternate the two so drift in machine load hits both alike.
    p1, pn = [], []
    for _ in range(a.warmup):
        page(None)(0)
        page(page_token)(0)
    for _ in range(a.reps):
        p1 += timed(page(None), 1, 0)
        pn += timed(page(page_token), 1, 0)
    emit("B", a.label, a.workflows, "ListWorkflows-page1", p1)
    emit("B", a.label, a.workflows, f"ListWorkflows-page{a.page}", pn)


# ---- report -------------------------------------------------------------------------------


def cmd_report(a: argparse.Namespace) -> None:
    res: dict = {}
    labels: list[str] = []
    rss: dict = {}
    for line in open(a.file):
        if line.startswith("PEAKRSS "):
            _, label, size, mib = line.split()
            rss[label, int(size)] = float(mib)
        if not line.startswith("RESULT "):
            continue
        _, part, label, size, op, *kv = line.split()
        f = dict(x.split("=", 1) for x in kv)
        res[(part, label, int(size), op)] = (float(f["median_ms"]), float(f["p90_ms"]), int(f["n"]))
        if label not in labels:
            labels.append(label)

    a_keys = [k for k in res if k[0] == "A"]
    if a_keys:
        sizes = sorted({k[2] for k in a_keys})
        ops = []
        for k in a_keys:
            if k[3] not in ops:
                ops.append(k[3])
        base = sizes[0]
        print(f"== A. scaling: sequential latency, ms (median / p90), ratio = median / median at {base} images")
        head = f"{'operation':<24}{'images':>8}"
        for lb in labels:
            head += f"  {lb + ' median':>17}{'p90':>11}{'n':>5}{'ratio':>9}"
        if len(labels) == 2:
            head += f"  {labels[0] + '/' + labels[1]:>14}"
        print(head)
        worst = defaultdict(float)
        for op in ops:
            for s in sizes:
                row = f"{op:<24}{s:>8}"
                meds = []
                for lb in labels:
                    v = res.get(("A", lb, s, op))
                    b = res.get(("A", lb, base, op))
                    if v is None:
                        row += f"  {'-':>17}{'-':>11}{'-':>5}{'-':>9}"
                        meds.append(None)
                        continue
                    r = v[0] / b[0] if b else float("nan")
                    worst[lb, op] = max(worst[lb, op], r)
                    row += f"  {v[0]:>17.3f}{v[1]:>11.3f}{v[2]:>5}{r:>9.2f}"
                    meds.append(v[0])
                if len(labels) == 2 and None not in meds:
                    row += f"  {meds[0] / meds[1]:>14.2f}"
                print(row)
        print()
        print(f"target: every operation's median within 2x of its {base}-image figure")
        for lb in labels:
            missed = [f"{op} ({worst[lb, op]:.2f}x)" for op in ops if worst[lb, op] > 2.0]
            print(f"  {lb}: " + ("met" if not missed else "MISSED by " + ", ".join(missed)))
        if rss:
            print("server peak RSS (VmHWM) after the operations, MiB: " + "; ".join(
                f"{lb} " + ", ".join(f"{s}: {rss[lb, s]:.0f}" for s in sizes if (lb, s) in rss)
                for lb in labels))
        print()

    b_keys = [k for k in res if k[0] == "B"]
    if b_keys:
        print("== B. deep pages: ListWorkflows maxResults 25, ms (median / p90)")
        ops = sorted({k[3] for k in b_keys}, key=lambda o: int(o.split("page")[-1]))
        for lb in labels:
            vals = {k[3]: (k[2], res[k]) for k in b_keys if k[1] == lb}
            if not vals:
                continue
            n = next(iter(vals.values()))[0]
            parts = [f"{op.split('-')[-1]} {v[0]:.3f} / {v[1]:.3f}" for op, (_, v) in
                     ((o, vals[o]) for o in ops if o in vals)]
            first, last = vals.get(ops[0]), vals.get(ops[-1])
            ratio = last[1][0] / first[1][0] if first and last else float("nan")
            print(f"  {lb:<10} {n} workflows: " + ", ".join(parts) + f"; {ops[-1].split('-')[-1]} / page1 = {ratio:.2f}x")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("scale")
    s.add_argument("--url", required=True)
    s.add_argument("--label", required=True)
    s.add_argument("--size", type=int, required=True)
    s.add_argument("--ids", required=True)
    s.add_argument("--calls", type=int, default=200)
    s.add_argument("--warmup", type=int, default=20)
    s.add_argument("--op-seconds", type=float, default=20.0,
                   help="time budget of each operation's timed calls (0: none)")
    d = sub.add_parser("deep")
    d.add_argument("--url", required=True)
    d.add_argument("--label", required=True)
    d.add_argument("--workflows", type=int, default=10000)
    d.add_argument("--page", type=int, default=400)
    d.add_argument("--reps", type=int, default=30)
    d.add_argument("--warmup", type=int, default=3)
    r = sub.add_parser("report")
    r.add_argument("file")
    a = p.parse_args()
    {"scale": cmd_scale, "deep": cmd_deep, "report": cmd_report}[a.cmd](a)


if __name__ == "__main__":
    main()
