"""The thin slice end to end: IngestBatch -> JetStream -> identity consumer -> GetProfile, on real servers."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import grpc
import pytest

from loom.common.v1 import common_pb2
from loom.identity.v1 import identity_pb2, identity_pb2_grpc
from loom.ingestion.v1 import ingestion_pb2 as pb
from loom.ingestion.v1 import ingestion_pb2_grpc
from services.common.errors import field_violations
from services.identity.app import IdentityConfig
from services.identity.app import build as build_identity
from services.ingestion.app import IngestionConfig
from services.ingestion.app import build as build_ingestion

pytestmark = pytest.mark.integration


def order(message_id: str, user_id: str, amount: int, category: str, when: datetime) -> pb.Event:
    """An Order Completed event."""
    event = pb.Event(
        message_id=message_id, type=pb.EVENT_TYPE_TRACK, event="Order Completed", user_id=user_id, market="SE",
        commerce=pb.Commerce(
            order_id=message_id, revenue=common_pb2.Money(currency_code="SEK", amount_micros=amount),
            products=[pb.Product(product_id="p1", category=category, quantity=1,
                                 price=common_pb2.Money(currency_code="SEK", amount_micros=amount))],
        ),
    )
    event.timestamp.FromDatetime(when)
    return event


async def wait_for_profile(stub: identity_pb2_grpc.IdentityServiceStub, user_id: str,
                           orders: int) -> identity_pb2.Profile:
    """Polls GetProfile until the profile shows ``orders`` orders (the consumer is asynchronous)."""
    request = identity_pb2.GetProfileRequest(
        lookup=identity_pb2.ProfileLookup(identifier=common_pb2.Identifier(type="user_id", value=user_id))
    )
    for _ in range(200):
        try:
            profile = (await stub.GetProfile(request)).profile
            if profile.computed.order_count >= orders:
                return profile
        except grpc.aio.AioRpcError as exc:
            if exc.code() != grpc.StatusCode.NOT_FOUND:
                raise
        await asyncio.sleep(0.05)
    raise AssertionError(f"profile of {user_id} never reached {orders} orders")


async def test_events_become_a_profile(service_stack) -> None:
    await service_stack.start("ingestion", IngestionConfig, build_ingestion)
    await service_stack.start("identity", IdentityConfig, build_identity)
    ingest = ingestion_pb2_grpc.IngestionServiceStub(service_stack.channel("ingestion"))
    identity = identity_pb2_grpc.IdentityServiceStub(service_stack.channel("identity"))
    now = datetime.now(UTC)

    identify = pb.Event(message_id="m-id", type=pb.EVENT_TYPE_IDENTIFY, user_id="u1", anonymous_id="anon-1")
    identify.traits.update({"email": "Ada@Example.com", "first_name": "Ada"})
    identify.timestamp.FromDatetime(now - timedelta(days=3))
    events = [
        pb.Event(message_id="m-page", type=pb.EVENT_TYPE_PAGE, anonymous_id="anon-1", event="Home"),
        identify,
        order("m-o1", "u1", 250_000_000, "shoes", now - timedelta(days=2)),
        order("m-o2", "u1", 100_000_000, "shoes", now - timedelta(days=1)),
        order("m-o3", "u1", 50_000_000, "bags", now),
    ]
    response = await ingest.IngestBatch(pb.IngestBatchRequest(events=events))
    assert [r.status for r in response.results] == [pb.EVENT_STATUS_ACCEPTED] * 5
    assert response.accepted_count == 5

    profile = await wait_for_profile(identity, "u1", orders=3)
    assert profile.computed.order_count == 3
    assert profile.computed.revenue_micros == 400_000_000
    assert profile.computed.top_category == "shoes"
    assert profile.computed.categories["bags"].orders == 1
    assert profile.traits["first_name"].value.string_value == "Ada"
    kinds = {(i.type, i.value) for i in profile.identifiers}
    assert {("user_id", "u1"), ("anonymous_id", "anon-1"), ("email", "ada@example.com")} <= kinds
    # The anonymous page view was stitched into the same profile through the identify event.
    assert profile.computed.event_count == 5

    by_email = await identity.GetProfile(identity_pb2.GetProfileRequest(
        lookup=identity_pb2.ProfileLookup(identifier=common_pb2.Identifier(type="email", value="ADA@example.com"))))
    assert by_email.profile.profile_id == profile.profile_id


async def test_batch_results_are_per_event(service_stack) -> None:
    await service_stack.start("ingestion", IngestionConfig, build_ingestion)
    ingest = ingestion_pb2_grpc.IngestionServiceStub(service_stack.channel("ingestion"))
    good = pb.Event(message_id="g1", type=pb.EVENT_TYPE_TRACK, event="Viewed", user_id="u2")
    first = await ingest.IngestBatch(pb.IngestBatchRequest(events=[good]))
    assert first.results[0].status == pb.EVENT_STATUS_ACCEPTED
    # Resent at once as the same batch: JetStream's dedup window answers.
    again = await ingest.IngestBatch(pb.IngestBatchRequest(events=[good]))
    assert again.results[0].status == pb.EVENT_STATUS_DUPLICATE
    # Resent later inside another batch: the durable dedup record (written by the archiver) answers.
    archive = stack_archive(service_stack)
    for _ in range(100):
        if await archive.count() >= 1:
            break
        await asyncio.sleep(0.05)

    batch = [
        good,  # retried by an at-least-once client
        pb.Event(message_id="g2", type=pb.EVENT_TYPE_TRACK, event="Viewed", user_id="u2"),
        pb.Event(message_id="g2", type=pb.EVENT_TYPE_TRACK, event="Viewed", user_id="u2"),  # same batch twice
        pb.Event(type=pb.EVENT_TYPE_TRACK, user_id="u2"),  # no message_id, no event name
    ]
    response = await ingest.IngestBatch(pb.IngestBatchRequest(events=batch))
    statuses = [r.status for r in response.results]
    assert statuses == [pb.EVENT_STATUS_DUPLICATE, pb.EVENT_STATUS_ACCEPTED, pb.EVENT_STATUS_DUPLICATE,
                        pb.EVENT_STATUS_REJECTED]
    rejected = response.results[3]
    assert {v.field for v in rejected.violations} == {"events[3].message_id", "events[3].event"}


def stack_archive(stack):
    """The archive of the in-process ingestion service."""
    servicer = stack.running["ingestion"].app.registrations[0].servicer
    return servicer._archive


async def test_oversized_batch_is_invalid_argument_with_field_details(service_stack) -> None:
    await service_stack.start("ingestion", IngestionConfig, build_ingestion)
    ingest = ingestion_pb2_grpc.IngestionServiceStub(service_stack.channel("ingestion"))
    events = [pb.Event(message_id=f"x{i}", type=pb.EVENT_TYPE_TRACK, event="E", user_id="u") for i in range(501)]
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await ingest.IngestBatch(pb.IngestBatchRequest(events=events))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    violations = field_violations(err.value)
    assert violations and violations[0].field == "events"
    assert "at most 500" in violations[0].description


async def test_get_profile_validates_lookup(service_stack) -> None:
    await service_stack.start("identity", IdentityConfig, build_identity)
    identity = identity_pb2_grpc.IdentityServiceStub(service_stack.channel("identity"))
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await identity.GetProfile(identity_pb2.GetProfileRequest())
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in field_violations(err.value)] == ["lookup"]
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await identity.GetProfile(identity_pb2.GetProfileRequest(lookup=identity_pb2.ProfileLookup(profile_id="nope")))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
