"""Brand kits and occasion calendars in the database, falling back to the built-in ones of ``infra/brand``."""

from __future__ import annotations

import datetime as dt
import re
import string
import zoneinfo
from typing import Any

from google.protobuf import json_format
from sqlalchemy import select

from loom.creative.v1 import creative_pb2 as pb
from ml.creative.brand import (
    COPY_FIELDS,
    COPY_PROMPTS,
    kit_from_document,
    load_brand_kit,
    load_calendars,
    load_glossary,
    load_markets,
)
from ml.creative.brand import BrandKit as FactoryKit
from services.common.errors import NotFound, Violations
from services.common.storage import Database, upsert
from services.creative.library_index import now_utc
from services.creative.tables import brand_kits, occasion_calendars

HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")
MIMES = ("image/jpeg", "image/png", "image/webp")


def builtin_brand_kit() -> pb.BrandKit:
    """The default brand kit of ``infra/brand`` as a proto (revision 0)."""
    kit, glossary = load_brand_kit(), load_glossary()
    return pb.BrandKit(
        brand_id=kit.brand_id, palette=[pb.BrandColor(name=k, hex=v) for k, v in kit.palette.items()],
        logo_text=kit.logo_text, tone_of_voice=kit.tone_of_voice, banned_phrases=list(kit.banned_phrases),
        copy_prompts=[pb.CopyPrompt(name=n, template=t, max_chars=m) for n, (t, m) in kit.copy_prompts.items()],
        touchpoints=[pb.TouchpointSpec(touchpoint=t.name, dimensions=pb.Dimensions(width_px=t.width,
                                       height_px=t.height), mime_type=t.mime, max_headline_chars=t.max_headline_chars)
                     for t in kit.touchpoints.values()],
        glossary=[*(pb.GlossaryEntry(term=names["en"], translations={k: v for k, v in names.items() if k != "en"})
                    for names in glossary["categories"].values()),
                  *(pb.GlossaryEntry(term=t, do_not_translate=True) for t in glossary.get("do_not_translate", ()))],
    )


def kit_document(kit: pb.BrandKit) -> dict[str, Any]:
    """A brand kit as a plain dict with proto field names: what factory runs carry and render from."""
    return json_format.MessageToDict(kit, preserving_proto_field_name=True)


def factory_kit(kit: pb.BrandKit) -> FactoryKit:
    """The factory's view of a stored kit (missing parts from the default kit)."""
    return kit_from_document(kit_document(kit))


def validate_brand_kit(kit: pb.BrandKit) -> None:
    """Every problem of a brand kit at once, as field violations."""
    v = Violations()
    v.require(kit.brand_id, "brand_kit.brand_id")
    if kit.brand_id and not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,63}", kit.brand_id):
        v.add("brand_kit.brand_id", "use 1-64 lower-case letters, digits, '-' or '_'")
    for i, c in enumerate(kit.palette):
        v.require(c.name, f"brand_kit.palette[{i}].name")
        if not HEX.match(c.hex):
            v.add(f"brand_kit.palette[{i}].hex", f"{c.hex!r} is not a #RRGGBB colour")
    for i, t in enumerate(kit.touchpoints):
        v.require(t.touchpoint, f"brand_kit.touchpoints[{i}].touchpoint")
        if t.dimensions.width_px <= 0 or t.dimensions.height_px <= 0:
            v.add(f"brand_kit.touchpoints[{i}].dimensions", "width and height must be positive")
        if t.mime_type not in MIMES:
            v.add(f"brand_kit.touchpoints[{i}].mime_type", f"must be one of {', '.join(MIMES)}")
    for i, p in enumerate(kit.copy_prompts):
        v.require(p.name, f"brand_kit.copy_prompts[{i}].name")
        v.require(p.template, f"brand_kit.copy_prompts[{i}].template")
        if p.name and p.name not in COPY_PROMPTS:
            v.add(f"brand_kit.copy_prompts[{i}].name", f"must be one of {', '.join(COPY_PROMPTS)}")
        try:
            fields = {f for _, f, _, _ in string.Formatter().parse(p.template) if f is not None}
        except ValueError as exc:
            v.add(f"brand_kit.copy_prompts[{i}].template", f"is not a valid template ({exc})")
        else:
            if unknown := sorted(fields - set(COPY_FIELDS)):
                v.add(f"brand_kit.copy_prompts[{i}].template", f"unknown placeholders {unknown}; use "
                      + ", ".join("{" + f + "}" for f in COPY_FIELDS))
        if p.max_chars < 0:
            v.add(f"brand_kit.copy_prompts[{i}].max_chars", "must not be negative")
    if kit.copy_prompts and (missing := sorted(set(COPY_PROMPTS) - {p.name for p in kit.copy_prompts})):
        v.add("brand_kit.copy_prompts", f"missing {', '.join(missing)}: give all of {', '.join(COPY_PROMPTS)} or none")
    for i, g in enumerate(kit.glossary):
        v.require(g.term, f"brand_kit.glossary[{i}].term")
    v.raise_if_any()


def _market(v: Violations, market: str) -> None:
    if not market:
        v.add("market", "is required")
    elif market not in load_markets():
        v.add("market", f"unknown market {market!r}; known: {', '.join(sorted(load_markets()))}")


def _date(v: Violations, value: str, path: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        v.add(path, f"{value!r} is not a YYYY-MM-DD date")
        return None


class BrandStore:
    """Brand kits and occasion calendars."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get_kit(self, brand_id: str) -> pb.BrandKit:
        """A stored kit; "default" falls back to the built-in kit until one is stored."""
        brand_id = brand_id or "default"
        async with self.db.connect() as conn:
            row = (await conn.execute(select(brand_kits).where(brand_kits.c.brand_id == brand_id))).first()
        if row is None:
            if brand_id == "default":
                return builtin_brand_kit()
            raise NotFound(f"brand kit {brand_id!r} does not exist")
        kit = json_format.ParseDict(row.document, pb.BrandKit())
        kit.revision = row.revision
        kit.updated_at.FromDatetime(row.updated_at)
        return kit

    async def put_kit(self, kit: pb.BrandKit) -> pb.BrandKit:
        """Validates and stores a kit with the next revision."""
        validate_brand_kit(kit)
        doc = pb.BrandKit()
        doc.CopyFrom(kit)
        doc.ClearField("revision")
        doc.ClearField("updated_at")
        async with self.db.begin() as conn:
            current = (await conn.execute(select(brand_kits.c.revision)
                                          .where(brand_kits.c.brand_id == kit.brand_id))).scalar()
            row = {"brand_id": kit.brand_id, "revision": (current or 0) + 1,
                   "document": json_format.MessageToDict(doc), "updated_at": now_utc()}
            await conn.execute(upsert(brand_kits, [row], ["brand_id"]))
        return await self.get_kit(kit.brand_id)

    async def put_calendar(self, market: str, occasions: list[pb.Occasion]) -> tuple[int, int]:
        """Replaces a market's calendar; returns (stored count, revision)."""
        v = Violations()
        _market(v, market)
        ids: set[str] = set()
        for i, o in enumerate(occasions):
            path = f"occasions[{i}]"
            v.require(o.occasion_id, f"{path}.occasion_id")
            if o.occasion_id in ids:
                v.add(f"{path}.occasion_id", f"{o.occasion_id!r} appears twice")
            ids.add(o.occasion_id)
            v.require(o.name, f"{path}.name")
            start, end = _date(v, o.start_date, f"{path}.start_date"), _date(v, o.end_date, f"{path}.end_date")
            if start and end and end < start:
                v.add(f"{path}.end_date", "is before start_date")
        v.raise_if_any()
        docs = [json_format.MessageToDict(o) for o in occasions]
        async with self.db.begin() as conn:
            current = (await conn.execute(select(occasion_calendars.c.revision)
                                          .where(occasion_calendars.c.market == market))).scalar()
            revision = (current or 0) + 1
            await conn.execute(upsert(occasion_calendars, [{"market": market, "revision": revision,
                                                            "occasions": docs, "updated_at": now_utc()}], ["market"]))
        return len(docs), revision

    async def calendar(self, market: str) -> list[pb.Occasion]:
        """The stored calendar of a market, or the built-in one."""
        async with self.db.connect() as conn:
            row = (await conn.execute(select(occasion_calendars.c.occasions)
                                      .where(occasion_calendars.c.market == market))).first()
        if row is not None:
            return [json_format.ParseDict(d, pb.Occasion()) for d in row.occasions]
        return [pb.Occasion(occasion_id=o.occasion_id, name=o.name, start_date=o.start.isoformat(),
                            end_date=o.end.isoformat(), theme=o.theme, categories=list(o.categories),
                            priority=o.priority) for o in load_calendars().get(market, ())]

    async def occasions(self, market: str, from_date: str, to_date: str) -> list[pb.Occasion]:
        """Occasions overlapping [from, to], by start date (today and a year on by default)."""
        v = Violations()
        _market(v, market)
        v.raise_if_any()
        start = _date(v, from_date, "from_date") if from_date else \
            dt.datetime.now(zoneinfo.ZoneInfo(load_markets()[market].time_zone)).date()
        end = _date(v, to_date, "to_date") if to_date else None
        v.raise_if_any()
        assert start is not None
        end = end or start + dt.timedelta(days=365)
        if end < start:
            v.add("to_date", "is before from_date")
            v.raise_if_any()
        found: list[Any] = [o for o in await self.calendar(market) if dt.date.fromisoformat(o.start_date) <= end
                            and dt.date.fromisoformat(o.end_date) >= start]
        return sorted(found, key=lambda o: (o.start_date, -o.priority))
