"""Ingestion throughput end to end (acknowledged events/s, batches of 500, data-plan validation on) against
two raw ceilings: a gRPC echo of the same request bytes and a JetStream publish of the same events, all in
one run. The archiver runs as its own process, as deployed; how fast it drains is reported too, and the
ingestion core is timed without gRPC, split into its phases, to show where the time goes.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import grpc
from sqlalchemy import func, select

from infra.local.procs import free_port
from infra.synthetic import batches, history, make_customers
from loom.ingestion.v1 import ingestion_pb2 as pb
from loom.ingestion.v1 import ingestion_pb2_grpc
from services.common.bus import EventBus, Outgoing
from services.common.client import channel
from services.common.events import batch_id, profile_key
from services.common.migrate import migrate
from services.common.storage import Database
from services.ingestion.ingestor import Ingestor
from services.ingestion.plan_store import PlanStore
from services.ingestion.tables import event_archive
from tests.fixtures.nats import start_nats
from tests.fixtures.services import write_tokens

REPO = Path(__file__).resolve().parents[2]
CONCURRENCY = 4
ORDER_SCHEMA = (
    '{"type": "object", "required": ["order_id", "total", "currency"], "additionalProperties": false, '
    '"properties": {"order_id": {"type": "string"}, "total": {"type": "number", "minimum": 0}, '
    '"currency": {"type": "string", "pattern": "^[A-Z]{3}$"}, "coupon": {"type": "string"}}}'
)
# Unplanned track events are blocked and bad orders quarantined: every track event is validated.
PLAN = pb.DataPlan(plan_id="bench", unplanned_mode=pb.PLAN_MODE_BLOCK, violation_mode=pb.PLAN_MODE_QUARANTINE,
                   events=[pb.PlannedEvent(name="Order Completed", version=1, properties_schema_json=ORDER_SCHEMA)])


def _requests(count: int) -> list[pb.IngestBatchRequest]:
    customers = make_customers(max(50, count // 7), seed=99)
    events = list(history(customers, seed=5))
    while len(events) < count:  # top up with fresh ids if the history is short
        extra = pb.Event()
        extra.CopyFrom(events[len(events) % len(events)])
        extra.message_id = f"{extra.message_id}-{len(events)}"
        events.append(extra)
    for event in events:
        if event.type == pb.EVENT_TYPE_TRACK:
            revenue = event.commerce.revenue
            event.properties.update({"order_id": event.commerce.order_id, "currency": revenue.currency_code,
                                     "total": revenue.amount_micros / 1e6})
    return [pb.IngestBatchRequest(events=b) for b in batches(iter(events[:count]))]


async def _drive(calls: list[Callable[[], Awaitable[Any]]]) -> float:
    """Runs the calls with CONCURRENCY in flight; returns wall seconds."""
    queue = list(reversed(calls))

    async def worker() -> None:
        while queue:
            await queue.pop()()

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return time.perf_counter() - start


def _wait_ready(proc: subprocess.Popen[str], what: str, port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        try:
            grpc.channel_ready_future(grpc.insecure_channel(f"127.0.0.1:{port}")).result(timeout=0.5)
            return
        except grpc.FutureTimeoutError:
            continue
    raise RuntimeError(f"{what} did not start in {timeout}s")


async def _echo_ceiling(requests: list[pb.IngestBatchRequest], tmp: Path) -> float:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "tests.bench.echo_server", str(port)], cwd=REPO,
                            stdout=subprocess.DEVNULL, text=True)
    try:
        _wait_ready(proc, "echo server", port)
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as ch:
            echo = ch.unary_unary("/bench.Echo/Echo")
            payloads = [r.SerializeToString() for r in requests]
            await echo(payloads[0])
            seconds = await _drive([lambda p=p: echo(p) for p in payloads])
    finally:
        proc.kill()
        proc.wait()
    return sum(len(r.events) for r in requests) / seconds


async def _jetstream_ceiling(requests: list[pb.IngestBatchRequest], nats_url: str) -> float:
    bus = await EventBus.connect(nats_url, name="bench-raw", prefix="rawbench")
    await bus.ensure_streams()
    try:
        # The same grouping ingestion does: one message per partition per request.
        batches_out = []
        for r in requests:
            groups: dict[str, list[pb.Event]] = {}
            for e in r.events:
                groups.setdefault(bus.event_subject(profile_key(e), "batch"), []).append(e)
            batches_out.append([Outgoing(s, pb.EventBatch(events=g).SerializeToString(), batch_id(g))
                                for s, g in groups.items()])
        seconds = await _drive([lambda b=b: bus.publish_many(b) for b in batches_out])
    finally:
        await bus.delete_streams()
        await bus.close()
    return sum(len(r.events) for r in requests) / seconds


def _service_env(tmp: Path, nats_url: str, tokens_path: Path, prefix: str) -> dict[str, str]:
    return {**os.environ, "LOOM_METRICS_PORT": "0", "LOOM_GRPC_HOST": "127.0.0.1", "LOOM_NATS_URL": nats_url,
            "LOOM_BUS_PREFIX": prefix, "LOOM_DB_URL": f"sqlite+aiosqlite:///{tmp / 'ingestion.db'}",
            "LOOM_AUTH_TOKENS_FILE": str(tokens_path), "LOOM_LOG_LEVEL": "WARNING"}


async def _archived(db_url: str) -> int:
    db = Database.from_url(db_url)
    try:
        async with db.connect() as conn:
            return int((await conn.execute(select(func.count()).select_from(event_archive))).scalar_one())
    finally:
        await db.dispose()


async def _ingestion(requests: list[pb.IngestBatchRequest], nats_url: str, tmp: Path) -> dict[str, float]:
    tokens = write_tokens(tmp)
    port, archiver_port = free_port(), free_port()
    env = _service_env(tmp, nats_url, tokens.path, "ingbench")
    log = open(tmp / "ingestion.log", "w")  # noqa: SIM115 - the children write to it until they stop
    proc = subprocess.Popen([sys.executable, "-m", "services.ingestion"], cwd=REPO, text=True,
                            env={**env, "LOOM_GRPC_PORT": str(port), "LOOM_RUN_ARCHIVER": "false"},
                            stdout=subprocess.DEVNULL, stderr=log)
    archiver = subprocess.Popen([sys.executable, "-m", "services.ingestion.archiver"], cwd=REPO, text=True,
                                env={**env, "LOOM_GRPC_PORT": str(archiver_port)}, stdout=subprocess.DEVNULL,
                                stderr=log)
    try:
        _wait_ready(proc, "ingestion service", port)
        _wait_ready(archiver, "archiver", archiver_port)
        async with channel(f"127.0.0.1:{port}", tokens.service) as ch, \
                channel(f"127.0.0.1:{port}", tokens.admin) as admin_ch:
            await ingestion_pb2_grpc.IngestionServiceStub(admin_ch).PutDataPlan(pb.PutDataPlanRequest(plan=PLAN))
            stub = ingestion_pb2_grpc.IngestionServiceStub(ch)
            accepted = 0

            async def send(request: pb.IngestBatchRequest) -> None:
                nonlocal accepted
                reply = await stub.IngestBatch(request, timeout=60)
                accepted += reply.accepted_count

            start = time.perf_counter()
            seconds = await _drive([lambda r=r: send(r) for r in requests])
            while await _archived(env["LOOM_DB_URL"]) < accepted and time.perf_counter() - start < 120:
                await asyncio.sleep(0.2)
            archived_after = time.perf_counter() - start
    finally:
        for child in (proc, archiver):
            child.terminate()
            child.wait(timeout=30)
        log.close()
    total = sum(len(r.events) for r in requests)
    return {"events": total, "accepted": accepted, "events_per_s": accepted / seconds,
            "archived_events_per_s": accepted / archived_after}


async def _core(requests: list[pb.IngestBatchRequest], nats_url: str, tmp: Path) -> dict[str, float]:
    """The Ingestor alone (no gRPC), one batch at a time, with the seconds spent in each phase."""
    db_url = f"sqlite+aiosqlite:///{tmp / 'core.db'}"
    await migrate(db_url, "ingestion")
    db = Database.from_url(db_url)
    bus = await EventBus.connect(nats_url, name="bench-core", prefix="corebench")
    await bus.ensure_streams()
    plans = PlanStore(db)
    await plans.put(PLAN)
    ingestor = Ingestor(db, bus, plans)
    spent = {"dedup_lookup": 0.0, "publish_and_ack": 0.0}
    dedup, publish = ingestor._already_ingested, ingestor._publish

    async def timed_dedup(*args: Any) -> Any:
        t = time.perf_counter()
        try:
            return await dedup(*args)
        finally:
            spent["dedup_lookup"] += time.perf_counter() - t

    async def timed_publish(*args: Any) -> Any:
        t = time.perf_counter()
        try:
            return await publish(*args)
        finally:
            spent["publish_and_ack"] += time.perf_counter() - t

    # Timing wrappers around the instance's own methods, for this measurement only.
    ingestor._already_ingested = timed_dedup  # type: ignore[method-assign,assignment]
    ingestor._publish = timed_publish  # type: ignore[method-assign,assignment]
    copies = [pb.IngestBatchRequest.FromString(r.SerializeToString()) for r in requests]
    try:
        start = time.perf_counter()
        for request in copies:
            await ingestor.ingest(request.events, "bench")
        seconds = time.perf_counter() - start
    finally:
        await bus.delete_streams()
        await bus.close()
        await db.dispose()
    total = sum(len(r.events) for r in requests)
    checks = seconds - sum(spent.values())
    return {"events_per_s": total / seconds, "share_dedup_lookup": spent["dedup_lookup"] / seconds,
            "share_publish_and_ack": spent["publish_and_ack"] / seconds,
            "share_contract_enrich_plan": checks / seconds}


async def run(events: int = 60_000) -> dict[str, Any]:
    """Measures ingestion, its core and both ceilings on one fresh nats-server."""
    import tempfile

    requests = _requests(events)
    with tempfile.TemporaryDirectory(prefix="loom-bench-") as tmp_name:
        tmp = Path(tmp_name)
        nats = start_nats(tmp / "nats")
        try:
            ingestion = await _ingestion(requests, nats.url, tmp)
            core = await _core(requests, nats.url, tmp)
            jetstream = await _jetstream_ceiling(requests, nats.url)
            echo = await _echo_ceiling(requests, tmp)
        finally:
            nats.stop(timeout=10)
    rate = ingestion["events_per_s"]
    return {
        "ingestion_acked_events_per_s": round(rate),
        "events": ingestion["events"],
        "accepted": ingestion["accepted"],
        "batch_size": 500,
        "concurrency": CONCURRENCY,
        "data_plan_validation": True,
        "archiver_apart_drained_events_per_s": round(ingestion["archived_events_per_s"]),
        "core_no_grpc_events_per_s": round(core["events_per_s"]),
        "core_share_dedup_lookup": round(core["share_dedup_lookup"], 3),
        "core_share_publish_and_ack": round(core["share_publish_and_ack"], 3),
        "core_share_contract_enrich_plan": round(core["share_contract_enrich_plan"], 3),
        "ceiling_grpc_echo_events_per_s": round(echo),
        "ceiling_jetstream_publish_events_per_s": round(jetstream),
        "ratio_to_grpc_echo": round(rate / echo, 3),
        "ratio_to_jetstream_publish": round(rate / jetstream, 3),
    }
