"""Ingestion throughput end to end (acknowledged events/s, batches of 500) against two raw ceilings:
a gRPC echo of the same request bytes and a JetStream publish of the same events, all in one run.
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

from infra.local.procs import free_port
from infra.synthetic import batches, history, make_customers
from loom.ingestion.v1 import ingestion_pb2 as pb
from loom.ingestion.v1 import ingestion_pb2_grpc
from services.common.bus import EventBus, Outgoing
from services.common.client import channel
from services.common.events import batch_id, profile_key
from tests.fixtures.nats import start_nats
from tests.fixtures.services import write_tokens

REPO = Path(__file__).resolve().parents[2]
CONCURRENCY = 4


def _requests(count: int) -> list[pb.IngestBatchRequest]:
    customers = make_customers(max(50, count // 7), seed=99)
    events = list(history(customers, seed=5))
    while len(events) < count:  # top up with fresh ids if the history is short
        extra = pb.Event()
        extra.CopyFrom(events[len(events) % len(events)])
        extra.message_id = f"{extra.message_id}-{len(events)}"
        events.append(extra)
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


async def _ingestion(requests: list[pb.IngestBatchRequest], nats_url: str, tmp: Path) -> dict[str, float]:
    tokens = write_tokens(tmp)
    port, metrics = free_port(), free_port()
    env = {**os.environ, "LOOM_GRPC_PORT": str(port), "LOOM_METRICS_PORT": str(metrics),
           "LOOM_GRPC_HOST": "127.0.0.1", "LOOM_NATS_URL": nats_url, "LOOM_BUS_PREFIX": "ingbench",
           "LOOM_DB_URL": f"sqlite+aiosqlite:///{tmp / 'ingestion.db'}", "LOOM_AUTH_TOKENS_FILE": str(tokens.path),
           "LOOM_LOG_LEVEL": "WARNING"}
    proc = subprocess.Popen([sys.executable, "-m", "services.ingestion"], cwd=REPO, env=env, text=True,
                            stdout=subprocess.DEVNULL, stderr=open(tmp / "ingestion.log", "w"))
    try:
        _wait_ready(proc, "ingestion service", port)
        async with channel(f"127.0.0.1:{port}", tokens.service) as ch:
            stub = ingestion_pb2_grpc.IngestionServiceStub(ch)
            accepted = 0

            async def send(request: pb.IngestBatchRequest) -> None:
                nonlocal accepted
                reply = await stub.IngestBatch(request, timeout=60)
                accepted += reply.accepted_count

            seconds = await _drive([lambda r=r: send(r) for r in requests])
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    total = sum(len(r.events) for r in requests)
    return {"events": total, "accepted": accepted, "events_per_s": accepted / seconds}


async def run(events: int = 60_000) -> dict[str, Any]:
    """Measures ingestion and both ceilings on one fresh nats-server."""
    import tempfile

    requests = _requests(events)
    with tempfile.TemporaryDirectory(prefix="loom-bench-") as tmp_name:
        tmp = Path(tmp_name)
        nats = start_nats(tmp / "nats")
        try:
            ingestion = await _ingestion(requests, nats.url, tmp)
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
        "ceiling_grpc_echo_events_per_s": round(echo),
        "ceiling_jetstream_publish_events_per_s": round(jetstream),
        "ratio_to_grpc_echo": round(rate / echo, 3),
        "ratio_to_jetstream_publish": round(rate / jetstream, 3),
    }
