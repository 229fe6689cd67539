"""Rebuilding from the archive gives exactly the profiles the live consumer built, on SQLite and PostgreSQL.

The live consumer sees a customer's events in bus order: per partition (profile key) in publish order, with
partitions interleaved arbitrarily, so an identify keyed by user id can arrive before the anonymous page
views it explains. The archive replays in event-time order. Both must give the same profiles and ids.
"""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from infra.synthetic import history, make_customers
from loom.ingestion.v1 import ingestion_pb2 as pb
from services.common.bus import partition_of
from services.common.events import profile_key
from services.common.migrate import migrate
from services.identity.audiences.engine import AudienceEngine
from services.identity.rebuild import Rebuilder
from services.identity.store import ProfileStore
from services.identity.tables import audience_members, identifiers, merges, processed_events, profiles

pytestmark = pytest.mark.integration


def bus_order(events: list[pb.Event], seed: int) -> list[pb.Event]:
    """Events as one consumer could see them: partition order kept, partitions interleaved at random."""
    queues: dict[int, list[pb.Event]] = {}
    for e in events:
        queues.setdefault(partition_of(profile_key(e)), []).append(e)
    rng, out = random.Random(seed), []
    while queues:
        part = rng.choice(sorted(queues))
        out.append(queues[part].pop(0))
        if not queues[part]:
            del queues[part]
    return out


async def snapshot(db: Any) -> dict[str, Any]:
    async with db.connect() as conn:
        return {
            "profiles": sorted((r.profile_id, r.created_at, json.dumps(r.traits, sort_keys=True),
                                json.dumps(r.computed, sort_keys=True), r.anchor_type, r.anchor_value)
                               for r in await conn.execute(select(profiles))),
            "identifiers": sorted(tuple(r) for r in await conn.execute(select(
                identifiers.c.type, identifiers.c.value, identifiers.c.profile_id, identifiers.c.origin_profile_id))),
            "merges": sorted(tuple(r) for r in await conn.execute(
                select(merges.c.merge_id, merges.c.into_profile_id, merges.c.from_profile_id))),
            "events": sorted(tuple(r) for r in await conn.execute(select(
                processed_events.c.message_id, processed_events.c.profile_id, processed_events.c.origin_profile_id))),
            "members": sorted(tuple(r) for r in await conn.execute(
                select(audience_members.c.audience_id, audience_members.c.profile_id))),
        }


async def test_rebuild_from_the_archive_equals_the_live_state(db_url: str, database) -> None:
    await migrate(db_url, "identity")
    customers = make_customers(40, seed=13)
    for c in customers[:10]:
        c.orders_per_month = 5.0
    archive = sorted(history(customers, days=60, seed=2),
                     key=lambda e: (e.timestamp.seconds, e.timestamp.nanos, e.message_id))
    store = ProfileStore(database)
    audiences = AudienceEngine(database)
    store.hooks.append(audiences.on_profiles_changed)
    await audiences.put("repeat", "Repeat", json.dumps({"computed": "order_count", "op": "gte", "value": 2}))

    live = bus_order(archive, seed=7)
    assert live != archive  # the two paths really see different orders
    for i in range(0, len(live), 37):
        await store.apply(live[i:i + 37])
    # A redelivered stretch of the bus changes nothing.
    assert await store.apply(live[:100]) == 0
    expected = await snapshot(database)
    assert len(expected["profiles"]) == 40 and expected["members"]

    async def source() -> AsyncIterator[list[pb.Event]]:
        for i in range(0, len(archive), 500):
            yield archive[i:i + 500]

    result = await Rebuilder(store, audiences, batch=300).rebuild(source())
    assert result.events == len(archive) and result.profiles == 40
    assert await snapshot(database) == expected


async def test_a_window_replay_backfills_what_the_consumer_missed(db_url: str, database) -> None:
    await migrate(db_url, "identity")
    events = sorted(history(make_customers(10, seed=3), days=30, seed=4),
                    key=lambda e: (e.timestamp.seconds, e.message_id))
    store = ProfileStore(database)
    await store.apply(events)
    expected = await snapshot(database)

    fresh = ProfileStore(database)
    async with database.begin() as conn:
        for table in (profiles, identifiers, processed_events):
            await conn.execute(table.delete())
    await fresh.apply(events[::2])

    async def source() -> AsyncIterator[list[pb.Event]]:
        yield events

    result = await Rebuilder(fresh, None).rebuild(source(), full=False)
    assert result.events == len(events) - len(events[::2])
    assert (await snapshot(database))["profiles"] == expected["profiles"]
