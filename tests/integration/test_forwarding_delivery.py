"""Bus events to webhooks through the real service: retries, isolation, dead letters and replay, pause."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from prometheus_client import REGISTRY

from loom.common.v1 import common_pb2
from loom.forwarding.v1 import forwarding_pb2 as fpb
from loom.forwarding.v1 import forwarding_pb2_grpc
from services.common.bus import EventBus
from services.common.errors import field_violations
from services.forwarding.app import ForwardingConfig, build
from tests.bench.forwarding import HttpSink, make_event, publish_events, webhook
from tests.fixtures.services import ServiceStack, write_tokens

pytestmark = pytest.mark.integration


@pytest.fixture
async def stack(tmp_path: Path, nats_server: str) -> AsyncIterator[ServiceStack]:
    """Forwarding on the session NATS with its own SQLite file (PostgreSQL runs in the messages tests)."""

    async def sqlite(name: str) -> str:
        return f"sqlite+aiosqlite:///{tmp_path / (name + '.db')}"

    s = ServiceStack(tmp_path, nats_server, sqlite, write_tokens(tmp_path))
    try:
        yield s
    finally:
        await s.stop()


@pytest.fixture
async def sink() -> AsyncIterator[HttpSink]:
    """A webhook receiver that accepts everything."""
    s = await HttpSink().start()
    yield s
    await s.stop()


async def start(stack: ServiceStack) -> tuple[forwarding_pb2_grpc.ForwardingServiceStub, EventBus]:
    """Starts forwarding; returns an admin stub and a bus on the stack's prefix."""
    await stack.start("forwarding", ForwardingConfig, build)
    bus = await EventBus.connect(stack.nats_url, prefix=stack.prefix)
    await bus.ensure_streams()
    return forwarding_pb2_grpc.ForwardingServiceStub(stack.channel("forwarding", stack.tokens.admin)), bus


async def put(stub: Any, destination: fpb.Destination) -> fpb.Destination:
    """PutDestination."""
    return (await stub.PutDestination(fpb.PutDestinationRequest(destination=destination))).destination


async def test_500_then_200_delivers_each_event_exactly_once(stack: ServiceStack) -> None:
    # The first two requests fail with 500; every later one succeeds.
    sink = await HttpSink(responder=lambda n, _r: (500 if n < 2 else 200, 0.0)).start()
    stub, bus = await start(stack)
    try:
        await put(stub, webhook("flaky", sink.url + "/hook", max_items=50))
        events = [make_event(f"m{i}", f"u{i % 5}") for i in range(40)]
        await publish_events(bus, events)
        await sink.wait_for(lambda s: len(s.applied) == 40)
        assert sink.duplicates == 0
        assert set(sink.applied) == {f"flaky:m{i}" for i in range(40)}
        assert all(count == 1 for count in sink.applied.values())
        assert [r.status for r in sink.requests[:2]] == [500, 500]
        # The sink counts a request before it answers; the worker counts after the answer arrives.
        for _ in range(50):
            delivered = REGISTRY.get_sample_value("loom_forwarding_deliveries_total",
                                                  {"destination": "flaky", "outcome": "delivered"})
            if delivered == 40:
                break
            await asyncio.sleep(0.05)
        failed = REGISTRY.get_sample_value("loom_forwarding_deliveries_total",
                                           {"destination": "flaky", "outcome": "failed"})
        assert delivered == 40 and failed is not None and failed >= 1
        # Per-user order survived the retries: each user's events arrive in publish order.
        for user in (f"u{k}" for k in range(5)):
            seen = [p["message_id"] for p in sink.payloads() if p["user_id"] == user]
            assert seen == sorted(seen, key=lambda m: int(m[1:]))
    finally:
        await bus.close()
        await sink.stop()


async def test_a_hanging_destination_does_not_hold_up_another(stack: ServiceStack, sink: HttpSink) -> None:
    hang = asyncio.Event()

    async def never(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await hang.wait()  # accepts the connection and never answers
        writer.close()

    hanging = await asyncio.start_server(never, "127.0.0.1", 0)
    port = hanging.sockets[0].getsockname()[1]
    stub, bus = await start(stack)
    try:
        await put(stub, webhook("stuck", f"http://127.0.0.1:{port}/hook", timeout_s=30, max_items=10))
        await put(stub, webhook("healthy", sink.url + "/hook", max_items=10))
        await publish_events(bus, [make_event(f"h{i}", f"u{i}") for i in range(30)])
        # Every event reaches the healthy destination while the stuck one is still waiting for its first
        # answer (its timeout is 30 s, far longer than this wait).
        await sink.wait_for(lambda s: len(s.applied) == 30, timeout=15)
        assert set(sink.applied) == {f"healthy:h{i}" for i in range(30)}
        status = await stub.GetDestination(fpb.GetDestinationRequest(destination_id="stuck"))
        assert status.dead_letters == 0
    finally:
        hang.set()
        hanging.close()
        await bus.close()


async def test_a_dead_lettered_batch_replays_after_the_fix(stack: ServiceStack) -> None:
    broken = {"on": True}
    sink = await HttpSink(responder=lambda _n, _r: (400 if broken["on"] else 200, 0.0)).start()
    stub, bus = await start(stack)
    try:
        await put(stub, webhook("strict", sink.url + "/hook", max_items=20))
        await publish_events(bus, [make_event(f"d{i}", "ann") for i in range(5)])
        for _ in range(100):
            listed = await stub.ListDeadLetters(fpb.ListDeadLettersRequest(
                filter=fpb.DeadLetterFilter(destination_id="strict")))
            if len(listed.dead_letters) == 5:
                break
            await asyncio.sleep(0.1)
        assert len(listed.dead_letters) == 5
        letter = listed.dead_letters[0]
        assert letter.permanent and "HTTP 400" in letter.error and "sink says no" in letter.error
        assert letter.delivery.status == fpb.DELIVERY_STATUS_DEAD_LETTERED
        assert letter.payload["event"] == "Order Completed"
        assert not sink.applied  # a 400 is never retried

        broken["on"] = False  # the receiver is fixed
        replay = fpb.ReplayDeadLettersRequest(filter=fpb.DeadLetterFilter(destination_id="strict"), replay_id="fix-1")
        first = await stub.ReplayDeadLetters(replay)
        again = await stub.ReplayDeadLetters(replay)
        other = await stub.ReplayDeadLetters(fpb.ReplayDeadLettersRequest(
            filter=fpb.DeadLetterFilter(destination_id="strict"), replay_id="fix-2"))
        assert (first.replayed_count, again.replayed_count, other.replayed_count) == (5, 5, 0)
        await sink.wait_for(lambda s: len(s.applied) == 5)
        await asyncio.sleep(0.3)
        assert sink.duplicates == 0 and set(sink.applied) == {f"strict:d{i}" for i in range(5)}
        delivered = await stub.ListDeliveries(fpb.ListDeliveriesRequest(
            destination_id="strict", status=fpb.DELIVERY_STATUS_DELIVERED))
        assert len(delivered.deliveries) == 5
    finally:
        await bus.close()
        await sink.stop()


async def test_retries_give_up_only_after_attempts_and_window(stack: ServiceStack) -> None:
    sink = await HttpSink(responder=lambda _n, _r: (503, 0.0)).start()
    stub, bus = await start(stack)
    try:
        await put(stub, webhook("down", sink.url + "/hook", attempts=3, window_s=0.5, initial_backoff_s=0.05))
        await publish_events(bus, [make_event("g1", "bob")])
        for _ in range(100):
            listed = await stub.ListDeadLetters(fpb.ListDeadLettersRequest(
                filter=fpb.DeadLetterFilter(destination_id="down", permanent=False)))
            if listed.dead_letters:
                break
            await asyncio.sleep(0.1)
        letter = listed.dead_letters[0]
        assert letter.delivery.attempts >= 3 and "gave up after" in letter.error
        assert len(sink.requests) == letter.delivery.attempts
        span = letter.dead_lettered_at.ToDatetime() - letter.delivery.created_at.ToDatetime()
        assert span.total_seconds() >= 0.5  # the window held it even after 3 attempts
    finally:
        await bus.close()
        await sink.stop()


async def test_paused_destination_queues_and_resume_sends(stack: ServiceStack, sink: HttpSink) -> None:
    stub, bus = await start(stack)
    try:
        await put(stub, webhook("later", sink.url + "/hook", max_items=10))
        paused = await stub.PauseDestination(fpb.PauseDestinationRequest(destination_id="later", reason="audit"))
        assert paused.destination.state == fpb.DESTINATION_STATE_PAUSED
        await publish_events(bus, [make_event(f"p{i}", "cid") for i in range(3)])
        for _ in range(50):
            got = await stub.GetDestination(fpb.GetDestinationRequest(destination_id="later"))
            if got.queued == 3:
                break
            await asyncio.sleep(0.1)
        assert got.queued == 3 and not sink.requests
        await stub.ResumeDestination(fpb.ResumeDestinationRequest(destination_id="later"))
        await sink.wait_for(lambda s: len(s.applied) == 3)
    finally:
        await bus.close()


async def test_consent_and_filter_decide_what_is_forwarded(stack: ServiceStack, sink: HttpSink) -> None:
    stub, bus = await start(stack)
    try:
        await put(stub, webhook("orders", sink.url + "/hook", filter_text='event == "Order Completed"'))
        await publish_events(bus, [
            make_event("c1", "u1"),
            make_event("c2", "u2", consent={"analytics": False}),  # refused
            make_event("c3", "u3", consent={}),  # unknown and no checker: fail closed
            make_event("c4", "u4", event="Product Viewed"),  # filtered out
            make_event("c5", "u5"),
        ])
        await sink.wait_for(lambda s: len(s.applied) == 2)
        await asyncio.sleep(0.3)
        assert set(sink.applied) == {"orders:c1", "orders:c5"}
    finally:
        await bus.close()


async def test_invalid_destination_is_rejected_with_field_violations(stack: ServiceStack) -> None:
    stub, bus = await start(stack)
    await bus.close()
    bad = fpb.Destination(destination_id="Bad Id", webhook=fpb.WebhookConfig(url="ftp://x"),
                          mapping=fpb.Mapping(filter='event == "x" &&', fields={"to": "traits..email"}))
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await put(stub, bad)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    fields = {v.field for v in field_violations(caught.value)}
    assert {"destination.destination_id", "destination.webhook.url", "destination.required_purposes",
            "destination.mapping.filter", "destination.mapping.fields['to']"} <= fields


async def test_delete_dead_letters_the_queue_and_erasure_removes_the_person(stack: ServiceStack,
                                                                            sink: HttpSink) -> None:
    stub, bus = await start(stack)
    try:
        await put(stub, webhook("gone", sink.url + "/hook"))
        await stub.PauseDestination(fpb.PauseDestinationRequest(destination_id="gone", reason="migrating"))
        await publish_events(bus, [make_event("z1", "dora"), make_event("z2", "dora"), make_event("z3", "eve")])
        for _ in range(50):
            if (await stub.GetDestination(fpb.GetDestinationRequest(destination_id="gone"))).queued == 3:
                break
            await asyncio.sleep(0.1)
        deleted = await stub.DeleteDestination(fpb.DeleteDestinationRequest(destination_id="gone"))
        assert deleted.dead_lettered == 3
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await stub.GetDestination(fpb.GetDestinationRequest(destination_id="gone"))
        assert caught.value.code() == grpc.StatusCode.NOT_FOUND
        replay = await stub.ReplayDeadLetters(fpb.ReplayDeadLettersRequest(
            filter=fpb.DeadLetterFilter(destination_id="gone"), replay_id="too-late"))
        assert (replay.replayed_count, replay.skipped_count) == (0, 3)  # the destination is gone

        subject = common_pb2.DataSubjectRef(identifiers=[common_pb2.Identifier(type="profile_id", value="dora")])
        exported = await stub.ExportPerson(fpb.ExportPersonRequest(subject=subject))
        assert {d.message_id for d in exported.deliveries} == {"z1", "z2"} and len(exported.dead_letters) == 2
        erased = await stub.ErasePerson(fpb.ErasePersonRequest(subject=subject))
        assert erased.receipts[0].items_erased == 4
        again = await stub.ExportPerson(fpb.ExportPersonRequest(subject=subject))
        assert not again.deliveries and not again.dead_letters
        assert not sink.requests
    finally:
        await bus.close()
