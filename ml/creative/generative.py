"""Text-to-image for the object step: a diffusers pipeline from a local folder in the models config.

Weights are never downloaded at run time: ``path`` names a folder written by ``save_pretrained`` (or a
snapshot copied in by the deployment), loaded with ``local_files_only``. The prompt asks for a studio product
shot on a plain backdrop, which is what the mask step expects from a catalog photo as well.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from ml.creative.brand import load_glossary
from ml.creative.frame import Frame, StepUnavailable
from ml.creative.weights import MODEL_LOADS, device_for, timed

DTYPES = ("float32", "float16", "bfloat16")


@dataclass(frozen=True)
class TextToImageConfig:
    """The ``object`` section of the models config (``backend: diffusers``)."""

    path: str
    steps: int = 25
    guidance: float = 7.5
    size: int = 512
    negative_prompt: str = "text, letters, watermark, logo, people, hands, clutter, busy background"
    dtype: str = "float32"
    device: str = "auto"

    def __post_init__(self) -> None:
        if self.steps < 1:
            raise ValueError(f"object.steps must be at least 1, got {self.steps}")
        if self.size < 32 or self.size % 8:
            raise ValueError(f"object.size must be a multiple of 8 of at least 32, got {self.size}")
        if self.dtype not in DTYPES:
            raise ValueError(f"object.dtype must be one of {', '.join(DTYPES)}, got {self.dtype!r}")


def product_prompt(category: str, product_id: str) -> str:
    """The studio-shot prompt for a product of ``category`` (named by its English glossary name)."""
    names = load_glossary()["categories"].get(category, {})
    thing = str(names.get("en", category.rsplit("/", 1)[-1])).lower()
    return (f"professional studio product photo of {thing} ({product_id}), single product centred, "
            "plain light grey seamless backdrop, soft even light, sharp focus")


class DiffusersObject:
    """Object step that generates the product shot with a diffusers text-to-image pipeline."""

    name = "object:diffusers"

    def __init__(self, config: TextToImageConfig) -> None:
        self.config = config
        self.device = device_for(config.device)
        folder = Path(config.path)
        if not (folder / "model_index.json").is_file():
            raise StepUnavailable(f"{self.name}: {config.path!r} is not a diffusers pipeline folder "
                                  "(no model_index.json); weights are not downloaded, copy a snapshot there")
        try:
            import torch
            from diffusers import AutoPipelineForText2Image
        except ImportError as exc:
            raise StepUnavailable(f"{self.name}: diffusers is not installed ({exc}); pip install diffusers") from exc
        self._torch = torch
        self.pipe: Any = AutoPipelineForText2Image.from_pretrained(
            str(folder), local_files_only=True, dtype=getattr(torch, config.dtype))
        self.pipe.to(self.device)
        self.pipe.set_progress_bar_config(disable=True)
        MODEL_LOADS.labels(self.name).inc()
        self.model_id = f"diffusers:{folder.name}"

    def generate(self, prompt: str, seed: int) -> Image.Image:
        """One RGB image of ``size`` for ``prompt``; the same seed gives the same image."""
        # A CPU generator keeps a seed's image the same on CPU and GPU replicas.
        generator = self._torch.Generator(device="cpu").manual_seed(seed)
        with timed(self.name), self._torch.inference_mode():
            result = self.pipe(prompt, negative_prompt=self.config.negative_prompt,
                               num_inference_steps=self.config.steps, guidance_scale=self.config.guidance,
                               height=self.config.size, width=self.config.size, generator=generator)
        return result.images[0].convert("RGB")

    def run(self, frame: Frame) -> Frame:
        """Generates the object for the frame's product (its own prompt when set)."""
        prompt = frame.prompt or product_prompt(frame.category, frame.product_id)
        image = self.generate(prompt, frame.seed)
        return frame.then(self.name, self.model_id, image=image, prompt=prompt,
                          source_uri=f"generated://{self.model_id}/{frame.seed}")
