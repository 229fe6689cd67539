"""Each image step on real images: catalog photo, GrabCut mask, upscale, themed composite, touchpoint renders."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from ml.creative.brand import LANGUAGES, load_brand_kit
from ml.creative.catalog import SHAPES, FakeCatalogPhotos
from ml.creative.copywriter import Copywriter
from ml.creative.frame import Frame
from ml.creative.layout import BannerRenderer, zones
from ml.creative.pipeline import Brief, Factory
from ml.creative.steps import CatalogObject, GrabCutMask, LanczosUpscale, ThemedComposite
from ml.creative.text import draw_block

KIT = load_brand_kit()


def _truth(category: str) -> np.ndarray:
    """The product's true silhouette, drawn without backdrop or shadow."""
    layer = Image.new("L", (512, 512), 0)
    SHAPES[category](ImageDraw.Draw(layer), 255, 255)  # type: ignore[arg-type]  # L mode takes ints
    return np.asarray(layer) > 0


@pytest.mark.parametrize("category", ["bags/handbags", "fashion/dresses", "toys/plush", "home/lamps"])
def test_grabcut_separates_product_from_backdrop_and_shadow(category: str) -> None:
    photo = FakeCatalogPhotos().photo(category, "p1")
    mask = np.asarray(GrabCutMask().mask(photo)) > 127
    truth = _truth(category)
    iou = (mask & truth).sum() / (mask | truth).sum()
    assert iou > 0.85, f"mask IoU {iou:.2f}"
    assert not mask[430:450, 100:140].any(), "floor shadow left of the product was kept"


def test_steps_record_lineage_and_produce_a_master() -> None:
    frame = Frame("accessories/watches", "p7", "christmas", KIT.palette)
    for step in (CatalogObject(), GrabCutMask(), LanczosUpscale(), ThemedComposite(size=512)):
        frame = step.run(frame)
    assert frame.steps == ("object:catalog", "mask:grabcut", "upscale:2x", "background:christmas", "composite")
    assert frame.image is not None and frame.image.size == (512, 512)
    assert frame.cutout is not None and frame.cutout.mode == "RGBA"
    corner = np.asarray(frame.image)[5, 5]
    assert corner[1] > corner[0], "christmas background should be green"


def test_upscale_doubles_and_keeps_alpha() -> None:
    image = Image.new("RGBA", (40, 30), (200, 10, 10, 255))
    out = LanczosUpscale().upscale(image)
    assert out.size == (80, 60) and out.mode == "RGBA"


def test_text_in_each_script_renders_ink_inside_its_box() -> None:
    for language, text in (("en", "Shop now"), ("ar", "تسوّق الآن"), ("ja", "今すぐ購入")):
        image = Image.new("RGB", (400, 120), (255, 255, 255))
        block = draw_block(image, text, language, (10, 10, 390, 110), (0, 0, 0), 60)
        ink = np.argwhere(np.asarray(image.convert("L")) < 128)
        assert len(ink) > 200, language
        assert ink[:, 1].min() >= 8 and ink[:, 1].max() <= 392
        if language == "ar":
            assert block.box[2] >= 385, "right-to-left text is right-aligned"


def test_every_touchpoint_keeps_copy_inside_safe_zone_and_mirrors_for_rtl() -> None:
    for tp in KIT.touchpoints.values():
        for rtl in (False, True):
            z = zones(tp, rtl)
            sl, st, sr, sb = tp.safe_box
            assert sl <= z.copy[0] and st <= z.copy[1] and z.copy[2] <= sr and z.copy[3] <= sb
    web = KIT.touchpoints["web_hero"]
    assert zones(web, False).copy[0] < zones(web, False).subject[0]
    assert zones(web, True).copy[0] > zones(web, True).subject[0]


def test_factory_produces_every_touchpoint_and_language_passing() -> None:
    brief = Brief("SE", "shoes/sneakers", "p3", "black_friday", "se-bf", LANGUAGES, tuple(KIT.touchpoints))
    produced = Factory().produce(brief)
    banners = [p for p in produced if p.kind == "banner"]
    assert len(banners) == len(LANGUAGES) * len(KIT.touchpoints)
    assert {(p.touchpoint, p.language) for p in banners} == {(t, lang) for t in KIT.touchpoints for lang in LANGUAGES}
    bad = [(p.touchpoint, p.language, p.assessment) for p in banners if p.assessment["verdict"] != "pass"]
    assert not bad
    for p in banners:
        assert Image.open(__import__("io").BytesIO(p.data)).size == (p.width, p.height)


def test_banner_renderer_draws_copy_of_the_language() -> None:
    tp = KIT.touchpoints["social_square"]
    renderer = BannerRenderer(KIT)
    cutout = Image.new("RGBA", (100, 100), (20, 20, 200, 255))
    base = renderer.base("default", cutout, tp, False)
    copy = Copywriter(KIT).write("home/lamps", "default", "de")
    rendered = renderer.render(base, "default", tp, copy)
    assert rendered.logo_box is not None and len(rendered.text_boxes) == 2 and rendered.button_box is not None
    assert rendered.image.size == (tp.width, tp.height)
