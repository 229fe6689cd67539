"""Journey messages through SendMessage: SMTP with the creative inline, quiet hours, caps, idempotency."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from typing import Any
from zoneinfo import ZoneInfo

import grpc
import pytest
from aiosmtpd.controller import Controller
from google.protobuf import struct_pb2

from infra.local.procs import free_port
from loom.common.v1 import common_pb2
from loom.consent.v1 import consent_pb2 as consent_pb
from loom.consent.v1 import consent_pb2_grpc
from loom.forwarding.v1 import forwarding_pb2 as fpb
from loom.forwarding.v1 import forwarding_pb2_grpc
from services.consent.app import ConsentConfig
from services.consent.app import build as build_consent
from services.forwarding.app import ForwardingConfig, build
from services.forwarding.consent import StaticPurposes
from tests.bench.forwarding import HttpSink
from tests.fixtures.services import ServiceStack

pytestmark = pytest.mark.integration
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


class Inbox:
    """aiosmtpd handler keeping every message it accepted."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server on a free port."""
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


async def start(stack: ServiceStack, smtp_port: int) -> forwarding_pb2_grpc.ForwardingServiceStub:
    """Forwarding where ann and bob allow marketing email and cid allows nothing; one SMTP destination."""
    grants = StaticPurposes({"ann": ["marketing_email"], "bob": ["marketing_email"], "cid": []})
    await stack.start("forwarding", ForwardingConfig, lambda config: build(config, grants))
    stub = forwarding_pb2_grpc.ForwardingServiceStub(stack.channel("forwarding", stack.tokens.admin))
    await stub.PutDestination(fpb.PutDestinationRequest(destination=fpb.Destination(
        destination_id="mail", required_purposes=["marketing_email"],
        email_smtp=fpb.EmailSmtpConfig(host="127.0.0.1", port=smtp_port, from_address="news@loom.example"))))
    return stub


def send(key: str, profile: str, *, journey: str = "j1", tz: str = "Europe/Stockholm", market: str = "SE",
         **variables: Any) -> fpb.SendMessageRequest:
    """An email SendMessage."""
    values = struct_pb2.Struct()
    values.update({"subject": "Hello", "text": "New arrivals", **variables})
    return fpb.SendMessageRequest(idempotency_key=key, channel=fpb.CHANNEL_EMAIL, profile_id=profile,
                                  journey_id=journey, step_id="s1", destination_id="mail", variables=values,
                                  market=market, timezone=tz, address=f"{profile}@example.com")


async def delivered(stub: Any, delivery_id: str) -> fpb.Delivery:
    """Waits until the delivery is DELIVERED."""
    for _ in range(100):
        d = (await stub.GetDeliveryStatus(fpb.GetDeliveryStatusRequest(delivery_id=delivery_id))).delivery
        if d.status == fpb.DELIVERY_STATUS_DELIVERED:
            return d
        await asyncio.sleep(0.05)
    raise AssertionError(f"delivery {delivery_id} stayed {fpb.DeliveryStatus.Name(d.status)}: {d.last_error}")


async def test_email_goes_out_once_with_the_creative_inline(service_stack: ServiceStack, smtp: Any) -> None:
    inbox, port = smtp
    images = await HttpSink(files={"/creative.png": PNG}).start()
    try:
        stub = await start(service_stack, port)
        request = send("j1-ann-s1", "ann", image_url=images.url + "/creative.png")
        first = await stub.SendMessage(request)
        again = await stub.SendMessage(request)  # a retried journey activity
        assert first.status == fpb.DELIVERY_STATUS_QUEUED and not first.duplicate
        assert again.duplicate and again.delivery_id == first.delivery_id
        status = await delivered(stub, first.delivery_id)
        assert status.idempotency_key == "j1-ann-s1" and status.last_response_code == 250
        await asyncio.sleep(0.2)
        assert len(inbox.messages) == 1
        mail = inbox.messages[0]
        assert mail["To"] == "ann@example.com" and mail["Subject"] == "Hello"
        parts = {part.get_content_type(): part for part in mail.walk()}
        assert {"multipart/alternative", "text/plain", "multipart/related", "text/html", "image/png"} <= set(parts)
        assert parts["image/png"].get_content() == PNG
        cid = parts["image/png"]["Content-ID"].strip("<>")
        assert f"cid:{cid}" in parts["text/html"].get_content()
    finally:
        await images.stop()


async def test_caps_hold_across_two_journeys(service_stack: ServiceStack, smtp: Any) -> None:
    _, port = smtp
    stub = await start(service_stack, port)
    cap = fpb.FrequencyCap(channel=fpb.CHANNEL_EMAIL, max_messages=3)
    cap.period.FromTimedelta(timedelta(days=7))
    await stub.PutDeliveryRules(fpb.PutDeliveryRulesRequest(rules=fpb.DeliveryRules(market="SE", caps=[cap])))
    # Two journeys send three messages each to bob at the same time.
    requests = [send(f"{j}-bob-{i}", "bob", journey=j) for i in range(3) for j in ("welcome", "winback")]
    answers = await asyncio.gather(*(stub.SendMessage(r) for r in requests))
    statuses = sorted(fpb.DeliveryStatus.Name(a.status) for a in answers)
    assert statuses == ["DELIVERY_STATUS_QUEUED"] * 3 + ["DELIVERY_STATUS_SUPPRESSED_BY_CAP"] * 3
    assert all("email cap 3 per 7d reached" == a.reason for a in answers
               if a.status == fpb.DELIVERY_STATUS_SUPPRESSED_BY_CAP)
    # Transactional messages are not capped.
    receipt = send("receipt-bob-1", "bob")
    receipt.category = fpb.MESSAGE_CATEGORY_TRANSACTIONAL
    assert (await stub.SendMessage(receipt)).status == fpb.DELIVERY_STATUS_QUEUED


async def test_quiet_hours_defer_in_the_recipients_time_zone(service_stack: ServiceStack, smtp: Any) -> None:
    inbox, port = smtp
    stub = await start(service_stack, port)
    tokyo = ZoneInfo("Asia/Tokyo")
    local = datetime.now(tokyo)
    start_local = (local - timedelta(hours=1)).strftime("%H:%M")
    end_local = (local + timedelta(hours=1)).strftime("%H:%M")
    rules = fpb.DeliveryRules(market="SE", quiet_hours=fpb.QuietHours(start_local=start_local, end_local=end_local))
    await stub.PutDeliveryRules(fpb.PutDeliveryRulesRequest(rules=rules))
    night = await stub.SendMessage(send("q-ann", "ann", tz="Asia/Tokyo"))
    day = await stub.SendMessage(send("q-bob", "bob", tz="America/Los_Angeles"))  # 16-17 h away from Tokyo
    assert night.status == fpb.DELIVERY_STATUS_DEFERRED and "quiet hours" in night.reason
    until = night.deferred_until.ToDatetime(tzinfo=UTC).astimezone(tokyo)
    assert until.strftime("%H:%M") == end_local and until > datetime.now(UTC)
    assert day.status == fpb.DELIVERY_STATUS_QUEUED
    await delivered(stub, day.delivery_id)
    held = (await stub.GetDeliveryStatus(fpb.GetDeliveryStatusRequest(idempotency_key="q-ann"))).delivery
    assert held.status == fpb.DELIVERY_STATUS_DEFERRED and held.attempts == 0
    assert [m["To"] for m in inbox.messages] == ["bob@example.com"]


async def test_consent_suppresses_and_bad_requests_are_invalid(service_stack: ServiceStack, smtp: Any) -> None:
    _, port = smtp
    stub = await start(service_stack, port)
    denied = await stub.SendMessage(send("c-cid", "cid"))
    assert denied.status == fpb.DELIVERY_STATUS_SUPPRESSED_BY_CONSENT
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stub.SendMessage(fpb.SendMessageRequest(timezone="Mars/Base"))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    for field in ("idempotency_key", "channel", "profile_id", "timezone"):
        assert field in caught.value.details()


async def test_the_consent_service_decides_marketing_messages(service_stack: ServiceStack, smtp: Any) -> None:
    _, port = smtp
    consent = await service_stack.start("consent", ConsentConfig, build_consent, temporal_address="")
    consent_stub = consent_pb2_grpc.ConsentServiceStub(service_stack.channel("consent"))
    await consent_stub.SetConsent(consent_pb.SetConsentRequest(
        identifiers=[common_pb2.Identifier(type="email", value="Dana@Example.com")], market="SE",
        purposes={"marketing_email": True}, source="web-banner"))
    await service_stack.start("forwarding", ForwardingConfig, build, consent_addr=f"127.0.0.1:{consent.port}")
    stub = forwarding_pb2_grpc.ForwardingServiceStub(service_stack.channel("forwarding", service_stack.tokens.admin))
    await stub.PutDestination(fpb.PutDestinationRequest(destination=fpb.Destination(
        destination_id="mail", required_purposes=["marketing_email"],
        email_smtp=fpb.EmailSmtpConfig(host="127.0.0.1", port=port, from_address="news@loom.example"))))
    granted = await stub.SendMessage(send("cs-dana", "dana"))  # address dana@example.com
    unknown = await stub.SendMessage(send("cs-erik", "erik"))  # no record: the opt-in market denies
    assert granted.status == fpb.DELIVERY_STATUS_QUEUED
    assert unknown.status == fpb.DELIVERY_STATUS_SUPPRESSED_BY_CONSENT
