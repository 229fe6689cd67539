"""Stitching under the identity rules, on a real SQLite database: limits, blocked values, idempotency, lineage."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from loom.common.v1 import common_pb2
from loom.ingestion.v1 import ingestion_pb2 as pb
from services.common.errors import InvalidArgument
from services.common.migrate import migrate
from services.common.storage import Database
from services.identity.graph import profile_id_for
from services.identity.reads import ProfileReader
from services.identity.rules import RulesStore, parse_rules
from services.identity.store import ProfileStore
from services.identity.tables import merges, refused_merges

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def event(mid: str, minutes: int, user: str = "", anon: str = "", kind: int = pb.EVENT_TYPE_TRACK,
          traits: dict | None = None, order: int = 0, extra: list[tuple[str, str]] = ()) -> pb.Event:
    """A test event at T0 + minutes; `order` > 0 makes it an Order Completed of that many micros."""
    e = pb.Event(message_id=mid, type=kind, user_id=user, anonymous_id=anon, event="Viewed", source_id="web",
                 identifiers=[common_pb2.Identifier(type=t, value=v) for t, v in extra])
    if kind == pb.EVENT_TYPE_IDENTIFY:
        e.event = ""
    if order:
        e.event = "Order Completed"
        e.commerce.revenue.CopyFrom(common_pb2.Money(currency_code="SEK", amount_micros=order))
        e.commerce.category = "shoes"
    if traits:
        e.traits.update(traits)
    e.timestamp.FromDatetime(T0 + timedelta(minutes=minutes))
    return e


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[ProfileStore]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'identity.db'}"
    await migrate(url, "identity")
    db = Database.from_url(url)
    yield ProfileStore(db)
    await db.dispose()


async def profile_of(store: ProfileStore, kind: str, value: str):
    view = await ProfileReader(store.db).find(identifier=(kind, value))
    assert view is not None, f"no profile for {kind}={value}"
    return view


async def test_identifiers_that_cooccur_are_stitched_into_one_profile(store: ProfileStore) -> None:
    await store.apply([event("p1", 0, anon="a1")])
    await store.apply([event("i1", 5, user="u1", anon="a1", kind=pb.EVENT_TYPE_IDENTIFY,
                             traits={"email": "Ada@Example.COM"})])
    await store.apply([event("o1", 10, user="u1", order=5_000_000)])
    view = await profile_of(store, "email", "ada@example.com")
    # The anonymous profile was renamed when it gained a better identifier: ids follow the best identifier.
    assert view.state.profile_id == profile_id_for(("user_id", "u1"))
    assert set(view.identifiers) == {("anonymous_id", "a1"), ("user_id", "u1"), ("email", "ada@example.com")}
    assert view.state.computed["event_count"] == 3
    assert view.state.computed["order_count"] == 1


async def test_a_join_that_breaks_a_limit_is_refused_and_recorded(store: ProfileStore) -> None:
    # Two people share a laptop: the anonymous id is seen with u1, then u2 logs in on it.
    await store.apply([event("e1", 0, user="u1", anon="shared")])
    await store.apply([event("e2", 5, user="u2", anon="shared", order=1_000_000)])
    first, second = await profile_of(store, "user_id", "u1"), await profile_of(store, "user_id", "u2")
    assert first.state.profile_id != second.state.profile_id
    assert ("anonymous_id", "shared") in first.identifiers
    assert ("anonymous_id", "shared") not in second.identifiers
    # The event belongs to the side of its highest-priority identifier (user_id beats anonymous_id).
    assert second.state.computed["order_count"] == 1 and "order_count" not in first.state.computed
    async with store.db.connect() as conn:
        refused = list(await conn.execute(select(refused_merges)))
    assert [(r.message_id, r.rule) for r in refused] == [("e2", "user_id: max_per_profile=1")]
    assert set(refused[0].profile_ids["profiles"]) == {first.state.profile_id, second.state.profile_id}


async def test_joining_two_existing_profiles_respects_the_limit_too(store: ProfileStore) -> None:
    await store.apply([event("e1", 0, user="u1", anon="a1"), event("e2", 1, user="u2", anon="a2")])
    # An event carrying both anonymous ids would join two profiles with a user id each: refused.
    await store.apply([event("e3", 2, anon="a1", extra=[("anonymous_id", "a2")])])
    assert (await profile_of(store, "anonymous_id", "a1")).state.profile_id != (
        await profile_of(store, "anonymous_id", "a2")).state.profile_id
    async with store.db.connect() as conn:
        assert len(list(await conn.execute(select(merges)))) == 0
        assert len(list(await conn.execute(select(refused_merges)))) == 1


async def test_blocked_values_never_stitch(store: ProfileStore) -> None:
    await store.apply([event("e1", 0, user="unknown", anon="a1"), event("e2", 1, user="UNKNOWN", anon="a2"),
                       event("e3", 2, anon="a3", kind=pb.EVENT_TYPE_IDENTIFY, traits={"email": "test@shop.se"})])
    a1, a2 = await profile_of(store, "anonymous_id", "a1"), await profile_of(store, "anonymous_id", "a2")
    assert a1.state.profile_id != a2.state.profile_id
    assert ("user_id", "unknown") not in a1.identifiers
    assert await ProfileReader(store.db).find(identifier=("email", "test@shop.se")) is None
    # An event whose every identifier is blocked is recorded as processed but joins nothing.
    assert await store.apply([event("e4", 3, user="0", anon="null")]) == 1
    assert await ProfileReader(store.db).count() == 3


async def test_custom_rules_change_limits_and_blocked_patterns(store: ProfileStore) -> None:
    rules = parse_rules({"rules": [
        {"type": "user_id", "priority": 0, "max_per_profile": 1},
        {"type": "email", "priority": 1, "max_per_profile": 1, "blocked_patterns": [r"@example\.org$"]},
        {"type": "anonymous_id", "priority": 2},
    ]})
    store.use_rules(await RulesStore(store.db).put(rules))
    await store.apply([event("e1", 0, anon="a1", kind=pb.EVENT_TYPE_IDENTIFY, traits={"email": "x@shop.se"})])
    await store.apply([event("e2", 1, anon="a1", kind=pb.EVENT_TYPE_IDENTIFY, traits={"email": "y@shop.se"})])
    await store.apply([event("e3", 2, anon="a9", kind=pb.EVENT_TYPE_IDENTIFY, traits={"email": "z@example.org"})])
    view = await profile_of(store, "anonymous_id", "a1")
    assert ("email", "x@shop.se") in view.identifiers and ("email", "y@shop.se") not in view.identifiers
    assert (await profile_of(store, "email", "y@shop.se")).state.profile_id != view.state.profile_id
    assert await ProfileReader(store.db).find(identifier=("email", "z@example.org")) is None
    assert (await RulesStore(store.db).get()).revision == 1


def test_rules_validation_names_every_bad_field() -> None:
    with pytest.raises(InvalidArgument) as err:
        parse_rules({"rules": [{"type": "user_id", "priority": -1}, {"type": "user_id"},
                               {"type": "Bad Type"}, {"type": "email", "blocked_patterns": ["("]}],
                     "trait_policies": {"plan": "newest"}})
    fields = {v.field for v in err.value.violations}
    assert fields == {"rules.rules[0].priority", "rules.rules[1].type", "rules.rules[2].type",
                      "rules.rules[3].blocked_patterns[0]", "rules.trait_policies[plan]"}


async def test_a_redelivered_batch_changes_nothing(store: ProfileStore) -> None:
    batch = [event("o1", 0, user="u1", order=2_000_000), event("o2", 1, user="u1", order=3_000_000)]
    assert await store.apply(batch) == 2
    before = await profile_of(store, "user_id", "u1")
    assert await store.apply(batch) == 0
    assert await store.apply([batch[0], batch[0]]) == 0
    after = await profile_of(store, "user_id", "u1")
    assert after.state.computed == before.state.computed
    assert after.state.computed["revenue_micros"] == 5_000_000


async def test_computed_traits_are_the_same_after_out_of_order_delivery(tmp_path: Path) -> None:
    events = [event(f"o{i}", i * 60, user="u1", order=(i + 1) * 1_000_000) for i in range(12)]
    events += [event("t1", 30, user="u1", kind=pb.EVENT_TYPE_IDENTIFY, traits={"plan": "gold"}),
               event("t2", 400, user="u1", kind=pb.EVENT_TYPE_IDENTIFY, traits={"plan": "silver"})]
    results = []
    for name, order in (("ordered", events), ("shuffled", random.Random(3).sample(events, len(events)))):
        url = f"sqlite+aiosqlite:///{tmp_path / name}.db"
        await migrate(url, "identity")
        db = Database.from_url(url)
        s = ProfileStore(db)
        for i in range(0, len(order), 3):
            await s.apply(order[i:i + 3])
        results.append((await profile_of(s, "user_id", "u1")).state)
        await db.dispose()
    ordered, shuffled = results
    assert shuffled.computed == ordered.computed
    assert shuffled.traits == ordered.traits
    assert ordered.traits["plan"]["v"] == "silver"
    assert ordered.computed["order_count"] == 12
    assert ordered.computed["last_order_at"].startswith("2026-01-01T11:00")


async def test_trait_merge_policies(store: ProfileStore) -> None:
    store.use_rules(await RulesStore(store.db).put(parse_rules({
        "rules": [{"type": "user_id", "priority": 0, "max_per_profile": 1}],
        "trait_policies": {"signup_channel": "first_write", "points": "sum"}})))
    await store.apply([
        event("a", 10, user="u1", kind=pb.EVENT_TYPE_IDENTIFY, traits={"signup_channel": "app", "points": 5}),
        event("b", 0, user="u1", kind=pb.EVENT_TYPE_IDENTIFY, traits={"signup_channel": "web", "points": 7}),
        event("c", 20, user="u1", kind=pb.EVENT_TYPE_IDENTIFY, traits={"signup_channel": "shop", "plan": "x"}),
    ])
    traits = (await profile_of(store, "user_id", "u1")).state.traits
    assert traits["signup_channel"]["v"] == "web"
    assert traits["points"]["v"] == 12
    assert traits["plan"]["v"] == "x"


async def test_profile_ids_do_not_depend_on_arrival_order(tmp_path: Path) -> None:
    events = [event("p1", 0, anon="a1"), event("p2", 1, anon="a2"),
              event("i1", 2, user="u1", anon="a1", kind=pb.EVENT_TYPE_IDENTIFY, traits={"email": "x@shop.se"}),
              event("i2", 3, anon="a2", kind=pb.EVENT_TYPE_IDENTIFY, traits={"email": "x@shop.se"}),
              event("o1", 4, user="u1", order=1_000_000), event("d1", 5, anon="a3", extra=[("device_id", "d")]),
              event("d2", 6, anon="a4", extra=[("device_id", "d")])]
    snapshots = []
    orders = (events, events[::-1], random.Random(5).sample(events, len(events)), events)
    for n, order in enumerate(orders):
        url = f"sqlite+aiosqlite:///{tmp_path / f'order{n}'}.db"
        await migrate(url, "identity")
        db = Database.from_url(url)
        s = ProfileStore(db)
        # The last run applies everything in one transaction: renames and merges chain inside one batch.
        for part in ([order] if n == 3 else [[e] for e in order]):
            await s.apply(part)
        reader = ProfileReader(db)
        views = await reader.find_many([("", ("anonymous_id", a)) for a in ("a1", "a2", "a3", "a4")])
        snapshots.append([(v.state.profile_id, sorted(v.identifiers), v.state.computed) for v in views])
        await db.dispose()
    assert snapshots[0] == snapshots[1] == snapshots[2] == snapshots[3]
    ids = [pid for pid, _, _ in snapshots[0]]
    assert ids[0] == ids[1] == profile_id_for(("user_id", "u1"))
    assert ids[2] == ids[3] == profile_id_for(("device_id", "d"))
