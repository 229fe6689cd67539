"""The event stream's shared vocabulary: how events are keyed, grouped and encoded on the bus.

Every service that consumes ``loom.events.>`` reads `EventBatch` messages through `decode_batches`, so
the wire format is defined once here rather than in each consumer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from loom.ingestion.v1 import ingestion_pb2 as pb

EVENTS_FILTER = "loom.events.>"


def event_type_name(event_type: int) -> str:
    """Short lower-case name of an event type: ``track``, ``identify``..."""
    return pb.EventType.Name(event_type).removeprefix("EVENT_TYPE_").lower()


def profile_key(event: pb.Event) -> str:
    """The key that orders a customer's events on the bus: user id when known, else anonymous id.

    Alias events are keyed by previous_id so they land with the anonymous history they join.
    """
    if event.type == pb.EVENT_TYPE_ALIAS and event.previous_id:
        return event.previous_id
    return event.user_id or event.anonymous_id


def event_category(event: pb.Event) -> str:
    """Main category of a commerce event, or empty."""
    commerce = event.commerce
    if commerce.category:
        return commerce.category
    return commerce.products[0].category if commerce.products else ""


def batch_id(events: Sequence[pb.Event]) -> str:
    """JetStream dedup id of a group: the same events resent as the same group publish once."""
    digest = hashlib.sha256("\x1f".join(e.message_id for e in events).encode())
    return digest.hexdigest()[:40]


def decode_batches(payloads: Iterable[bytes]) -> list[pb.Event]:
    """Every event in a list of EventBatch payloads, in order."""
    events: list[pb.Event] = []
    for data in payloads:
        batch = pb.EventBatch()
        batch.ParseFromString(data)
        events.extend(batch.events)
    return events
