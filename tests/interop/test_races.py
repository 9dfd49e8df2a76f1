"""Concurrent callers on one resource: what a correct serial order guarantees must hold however
the requests interleave (check-then-act inside one transaction, nothing lost, nothing doubled).

Each test releases a burst of boto3 callers at once (one client per thread, all created and
connected beforehand, their requests built and signed, then sent together past a
threading.Barrier), repeats the burst on fresh names, and asserts the outcome of every burst. The module's server runs at time scale 0; the
images that must stay unfinished park at a WaitForAction step, which at scale 0 waits until it
is actioned, so no build is left running against the clock and nothing waits on timing.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from typing import Any, Callable

import pytest
from botocore.exceptions import ClientError

from stepwise_harness import (
    BUILD_COMPONENT_ARN,
    PARENT_IMAGE,
    Kit,
    image_version_arn,
    make_client,
    GATED_TEST_WORKFLOW as GATED_TEST,
    GATED_WORKFLOW,
    unique_name,
    wait_for,
    workflow_document,
)

POOL_SIZE = 50
BURSTS = 5  # bursts per test (fresh names each); a lost race shows in any of them
BARRIER_TIMEOUT_SECS = 60.0

# --------------------------------------------------------------------------- bursts


class Outcome:
    """One caller's result: a response (ok) or a modelled error (code, message), or any other
    exception (code "<ExceptionType>")."""

    def __init__(self, response: dict[str, Any] | None = None, code: str | None = None, message: str = "") -> None:
        self.response = response
        self.code = code
        self.message = message

    @property
    def ok(self) -> bool:
        return self.code is None

    def body(self) -> dict[str, Any]:
        """The response without what differs per request (requestId, ResponseMetadata)."""
        assert self.response is not None
        return {k: v for k, v in self.response.items() if k not in ("ResponseMetadata", "requestId")}

    def __repr__(self) -> str:
        return f"ok {self.body()}" if self.ok else f"{self.code}: {self.message}"


def tally(outcomes: list[Outcome]) -> Counter:
    return Counter("ok" if o.ok else o.code for o in outcomes)


def burst(clients: list, calls: list[Callable[[Any], Any]]) -> list[Outcome]:
    """Runs calls[i](clients[i]) in len(calls) threads released together; the outcomes in order.

    The barrier is crossed in botocore's `before-send` event of each thread's first request, so
    every request is already serialized and signed when the threads are released and they reach
    the server within a millisecond or so of each other, not spread over the time boto3 takes to
    build 50 requests one after another under the GIL."""
    assert len(calls) <= len(clients), f"{len(calls)} callers, {len(clients)} clients"
    barrier = threading.Barrier(len(calls))
    outcomes: list[Outcome | None] = [None] * len(calls)

    def run(i: int) -> None:
        client = clients[i]
        crossed = False

        def hold(**_: Any) -> None:
            nonlocal crossed
            if not crossed:
                crossed = True
                barrier.wait(BARRIER_TIMEOUT_SECS)

        client.meta.events.register("before-send.imagebuilder", hold, unique_id=f"races-hold-{i}")
        try:
            outcomes[i] = Outcome(response=calls[i](client))
        except ClientError as exc:
            err = exc.response.get("Error", {})
            outcomes[i] = Outcome(code=err.get("Code", "?"), message=err.get("Message", ""))
        except Exception as exc:  # noqa: BLE001 - reported, not swallowed
            outcomes[i] = Outcome(code=f"<{type(exc).__name__}>", message=str(exc))
        finally:
            client.meta.events.unregister("before-send.imagebuilder", unique_id=f"races-hold-{i}")
            if not crossed:  # nothing was sent (refused before sending): still count at the barrier
                crossed = True
                try:
                    barrier.wait(BARRIER_TIMEOUT_SECS)
                except threading.BrokenBarrierError:
                    pass

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(BARRIER_TIMEOUT_SECS + 120)
    assert all(not t.is_alive() for t in threads), "a caller never returned"
    assert all(o is not None for o in outcomes)
    return outcomes  # type: ignore[return-value]


def same_call(n: int, call: Callable[[Any], Any]) -> list[Callable[[Any], Any]]:
    return [call] * n


def identical_successes(outcomes: list[Outcome], what: str, problems: list[str]) -> dict[str, Any] | None:
    """The one response every caller got; otherwise None, with the problem (counts, the first
    failure, the distinct responses) added to `problems`."""
    counts = tally(outcomes)
    failures = [o for o in outcomes if not o.ok]
    if failures:
        problems.append(f"{what}: {dict(counts)}; first failure: {failures[0]!r}")
        return None
    bodies = {repr(sorted(o.body().items())) for o in outcomes}
    if len(bodies) != 1:
        problems.append(f"{what}: {len(bodies)} different responses: {sorted(bodies)[:3]}")
        return None
    return outcomes[0].body()


def assert_no_problems(problems: list[str], bursts: int) -> None:
    assert not problems, f"{len(problems)} of {bursts} bursts went wrong:\n" + "\n".join(problems)




# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def clients(stepwise) -> list:
    """POOL_SIZE clients on the module's server, each with an open connection."""
    pool = [make_client(stepwise.endpoint) for _ in range(POOL_SIZE)]
    burst(pool, same_call(POOL_SIZE, lambda c: c.list_workflows(maxResults=1)))
    return pool


@pytest.fixture(scope="module")
def gated_build(kit: Kit) -> str:
    return kit.create_workflow(data=GATED_WORKFLOW, name=unique_name("race-gated"))


def gated_images(kit: Kit, workflow: str, count: int) -> list[tuple[str, dict[str, Any]]]:
    """`count` images, each on its own recipe, each parked at its gate: (image ARN, waiting step)."""
    infra = kit.create_infrastructure()
    images = [kit.create_image(kit.create_recipe(), infra, workflows=[{"workflowArn": workflow}]) for _ in range(count)]
    return [(arn, wait_for(lambda: kit.waiting_step(arn), f"the gate of {arn}")) for arn in images]


def build_numbers(client, image_version: str) -> list[int]:
    pages = client.get_paginator("list_image_build_versions").paginate(imageVersionArn=image_version)
    return sorted(int(s["arn"].rsplit("/", 1)[1]) for page in pages for s in page["imageSummaryList"])


# --------------------------------------------------------------------------- 1. CreateImage, distinct tokens


def test_concurrent_create_image_numbers_builds_one_to_n(imagebuilder, kit: Kit, clients, gated_build):
    """Every caller gets its own build of the recipe's image; the build versions are exactly 1..N."""
    sizes = [20, 20, 20, 40]
    problems: list[str] = []
    for round_, callers in enumerate(sizes):
        recipe, infra = kit.create_recipe(), kit.create_infrastructure()

        def create(client):
            return client.create_image(imageRecipeArn=recipe, infrastructureConfigurationArn=infra,
                                       workflows=[{"workflowArn": gated_build}], clientToken=str(uuid.uuid4()))

        outcomes = burst(clients, same_call(callers, create))
        what = f"burst {round_} ({callers} callers)"
        failures = [o for o in outcomes if not o.ok]
        if failures:
            problems.append(f"{what}: {dict(tally(outcomes))}; first failure: {failures[0]!r}")
            continue
        arns = [o.response["imageBuildVersionArn"] for o in outcomes]
        numbers = sorted(int(a.rsplit("/", 1)[1]) for a in arns)
        listed = build_numbers(imagebuilder, image_version_arn(arns[0]))
        if numbers != list(range(1, callers + 1)) or listed != numbers:
            problems.append(f"{what}: build versions returned {numbers}, listed {listed}")
    assert_no_problems(problems, len(sizes))


# --------------------------------------------------------------------------- 2. CreateImage, one token


def test_concurrent_create_image_with_one_token_creates_one_image(imagebuilder, kit: Kit, clients, gated_build):
    """50 callers, one clientToken: one image (build 1), and every caller gets its response."""
    bursts = BURSTS
    problems: list[str] = []
    for round_ in range(bursts):
        recipe, infra = kit.create_recipe(), kit.create_infrastructure()
        token = str(uuid.uuid4())

        def create(client):
            return client.create_image(imageRecipeArn=recipe, infrastructureConfigurationArn=infra,
                                       workflows=[{"workflowArn": gated_build}], clientToken=token)

        outcomes = burst(clients, same_call(POOL_SIZE, create))
        what = f"burst {round_}"
        created = sorted({o.response["imageBuildVersionArn"] for o in outcomes if o.ok})
        listed = build_numbers(imagebuilder, image_version_arn(created[0])) if created else []
        if listed != [1]:
            problems.append(f"{what}: {len(listed)} images created (builds {listed}); "
                            f"{len(created)} distinct ARNs returned; {dict(tally(outcomes))}")
            continue
        body = identical_successes(outcomes, what, problems)
        if body is not None and (body["clientToken"] != token or not body["imageBuildVersionArn"].endswith("/1")):
            problems.append(f"{what}: response {body}")
    assert_no_problems(problems, bursts)


# --------------------------------------------------------------------------- 3. other creates, one token


def _create_infrastructure(name: str, token: str):
    def call(client):
        return client.create_infrastructure_configuration(
            name=name, instanceProfileName="EC2InstanceProfileForImageBuilder", clientToken=token)
    return call


def _count_infrastructure(client, name: str) -> int:
    resp = client.list_infrastructure_configurations(filters=[{"name": "name", "values": [name]}])
    return len(resp["infrastructureConfigurationSummaryList"])


def _create_recipe(name: str, token: str):
    def call(client):
        return client.create_image_recipe(
            name=name, semanticVersion="1.0.0", parentImage=PARENT_IMAGE,
            components=[{"componentArn": BUILD_COMPONENT_ARN}], clientToken=token)
    return call


def _count_recipes(client, name: str) -> int:
    resp = client.list_image_recipes(filters=[{"name": "name", "values": [name]}])
    return len(resp["imageRecipeSummaryList"])


def _create_workflow(name: str, token: str):
    def call(client):
        return client.create_workflow(name=name, semanticVersion="1.0.0", type="BUILD",
                                      data=workflow_document(3), clientToken=token)
    return call


def _count_workflows(client, name: str) -> int:
    arn = f"arn:aws:imagebuilder:us-east-1:123456789012:workflow/build/{name}/1.0.0"
    return len(client.list_workflow_build_versions(workflowVersionArn=arn)["workflowSummaryList"])


def _create_distribution(name: str, token: str):
    def call(client):
        return client.create_distribution_configuration(
            name=name, clientToken=token,
            distributions=[{"region": "us-east-1", "amiDistributionConfiguration": {"name": "out-{{imagebuilder:buildDate}}"}}])
    return call


def _count_distributions(client, name: str) -> int:
    resp = client.list_distribution_configurations(filters=[{"name": "name", "values": [name]}])
    return len(resp["distributionConfigurationSummaryList"])


CREATES = {
    "infrastructure": (_create_infrastructure, _count_infrastructure),
    "recipe": (_create_recipe, _count_recipes),
    "workflow": (_create_workflow, _count_workflows),
    "distribution": (_create_distribution, _count_distributions),
}


@pytest.mark.parametrize("kind", list(CREATES))
def test_concurrent_create_with_one_token_replays_one_response(imagebuilder, clients, kind):
    """50 callers, one clientToken: every caller gets the one response, one resource exists."""
    create, count = CREATES[kind]
    bursts = BURSTS
    problems: list[str] = []
    for round_ in range(bursts):
        name = unique_name(f"race-{kind}")
        token = str(uuid.uuid4())
        what = f"{kind} burst {round_}"
        body = identical_successes(burst(clients, same_call(POOL_SIZE, create(name, token))), what, problems)
        if body is not None and body["clientToken"] != token:
            problems.append(f"{what}: response {body}")
        if (found := count(imagebuilder, name)) != 1:
            problems.append(f"{what}: {found} resources named {name}")
    assert_no_problems(problems, bursts)


# --------------------------------------------------------------------------- 4. SendWorkflowStepAction, one token


def test_concurrent_step_action_with_one_token_replays_one_response(imagebuilder, kit: Kit, clients, gated_build):
    """50 callers RESUME one waiting step with one clientToken: all get the one response."""
    parked = gated_images(kit, gated_build, BURSTS)
    problems: list[str] = []
    for round_, (image, gate) in enumerate(parked):
        token = str(uuid.uuid4())

        def resume(client):
            return client.send_workflow_step_action(
                stepExecutionId=gate["stepExecutionId"], imageBuildVersionArn=image, action="RESUME",
                reason="approved once", clientToken=token)

        body = identical_successes(burst(clients, same_call(POOL_SIZE, resume)), f"burst {round_}", problems)
        expected = {"stepExecutionId": gate["stepExecutionId"], "imageBuildVersionArn": image, "clientToken": token}
        if body is not None and body != expected:
            problems.append(f"burst {round_}: response {body}")
    assert_no_problems(problems, len(parked))
    for image, gate in parked:
        assert kit.wait_image(image)["state"]["status"] == "AVAILABLE"
        step = imagebuilder.get_workflow_step_execution(stepExecutionId=gate["stepExecutionId"])
        assert step["status"] == "COMPLETED"


# --------------------------------------------------------------------------- 5. RetryImage, distinct tokens


def test_concurrent_retries_of_one_failed_image_retry_it_once(imagebuilder, kit: Kit, clients):
    """20 callers retry one FAILED image (its test stage failed): exactly one succeeds, the others
    are refused as not retryable. The retried test stage parks at its gate again, so after the
    first retry the image is TESTING and no other retry may succeed in any serial order."""
    build = kit.create_workflow(3)
    test = kit.create_workflow(data=GATED_TEST, name=unique_name("race-gated-test"), wf_type="TEST")
    workflows = [{"workflowArn": build}, {"workflowArn": test}]
    infra = kit.create_infrastructure()
    images = [kit.create_image(kit.create_recipe(), infra, workflows=workflows) for _ in range(BURSTS)]
    for image in images:
        gate = wait_for(lambda: kit.waiting_step(image), "the test gate")
        imagebuilder.send_workflow_step_action(stepExecutionId=gate["stepExecutionId"], imageBuildVersionArn=image,
                                               action="STOP", reason="flaky test")
    for image in images:
        assert kit.wait_image(image)["state"]["status"] == "FAILED"

    callers = 20
    problems: list[str] = []
    for round_, image in enumerate(images):
        def retry(client):
            return client.retry_image(imageBuildVersionArn=image, clientToken=str(uuid.uuid4()))

        outcomes = burst(clients, same_call(callers, retry))
        what = f"burst {round_} ({callers} callers)"
        counts = tally(outcomes)
        if counts["ok"] != 1:
            problems.append(f"{what}: {counts['ok']} retries succeeded; {dict(counts)}")
        wrong = [o for o in outcomes if not o.ok and not (
            o.code == "InvalidRequestException" and "Only images that failed or were cancelled" in o.message)]
        if wrong:
            problems.append(f"{what}: unexpected refusal {wrong[0]!r}")
        executions = [(e["type"], e["retried"]) for e in kit.executions(image)]
        if executions != [("BUILD", False), ("TEST", True), ("TEST", False)]:
            problems.append(f"{what}: executions (type, retried) {executions}")
    assert_no_problems(problems, len(images))


# --------------------------------------------------------------------------- 6. DeleteImageRecipe vs CreateImageRecipe


def test_concurrent_recipe_deletes_and_creates_balance(imagebuilder, kit: Kit, clients):
    """10 deleters and 10 creators of one recipe, each looping: in any serial order the recipe
    alternates between absent and present, so successful deletes never outnumber successful
    creates (plus the one that existed at the start), nor creates deletes (plus one), and the
    final state follows from the counts."""
    loops, bursts = 5, 3
    problems: list[str] = []
    for round_ in range(bursts):
        name = unique_name("race-churn")
        arn = kit.create_recipe(name)
        errors: Counter = Counter()
        lock = threading.Lock()

        def creator(client):
            done = 0
            for _ in range(loops):
                try:
                    _create_recipe(name, str(uuid.uuid4()))(client)
                    done += 1
                except client.exceptions.ResourceAlreadyExistsException:
                    pass
                except ClientError as exc:
                    with lock:
                        errors[f"create: {exc.response['Error']['Code']}"] += 1
            return {"creates": done}

        def deleter(client):
            done = 0
            for _ in range(loops):
                try:
                    client.delete_image_recipe(imageRecipeArn=arn)
                    done += 1
                except client.exceptions.ResourceNotFoundException:
                    pass
                except ClientError as exc:
                    with lock:
                        errors[f"delete: {exc.response['Error']['Code']}"] += 1
            return {"deletes": done}

        outcomes = burst(clients, [creator, deleter] * 10)
        assert all(o.ok for o in outcomes), [o for o in outcomes if not o.ok]
        creates = sum(o.response.get("creates", 0) for o in outcomes)
        deletes = sum(o.response.get("deletes", 0) for o in outcomes)
        try:
            imagebuilder.get_image_recipe(imageRecipeArn=arn)
            exists = True
        except imagebuilder.exceptions.ResourceNotFoundException:
            exists = False
        listed = _count_recipes(imagebuilder, name)
        summary = (f"burst {round_}: {creates} creates and {deletes} deletes succeeded (1 existed at the start), "
                   f"exists now: {exists}, listed: {listed}")
        if errors:
            problems.append(f"{summary}; unexpected errors {dict(errors)}")
        elif not (deletes <= creates + 1 and creates <= deletes and exists == (1 + creates - deletes == 1)
                  and listed == int(exists)):
            problems.append(summary)
    assert_no_problems(problems, bursts)


# --------------------------------------------------------------------------- CancelImageCreation, one token


def test_concurrent_cancel_with_one_token_replays_one_response(imagebuilder, kit: Kit, clients, gated_build):
    """50 callers cancel one waiting build with one clientToken: all get the one response."""
    parked = gated_images(kit, gated_build, BURSTS)
    problems: list[str] = []
    for round_, (image, _gate) in enumerate(parked):
        token = str(uuid.uuid4())

        def cancel(client):
            return client.cancel_image_creation(imageBuildVersionArn=image, clientToken=token)

        body = identical_successes(burst(clients, same_call(POOL_SIZE, cancel)), f"burst {round_}", problems)
        if body is not None and body != {"imageBuildVersionArn": image, "clientToken": token}:
            problems.append(f"burst {round_}: response {body}")
    assert_no_problems(problems, len(parked))
    for image, _gate in parked:
        assert kit.wait_image(image)["state"]["status"] == "CANCELLED"


# --------------------------------------------------------------------------- delete against CreateImage


def test_a_recipe_is_never_deleted_from_under_an_unfinished_image(imagebuilder, kit: Kit, clients, gated_build):
    """10 callers create images from one recipe (they park at a gate, so stay unfinished) while
    10 others delete the recipe. In a serial order either a delete comes first (the recipe is
    gone and every create finds nothing) or a create does (every delete meets an image using
    the recipe): never both an image and a delete, and what survives agrees. The window is
    narrow (a delete's check against its commit), so this test runs twice the bursts."""
    bursts = 2 * BURSTS
    problems: list[str] = []
    for round_ in range(bursts):
        recipe, infra = kit.create_recipe(), kit.create_infrastructure()

        def creator(client):
            client.create_image(imageRecipeArn=recipe, infrastructureConfigurationArn=infra,
                                workflows=[{"workflowArn": gated_build}], clientToken=str(uuid.uuid4()))
            return {"created": 1}

        def deleter(client):
            client.delete_image_recipe(imageRecipeArn=recipe)
            return {"deleted": 1}

        outcomes = burst(clients, [creator, deleter] * 10)
        created = sum(o.response.get("created", 0) for o in outcomes if o.ok)
        deleted = sum(o.response.get("deleted", 0) for o in outcomes if o.ok)
        refusals = Counter(o.code for o in outcomes if not o.ok)
        expected_refusals = {"ResourceNotFoundException", "ResourceDependencyException"}
        try:
            imagebuilder.get_image_recipe(imageRecipeArn=recipe)
            exists = True
        except imagebuilder.exceptions.ResourceNotFoundException:
            exists = False
        summary = (f"burst {round_}: {created} images created, {deleted} deletes succeeded, "
                   f"refusals {dict(refusals)}, recipe exists now: {exists}")
        serial = (created > 0 and deleted == 0 and exists) or (created == 0 and deleted == 1 and not exists)
        if not serial or set(refusals) - expected_refusals:
            problems.append(summary)
    assert_no_problems(problems, bursts)
