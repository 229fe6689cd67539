"""Deterministic decisions of a journey: holdout groups, A/B/n variants, conditions and local-time targets.

Everything here is a pure function of its arguments (no clock, no randomness), so the workflow can call it
and replay gives the same answer; a customer's group and variant also stay the same across re-entries.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from temporalio import activity

from workflows.journeys.types import LocalTimeRequest, ProfileView

BUCKETS = 10_000
GLOBAL_CONTROL_SALT = "loom-global-control"


def bucket(*parts: str) -> int:
    """A stable bucket in [0, BUCKETS) for the joined parts (sha256, so equal on every machine)."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


def measurement_group(user_id: str, journey_id: str, holdout_percent: float, global_control_percent: float) -> str:
    """``global_control``, ``holdout`` or ``treatment`` for a customer in a journey.

    The global control group is salted without the journey id, so the same customers are held out of
    every journey; the per-journey holdout is salted with it, so each journey holds out different ones.
    """
    if bucket(GLOBAL_CONTROL_SALT, user_id) < global_control_percent * BUCKETS / 100:
        return "global_control"
    if bucket(journey_id, user_id) < holdout_percent * BUCKETS / 100:
        return "holdout"
    return "treatment"


def choose_variant(user_id: str, journey_id: str, step_id: str, variants: list[tuple[str, int, str | None]]
                   ) -> tuple[str, str | None]:
    """The (name, next step) of an A/B/n split for a customer, proportional to the weights."""
    total = sum(weight for _, weight, _ in variants)
    point = bucket(journey_id, step_id, user_id) * total // BUCKETS
    for name, weight, following in variants:
        if point < weight:
            return name, following
        point -= weight
    name, _, following = variants[-1]
    return name, following


def _compare(actual: Any, op: str, expected: Any) -> bool:
    if op == "exists":
        return (actual is not None) == bool(expected)
    if actual is None:
        return False
    if op == "eq":
        return bool(actual == expected)
    if op == "ne":
        return bool(actual != expected)
    if op == "in":
        return actual in expected
    try:
        a, b = float(actual), float(expected)
    except (TypeError, ValueError):
        return False
    return {"gt": a > b, "gte": a >= b, "lt": a < b, "lte": a <= b}[op]


def evaluate(condition: dict[str, Any], profile: ProfileView, consent: dict[str, bool]) -> bool:
    """Whether ``condition`` (the spec's branch grammar) holds for the profile and consent answers."""
    if "all" in condition:
        return all(evaluate(c, profile, consent) for c in condition["all"])
    if "any" in condition:
        return any(evaluate(c, profile, consent) for c in condition["any"])
    if "not" in condition:
        return not evaluate(condition["not"], profile, consent)
    if "consent" in condition:
        # Fail closed: a purpose nobody answered for is not granted.
        return consent.get(condition["consent"], False)
    if "audience" in condition:
        return condition["audience"] in profile.audiences
    if "trait" in condition:
        name = condition["trait"]
        actual = profile.traits.get(name, profile.computed.get(name))
        op = next(k for k in condition if k != "trait")
    else:
        name = condition["predictive"]
        actual = profile.predictive.get(name)
        op = next(k for k in condition if k != "predictive")
    return _compare(actual, op, condition[op])


def consent_purposes(condition: dict[str, Any]) -> list[str]:
    """Every consent purpose a condition asks about, so one CheckPurposes call answers them all."""
    if "consent" in condition:
        return [condition["consent"]]
    nested = condition.get("all") or condition.get("any") or ([condition["not"]] if "not" in condition else [])
    return [p for c in nested for p in consent_purposes(c)]


def zone(name: str, default: str) -> ZoneInfo:
    """The customer's IANA zone, or the journey's default when unknown or malformed."""
    try:
        return ZoneInfo(name) if name else ZoneInfo(default)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(default)


def next_local_time(now: datetime, local: str, tz: ZoneInfo) -> datetime:
    """The next moment (after ``now``, UTC-aware) when the wall clock in ``tz`` shows ``local`` (HH:MM).

    On a daylight-saving gap the wall time does not exist; fold=0 resolves it to the hour after, the way
    a person would read "9:00" that day.
    """
    hour, minute = (int(p) for p in local.split(":"))
    here = now.astimezone(tz)
    candidate = datetime.combine(here.date(), time(hour, minute), tzinfo=tz)
    if candidate <= here:
        candidate = datetime.combine(here.date() + timedelta(days=1), time(hour, minute), tzinfo=tz)
    return candidate.astimezone(now.tzinfo)


@activity.defn(name="journeys.next_local_time")
async def next_local_time_activity(request: LocalTimeRequest) -> str:
    """`next_local_time` as a (local) activity: the time-zone database lives outside the workflow sandbox,
    and recording the answer in history keeps replay identical even after a tzdata update."""
    now = datetime.fromisoformat(request.now)
    return next_local_time(now, request.local_time, zone(request.timezone, request.default_timezone)).isoformat()
