"""The whole local stack as `make up` runs it: six services, NATS, Temporal and the worker as processes.

Proves: every service reaches SERVING with /metrics exporting the declared telemetry names, the thin slice
works across processes (ingest -> bus -> profile -> Temporal workflow reading it over gRPC), and a SIGTERM'd
ingestion service drains without losing an acknowledged event.
"""

from __future__ import annotations

import asyncio
import signal
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from temporalio.client import Client

from infra.local import LocalStack, StackPorts
from infra.local.config import SERVICES, read_env_file
from infra.local.procs import free_port
from infra.telemetry import catalog
from loom.common.v1 import common_pb2
from loom.identity.v1 import identity_pb2, identity_pb2_grpc
from loom.ingestion.v1 import ingestion_pb2 as pb
from loom.ingestion.v1 import ingestion_pb2_grpc
from services.common.client import channel
from tests.fixtures.temporal import TEMPORAL_USED
from workflows.platform.types import TASK_QUEUE, CustomerSegment, SegmentCustomerInput

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    ports = StackPorts(
        nats=free_port(), nats_monitor=free_port(), temporal=free_port(), temporal_http=free_port(),
        temporal_metrics=free_port(), worker_metrics=free_port(),
        grpc={name: free_port() for name in SERVICES}, metrics={name: free_port() for name in SERVICES},
    )
    local = LocalStack(Path(tmp_path_factory.mktemp("stack")), ports=ports)
    try:
        local.start(timeout=120)
        yield local
    finally:
        local.stop()


def scrape(port: int) -> set[str]:
    """Metric family names on a /metrics endpoint (from its TYPE lines, counters with and without _total)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    names: set[str] = set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split()[:4]
            names.add(name)
            if kind == "counter":
                names.add(name if name.endswith("_total") else name + "_total")
    return names


def test_every_service_serves_and_exports_declared_metrics(stack: LocalStack) -> None:
    statuses = {s.name: s for s in stack.status()}
    for name in SERVICES:
        assert statuses[name].health == "SERVING", statuses[name]
    exposed = {name: scrape(stack.ports.metrics[name]) for name in SERVICES}
    everywhere = set.intersection(*exposed.values())
    anywhere = set.union(*exposed.values())
    declared = [m for m in catalog.load() if not m.planned]
    shared = {"loom_grpc_server_requests_total", "loom_grpc_server_request_duration_seconds",
              "loom_grpc_server_in_flight", "loom_service_up"}
    assert shared <= everywhere
    missing = sorted(m.name for m in declared if m.service != "worker" and m.name not in anywhere
                     and not m.service.startswith("worker"))
    assert missing == [], f"declared in infra/telemetry/metrics.yaml but exported by no service: {missing}"


async def test_slice_across_processes(stack: LocalStack, pytestconfig: pytest.Config) -> None:
    env = read_env_file(stack.env_path)
    token = env["LOOM_SERVICE_TOKEN"]
    event = pb.Event(message_id="e2e-1", type=pb.EVENT_TYPE_IDENTIFY, user_id="e2e-user", market="SE")
    event.traits.update({"email": "e2e@example.se"})
    order = pb.Event(message_id="e2e-2", type=pb.EVENT_TYPE_TRACK, event="Order Completed", user_id="e2e-user",
                     commerce=pb.Commerce(category="books",
                                          revenue=common_pb2.Money(currency_code="SEK", amount_micros=99_000_000)))
    async with channel(env["LOOM_INGESTION_ADDR"], token) as ch:
        reply = await ingestion_pb2_grpc.IngestionServiceStub(ch).IngestBatch(
            pb.IngestBatchRequest(events=[event, order]))
    assert reply.accepted_count == 2
    async with channel(env["LOOM_IDENTITY_ADDR"], token) as ch:
        stub = identity_pb2_grpc.IdentityServiceStub(ch)
        lookup = identity_pb2.ProfileLookup(identifier=common_pb2.Identifier(type="email", value="e2e@example.se"))
        for _ in range(100):
            try:
                profile = (await stub.GetProfile(identity_pb2.GetProfileRequest(lookup=lookup))).profile
                if profile.computed.order_count == 1:
                    break
            except grpc.aio.AioRpcError as exc:
                assert exc.code() == grpc.StatusCode.NOT_FOUND
            await asyncio.sleep(0.1)
        assert profile.computed.order_count == 1
    pytestconfig.stash[TEMPORAL_USED] = True
    client = await Client.connect(env["LOOM_TEMPORAL_ADDRESS"])
    result = await client.execute_workflow(
        "SegmentCustomer", SegmentCustomerInput("e2e-user"), id="e2e-segment", task_queue=TASK_QUEUE,
        result_type=CustomerSegment,
    )
    assert result.profile_id == profile.profile_id
    assert (result.segment, result.order_count, result.top_category) == ("new", 1, "books")


async def test_sigterm_drains_without_losing_acknowledged_events(stack: LocalStack) -> None:
    env = read_env_file(stack.env_path)
    token = env["LOOM_SERVICE_TOKEN"]
    acked: set[str] = set()
    proc = stack.service_process("ingestion")

    async def load(worker: int) -> None:
        async with channel(env["LOOM_INGESTION_ADDR"], token) as ch:
            stub = ingestion_pb2_grpc.IngestionServiceStub(ch)
            for n in range(10_000):
                events = [pb.Event(message_id=f"drain-{worker}-{n}-{i}", type=pb.EVENT_TYPE_TRACK, event="Tick",
                                   user_id=f"u{i % 37}") for i in range(100)]
                try:
                    reply = await stub.IngestBatch(pb.IngestBatchRequest(events=events), timeout=10)
                except grpc.aio.AioRpcError:
                    return  # the server is going away: unacknowledged, the client would retry
                acked.update(r.message_id for r in reply.results if r.status == pb.EVENT_STATUS_ACCEPTED)

    tasks = [asyncio.create_task(load(w)) for w in range(3)]
    while len(acked) < 2_000:
        await asyncio.sleep(0.05)
    assert proc.signal(signal.SIGTERM)
    await asyncio.gather(*tasks)
    for _ in range(300):  # the drain: NOT_SERVING delay, in-flight calls, then the archiver's batch
        if not proc.is_running():
            break
        await asyncio.sleep(0.1)
    assert not proc.is_running()
    await asyncio.to_thread(stack.start, 60)  # brings ingestion back; its archiver resumes from the bus
    async with channel(env["LOOM_INGESTION_ADDR"], token) as ch:
        stub = ingestion_pb2_grpc.IngestionServiceStub(ch)
        archived: set[str] = set()
        for _ in range(200):
            archived = set()
            async for chunk in stub.QueryArchive(pb.QueryArchiveRequest(events=["Tick"])):
                archived.update(e.message_id for e in chunk.events)
            if acked <= archived:
                break
            await asyncio.sleep(0.1)
    assert acked <= archived, f"{len(acked - archived)} acknowledged events were lost"


async def test_demo_story_matches_ground_truth(stack: LocalStack, pytestconfig: pytest.Config) -> None:
    from rich.console import Console

    from infra.demo.run import run_demo

    pytestconfig.stash[TEMPORAL_USED] = True
    report = await run_demo(read_env_file(stack.env_path), 150, Console(quiet=True))
    assert report.statuses["accepted"] > 500
    assert report.statuses["duplicate"] == 250  # the resent batch
    assert report.statuses["rejected"] == 5  # events without message ids
    assert report.profiles_checked > 100
    assert report.profiles_matching_truth == report.profiles_checked
    assert sum(report.segments.values()) == min(200, report.profiles_checked)
    # The rest of the story: consent recorded, the plan's violations quarantined, a model scored profiles,
    # the factory published creatives and the journey's messages reached the webhook sink exactly once.
    assert report.consent.records > 0 and report.consent.allowed["marketing_email"] < report.consent.checked
    assert report.statuses["quarantined"] == 10
    assert report.model.profiles_scored > 0
    assert report.creative.published > 0
    assert report.journey.entered == report.journey.groups["treatment"] + report.journey.groups["holdout"]
    assert report.journey.sends > 0
    assert report.journey.delivered == report.journey.sends
    # Simulated customers answered with real orders; each reached its workflow through ingestion, the bus and
    # the journey trigger and counted against the goal, in the holdout as in the treatment.
    journey = report.journey
    assert journey.orders > 0
    assert sum(journey.conversions.values()) == journey.orders
    assert sum(journey.path_customers.values()) == journey.entered
    assert journey.uplift is not None and journey.uplift.treated + journey.uplift.holdout == journey.entered
    assert journey.uplift.ci_low <= journey.uplift.uplift <= journey.uplift.ci_high
