"""Merge lineage and Unmerge round trips, trait writes and predictive traits, on a real SQLite database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from google.protobuf import struct_pb2
from sqlalchemy import select

from loom.ingestion.v1 import ingestion_pb2 as pb
from services.common.errors import FailedPrecondition, NotFound
from services.common.migrate import migrate
from services.common.storage import Database
from services.identity.reads import ProfileReader
from services.identity.store import ProfileStore
from services.identity.tables import processed_events, refused_merges, trait_history
from services.identity.traits import TraitWriter
from services.identity.unmerge import Unmerger
from tests.unit.test_identity_graph import event


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[ProfileStore]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'identity.db'}"
    await migrate(url, "identity")
    db = Database.from_url(url)
    yield ProfileStore(db)
    await db.dispose()


async def two_people_then_a_bridge(store: ProfileStore) -> tuple[object, object]:
    """Profile A (u1, a1, 2 orders) and B (a2, email, 1 order, trait), then an event joining them."""
    await store.apply([event("a-1", 0, user="u1", anon="a1", order=1_000_000),
                       event("a-2", 10, user="u1", order=2_000_000)])
    await store.apply([event("b-1", 20, anon="a2", kind=pb.EVENT_TYPE_IDENTIFY,
                             traits={"email": "bo@shop.se", "plan": "gold"}),
                       event("b-2", 30, anon="a2", order=4_000_000)])
    reader = ProfileReader(store.db)
    before_a = await reader.find(identifier=("user_id", "u1"))
    before_b = await reader.find(identifier=("anonymous_id", "a2"))
    await store.apply([event("bridge", 40, user="u1", anon="a2")])
    return before_a, before_b


async def test_merge_keeps_its_evidence_and_unmerge_restores_both_sides(store: ProfileStore) -> None:
    before_a, before_b = await two_people_then_a_bridge(store)
    reader = ProfileReader(store.db)
    merged = await reader.find(identifier=("email", "bo@shop.se"))
    assert merged.state.profile_id == before_a.state.profile_id
    assert merged.state.computed["order_count"] == 3 and merged.state.traits["plan"]["v"] == "gold"
    lineage = await reader.lineage(merged.state.profile_id)
    assert [(m.from_profile_id, m.message_id) for m in lineage] == [(before_b.state.profile_id, "bridge")]
    assert {(e["type"], e["value"]) for e in lineage[0].evidence} == {("user_id", "u1"), ("anonymous_id", "a2")}

    kept, restored = await Unmerger(store).unmerge(lineage[0].merge_id, "wrong join", "test")
    assert (kept, restored) == (before_a.state.profile_id, before_b.state.profile_id)
    a = await reader.find(kept)
    b = await reader.find(restored)
    assert set(b.identifiers) == set(before_b.identifiers)
    assert set(a.identifiers) == set(before_a.identifiers)
    assert b.state.computed == before_b.state.computed
    assert b.state.traits == before_b.state.traits
    # A keeps its own events plus the bridging event (it carried A's user id).
    assert a.state.computed["order_count"] == 2
    assert a.state.computed["event_count"] == before_a.state.computed["event_count"] + 1
    assert "plan" not in a.state.traits
    async with store.db.connect() as conn:
        owners = dict((await conn.execute(select(processed_events.c.message_id, processed_events.c.profile_id)))
                      .all())
        history = {r.profile_id for r in await conn.execute(
            select(trait_history).where(trait_history.c.trait == "plan"))}
    assert owners["b-1"] == owners["b-2"] == restored and owners["bridge"] == kept
    assert history == {restored}
    undone = await reader.lineage(kept)
    assert [m.merge_id for m in undone] == [lineage[0].merge_id] and undone[0].unmerged_at is not None

    # The split pair is not joined again by the next event carrying both sides' identifiers.
    await store.apply([event("again", 50, user="u1", anon="a2")])
    assert (await reader.find(identifier=("anonymous_id", "a2"))).state.profile_id == restored
    async with store.db.connect() as conn:
        rules = [r.rule for r in await conn.execute(select(refused_merges))]
    assert rules == ["unmerged: split by an operator"]


async def test_unmerge_errors(store: ProfileStore) -> None:
    await two_people_then_a_bridge(store)
    with pytest.raises(NotFound):
        await Unmerger(store).unmerge("no-such-merge", "", "test")
    merge = (await ProfileReader(store.db).lineage(
        (await ProfileReader(store.db).find(identifier=("user_id", "u1"))).state.profile_id))[0]
    await Unmerger(store).unmerge(merge.merge_id, "", "test")
    with pytest.raises(FailedPrecondition, match="already undone"):
        await Unmerger(store).unmerge(merge.merge_id, "", "test")


async def test_update_traits_is_idempotent_and_survives_unmerge(store: ProfileStore) -> None:
    await store.apply([event("e1", 0, user="u1", anon="a1")])
    reader = ProfileReader(store.db)
    pid = (await reader.find(identifier=("user_id", "u1"))).state.profile_id
    traits = struct_pb2.Struct()
    traits.update({"tier": "vip"})
    writer = TraitWriter(store)
    assert await writer.update(pid, traits, "journey:vip", "key-1") is True
    traits.update({"tier": "basic"})
    assert await writer.update(pid, traits, "journey:vip", "key-1") is False
    view = await reader.find(pid)
    assert view.state.traits["tier"]["v"] == "vip" and view.state.traits["tier"]["s"] == "journey:vip"
    # API writes set traits but are not customer activity.
    assert view.state.computed["event_count"] == 1


async def test_predictive_traits_are_written_with_model_version(store: ProfileStore) -> None:
    await store.apply([event("e1", 0, user="u1")])
    pid = (await ProfileReader(store.db).find(identifier=("user_id", "u1"))).state.profile_id
    written, skipped = await TraitWriter(store).write_predictive([
        (pid, [{"name": "churn", "score": 0.7, "label": "", "model_name": "churn", "model_version": "3"}]),
        ("nobody", [{"name": "churn", "score": 0.1, "label": "", "model_name": "churn", "model_version": "3"}]),
    ])
    assert (written, skipped) == (1, 1)
    view = await ProfileReader(store.db).find(pid)
    assert view.state.predictive["churn"] == {"score": 0.7, "label": "", "model_name": "churn", "model_version": "3"}


async def test_update_traits_refuses_a_profile_whose_identifier_is_now_blocked(store: ProfileStore) -> None:
    from services.identity.rules import RulesStore, parse_rules

    await store.apply([event("e1", 0, user="u1")])
    pid = (await ProfileReader(store.db).find(identifier=("user_id", "u1"))).state.profile_id
    store.use_rules(await RulesStore(store.db).put(parse_rules({"rules": [
        {"type": "user_id", "priority": 0, "max_per_profile": 1, "blocked_values": ["u1"]}]})))
    traits = struct_pb2.Struct()
    traits.update({"tier": "vip"})
    with pytest.raises(FailedPrecondition, match="blocked by the current identity rules"):
        await TraitWriter(store).update(pid, traits, "api", "k")
