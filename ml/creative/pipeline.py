"""One factory item end to end: master image through the steps, then every touchpoint and language rendered,
encoded and assessed. Steps are passed in, so any of them can be swapped for a model."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from ml.creative.brand import RTL_LANGUAGES, BrandKit, load_brand_kit
from ml.creative.copywriter import Copy, Copywriter
from ml.creative.director import CreativeDirector, to_dict
from ml.creative.frame import Frame, Step
from ml.creative.layout import BannerRenderer
from ml.creative.legal import ClaimChecker
from ml.creative.models_config import build_steps, load_models_config
from ml.creative.steps import CatalogObject, GrabCutMask, LanczosUpscale, ThemedComposite


@dataclass(frozen=True)
class Brief:
    """What to make: one category for one market and occasion, in some languages and touchpoints."""

    market: str
    category: str
    product_id: str
    theme: str
    occasion_id: str
    languages: tuple[str, ...]
    touchpoints: tuple[str, ...]
    run_id: str = ""


@dataclass(frozen=True)
class Produced:
    """One finished, assessed asset with its bytes."""

    kind: str  # "image" (master) or "banner"
    touchpoint: str
    language: str
    data: bytes
    mime: str
    width: int
    height: int
    copy: Copy | None
    assessment: dict[str, Any] | None
    lineage: dict[str, Any] = field(default_factory=dict)

    @property
    def content_hash(self) -> str:
        """SHA-256 of the bytes (the library's file name)."""
        return hashlib.sha256(self.data).hexdigest()


def encode(image: Image.Image, mime: str) -> bytes:
    """Image bytes in the touchpoint's format."""
    buf = io.BytesIO()
    if mime == "image/png":
        image.save(buf, "PNG", optimize=False, compress_level=3)
    else:
        image.convert("RGB").save(buf, "JPEG", quality=88)
    return buf.getvalue()


def classical_steps() -> list[Step]:
    """Catalog photo, GrabCut mask, Lanczos upscale, themed composite: no model anywhere."""
    return [CatalogObject(), GrabCutMask(), LanczosUpscale(), ThemedComposite()]


def default_steps() -> list[Step]:
    """The steps of the models config at ``$LOOM_CREATIVE_MODELS``; the classical steps when it is unset."""
    return build_steps(load_models_config())


class Factory:
    """Produces every asset of a brief."""

    def __init__(self, kit: BrandKit | None = None, steps: Sequence[Step] | None = None,
                 director: CreativeDirector | None = None, copywriter: Copywriter | None = None,
                 embedder: Any | None = None) -> None:
        self.kit = kit or load_brand_kit()
        self.steps = list(steps or default_steps())
        self.copywriter = copywriter or Copywriter(self.kit)
        claims = ClaimChecker(embedder, banned_phrases=self.kit.banned_phrases)
        self.director = director or CreativeDirector(self.kit, claims)
        self.renderer = BannerRenderer(self.kit)

    def for_kit(self, kit: BrandKit) -> Factory:
        """This factory for another brand kit, sharing the loaded image steps and models."""
        if kit == self.kit:
            return self
        claims = self.director.claims
        director = CreativeDirector(
            kit, ClaimChecker(claims.embedder, claims.semantic_reject, claims.semantic_review, kit.banned_phrases),
            self.director.engagement, self.director.thresholds)
        return Factory(kit, self.steps, director, Copywriter(kit, self.copywriter.model))

    def master(self, brief: Brief) -> Frame:
        """Runs the image steps for the brief's product."""
        seed = int.from_bytes(hashlib.sha256(brief.product_id.encode()).digest()[:4], "big")
        frame = Frame(brief.category, brief.product_id, brief.theme, self.kit.palette, seed=seed)
        for step in self.steps:
            frame = step.run(frame)
        return frame

    def produce(self, brief: Brief) -> list[Produced]:
        """The master image and one banner per touchpoint and language, each assessed."""
        frame = self.master(brief)
        assert frame.image is not None and frame.cutout is not None
        lineage = {"run_id": brief.run_id, "product_id": brief.product_id, "source_image_uri": frame.source_uri,
                   "steps": list(frame.steps), "models": dict(frame.models), "seed": frame.seed}
        master = Produced("image", "master", "", encode(frame.image, "image/jpeg"), "image/jpeg",
                          frame.image.width, frame.image.height, None, None, lineage)
        out = [master]
        copies = {lang: self.copywriter.write(brief.category, brief.theme, lang) for lang in brief.languages}
        for name in brief.touchpoints:
            tp = self.kit.touchpoints[name]
            bases = {}
            for lang in brief.languages:
                rtl = lang in RTL_LANGUAGES
                if rtl not in bases:
                    bases[rtl] = self.renderer.base(brief.theme, frame.cutout, tp, rtl, frame.seed)
                rendered = self.renderer.render(bases[rtl], brief.theme, tp, copies[lang])
                assessment = self.director.assess(rendered, tp, copies[lang], brief.market)
                steps = [*frame.steps, f"resize:{tp.width}x{tp.height}", f"text:{lang}"]
                # Where text, logo and button landed: the creative director needs it to re-assess stored bytes.
                layout = {"text_boxes": [list(b) for b in rendered.text_boxes], "text_color": list(rendered.text_color),
                          "logo_box": list(rendered.logo_box) if rendered.logo_box else None,
                          "button_box": list(rendered.button_box) if rendered.button_box else None}
                out.append(Produced("banner", name, lang, encode(rendered.image, tp.mime), tp.mime, tp.width,
                                    tp.height, copies[lang], to_dict(assessment),
                                    {**lineage, "steps": steps, "parent_hash": master.content_hash,
                                     "theme": brief.theme, "layout": layout}))
        return out
