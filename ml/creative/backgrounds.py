"""Themed backgrounds per occasion, procedurally drawn from the brand palette at any size.

Motifs are drawn at a quarter of the size and blurred before upscaling: they read as soft, out-of-focus
decoration behind the product and cost little at story size (1080x1920).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from ml.creative.brand import hex_rgb

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class Theme:
    """Colours (palette names or hex) and motif of an occasion's background."""

    top: str
    bottom: str
    motif: str
    motif_colors: tuple[str, ...]
    text: str  # palette colour for copy on this theme


THEMES = {
    "default": Theme("cream", "#F6DCCB", "dots", ("primary", "gold"), "ink"),
    "black_friday": Theme("ink", "#2B211C", "confetti", ("gold", "primary"), "cream"),
    "mothers_day": Theme("#FFE3EA", "primary", "petals", ("#FFFFFF", "#F48FB1"), "ink"),
    "midsummer": Theme("#F4F7E1", "#CFE8C5", "petals", ("#FFFFFF", "gold", "#8FBF7F"), "ink"),
    "christmas": Theme("forest", "#062C22", "snow", ("#FFFFFF", "gold"), "cream"),
    "summer_sale": Theme("#FFE8C9", "#FFC59E", "suns", ("gold", "#FFFFFF"), "ink"),
}


def theme_of(name: str) -> Theme:
    """The theme by name; unknown occasions get the everyday theme."""
    return THEMES.get(name, THEMES["default"])


def colour(value: str, palette: dict[str, str]) -> RGB:
    """A palette name or a hex value as RGB."""
    return hex_rgb(palette.get(value, value))


def render_background(theme_name: str, palette: dict[str, str], size: tuple[int, int], seed: int = 0) -> Image.Image:
    """An RGB background of ``size`` for the theme."""
    theme = theme_of(theme_name)
    w, h = size
    sw, sh = max(8, w // 4), max(8, h // 4)
    top, bottom = np.array(colour(theme.top, palette), np.float32), np.array(colour(theme.bottom, palette), np.float32)
    ramp = np.linspace(0.0, 1.0, sh, dtype=np.float32)[:, None, None]
    grad = (top * (1 - ramp) + bottom * ramp).repeat(sw, axis=1)
    small = Image.fromarray(grad.astype(np.uint8), "RGB")
    _motifs(small, theme, palette, random.Random(f"{theme_name}/{seed}"))
    return small.resize((w, h), Image.Resampling.BICUBIC)


def _motifs(image: Image.Image, theme: Theme, palette: dict[str, str], rng: random.Random) -> None:
    w, h = image.size
    layer = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    colours = [colour(c, palette) for c in theme.motif_colors]
    count = {"dots": 14, "confetti": 60, "petals": 26, "snow": 70, "suns": 5}[theme.motif]
    unit = min(w, h)
    for _ in range(count):
        x, y = rng.uniform(0, w), rng.uniform(0, h)
        c = rng.choice(colours)
        if theme.motif == "confetti":
            s = unit * rng.uniform(0.01, 0.025)
            draw.rectangle((x, y, x + s * 2.2, y + s), fill=(*c, 200))
        elif theme.motif == "snow":
            r = unit * rng.uniform(0.004, 0.012)
            draw.ellipse((x - r, y - r, x + r, y + r), fill=(*c, 190))
        elif theme.motif == "petals":
            r = unit * rng.uniform(0.02, 0.05)
            for k in range(5):
                a = k * 2 * np.pi / 5
                px, py = x + r * np.cos(a), y + r * np.sin(a)
                draw.ellipse((px - r * 0.6, py - r * 0.6, px + r * 0.6, py + r * 0.6), fill=(*c, 90))
        elif theme.motif == "suns":
            r = unit * rng.uniform(0.08, 0.2)
            draw.ellipse((x - r, y - r, x + r, y + r), fill=(*c, 80))
        else:
            r = unit * rng.uniform(0.03, 0.09)
            draw.ellipse((x - r, y - r, x + r, y + r), fill=(*c, 60))
    image.paste(layer.filter(ImageFilter.GaussianBlur(max(0.6, unit / 260))), (0, 0), layer.filter(
        ImageFilter.GaussianBlur(max(0.6, unit / 260))))
