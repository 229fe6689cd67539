"""The event bus against a real nats-server: ordering, dedup, redelivery, dead letters, outages, durability."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from nats.aio.msg import Msg
from prometheus_client import REGISTRY

from infra.local.nats import NatsServer
from infra.local.procs import free_port
from services.common.bus import BusUnavailable, EventBus, Outgoing, partition_of
from tests.fixtures.nats import start_nats

pytestmark = pytest.mark.integration


async def wait_until(predicate: Callable[[], bool], what: str, limit: float = 10.0) -> None:
    """Polls ``predicate`` until true; fails the test with ``what`` after ``limit`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while not predicate():
        if loop.time() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def assert_settled(bus: EventBus, durable: str) -> None:
    """Every message was delivered and acked (or terminated); acks are asynchronous, so poll briefly."""
    for _ in range(100):
        info = await bus.js.consumer_info(bus.wire_stream("EVENTS"), durable)
        if info.num_ack_pending == 0 and info.num_pending == 0:
            return
        await asyncio.sleep(0.02)
    pytest.fail(f"consumer {durable}: {info.num_ack_pending} unacked, {info.num_pending} undelivered")


def metric(name: str, **labels: str) -> float:
    """Current value of a sample in the default Prometheus registry (0 when never set)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_event_subject_is_stable_per_profile(bus: EventBus) -> None:
    subject = bus.event_subject("user-42", "Order Completed")
    assert subject == f"loom.events.p{partition_of('user-42', 16):02d}.order_completed"
    assert bus.event_subject("user-42", "track").split(".")[2] == subject.split(".")[2]
    parts = {bus.event_subject(f"user-{i}", "track").split(".")[2] for i in range(500)}
    assert len(parts) == 16


async def test_consumer_sees_each_profiles_events_in_publish_order(bus: EventBus) -> None:
    profiles = [f"user-{i}" for i in range(8)]
    items = [
        Outgoing(bus.event_subject(p, "track"), json.dumps({"p": p, "n": n}).encode(), msg_id=f"{p}-{n}")
        for n in range(40)
        for p in profiles
    ]
    published_before = metric("loom_bus_published_total", stream="EVENTS")
    acks = await bus.publish_many(items)
    assert [a.seq for a in acks] == list(range(1, len(items) + 1))
    assert metric("loom_bus_published_total", stream="EVENTS") - published_before == len(items)

    seen: dict[str, list[int]] = defaultdict(list)
    subjects: set[str] = set()

    async def handle(msgs: list[Msg]) -> None:
        for msg in msgs:
            body = json.loads(msg.data)
            seen[body["p"]].append(body["n"])
            subjects.add(msg.subject)

    consumer = await bus.consume("order", "loom.events.>", handle, batch=64, pending_interval=0.1)
    await wait_until(lambda: sum(map(len, seen.values())) == len(items), "every event")
    assert all(seen[p] == list(range(40)) for p in profiles)
    assert all(s.startswith("loom.events.p") for s in subjects), "handlers see logical subjects"
    await wait_until(lambda: metric("loom_bus_consumer_pending", consumer="order") == 0, "pending gauge at 0")
    await consumer.stop()
    await assert_settled(bus, "order")


async def test_same_msg_id_is_stored_once(bus: EventBus) -> None:
    subject = bus.event_subject("user-1", "track")
    first = await bus.publish(subject, b"a", msg_id="m-1")
    again = await bus.publish(subject, b"a", msg_id="m-1")
    assert not first.duplicate and again.duplicate and again.seq == first.seq
    acks = await bus.publish_many([Outgoing(subject, b"b", msg_id="m-2"), Outgoing(subject, b"b", msg_id="m-2")])
    assert [bool(a.duplicate) for a in acks] == [False, True]
    info = await bus.js.stream_info(bus.wire_stream("EVENTS"))
    assert info.state.messages == 2


async def test_failed_handler_gets_the_message_again(bus: EventBus) -> None:
    await bus.publish(bus.event_subject("user-1", "track"), b"flaky", msg_id="f-1")
    deliveries: list[int] = []

    async def handle(msgs: list[Msg]) -> None:
        deliveries.append(msgs[0].metadata.num_delivered)
        if len(deliveries) == 1:
            raise RuntimeError("downstream hiccup")

    naks_before = metric("loom_bus_consumed_total", consumer="flaky", outcome="nak")
    consumer = await bus.consume("flaky", "loom.events.>", handle, retry_delay=0.05)
    await wait_until(lambda: len(deliveries) == 2, "the redelivery")
    await consumer.stop()
    assert deliveries == [1, 2]
    assert metric("loom_bus_consumed_total", consumer="flaky", outcome="nak") - naks_before == 1
    await assert_settled(bus, "flaky")


async def test_poison_message_goes_to_dead_letter_and_the_rest_are_handled(bus: EventBus) -> None:
    subject = bus.event_subject("user-7", "track")
    await bus.publish_many([Outgoing(subject, body.encode()) for body in ("ok-1", "poison", "ok-2")])
    handled: list[bytes] = []

    async def handle(msgs: list[Msg]) -> None:
        if any(m.data == b"poison" for m in msgs):
            raise ValueError("cannot parse")
        handled.extend(m.data for m in msgs)

    consumer = await bus.consume("strict", "loom.events.>", handle, batch=10, max_deliver=2, retry_delay=0.05)
    dead = await bus.js.pull_subscribe(bus.subject("loom.deadletter.strict"), stream=bus.wire_stream("DEADLETTER"))
    letters = await dead.fetch(1, timeout=10)
    await consumer.stop()

    assert letters[0].data == b"poison"
    assert letters[0].headers is not None
    assert letters[0].headers["Loom-Original-Subject"] == subject
    assert letters[0].headers["Loom-Deliveries"] == "2"
    assert "cannot parse" in letters[0].headers["Loom-Error"]
    assert sorted(set(handled)) == [b"ok-1", b"ok-2"]
    await assert_settled(bus, "strict")


async def test_stop_finishes_the_batch_in_hand(bus: EventBus) -> None:
    await bus.publish_many([Outgoing(bus.event_subject("u", "track"), str(i).encode()) for i in range(5)])
    started = asyncio.Event()
    finished: list[int] = []

    async def slow(msgs: list[Msg]) -> None:
        started.set()
        await asyncio.sleep(0.3)
        finished.append(len(msgs))

    consumer = await bus.consume("drain", "loom.events.>", slow, batch=5)
    await asyncio.wait_for(started.wait(), 10)
    await consumer.stop()
    assert finished == [5] and not consumer.running
    await assert_settled(bus, "drain")


async def test_first_connect_fails_fast_with_a_clear_error() -> None:
    url = f"nats://127.0.0.1:{free_port()}"
    with pytest.raises(BusUnavailable, match="cannot connect to NATS"):
        await EventBus.connect(url, connect_timeout=1.0)


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[NatsServer]:
    server = start_nats(tmp_path / "nats")
    try:
        yield server
    finally:
        server.stop(timeout=5)


async def test_publish_raises_bus_unavailable_when_server_is_down(own_server: NatsServer) -> None:
    bus = await EventBus.connect(own_server.url, publish_timeout=1.0, reconnect_wait=0.2)
    try:
        await bus.ensure_streams()
        await bus.publish("loom.audience.changed", b"before")
        await asyncio.to_thread(own_server.stop, 5)
        await wait_until(lambda: not bus.nc.is_connected, "the client to notice")
        with pytest.raises(BusUnavailable):
            await bus.publish("loom.audience.changed", b"during")
        with pytest.raises(BusUnavailable):
            await bus.publish_many([Outgoing("loom.audience.changed", b"during")])
    finally:
        await bus.close()


async def test_acknowledged_messages_survive_kill_9(own_server: NatsServer) -> None:
    bus = await EventBus.connect(own_server.url, publish_timeout=5.0, reconnect_wait=0.2)
    try:
        await bus.ensure_streams()
        items = [Outgoing(bus.event_subject(f"u{i % 50}", "track"), f"e{i}".encode(), f"id-{i}") for i in range(500)]
        acks = await bus.publish_many(items)
        assert len(acks) == 500

        own_server.kill()
        assert not own_server.is_running()
        await wait_until(lambda: not bus.nc.is_connected, "the client to notice the crash")
        await asyncio.to_thread(own_server.start)

        # The same client reconnects on its own and sees every acknowledged message.
        await wait_until(lambda: bus.nc.is_connected, "the reconnect")
        info = await bus.js.stream_info("EVENTS")
        assert info.state.messages == 500
        retried = await bus.publish_many(items[:10])
        assert all(a.duplicate for a in retried), "dedup state survives the restart too"
        got: list[bytes] = []

        async def collect(msgs: list[Msg]) -> None:
            got.extend(m.data for m in msgs)

        await bus.consume("after-crash", "loom.events.>", collect)
        await wait_until(lambda: len(got) == 500, "every stored event")
        assert sorted(got) == sorted(i.data for i in items)
    finally:
        await bus.close()
