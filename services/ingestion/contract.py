"""The event contract: what every event must satisfy before any data plan is consulted."""

from __future__ import annotations

from loom.ingestion.v1 import ingestion_pb2 as pb

MAX_EVENTS_PER_BATCH = 500
MAX_BATCH_BYTES = 512 * 1024
MAX_MESSAGE_ID_LEN = 64

_Violation = pb.Violation
CONTRACT = pb.VIOLATION_KIND_CONTRACT

_EVENT_TYPES = frozenset(pb.EventType.values())
KNOWN_IDENTIFIER_TYPES = frozenset({"user_id", "email", "phone", "anonymous_id", "device_id"})


def check_event(event: pb.Event, index: int) -> list[pb.Violation]:
    """Contract violations of one event (empty when it is well-formed). Field paths are request paths."""
    at = f"events[{index}]"
    out: list[pb.Violation] = []

    def bad(field: str, description: str) -> None:
        out.append(_Violation(kind=CONTRACT, field=f"{at}.{field}", description=description))

    if not event.message_id:
        bad("message_id", "is required (a unique id per event, used for deduplication)")
    elif len(event.message_id) > MAX_MESSAGE_ID_LEN:
        bad("message_id", f"must be at most {MAX_MESSAGE_ID_LEN} characters")
    if event.type == pb.EVENT_TYPE_UNSPECIFIED:
        bad("type", "is required (track, identify, page, screen, group or alias)")
    elif event.type not in _EVENT_TYPES:
        bad("type", f"unknown event type {event.type}")
    if not event.user_id and not event.anonymous_id:
        bad("user_id", "user_id or anonymous_id is required")
    if event.type == pb.EVENT_TYPE_TRACK and not event.event:
        bad("event", "is required for track events (the event name)")
    if event.type == pb.EVENT_TYPE_ALIAS and not event.previous_id:
        bad("previous_id", "is required for alias events")
    if event.type == pb.EVENT_TYPE_GROUP and not event.group_id:
        bad("group_id", "is required for group events")
    for i, ident in enumerate(event.identifiers):
        if not ident.type:
            bad(f"identifiers[{i}].type", "is required")
        if not ident.value:
            bad(f"identifiers[{i}].value", "is required")
    if event.HasField("commerce"):
        for i, product in enumerate(event.commerce.products):
            if product.quantity < 0:
                bad(f"commerce.products[{i}].quantity", "must not be negative")
        if event.commerce.revenue.amount_micros < 0:
            bad("commerce.revenue.amount_micros", "must not be negative")
        if event.commerce.revenue.amount_micros and not event.commerce.revenue.currency_code:
            bad("commerce.revenue.currency_code", "is required when revenue is set")
    if event.market and (len(event.market) != 2 or not event.market.isalpha() or not event.market.isupper()):
        bad("market", "must be an ISO 3166-1 alpha-2 code such as 'SE'")
    return out
