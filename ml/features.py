"""The feature pipeline: archived events folded into one point-in-time feature row per consenting profile.

Only events strictly before the cutoff feed a row, so a training row never sees its own future, and the same
function builds online features with ``cutoff = now``: training and serving cannot drift apart. A profile is
used only when ``profiling_allowed`` says so; the default denies, so forgetting to wire consent scores nobody.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np

from loom.ingestion.v1 import ingestion_pb2 as pb

ProfilingAllowed = Callable[[str], bool]

# Category affinities are shares over this fixed vocabulary (the shop's top-level catalogue); anything else
# counts as "other", so an unknown category never changes the feature layout.
CATEGORIES = (
    "shoes", "fashion", "beauty", "home", "electronics", "sports", "kids", "bags", "watches", "jewellery",
    "books", "garden", "pets",
)
PAYMENTS = ("card", "invoice", "bnpl")
# Rough conversion to EUR so monetary features compare across markets; refreshed with the catalogue.
TO_EUR = {"EUR": 1.0, "SEK": 0.087, "GBP": 1.17, "USD": 0.92}
DAY_PARTS = ("night", "morning", "afternoon", "evening")
ORDER_EVENT = "Order Completed"

FEATURE_NAMES: tuple[str, ...] = (
    "recency_days", "orders_30d", "orders_90d", "orders_365d", "revenue_90d", "revenue_365d",
    "avg_order_value", "tenure_days", "days_since_last_event", "interpurchase_days", "recency_over_gap",
    *(f"category_share:{c}" for c in CATEGORIES),
    *(f"engagement_share:{p}" for p in DAY_PARTS), "engagement_share:weekend",
    *(f"payment_share:{p}" for p in PAYMENTS), "app_event_share",
    *(f"category_recency:{c}" for c in CATEGORIES),
)
FEATURE_DESCRIPTIONS = {
    "recency_days": "days since the last order (365 when none)",
    "orders_30d": "log1p orders in the last 30 days", "orders_90d": "log1p orders in the last 90 days",
    "orders_365d": "log1p orders in the last 365 days", "revenue_90d": "log1p EUR revenue, last 90 days",
    "revenue_365d": "log1p EUR revenue, last 365 days", "avg_order_value": "log1p mean EUR order value",
    "tenure_days": "days since the first event", "days_since_last_event": "days since any event",
    "interpurchase_days": "mean days between orders (365 with fewer than two)",
    "recency_over_gap": "recency divided by the usual gap between orders",
    "app_event_share": "share of events from the app rather than the web",
}


def category_group(category: str) -> str:
    """Top-level category of ``shoes/sneakers`` style paths ("other" outside the vocabulary)."""
    top = category.split("/", 1)[0].lower()
    return top if top in CATEGORIES else "other"


@dataclass
class Order:
    """One order as the features see it."""

    at: datetime
    category: str
    eur: float
    payment: str


@dataclass
class History:
    """Everything the features need of one profile, in time order."""

    key: str
    orders: list[Order] = field(default_factory=list)
    # (UTC time, local hour 0..23, local weekday 0..6, from the app) of every event.
    touches: list[tuple[datetime, int, int, bool]] = field(default_factory=list)


def histories_from_events(events: Iterable[pb.Event]) -> dict[str, History]:
    """Groups archived events by user (anonymous-only events have no profile to score and are skipped)."""
    out: dict[str, History] = {}
    zones: dict[str, ZoneInfo] = {}
    for event in events:
        if not event.user_id:
            continue
        history = out.setdefault(event.user_id, History(event.user_id))
        at = event.timestamp.ToDatetime(tzinfo=UTC)
        tz_name = event.context.timezone or "UTC"
        zone = zones.get(tz_name) or zones.setdefault(tz_name, ZoneInfo(tz_name))
        local = at.astimezone(zone)
        history.touches.append((at, local.hour, local.weekday(), bool(event.context.app.name)))
        if event.event == ORDER_EVENT and event.type == pb.EVENT_TYPE_TRACK:
            money = event.commerce.revenue
            eur = money.amount_micros / 1e6 * TO_EUR.get(money.currency_code, 1.0)
            history.orders.append(Order(at, event.commerce.category, eur, event.commerce.payment_method))
    for history in out.values():
        history.orders.sort(key=lambda o: o.at)
        history.touches.sort(key=lambda t: t[0])
    return out


def hour_of_week_counts(history: History, cutoff: datetime) -> np.ndarray:
    """Events per local hour of the week (0 = Monday 00:00) before ``cutoff``: the send-time model's input."""
    counts = np.zeros(168, dtype=np.float32)
    for at, hour, weekday, _app in history.touches:
        if at < cutoff:
            counts[weekday * 24 + hour] += 1
    return counts


def feature_row(history: History, cutoff: datetime) -> np.ndarray:
    """The feature vector of one profile as of ``cutoff`` (events at or after it are ignored)."""
    orders = [o for o in history.orders if o.at < cutoff]
    touches = [t for t in history.touches if t[0] < cutoff]

    def days(at: datetime) -> float:
        return (cutoff - at).total_seconds() / 86400

    recency = days(orders[-1].at) if orders else 365.0
    counts = [sum(1 for o in orders if days(o.at) <= w) for w in (30, 90, 365)]
    revenue = [sum(o.eur for o in orders if days(o.at) <= w) for w in (90, 365)]
    aov = sum(o.eur for o in orders) / len(orders) if orders else 0.0
    tenure = days(touches[0][0]) if touches else 0.0
    since_event = days(touches[-1][0]) if touches else 365.0
    gap = (days(orders[0].at) - recency) / (len(orders) - 1) if len(orders) > 1 else 365.0
    cats = np.zeros(len(CATEGORIES))
    cat_recency = np.full(len(CATEGORIES), 365.0)
    for o in orders:
        group = category_group(o.category)
        if group != "other":
            cats[CATEGORIES.index(group)] += 1
            cat_recency[CATEGORIES.index(group)] = min(days(o.at), 365.0)
    cats = cats / max(len(orders), 1)
    parts = np.zeros(len(DAY_PARTS) + 1)
    for _, hour, weekday, _app in touches:
        parts[hour // 6] += 1
        parts[-1] += weekday >= 5
    parts = parts / max(len(touches), 1)
    pays = np.array([sum(1 for o in orders if o.payment == p) for p in PAYMENTS], dtype=float) / max(len(orders), 1)
    app = sum(1 for t in touches if t[3]) / max(len(touches), 1)
    head = [
        min(recency, 365.0), *(math.log1p(c) for c in counts), *(math.log1p(r) for r in revenue),
        math.log1p(aov), min(tenure, 730.0), min(since_event, 365.0), min(gap, 365.0),
        min(recency / max(gap, 1.0), 20.0),
    ]
    return np.concatenate([head, cats, parts, pays, [app], cat_recency]).astype(np.float32)


@dataclass
class FeatureFrame:
    """Feature rows of the profiles that may be profiled, and how many were left out for consent."""

    keys: list[str]
    matrix: np.ndarray
    excluded_by_consent: int
    names: Sequence[str] = FEATURE_NAMES


def deny_all(_profile: str) -> bool:
    """The default consent answer until a consent checker is wired in: nobody may be profiled."""
    return False


def build_features(
    histories: dict[str, History], cutoff: datetime, profiling_allowed: ProfilingAllowed = deny_all,
    *, min_events: int = 1,
) -> FeatureFrame:
    """Point-in-time feature rows of every consenting profile with at least ``min_events`` before ``cutoff``."""
    keys: list[str] = []
    rows: list[np.ndarray] = []
    excluded = 0
    for key in sorted(histories):
        history = histories[key]
        if sum(1 for t in history.touches if t[0] < cutoff) < min_events:
            continue
        if not profiling_allowed(key):
            excluded += 1
            continue
        keys.append(key)
        rows.append(feature_row(history, cutoff))
    matrix = np.stack(rows) if rows else np.zeros((0, len(FEATURE_NAMES)), dtype=np.float32)
    return FeatureFrame(keys, matrix, excluded)
