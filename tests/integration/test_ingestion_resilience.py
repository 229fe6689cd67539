"""Failure behaviour: a bus outage answers UNAVAILABLE with nothing half-written, and kill -9 of the
ingestion process under load loses no acknowledged event and archives none twice."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import grpc
import pytest
from sqlalchemy import func, select

from infra.local.procs import free_port
from loom.ingestion.v1 import ingestion_pb2 as pb
from loom.ingestion.v1 import ingestion_pb2_grpc
from services.common.storage import Database
from services.ingestion.app import IngestionConfig
from services.ingestion.app import build as build_ingestion
from services.ingestion.tables import event_archive
from tests.fixtures.nats import start_nats
from tests.fixtures.services import ServiceStack, write_tokens

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]


def page_view(message_id: str, user: str = "a1") -> pb.Event:
    return pb.Event(message_id=message_id, type=pb.EVENT_TYPE_PAGE, event="Home", anonymous_id=user)


async def test_bus_outage_is_unavailable_and_nothing_is_half_written(tmp_path: Path, db_url: str) -> None:
    nats = start_nats(tmp_path / "nats")

    async def same_db(_name: str) -> str:
        return db_url

    stack = ServiceStack(tmp_path, nats.url, same_db, write_tokens(tmp_path))
    try:
        await stack.start("ingestion", IngestionConfig, build_ingestion)
        stub = ingestion_pb2_grpc.IngestionServiceStub(stack.channel("ingestion", stack.tokens.admin))
        await stub.PutDataPlan(pb.PutDataPlanRequest(plan=pb.DataPlan(
            plan_id="strict", unplanned_mode=pb.PLAN_MODE_QUARANTINE)))
        unplanned = pb.Event(message_id="t1", type=pb.EVENT_TYPE_TRACK, event="Unplanned", user_id="u")
        batch = pb.IngestBatchRequest(events=[page_view("v1"), unplanned])

        nats.stop()
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await stub.IngestBatch(batch)
        assert err.value.code() == grpc.StatusCode.UNAVAILABLE
        assert "retry" in err.value.details()
        held = await stub.ListQuarantined(pb.ListQuarantinedRequest())
        assert held.page.total_size == 0  # the quarantine write waits for the bus

        nats.start()
        for _ in range(100):  # the client retries the same batch, as an at-least-once client does
            try:
                response = await stub.IngestBatch(batch)
                break
            except grpc.aio.AioRpcError as exc:
                assert exc.code() == grpc.StatusCode.UNAVAILABLE
                await asyncio.sleep(0.2)
        else:
            raise AssertionError("ingestion never recovered after the bus came back")
        assert [r.status for r in response.results] == [pb.EVENT_STATUS_ACCEPTED, pb.EVENT_STATUS_QUARANTINED]
        assert (await stub.ListQuarantined(pb.ListQuarantinedRequest())).page.total_size == 1
    finally:
        await stack.stop()
        nats.stop()


def _start(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "services.ingestion"], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=open(log, "ab"))  # noqa: SIM115 - child owns it


async def _archive_count(db: Database) -> tuple[int, int]:
    async with db.connect() as conn:
        rows, distinct = (await conn.execute(select(func.count(), func.count(event_archive.c.message_id.distinct()))
                                             .select_from(event_archive))).one()
    return int(rows), int(distinct)


async def test_kill_9_under_load_loses_and_duplicates_nothing(tmp_path: Path, nats_server: str) -> None:
    tokens = write_tokens(tmp_path)
    port = free_port()
    db_file = tmp_path / "ingestion.db"
    env = {**os.environ, "LOOM_GRPC_PORT": str(port), "LOOM_GRPC_HOST": "127.0.0.1", "LOOM_METRICS_PORT": "0",
           "LOOM_NATS_URL": nats_server, "LOOM_BUS_PREFIX": f"k{uuid.uuid4().hex[:10]}",
           "LOOM_DB_URL": f"sqlite+aiosqlite:///{db_file}", "LOOM_AUTH_TOKENS_FILE": str(tokens.path),
           "LOOM_LOG_LEVEL": "WARNING", "LOOM_ARCHIVER_ACK_WAIT_S": "2"}
    log = tmp_path / "ingestion.log"
    batches = [[page_view(f"k{b}-{i}", user=f"user{i % 97}") for i in range(200)] for b in range(45)]
    accepted: list[str] = []
    acknowledged: set[str] = set()
    done = 0
    half_way = asyncio.Event()
    proc = _start(env, log)
    options = [("grpc.initial_reconnect_backoff_ms", 100), ("grpc.max_reconnect_backoff_ms", 300)]
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}", options=options) as ch:
            stub = ingestion_pb2_grpc.IngestionServiceStub(ch)
            metadata = (("authorization", f"Bearer {tokens.service}"),)

            async def send(events: list[pb.Event]) -> None:
                nonlocal done
                for _ in range(300):  # an at-least-once client: resend the same batch until it is answered
                    try:
                        reply = await stub.IngestBatch(pb.IngestBatchRequest(events=events), metadata=metadata,
                                                       timeout=30, wait_for_ready=True)
                    except grpc.aio.AioRpcError as exc:
                        assert exc.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED,
                                              grpc.StatusCode.CANCELLED), exc
                        await asyncio.sleep(0.1)
                        continue
                    for r in reply.results:
                        assert r.status in (pb.EVENT_STATUS_ACCEPTED, pb.EVENT_STATUS_DUPLICATE), r
                        if r.status == pb.EVENT_STATUS_ACCEPTED:
                            accepted.append(r.message_id)
                        acknowledged.add(r.message_id)
                    done += 1
                    if done == len(batches) // 3:
                        half_way.set()
                    return
                raise AssertionError("batch never acknowledged")

            queue = list(reversed(batches))

            async def worker() -> None:
                while queue:
                    await send(queue.pop())

            load = asyncio.gather(*(worker() for _ in range(4)))
            await asyncio.wait_for(half_way.wait(), 120)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            killed_at = done
            proc = _start(env, log)
            await asyncio.wait_for(load, 180)
            assert killed_at < len(batches), "the kill came after the load had finished"

        every_id = {e.message_id for b in batches for e in b}
        assert acknowledged == every_id
        db = Database.from_url(f"sqlite+aiosqlite:///{db_file}")
        try:
            counts = (0, 0)
            for _ in range(600):
                counts = await _archive_count(db)
                if counts[0] >= len(every_id):
                    break
                await asyncio.sleep(0.1)
            await asyncio.sleep(1.0)  # let any stray redelivery land before the final count
            rows, distinct = await _archive_count(db)
        finally:
            await db.dispose()
        assert rows == distinct == len(every_id)
        # No event was acknowledged as newly ACCEPTED twice: the retry of a batch the crash interrupted was
        # recognised as a duplicate, by JetStream's window or by the dedup record.
        assert len(accepted) == len(set(accepted))
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def test_archiver_runs_as_its_own_process(tmp_path: Path, nats_server: str, bus) -> None:
    tokens = write_tokens(tmp_path)
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'archive.db'}"
    env = {**os.environ, "LOOM_GRPC_PORT": str(free_port()), "LOOM_GRPC_HOST": "127.0.0.1", "LOOM_METRICS_PORT": "0",
           "LOOM_NATS_URL": nats_server, "LOOM_BUS_PREFIX": bus.prefix, "LOOM_DB_URL": db_url,
           "LOOM_AUTH_TOKENS_FILE": str(tokens.path), "LOOM_LOG_LEVEL": "WARNING"}
    events = [page_view("a1"), page_view("a2", user="other")]
    await bus.publish(bus.event_subject("a1", "batch"), pb.EventBatch(events=events).SerializeToString(), msg_id="g1")
    proc = subprocess.Popen([sys.executable, "-m", "services.ingestion.archiver"], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=open(tmp_path / "archiver.log", "ab"))  # noqa: SIM115
    db = Database.from_url(db_url)
    try:
        rows = 0
        for _ in range(300):
            if proc.poll() is not None:
                log = (tmp_path / "archiver.log").read_text()
                raise AssertionError(f"archiver exited with {proc.returncode}: {log}")
            try:
                rows = (await _archive_count(db))[0]
            except Exception:  # noqa: BLE001 - the table appears once the archiver has migrated
                rows = 0
            if rows >= 2:
                break
            await asyncio.sleep(0.05)
        assert rows == 2
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        await db.dispose()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
