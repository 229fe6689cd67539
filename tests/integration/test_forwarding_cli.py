"""``loom destinations`` and ``loom dlq`` against a running forwarding service."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from services.cli import destinations, dlq
from services.common.bus import EventBus
from services.forwarding.app import ForwardingConfig, build
from tests.bench.forwarding import HttpSink, make_event, publish_events
from tests.fixtures.services import ServiceStack, write_tokens

pytestmark = pytest.mark.integration


@pytest.fixture
async def stack(tmp_path: Path, nats_server: str) -> AsyncIterator[ServiceStack]:
    """Forwarding with its own SQLite file."""

    async def sqlite(name: str) -> str:
        return f"sqlite+aiosqlite:///{tmp_path / (name + '.db')}"

    s = ServiceStack(tmp_path, nats_server, sqlite, write_tokens(tmp_path))
    try:
        yield s
    finally:
        await s.stop()


async def test_operator_configures_a_destination_and_replays_its_dead_letters(stack: ServiceStack,
                                                                              tmp_path: Path) -> None:
    broken = {"on": True}
    sink = await HttpSink(responder=lambda _n, _r: (404 if broken["on"] else 200, 0.0)).start()
    running = await stack.start("forwarding", ForwardingConfig, build)
    env = {"LOOM_FORWARDING_ADDR": f"127.0.0.1:{running.port}", "LOOM_SERVICE_TOKEN": stack.tokens.admin,
           "LOOM_HOME": str(tmp_path / "home")}
    runner = CliRunner()

    async def cli(app: object, *args: str) -> str:
        result = await asyncio.to_thread(runner.invoke, app, list(args), env=env)
        assert result.exit_code == 0, result.output
        return result.output

    spec = tmp_path / "crm.yaml"
    spec.write_text(f"destination_id: crm\nrequired_purposes: [analytics]\nwebhook:\n  url: {sink.url}/crm\n"
                    "batching:\n  max_items: 10\n")
    bus = await EventBus.connect(stack.nats_url, prefix=stack.prefix)
    try:
        assert '"revision": "1"' in await cli(destinations.app, "put", str(spec))
        assert "crm" in await cli(destinations.app, "list")
        await bus.ensure_streams()
        await publish_events(bus, [make_event("x1", "ann"), make_event("x2", "bob")])
        for _ in range(100):
            if "2 in all" in (listed := await cli(dlq.app, "list", "--destination", "crm")):
                break
            await asyncio.sleep(0.1)
        assert "2 in all" in listed and "HTTP 404" in listed
        broken["on"] = False
        assert "replayed 2, skipped 0" in await cli(dlq.app, "replay", "-d", "crm", "--replay-id", "r1")
        assert "replayed 2, skipped 0" in await cli(dlq.app, "replay", "-d", "crm", "--replay-id", "r1")
        await sink.wait_for(lambda s: len(s.applied) == 2)
        assert sink.duplicates == 0
        bad = await asyncio.to_thread(runner.invoke, dlq.app, ["replay", "--replay-id", "r2"], env=env)
        assert bad.exit_code == 1 and "INVALID_ARGUMENT" in bad.output
    finally:
        await bus.close()
        await sink.stop()
