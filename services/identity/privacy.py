"""Data-subject requests in identity: export and erase a person's profiles and everything derived from them.

The person is every profile one of their identifiers (or a ``profile_id`` the privacy workflow resolved)
belongs to, plus the profiles merged into or split from those (the merge lineage). Erasure removes, in one
transaction: profiles, identifiers, merges (their evidence holds identifiers), processed_events (the stored
payloads), trait_history, refused_merges naming them, audience memberships and unpublished audience outbox
entries; then the person's membership messages on the AUDIENCE stream (they carry identifiers).

Before it reads anything the erasure waits until the profile consumer has applied the EVENTS stream up to
now: ingestion has already removed the person's events from the stream, so nothing of theirs can arrive
after the erasure and rebuild a profile. Every step is idempotent; a dry run counts and changes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from nats.errors import Error as NatsError
from nats.js.api import DeliverPolicy
from nats.js.errors import NotFoundError
from prometheus_client import Counter
from sqlalchemy import delete, or_, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection

from loom.common.v1 import common_pb2
from loom.identity.v1 import identity_pb2 as pb
from services.common.bus import EventBus
from services.common.errors import Unavailable, Violations
from services.common.storage import Database
from services.identity.convert import to_proto
from services.identity.identifiers import normalise
from services.identity.reads import ProfileReader
from services.identity.tables import (
    audience_members,
    audience_outbox,
    identifiers,
    merges,
    processed_events,
    profiles,
    refused_merges,
    trait_history,
)

ERASED = Counter("loom_identity_erased_items_total", "Items erased for data-subject requests, by store.", ["store"])
_CHUNK = 500


def _receipt(store: str, found: int, erased: int, detail: str) -> common_pb2.StoreReceipt:
    receipt = common_pb2.StoreReceipt(store=store, items_found=found, items_erased=erased, detail=detail)
    receipt.completed_at.FromDatetime(datetime.now(UTC))
    return receipt


def _chunks(items: Sequence[str]) -> list[list[str]]:
    return [list(items[i:i + _CHUNK]) for i in range(0, len(items), _CHUNK)]


def _validate(ref: common_pb2.DataSubjectRef) -> list[tuple[str, str]]:
    problems = Violations()
    problems.require(ref.request_id, "subject.request_id")
    if not ref.identifiers:
        problems.add("subject.identifiers", "at least one identifier is required")
    for i, ident in enumerate(ref.identifiers):
        problems.require(ident.type, f"subject.identifiers[{i}].type")
        problems.require(ident.value, f"subject.identifiers[{i}].value")
    problems.raise_if_any()
    return [(i.type, i.value if i.type == "profile_id" else normalise(i.type, i.value)) for i in ref.identifiers]


class IdentityPrivacy:
    """ExportPerson and ErasePerson over identity's tables and its AUDIENCE stream messages."""

    def __init__(self, db: Database, bus: EventBus | None = None, consumer: str = "") -> None:
        self._db = db
        self._bus = bus
        self._consumer = consumer
        self._reader = ProfileReader(db)

    async def _profile_ids(self, conn: AsyncConnection, idents: list[tuple[str, str]]) -> list[str]:
        """The person's profiles, with every profile merged into or out of them."""
        found = {value for kind, value in idents if kind == "profile_id"}
        for kind, value in idents:
            if kind != "profile_id":
                found.update(r[0] for r in await conn.execute(
                    select(identifiers.c.profile_id).where(identifiers.c.type == kind, identifiers.c.value == value)))
        frontier = set(found)
        while frontier:
            rows = await conn.execute(select(merges.c.into_profile_id, merges.c.from_profile_id).where(or_(
                merges.c.into_profile_id.in_(sorted(frontier)), merges.c.from_profile_id.in_(sorted(frontier)))))
            linked = {pid for row in rows for pid in row} - found
            found |= linked
            frontier = linked
        return sorted(p for p in found if p)

    async def export(self, ref: common_pb2.DataSubjectRef) -> pb.ExportPersonResponse:
        """The person's profiles (unmasked: the caller is the privacy workflow) and their merge lineage."""
        from services.identity.rpc_graph import merge_to_proto  # rpc_graph imports the components that import us

        idents = _validate(ref)
        response = pb.ExportPersonResponse()
        try:
            async with self._db.connect() as conn:
                pids = await self._profile_ids(conn, idents)
                for part in _chunks(pids):
                    rows = await conn.execute(select(merges).where(or_(
                        merges.c.into_profile_id.in_(part), merges.c.from_profile_id.in_(part))))
                    seen = {m.merge_id for m in response.merges}
                    response.merges.extend(merge_to_proto(r) for r in rows if r.merge_id not in seen)
            for pid in pids:
                view = await self._reader.find(pid)
                if view is not None:
                    response.profiles.append(to_proto(view.state, view.identifiers, audiences=view.audiences))
        except (OSError, OperationalError) as exc:
            raise Unavailable(f"database unavailable while exporting, retry: {exc}") from exc
        return response

    async def erase(self, ref: common_pb2.DataSubjectRef) -> pb.ErasePersonResponse:
        """Erases (or, on a dry run, counts) the person in every identity store; one receipt per store."""
        idents = _validate(ref)
        if not ref.dry_run:
            await self._wait_consumer()
        try:
            async with self._db.begin() as conn:
                pids = await self._profile_ids(conn, idents)
                receipts = await self._tables(conn, pids, ref.dry_run)
        except (OSError, OperationalError) as exc:
            raise Unavailable(f"database unavailable while erasing, retry: {exc}") from exc
        if self._bus is not None:
            receipts.append(await self._audience_stream(set(pids), set(idents), ref.dry_run))
        for r in receipts:
            ERASED.labels(r.store).inc(r.items_erased)
        return pb.ErasePersonResponse(receipts=receipts)

    async def _tables(self, conn: AsyncConnection, pids: list[str], dry_run: bool) -> list[common_pb2.StoreReceipt]:
        counts: dict[str, int] = {}
        by_profile = {
            "profiles": (profiles, [profiles.c.profile_id]),
            "identifiers": (identifiers, [identifiers.c.profile_id, identifiers.c.origin_profile_id]),
            "merges": (merges, [merges.c.into_profile_id, merges.c.from_profile_id]),
            "processed_events": (processed_events, [processed_events.c.profile_id,
                                                    processed_events.c.origin_profile_id]),
            "trait_history": (trait_history, [trait_history.c.profile_id]),
            "audience_members": (audience_members, [audience_members.c.profile_id]),
        }
        wanted = set(pids)
        for part in _chunks(pids):
            for name, (table, columns) in by_profile.items():
                where = or_(*(c.in_(part) for c in columns))
                counts[name] = counts.get(name, 0) + len((await conn.execute(select(table).where(where))).all())
                if not dry_run:
                    await conn.execute(delete(table).where(where))
        # Small operator-facing tables whose profile ids sit inside a document or payload: checked row by row.
        refused = [r.id for r in await conn.execute(select(refused_merges.c.id, refused_merges.c.profile_ids))
                   if wanted & set(r.profile_ids or [])]
        outbox = [r.id for r in await conn.execute(select(audience_outbox.c.id, audience_outbox.c.payload))
                  if _change_of(r.payload).profile_id in wanted]
        counts["refused_merges"], counts["audience_outbox"] = len(refused), len(outbox)
        if not dry_run:
            for table, ids in ((refused_merges, refused), (audience_outbox, outbox)):
                if ids:
                    await conn.execute(delete(table).where(table.c.id.in_(ids)))
        done = 0 if dry_run else 1
        return [_receipt(f"identity.{name}", n, done * n, f"{name} rows of {len(pids)} profile(s)")
                for name, n in counts.items()]

    async def _wait_consumer(self, within_s: float = 10.0) -> None:
        """Waits until the profile consumer acknowledged every EVENTS message present now."""
        if self._bus is None or not self._consumer:
            return
        js, stream = self._bus.js, self._bus.wire_stream("EVENTS")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within_s
        try:
            target = (await js.stream_info(stream)).state.last_seq
            while True:
                try:
                    info = await js.consumer_info(stream, self._consumer)
                except NotFoundError:
                    return
                if info.ack_floor.stream_seq >= target or (info.num_pending == 0 and info.num_ack_pending == 0):
                    return
                if loop.time() > deadline:
                    raise Unavailable("the profile consumer has not caught up with the event stream yet; retry")
                await asyncio.sleep(0.05)
        except (TimeoutError, OSError, NatsError) as exc:
            raise Unavailable(f"event stream unavailable while erasing, retry: {exc!r}") from exc

    async def _audience_stream(self, pids: set[str], idents: set[tuple[str, str]],
                               dry_run: bool) -> common_pb2.StoreReceipt:
        """Deletes the person's membership changes from the AUDIENCE stream (one message per change)."""
        assert self._bus is not None
        js, stream = self._bus.js, self._bus.wire_stream("AUDIENCE")
        found: list[int] = []
        try:
            state = (await js.stream_info(stream)).state
            if state.messages:
                sub = await js.subscribe(self._bus.subject("loom.audience.>"), stream=stream, ordered_consumer=True,
                                         deliver_policy=DeliverPolicy.ALL)
                try:
                    while True:
                        msg = await sub.next_msg(timeout=5.0)
                        change = _change_of(msg.data)
                        ids = {(i.type, normalise(i.type, i.value)) for i in change.identifiers}
                        if change.profile_id in pids or ids & idents:
                            found.append(msg.metadata.sequence.stream)
                        if msg.metadata.sequence.stream >= state.last_seq or msg.metadata.num_pending == 0:
                            break
                finally:
                    with contextlib.suppress(Exception):
                        await sub.unsubscribe()
            if not dry_run:
                for seq in found:
                    await js.delete_msg(stream, seq)
        except (TimeoutError, OSError, NatsError) as exc:
            raise Unavailable(f"audience stream unavailable while erasing, retry: {exc!r}") from exc
        erased = 0 if dry_run else len(found)
        return _receipt("identity.audience_stream", len(found), erased, "AUDIENCE membership messages deleted")


def _change_of(payload: Any) -> pb.AudienceMembershipChange:
    change = pb.AudienceMembershipChange()
    with contextlib.suppress(Exception):
        change.ParseFromString(bytes(payload))
    return change
