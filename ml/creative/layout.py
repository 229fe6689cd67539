"""Touchpoint renders: the subject placed by the touchpoint's shape, copy inside the safe zone, the logo.

Landscape formats put the subject on the trailing side and the copy on the leading side (mirrored for
right-to-left languages); square and portrait formats stack copy above the subject. The subject is cropped
to its mask (subject-aware) before it is scaled, so no format cuts it off.
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image, ImageDraw

from ml.creative.backgrounds import colour, render_background, theme_of
from ml.creative.brand import RTL_LANGUAGES, BrandKit, Touchpoint
from ml.creative.copywriter import Copy
from ml.creative.steps import place_subject
from ml.creative.text import TextBlock, draw_block, font, text_size

Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class Zones:
    """Where subject and copy go in one touchpoint."""

    subject: Box
    copy: Box


def zones(tp: Touchpoint, rtl: bool) -> Zones:
    """Subject and copy zones of a touchpoint; the copy zone always lies inside the safe box."""
    left, top, right, bottom = tp.safe_box
    if tp.max_headline_chars == 0:
        return Zones((0, 0, tp.width, tp.height), (left, top, left, top))
    if tp.width >= tp.height * 1.4:
        split = left + int((right - left) * 0.55)
        copy, subject = (left, top, split, bottom), (split, 0, tp.width, tp.height)
        if rtl:
            mirror = tp.width - split
            copy, subject = (mirror, top, right, bottom), (0, 0, mirror, tp.height)
        return Zones(subject, copy)
    split = top + int((bottom - top) * (0.40 if tp.height > tp.width else 0.48))
    return Zones((left, split, right, bottom), (left, top, right, split))


@dataclass(frozen=True)
class Rendered:
    """A banner with where its text and logo landed (the creative director checks those regions)."""

    image: Image.Image
    text_boxes: tuple[Box, ...]
    text_color: tuple[int, int, int]
    logo_box: Box | None
    button_box: Box | None = None  # brand ink on brand pink: fixed colours, checked for the safe zone only


class BannerRenderer:
    """Renders banners for a touchpoint: background and subject once, copy per language on copies of it."""

    def __init__(self, kit: BrandKit) -> None:
        self.kit = kit

    def base(self, theme: str, cutout: Image.Image, tp: Touchpoint, rtl: bool, seed: int = 0) -> Image.Image:
        """Background with the subject composited in its zone, without text."""
        canvas = render_background(theme, self.kit.palette, (tp.width, tp.height), seed)
        return place_subject(canvas, cutout, zones(tp, rtl).subject, 0.78)

    def render(self, base: Image.Image, theme: str, tp: Touchpoint, copy: Copy,
               text_color: tuple[int, int, int] | None = None) -> Rendered:
        """The banner of one language on top of ``base``."""
        image = base.copy()
        lang = copy.language
        rtl = lang in RTL_LANGUAGES
        if tp.max_headline_chars == 0:
            return Rendered(image, (), (0, 0, 0), None)
        ink = text_color or colour(theme_of(theme).text, self.kit.palette)
        left, top, right, bottom = zones(tp, rtl).copy
        height = bottom - top
        unit = min(tp.width, tp.height)
        logo_h = max(14, int(height * 0.12))
        logo_box = self._logo(image, (left, top, right, top + logo_h), ink, rtl)
        y = top + int(logo_h * 1.5)
        head = draw_block(image, copy.headline, lang, (left, y, right, y + int(height * 0.36)), ink,
                          max_size=int(unit * 0.11), max_lines=2, bold=True)
        y = head.box[3] + int(unit * 0.02)
        body = draw_block(image, copy.body, lang, (left, y, right, y + int(height * 0.2)), ink,
                          max_size=max(12, int(head.size * 0.45)), max_lines=2)
        y = body.box[3] + int(unit * 0.03)
        cta = self._button(image, copy.call_to_action, lang, (left, y, right, bottom), head.size, rtl)
        boxes = tuple(b.box for b in (head, body) if b.lines)
        return Rendered(image, boxes, ink, logo_box, cta.box if cta else None)

    def _logo(self, image: Image.Image, box: Box, ink: tuple[int, int, int], rtl: bool) -> Box:
        face = font("en", max(10, box[3] - box[1]), bold=True)
        w, _ = text_size(self.kit.logo_text, face, "en")
        x = box[2] - w if rtl else box[0]
        ImageDraw.Draw(image).text((x, box[1]), self.kit.logo_text, font=face, fill=ink, anchor="lt")
        return (x, box[1], x + w, box[3])

    def _button(self, image: Image.Image, text: str, lang: str, box: Box, head_size: int,
                rtl: bool) -> TextBlock | None:
        left, top, right, bottom = box
        size = max(11, int(head_size * 0.36))
        pad = size // 2
        if bottom - top < size * 1.25 + 2 * pad:
            return None
        face = font(lang, size, bold=True)
        w, _ = text_size(text, face, lang)
        w = min(w, right - left - 2 * pad)
        x0 = right - w - 2 * pad if rtl else left
        button = (x0, top, x0 + w + 2 * pad, top + int(size * 1.25) + 2 * pad)
        fill = self.kit.rgb("primary") if button else (0, 0, 0)
        ImageDraw.Draw(image).rounded_rectangle(button, radius=pad, fill=fill)
        block = draw_block(image, text, lang, (button[0] + pad, top + pad, button[2] - pad, button[3] - pad),
                           self.kit.rgb("ink"), max_size=size, max_lines=1, bold=True, align="center")
        return TextBlock(button, block.size, block.lines)
