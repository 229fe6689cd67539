"""Profile state folds events order-independently, so a rebuild from the archive equals the live state."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from infra.synthetic import history, make_customers
from loom.ingestion.v1 import ingestion_pb2 as pb
from services.identity.identifiers import identifiers_of, normalise
from services.identity.state import ProfileState


def fold(events: list[pb.Event]) -> ProfileState:
    state = ProfileState("p", created_at=datetime(2020, 1, 1, tzinfo=UTC))
    for event in events:
        state.apply(event)
    return state


def test_same_state_in_any_order() -> None:
    customer = make_customers(1, seed=3)[0]
    customer.orders_per_month = 6.0
    events = list(history([customer], days=200, seed=4))
    assert customer.orders >= 5
    in_order = fold(events)
    shuffled = events[:]
    random.Random(1).shuffle(shuffled)
    assert fold(shuffled).computed == in_order.computed
    assert fold(shuffled).traits == in_order.traits
    assert in_order.computed["order_count"] == customer.orders
    assert in_order.computed["revenue_micros"] == customer.revenue_micros
    top = max(customer.category_orders.items(), key=lambda kv: kv[1])[1]
    assert in_order.computed["categories"][in_order.computed["top_category"]]["orders"] == top


def test_merge_equals_folding_everything_into_one() -> None:
    customer = make_customers(1, seed=5)[0]
    customer.orders_per_month = 4.0
    events = list(history([customer], days=150, seed=6))
    half = len(events) // 2
    a, b = fold(events[:half]), fold(events[half:])
    a.absorb(b)
    whole = fold(events)
    assert a.computed == whole.computed
    assert a.traits == whole.traits


def test_identifier_normalisation() -> None:
    assert normalise("email", "  Ada@Example.COM ") == "ada@example.com"
    assert normalise("phone", "0046 (70) 123-45 67") == "+46701234567"
    event = pb.Event(type=pb.EVENT_TYPE_IDENTIFY, user_id="u1", anonymous_id="a1")
    event.traits.update({"email": "X@Y.se"})
    assert identifiers_of(event) == [("user_id", "u1"), ("email", "x@y.se"), ("anonymous_id", "a1")]
