"""The creative director: scores every asset on quality, legal/IP and efficiency with reasons, and gates it
(pass, needs review, reject) by thresholds that reviewers' decisions tune."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
from PIL import Image

from ml.creative.brand import BrandKit, Touchpoint, load_engagement_priors
from ml.creative.copywriter import Copy
from ml.creative.layout import Rendered
from ml.creative.legal import ClaimChecker, Finding, lookalike_marks, word_marks

ASSESSOR = "loom-creative-director@1"


@dataclass(frozen=True)
class Score:
    """One dimension: 0 (worst) to 1 (best), with the reasons that lowered it."""

    score: float
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Assessment:
    """Scores of the three dimensions and the verdict."""

    quality: Score
    legal: Score
    efficiency: Score
    verdict: str  # "pass", "needs_review" or "reject"
    assessor: str = ASSESSOR


@dataclass
class Thresholds:
    """Gate thresholds. Legal thresholds are fixed (never tuned below safety); quality_pass follows reviewers."""

    quality_pass: float = 0.8
    quality_reject: float = 0.45
    legal_reject: float = 0.5
    history: list[tuple[float, bool]] = field(default_factory=list)

    def learn(self, quality_score: float, approved: bool, window: int = 200) -> None:
        """Moves ``quality_pass`` between the scores reviewers approve and those they reject."""
        self.history = [*self.history[-(window - 1):], (quality_score, approved)]
        ok = [s for s, a in self.history if a]
        bad = [s for s, a in self.history if not a]
        if ok and bad:
            target = (float(np.percentile(ok, 10)) + float(np.percentile(bad, 90))) / 2
        elif ok:
            target = min(ok) - 0.02
        else:
            target = max(bad) + 0.02
        self.quality_pass = min(0.95, max(self.quality_reject + 0.05, target))


def luminance(rgb: np.ndarray) -> np.ndarray:
    """WCAG relative luminance of sRGB colours (…x3 uint8)."""
    c = rgb.astype(np.float64) / 255
    c = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return c @ np.array([0.2126, 0.7152, 0.0722])


def contrast_ratio(a: np.ndarray, b: np.ndarray) -> float:
    """WCAG contrast ratio of two colours."""
    la, lb = float(luminance(a)), float(luminance(b))
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


class EngagementModel:
    """Predicted click rate per touchpoint: a logistic model over a few creative features, seeded by past
    delivery outcomes per touchpoint and updated as outcomes arrive."""

    FEATURES = ("contrast", "headline_short", "occasion")

    def __init__(self) -> None:
        self.bias = {tp: math.log((p["clicks"] + 1) / (p["sends"] - p["clicks"] + 1))
                     for tp, p in load_engagement_priors().items()}
        self.weights = np.array([0.25, 0.15, 0.2])

    def features(self, contrast: float, headline: str, occasion: bool) -> np.ndarray:
        """Feature vector of an asset."""
        return np.array([min(contrast, 10.0) / 10 - 0.45, 1.0 if len(headline) <= 24 else -0.5, 1.0 if occasion else 0])

    def predict(self, touchpoint: str, x: np.ndarray) -> float:
        """Predicted click probability."""
        return 1 / (1 + math.exp(-(self.bias.get(touchpoint, -3.5) + float(self.weights @ x))))

    def observe(self, touchpoint: str, x: np.ndarray, clicked: bool, lr: float = 0.05) -> None:
        """One delivery outcome: a gradient step on the weights and the touchpoint bias."""
        err = float(clicked) - self.predict(touchpoint, x)
        self.weights = self.weights + lr * err * x
        self.bias[touchpoint] = self.bias.get(touchpoint, -3.5) + lr * err

    def score(self, touchpoint: str, x: np.ndarray) -> float:
        """0..1: 0.5 is the touchpoint's usual rate, higher is better."""
        p = self.predict(touchpoint, x)
        base = 1 / (1 + math.exp(-self.bias.get(touchpoint, -3.5)))
        return 1 / (1 + math.exp(-4 * (math.log(p / (1 - p)) - math.log(base / (1 - base)))))


class CreativeDirector:
    """Assesses rendered assets against the brand kit, the market's policy pack and the marks registry."""

    def __init__(self, kit: BrandKit, claims: ClaimChecker, engagement: EngagementModel | None = None,
                 thresholds: Thresholds | None = None) -> None:
        self.kit, self.claims = kit, claims
        self.engagement = engagement or EngagementModel()
        self.thresholds = thresholds or Thresholds()
        self._copy_findings: dict[tuple[str, str], list[Finding]] = {}

    def assess(self, rendered: Rendered, tp: Touchpoint, copy: Copy | None, market: str,
               occasion: bool = True) -> Assessment:
        """Scores one asset and gates it."""
        quality, min_contrast = self.quality(rendered, tp)
        legal = self.legal(rendered.image, copy, market)
        x = self.engagement.features(min_contrast, copy.headline if copy else "", occasion)
        efficiency = Score(round(self.engagement.score(tp.name, x), 3))
        return Assessment(quality, legal, efficiency, self.verdict(quality, legal))

    def verdict(self, quality: Score, legal: Score) -> str:
        """Reject on legal risk or poor quality; review when unsure; pass otherwise."""
        t = self.thresholds
        if legal.score < t.legal_reject or quality.score < t.quality_reject:
            return "reject"
        if legal.score < 1.0 or quality.score < t.quality_pass:
            return "needs_review"
        return "pass"

    def quality(self, r: Rendered, tp: Touchpoint) -> tuple[Score, float]:
        """Contrast and legibility of text, resolution and sharpness, palette and logo, safe zones."""
        reasons: list[str] = []
        penalty = 0.0
        img = np.asarray(r.image.convert("RGB"))
        min_contrast = 21.0
        for box in r.text_boxes:
            region = img[box[1]:box[3], box[0]:box[2]].reshape(-1, 3)
            if region.size == 0:
                continue
            far = region[np.abs(region.astype(int) - np.array(r.text_color)).sum(1) > 60]
            background = np.median(far if len(far) else region, axis=0)
            min_contrast = min(min_contrast, contrast_ratio(np.array(r.text_color), background))
            if box[3] - box[1] < max(12, min(tp.width, tp.height) * 0.025):
                penalty += 0.3
                reasons.append(f"text at {box[3] - box[1]}px is too small to read")
        if min_contrast < 3.0:
            penalty += 0.6
            reasons.append(f"text contrast {min_contrast:.1f}:1 is unreadable (minimum 3:1)")
        elif min_contrast < 4.5:
            penalty += 0.25
            reasons.append(f"text contrast {min_contrast:.1f}:1 is below 4.5:1")
        if r.image.size != (tp.width, tp.height):
            penalty += 0.5
            reasons.append(f"size {r.image.size} is not the touchpoint's {tp.width}x{tp.height}")
        grey = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
        sharpness = float(cv2.Laplacian(cv2.resize(grey, (256, 256 * grey.shape[0] // grey.shape[1] or 1)),
                                        cv2.CV_64F).var())
        if sharpness < 20:
            penalty += 0.3
            reasons.append(f"image is soft (sharpness {sharpness:.0f} < 20)")
        if tp.max_headline_chars and r.logo_box is None:
            penalty += 0.2
            reasons.append("brand logo missing")
        sl, st, sr, sb = tp.safe_box
        for box in (*r.text_boxes, *(b for b in (r.logo_box, r.button_box) if b)):
            if box[0] < sl - 1 or box[1] < st - 1 or box[2] > sr + 1 or box[3] > sb + 1:
                penalty += 0.3
                reasons.append(f"text at {box} leaves the safe zone {tp.safe_box}")
                break
        return Score(round(max(0.0, 1.0 - penalty), 3), tuple(reasons)), min_contrast

    def legal(self, image: Image.Image, copy: Copy | None, market: str) -> Score:
        """Trademarks and look-alikes in the image, claims and disclosures in the copy."""
        findings = lookalike_marks(image)
        if copy is not None:
            key = (copy.text, market)
            if key not in self._copy_findings:  # one copy is shared by every touchpoint of a language
                self._copy_findings[key] = word_marks(copy.text) + self.claims.check(copy.text, market,
                                                                                     copy.language)
            findings += self._copy_findings[key]
        score = 1.0
        if any(f.severity == "reject" for f in findings):
            score = 0.0
        elif findings:
            score = 0.7
        return Score(score, tuple(f.reason for f in findings))


def to_dict(a: Assessment) -> dict[str, Any]:
    """JSON-able form for storage and activity results."""
    return {"verdict": a.verdict, "assessor": a.assessor,
            **{k: {"score": s.score, "reasons": list(s.reasons)}
               for k, s in (("quality", a.quality), ("legal", a.legal), ("efficiency", a.efficiency))}}
