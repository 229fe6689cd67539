"""Brand data of the factory (infra/brand/*.yaml): kit, touchpoints, occasions, policy packs, marks, copy memory."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

BRAND_DIR = Path(__file__).resolve().parents[2] / "infra" / "brand"
LANGUAGES = ("en", "sv", "de", "fr", "es", "it", "nl", "da", "nb", "fi", "pl", "ar", "ja")
RTL_LANGUAGES = frozenset({"ar"})


def _load(name: str, root: Path | None = None) -> Any:
    return yaml.safe_load(((root or BRAND_DIR) / name).read_text(encoding="utf-8"))


def hex_rgb(value: str) -> tuple[int, int, int]:
    """``#RRGGBB`` as an RGB tuple."""
    value = value.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


@dataclass(frozen=True)
class Touchpoint:
    """One output format: pixel size, file type, how much headline fits and the text-free margins."""

    name: str
    width: int
    height: int
    mime: str
    max_headline_chars: int
    safe: tuple[float, float, float, float]

    @property
    def safe_box(self) -> tuple[int, int, int, int]:
        """The rectangle (left, top, right, bottom) where text and logo may go."""
        left, top, right, bottom = self.safe
        return (round(self.width * left), round(self.height * top),
                round(self.width * (1 - right)), round(self.height * (1 - bottom)))


@dataclass(frozen=True)
class Occasion:
    """A day or period creatives are themed for in one market."""

    occasion_id: str
    name: str
    start: dt.date
    end: dt.date
    theme: str
    priority: int = 0
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class Market:
    """A market: its time zone and languages (the first is the source language of its copy)."""

    code: str
    time_zone: str
    languages: tuple[str, ...]


@dataclass(frozen=True)
class BrandKit:
    """Everything the factory needs to stay on brand."""

    brand_id: str
    palette: dict[str, str]
    logo_text: str
    logo_color: str
    tone_of_voice: str
    banned_phrases: tuple[str, ...]
    touchpoints: dict[str, Touchpoint]
    copy_prompts: dict[str, tuple[str, int]] = field(default_factory=dict)
    # The brand's own names: term (a category id or its English name) -> language -> name
    glossary: dict[str, dict[str, str]] = field(default_factory=dict)
    revision: int = 0

    def rgb(self, name: str) -> tuple[int, int, int]:
        """A palette colour by name."""
        return hex_rgb(self.palette[name])


@lru_cache(maxsize=4)
def load_brand_kit(root: Path | None = None) -> BrandKit:
    """The brand kit from ``brand_kit.yaml``."""
    raw = _load("brand_kit.yaml", root)
    touchpoints = {
        name: Touchpoint(name, t["width"], t["height"], t["mime"], t["max_headline_chars"], tuple(t["safe"]))
        for name, t in raw["touchpoints"].items()
    }
    return BrandKit(
        brand_id=raw["brand_id"], palette=dict(raw["palette"]), logo_text=raw["logo"]["text"],
        logo_color=raw["logo"]["color"], tone_of_voice=raw["tone_of_voice"],
        banned_phrases=tuple(raw.get("banned_phrases", ())), touchpoints=touchpoints,
        copy_prompts={p["name"]: (p["template"], p["max_chars"]) for p in raw.get("copy_prompts", ())},
    )


COPY_PROMPTS = ("headline", "body", "cta")
COPY_FIELDS = ("occasion_headline", "category", "tagline", "cta")
DEFAULT_SAFE = (0.05, 0.08, 0.05, 0.08)


def kit_from_document(doc: dict[str, Any], base: BrandKit | None = None) -> BrandKit:
    """A stored brand kit (the BrandKit message as a dict with proto field names) as the factory's BrandKit.

    What the document leaves out comes from ``base`` (the default kit): palette entries it does not name
    (the renderer needs ``primary`` and ``ink``), the logo colour, copy prompts and touchpoints when it has
    none, and the text-free margins of touchpoints the default kit also has.
    """
    base = base or load_brand_kit()
    palette = {**base.palette, **{c["name"]: c["hex"] for c in doc.get("palette", ())}}
    touchpoints = {}
    for t in doc.get("touchpoints", ()):
        dims = t.get("dimensions", {})
        known = base.touchpoints.get(t["touchpoint"])
        touchpoints[t["touchpoint"]] = Touchpoint(
            t["touchpoint"], int(dims.get("width_px", 0)), int(dims.get("height_px", 0)),
            t.get("mime_type") or "image/jpeg", int(t.get("max_headline_chars", 0)),
            known.safe if known else DEFAULT_SAFE)
    prompts = {p["name"]: (p["template"], int(p.get("max_chars", 0))) for p in doc.get("copy_prompts", ())}
    glossary = {g["term"]: dict(g.get("translations", {})) for g in doc.get("glossary", ()) if g.get("translations")}
    return BrandKit(
        brand_id=doc.get("brand_id") or base.brand_id, palette=palette,
        logo_text=doc.get("logo_text") or base.logo_text, logo_color=base.logo_color,
        tone_of_voice=doc.get("tone_of_voice") or base.tone_of_voice,
        banned_phrases=tuple(doc.get("banned_phrases", ())) or base.banned_phrases,
        touchpoints=touchpoints or dict(base.touchpoints), copy_prompts=prompts or dict(base.copy_prompts),
        glossary=glossary, revision=int(doc.get("revision", 0)),
    )


@lru_cache(maxsize=4)
def load_markets(root: Path | None = None) -> dict[str, Market]:
    """Markets with their time zones and languages."""
    raw = _load("occasions.yaml", root)["markets"]
    return {_code(code): Market(_code(code), m["time_zone"], tuple(m["languages"])) for code, m in raw.items()}


def _code(key: object) -> str:
    """A market code as written: YAML 1.1 reads an unquoted NO (Norway) as false."""
    return "NO" if key is False else str(key)


@lru_cache(maxsize=4)
def load_calendars(root: Path | None = None) -> dict[str, tuple[Occasion, ...]]:
    """Occasion calendar per market."""
    raw = _load("occasions.yaml", root)["calendars"]
    return {
        market: tuple(
            Occasion(o["id"], o["name"], dt.date.fromisoformat(o["start"]), dt.date.fromisoformat(o["end"]),
                     o["theme"], int(o.get("priority", 0)), tuple(o.get("categories", ())))
            for o in items
        )
        for market, items in raw.items()
    }


def occasion_on(market: str, day: dt.date, root: Path | None = None) -> Occasion | None:
    """The highest-priority occasion of the market running on ``day``, if any."""
    running = [o for o in load_calendars(root).get(market, ()) if o.start <= day <= o.end]
    return max(running, key=lambda o: o.priority) if running else None


@lru_cache(maxsize=4)
def load_policy_packs(root: Path | None = None) -> dict[str, Any]:
    """Legal policy packs per market (with the default pack)."""
    return dict(_load("policy_packs.yaml", root))


@lru_cache(maxsize=4)
def load_marks(root: Path | None = None) -> dict[str, Any]:
    """The protected-marks registry."""
    return dict(_load("protected_marks.yaml", root))


@lru_cache(maxsize=4)
def load_translation_memory(root: Path | None = None) -> dict[str, dict[str, str]]:
    """Approved translations: segment key -> language -> text."""
    return {k: dict(v) for k, v in _load("translation_memory.yaml", root)["segments"].items()}


@lru_cache(maxsize=4)
def load_glossary(root: Path | None = None) -> dict[str, Any]:
    """Category names per language and do-not-translate terms."""
    return dict(_load("glossary.yaml", root))


@lru_cache(maxsize=4)
def load_engagement_priors(root: Path | None = None) -> dict[str, dict[str, int]]:
    """Past sends and clicks per touchpoint."""
    return {k: dict(v) for k, v in _load("engagement_priors.yaml", root).items()}
