"""Reading profiles, trait history, merge lineage and refused merges."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from prometheus_client import Gauge
from sqlalchemy import bindparam, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.errors import NotFound, Violations
from services.common.storage import Database
from services.identity.state import ProfileState
from services.identity.store import state_of
from services.identity.tables import audience_members, identifiers, merges, profiles, refused_merges, trait_history

Ident = tuple[str, str]
DEFAULT_PAGE, MAX_PAGE = 100, 1000
PROFILES = Gauge("loom_identity_profiles_total", "Profiles in the identity graph (refreshed periodically).")


@dataclass(frozen=True)
class ProfileView:
    """A profile with its identifiers and audience memberships."""

    state: ProfileState
    identifiers: list[Ident]
    audiences: list[str]


def page_bounds(page_size: int, token: str) -> tuple[int, int]:
    """(limit, offset) of a page request; raises InvalidArgument for a token this service did not issue."""
    v = Violations()
    if page_size < 0:
        v.add("page.page_size", "must not be negative")
    offset = 0
    if token:
        if not token.isdigit():
            v.add("page.page_token", "not a token returned by this API")
        else:
            offset = int(token)
    v.raise_if_any()
    return min(page_size or DEFAULT_PAGE, MAX_PAGE), offset


def describe(profile_id: str, identifier: Ident | None) -> str:
    """Human name of a lookup, for NotFound messages."""
    return f"identifier {identifier[0]}={identifier[1]}" if identifier else f"profile {profile_id}"


# The single-lookup reads (GetProfile), built once: only the parameters change per call.
_PROFILE_BY_ID = select(profiles).where(profiles.c.profile_id == bindparam("pid"))
_PROFILE_BY_IDENT = (select(identifiers.c.value, profiles)
                     .join(profiles, profiles.c.profile_id == identifiers.c.profile_id)
                     .where(identifiers.c.type == bindparam("kind"), identifiers.c.value == bindparam("value")))
_DETAILS = union_all(
    select(identifiers.c.profile_id, literal("i").label("kind"), identifiers.c.type.label("a"),
           identifiers.c.value.label("b")).where(identifiers.c.profile_id == bindparam("pid")),
    select(audience_members.c.profile_id, literal("m"), audience_members.c.audience_id,
           literal("")).where(audience_members.c.profile_id == bindparam("pid")),
)


class ProfileReader:
    """Read side of the identity service."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def resolve(self, conn: AsyncConnection, profile_id: str, identifier: Ident | None) -> str | None:
        """The profile id a lookup names, or None."""
        if identifier is None:
            return profile_id
        row = (await conn.execute(select(identifiers.c.profile_id).where(
            identifiers.c.type == identifier[0], identifiers.c.value == identifier[1]))).first()
        return row[0] if row else None

    async def require(self, profile_id: str, identifier: Ident | None) -> str:
        """The profile id a lookup names; NotFound when nothing matches."""
        async with self._db.connect() as conn:
            pid = await self.resolve(conn, profile_id, identifier)
            exists = pid and (await conn.execute(
                select(profiles.c.profile_id).where(profiles.c.profile_id == pid))).first()
        if not exists:
            raise NotFound(f"no profile for {describe(profile_id, identifier)}")
        return str(pid)

    async def find(self, profile_id: str = "", identifier: Ident | None = None) -> ProfileView | None:
        """A profile by id or by any identifier: the same two queries as :meth:`find_many`, prebuilt."""
        async with self._db.connect() as conn:
            if identifier is None:
                row = (await conn.execute(_PROFILE_BY_ID, {"pid": profile_id})).first()
            else:
                row = (await conn.execute(_PROFILE_BY_IDENT, {"kind": identifier[0], "value": identifier[1]})).first()
            if row is None:
                return None
            idents: list[Ident] = []
            members: list[str] = []
            for _pid, kind, a, b in sorted(await conn.execute(_DETAILS, {"pid": row.profile_id})):
                if kind == "i":
                    idents.append((a, b))
                else:
                    members.append(a)
        return ProfileView(state_of(row), idents, members)

    async def find_many(self, lookups: Sequence[tuple[str, Ident | None]]) -> list[ProfileView | None]:
        """Profiles for many lookups in two queries, in lookup order (None where nothing matches).

        The first query resolves identifiers and reads the profile rows in one join; the second reads the
        identifiers and audience memberships of every profile found.
        """
        async with self._db.connect() as conn:
            states: dict[str, ProfileState] = {}
            by_ident: dict[Ident, str] = {}
            ids = sorted({p for p, i in lookups if i is None and p})
            if ids:
                for row in await conn.execute(select(profiles).where(profiles.c.profile_id.in_(ids))):
                    states[row.profile_id] = state_of(row)
            for kind in sorted({i[0] for _, i in lookups if i is not None}):
                values = sorted({i[1] for _, i in lookups if i is not None and i[0] == kind})
                rows = await conn.execute(
                    select(identifiers.c.value, profiles)
                    .join(profiles, profiles.c.profile_id == identifiers.c.profile_id)
                    .where(identifiers.c.type == kind, identifiers.c.value.in_(values)))
                for row in rows:
                    by_ident[(kind, row.value)] = row.profile_id
                    states[row.profile_id] = state_of(row)
            found = sorted(states)
            idents: dict[str, list[Ident]] = {p: [] for p in found}
            members: dict[str, list[str]] = {p: [] for p in found}
            if found:
                both = union_all(
                    select(identifiers.c.profile_id, literal("i").label("kind"), identifiers.c.type.label("a"),
                           identifiers.c.value.label("b")).where(identifiers.c.profile_id.in_(found)),
                    select(audience_members.c.profile_id, literal("m"), audience_members.c.audience_id,
                           literal("")).where(audience_members.c.profile_id.in_(found)),
                )
                for pid, kind, a, b in sorted(await conn.execute(both)):
                    if kind == "i":
                        idents[pid].append((a, b))
                    else:
                        members[pid].append(a)
        views = {p: ProfileView(s, idents[p], members[p]) for p, s in states.items()}
        out: list[ProfileView | None] = []
        for pid, ident in lookups:
            key = by_ident.get(ident, "") if ident is not None else pid
            out.append(views.get(key))
        return out

    async def trait_history(self, profile_id: str, trait: str, limit: int, offset: int) -> tuple[list[Any], bool]:
        """Past values of a trait, newest first; second value tells whether more follow."""
        async with self._db.connect() as conn:
            rows = list(await conn.execute(
                select(trait_history).where(trait_history.c.profile_id == profile_id, trait_history.c.trait == trait)
                .order_by(trait_history.c.updated_at.desc(), trait_history.c.id.desc())
                .limit(limit + 1).offset(offset)))
        return rows[:limit], len(rows) > limit

    async def lineage(self, profile_id: str) -> list[Any]:
        """Every merge that formed the profile, recursively through absorbed profiles, oldest first.

        Undone merges are listed (with ``unmerged_at``) but not followed: their other side is its own profile.
        """
        async with self._db.connect() as conn:
            found: dict[str, Any] = {}
            frontier = {profile_id}
            while frontier:
                rows = list(await conn.execute(select(merges).where(merges.c.into_profile_id.in_(sorted(frontier)))))
                frontier = set()
                for row in rows:
                    if row.merge_id not in found:
                        found[row.merge_id] = row
                        if row.unmerged_at is None:
                            frontier.add(row.from_profile_id)
        return sorted(found.values(), key=lambda r: (r.merged_at, r.merge_id))

    async def refused(self, limit: int, offset: int) -> tuple[list[Any], int]:
        """Refused merges, newest first, and their total."""
        async with self._db.connect() as conn:
            rows = list(await conn.execute(select(refused_merges).order_by(refused_merges.c.id.desc())
                                           .limit(limit).offset(offset)))
            total = (await conn.execute(select(func.count()).select_from(refused_merges))).scalar_one()
        return rows, int(total)

    async def count(self) -> int:
        """Number of profiles (also published as loom_identity_profiles_total)."""
        async with self._db.connect() as conn:
            total = int((await conn.execute(select(func.count()).select_from(profiles))).scalar_one())
        PROFILES.set(total)
        return total
