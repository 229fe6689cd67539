"""Text rendering in Latin, Arabic (right to left, shaped) and Japanese with fonts installed from PyPI.

Pillow's raqm layout (HarfBuzz + FriBiDi, inside the Pillow wheel) shapes Arabic and orders it right to left;
without raqm, python-bidi and arabic-reshaper prepare the string for the basic layout instead.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont, features

from ml.creative.brand import RTL_LANGUAGES

RAQM = features.check("raqm")
# Script of a language -> (PyPI package holding the font, file inside it).
FONT_FILES = {
    "latin": ("fontpkg_noto_sans", "files/NotoSans[wdth,wght].ttf"),
    "arabic": ("fontpkg_noto_sans_arabic", "files/NotoSansArabic[wdth,wght].ttf"),
    "cjk": ("cvttf_NotoSansCJK_Regular", "NotoSansCJKtc-Regular.otf"),
}
CJK_LANGUAGES = frozenset({"ja", "zh", "ko"})


class FontMissing(RuntimeError):
    """A font package the factory needs is not installed."""


def script_of(language: str) -> str:
    """The script family a language is written in."""
    if language in RTL_LANGUAGES:
        return "arabic"
    return "cjk" if language in CJK_LANGUAGES else "latin"


def font_path(script: str) -> Path:
    """Path of the font file for a script."""
    package, name = FONT_FILES[script]
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise FontMissing(f"font package {package!r} for {script} text is not installed (pip install the project)")
    return Path(spec.origin).parent / name


@lru_cache(maxsize=256)
def font(language: str, size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    """The brand font for a language at a pixel size; the variable Noto fonts get their weight axis set."""
    layout = ImageFont.Layout.RAQM if RAQM else ImageFont.Layout.BASIC
    face = ImageFont.truetype(str(font_path(script_of(language))), size, layout_engine=layout)
    try:
        axes = face.get_variation_axes()
    except OSError:  # a static font has no axes; its one weight is used
        return face
    values: list[float] = []
    for axis in axes:
        name = axis["name"] if isinstance(axis["name"], str) else axis["name"].decode()
        wanted = (700 if bold else 500) if name.lower().startswith("weight") else axis["default"]
        values.append(float(max(axis["minimum"] or 0, min(axis["maximum"] or 0, wanted or 0))))
    face.set_variation_by_axes(values)
    return face


def _prepare(text: str, language: str) -> str:
    if language in RTL_LANGUAGES and not RAQM:
        import arabic_reshaper
        from bidi import get_display

        return str(get_display(arabic_reshaper.reshape(text)))
    return text


def _kwargs(language: str) -> dict[str, Any]:
    if not RAQM:
        return {}
    return {"direction": "rtl", "language": language} if language in RTL_LANGUAGES else {"language": language}


def text_size(text: str, face: ImageFont.FreeTypeFont, language: str) -> tuple[int, int]:
    """Width and height of one rendered line."""
    left, top, right, bottom = face.getbbox(_prepare(text, language), **_kwargs(language))
    return int(right - left), int(bottom - top)


def wrap(text: str, face: ImageFont.FreeTypeFont, language: str, width: int) -> list[str]:
    """Lines of ``text`` no wider than ``width``; CJK text breaks between characters, others between words."""
    units = list(text) if language in CJK_LANGUAGES else text.split(" ")
    joiner = "" if language in CJK_LANGUAGES else " "
    lines: list[str] = []
    current = ""
    for unit in units:
        candidate = f"{current}{joiner}{unit}" if current else unit
        if current and text_size(candidate, face, language)[0] > width:
            lines.append(current)
            current = unit
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


@dataclass(frozen=True)
class TextBlock:
    """Where a block of text landed: its box and the font size chosen to fit."""

    box: tuple[int, int, int, int]
    size: int
    lines: tuple[str, ...]


def fit_lines(text: str, language: str, width: int, height: int, max_size: int, max_lines: int = 3,
              bold: bool = False, min_size: int = 10) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The largest font size (down to ``min_size``) at which ``text`` wraps into the box."""
    size = max_size
    while True:
        face = font(language, size, bold)
        lines = wrap(text, face, language, width)
        line_h = int(size * 1.25)
        fits = len(lines) <= max_lines and line_h * len(lines) <= height
        if fits and all(text_size(line, face, language)[0] <= width for line in lines):
            return face, lines
        if size <= min_size:
            return face, lines
        size = max(min_size, int(size * 0.9))


def draw_block(image: Image.Image, text: str, language: str, box: tuple[int, int, int, int],
               color: tuple[int, int, int], max_size: int, max_lines: int = 3, bold: bool = False,
               align: str = "start") -> TextBlock:
    """Draws ``text`` fitted into ``box``; "start" aligns left, or right for right-to-left languages."""
    left, top, right, bottom = box
    face, lines = fit_lines(text, language, right - left, bottom - top, max_size, max_lines, bold)
    draw = ImageDraw.Draw(image)
    size = int(face.size)
    line_h = int(size * 1.25)
    rtl = language in RTL_LANGUAGES
    y = top
    x_min, x_max = right, left
    for line in lines:
        w, _ = text_size(line, face, language)
        if align == "center":
            x = left + (right - left - w) // 2
        else:
            x = right - w if rtl else left
        draw.text((x, y), _prepare(line, language), font=face, fill=color, **_kwargs(language))
        x_min, x_max = min(x_min, x), max(x_max, x + w)
        y += line_h
    return TextBlock((x_min, top, x_max, y), size, tuple(lines))
