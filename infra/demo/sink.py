"""A local webhook receiver for the demo: the peer a real destination would be (a CRM, an email provider).

It deduplicates by the ``Idempotency-Key`` header, as forwarding asks webhook receivers to, so the counts
are what a downstream tool would have applied: each message once, however often it was retried.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from infra.local.procs import free_port


@dataclass
class WebhookSink:
    """Receives forwarding's webhook requests on ``http://127.0.0.1:<port>/hook``."""

    port: int = field(default_factory=free_port)
    received: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: int = 0
    _runner: web.AppRunner | None = None
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def url(self) -> str:
        """Where forwarding should deliver."""
        return f"http://127.0.0.1:{self.port}/hook"

    async def _hook(self, request: web.Request) -> web.Response:
        self.requests += 1
        body = await request.json()
        # Batched destinations wrap deliveries; a single delivery is the payload itself.
        items = body.get("deliveries") if isinstance(body, dict) and "deliveries" in body else None
        if items is None:
            items = [{"idempotency_key": request.headers.get("Idempotency-Key", ""), "payload": body}]
        for item in items:
            self.received.setdefault(str(item["idempotency_key"]), item["payload"])
        self._arrived.set()
        return web.json_response({"ok": True})

    async def start(self) -> None:
        """Starts listening."""
        app = web.Application()
        app.router.add_post("/hook", self._hook)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        """Stops listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def messages(self, journey_id: str) -> list[dict[str, Any]]:
        """Distinct journey messages received for one journey."""
        return [p for p in self.received.values() if isinstance(p, dict) and p.get("journey_id") == journey_id]

    def by_step(self, journey_id: str) -> Counter[str]:
        """Distinct messages per journey step (which branch sent them)."""
        return Counter(str(p.get("step_id", "")) for p in self.messages(journey_id))

    async def wait_for(self, journey_id: str, count: int, timeout_s: float) -> int:
        """Waits until ``count`` distinct messages of the journey arrived (or the timeout); returns how many."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while len(self.messages(journey_id)) < count and loop.time() < deadline:
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), timeout=max(0.01, deadline - loop.time()))
            except TimeoutError:
                break
        return len(self.messages(journey_id))

