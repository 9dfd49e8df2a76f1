"""Test workflows in a parallel group run at the same time (spec §8.3), on a server at time
scale 0.01 so that overlap is visible; an aborting failure cancels running siblings."""

from __future__ import annotations

from datetime import datetime

import pytest

from stepwise_harness import Kit, make_client, serving, unique_name


def doc_for(prefix: str) -> str:
    return f"""schemaVersion: 1.0
steps:
  - name: {prefix}Launch
    action: LaunchInstance
    inputs:
      waitFor: ssmAgent
  - name: {prefix}Terminate
    action: TerminateInstance
    inputs:
      instanceId.$: $.stepOutputs.{prefix}Launch.instanceId
"""


@pytest.fixture(scope="module")
def slow(stepwise_bin, tmp_path_factory):
    with serving(stepwise_bin, tmp_path_factory, "parallel", time_scale="0.01") as server:
        yield Kit(make_client(server.endpoint))


def started(execution) -> float:
    return datetime.strptime(execution["startTime"], "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()


def test_group_members_overlap_and_groups_keep_their_place(slow: Kit):
    build = slow.create_workflow(3)
    tests = {p: slow.create_workflow(data=doc_for(p), name=unique_name(f"t{p.lower()}"), wf_type="TEST") for p in "ABCD"}
    workflows = [
        {"workflowArn": build},
        {"workflowArn": tests["A"], "parallelGroup": "smoke"},
        {"workflowArn": tests["B"]},
        {"workflowArn": tests["C"], "parallelGroup": "smoke"},
        {"workflowArn": tests["D"], "parallelGroup": "smoke"},
    ]
    built = slow.build(slow.create_recipe(), slow.create_infrastructure(), workflows=workflows)
    assert built.status == "AVAILABLE"
    test_runs = [e for e in built.executions if e["type"] == "TEST"]
    by_arn = {e["workflowBuildVersionArn"].rsplit("/", 1)[0]: e for e in test_runs}
    group = [by_arn[tests[p].rsplit("/", 1)[0]] for p in "ACD"]
    alone = by_arn[tests["B"].rsplit("/", 1)[0]]
    assert all(e["parallelGroup"] == "smoke" for e in group) and "parallelGroup" not in alone
    # Each test workflow takes 0.8 s of real time; the group's members start together.
    starts = [started(e) for e in group]
    assert max(starts) - min(starts) < 0.4, starts
    # The group stands where its first member stood: before the ungrouped B.
    assert started(alone) >= max(starts)


def test_an_aborting_member_cancels_its_running_siblings(slow: Kit):
    build = slow.create_workflow(3)
    quick = slow.create_workflow(data=doc_for("Quick"), name=unique_name("quick"), wf_type="TEST")
    long = slow.create_workflow(data=doc_for("Long"), name=unique_name("long"), wf_type="TEST")
    workflows = [
        {"workflowArn": build},
        {"workflowArn": quick, "parallelGroup": "g"},
        {"workflowArn": long, "parallelGroup": "g"},
    ]
    tags = {"stepwise:fail:QuickLaunch": "no capacity", "stepwise:duration:LongLaunch": "2000"}
    built = slow.build(slow.create_recipe(), slow.create_infrastructure(), workflows=workflows, tags=tags)
    assert built.status == "FAILED"
    statuses = {e["workflowBuildVersionArn"].rsplit("/", 1)[0]: e["status"] for e in built.executions if e["type"] == "TEST"}
    assert statuses[quick.rsplit("/", 1)[0]] == "ROLLBACK_COMPLETED", "its failed launch rolled back"
    assert statuses[long.rsplit("/", 1)[0]] == "CANCELLED"
    assert built.image["state"]["failureContext"]["failedStep"] == "QuickLaunch"
