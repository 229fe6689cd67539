"""Segmentation for the mask step: a small U-Net (encoder, decoder, skip connections) that predicts the subject.

Same contract as GrabCut: an L mask (255 = subject) at the image's size and the subject cut out to its box. The
image is run at ``work_px`` (masks are smooth, so a small input costs little quality and most of the time).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image, ImageFilter
from torch import nn

from ml.creative.frame import Frame
from ml.creative.steps import keep_large_components
from ml.creative.weights import device_for, load_state, timed


@dataclass(frozen=True)
class SegmentationConfig:
    """The ``mask`` section of the models config."""

    weights: str
    base_channels: int = 16
    depth: int = 3
    work_px: int = 256
    threshold: float = 0.5
    device: str = "auto"

    def __post_init__(self) -> None:
        if not 1 <= self.depth <= 5:
            raise ValueError(f"mask.depth must be between 1 and 5, got {self.depth}")
        if self.work_px % (2 ** self.depth):
            raise ValueError(f"mask.work_px ({self.work_px}) must be divisible by 2**depth ({2 ** self.depth})")
        if not 0.0 < self.threshold < 1.0:
            raise ValueError(f"mask.threshold must be between 0 and 1, got {self.threshold}")


def _block(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
                         nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class UNet(nn.Module):
    """``depth`` down/up levels, channels doubling per level; one logit per pixel."""

    def __init__(self, base_channels: int = 16, depth: int = 3) -> None:
        super().__init__()
        chans = [base_channels * 2 ** i for i in range(depth + 1)]
        self.down = nn.ModuleList(_block(3 if i == 0 else chans[i - 1], chans[i]) for i in range(depth))
        self.bottom = _block(chans[depth - 1], chans[depth])
        self.up = nn.ModuleList(nn.ConvTranspose2d(chans[i + 1], chans[i], 2, stride=2) for i in reversed(range(depth)))
        self.decode = nn.ModuleList(_block(chans[i] * 2, chans[i]) for i in reversed(range(depth)))
        self.head = nn.Conv2d(chans[0], 1, 1)
        self.pool = nn.MaxPool2d(2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """RGB (N, 3, H, W), centred on 0 -> logits (N, 1, H, W)."""
        skips = []
        for block in self.down:
            x = block(x)
            skips.append(x)
            x = self.pool(x)
        x = self.bottom(x)
        for up, block, skip in zip(self.up, self.decode, reversed(skips), strict=True):
            x = block(torch.cat([up(x), skip], dim=1))
        return self.head(x)


def build_model(config: SegmentationConfig) -> UNet:
    """The untrained network the config describes (training code and tests start here)."""
    return UNet(config.base_channels, config.depth)


def to_input(image: Image.Image, work_px: int) -> torch.Tensor:
    """The network's input for ``image``: RGB at ``work_px`` square, scaled to [-0.5, 0.5], batch of one."""
    small = image.convert("RGB").resize((work_px, work_px), Image.Resampling.BILINEAR)
    return torch.from_numpy(np.asarray(small, dtype=np.float32) / 255.0 - 0.5).permute(2, 0, 1).unsqueeze(0)


class ModelMask:
    """Mask step backed by the segmentation model in the config."""

    name = "mask:unet"

    def __init__(self, config: SegmentationConfig) -> None:
        self.config = config
        self.device = device_for(config.device)
        self.model = load_state(build_model(config), config.weights, self.device, self.name)
        self.model_id = f"unet-d{config.depth}-c{config.base_channels}@{config.weights.rsplit('/', 1)[-1]}"

    @torch.inference_mode()
    def probability(self, image: Image.Image) -> np.ndarray:
        """Subject probability per pixel at ``work_px``."""
        with timed(self.name):
            logits = self.model(to_input(image, self.config.work_px).to(self.device))
        return torch.sigmoid(logits)[0, 0].cpu().numpy()

    def mask(self, image: Image.Image) -> Image.Image:
        """An L mask at the image's size, 255 on the subject, edges feathered like GrabCut's."""
        fg = np.where(self.probability(image) > self.config.threshold, 255, 0).astype(np.uint8)
        fg = keep_large_components(fg, min_share=0.08)
        out = Image.fromarray(fg, "L").resize(image.size, Image.Resampling.BILINEAR)
        return out.point(lambda v: 255 if v > 127 else 0).filter(ImageFilter.GaussianBlur(1.2))

    def run(self, frame: Frame) -> Frame:
        """Masks the frame's image and cuts the subject out, cropped to its bounding box."""
        if frame.image is None:
            raise ValueError("mask needs an image: put an object step before it")
        mask = self.mask(frame.image)
        box = mask.getbbox()
        if box is None:
            raise ValueError(f"no subject found in {frame.source_uri or 'the image'} by {self.model_id}")
        cutout = frame.image.convert("RGBA")
        cutout.putalpha(mask)
        return frame.then(self.name, self.model_id, mask=mask, cutout=cutout.crop(box))
