"""Delivery rules of a market: quiet hours in the recipient's time zone and frequency caps per channel."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from google.protobuf import json_format
from sqlalchemy import select

from loom.forwarding.v1 import forwarding_pb2 as pb
from services.common.errors import Violations
from services.common.storage import Database, upsert
from services.forwarding.store import now_utc
from services.forwarding.tables import delivery_rules

DEFAULT_MARKET = "*"
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_MARKET = re.compile(r"^(\*|[A-Z]{2})$")


def zone(name: str) -> ZoneInfo | None:
    """The IANA zone of a name, or None when the name is empty or unknown."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _clock(text: str) -> time:
    match = _HHMM.match(text)
    assert match is not None  # validated by validate_rules
    return time(int(match.group(1)), int(match.group(2)))


def quiet_until(quiet: pb.QuietHours, channel: int, tz: ZoneInfo, now: datetime) -> datetime | None:
    """The end of the quiet hours (UTC) when ``now`` falls inside them for this channel, else None.

    The window is in the recipient's local time and may span midnight (21:00-08:00).
    """
    if not quiet.start_local or (quiet.channels and channel not in quiet.channels):
        return None
    start, end = _clock(quiet.start_local), _clock(quiet.end_local)
    local = now.astimezone(tz)
    t = local.time().replace(tzinfo=None)
    inside = start <= t < end if start < end else (t >= start or t < end)
    if not inside:
        return None
    end_day = local.date() if t < end else local.date() + timedelta(days=1)
    return datetime.combine(end_day, end, tzinfo=tz).astimezone(UTC)


def cap_reason(cap: pb.FrequencyCap) -> str:
    """How a cap reads in a suppression reason, e.g. ``email cap 3 per 7d``."""
    seconds = int(cap.period.ToTimedelta().total_seconds())
    period = f"{seconds // 86400}d" if seconds % 86400 == 0 else f"{seconds // 3600}h" if seconds % 3600 == 0 \
        else f"{seconds}s"
    channel = pb.Channel.Name(cap.channel).removeprefix("CHANNEL_").lower() if cap.channel else "all-channel"
    return f"{channel} cap {cap.max_messages} per {period}"


def validate_rules(rules: pb.DeliveryRules) -> None:
    """Raises InvalidArgument listing every problem of a rules document."""
    v = Violations()
    if not _MARKET.match(rules.market):
        v.add("rules.market", "must be a two-letter upper-case market code such as SE, or \"*\"")
    q = rules.quiet_hours
    if q.start_local or q.end_local:
        for name in ("start_local", "end_local"):
            if not _HHMM.match(getattr(q, name)):
                v.add(f"rules.quiet_hours.{name}", "must be HH:MM (24 h)")
        if q.start_local == q.end_local:
            v.add("rules.quiet_hours", "start_local and end_local must differ")
    if q.fallback_timezone and zone(q.fallback_timezone) is None:
        v.add("rules.quiet_hours.fallback_timezone", f"{q.fallback_timezone!r} is not an IANA time zone")
    for i, cap in enumerate(rules.caps):
        if cap.max_messages < 1:
            v.add(f"rules.caps[{i}].max_messages", "must be at least 1")
        if cap.period.ToTimedelta() <= timedelta(0):
            v.add(f"rules.caps[{i}].period", "must be positive")
    for i, route in enumerate(rules.routes):
        if route.channel == pb.CHANNEL_UNSPECIFIED:
            v.add(f"rules.routes[{i}].channel", "is required")
        v.require(route.destination_id, f"rules.routes[{i}].destination_id")
    v.raise_if_any()


class RulesStore:
    """Delivery rules per market, with "*" as the default."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def put(self, rules: pb.DeliveryRules) -> pb.DeliveryRules:
        """Replaces a market's rules and returns them with the new revision."""
        validate_rules(rules)
        spec = json_format.MessageToDict(rules, preserving_proto_field_name=True)
        for key in ("revision", "updated_at"):
            spec.pop(key, None)
        async with self.db.begin() as conn:
            current = (await conn.execute(select(delivery_rules.c.revision)
                                          .where(delivery_rules.c.market == rules.market))).scalar()
            await conn.execute(upsert(delivery_rules, [{"market": rules.market, "spec": spec,
                                                        "revision": (current or 0) + 1, "updated_at": now_utc()}],
                                      ["market"]))
        return await self.get(rules.market)

    async def get(self, market: str) -> pb.DeliveryRules:
        """The rules in force for a market: its own, else "*", else empty rules."""
        async with self.db.connect() as conn:
            rows = {r.market: r for r in (await conn.execute(select(delivery_rules).where(
                delivery_rules.c.market.in_([market or DEFAULT_MARKET, DEFAULT_MARKET])))).all()}
        row = rows.get(market) or rows.get(DEFAULT_MARKET)
        if row is None:
            return pb.DeliveryRules(market=market or DEFAULT_MARKET)
        rules = json_format.ParseDict(row.spec, pb.DeliveryRules())
        rules.revision = row.revision
        rules.updated_at.FromDatetime(row.updated_at)
        return rules
