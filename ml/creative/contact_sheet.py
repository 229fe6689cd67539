"""Contact sheets: one PNG grid of a market's assets, labelled with touchpoint, language and verdict."""

from __future__ import annotations

import io
from collections.abc import Sequence

from PIL import Image, ImageDraw

from ml.creative.text import font

VERDICT_COLOURS = {"pass": (30, 140, 80), "needs_review": (220, 150, 20), "reject": (200, 40, 40)}


def contact_sheet(items: Sequence[tuple[bytes, str, str]], title: str, cell: int = 260,
                  columns: int = 6) -> Image.Image:
    """A grid of (image bytes, label, verdict) cells under a title bar."""
    rows = max(1, (len(items) + columns - 1) // columns)
    label_h, title_h = 26, 48
    sheet = Image.new("RGB", (columns * cell, title_h + rows * (cell + label_h)), (245, 242, 238))
    draw = ImageDraw.Draw(sheet)
    draw.text((12, 10), title, font=font("en", 24, bold=True), fill=(23, 18, 15))
    small = font("en", 14)
    for i, (data, label, verdict) in enumerate(items):
        x, y = (i % columns) * cell, title_h + (i // columns) * (cell + label_h)
        image = Image.open(io.BytesIO(data)).convert("RGB")
        image.thumbnail((cell - 12, cell - 12), Image.Resampling.LANCZOS)
        sheet.paste(image, (x + (cell - image.width) // 2, y + (cell - image.height) // 2))
        draw.rectangle((x + 6, y + cell, x + 16, y + cell + 10), fill=VERDICT_COLOURS.get(verdict, (120, 120, 120)))
        draw.text((x + 22, y + cell - 3), f"{label} · {verdict}", font=small, fill=(23, 18, 15))
    return sheet
