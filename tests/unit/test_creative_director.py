"""The creative director catches planted violations (look-alike mark, banned claim, missing disclosure,
unreadable text, trademark in copy) with zero false passes, passes clean assets, and learns from reviewers."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from PIL import Image, ImageDraw

from ml.creative.brand import load_brand_kit, load_marks
from ml.creative.copywriter import Copy, Copywriter
from ml.creative.director import CreativeDirector, Score, Thresholds
from ml.creative.embeddings import TextEmbedder, bundled_model_dir, default_embedder
from ml.creative.layout import BannerRenderer
from ml.creative.legal import ClaimChecker, render_mark

KIT = load_brand_kit()
TP = KIT.touchpoints["email_hero"]


@pytest.fixture(scope="module")
def director() -> CreativeDirector:
    return CreativeDirector(KIT, ClaimChecker(default_embedder(), banned_phrases=KIT.banned_phrases))


def _banner(copy: Copy, theme: str = "default", text_color: tuple[int, int, int] | None = None):
    renderer = BannerRenderer(KIT)
    cutout = Image.new("RGBA", (300, 300), (0, 0, 0, 0))
    ImageDraw.Draw(cutout).rounded_rectangle((20, 40, 280, 280), radius=30, fill=(40, 90, 160, 255))
    base = renderer.base(theme, cutout, TP, copy.language in ("ar",))
    return renderer.render(base, theme, TP, copy, text_color)


def _clean(language: str = "en") -> Copy:
    return Copywriter(KIT).write("bags/handbags", "default", language)


@pytest.mark.parametrize("language", ["en", "sv", "ar", "ja"])
def test_clean_banner_passes(director: CreativeDirector, language: str) -> None:
    a = director.assess(_banner(_clean(language)), TP, _clean(language), "SE")
    assert a.verdict == "pass", a


@pytest.mark.parametrize("mark_id", ["five-rings", "three-stripes", "swoosh"])
def test_lookalike_mark_is_rejected(director: CreativeDirector, mark_id: str) -> None:
    rendered = _banner(_clean())
    mark = next(m for m in load_marks()["marks"] if m["id"] == mark_id)
    shape = Image.fromarray((render_mark(mark["shapes"], 160) * 255).astype(np.uint8), "L")
    shape = shape.resize((180, 150))  # stretched and recoloured: a look-alike, not a copy
    rendered.image.paste((200, 30, 60), (300, 420), shape)
    a = director.assess(rendered, TP, _clean(), "SE")
    assert a.verdict == "reject" and any(mark_id in r for r in a.legal.reasons), a.legal


@pytest.mark.parametrize("body", ["Guaranteed approval on every order",
                                  "Approval is guaranteed, no credit checks at all", "Risk-free shopping for everyone"])
def test_banned_claims_exact_and_by_meaning_never_pass(director: CreativeDirector, body: str) -> None:
    copy = replace(_clean(), body=body)
    a = director.assess(_banner(copy), TP, copy, "SE")
    assert a.verdict != "pass" and a.legal.reasons, a


def test_missing_financing_disclosure_is_rejected_and_present_one_passes_legal(director: CreativeDirector) -> None:
    copy = replace(_clean(), body="Pay later on handbags")
    a = director.assess(_banner(copy), TP, copy, "GB")
    assert a.verdict == "reject" and "disclosure" in a.legal.reasons[0]
    ok = replace(copy, body="Pay later. 18+. Credit subject to status. T&Cs apply. Late fees may apply.")
    assert director.legal(_banner(ok).image, ok, "GB").score == 1.0


def test_unreadable_text_is_rejected(director: CreativeDirector) -> None:
    copy = _clean()
    rendered = _banner(copy, text_color=(250, 236, 226))  # cream on cream
    a = director.assess(rendered, TP, copy, "SE")
    assert a.verdict == "reject" and "unreadable" in " ".join(a.quality.reasons)


def test_trademark_in_copy_is_rejected(director: CreativeDirector) -> None:
    copy = replace(_clean(), headline="Like Nike, but ours")
    assert director.assess(_banner(copy), TP, copy, "SE").verdict == "reject"


def test_thresholds_follow_reviewers_but_legal_gate_does_not() -> None:
    t = Thresholds()
    for score in (0.7, 0.72, 0.75):
        t.learn(score, approved=True)
    t.learn(0.5, approved=False)
    assert t.quality_pass < 0.8
    director = CreativeDirector(KIT, ClaimChecker(None), thresholds=t)
    assert director.verdict(Score(0.72), Score(1.0)) == "pass"
    assert director.verdict(Score(1.0), Score(0.0)) == "reject"


def test_embedder_loads_from_config_with_random_weights() -> None:
    tiny = TextEmbedder.from_config({"hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2,
                                     "intermediate_size": 64, "vocab_size": 30522}, bundled_model_dir())
    vectors = tiny.embed(["hello", "world", "hello"])
    assert vectors.shape == (3, 32)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.allclose(vectors[0], vectors[2])
