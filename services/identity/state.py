"""A profile's state and how one event changes it.

Every update is order-independent — counts and sums add, first/last times take min/max, a trait follows its
merge policy (latest event time wins, earliest wins, or numeric sum) with ties broken by value — so replaying
the archive in any order rebuilds the same profile.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from google.protobuf import json_format
from prometheus_client import Counter

from loom.ingestion.v1 import ingestion_pb2 as pb
from services.common.events import event_category

# Trait writes made through the API (UpdateTraits) travel as events with this message id prefix: they set
# traits but are not customer activity, so they leave the computed traits alone.
API_WRITE_PREFIX = "api:"
# Traits that are identifiers: kept even without personalisation consent (identity stitches on them).
IDENTIFIER_TRAITS = frozenset({"email", "phone"})
PERSONALISATION = "personalisation"
WITHHELD = Counter("loom_identity_traits_withheld_total", "Personalisation traits not stored because the event's "
                   "consent denied personalisation.")


def personalisation_withheld(event: pb.Event) -> bool:
    """True when ingestion tagged the event with personalisation consent denied (see docs/consent.md).

    Only an explicit ``false`` withholds: ingestion tags every event when it has a consent service (unknown
    people and an unreachable service are tagged false), so an untagged event is an API write or comes
    from a deployment that runs without consent.
    """
    return PERSONALISATION in event.consent and not event.consent[PERSONALISATION]


def iso_time(ts: datetime) -> str:
    """The fixed-width ISO-8601 UTC text profiles store times as (text order is time order)."""
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _min(a: str | None, b: str) -> str:
    return b if a is None or b < a else a


def _max(a: str | None, b: str) -> str:
    return b if a is None or b > a else a


def _rank(trait: Mapping[str, Any]) -> tuple[str, str]:
    # Value as a tie-break, so two writes with the same event time resolve the same way in any order.
    return trait["t"], json.dumps(trait["v"], sort_keys=True)


def combine_trait(policy: str, mine: dict[str, Any] | None, theirs: dict[str, Any]) -> dict[str, Any] | None:
    """The trait after `theirs` meets `mine` under `policy`; None when `mine` stays as it is."""
    if mine is None:
        return dict(theirs)
    if policy == "sum" and _numeric(mine["v"]) and _numeric(theirs["v"]):
        latest = theirs if _newer(theirs, mine) else mine
        return {"v": mine["v"] + theirs["v"], "t": latest["t"], "s": latest.get("s", "")}
    if policy == "first_write":
        return dict(theirs) if _newer(mine, theirs) else None
    return dict(theirs) if _newer(theirs, mine) else None


def _newer(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """True when trait write `a` ranks after `b`: later event time, ties broken by the value's JSON."""
    if a["t"] != b["t"]:
        return bool(a["t"] > b["t"])
    return _rank(a) > _rank(b)


def _numeric(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass
class ProfileState:
    """Mutable profile data as stored in the ``profiles`` row (JSON columns)."""

    profile_id: str
    created_at: datetime
    traits: dict[str, dict[str, Any]] = field(default_factory=dict)
    computed: dict[str, Any] = field(default_factory=dict)
    predictive: dict[str, Any] = field(default_factory=dict)
    version: int = 0
    # Best identifier the profile holds (see tables.profiles); None only for rows older than revision 0002.
    anchor: tuple[str, str] | None = None
    # When the stored row was last written (read side only).
    updated_at: datetime | None = None

    def apply(self, event: pb.Event, policies: Mapping[str, str] | None = None,
              changes_only: bool = False) -> list[tuple[str, Any, str]]:
        """Folds one event in; returns the (trait, value, time) writes it made, for the trait history.

        With `changes_only`, a write that leaves a trait's value as it was is not returned.
        """
        ts = event.timestamp.ToDatetime(tzinfo=UTC)
        at = iso_time(ts)
        self.created_at = min(self.created_at, ts)
        if not event.message_id.startswith(API_WRITE_PREFIX):
            self._apply_activity(event, at)
        changes: list[tuple[str, Any, str]] = []
        if event.HasField("traits"):
            withheld = personalisation_withheld(event)
            for name, value in json_format.MessageToDict(event.traits).items():
                if withheld and name not in IDENTIFIER_TRAITS:
                    WITHHELD.inc()
                    continue
                policy = (policies or {}).get(name, "last_write")
                before = self.traits.get(name)
                written = combine_trait(policy, before, {"v": value, "t": at, "s": event.source_id})
                if written is not None:
                    self.traits[name] = written
                    if not changes_only or before is None or before["v"] != written["v"]:
                        changes.append((name, written["v"], at))
        return changes

    def _apply_activity(self, event: pb.Event, at: str) -> None:
        c = self.computed
        c["event_count"] = c.get("event_count", 0) + 1
        c["first_seen"] = _min(c.get("first_seen"), at)
        if at >= c.get("last_seen", ""):
            c["last_seen"] = at
            if event.market:
                c["market"] = event.market
            if event.context.timezone:
                c["timezone"] = event.context.timezone
        if event.type == pb.EVENT_TYPE_TRACK and event.event == "Order Completed":
            self._apply_order(event, at)

    def _apply_order(self, event: pb.Event, at: str) -> None:
        c = self.computed
        revenue = event.commerce.revenue.amount_micros
        c["order_count"] = c.get("order_count", 0) + 1
        c["revenue_micros"] = c.get("revenue_micros", 0) + revenue
        if event.commerce.revenue.currency_code:
            c["currency_code"] = event.commerce.revenue.currency_code
        c["last_order_at"] = _max(c.get("last_order_at"), at)
        categories = c.setdefault("categories", {})
        for category in {p.category for p in event.commerce.products if p.category} or {event_category(event)} - {""}:
            stats = categories.setdefault(category, {"orders": 0, "revenue_micros": 0})
            stats["orders"] += 1
            stats["revenue_micros"] += _category_revenue(event, category)
            stats["last_purchase_at"] = _max(stats.get("last_purchase_at"), at)
        c["top_category"] = top_category(categories)

    def absorb(self, other: ProfileState, policies: Mapping[str, str] | None = None) -> None:
        """Merges another profile into this one (identity stitching)."""
        for name, trait in other.traits.items():
            written = combine_trait((policies or {}).get(name, "last_write"), self.traits.get(name), trait)
            if written is not None:
                self.traits[name] = written
        a, b = self.computed, other.computed
        for key in ("event_count", "order_count", "revenue_micros"):
            if key in b:
                a[key] = a.get(key, 0) + b[key]
        for key in ("first_seen",):
            if key in b:
                a[key] = _min(a.get(key), b[key])
        if b.get("last_seen", "") > a.get("last_seen", ""):
            for key in ("last_seen", "market", "timezone"):
                if key in b:
                    a[key] = b[key]
        if "last_order_at" in b:
            a["last_order_at"] = _max(a.get("last_order_at"), b["last_order_at"])
        if "currency_code" in b:
            a.setdefault("currency_code", b["currency_code"])
        cats = a.setdefault("categories", {})
        for name, stats in b.get("categories", {}).items():
            mine_stats = cats.setdefault(name, {"orders": 0, "revenue_micros": 0})
            mine_stats["orders"] += stats["orders"]
            mine_stats["revenue_micros"] += stats["revenue_micros"]
            if "last_purchase_at" in stats:
                mine_stats["last_purchase_at"] = _max(mine_stats.get("last_purchase_at"), stats["last_purchase_at"])
        if cats:
            a["top_category"] = top_category(cats)
        for name, pred in other.predictive.items():
            self.predictive.setdefault(name, pred)
        self.created_at = min(self.created_at, other.created_at)


def top_category(categories: dict[str, dict[str, Any]]) -> str:
    """Most frequently bought category; ties go to revenue, then name, so the answer is deterministic."""
    return max(categories.items(), key=lambda kv: (kv[1]["orders"], kv[1]["revenue_micros"], kv[0]))[0]


def _category_revenue(event: pb.Event, category: str) -> int:
    products = [p for p in event.commerce.products if p.category == category]
    if products:
        return sum(p.price.amount_micros * max(p.quantity, 1) for p in products)
    return event.commerce.revenue.amount_micros
