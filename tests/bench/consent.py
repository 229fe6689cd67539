"""CheckPurposes latency: in process (the ConsentChecker cache every service embeds, and the service's own
ledger cache) and over gRPC under load against the consent service in its own process, next to the raw gRPC
echo ceiling of the same request bytes at the same concurrency, all in one run."""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from infra.local.procs import free_port
from loom.common.v1 import common_pb2
from loom.consent.v1 import consent_pb2 as pb
from loom.consent.v1 import consent_pb2_grpc
from services.common.bus import EventBus
from services.common.client import channel
from services.common.consent import ConsentChecker
from tests.bench.ingestion import _wait_ready
from tests.fixtures.nats import start_nats
from tests.fixtures.services import write_tokens

REPO = Path(__file__).resolve().parents[2]
PEOPLE = 1000
PURPOSES = ["marketing_email", "profiling"]
CONCURRENCY = 8
CALLS = 8000


def _person(i: int) -> list[common_pb2.Identifier]:
    return [common_pb2.Identifier(type="user_id", value=f"bench-{i}")]


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {"p50_ms": round(statistics.median(ordered) * 1000, 4),
            "p99_ms": round(ordered[int(len(ordered) * 0.99) - 1] * 1000, 4)}


async def _timed(calls: list[Callable[[], Awaitable[Any]]], concurrency: int) -> tuple[list[float], float]:
    """Per-call latencies and wall seconds, with ``concurrency`` calls in flight."""
    queue = list(reversed(calls))
    samples: list[float] = []

    async def worker() -> None:
        while queue:
            call = queue.pop()
            start = time.perf_counter()
            await call()
            samples.append(time.perf_counter() - start)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return samples, time.perf_counter() - start


async def _echo(request: bytes, concurrency: int) -> dict[str, float]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "tests.bench.echo_server", str(port)], cwd=REPO,
                            stdout=subprocess.DEVNULL, text=True)
    try:
        _wait_ready(proc, "echo server", port)
        async with channel(f"127.0.0.1:{port}", "") as ch:
            echo = ch.unary_unary("/bench.Echo/Echo")
            await echo(request)
            samples, seconds = await _timed([lambda: echo(request)] * CALLS, concurrency)
    finally:
        proc.kill()
        proc.wait()
    return {**_percentiles(samples), "calls_per_s": round(len(samples) / seconds)}


def _start_service(tmp: Path, nats_url: str, prefix: str) -> tuple[subprocess.Popen[str], int, str]:
    tokens = write_tokens(tmp)
    port = free_port()
    env = {**os.environ, "LOOM_GRPC_PORT": str(port), "LOOM_METRICS_PORT": str(free_port()),
           "LOOM_GRPC_HOST": "127.0.0.1", "LOOM_NATS_URL": nats_url, "LOOM_BUS_PREFIX": prefix,
           "LOOM_DB_URL": f"sqlite+aiosqlite:///{tmp / 'consent.db'}", "LOOM_AUTH_TOKENS_FILE": str(tokens.path),
           "LOOM_LOG_LEVEL": "WARNING", "LOOM_TEMPORAL_ADDRESS": ""}
    proc = subprocess.Popen([sys.executable, "-m", "services.consent"], cwd=REPO, env=env, text=True,
                            stdout=subprocess.DEVNULL, stderr=open(tmp / "consent.log", "w"))
    _wait_ready(proc, "consent service", port)
    return proc, port, tokens.service


async def _in_process_service(tmp: Path) -> dict[str, float]:
    """The service's own CheckPurposes handler called directly: ledger cache plus the decision rule."""
    from services.common.migrate import migrate
    from services.common.storage import Database
    from services.consent.audit_trail import AuditTrail
    from services.consent.governance import AuditLog, RoleStore
    from services.consent.ledger import ConsentLedger
    from services.consent.policy_store import PolicyStore
    from services.consent.requests import PrivacyRequests
    from services.consent.servicer import ConsentServicer

    url = f"sqlite+aiosqlite:///{tmp / 'in-process.db'}"
    await migrate(url, "consent")
    async with Database.from_url(url) as db:
        policies = PolicyStore(db)
        await policies.load()
        ledger = ConsentLedger(db, policies)
        servicer = ConsentServicer(ledger, RoleStore(db), AuditTrail(AuditLog(db)), PrivacyRequests(db), None)
        for i in range(PEOPLE):
            await ledger.append(identifiers=[("user_id", f"bench-{i}")], market="SE", source="bench", given_at=None,
                                proof={}, gpc=False, purposes={"marketing_email": i % 2 == 0, "profiling": True})
        requests = [pb.CheckPurposesRequest(identifiers=_person(i), market="SE", purpose_ids=PURPOSES)
                    for i in range(PEOPLE)]
        for r in requests:
            await servicer.CheckPurposes(r, None)  # type: ignore[arg-type]  # the handler never reads context
        samples = []
        for i in range(CALLS * 2):
            start = time.perf_counter()
            await servicer.CheckPurposes(requests[i % PEOPLE], None)  # type: ignore[arg-type]
            samples.append(time.perf_counter() - start)
    return _percentiles(samples)


async def _suppression(stub: consent_pb2_grpc.ConsentServiceStub, checker: ConsentChecker,
                       people: list[list[common_pb2.Identifier]], batch: int = 500, rounds: int = 10
                       ) -> dict[str, float]:
    """Milliseconds to judge one ingestion batch of ``batch`` distinct people against the suppression list:
    one IsSuppressed call per person (all in flight at once), one call for the batch (no cache: a checker
    without a bus), and the batch again once the live checker has cached the clear answers."""
    uncached = ConsentChecker(stub, None)
    groups = [people[i % len(people)] for i in range(batch)]
    out: dict[str, list[float]] = {"per_person_calls": [], "one_call": [], "one_call_cached": []}
    await checker.suppressed_people(groups)
    for _ in range(rounds):
        start = time.perf_counter()
        await asyncio.gather(*(uncached.is_suppressed(g) for g in groups))
        out["per_person_calls"].append(time.perf_counter() - start)
        start = time.perf_counter()
        await uncached.suppressed_people(groups)
        out["one_call"].append(time.perf_counter() - start)
        start = time.perf_counter()
        await checker.suppressed_people(groups)
        out["one_call_cached"].append(time.perf_counter() - start)
    return {"people_per_batch": batch, **{f"{k}_ms": round(statistics.median(v) * 1000, 2) for k, v in out.items()}}


async def run() -> dict[str, Any]:
    """Seeds 1000 people, then measures the three paths and the echo ceiling."""
    with tempfile.TemporaryDirectory(prefix="loom-bench-consent-") as tmp_name:
        tmp = Path(tmp_name)
        nats = start_nats(tmp / "nats")
        proc = None
        try:
            proc, port, token = _start_service(tmp, nats.url, "consentbench")
            async with channel(f"127.0.0.1:{port}", token) as ch:
                stub = consent_pb2_grpc.ConsentServiceStub(ch)
                for i in range(PEOPLE):
                    await stub.SetConsent(pb.SetConsentRequest(identifiers=_person(i), market="SE", source="bench",
                                                               purposes={"marketing_email": i % 2 == 0,
                                                                         "profiling": True}))
                requests = [pb.CheckPurposesRequest(identifiers=_person(i % PEOPLE), market="SE",
                                                    purpose_ids=PURPOSES) for i in range(CALLS)]
                for r in requests[:PEOPLE]:
                    await stub.CheckPurposes(r)  # warm the service's ledger cache
                grpc_result = {}
                for concurrency in (1, CONCURRENCY):
                    samples, seconds = await _timed([lambda r=r: stub.CheckPurposes(r) for r in requests], concurrency)
                    grpc_result[concurrency] = {**_percentiles(samples), "calls_per_s": round(len(samples) / seconds)}

                bus = await EventBus.connect(nats.url, name="bench-checker", prefix="consentbench")
                checker = ConsentChecker(stub, bus)
                await checker.start()
                try:
                    people = [_person(i) for i in range(PEOPLE)]
                    for p in people:
                        await checker.check(p, PURPOSES, market="SE")
                    in_process: list[float] = []
                    for i in range(CALLS * 4):
                        start = time.perf_counter()
                        await checker.check(people[i % PEOPLE], PURPOSES, market="SE")
                        in_process.append(time.perf_counter() - start)
                    suppression = await _suppression(stub, checker, people)
                finally:
                    await checker.close()
                    await bus.close()
            echo = {c: await _echo(requests[0].SerializeToString(), c) for c in (1, CONCURRENCY)}
            service_in_process = await _in_process_service(tmp)
        finally:
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=30)
            nats.stop(timeout=10)
    return {
        "people": PEOPLE,
        "purposes_per_check": len(PURPOSES),
        "concurrency_under_load": CONCURRENCY,
        "in_process_checker_cache": _percentiles(in_process),
        "in_process_service_handler": service_in_process,
        "grpc_check_purposes_serial": grpc_result[1],
        "ceiling_grpc_echo_serial": echo[1],
        "grpc_check_purposes_under_load": grpc_result[CONCURRENCY],
        "ceiling_grpc_echo_under_load": echo[CONCURRENCY],
        "suppression_per_ingestion_batch": suppression,
        "under_load_p99_over_echo_p99": round(grpc_result[CONCURRENCY]["p99_ms"] / max(echo[CONCURRENCY]["p99_ms"],
                                                                                     1e-9), 2),
    }


if __name__ == "__main__":
    import json

    print(json.dumps(asyncio.run(run()), indent=2))
