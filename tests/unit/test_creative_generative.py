"""The diffusers text-to-image object step on a tiny randomly initialised Stable Diffusion pipeline built from
config and saved locally (tokenizer, text encoder, U-Net, VAE: a few thousand parameters, nothing downloaded)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from ml.creative.brand import load_brand_kit
from ml.creative.frame import Frame, StepUnavailable
from ml.creative.models_config import ModelsConfig, build_steps

KIT = load_brand_kit()


def _byte_alphabet() -> list[str]:
    """CLIP's byte-to-unicode alphabet: every byte gets a printable character (byte-level BPE base vocabulary)."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    chars, extra = list(printable), 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + extra)
            extra += 1
    return [chr(c) for c in chars]


@pytest.fixture(scope="module")
def tiny_pipeline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Stable Diffusion pipeline folder, as ``save_pretrained`` writes it, with tiny random weights."""
    from diffusers import AutoencoderKL, DDIMScheduler, StableDiffusionPipeline, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    root = tmp_path_factory.mktemp("sd")
    alphabet = _byte_alphabet()
    vocab = {c: i for i, c in enumerate([*alphabet, *(c + "</w>" for c in alphabet), "<|startoftext|>",
                                         "<|endoftext|>"])}
    (root / "vocab.json").write_text(json.dumps(vocab))
    (root / "merges.txt").write_text("#version: 0.2\n")
    tokenizer = CLIPTokenizer(str(root / "vocab.json"), str(root / "merges.txt"), model_max_length=16)
    torch.manual_seed(0)
    text_encoder = CLIPTextModel(CLIPTextConfig(
        vocab_size=len(vocab), hidden_size=16, intermediate_size=32, num_hidden_layers=1, num_attention_heads=2,
        max_position_embeddings=16, projection_dim=16))
    unet = UNet2DConditionModel(
        sample_size=8, in_channels=4, out_channels=4, block_out_channels=(8, 16), layers_per_block=1,
        down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"), up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"),
        cross_attention_dim=16, attention_head_dim=2, norm_num_groups=4)
    vae = AutoencoderKL(
        in_channels=3, out_channels=3, latent_channels=4, block_out_channels=(8, 16), norm_num_groups=4,
        down_block_types=("DownEncoderBlock2D",) * 2, up_block_types=("UpDecoderBlock2D",) * 2, sample_size=16)
    scheduler = DDIMScheduler(steps_offset=1, clip_sample=False)
    pipe = StableDiffusionPipeline(vae=vae, text_encoder=text_encoder, tokenizer=tokenizer, unet=unet,
                                   scheduler=scheduler, safety_checker=None, feature_extractor=None,
                                   requires_safety_checker=False)
    pipe.save_pretrained(root / "tiny-sd")  # type: ignore[attr-defined]  # diffusers' lazy module hides it
    return root / "tiny-sd"


def test_diffusers_object_generates_a_seeded_product_shot(tiny_pipeline: Path) -> None:
    section = {"backend": "diffusers", "path": str(tiny_pipeline), "steps": 2, "guidance": 2.0, "size": 64}
    step = build_steps(ModelsConfig.parse({"device": "cpu", "object": section}))[0]
    assert step.name == "object:diffusers"
    frame = Frame("bags/handbags", "p1", "default", KIT.palette, seed=11)
    out = step.run(frame)
    assert out.image is not None and out.image.size == (64, 64) and out.image.mode == "RGB"
    assert out.source_uri == "generated://diffusers:tiny-sd/11"
    assert "handbags" in out.prompt and out.models["object"] == "diffusers:tiny-sd"
    again = step.run(frame)
    other = step.run(Frame("bags/handbags", "p2", "default", KIT.palette, seed=12))
    assert again.image is not None and other.image is not None
    assert np.array_equal(np.asarray(out.image), np.asarray(again.image)), "same seed, same image"
    assert not np.array_equal(np.asarray(out.image), np.asarray(other.image)), "another seed, another image"


def test_diffusers_object_refuses_a_folder_without_a_pipeline(tmp_path: Path) -> None:
    with pytest.raises(StepUnavailable, match="is not a diffusers pipeline folder"):
        build_steps(ModelsConfig.parse({"object": {"backend": "diffusers", "path": str(tmp_path)}}))
    with pytest.raises(ValueError, match="object.size must be a multiple of 8"):
        build_steps(ModelsConfig.parse({"object": {"backend": "diffusers", "path": str(tmp_path), "size": 60}}))
