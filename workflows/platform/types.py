"""Inputs and outputs of the platform workflows (one dataclass in, one out)."""

from __future__ import annotations

from dataclasses import dataclass, field

TASK_QUEUE = "loom-platform"


@dataclass
class ProfileSnapshot:
    """What the workflow needs to know about a profile."""

    profile_id: str
    found: bool
    order_count: int = 0
    revenue_micros: int = 0
    currency_code: str = ""
    top_category: str = ""
    recency_days: int = -1
    market: str = ""
    identifiers: list[str] = field(default_factory=list)


@dataclass
class SegmentCustomerInput:
    """Which customer to segment."""

    user_id: str
    # Revenue above which a customer counts as VIP, in micros of their currency.
    vip_revenue_micros: int = 5_000_000_000


@dataclass
class CustomerSegment:
    """The segment a customer falls in, with the facts it was derived from."""

    user_id: str
    profile_id: str
    segment: str
    order_count: int
    revenue_micros: int
    top_category: str
