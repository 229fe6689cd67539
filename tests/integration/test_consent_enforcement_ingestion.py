"""Consent at ingestion and identity through the real services: every accepted event is tagged from the consent
service (fail closed), identity keeps identifiers but not personalisation traits without consent, a withdrawal
applies to the next event, and an unreachable consent service makes ingestion answer UNAVAILABLE."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import grpc
import pytest

from loom.common.v1 import common_pb2
from loom.consent.v1 import consent_pb2 as cpb
from loom.consent.v1 import consent_pb2_grpc
from loom.identity.v1 import identity_pb2, identity_pb2_grpc
from loom.ingestion.v1 import ingestion_pb2 as pb
from loom.ingestion.v1 import ingestion_pb2_grpc
from services.consent.app import ConsentConfig
from services.consent.app import build as build_consent
from services.identity.app import IdentityConfig
from services.identity.app import build as build_identity
from services.ingestion.app import IngestionConfig
from services.ingestion.app import build as build_ingestion

pytestmark = pytest.mark.integration
TAGS = ("analytics", "personalisation", "profiling")


def identify(message_id: str, user_id: str, **traits: str) -> pb.Event:
    event = pb.Event(message_id=message_id, type=pb.EVENT_TYPE_IDENTIFY, user_id=user_id, market="SE")
    event.traits.update({"email": f"{user_id}@example.org", **traits})
    event.timestamp.GetCurrentTime()
    return event


async def archived(stub: Any, user_id: str, count: int) -> list[pb.Event]:
    """The archived events of a user once the archiver has written ``count`` of them."""
    events: list[pb.Event] = []
    for _ in range(200):
        events = [e async for chunk in stub.QueryArchive(pb.QueryArchiveRequest(user_id=user_id))
                  for e in chunk.events]
        if len(events) >= count:
            return events
        await asyncio.sleep(0.05)
    raise AssertionError(f"only {len(events)} of {count} events of {user_id} were archived")


async def traits_of(stub: Any, user_id: str, events: int) -> dict[str, str]:
    """The profile's traits once identity has applied ``events`` events."""
    request = identity_pb2.GetProfileRequest(lookup=identity_pb2.ProfileLookup(
        identifier=common_pb2.Identifier(type="user_id", value=user_id)))
    for _ in range(200):
        try:
            profile = (await stub.GetProfile(request)).profile
            if profile.computed.event_count >= events:
                return {k: v.value.string_value for k, v in profile.traits.items()}
        except grpc.aio.AioRpcError as exc:
            if exc.code() != grpc.StatusCode.NOT_FOUND:
                raise
        await asyncio.sleep(0.05)
    raise AssertionError(f"profile of {user_id} never reached {events} events")


async def test_events_are_tagged_and_personalisation_traits_need_consent(service_stack: Any) -> None:
    consent = await service_stack.start("consent", ConsentConfig, build_consent, temporal_address="")
    await service_stack.start("ingestion", IngestionConfig, build_ingestion, consent_addr=f"127.0.0.1:{consent.port}")
    await service_stack.start("identity", IdentityConfig, build_identity, ingestion_addr="")
    consent_stub = consent_pb2_grpc.ConsentServiceStub(service_stack.channel("consent"))
    for user, granted in (("u-yes", True), ("u-no", False)):
        await consent_stub.SetConsent(cpb.SetConsentRequest(
            identifiers=[common_pb2.Identifier(type="user_id", value=user)], market="SE", source="web-banner",
            purposes={"analytics": True, "personalisation": granted}))
    ingest = ingestion_pb2_grpc.IngestionServiceStub(service_stack.channel("ingestion"))
    response = await ingest.IngestBatch(pb.IngestBatchRequest(events=[
        identify("y-1", "u-yes", colour="teal"), identify("n-1", "u-no", colour="red"),
        identify("x-1", "u-unknown", colour="blue")]))
    assert response.accepted_count == 3

    tags = {u: dict((await archived(ingest, u, 1))[0].consent) for u in ("u-yes", "u-no", "u-unknown")}
    # SE is opt-in: what was not granted (profiling) is false; an unknown person is false for everything.
    assert tags["u-yes"] == {"analytics": True, "personalisation": True, "profiling": False}
    assert tags["u-no"] == {"analytics": True, "personalisation": False, "profiling": False}
    assert tags["u-unknown"] == dict.fromkeys(TAGS, False)

    identity = identity_pb2_grpc.IdentityServiceStub(service_stack.channel("identity"))
    assert await traits_of(identity, "u-yes", 1) == {"email": "u-yes@example.org", "colour": "teal"}
    assert await traits_of(identity, "u-no", 1) == {"email": "u-no@example.org"}
    assert await traits_of(identity, "u-unknown", 1) == {"email": "u-unknown@example.org"}

    # A withdrawal reaches ingestion's cache over the bus: the next event is tagged false, its trait not kept.
    await consent_stub.SetConsent(cpb.SetConsentRequest(
        identifiers=[common_pb2.Identifier(type="user_id", value="u-yes")], market="SE", source="preference-centre",
        purposes={"personalisation": False}))
    for attempt in range(50):
        # Each attempt writes its own trait, so the one tagged false can be told apart from earlier ones.
        await ingest.IngestBatch(pb.IngestBatchRequest(events=[
            identify(f"y-{attempt + 2}", "u-yes", **{f"note_{attempt}": "x"})]))
        latest = max(await archived(ingest, "u-yes", attempt + 2), key=lambda e: int(e.message_id.split("-")[1]))
        if not latest.consent["personalisation"]:
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the withdrawal never reached ingestion")
    traits = await traits_of(identity, "u-yes", attempt + 2)
    assert traits["colour"] == "teal" and f"note_{attempt}" not in traits


async def test_an_unreachable_consent_service_makes_ingestion_unavailable_not_permissive(service_stack: Any) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = probe.getsockname()[1]
    await service_stack.start("ingestion", IngestionConfig, build_ingestion, consent_addr=f"127.0.0.1:{dead}")
    ingest = ingestion_pb2_grpc.IngestionServiceStub(service_stack.channel("ingestion"))
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await ingest.IngestBatch(pb.IngestBatchRequest(events=[identify("z-1", "u-z")]))
    assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
    assert "suppression" in (caught.value.details() or "")
    await asyncio.sleep(0.3)
    assert [e async for chunk in ingest.QueryArchive(pb.QueryArchiveRequest(user_id="u-z")) for e in chunk.events] == []
