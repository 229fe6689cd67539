"""ProfileState to the Profile message."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from google.protobuf import json_format, struct_pb2, timestamp_pb2

from loom.common.v1 import common_pb2
from loom.identity.v1 import identity_pb2 as pb
from services.identity.state import ProfileState


def _ts(iso: str | None) -> timestamp_pb2.Timestamp | None:
    if not iso:
        return None
    ts = timestamp_pb2.Timestamp()
    ts.FromJsonString(iso)
    return ts


def _value(raw: Any) -> struct_pb2.Value:
    value = struct_pb2.Value()
    json_format.ParseDict(raw, value)
    return value


def to_proto(state: ProfileState, idents: list[tuple[str, str]], now: datetime | None = None,
             audiences: Sequence[str] = ()) -> pb.Profile:
    """The API view of a profile; recency is computed at read time."""
    now = now or datetime.now(UTC)
    profile = pb.Profile(
        profile_id=state.profile_id,
        identifiers=[common_pb2.Identifier(type=t, value=v) for t, v in idents],
        audiences=list(audiences),
    )
    profile.created_at.FromDatetime(state.created_at)
    if state.updated_at is not None:
        profile.updated_at.FromDatetime(state.updated_at)
    for name, trait in state.traits.items():
        profile.traits[name].value.CopyFrom(_value(trait["v"]))
        profile.traits[name].updated_at.FromJsonString(trait["t"])
        profile.traits[name].source = trait.get("s", "")
    c = state.computed
    computed = profile.computed
    computed.event_count = c.get("event_count", 0)
    computed.order_count = c.get("order_count", 0)
    computed.revenue_micros = c.get("revenue_micros", 0)
    computed.top_category = c.get("top_category", "")
    computed.market = c.get("market", "")
    computed.currency_code = c.get("currency_code", "")
    computed.timezone = c.get("timezone", "")
    for field in ("first_seen", "last_seen", "last_order_at"):
        ts = _ts(c.get(field))
        if ts is not None:
            getattr(computed, field).CopyFrom(ts)
    last_order = c.get("last_order_at")
    computed.recency_days = (now - _ts(last_order).ToDatetime(tzinfo=UTC)).days if last_order else -1  # type: ignore[union-attr]
    for name, stats in c.get("categories", {}).items():
        cat = computed.categories[name]
        cat.orders = stats["orders"]
        cat.revenue_micros = stats["revenue_micros"]
        ts = _ts(stats.get("last_purchase_at"))
        if ts is not None:
            cat.last_purchase_at.CopyFrom(ts)
    for name, pred in state.predictive.items():
        out = profile.predictive[name]
        out.name = name
        out.score = float(pred.get("score", 0.0))
        out.label = pred.get("label", "")
        out.model_name = pred.get("model_name", "")
        out.model_version = pred.get("model_version", "")
        ts = _ts(pred.get("scored_at"))
        if ts is not None:
            out.scored_at.CopyFrom(ts)
        if pred.get("details"):
            out.details.update(pred["details"])
    return profile


def value_of(raw: Any) -> struct_pb2.Value:
    """A JSON value as google.protobuf.Value."""
    return _value(raw)


def predictive_dict(trait: pb.PredictiveTrait) -> dict[str, Any]:
    """Storage form of a predictive trait."""
    out: dict[str, Any] = {"name": trait.name, "score": trait.score, "label": trait.label,
                           "model_name": trait.model_name, "model_version": trait.model_version}
    if trait.HasField("scored_at"):
        out["scored_at"] = trait.scored_at.ToJsonString()
    if trait.HasField("details"):
        out["details"] = json_format.MessageToDict(trait.details)
    return out
