"""Draws a lookbook: a branded gallery of product images, one labelled card per item, as one PNG.

Cards keep their image's subject whole (fit to the card, centred, never cropped through the product), labels
are drawn in the customer's script, and right-to-left languages mirror the reading order.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFilter, ImageOps

from ml.creative.brand import RTL_LANGUAGES, BrandKit
from ml.creative.text import draw_block, font, text_size


@dataclass(frozen=True)
class Card:
    """One item of the gallery: image bytes and its label."""

    image: bytes
    label: str


def _grid(n: int, width: int, height: int) -> tuple[int, int]:
    """Columns and rows whose cells come closest to square for ``n`` items in ``width`` x ``height``."""
    best = (n, 1)
    best_err = math.inf
    for cols in range(1, n + 1):
        rows = math.ceil(n / cols)
        err = abs(math.log((width / cols) / (height / rows)))
        if err < best_err:
            best, best_err = (cols, rows), err
    return best


def render_lookbook(kit: BrandKit, cards: Sequence[Card], title: str, language: str,
                    size: tuple[int, int]) -> Image.Image:
    """The gallery at ``size``: logo and title on top, cards in a grid below."""
    width, height = size
    ink, cream, accent = kit.rgb("ink"), kit.rgb("cream"), kit.rgb("primary")
    canvas = Image.new("RGB", size, cream)
    draw = ImageDraw.Draw(canvas)
    unit = min(width, height)
    margin = max(12, unit // 24)
    header = max(40, int(height * 0.14))
    rtl = language in RTL_LANGUAGES
    # Brand band: logo on the leading side, title after it.
    draw.rectangle((0, 0, width, header), fill=accent)
    logo = font("en", max(14, header // 3), bold=True)
    logo_w, _ = text_size(kit.logo_text, logo, "en")
    logo_x = width - margin - logo_w if rtl else margin
    draw.text((logo_x, header // 2), kit.logo_text, font=logo, fill=ink, anchor="lm")
    title_box = (margin, int(header * 0.2), width - margin - logo_w - margin, int(header * 0.85)) if rtl else \
        (margin + logo_w + margin, int(header * 0.2), width - margin, int(header * 0.85))
    draw_block(canvas, title, language, title_box, ink, max_size=max(14, int(header * 0.42)), max_lines=1,
               bold=True)
    cols, rows = _grid(len(cards), width - 2 * margin, height - header - 2 * margin)
    cell_w = (width - margin * (cols + 1)) // cols
    cell_h = (height - header - margin * (rows + 1)) // rows
    label_h = max(16, int(cell_h * 0.16))
    for i, card in enumerate(cards):
        col, row = i % cols, i // cols
        if rtl:
            col = cols - 1 - col
        x = margin + col * (cell_w + margin)
        y = header + margin + row * (cell_h + margin)
        _card(canvas, card, (x, y, x + cell_w, y + cell_h), label_h, language, ink)
    return canvas


def _card(canvas: Image.Image, card: Card, box: tuple[int, int, int, int], label_h: int, language: str,
          ink: tuple[int, int, int]) -> None:
    x0, y0, x1, y1 = box
    radius = max(6, (x1 - x0) // 24)
    # A soft shadow lifts the card off the page.
    shadow = Image.new("L", canvas.size, 0)
    ImageDraw.Draw(shadow).rounded_rectangle((x0 + 3, y0 + 5, x1 + 3, y1 + 5), radius=radius, fill=90)
    shadow = shadow.filter(ImageFilter.GaussianBlur(6))
    canvas.paste((60, 45, 40), (0, 0), shadow)
    ImageDraw.Draw(canvas).rounded_rectangle(box, radius=radius, fill=(255, 255, 255))
    pad = max(4, radius // 2)
    image_box = (x0 + pad, y0 + pad, x1 - pad, y1 - label_h - pad)
    w, h = image_box[2] - image_box[0], image_box[3] - image_box[1]
    if w > 0 and h > 0:
        image = Image.open(io.BytesIO(card.image)).convert("RGB")
        fitted = ImageOps.pad(image, (w, h), Image.Resampling.LANCZOS, color=(255, 255, 255))
        mask = Image.new("L", (w, h), 0)
        ImageDraw.Draw(mask).rounded_rectangle((0, 0, w, h), radius=max(4, radius - pad), fill=255)
        canvas.paste(fitted, image_box[:2], mask)
    draw_block(canvas, card.label, language, (x0 + pad, y1 - label_h, x1 - pad, y1 - pad // 2), ink,
               max_size=max(11, int(label_h * 0.62)), max_lines=1, bold=True, align="center")
