"""Audience rule trees: validation, compilation to SQL, full and incremental membership, masking."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from loom.common.v1 import common_pb2
from loom.identity.v1 import identity_pb2 as pb
from loom.ingestion.v1 import ingestion_pb2 as ingestion_pb
from services.common.auth import Principal
from services.common.errors import InvalidArgument
from services.common.migrate import migrate
from services.common.storage import Database
from services.identity.audiences.compiler import parse_rule
from services.identity.audiences.engine import AudienceEngine
from services.identity.masking import MASK, MaskingPolicy
from services.identity.reads import ProfileReader
from services.identity.store import ProfileStore
from services.identity.tables import audience_outbox
from services.identity.traits import TraitWriter

NOW = datetime.now(UTC).replace(microsecond=0)


def order(mid: str, user: str, days_ago: float, micros: int = 1_000_000) -> ingestion_pb.Event:
    e = ingestion_pb.Event(message_id=mid, type=ingestion_pb.EVENT_TYPE_TRACK, event="Order Completed", user_id=user,
                           market="SE")
    e.commerce.revenue.CopyFrom(common_pb2.Money(currency_code="SEK", amount_micros=micros))
    e.commerce.category = "shoes"
    e.timestamp.FromDatetime(NOW - timedelta(days=days_ago))
    return e


def identify(mid: str, user: str, **traits: object) -> ingestion_pb.Event:
    e = ingestion_pb.Event(message_id=mid, type=ingestion_pb.EVENT_TYPE_IDENTIFY, user_id=user)
    e.traits.update(traits)
    e.timestamp.FromDatetime(NOW - timedelta(days=40))
    return e


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[tuple[ProfileStore, AudienceEngine]]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'identity.db'}"
    await migrate(url, "identity")
    db = Database.from_url(url)
    store = ProfileStore(db)
    engine = AudienceEngine(db)
    store.hooks.append(engine.on_profiles_changed)
    yield store, engine
    await db.dispose()


async def members(engine: AudienceEngine, audience_id: str) -> set[str]:
    out: set[str] = set()
    async for chunk in engine.export(audience_id, ["user_id"]):
        out.update(v for _, idents in chunk for _, v in idents)
    return out


def test_rule_validation_points_at_the_bad_node() -> None:
    bad = {"all": [{"trait": "plan", "op": "equals", "value": 1}, {"computed": "shoe_size", "op": "gt", "value": 1},
                   {"event": "Order Completed", "min_count": 0}, {"any": []}, {"frobnicate": 1}]}
    with pytest.raises(InvalidArgument) as err:
        parse_rule(json.dumps(bad))
    assert {v.field for v in err.value.violations} == {
        "audience.rule_json.all[0].op", "audience.rule_json.all[1].computed", "audience.rule_json.all[2].min_count",
        "audience.rule_json.all[3].any", "audience.rule_json.all[4]"}
    with pytest.raises(InvalidArgument, match="not valid JSON"):
        parse_rule("{nope")


async def test_audience_over_traits_computed_events_predictive_and_consent(world) -> None:
    store, engine = world
    await store.apply([identify("i1", "u1", plan="gold", consent_marketing=True), order("o1", "u1", 2),
                       order("o2", "u1", 5), identify("i2", "u2", plan="gold"), order("o3", "u2", 3),
                       identify("i3", "u3", plan="free", consent_marketing=True), order("o4", "u3", 1),
                       order("o5", "u3", 4), order("o6", "u3", 90)])
    reader = ProfileReader(store.db)
    pids = {u: (await reader.find(identifier=("user_id", u))).state.profile_id for u in ("u1", "u2", "u3")}
    await TraitWriter(store).write_predictive([(pids["u3"], [{"name": "churn", "score": 0.9, "label": "",
                                                              "model_name": "m", "model_version": "1"}])])
    rule = {"all": [{"event": "Order Completed", "min_count": 2, "within_days": 30}, {"consent": "marketing"},
                    {"any": [{"trait": "plan", "op": "eq", "value": "gold"},
                             {"predictive": "churn", "op": "gte", "value": 0.8}]},
                    {"computed": "revenue_micros", "op": "gte", "value": 2_000_000},
                    {"computed": "last_order_at", "op": "within_days", "value": 7},
                    {"not": {"computed": "market", "op": "eq", "value": "DK"}}]}
    stored = await engine.put("engaged", "Engaged", json.dumps(rule))
    assert stored.size == 2 and stored.revision == 1
    assert await members(engine, "engaged") == {"u1", "u3"}
    async with store.db.connect() as conn:
        rows = await conn.execute(select(audience_outbox))
        outbox = [pb.AudienceMembershipChange.FromString(r.payload) for r in rows]
    assert {(c.profile_id, c.entered) for c in outbox} == {(pids["u1"], True), (pids["u3"], True)}


async def test_membership_follows_events_in_real_time(world) -> None:
    store, engine = world
    await store.apply([order("o1", "u1", 1)])
    await engine.put("repeat", "Repeat buyers", json.dumps({"computed": "order_count", "op": "gte", "value": 2}))
    assert (await engine.get("repeat")).size == 0
    await store.apply([order("o2", "u1", 0.5)])
    assert await members(engine, "repeat") == {"u1"}
    assert (await engine.get("repeat")).size == 1
    # Rule change that the profile no longer meets: full evaluation emits exited.
    await engine.put("repeat", "Repeat buyers", json.dumps({"computed": "order_count", "op": "gte", "value": 3}))
    assert await members(engine, "repeat") == set()
    async with store.db.connect() as conn:
        changes = [(r.subject, pb.AudienceMembershipChange.FromString(r.payload).entered)
                   for r in await conn.execute(select(audience_outbox).order_by(audience_outbox.c.id))]
    assert changes == [("loom.audience.repeat.entered", True), ("loom.audience.repeat.exited", False)]
    with pytest.raises(InvalidArgument):
        await engine.put("Bad Id", "", json.dumps({"computed": "order_count", "op": "gte", "value": 1}))


def test_masking_hides_pii_from_analysts_only() -> None:
    profile = pb.Profile(profile_id="p", identifiers=[common_pb2.Identifier(type="email", value="a@b.se"),
                                                      common_pb2.Identifier(type="user_id", value="u1")])
    profile.traits["first_name"].value.string_value = "Ada"
    profile.traits["plan"].value.string_value = "gold"
    policy = MaskingPolicy()
    service = pb.Profile()
    service.CopyFrom(profile)
    policy.apply(service, Principal("svc", frozenset({"service"})))
    assert service == profile
    policy.apply(profile, Principal("ana", frozenset({"analyst"})))
    assert profile.identifiers[0].value == MASK and profile.identifiers[1].value == "u1"
    assert profile.traits["first_name"].value.string_value == MASK
    assert profile.traits["plan"].value.string_value == "gold"
    assert list(profile.masked_fields) == ["identifiers[0]", "traits.first_name"]
