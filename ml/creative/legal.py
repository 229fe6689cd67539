"""Legal and IP checks: look-alikes of protected marks, protected word marks, banned or unsubstantiated claims
(exact and semantic) and the financing disclosures each market's policy pack requires."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageDraw

from ml.creative.brand import load_marks, load_policy_packs

SIG = 32  # side of the binary shape signature


@dataclass(frozen=True)
class Finding:
    """One legal problem: severity 'reject' or 'review', and why."""

    severity: str
    reason: str


def _signature(binary: np.ndarray) -> np.ndarray:
    """Crops a binary shape to its extent and resizes it to SIGxSIG booleans (scale and position free)."""
    ys, xs = np.nonzero(binary)
    if len(xs) == 0:
        return np.zeros((SIG, SIG), bool)
    crop = binary[ys.min():ys.max() + 1, xs.min():xs.max() + 1].astype(np.uint8) * 255
    return cv2.resize(crop, (SIG, SIG), interpolation=cv2.INTER_AREA) > 127


def render_mark(shapes: list[dict[str, Any]], size: int = 200) -> np.ndarray:
    """A registry mark drawn from its vector shapes as a binary image."""
    image = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(image)
    k = size / 100
    for s in shapes:
        if s["kind"] == "ring":
            r, cx, cy = s["r"] * k, s["cx"] * k, s["cy"] * k
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=255, width=int(s["width"] * k))
        else:
            draw.polygon([(x * k, y * k) for x, y in s["points"]], fill=255)
    return np.asarray(image) > 0


@lru_cache(maxsize=1)
def mark_signatures() -> tuple[tuple[str, str, np.ndarray], ...]:
    """(mark id, owner, signature) of every registered shape mark."""
    return tuple((m["id"], m["owner"], _signature(render_mark(m["shapes"]))) for m in load_marks()["marks"])


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    union = np.logical_or(a, b).sum()
    return float(np.logical_and(a, b).sum() / union) if union else 0.0


def lookalike_marks(image: Image.Image, threshold: float = 0.72, min_share: float = 0.004) -> list[Finding]:
    """Salient shapes of the image whose silhouette matches a protected mark (intersection over union)."""
    small = image.convert("RGB")
    scale = 512 / max(small.size)
    if scale < 1:
        small = small.resize((int(small.width * scale), int(small.height * scale)), Image.Resampling.BILINEAR)
    grey = cv2.cvtColor(np.asarray(small), cv2.COLOR_RGB2GRAY)
    canny = cv2.Canny(grey, 60, 160)
    # A light dilation finds single shapes; a heavy one merges marks made of separate parts (stripes).
    contours = [c for k in (3, 11) for c in cv2.findContours(cv2.dilate(canny, np.ones((k, k), np.uint8)),
                                                             cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)[0]]
    area = grey.shape[0] * grey.shape[1]
    findings: dict[str, Finding] = {}
    for contour in contours:
        x, y, w, h = cv2.boundingRect(contour)
        if w * h < area * min_share or w < 12 or h < 12:
            continue
        patch = grey[y:y + h, x:x + w]
        _, binary = cv2.threshold(patch, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        for shape in (binary > 0, binary == 0):  # the mark may be darker or lighter than its surround
            sig = _signature(shape)
            for mark_id, owner, ref in mark_signatures():
                score = _iou(sig, ref)
                if score >= threshold and mark_id not in findings:
                    findings[mark_id] = Finding("reject", f"look-alike of protected mark {mark_id} ({owner}), "
                                                          f"similarity {score:.2f}")
    return list(findings.values())


def word_marks(text: str) -> list[Finding]:
    """Protected word marks named in the copy."""
    lowered = text.casefold()
    return [Finding("reject", f"third-party trademark {w!r} in copy") for w in load_marks()["words"]
            if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", lowered)]


def policy(market: str) -> dict[str, Any]:
    """The market's policy pack merged over the default pack (lists add up, scalars override)."""
    packs = load_policy_packs()
    merged = dict(packs["default"])
    for key, value in packs.get(market, {}).items():
        merged[key] = [*merged.get(key, []), *value] if isinstance(value, list) else value
    return merged


class ClaimChecker:
    """Banned claims matched exactly and by meaning, and required disclosures, per market."""

    def __init__(self, embedder: Any | None, semantic_reject: float = 0.78, semantic_review: float = 0.62,
                 banned_phrases: tuple[str, ...] = ()) -> None:
        self.embedder = embedder
        self.semantic_reject, self.semantic_review = semantic_reject, semantic_review
        self.banned_phrases = banned_phrases

    def check(self, text: str, market: str, language: str) -> list[Finding]:
        """Findings for one piece of copy."""
        pack = policy(market)
        lowered = text.casefold()
        claims = [*pack.get("banned_claims", []), *self.banned_phrases]
        found = [Finding("reject", f"banned claim {c!r}") for c in claims if c.casefold() in lowered]
        if self.embedder is not None and not found:
            found += self._semantic(text, claims)
        triggers = [t for t in pack.get("financing_triggers", []) if t.casefold() in lowered]
        disclosure = str(pack.get("disclosure", ""))
        if triggers and disclosure.casefold() not in lowered:
            found.append(Finding("reject", f"financing terms {triggers} need the {market} disclosure "
                                           f"{disclosure!r}"))
        return found

    def _semantic(self, text: str, claims: list[str]) -> list[Finding]:
        sentences = [s.strip() for s in re.split(r"[\n.!?。،]", text) if len(s.strip()) > 3]
        if not sentences or not claims:
            return []
        embedder = self.embedder
        if embedder is None:
            return []
        sims = embedder.embed(sentences) @ embedder.embed(claims).T
        i, j = np.unravel_index(int(np.argmax(sims)), sims.shape)
        best = float(sims[i, j])
        if best >= self.semantic_reject:
            return [Finding("reject", f"{sentences[i]!r} means the banned claim {claims[j]!r} ({best:.2f})")]
        if best >= self.semantic_review:
            return [Finding("review", f"{sentences[i]!r} is close to the banned claim {claims[j]!r} ({best:.2f})")]
        return []
