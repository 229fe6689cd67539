"""The creative library's index in SQL: one row per asset with its metadata, lineage and assessment, and the
append-only review trail. The bytes stay content-addressed on disk (`ml.creative.library.CreativeLibrary`).

The factory activity records each produced item here right after its JSON record is on disk; the record is the
commit point, and indexing it is idempotent (insert-or-ignore by asset id), so a retried activity or a re-index
from disk never duplicates an asset nor undoes a review or a publication.
"""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update

from services.common.errors import FailedPrecondition, NotFound
from services.common.storage import Database, insert_ignore
from services.creative.tables import asset_reviews, assets

STATES = ("draft", "needs_review", "approved", "rejected", "published")
VERDICT_STATE = {"pass": "approved", "needs_review": "needs_review", "reject": "rejected"}


def now_utc() -> dt.datetime:
    """The current time, timezone-aware."""
    return dt.datetime.now(dt.UTC)


def rank_score(assessment: Mapping[str, Any] | None) -> float:
    """How good an asset is for ChooseCreative: predicted engagement first, quality second."""
    if not assessment:
        return 0.0
    return round(0.6 * float(assessment["efficiency"]["score"]) + 0.4 * float(assessment["quality"]["score"]), 4)


def rows_from_record(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Asset rows of one on-disk item record (master image first, then its banners)."""
    created = now_utc()
    master_id = next((a["asset_id"] for a in record["assets"] if a["kind"] == "image"), "")
    out = []
    for a in record["assets"]:
        lineage = dict(a.get("lineage") or {})
        if a["kind"] != "image" and master_id:
            lineage["parent_asset_id"] = master_id
        out.append({
            "asset_id": a["asset_id"], "kind": a["kind"], "state": a["state"], "market": record["market"],
            "category": record["category"], "language": a["language"] or "", "touchpoint": a["touchpoint"],
            "occasion_id": record.get("occasion_id", ""), "run_id": record["run_id"],
            "content_hash": a["content_hash"], "uri": a["uri"], "mime_type": a["mime_type"], "width": a["width"],
            "height": a["height"], "copy": a.get("copy"), "lineage": lineage, "assessment": a.get("assessment"),
            "score": rank_score(a.get("assessment")), "profile_id": None, "reviewed": 0, "created_at": created,
            "published_at": None, "expires_at": None,
        })
    return out


class LibraryIndex:
    """Reads and writes the asset index; every state change goes through here."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def record_item(self, record: Mapping[str, Any]) -> int:
        """Indexes one produced item; returns how many assets were new."""
        rows = rows_from_record(record)
        if not rows:
            return 0
        async with self.db.begin() as conn:
            result = await conn.execute(insert_ignore(assets, rows, ["asset_id"]))
        return max(0, result.rowcount or 0)

    async def insert(self, row: dict[str, Any]) -> None:
        """Adds one asset made outside the factory (a lookbook render)."""
        async with self.db.begin() as conn:
            await conn.execute(assets.insert().values(**row))

    async def get(self, asset_id: str) -> dict[str, Any]:
        """One asset row; NotFound names the id."""
        async with self.db.connect() as conn:
            row = (await conn.execute(select(assets).where(assets.c.asset_id == asset_id))).first()
        if row is None:
            raise NotFound(f"asset {asset_id!r} does not exist")
        return dict(row._mapping)

    async def reviews(self, asset_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        """Reviews per asset, oldest first."""
        if not asset_ids:
            return {}
        out: dict[str, list[dict[str, Any]]] = {a: [] for a in asset_ids}
        async with self.db.connect() as conn:
            rows = await conn.execute(select(asset_reviews).where(asset_reviews.c.asset_id.in_(list(asset_ids)))
                                      .order_by(asset_reviews.c.id))
            for r in rows:
                out[r.asset_id].append(dict(r._mapping))
        return out

    async def list(self, filters: Mapping[str, str], offset: int, size: int) -> tuple[list[dict[str, Any]], int]:
        """Assets matching every non-empty filter (column -> value), newest first, and the total."""
        where = [assets.c[k] == v for k, v in filters.items() if v]
        async with self.db.connect() as conn:
            total = int((await conn.execute(select(func.count()).select_from(assets).where(*where))).scalar_one())
            rows = await conn.execute(select(assets).where(*where)
                                      .order_by(assets.c.created_at.desc(), assets.c.asset_id)
                                      .offset(offset).limit(size))
            return [dict(r._mapping) for r in rows], total

    async def assessed(self, asset_id: str, assessment: dict[str, Any]) -> str:
        """Stores a new assessment; the state follows the verdict unless a human already reviewed the asset
        or it is published. Returns the state after it."""
        async with self.db.begin() as conn:
            row = (await conn.execute(select(assets.c.state, assets.c.reviewed)
                                      .where(assets.c.asset_id == asset_id))).first()
            if row is None:
                raise NotFound(f"asset {asset_id!r} does not exist")
            state = row.state
            if not row.reviewed and state != "published":
                state = VERDICT_STATE[assessment["verdict"]]
            await conn.execute(update(assets).where(assets.c.asset_id == asset_id).values(
                assessment=assessment, state=state, score=rank_score(assessment)))
        return str(state)

    async def review(self, asset_id: str, reviewer: str, decision: str, reason: str) -> dict[str, Any]:
        """Applies a human decision and appends it to the audit trail in the same transaction."""
        async with self.db.begin() as conn:
            row = (await conn.execute(select(assets).where(assets.c.asset_id == asset_id))).first()
            if row is None:
                raise NotFound(f"asset {asset_id!r} does not exist")
            if row.state == "published" and decision == "approve":
                raise FailedPrecondition(f"asset {asset_id!r} is published already; approving it changes nothing")
            # Rejecting a published asset withdraws it: journeys stop choosing it at once.
            after = "approved" if decision == "approve" else "rejected"
            quality = (row.assessment or {}).get("quality", {}).get("score")
            await conn.execute(asset_reviews.insert().values(
                asset_id=asset_id, reviewer=reviewer, decision=decision, reason=reason, state_before=row.state,
                state_after=after, quality_score=quality, reviewed_at=now_utc()))
            await conn.execute(update(assets).where(assets.c.asset_id == asset_id).values(
                state=after, reviewed=1, published_at=None if after == "rejected" else row.published_at))
        return await self.get(asset_id)

    async def review_history(self, window: int = 200) -> builtins.list[tuple[float, bool]]:
        """(quality score, approved) of the latest reviews, oldest first, for the thresholds to learn from."""
        async with self.db.connect() as conn:
            rows = (await conn.execute(select(asset_reviews.c.quality_score, asset_reviews.c.decision)
                                       .where(asset_reviews.c.quality_score.is_not(None))
                                       .order_by(asset_reviews.c.id.desc()).limit(window))).all()
        return [(float(r.quality_score), r.decision == "approve") for r in reversed(rows)]

    async def publish(self, asset_id: str, expires_at: dt.datetime | None) -> dict[str, Any]:
        """approved -> published; publishing a published asset again only moves its end (a retry is safe)."""
        async with self.db.begin() as conn:
            row = (await conn.execute(select(assets.c.state).where(assets.c.asset_id == asset_id))).first()
            if row is None:
                raise NotFound(f"asset {asset_id!r} does not exist")
            if row.state not in ("approved", "published"):
                raise FailedPrecondition(f"asset {asset_id!r} is {row.state}; only approved assets can be published "
                                         "(assess it or have a reviewer approve it first)")
            values: dict[str, Any] = {"state": "published", "expires_at": expires_at}
            if row.state == "approved":
                values["published_at"] = now_utc()
            await conn.execute(update(assets).where(assets.c.asset_id == asset_id).values(**values))
        return await self.get(asset_id)

    async def published(self, touchpoint: str, market: str, language: str, exclude: Sequence[str],
                        at: dt.datetime) -> builtins.list[dict[str, Any]]:
        """Published, unexpired, non-personal assets for a touchpoint, market and language, best first."""
        where = [assets.c.state == "published", assets.c.touchpoint == touchpoint, assets.c.market == market,
                 assets.c.language == language, assets.c.profile_id.is_(None),
                 or_(assets.c.expires_at.is_(None), assets.c.expires_at > at)]
        if exclude:
            where.append(assets.c.asset_id.not_in(list(exclude)))
        async with self.db.connect() as conn:
            rows = await conn.execute(select(assets).where(and_(*where))
                                      .order_by(assets.c.score.desc(), assets.c.asset_id).limit(500))
            return [dict(r._mapping) for r in rows]

    async def usable_in(self, categories: Sequence[str], market: str) -> builtins.list[dict[str, Any]]:
        """Approved or published banners of these categories (any market when ``market`` is empty), best first."""
        where = [assets.c.state.in_(("approved", "published")), assets.c.kind == "banner",
                 assets.c.category.in_(list(categories)), assets.c.profile_id.is_(None)]
        if market:
            where.append(assets.c.market == market)
        async with self.db.connect() as conn:
            rows = await conn.execute(select(assets).where(*where).order_by(assets.c.score.desc(), assets.c.asset_id))
            return [dict(r._mapping) for r in rows]

    async def by_hash(self, content_hash: str) -> dict[str, Any] | None:
        """Any asset stored under a content hash."""
        async with self.db.connect() as conn:
            row = (await conn.execute(select(assets).where(assets.c.content_hash == content_hash).limit(1))).first()
        return dict(row._mapping) if row else None

    async def unshared_hashes(self, asset_ids: Sequence[str]) -> builtins.list[str]:
        """Content hashes of these assets that no other asset uses (their files may go with them)."""
        if not asset_ids:
            return []
        ids = list(asset_ids)
        async with self.db.connect() as conn:
            hashes = {r.content_hash for r in await conn.execute(
                select(assets.c.content_hash).where(assets.c.asset_id.in_(ids)))}
            shared = {r.content_hash for r in await conn.execute(
                select(assets.c.content_hash).where(assets.c.content_hash.in_(list(hashes)),
                                                    assets.c.asset_id.not_in(ids)))}
        return sorted(hashes - shared)

    async def delete_assets(self, asset_ids: Sequence[str]) -> int:
        """Deletes assets by id; returns how many were deleted."""
        if not asset_ids:
            return 0
        async with self.db.begin() as conn:
            result = await conn.execute(delete(assets).where(assets.c.asset_id.in_(list(asset_ids))))
        return int(result.rowcount or 0)
