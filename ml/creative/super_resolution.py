"""Super-resolution for the upscale step: a small ESPCN-style network (sub-pixel convolution) with a bicubic skip.

The network predicts only the detail a bicubic upscale misses (the residual), which is what lets a small model
train quickly and makes an untrained one degrade gracefully to plain bicubic. Alpha is not a photo: it is
resampled with Lanczos, not run through the model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812  # the conventional name
from PIL import Image
from torch import nn

from ml.creative.frame import Frame
from ml.creative.weights import device_for, load_state, timed


@dataclass(frozen=True)
class SuperResolutionConfig:
    """The ``upscale`` section of the models config."""

    weights: str
    factor: int = 2
    channels: int = 64
    device: str = "auto"

    def __post_init__(self) -> None:
        if self.factor not in (2, 3, 4):
            raise ValueError(f"upscale.factor must be 2, 3 or 4, got {self.factor}")
        if self.channels < 2:
            raise ValueError(f"upscale.channels must be at least 2, got {self.channels}")


class ESPCN(nn.Module):
    """Feature extraction at low resolution, then a sub-pixel convolution (pixel shuffle) to ``factor`` x."""

    def __init__(self, factor: int = 2, channels: int = 64) -> None:
        super().__init__()
        self.factor = factor
        self.body = nn.Sequential(
            nn.Conv2d(3, channels, 5, padding=2), nn.ReLU(inplace=True),
            nn.Conv2d(channels, channels // 2, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(channels // 2, 3 * factor * factor, 3, padding=1),
        )
        self.shuffle = nn.PixelShuffle(factor)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """RGB in [0, 1] (N, 3, H, W) -> RGB in [0, 1] (N, 3, H*factor, W*factor)."""
        base = F.interpolate(x, scale_factor=self.factor, mode="bicubic", align_corners=False)
        return (base + self.shuffle(self.body(x))).clamp(0.0, 1.0)


def build_model(config: SuperResolutionConfig) -> ESPCN:
    """The untrained network the config describes (training code and tests start here)."""
    return ESPCN(config.factor, config.channels)


class ModelUpscale:
    """Upscale step backed by the super-resolution model in the config."""

    name = "upscale:espcn"

    def __init__(self, config: SuperResolutionConfig) -> None:
        self.config = config
        self.device = device_for(config.device)
        self.model = load_state(build_model(config), config.weights, self.device, self.name)
        self.model_id = f"espcn-x{config.factor}-c{config.channels}@{config.weights.rsplit('/', 1)[-1]}"

    @torch.inference_mode()
    def upscale(self, image: Image.Image) -> Image.Image:
        """``image`` ``factor`` times larger; RGBA keeps its alpha (resampled)."""
        rgb = np.asarray(image.convert("RGB"), dtype=np.float32) / 255.0
        x = torch.from_numpy(rgb).permute(2, 0, 1).unsqueeze(0).to(self.device)
        with timed(self.name):
            y = self.model(x)
        out = Image.fromarray((y[0].permute(1, 2, 0).cpu().numpy() * 255.0 + 0.5).astype(np.uint8), "RGB")
        if image.mode == "RGBA":
            out.putalpha(image.getchannel("A").resize(out.size, Image.Resampling.LANCZOS))
        return out

    def run(self, frame: Frame) -> Frame:
        """Upscales the cutout."""
        if frame.cutout is None:
            raise ValueError("upscale needs a cutout: put a mask step before it")
        return frame.then(f"upscale:{self.config.factor}x", self.model_id, cutout=self.upscale(frame.cutout))
