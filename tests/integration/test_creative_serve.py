"""The ``creative`` Ray Serve application on a local Ray: one brief through the pipeline with tiny models
configured (U-Net mask, ESPCN upscale, random weights built from config), over the deployment handle."""

from __future__ import annotations

import base64
import io
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import torch
from PIL import Image

from ml.creative import segmentation, super_resolution
from ml.serve.local import scorer_options

pytestmark = pytest.mark.integration


def tiny_models(root: Path) -> dict[str, Any]:
    """A models config with a U-Net mask (head biased to "subject") and an ESPCN upscale, weights saved in ``root``."""
    torch.manual_seed(0)
    unet = segmentation.build_model(segmentation.SegmentationConfig("", base_channels=4, depth=2, work_px=64))
    assert unet.head.bias is not None
    torch.nn.init.zeros_(unet.head.weight)
    torch.nn.init.constant_(unet.head.bias, 5.0)
    torch.save(unet.state_dict(), root / "unet.pt")
    espcn = super_resolution.build_model(super_resolution.SuperResolutionConfig("", factor=2, channels=4))
    torch.save(espcn.state_dict(), root / "espcn.pt")
    return {"device": "cpu",
            "mask": {"backend": "unet", "weights": str(root / "unet.pt"), "base_channels": 4, "depth": 2,
                     "work_px": 64},
            "upscale": {"backend": "espcn", "weights": str(root / "espcn.pt"), "factor": 2, "channels": 4}}


@pytest.fixture(scope="module")
def creative_handle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Ray with two CPUs, Serve and the ``creative`` application; everything shut down afterwards."""
    import ray
    from ray import serve

    from ml.serve.creative_app import ImagePipeline

    models = tiny_models(tmp_path_factory.mktemp("models"))
    ray.init(num_cpus=2, include_dashboard=False, logging_level=logging.WARNING, log_to_driver=False)
    try:
        options = scorer_options("creative", "ImagePipeline")
        deployment = ImagePipeline.options(  # type: ignore[attr-defined]  # @serve.deployment makes a Deployment
            num_replicas=1, max_ongoing_requests=max(64, options["max_ongoing_requests"]),
            ray_actor_options={"num_cpus": 1})
        yield serve.run(deployment.bind(models), name="creative", route_prefix="/creative")
    finally:
        serve.shutdown()
        ray.shutdown()


def test_one_brief_through_the_served_pipeline_with_models(creative_handle: Any) -> None:
    assert creative_handle.models.remote().result(timeout_s=60) == {
        "object": "object:catalog", "mask": "mask:unet", "upscale": "upscale:espcn", "composite": "composite"}
    brief = {"market": "SE", "category": "home/lamps", "product_id": "p5", "theme": "default",
             "languages": ["sv", "ar"], "touchpoints": ["push_thumbnail"], "run_id": "serve-test"}
    assets = creative_handle.produce.remote(brief).result(timeout_s=120)
    assert [(a["kind"], a["touchpoint"], a["language"]) for a in assets] == [
        ("image", "master", ""), ("banner", "push_thumbnail", "sv"), ("banner", "push_thumbnail", "ar")]
    master = assets[0]
    assert master["lineage"]["steps"][:3] == ["object:catalog", "mask:unet", "upscale:2x"]
    assert master["lineage"]["models"]["mask"] == "unet-d2-c4@unet.pt"
    assert master["lineage"]["models"]["upscale"] == "espcn-x2-c4@espcn.pt"
    banner = Image.open(io.BytesIO(base64.b64decode(assets[1]["data"])))
    assert banner.size == (192, 192) and assets[1]["mime"] == "image/png"
    assert assets[1]["assessment"]["verdict"] in ("pass", "needs_review", "reject")
    assert assets[1]["lineage"]["parent_hash"]


def test_a_bad_brief_is_refused_with_the_reason(creative_handle: Any) -> None:
    with pytest.raises(Exception, match="brief is missing category"):
        creative_handle.produce.remote({"market": "SE", "product_id": "p1", "languages": ["en"],
                                        "touchpoints": ["web_hero"]}).result(timeout_s=60)
