"""Trait writes outside the event stream: UpdateTraits (journeys, back office) and predictive traits.

An UpdateTraits call becomes an event of its own (message id ``api:<hash of the idempotency key>``, carrying
one identifier of the profile) and goes through the same fold as bus events. That makes a repeated key a
no-op through the processed-events record, keeps the write in the profile's event membership so Unmerge
re-attributes it, and lets a rebuild replay it.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from google.protobuf import struct_pb2
from prometheus_client import Counter
from sqlalchemy import select, update

from loom.common.v1 import common_pb2
from loom.ingestion.v1 import ingestion_pb2 as pb
from services.common.errors import FailedPrecondition
from services.identity.reads import Ident
from services.identity.state import API_WRITE_PREFIX
from services.identity.store import ProfileStore
from services.identity.tables import identifiers, profiles

PREDICTIVE_WRITES = Counter("loom_identity_predictive_writes_total", "Predictive trait writes by outcome.",
                            ["outcome"])


def api_message_id(idempotency_key: str) -> str:
    """Message id of an UpdateTraits write: stable per key, random without one."""
    if not idempotency_key:
        return f"{API_WRITE_PREFIX}{uuid.uuid4().hex}"
    return f"{API_WRITE_PREFIX}{hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]}"


class TraitWriter:
    """Writes traits and predictive traits."""

    def __init__(self, store: ProfileStore) -> None:
        self._store = store

    async def update(self, profile_id: str, traits: struct_pb2.Struct, source: str, idempotency_key: str) -> bool:
        """Sets traits on a profile; False when the idempotency key was used before (nothing changed)."""
        async with self._store.db.connect() as conn:
            row = (await conn.execute(
                select(profiles.c.anchor_type, profiles.c.anchor_value).where(profiles.c.profile_id == profile_id)
                .where(profiles.c.anchor_type.is_not(None)))).first() or (await conn.execute(
                select(identifiers.c.type, identifiers.c.value).where(identifiers.c.profile_id == profile_id)
                .order_by(identifiers.c.first_seen, identifiers.c.type, identifiers.c.value).limit(1))).first()
        if row is None:
            raise FailedPrecondition(f"profile {profile_id} has no identifiers to attach the write to")
        anchor: Ident = (row[0], row[1])
        event = pb.Event(message_id=api_message_id(idempotency_key), type=pb.EVENT_TYPE_IDENTIFY,
                         source_id=source, identifiers=[common_pb2.Identifier(type=anchor[0], value=anchor[1])])
        event.traits.CopyFrom(traits)
        event.timestamp.FromDatetime(datetime.now(UTC))
        event.received_at.CopyFrom(event.timestamp)
        applied = await self._store.apply_batch([event])
        if applied.fresh and not applied.touched:
            raise FailedPrecondition(f"profile {profile_id}'s identifier {anchor[0]} is blocked by the current "
                                     "identity rules, so the write cannot be attributed; unblock it or use "
                                     "another profile lookup")
        return applied.fresh == 1

    async def write_predictive(self, predictions: Sequence[tuple[str, list[dict[str, Any]]]]) -> tuple[int, int]:
        """Stores predictive traits by profile id; returns (written, skipped unknown profiles)."""
        written, skipped = 0, 0
        touched: set[str] = set()
        async with self._store.db.begin() as conn:
            ids = sorted({pid for pid, _ in predictions})
            current = {r.profile_id: dict(r.predictive or {}) for r in await conn.execute(
                select(profiles.c.profile_id, profiles.c.predictive).where(profiles.c.profile_id.in_(ids))
                .with_for_update())}
            for pid, traits in predictions:
                if pid not in current:
                    skipped += 1
                    continue
                for trait in traits:
                    current[pid][trait["name"]] = {k: v for k, v in trait.items() if k != "name"}
                touched.add(pid)
                written += 1
            now = datetime.now(UTC)
            for pid in sorted(touched):
                await conn.execute(update(profiles).where(profiles.c.profile_id == pid)
                                   .values(predictive=current[pid], updated_at=now,
                                           version=profiles.c.version + 1))
            for hook in self._store.hooks:
                await hook(conn, touched)
        PREDICTIVE_WRITES.labels("written").inc(written)
        PREDICTIVE_WRITES.labels("skipped").inc(skipped)
        return written, skipped
