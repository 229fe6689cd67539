"""kill -9 of the forwarding process mid-run loses nothing and the sink applies every event exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from infra.local.procs import free_port
from loom.forwarding.v1 import forwarding_pb2 as fpb
from loom.forwarding.v1 import forwarding_pb2_grpc
from services.common.bus import EventBus
from services.common.client import channel
from tests.bench.forwarding import HttpSink, make_event, publish_events, webhook
from tests.bench.ingestion import _wait_ready
from tests.fixtures.services import write_tokens

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
EVENTS = 1500


def start_forwarding(tmp: Path, nats_url: str, prefix: str, port: int, tokens_file: Path) -> subprocess.Popen[str]:
    """``python -m services.forwarding`` as its own process."""
    env = {**os.environ, "LOOM_GRPC_PORT": str(port), "LOOM_METRICS_PORT": str(free_port()),
           "LOOM_GRPC_HOST": "127.0.0.1", "LOOM_NATS_URL": nats_url, "LOOM_BUS_PREFIX": prefix,
           "LOOM_DB_URL": f"sqlite+aiosqlite:///{tmp / 'forwarding.db'}", "LOOM_AUTH_TOKENS_FILE": str(tokens_file),
           "LOOM_LOG_LEVEL": "WARNING", "LOOM_ACK_WAIT_S": "3"}
    proc = subprocess.Popen([sys.executable, "-m", "services.forwarding"], cwd=REPO, env=env, text=True,
                            stdout=subprocess.DEVNULL, stderr=open(tmp / "forwarding.log", "a"))
    _wait_ready(proc, "forwarding", port)
    return proc


async def test_kill_9_mid_run_loses_and_duplicates_nothing(tmp_path: Path, nats_server: str) -> None:
    # The sink answers slowly enough that the kill lands while deliveries are in flight.
    sink = await HttpSink(responder=lambda _n, _r: (200, 0.01)).start()
    tokens = write_tokens(tmp_path)
    prefix, port = f"k{os.getpid()}x{free_port()}", free_port()
    bus = await EventBus.connect(nats_server, prefix=prefix)
    await bus.ensure_streams()
    proc = start_forwarding(tmp_path, nats_server, prefix, port, tokens.path)
    try:
        async with channel(f"127.0.0.1:{port}", tokens.admin) as ch:
            stub = forwarding_pb2_grpc.ForwardingServiceStub(ch)
            await stub.PutDestination(fpb.PutDestinationRequest(destination=webhook("crm", sink.url, max_items=25)))
        expected = {f"crm:e{i}" for i in range(EVENTS)}
        events = [make_event(f"e{i}", f"user{i % 97}") for i in range(EVENTS)]
        for start in range(0, EVENTS, 100):
            await publish_events(bus, events[start:start + 100])
        await sink.wait_for(lambda s: len(s.applied) >= EVENTS // 5)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        killed_at = len(sink.applied)
        assert killed_at < EVENTS, "the kill came too late to prove anything"

        proc = start_forwarding(tmp_path, nats_server, prefix, port, tokens.path)
        await sink.wait_for(lambda s: len(s.applied) == EVENTS, timeout=60)
        await asyncio.sleep(0.5)  # anything still arriving would be a duplicate or an unexpected key
        assert set(sink.applied) == expected  # nothing lost, nothing foreign
        assert all(count == 1 for count in sink.applied.values())  # each applied once
        # Resends after the restart carry the keys the sink had already applied, so they changed nothing.
        assert sum(len(sink.keys(r)) for r in sink.requests) == EVENTS + sink.duplicates
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=15)
        await bus.delete_streams()
        await bus.close()
        await sink.stop()
