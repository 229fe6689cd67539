"""Sources with write keys and rate limits, PII hashing, and top categories from the archive."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from loom.common.v1 import common_pb2
from loom.ingestion.v1 import ingestion_pb2 as pb
from loom.ingestion.v1 import ingestion_pb2_grpc
from services.common.errors import field_violations
from services.ingestion.app import IngestionConfig
from services.ingestion.app import build as build_ingestion
from services.ingestion.pii import HASH_PREFIX

pytestmark = pytest.mark.integration


def page_view(message_id: str, **extra: object) -> pb.Event:
    return pb.Event(message_id=message_id, type=pb.EVENT_TYPE_PAGE, event="Home", anonymous_id="a1", **extra)


def order(message_id: str, category: str, amount: int, when: datetime) -> pb.Event:
    event = pb.Event(message_id=message_id, type=pb.EVENT_TYPE_TRACK, event="Order Completed", user_id="u",
                     market="SE", commerce=pb.Commerce(
                         category=category, revenue=common_pb2.Money(currency_code="SEK", amount_micros=amount)))
    event.timestamp.FromDatetime(when)
    return event


async def archive_of(stub: ingestion_pb2_grpc.IngestionServiceStub, expected: int) -> list[pb.Event]:
    """Every archived event once the archiver has written ``expected`` of them."""
    events: list[pb.Event] = []
    for _ in range(200):
        events = [e async for chunk in stub.QueryArchive(pb.QueryArchiveRequest()) for e in chunk.events]
        if len(events) >= expected:
            break
        await asyncio.sleep(0.05)
    return events


def retry_delay(error: grpc.aio.AioRpcError) -> float:
    status = rpc_status.from_call(error)
    for detail in status.details:
        if detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            info = error_details_pb2.RetryInfo()
            detail.Unpack(info)
            return info.retry_delay.seconds + info.retry_delay.nanos / 1e9
    raise AssertionError("no RetryInfo in the status")


async def test_write_keys_authenticate_and_rate_limit_a_source(service_stack) -> None:
    running = await service_stack.start("ingestion", IngestionConfig, build_ingestion)
    admin = ingestion_pb2_grpc.IngestionServiceStub(service_stack.channel("ingestion", service_stack.tokens.admin))
    created = await admin.CreateSource(pb.CreateSourceRequest(
        source=pb.Source(source_id="web", name="Web shop", rate_limit_per_second=1, burst=500)))
    key = created.write_key
    assert key.startswith("lwk_") and created.source.burst == 500

    listed = await admin.ListSources(pb.ListSourcesRequest())
    assert [s.source_id for s in listed.sources] == ["web"]
    assert key not in str(listed)

    web = ingestion_pb2_grpc.IngestionServiceStub(service_stack.channel("ingestion", key))
    batch = [page_view(f"p{i}") for i in range(500)]
    response = await web.IngestBatch(pb.IngestBatchRequest(events=batch))
    assert response.accepted_count == 500
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await web.IngestBatch(pb.IngestBatchRequest(events=[page_view("p-over")]))
    assert err.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert 0 < retry_delay(err.value) <= 1.0 and "'web'" in err.value.details()

    # A write key may only send events.
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await web.ListSources(pb.ListSourcesRequest())
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
    wrong = ingestion_pb2_grpc.IngestionServiceStub(service_stack.channel("ingestion", key[:-2] + "xx"))
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await wrong.IngestBatch(pb.IngestBatchRequest(events=[page_view("p-bad")]))
    assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED

    archived = await archive_of(admin, 500)
    assert {e.source_id for e in archived} == {"web"}
    assert running.app.authenticators  # the write-key authenticator is installed


async def test_source_mistakes_are_clear(service_stack) -> None:
    await service_stack.start("ingestion", IngestionConfig, build_ingestion)
    admin = ingestion_pb2_grpc.IngestionServiceStub(service_stack.channel("ingestion", service_stack.tokens.admin))
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await admin.CreateSource(pb.CreateSourceRequest(source=pb.Source(source_id="Bad Id", burst=10)))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in field_violations(err.value)} == {"source.source_id", "source.burst"}
    await admin.CreateSource(pb.CreateSourceRequest(source=pb.Source(source_id="ios")))
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await admin.CreateSource(pb.CreateSourceRequest(source=pb.Source(source_id="ios")))
    assert err.value.code() == grpc.StatusCode.ALREADY_EXISTS


async def test_pii_identifiers_are_hashed_before_the_bus(service_stack) -> None:
    await service_stack.start("ingestion", IngestionConfig, build_ingestion, pii_hmac_key="k" * 32)
    stub = ingestion_pb2_grpc.IngestionServiceStub(service_stack.channel("ingestion"))
    event = page_view("pii-1", identifiers=[common_pb2.Identifier(type="email", value="Ada@Example.com"),
                                            common_pb2.Identifier(type="crm_id", value="c-42")])
    await stub.IngestBatch(pb.IngestBatchRequest(events=[event]))
    (stored,) = await archive_of(stub, 1)
    email, crm = stored.identifiers
    assert email.type == "email" and email.value.startswith(HASH_PREFIX) and "ada" not in email.value
    assert crm.value == "c-42"


async def test_top_categories_rank_sales_and_risers(service_stack) -> None:
    await service_stack.start("ingestion", IngestionConfig, build_ingestion)
    stub = ingestion_pb2_grpc.IngestionServiceStub(service_stack.channel("ingestion"))
    end = datetime(2026, 11, 1, tzinfo=UTC)
    now, before = end - timedelta(days=1), end - timedelta(days=8)
    events = (
        [order(f"s{i}", "shoes", 100_000_000, now) for i in range(4)]
        + [order(f"b{i}", "bags", 50_000_000, now) for i in range(6)]
        + [order(f"sb{i}", "shoes", 100_000_000, before) for i in range(4)]
        + [order(f"bb{i}", "bags", 50_000_000, before) for i in range(3)]
        + [order("h1", "hats", 10_000_000, now)]
    )
    await stub.IngestBatch(pb.IngestBatchRequest(events=events))
    await archive_of(stub, len(events))
    window = common_pb2.TimeRange()
    window.start.FromDatetime(end - timedelta(days=7))
    window.end.FromDatetime(end)
    response = await stub.TopCategories(pb.TopCategoriesRequest(market="SE", window=window))
    assert [(c.category, c.revenue_micros, c.orders) for c in response.top] == [
        ("shoes", 400_000_000, 4), ("bags", 300_000_000, 6), ("hats", 10_000_000, 1)]
    assert response.currency_code == "SEK"
    assert [(c.category, c.growth) for c in response.risers] == [("bags", 1.0)]
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.TopCategories(pb.TopCategoriesRequest())
    assert [v.field for v in field_violations(err.value)] == ["market"]


async def test_ingest_stream_summarises_chunks(service_stack) -> None:
    await service_stack.start("ingestion", IngestionConfig, build_ingestion)
    stub = ingestion_pb2_grpc.IngestionServiceStub(service_stack.channel("ingestion"))

    async def chunks():
        yield pb.IngestRequest(events=[page_view("s1"), page_view("s2")])
        yield pb.IngestRequest(events=[page_view("s2"), pb.Event(message_id="s3", type=pb.EVENT_TYPE_PAGE)])

    summary = await stub.Ingest(chunks())
    assert (summary.accepted_count, summary.duplicate_count, summary.rejected_count) == (2, 1, 1)
    assert [(p.message_id, p.status) for p in summary.problems] == [
        ("s2", pb.EVENT_STATUS_DUPLICATE), ("s3", pb.EVENT_STATUS_REJECTED)]
