"""Audit entries travel over the AUDIT stream: once published, neither a crash of the recording service nor an
outage of the consent service loses them, and a batch redelivered after a crash is appended once."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from loom.consent.v1 import consent_pb2 as pb
from loom.consent.v1 import consent_pb2_grpc
from services.common.audit import AuditTrail
from services.common.bus import EventBus
from services.common.migrate import migrate
from services.common.storage import Database
from services.consent.app import ConsentConfig, build
from services.consent.governance import AuditLog

pytestmark = pytest.mark.integration


async def test_entries_published_before_a_crash_reach_the_log_when_consent_comes_up(service_stack) -> None:
    bus = await EventBus.connect(service_stack.nats_url, name="audit-test", prefix=service_stack.prefix)
    try:
        await bus.ensure_streams()
        trail = AuditTrail(bus, "identity")
        for i in range(3):
            trail.record("profile.read", f"profile:p-{i}", details={"masked_fields": i})
        await trail.flush()
        assert trail.waiting == 0
        stream = bus.wire_stream("AUDIT")
        assert (await bus.js.stream_info(stream)).state.messages == 1  # one batch, stored on disk
        del trail  # the recording service "crashes" right after publishing; nothing was sent to consent

        # The consent service was down all along; it starts now and takes the batch from the stream.
        await service_stack.start("consent", ConsentConfig, build, temporal_address="")
        admin = consent_pb2_grpc.ConsentServiceStub(service_stack.channel("consent", service_stack.tokens.admin))
        entries: list[pb.AuditEntry] = []
        for _ in range(100):
            entries = list((await admin.QueryAudit(pb.QueryAuditRequest(service="identity"))).entries)
            if len(entries) == 3:
                break
            await asyncio.sleep(0.05)
        assert sorted(e.resource for e in entries) == ["profile:p-0", "profile:p-1", "profile:p-2"]
        assert {e.actor for e in entries} == {"anonymous"} and all(e.hash for e in entries)
        # A work queue: appended batches leave the stream.
        for _ in range(100):
            if (await bus.js.stream_info(stream)).state.messages == 0:
                break
            await asyncio.sleep(0.05)
        assert (await bus.js.stream_info(stream)).state.messages == 0
    finally:
        await bus.close()


async def test_a_redelivered_batch_is_appended_once(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'consent.db'}"
    await migrate(url, "consent")
    async with Database.from_url(url) as db:
        log = AuditLog(db)
        row = {"actor": "svc", "role": "service", "service": "identity", "action": "profile.read",
               "resource": "profile:p-1", "outcome": pb.AUDIT_OUTCOME_SUCCESS, "reason": "", "request_id": "",
               "details": {}}
        first = await log.append([row, row], batch_id="loom.audit.identity:b-1")
        again = await log.append([row, row], batch_id="loom.audit.identity:b-1")
        other = await log.append([row], batch_id="loom.audit.identity:b-2")
        assert [r["sequence"] for r in first] == [1, 2] and again == [] and [r["sequence"] for r in other] == [3]
        assert len(await log.query(service="identity")) == 3
