"""Each destination type against a real local peer: signed webhook, push gateway, ad audience, NATS stream."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid

import nats
import pytest
from nats.js.api import StreamConfig

from loom.forwarding.v1 import forwarding_pb2 as fpb
from services.forwarding.probe import test_destination as probe
from services.forwarding.senders import Outbound
from services.forwarding.senders.audience import audience_sender
from services.forwarding.senders.stream import StreamSender
from services.forwarding.senders.webhook import HttpSender, push_sender
from tests.bench.forwarding import HttpSink, make_event

pytestmark = pytest.mark.integration


async def test_webhook_batches_are_hmac_signed() -> None:
    sink = await HttpSink().start()
    sender = HttpSender(sink.url + "/hook", signing_key="s3cret", max_batch=10)
    try:
        result = await sender.send([Outbound("k1", "ann", {"a": 1}), Outbound("k2", "bob", {"a": 2})])
        assert result.ok and result.code == 200
        request = sink.requests[0]
        stamp = request.headers["x-loom-timestamp"]
        expected = hmac.new(b"s3cret", stamp.encode() + b"." + request.body, hashlib.sha256).hexdigest()
        assert request.headers["x-loom-signature"] == f"sha256={expected}"
        assert json.loads(request.body)["deliveries"][1] == {"idempotency_key": "k2", "payload": {"a": 2}}
        assert set(sink.applied) == {"k1", "k2"}
    finally:
        await sender.close()
        await sink.stop()


async def test_refused_connection_is_retryable_and_4xx_is_permanent() -> None:
    sink = await HttpSink(responder=lambda _n, _r: (422, 0.0)).start()
    refused = HttpSender("http://127.0.0.1:9/none", timeout=1)
    rejecting = HttpSender(sink.url)
    try:
        down = await refused.send([Outbound("k", "p", {})])
        assert down.retryable and down.code == 0
        bad = await rejecting.send([Outbound("k", "p", {})])
        assert bad.permanent and bad.code == 422 and "sink says no" in bad.error
    finally:
        await refused.close()
        await rejecting.close()
        await sink.stop()


async def test_push_gateway_gets_notifications_with_the_api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUSH_KEY", "pk-1")
    sink = await HttpSink().start()
    sender = push_sender(fpb.PushGatewayConfig(url=sink.url + "/push", api_key_secret_ref="PUSH_KEY"),
                         fpb.Batching(max_items=50), fpb.RateLimit())
    try:
        result = await sender.send([Outbound("msg:j-ann-1", "ann", {"to": "device-1", "title": "Hi", "body": "Sale"})])
        assert result.ok
        request = sink.requests[0]
        assert request.headers["authorization"] == "Bearer pk-1"
        assert json.loads(request.body)["notifications"] == [
            {"idempotency_key": "msg:j-ann-1", "to": "device-1", "title": "Hi", "body": "Sale", "data": {}}]
    finally:
        await sender.close()
        await sink.stop()


async def test_audience_sync_sends_only_normalised_hashes() -> None:
    sink = await HttpSink().start()
    sender = audience_sender(fpb.AudienceSyncConfig(url=sink.url + "/audiences", account_id="act-9",
                                                    identifier_types=["email", "phone"]),
                             fpb.Batching(), fpb.RateLimit())
    try:
        member = {"audience_id": "vip", "action": "add", "email": "  Ann@Example.COM ", "phone": "+46 70-123 45 67"}
        result = await sender.send([Outbound("a1", "ann", member)])
        assert result.ok
        body = sink.requests[0].body
        document = json.loads(body)
        identifiers = document["operations"][0]["identifiers"]
        assert identifiers == {"email_sha256": hashlib.sha256(b"ann@example.com").hexdigest(),
                               "phone_sha256": hashlib.sha256(b"+46701234567").hexdigest()}
        assert document["account_id"] == "act-9" and b"Example" not in body and b"4567" not in body
    finally:
        await sender.close()
        await sink.stop()


async def test_event_stream_publishes_once_per_key(nats_server: str) -> None:
    topic = f"partner{uuid.uuid4().hex[:8]}"
    nc = await nats.connect(nats_server)
    js = nc.jetstream()
    await js.add_stream(StreamConfig(name=topic.upper(), subjects=[f"{topic}.>"]))
    sender = StreamSender(nats_server, f"{topic}.{{market}}.{{event}}")
    try:
        items = [Outbound("s:m1", "ann", {"event": "Order Completed", "market": "SE", "n": 1}),
                 Outbound("s:m2", "bob", {"event": "Order Completed", "market": "NO", "n": 2})]
        assert (await sender.send(items)).ok
        assert (await sender.send(items[:1])).ok  # a redelivery: JetStream drops it by Nats-Msg-Id
        info = await js.stream_info(topic.upper())
        assert info.state.messages == 2
        message = await js.get_last_msg(topic.upper(), f"{topic}.no.order_completed")
        assert json.loads(message.data)["n"] == 2
        missing = await StreamSender(nats_server, "nobody.listens").send(items[:1])
        assert missing.permanent and "no stream" in missing.error
    finally:
        await sender.close()
        await js.delete_stream(topic.upper())
        await nc.close()


async def test_test_destination_dry_runs_mapping_and_sends() -> None:
    sink = await HttpSink().start()
    try:
        destination = fpb.Destination(destination_id="crm", required_purposes=["analytics"],
                                      webhook=fpb.WebhookConfig(url=sink.url + "/crm"),
                                      mapping=fpb.Mapping(filter='market == "SE"',
                                                          fields={"customer.id": "user_id", "total": "properties.total",
                                                                  "coupon": "properties.coupon"}))
        destination.mapping.constants.update({"source": "loom"})
        result = await probe(destination, make_event("t1", "ann", total=42), send=True)
        assert result.passed_filter and result.response_code == 200
        assert dict(result.payload) == {"customer": {"id": "ann"}, "total": 42, "source": "loom"}
        assert result.problems == ["properties.coupon (for coupon) is missing in the event"]
        assert json.loads(sink.requests[0].body)["customer"] == {"id": "ann"}
        other = await probe(destination, make_event("t2", "bob", market="NO"), send=True)
        assert not other.passed_filter and len(sink.requests) == 1
    finally:
        await sink.stop()
