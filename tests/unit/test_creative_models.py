"""Model-backed image steps loaded from the models config: tiny randomly initialised networks built from config,
saved as state dicts and loaded back through the real loading code (no weights are downloaded)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from PIL import Image, ImageDraw
from safetensors.torch import save_file

from ml.creative import segmentation, super_resolution
from ml.creative.brand import load_brand_kit
from ml.creative.catalog import SHAPES, FakeCatalogPhotos
from ml.creative.frame import Frame, StepUnavailable
from ml.creative.models_config import ENV, ModelsConfig, build_steps
from ml.creative.pipeline import Brief, Factory, default_steps

KIT = load_brand_kit()
SR = {"backend": "espcn", "factor": 2, "channels": 4}
SEG = {"backend": "unet", "base_channels": 4, "depth": 2, "work_px": 64}


def tiny_weights(tmp_path: Path, section: dict, name: str, head_bias: float | None = None) -> dict:
    """A randomly initialised model built from ``section``, saved to ``name``; the section pointing at it."""
    torch.manual_seed(0)
    if section["backend"] == "espcn":
        model: torch.nn.Module = super_resolution.build_model(
            super_resolution.SuperResolutionConfig(weights="", factor=section["factor"], channels=section["channels"]))
    else:
        model = segmentation.build_model(segmentation.SegmentationConfig(
            weights="", base_channels=section["base_channels"], depth=section["depth"], work_px=section["work_px"]))
        if head_bias is not None:  # pushes every pixel to subject (> 0) or backdrop (< 0)
            assert model.head.bias is not None
            torch.nn.init.zeros_(model.head.weight)
            torch.nn.init.constant_(model.head.bias, head_bias)
    path = tmp_path / name
    torch.save(model.state_dict(), path)
    return {**section, "weights": str(path)}


def cutout_frame(size: tuple[int, int] = (40, 30)) -> Frame:
    """A frame holding an RGBA cutout with a hole in its alpha."""
    cutout = Image.new("RGBA", size, (200, 40, 40, 255))
    ImageDraw.Draw(cutout).rectangle((0, 0, 9, 9), fill=(0, 0, 0, 0))
    return Frame("bags/handbags", "p1", "default", KIT.palette, cutout=cutout)


def test_super_resolution_step_loads_from_config_and_keeps_alpha(tmp_path: Path) -> None:
    config = ModelsConfig.parse({"device": "cpu", "upscale": tiny_weights(tmp_path, SR, "sr.pt")})
    steps = build_steps(config)
    assert [s.name for s in steps] == ["object:catalog", "mask:grabcut", "upscale:espcn", "composite"]
    out = steps[2].run(cutout_frame())
    assert out.cutout is not None and out.cutout.size == (80, 60) and out.cutout.mode == "RGBA"
    alpha = np.asarray(out.cutout.getchannel("A"))
    assert alpha[2, 2] < 30 and alpha[50, 70] > 250, "alpha hole must survive the upscale"
    assert out.steps == ("upscale:2x",) and out.models["upscale"] == "espcn-x2-c4@sr.pt"


def test_super_resolution_without_learned_detail_is_a_bicubic_upscale(tmp_path: Path) -> None:
    section = tiny_weights(tmp_path, SR, "sr.pt")
    state = torch.load(section["weights"], weights_only=True)
    state["body.4.weight"].zero_()
    state["body.4.bias"].zero_()
    save_file(state, tmp_path / "zero.safetensors")
    step = super_resolution.ModelUpscale(super_resolution.SuperResolutionConfig(
        str(tmp_path / "zero.safetensors"), factor=2, channels=4, device="cpu"))
    gradient = Image.fromarray(np.tile(np.linspace(0, 255, 64, dtype=np.uint8), (48, 1)), "L").convert("RGB")
    ours = np.asarray(step.upscale(gradient), dtype=np.float32)
    reference = np.asarray(gradient.resize((128, 96), Image.Resampling.BICUBIC), dtype=np.float32)
    assert ours.shape == reference.shape
    assert np.abs(ours - reference)[:, 4:-4].mean() < 2.0


def test_weights_for_another_architecture_are_refused_with_the_mismatch(tmp_path: Path) -> None:
    section = {**tiny_weights(tmp_path, SR, "sr.pt"), "channels": 8}
    with pytest.raises(StepUnavailable, match=r"sr\.pt do not fit the configured model"):
        build_steps(ModelsConfig.parse({"device": "cpu", "upscale": section}))
    with pytest.raises(StepUnavailable, match="does not exist"):
        build_steps(ModelsConfig.parse({"upscale": {**SR, "weights": str(tmp_path / "missing.pt")}}))


@pytest.mark.parametrize(("raw", "message"), [
    ({"upscale": {"backend": "esrgan", "weights": "w"}}, "upscale.backend must be one of lanczos, espcn"),
    ({"colour": {"backend": "x"}}, "unknown section 'colour'"),
    ({"mask": {**SEG, "weights": "w", "layers": 3}}, "unknown keys in mask: layers"),
    ({"mask": {**SEG, "weights": "w", "work_px": 90}}, "must be divisible by 2\\*\\*depth"),
    ({"upscale": {**SR, "weights": "w", "factor": 5}}, "upscale.factor must be 2, 3 or 4"),
    ({"upscale": {**SR, "weights": "w"}, "device": "tpu"}, "device must be auto, cpu or cuda"),
])
def test_config_errors_name_the_setting(raw: dict, message: str) -> None:
    with pytest.raises((ValueError, StepUnavailable), match=message):
        build_steps(ModelsConfig.parse(raw))


def test_segmentation_step_masks_and_cuts_out(tmp_path: Path) -> None:
    photo = FakeCatalogPhotos().photo("home/lamps", "p1")
    frame = Frame("home/lamps", "p1", "default", KIT.palette, image=photo, source_uri="catalog://home/lamps/p1")
    full = build_steps(ModelsConfig.parse({"device": "cpu", "mask": tiny_weights(tmp_path, SEG, "all.pt", 5.0)}))[1]
    out = full.run(frame)
    assert out.mask is not None and out.mask.size == photo.size and out.mask.mode == "L"
    assert out.cutout is not None and out.cutout.size == photo.size
    assert out.models["mask"] == "unet-d2-c4@all.pt"
    empty = build_steps(ModelsConfig.parse({"mask": tiny_weights(tmp_path, SEG, "none.pt", -5.0)}))[1]
    with pytest.raises(ValueError, match="no subject found in catalog://home/lamps/p1"):
        empty.run(frame)


def _truth(category: str, px: int) -> np.ndarray:
    """The product's true silhouette at ``px`` square."""
    layer = Image.new("L", (512, 512), 0)
    SHAPES[category](ImageDraw.Draw(layer), 255, 255)  # type: ignore[arg-type]  # L mode takes ints
    return np.asarray(layer.resize((px, px), Image.Resampling.BILINEAR)) > 127


def test_trained_segmentation_weights_segment_new_photos(tmp_path: Path) -> None:
    """A few optimiser steps on catalog photos, saved and loaded back through the config: the step then
    separates products it has not seen from backdrop and floor shadow (weights and input handling line up)."""
    categories = ["bags/handbags", "fashion/dresses", "toys/plush", "home/lamps"]
    config = segmentation.SegmentationConfig(weights="", base_channels=8, depth=2, work_px=32)
    torch.manual_seed(0)
    model = segmentation.build_model(config)
    photos = FakeCatalogPhotos()
    x = torch.cat([segmentation.to_input(photos.photo(c, f"p{i}"), 32) for c in categories for i in (1, 2)])
    y = torch.from_numpy(np.stack([_truth(c, 32) for c in categories for _ in (1, 2)])).float().unsqueeze(1)
    optimiser = torch.optim.Adam(model.parameters(), lr=0.02)
    for _ in range(30):
        optimiser.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(model(x), y)
        loss.backward()
        optimiser.step()
    save_file(model.state_dict(), tmp_path / "unet.safetensors")
    step = segmentation.ModelMask(segmentation.SegmentationConfig(
        str(tmp_path / "unet.safetensors"), base_channels=8, depth=2, work_px=32, device="cpu"))
    ious = {}
    for category in categories:
        mask = np.asarray(step.mask(photos.photo(category, "p9"))) > 127
        truth = _truth(category, 512)
        ious[category] = (mask & truth).sum() / (mask | truth).sum()
    # Calling everything subject scores about 0.3 here; a 32-pixel model trained for seconds scores 0.7-0.95.
    assert min(ious.values()) > 0.6 and np.mean(list(ious.values())) > 0.8, ious


def test_default_steps_follow_the_models_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV, raising=False)
    assert [s.name for s in default_steps()] == ["object:catalog", "mask:grabcut", "upscale:lanczos", "composite"]
    config = {"device": "cpu", "mask": tiny_weights(tmp_path, SEG, "m.pt", 5.0),
              "upscale": tiny_weights(tmp_path, SR, "sr.pt")}
    (tmp_path / "models.yaml").write_text(yaml.safe_dump(config))
    monkeypatch.setenv(ENV, str(tmp_path / "models.yaml"))
    factory = Factory()
    frame = factory.master(Brief("SE", "home/lamps", "p3", "default", "", ("en",), ("email_hero",)))
    assert frame.steps == ("object:catalog", "mask:unet", "upscale:2x", "background:default", "composite")
    assert frame.models["mask"] == "unet-d2-c4@m.pt" and frame.models["upscale"] == "espcn-x2-c4@sr.pt"
    assert frame.image is not None and frame.image.size == (1024, 1024)
