"""Forwarding throughput and latency against a local webhook sink, next to the raw HTTP client ceiling.

Also home of `HttpSink`, the real local HTTP peer the forwarding tests deliver to: a small asyncio HTTP/1.1
server (keep-alive, Content-Length bodies) that records every request and deduplicates deliveries by
idempotency key, the way a well-behaved webhook receiver does.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from infra.local.procs import free_port
from loom.forwarding.v1 import forwarding_pb2 as fpb
from loom.forwarding.v1 import forwarding_pb2_grpc
from loom.ingestion.v1 import ingestion_pb2 as pb
from services.common.bus import EventBus, Outgoing
from services.common.client import channel
from services.common.events import batch_id, profile_key
from tests.fixtures.nats import start_nats
from tests.fixtures.services import write_tokens

REPO = Path(__file__).resolve().parents[2]


@dataclass
class SinkRequest:
    """One request the sink received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int


# Decides the answer to a request: (request number from 0, request) -> (status, seconds to wait first).
Responder = Callable[[int, SinkRequest], tuple[int, float]]


@dataclass
class HttpSink:
    """A local HTTP server standing in for a webhook receiver, push gateway or ad platform."""

    responder: Responder = lambda _n, _r: (200, 0.0)
    files: dict[str, bytes] = field(default_factory=dict)
    requests: list[SinkRequest] = field(default_factory=list)
    # Idempotency keys applied (first accepted time) and resends recognised as duplicates.
    applied: Counter[str] = field(default_factory=Counter)
    duplicates: int = 0
    # perf_counter() when each key was first applied (the bench measures latency with it).
    arrivals: dict[str, float] = field(default_factory=dict)
    port: int = 0
    _server: asyncio.Server | None = None
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def url(self) -> str:
        """Base URL."""
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> HttpSink:
        """Listens on a free port."""
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        """Stops listening and drops open connections."""
        if self._server is not None:
            self._server.close()
            if hasattr(self._server, "close_clients"):
                self._server.close_clients()

    @staticmethod
    def keys(request: SinkRequest) -> list[str]:
        """The idempotency keys a request carries: one per batched delivery, else the header."""
        if request.body.startswith(b'{"deliveries"') or request.body.startswith(b'{"notifications"') \
                or b'"operations"' in request.body[:200]:
            document = json.loads(request.body)
            items = document.get("deliveries") or document.get("notifications") or document.get("operations") or []
            return [i["idempotency_key"] for i in items]
        key = request.headers.get("idempotency-key")
        return [key] if key else []

    def payloads(self) -> list[Any]:
        """Every accepted delivery's payload, in arrival order (batches unpacked)."""
        out: list[Any] = []
        for r in self.requests:
            if r.method != "POST" or not 200 <= r.status < 300:
                continue
            document = json.loads(r.body)
            if isinstance(document, dict) and "deliveries" in document:
                out.extend(i["payload"] for i in document["deliveries"])
            else:
                out.append(document)
        return out

    async def wait_for(self, predicate: Callable[[HttpSink], bool], timeout: float = 20.0) -> None:
        """Waits until ``predicate(sink)`` holds; AssertionError after ``timeout`` seconds."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not predicate(self):
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                raise AssertionError(f"sink condition not met in {timeout}s: {len(self.applied)} keys applied, "
                                     f"{len(self.requests)} requests")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), min(left, 0.2))
            except TimeoutError:
                pass

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = {k.strip().lower(): v.strip() for k, v in (ln.split(":", 1) for ln in lines[1:] if ":" in ln)}
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                request = SinkRequest(method, path, headers, body, 0)
                if method == "GET":
                    content = self.files.get(path)
                    status, payload = (200, content) if content is not None else (404, b"not found")
                else:
                    status, delay = self.responder(len(self.requests), request)
                    if delay:
                        await asyncio.sleep(delay)
                    payload = b'{"ok":true}' if status < 300 else b'{"error":"sink says no"}'
                request.status = status
                if method != "GET":
                    self.requests.append(request)
                    if 200 <= status < 300:
                        for key in self.keys(request):
                            if key in self.applied:
                                self.duplicates += 1
                            else:
                                self.applied[key] += 1
                                self.arrivals[key] = time.perf_counter()
                    self._changed.set()
                writer.write(f"HTTP/1.1 {status} X\r\nContent-Length: {len(payload)}\r\n"
                             f"Content-Type: application/json\r\n\r\n".encode() + payload)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()


def make_event(message_id: str, user_id: str, *, event: str = "Order Completed", market: str = "SE",
               consent: dict[str, bool] | None = None, **properties: Any) -> pb.Event:
    """A track event with a consent snapshot (analytics granted unless said otherwise)."""
    e = pb.Event(message_id=message_id, type=pb.EVENT_TYPE_TRACK, event=event, user_id=user_id, market=market)
    for purpose, granted in (consent if consent is not None else {"analytics": True}).items():
        e.consent[purpose] = granted
    if properties:
        e.properties.update(properties)
    e.timestamp.GetCurrentTime()
    return e


async def publish_events(bus: EventBus, events: list[pb.Event]) -> None:
    """Publishes events the way ingestion does: one EventBatch per partition, in order."""
    groups: dict[str, list[pb.Event]] = {}
    for e in events:
        groups.setdefault(bus.event_subject(profile_key(e), "batch"), []).append(e)
    await bus.publish_many([Outgoing(s, pb.EventBatch(events=g).SerializeToString(), batch_id(g))
                            for s, g in groups.items()])


def webhook(destination_id: str, url: str, *, max_items: int = 0, attempts: int = 3, window_s: float = 0,
            initial_backoff_s: float = 0.05, filter_text: str = "", timeout_s: float = 2.0) -> fpb.Destination:
    """A webhook destination needing the "analytics" purpose, with a short retry schedule for tests."""
    d = fpb.Destination(destination_id=destination_id, name=destination_id, required_purposes=["analytics"],
                        webhook=fpb.WebhookConfig(url=url), batching=fpb.Batching(max_items=max_items),
                        mapping=fpb.Mapping(filter=filter_text),
                        retry=fpb.RetryPolicy(max_attempts=attempts))
    d.webhook.timeout.FromMilliseconds(int(timeout_s * 1000))
    d.retry.max_window.FromMilliseconds(int(window_s * 1000))
    d.retry.initial_backoff.FromMilliseconds(int(initial_backoff_s * 1000))
    d.retry.max_backoff.FromMilliseconds(int(initial_backoff_s * 4000))
    return d


BATCH = 500
THROUGHPUT_EVENTS = 60_000
LATENCY_RATE = 1000
LATENCY_SECONDS = 5


def _bench_events(count: int, prefix: str) -> list[pb.Event]:
    return [make_event(f"{prefix}{i}", f"user{i % 5000}", total=i % 300, sku=f"sku-{i % 97}") for i in range(count)]


async def _raw_client(url: str, count: int, encode: bool) -> float:
    """Deliveries/s of a bare httpx client posting batches of the same documents, one request in flight (as a
    destination worker sends). ``encode``: JSON-encode each batch inside the timed loop, else pre-encoded."""
    from services.forwarding.mapping import event_document

    events = _bench_events(count, "r")
    batches = [[{"idempotency_key": f"raw:{e.message_id}", "payload": event_document(e)}
                for e in events[start:start + BATCH]] for start in range(0, len(events), BATCH)]
    bodies = [] if encode else [json.dumps({"deliveries": b}).encode() for b in batches]
    async with httpx.AsyncClient() as client:
        began = time.perf_counter()
        for n, batch in enumerate(batches):
            body = json.dumps({"deliveries": batch}, separators=(",", ":")).encode() if encode else bodies[n]
            response = await client.post(url, content=body, headers={"Content-Type": "application/json"})
            response.raise_for_status()
        seconds = time.perf_counter() - began
    return count / seconds


async def _raw_ceiling(sink: HttpSink, encode: bool = False) -> float:
    """The raw client in its own process, like forwarding, against a sink in this one."""
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "tests.bench.forwarding", "raw",
                                                sink.url + "/raw", str(THROUGHPUT_EVENTS), str(int(encode)),
                                                cwd=REPO, stdout=asyncio.subprocess.PIPE)
    out, _ = await proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"raw client exited with {proc.returncode}")
    return float(out.decode().strip().splitlines()[-1])


def _start(tmp: Path, nats_url: str, prefix: str, port: int, tokens: Path) -> subprocess.Popen[str]:
    from tests.bench.ingestion import _wait_ready

    env = {**os.environ, "LOOM_GRPC_PORT": str(port), "LOOM_METRICS_PORT": str(free_port()),
           "LOOM_GRPC_HOST": "127.0.0.1", "LOOM_NATS_URL": nats_url, "LOOM_BUS_PREFIX": prefix,
           "LOOM_DB_URL": f"sqlite+aiosqlite:///{tmp / 'forwarding.db'}", "LOOM_AUTH_TOKENS_FILE": str(tokens),
           "LOOM_LOG_LEVEL": "WARNING", "LOOM_CONSUMER_BATCH": "64"}
    proc = subprocess.Popen([sys.executable, "-m", "services.forwarding"], cwd=REPO, env=env, text=True,
                            stdout=subprocess.DEVNULL, stderr=open(tmp / "forwarding.log", "a"))
    _wait_ready(proc, "forwarding", port)
    return proc


async def _forwarding(sink: HttpSink, nats_url: str, tmp: Path) -> dict[str, float]:
    tokens = write_tokens(tmp)
    prefix, port = "fwdbench", free_port()
    bus = await EventBus.connect(nats_url, prefix=prefix)
    await bus.ensure_streams()
    proc = _start(tmp, nats_url, prefix, port, tokens.path)
    try:
        async with channel(f"127.0.0.1:{port}", tokens.admin) as ch:
            stub = forwarding_pb2_grpc.ForwardingServiceStub(ch)
            await stub.PutDestination(fpb.PutDestinationRequest(
                destination=webhook("bench", sink.url + "/hook", max_items=BATCH, timeout_s=10)))
        # Throughput: the backlog is published while forwarding is down, then drained from a cold start.
        proc.terminate()
        proc.wait()
        events = _bench_events(THROUGHPUT_EVENTS, "t")
        for start in range(0, len(events), 2000):
            await publish_events(bus, events[start:start + 2000])
        proc = _start(tmp, nats_url, prefix, port, tokens.path)
        await sink.wait_for(lambda s: len(s.applied) >= THROUGHPUT_EVENTS, timeout=120)
        times = [sink.arrivals[f"bench:t{i}"] for i in range(THROUGHPUT_EVENTS)]
        throughput = THROUGHPUT_EVENTS / (max(times) - min(times))

        # Latency: a steady 1,000 events/s, 10 events every 10 ms, each timed from publish to the sink.
        published: dict[str, float] = {}
        lat_events = _bench_events(LATENCY_RATE * LATENCY_SECONDS, "l")
        began = time.perf_counter()
        for n, start in enumerate(range(0, len(lat_events), 10)):
            await asyncio.sleep(max(0.0, began + n * 0.01 - time.perf_counter()))
            chunk = lat_events[start:start + 10]
            now = time.perf_counter()
            published.update({f"bench:{e.message_id}": now for e in chunk})
            await publish_events(bus, chunk)
        await sink.wait_for(lambda s: all(k in s.arrivals for k in published), timeout=60)
        latencies = sorted(sink.arrivals[k] - t for k, t in published.items())
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        await bus.delete_streams()
        await bus.close()
    return {
        "deliveries_per_s": round(throughput),
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 1),
        "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 1),
        "duplicates_at_sink": sink.duplicates,
    }


async def run() -> dict[str, Any]:
    """Forwarding deliveries/s (batches of 500) and event-to-delivery latency at 1,000 events/s, with the raw
    HTTP client ceiling to the same sink measured in the same run."""
    with tempfile.TemporaryDirectory(prefix="loom-fwd-bench-") as tmp_dir:
        tmp = Path(tmp_dir)
        nats = start_nats(tmp / "nats")
        # Two identical sinks so the ceiling's keys do not mix with the forwarded ones.
        raw_sink, sink = await HttpSink().start(), await HttpSink().start()
        try:
            # The ceiling is taken before and after and the higher one kept: the machine is shared, and a
            # high ceiling makes the reported fraction conservative.
            before = await _raw_ceiling(raw_sink)
            result = await _forwarding(sink, nats.url, tmp)
            ceiling = max(before, await _raw_ceiling(raw_sink))
            with_json = await _raw_ceiling(raw_sink, encode=True)
        finally:
            await raw_sink.stop()
            await sink.stop()
            nats.stop()
    return {
        "batch": BATCH,
        "events": THROUGHPUT_EVENTS,
        "raw_http_ceiling_per_s": round(ceiling),
        **result,
        "fraction_of_ceiling": round(result["deliveries_per_s"] / ceiling, 2),
        # The same client encoding each batch's JSON itself: what any sender must at least spend.
        "raw_http_with_json_encode_per_s": round(with_json),
        "fraction_of_json_ceiling": round(result["deliveries_per_s"] / with_json, 2),
        "latency_rate_per_s": LATENCY_RATE,
    }


if __name__ == "__main__":
    if sys.argv[1:2] == ["raw"]:
        print(asyncio.run(_raw_client(sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1")))
    else:
        print(json.dumps(asyncio.run(run()), indent=2))
