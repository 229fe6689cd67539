"""Identity benchmarks, each next to a raw ceiling measured in the same run on the same machine.

- rebuild: identify events with 2-3 identifiers replayed from archive payloads into profiles (the
  RebuildProfiles path) vs. decoding the payloads and bulk-inserting one row per identifier;
- live: events/s from JetStream into profiles (the identity-profiles consumer) vs. the same consumer with a
  handler that only decodes;
- get_profile: p50/p99 of GetProfile over gRPC at concurrency 1 and 8 against the service process vs. a
  raw gRPC echo of the same response bytes;
- audience: full evaluation over N profiles (first: everyone enters; again: no changes) vs. a bare COUNT(*)
  with the same SQL condition.

Counts are scaled down to keep a run near two minutes on two shared cores; per-1M figures are linear
extrapolations and are labelled as such.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from infra.local.procs import free_port
from infra.synthetic import history, make_customers
from loom.common.v1 import common_pb2
from loom.identity.v1 import identity_pb2 as pb
from loom.identity.v1 import identity_pb2_grpc
from loom.ingestion.v1 import ingestion_pb2 as ingest_pb
from services.common.bus import EventBus, Outgoing
from services.common.client import channel
from services.common.events import batch_id, decode_batches, profile_key
from services.common.migrate import migrate
from services.common.storage import Database
from services.identity.audiences.compiler import compile_rule
from services.identity.audiences.engine import AudienceEngine
from services.identity.rebuild import Rebuilder
from services.identity.store import ProfileStore
from services.identity.tables import identifiers, processed_events, profiles
from tests.bench.ingestion import _wait_ready
from tests.fixtures.nats import start_nats
from tests.fixtures.services import write_tokens

REPO = Path(__file__).resolve().parents[2]
REBUILD_EVENTS = int(os.environ.get("LOOM_BENCH_IDENTITY_REBUILD", "60000"))
LIVE_EVENTS = int(os.environ.get("LOOM_BENCH_IDENTITY_LIVE", "30000"))
AUDIENCE_PROFILES = int(os.environ.get("LOOM_BENCH_IDENTITY_PROFILES", "200000"))
GET_REQUESTS, GET_CONCURRENCY = 2000, (1, 8)
RULE = {"all": [{"computed": "order_count", "op": "gte", "value": 3},
                {"computed": "last_order_at", "op": "within_days", "value": 30}]}


def _identify_payloads(count: int) -> list[bytes]:
    """Identify events: user id + email always, an anonymous id on every other one; ~4 events per person."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    people = max(1, count // 4)
    out = []
    for i in range(count):
        person = i % people
        e = ingest_pb.Event(message_id=f"r{i:09d}", type=ingest_pb.EVENT_TYPE_IDENTIFY, user_id=f"u{person}",
                            anonymous_id=f"a{i}" if i % 2 else "", source_id="bench")
        e.traits.update({"email": f"p{person}@shop.se", "plan": "gold" if i % 3 else "free"})
        e.timestamp.FromDatetime(start + timedelta(seconds=i))
        out.append(e.SerializeToString())
    return out


async def _fresh_db(directory: Path, name: str) -> Database:
    url = f"sqlite+aiosqlite:///{directory / name}.db"
    await migrate(url, "identity")
    return Database.from_url(url)


async def _rebuild(tmp: Path) -> dict[str, Any]:
    payloads = _identify_payloads(REBUILD_EVENTS)

    async def source() -> AsyncIterator[list[ingest_pb.Event]]:
        for i in range(0, len(payloads), 500):  # QueryArchive's chunk size
            yield [ingest_pb.Event.FromString(p) for p in payloads[i:i + 500]]

    db = await _fresh_db(tmp, "rebuild")
    try:
        result = await Rebuilder(ProfileStore(db), None, batch=10_000).rebuild(source())
    finally:
        await db.dispose()
    raw = await _fresh_db(tmp, "rebuild-raw")
    try:
        start = time.perf_counter()
        async with raw.begin() as conn:
            rows = []
            for i, data in enumerate(payloads):
                e = ingest_pb.Event.FromString(data)
                rows.append({"type": "user_id", "value": e.user_id + f"-{i}", "profile_id": e.message_id,
                             "first_seen": datetime.now(UTC), "origin_profile_id": None})
            for i in range(0, len(rows), 10_000):
                await conn.execute(insert(identifiers), rows[i:i + 10_000])
        ceiling = time.perf_counter() - start
    finally:
        await raw.dispose()
    rate = result.events / result.seconds
    return {"events": result.events, "profiles": result.profiles, "seconds": round(result.seconds, 2),
            "events_per_s": round(rate), "extrapolated_seconds_for_1M": round(1_000_000 / rate, 1),
            "goal_seconds_for_1M": 10,
            "ceiling_decode_and_insert_events_per_s": round(len(payloads) / ceiling)}


def _live_messages(bus: EventBus, count: int) -> list[list[Outgoing]]:
    customers = make_customers(max(50, count // 7), seed=21)
    events = list(history(customers, seed=8))[:count]
    requests = []
    for i in range(0, len(events), 500):
        groups: dict[str, list[ingest_pb.Event]] = {}
        for e in events[i:i + 500]:
            groups.setdefault(bus.event_subject(profile_key(e), "batch"), []).append(e)
        requests.append([Outgoing(s, ingest_pb.EventBatch(events=g).SerializeToString(), batch_id(g))
                         for s, g in groups.items()])
    return requests


async def _consume(bus: EventBus, durable: str, total: int, handler: Any) -> float:
    done = asyncio.Event()
    seen = [0]

    async def handle(msgs: list[Any]) -> None:
        events = decode_batches(m.data for m in msgs)
        await handler(events)
        seen[0] += len(events)
        if seen[0] >= total:
            done.set()

    start = time.perf_counter()
    consumer = await bus.consume(durable, "loom.events.>", handle, batch=256)
    try:
        await asyncio.wait_for(done.wait(), timeout=300)
    finally:
        await consumer.stop()
    return time.perf_counter() - start


async def _live(tmp: Path, nats_url: str) -> tuple[dict[str, Any], Path]:
    bus = await EventBus.connect(nats_url, name="bench-identity", prefix="idbench")
    await bus.ensure_streams()
    db = await _fresh_db(tmp, "live")
    try:
        messages = _live_messages(bus, LIVE_EVENTS)
        for batch in messages:
            await bus.publish_many(batch)
        total = sum(len(ingest_pb.EventBatch.FromString(m.data).events) for b in messages for m in b)

        async def noop(_events: list[ingest_pb.Event]) -> None:
            return None

        ceiling = await _consume(bus, "bench-raw", total, noop)
        store = ProfileStore(db)
        store.hooks.append(AudienceEngine(db).on_profiles_changed)
        seconds = await _consume(bus, "bench-identity", total, store.apply_batch)
        async with db.connect() as conn:
            applied = (await conn.execute(select(func.count()).select_from(processed_events))).scalar_one()
            count = (await conn.execute(select(func.count()).select_from(profiles))).scalar_one()
    finally:
        await db.dispose()
        await bus.delete_streams()
        await bus.close()
    return ({"events": total, "applied": applied, "profiles": count, "events_per_s": round(total / seconds),
             "goal_events_per_s": 20_000, "ceiling_decode_only_events_per_s": round(total / ceiling)},
            tmp / "live.db")


async def _latencies(call: Any, count: int, concurrency: int) -> list[float]:
    samples: list[float] = []
    queue = list(range(count))

    async def worker() -> None:
        while queue:
            i = queue.pop()
            t = time.perf_counter()
            await call(i)
            samples.append(time.perf_counter() - t)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return samples


def _percentiles(samples: list[float]) -> dict[str, float]:
    q = statistics.quantiles(samples, n=100)
    return {"p50_ms": round(q[49] * 1000, 3), "p99_ms": round(q[98] * 1000, 3)}


async def _get_profile(tmp: Path, nats_url: str, db_path: Path) -> dict[str, Any]:
    tokens = write_tokens(tmp)
    port = free_port()
    env = {**os.environ, "LOOM_GRPC_PORT": str(port), "LOOM_METRICS_PORT": "0", "LOOM_GRPC_HOST": "127.0.0.1",
           "LOOM_NATS_URL": nats_url, "LOOM_BUS_PREFIX": "idget", "LOOM_DB_URL": f"sqlite+aiosqlite:///{db_path}",
           "LOOM_AUTH_TOKENS_FILE": str(tokens.path), "LOOM_LOG_LEVEL": "WARNING", "LOOM_INGESTION_ADDR": ""}
    proc = subprocess.Popen([sys.executable, "-m", "services.identity"], cwd=REPO, env=env, text=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    echo_port = free_port()
    echo = subprocess.Popen([sys.executable, "-m", "tests.bench.echo_server", str(echo_port)], cwd=REPO,
                            text=True, stdout=subprocess.DEVNULL)
    try:
        _wait_ready(proc, "identity service", port)
        _wait_ready(echo, "echo server", echo_port)
        db = Database.from_url(f"sqlite+aiosqlite:///{db_path}")
        async with db.connect() as conn:
            users = [r[0] for r in await conn.execute(
                select(identifiers.c.value).where(identifiers.c.type == "user_id").limit(2000))]
        await db.dispose()
        async with channel(f"127.0.0.1:{port}", tokens.service) as ch:
            stub = identity_pb2_grpc.IdentityServiceStub(ch)

            def request(i: int) -> pb.GetProfileRequest:
                return pb.GetProfileRequest(lookup=pb.ProfileLookup(
                    identifier=common_pb2.Identifier(type="user_id", value=users[i % len(users)])))

            sample = await stub.GetProfile(request(0))
            await _latencies(lambda i: stub.GetProfile(request(i)), 400, 8)  # warm-up
            served = {c: _percentiles(await _latencies(lambda i: stub.GetProfile(request(i)), GET_REQUESTS, c))
                      for c in GET_CONCURRENCY}
        async with channel(f"127.0.0.1:{echo_port}", "") as ch:
            call = ch.unary_unary("/bench.Echo/Echo")
            body = sample.SerializeToString()
            await _latencies(lambda i: call(body), 400, 8)
            ceiling = {c: _percentiles(await _latencies(lambda i: call(body), GET_REQUESTS, c))
                       for c in GET_CONCURRENCY}
    finally:
        for child in (proc, echo):
            child.terminate()
            child.wait(timeout=30)
    out: dict[str, Any] = {"requests_per_level": GET_REQUESTS, "goal_p99_ms": 2.0}
    for c in GET_CONCURRENCY:
        out[f"concurrency_{c}"] = {**served[c], "ceiling_echo_p50_ms": ceiling[c]["p50_ms"],
                                   "ceiling_echo_p99_ms": ceiling[c]["p99_ms"]}
    return out


async def _audience(tmp: Path) -> dict[str, Any]:
    db = await _fresh_db(tmp, "audience")
    now = datetime.now(UTC)
    try:
        async with db.begin() as conn:
            for first_row in range(0, AUDIENCE_PROFILES, 10_000):
                rows = []
                for i in range(first_row, min(first_row + 10_000, AUDIENCE_PROFILES)):
                    last = (now - timedelta(days=i % 90)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
                    rows.append({"profile_id": f"{i:036d}", "created_at": now, "updated_at": now, "version": 1,
                                 "traits": {"plan": {"v": "gold", "t": last, "s": "b"}}, "predictive": {},
                                 "computed": {"order_count": i % 7, "last_order_at": last, "event_count": 9}})
                await conn.execute(insert(profiles), rows)
        engine = AudienceEngine(db)
        start = time.perf_counter()
        await engine.put("bench", "bench", json.dumps(RULE))
        first = time.perf_counter() - start
        start = time.perf_counter()
        entered, exited = await engine.evaluate("bench")
        again = time.perf_counter() - start
        size = (await engine.get("bench")).size
        start = time.perf_counter()
        async with db.connect() as conn:
            await conn.execute(select(func.count()).select_from(profiles).where(compile_rule(RULE)))
        ceiling = time.perf_counter() - start
    finally:
        await db.dispose()
    scale = 1_000_000 / AUDIENCE_PROFILES
    return {"profiles": AUDIENCE_PROFILES, "members": size, "first_evaluation_s": round(first, 2),
            "re_evaluation_s": round(again, 2), "changes_on_re_evaluation": entered + exited,
            "extrapolated_re_evaluation_s_for_1M": round(again * scale, 1),
            "ceiling_count_query_s": round(ceiling, 2),
            "extrapolated_ceiling_s_for_1M": round(ceiling * scale, 1)}


async def run() -> dict[str, Any]:
    """Runs every identity benchmark; returns JSON-able numbers."""
    with tempfile.TemporaryDirectory(prefix="loom-idbench-") as raw:
        tmp = Path(raw)
        nats = start_nats(tmp / "nats")
        try:
            rebuild = await _rebuild(tmp)
            live, live_db = await _live(tmp, nats.url)
            get_profile = await _get_profile(tmp, nats.url, live_db)
            audience = await _audience(tmp)
        finally:
            nats.stop()
    return {"note": "SQLite, counts scaled down; *_for_1M values are linear extrapolations",
            "rebuild": rebuild, "live": live, "get_profile": get_profile, "audience": audience}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(run()), indent=2))
