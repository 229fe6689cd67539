"""Event contract checks and enrichment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from loom.common.v1 import common_pb2
from loom.ingestion.v1 import ingestion_pb2 as pb
from services.ingestion.contract import check_event
from services.ingestion.enrich import enrich, truncate_ip


def fields(event: pb.Event) -> set[str]:
    return {v.field for v in check_event(event, 7)}


def test_well_formed_events_pass() -> None:
    assert fields(pb.Event(message_id="m", type=pb.EVENT_TYPE_TRACK, event="Viewed", user_id="u")) == set()
    assert fields(pb.Event(message_id="m", type=pb.EVENT_TYPE_PAGE, anonymous_id="a")) == set()


def test_each_contract_rule_names_its_field() -> None:
    assert fields(pb.Event()) == {"events[7].message_id", "events[7].type", "events[7].user_id"}
    assert fields(pb.Event(message_id="m", type=pb.EVENT_TYPE_TRACK, user_id="u")) == {"events[7].event"}
    assert fields(pb.Event(message_id="m", type=pb.EVENT_TYPE_ALIAS, user_id="u")) == {"events[7].previous_id"}
    assert fields(pb.Event(message_id="x" * 65, type=pb.EVENT_TYPE_PAGE, user_id="u")) == {"events[7].message_id"}
    assert fields(pb.Event(message_id="m", type=pb.EVENT_TYPE_PAGE, user_id="u", market="sweden")) == {
        "events[7].market"}
    negative = pb.Event(message_id="m", type=pb.EVENT_TYPE_TRACK, event="Order Completed", user_id="u",
                        commerce=pb.Commerce(revenue=common_pb2.Money(amount_micros=5)))
    assert fields(negative) == {"events[7].commerce.revenue.currency_code"}


@pytest.mark.parametrize(("raw", "expected"), [
    ("83.12.200.7", "83.12.200.0"),
    ("2001:db8:abcd:12::1", "2001:db8:abcd::"),
    ("300.1.1.1", ""),
    ("not an ip", ""),
])
def test_ip_truncation(raw: str, expected: str) -> None:
    assert truncate_ip(raw) == expected


def _ns(dt: datetime) -> int:
    return int(dt.timestamp() * 1e9)


def test_clock_skew_is_corrected_and_original_kept() -> None:
    received = datetime(2026, 11, 1, 12, 0, 0, tzinfo=UTC)
    event = pb.Event(message_id="m", type=pb.EVENT_TYPE_PAGE, user_id="u", context=pb.EventContext(ip="10.1.2.3"))
    # The client's clock runs one hour behind: it says it sent at 11:00 an event from 10:59.
    event.sent_at.FromDatetime(received - timedelta(hours=1))
    event.timestamp.FromDatetime(received - timedelta(hours=1, minutes=1))
    enrich(event, _ns(received), "web")
    assert event.timestamp.ToDatetime(tzinfo=UTC) == received - timedelta(minutes=1)
    assert event.original_timestamp.ToDatetime(tzinfo=UTC) == received - timedelta(hours=1, minutes=1)
    assert event.received_at.ToDatetime(tzinfo=UTC) == received
    assert event.source_id == "web"
    assert event.context.ip == "10.1.2.0"


def test_small_skew_is_left_alone_and_missing_timestamp_defaults_to_receipt() -> None:
    received = datetime(2026, 11, 1, 12, 0, 0, tzinfo=UTC)
    event = pb.Event(message_id="m", type=pb.EVENT_TYPE_PAGE, user_id="u")
    event.sent_at.FromDatetime(received - timedelta(milliseconds=500))
    enrich(event, _ns(received), "web")
    assert event.timestamp.ToDatetime(tzinfo=UTC) == received
    assert not event.HasField("original_timestamp")
