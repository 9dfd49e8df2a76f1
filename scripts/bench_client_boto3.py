"""boto3's side of scripts/bench-client.

Lists every step execution of each workflow execution in an ids file with boto3's own
paginator, one execution after another, PageSize N, consuming every page:

    client.get_paginator("list_workflow_step_executions").paginate(
        workflowExecutionId=..., PaginationConfig={"PageSize": N})

A warm-up over the first --warmup executions (same client, not measured) precedes the timed
runs; each timed run prints one RESULT line in the format of stepwise-client-bench.
"""

import argparse
import sys
import time

import boto3
import botocore


def list_all(paginator, ids, page_size):
    pages = items = 0
    for execution_id in ids:
        listed = 0
        for page in paginator.paginate(
            workflowExecutionId=execution_id, PaginationConfig={"PageSize": page_size}
        ):
            pages += 1
            listed += len(page["steps"])
        if listed == 0:
            raise SystemExit(f"error: {execution_id}: no steps listed (wrong region or ids file?)")
        items += listed
    return pages, items


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--ids", required=True)
    parser.add_argument("--executions", type=int)
    parser.add_argument("--reps", type=int, default=1)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--page-size", type=int, default=5)
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--round", default="-")
    args = parser.parse_args()

    with open(args.ids, encoding="utf-8") as f:
        ids = [line.strip() for line in f if line.strip()]
    if args.executions is not None:
        if len(ids) < args.executions:
            sys.exit(f"error: {args.ids} holds {len(ids)} ids, fewer than --executions {args.executions}")
        ids = ids[: args.executions]
    if not ids:
        sys.exit(f"error: {args.ids} holds no ids")

    client = boto3.client(
        "imagebuilder",
        endpoint_url=args.endpoint,
        region_name=args.region,
        aws_access_key_id="stepwise",
        aws_secret_access_key="stepwise",
    )
    paginator = client.get_paginator("list_workflow_step_executions")
    print(f"boto3 {boto3.__version__}, botocore {botocore.__version__}, "
          f"Python {sys.version.split()[0]}", file=sys.stderr)

    list_all(paginator, ids[: args.warmup], args.page_size)
    for rep in range(args.reps):
        cpu_before = time.process_time()
        started = time.perf_counter()
        pages, items = list_all(paginator, ids, args.page_size)
        secs = time.perf_counter() - started
        cpu = time.process_time() - cpu_before
        print(
            f"RESULT paginator=boto3 round={args.round} rep={rep + 1} executions={len(ids)} "
            f"pages={pages} items={items} secs={secs:.6f} pages_per_s={pages / secs:.1f} "
            f"cpu_secs={cpu:.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
