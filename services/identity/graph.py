"""Stitching one event into the identity graph, in memory, under the identity rules.

`Stitcher.fold` decides which profile an event belongs to: it walks the event's identifiers best priority
first, joining the profiles they resolve to unless that would break a per-type limit or re-join a pair an
operator split with Unmerge. A refused join is recorded, never forced, and the event stays with the side of
its highest-priority identifier. `store.ProfileStore` loads the working set before and writes it after.

A profile's id is always uuid5 of its anchor, the best identifier it holds. A join keeps the side with the
better anchor; a profile that gains a better identifier (an anonymous visitor logs in) is renamed to it. So
the same events give the same profile ids in any arrival order: the live consumer, which sees a customer's
events in bus order, and a rebuild, which replays the archive in event-time order, agree.
"""

from __future__ import annotations

import uuid
from collections import Counter as Tally
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from prometheus_client import Counter

from loom.ingestion.v1 import ingestion_pb2 as pb
from services.identity.identifiers import identifiers_of
from services.identity.rules import IdentityRules
from services.identity.state import ProfileState

MERGES = Counter("loom_identity_merges_total", "Profile merges by outcome.", ["outcome"])
PROFILE_NAMESPACE = uuid.UUID("6f1c1a8e-2b7c-4d0e-9a53-9a1e0c3b7d21")

Ident = tuple[str, str]


def profile_id_for(identifier: Ident) -> str:
    """Deterministic profile id from the identifier that created it, so a rebuild yields the same ids."""
    return str(uuid.uuid5(PROFILE_NAMESPACE, f"{identifier[0]}:{identifier[1]}"))


@dataclass
class WorkingSet:
    """What one transaction knows and changes: identifier owners, profiles and pending rows."""

    owner: dict[Ident, str] = field(default_factory=dict)
    states: dict[str, ProfileState] = field(default_factory=dict)
    # Identifiers of limited types held by each loaded profile, to check limits before a join.
    limited: dict[str, set[Ident]] = field(default_factory=dict)
    # Pairs of profiles an Unmerge separated; they are never joined again automatically.
    separated: set[frozenset[str]] = field(default_factory=set)
    new_identifiers: list[dict[str, Any]] = field(default_factory=list)
    # Profile id changes in the order they happened: (old, new, "merge" | "rename").
    repoints: list[tuple[str, str, str]] = field(default_factory=list)
    merges: list[dict[str, Any]] = field(default_factory=list)
    refused: list[dict[str, Any]] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    processed: list[dict[str, Any]] = field(default_factory=list)
    touched: set[str] = field(default_factory=set)
    # Ids that changed in this batch: through merges and renames (owner), through renames only (origin).
    # Rows keep the id they were written with and are resolved once in `finalize`, so a rename costs O(1).
    owner_alias: dict[str, str] = field(default_factory=dict)
    origin_alias: dict[str, str] = field(default_factory=dict)

    def current(self, pid: str) -> str:
        """The live id of `pid` after this batch's merges and renames so far."""
        return _follow(self.owner_alias, pid)

    def finalize(self) -> None:
        """Rewrites every pending row to the ids they end up with (call once, before writing)."""
        for rows, origin in ((self.new_identifiers, True), (self.processed, True), (self.history, False)):
            for row in rows:
                if row["profile_id"]:
                    row["profile_id"] = self.current(row["profile_id"])
                if origin and row["origin_profile_id"]:
                    row["origin_profile_id"] = _follow(self.origin_alias, row["origin_profile_id"])
        for row in self.merges:
            for key in ("into_profile_id", "from_profile_id"):
                row[key] = _follow(self.origin_alias, row[key])
        for row in self.refused:
            row["profile_ids"]["profiles"] = [_follow(self.origin_alias, p) for p in row["profile_ids"]["profiles"]]


def _follow(alias: dict[str, str], pid: str) -> str:
    path = []
    while pid in alias:
        path.append(pid)
        pid = alias[pid]
    for hop in path[:-1]:
        alias[hop] = pid  # path compression: later lookups take one step
    return pid


class Stitcher:
    """Applies events to a `WorkingSet` under one set of rules."""

    def __init__(self, rules: IdentityRules, work: WorkingSet, now: datetime | None = None) -> None:
        self.rules = rules
        self.work = work
        self.now = now or datetime.now(UTC)

    def fold(self, event: pb.Event, payload: bytes | None = None, ids: list[Ident] | None = None) -> str:
        """Attributes `event` to a profile, joining or creating profiles as the rules allow; returns its id.

        `ids` are the event's identifiers when the caller extracted them already.
        """
        w = self.work
        ids = identifiers_of(event, self.rules) if ids is None else ids
        ts = event.timestamp.ToDatetime(tzinfo=UTC)
        row = {"message_id": event.message_id, "processed_at": self.now, "ts": ts, "event": event.event or None,
               "payload": payload if payload is not None else event.SerializeToString()}
        if not ids:
            # Nothing usable to resolve (every identifier blocked): kept as processed, owned by no profile.
            MERGES.labels("unattributed").inc()
            w.processed.append({**row, "profile_id": "", "origin_profile_id": ""})
            return ""
        pid = self._resolve(event, ids)
        state = w.states.get(pid)
        if state is None:
            state = w.states[pid] = ProfileState(pid, created_at=ts, anchor=ids[0])
            w.limited.setdefault(pid, set())
        limited = self.rules.limited_types
        for ident in ids:
            if ident not in w.owner and (ident[0] not in limited or self._fits(pid, [ident])):
                w.owner[ident] = pid
                if ident[0] in limited:
                    w.limited[pid].add(ident)
                w.new_identifiers.append({"type": ident[0], "value": ident[1], "profile_id": pid,
                                          "first_seen": ts, "origin_profile_id": pid})
                if self.rank(ident) < self.rank(state.anchor):
                    pid = self._rename(state, ident)
        for name, value, _at in state.apply(event, self.rules.trait_policies, changes_only=True):
            w.history.append({"profile_id": pid, "trait": name, "value": value, "updated_at": ts,
                              "source": event.source_id, "message_id": event.message_id})
        state.version += 1
        w.touched.add(pid)
        w.processed.append({**row, "profile_id": pid, "origin_profile_id": pid})
        return pid

    def _resolve(self, event: pb.Event, ids: list[Ident]) -> str:
        """The profile the event lands on: the best identifier's, joined with every other one the rules allow."""
        w = self.work
        group: str | None = None
        pending: list[Ident] = []
        for ident in ids:
            owner = w.owner.get(ident)
            other = w.current(owner) if owner is not None else None
            if other is None:
                if group is None:
                    pending.append(ident)
                continue
            if group is None:
                if self._fits(other, pending):
                    group = other
                else:
                    self._refuse(event, [profile_id_for(ids[0]), other], self._broken(other, pending), ids)
                continue
            if other == group:
                continue
            if frozenset((group, other)) in w.separated:
                self._refuse(event, [group, other], "unmerged: split by an operator", ids)
                continue
            extra = sorted(w.limited.get(other, set()))
            if not self._fits(group, extra):
                self._refuse(event, [group, other], self._broken(group, extra), ids)
                continue
            group = self._join(group, other, event, ids)
        if group is None:
            group = profile_id_for(ids[0])
        return group

    def rank(self, ident: Ident | None) -> tuple[int, str, str]:
        """Sort key of identifiers: lower is better; a missing anchor ranks last."""
        if ident is None:
            return (1 << 30, "", "")
        return (self.rules.priority(ident[0]), ident[0], ident[1])

    def _fits(self, pid: str, extra: list[Ident]) -> bool:
        return not self._broken(pid, extra)

    def _broken(self, pid: str, extra: list[Ident]) -> str:
        """The limit `pid` would break by taking `extra`, as "type: max_per_profile=N"; empty when none."""
        held = self.work.limited.get(pid, set())
        counts = Tally(kind for kind, _ in held | set(extra))
        for kind, count in sorted(counts.items()):
            limit = self.rules.limit(kind)
            if limit and count > limit:
                return f"{kind}: max_per_profile={limit}"
        return ""

    def _refuse(self, event: pb.Event, pids: list[str], rule: str, ids: list[Ident]) -> None:
        # The evidence goes with the refusal so an operator can see which identifiers asked for the join.
        MERGES.labels("refused").inc()
        self.work.refused.append({"message_id": event.message_id, "rule": rule, "refused_at": self.now,
                                  "profile_ids": {"profiles": pids,
                                                  "evidence": [{"type": t, "value": v} for t, v in ids]}})

    def _join(self, a: str, b: str, event: pb.Event, ids: list[Ident]) -> str:
        """Merges the profile with the worse anchor into the other (so the id stays uuid5 of the best)."""
        w = self.work
        sa, sb = w.states[a], w.states[b]
        into, other = (sa, sb) if (self.rank(sa.anchor), a) <= (self.rank(sb.anchor), b) else (sb, sa)
        into.absorb(other, self.rules.trait_policies)
        del w.states[other.profile_id]
        gone, keep = other.profile_id, into.profile_id
        self._repoint(gone, keep, "merge")
        w.merges.append({
            "merge_id": str(uuid.uuid5(PROFILE_NAMESPACE, f"merge:{event.message_id}:{gone}")),
            "into_profile_id": keep, "from_profile_id": gone, "message_id": event.message_id,
            "evidence": [{"type": t, "value": v} for t, v in ids], "merged_at": self.now, "unmerged_at": None,
        })
        MERGES.labels("merged").inc()
        return keep

    def _rename(self, state: ProfileState, anchor: Ident) -> str:
        """Re-ids a profile after it gained a better identifier; returns the new id."""
        w = self.work
        old, new = state.profile_id, profile_id_for(anchor)
        state.anchor = anchor
        if new == old:
            return old
        state.profile_id = new
        w.states[new] = w.states.pop(old)
        w.origin_alias[old] = new
        self._repoint(old, new, "rename")
        MERGES.labels("renamed").inc()
        return new

    def _repoint(self, gone: str, keep: str, kind: str) -> None:
        """From now on `gone` means `keep` (rows are rewritten once, in `WorkingSet.finalize`)."""
        w = self.work
        w.owner_alias[gone] = keep
        w.limited.setdefault(keep, set()).update(w.limited.pop(gone, set()))
        if any(gone in pair for pair in w.separated):
            w.separated = {pair if gone not in pair else frozenset({keep, *(pair - {gone})})
                           for pair in w.separated}
        w.repoints.append((gone, keep, kind))
        w.touched.update((gone, keep))
