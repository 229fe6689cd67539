"""Which model backs which step: the models config (YAML at ``LOOM_CREATIVE_MODELS``, or a dict in code).

```yaml
device: auto                 # default for every section: cuda when available, else cpu
object:  {backend: diffusers, path: /models/sd, steps: 25, guidance: 7.5, size: 512}
mask:    {backend: unet, weights: /models/unet.pt, base_channels: 16, depth: 3, work_px: 256}
upscale: {backend: espcn, weights: /models/espcn.safetensors, factor: 2, channels: 64}
translation: {backend: openai, base_url: http://vllm:8000/v1, model: qwen2.5-7b-instruct, api_key_env: LM_KEY}
```
A missing section keeps the classical step (catalog photo, GrabCut, Lanczos) or, for translation, memory and
glossary only. Unknown sections, backends or keys are configuration errors, reported with their path.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ml.creative.frame import Step

ENV = "LOOM_CREATIVE_MODELS"
BACKENDS = {"object": ("catalog", "diffusers"), "mask": ("grabcut", "unet"), "upscale": ("lanczos", "espcn"),
            "translation": ("none", "openai")}


@dataclass(frozen=True)
class ModelsConfig:
    """The parsed config: one section (a dict with ``backend``) per configured step."""

    sections: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    device: str = "auto"

    @classmethod
    def parse(cls, raw: dict[str, Any] | None) -> ModelsConfig:
        """Validates the config's shape; each section's own keys are checked when its step is built."""
        raw = dict(raw or {})
        device = str(raw.pop("device", "auto"))
        sections: dict[str, dict[str, Any]] = {}
        for name, section in raw.items():
            if name not in BACKENDS:
                raise ValueError(f"models config: unknown section {name!r}; known: {', '.join(BACKENDS)}")
            if not isinstance(section, dict) or "backend" not in section:
                raise ValueError(f"models config: {name} must be a mapping with a 'backend'")
            if section["backend"] not in BACKENDS[name]:
                raise ValueError(f"models config: {name}.backend must be one of {', '.join(BACKENDS[name])}, "
                                 f"got {section['backend']!r}")
            sections[name] = dict(section)
        return cls(sections, device)

    def options(self, name: str, config_type: type) -> Any:
        """The section as ``config_type`` (a dataclass), with the top-level device as its default."""
        section = {k: v for k, v in self.sections[name].items() if k != "backend"}
        known = {f.name for f in dataclasses.fields(config_type)}
        unknown = sorted(set(section) - known)
        if unknown:
            raise ValueError(f"models config: unknown keys in {name}: {', '.join(unknown)}; "
                             f"known: {', '.join(sorted(known))}")
        if "device" in known:
            section.setdefault("device", self.device)
        try:
            return config_type(**section)
        except TypeError as exc:
            raise ValueError(f"models config: {name}: {exc}") from exc

    def backend(self, name: str) -> str:
        """The configured backend of a section, or the classical default."""
        return str(self.sections.get(name, {}).get("backend", BACKENDS[name][0]))


def load_models_config(path: str | Path | None = None) -> ModelsConfig:
    """The config at ``path`` or ``$LOOM_CREATIVE_MODELS``; empty (all classical) when neither is set."""
    path = path or os.environ.get(ENV, "")
    if not path:
        return ModelsConfig()
    file = Path(path)
    if not file.is_file():
        raise ValueError(f"models config {file} does not exist (from {ENV} or the caller)")
    return ModelsConfig.parse(yaml.safe_load(file.read_text(encoding="utf-8")))


def build_steps(config: ModelsConfig) -> list[Step]:
    """Object, mask, upscale (each the configured model or the classical step), then the themed composite.

    Model modules are imported only when configured, so the classical pipeline never pays for them.
    """
    from ml.creative.steps import CatalogObject, GrabCutMask, LanczosUpscale, ThemedComposite

    steps: list[Step] = []
    if config.backend("object") == "diffusers":
        from ml.creative.generative import DiffusersObject, TextToImageConfig

        steps.append(DiffusersObject(config.options("object", TextToImageConfig)))
    else:
        steps.append(CatalogObject())
    if config.backend("mask") == "unet":
        from ml.creative.segmentation import ModelMask, SegmentationConfig

        steps.append(ModelMask(config.options("mask", SegmentationConfig)))
    else:
        steps.append(GrabCutMask())
    if config.backend("upscale") == "espcn":
        from ml.creative.super_resolution import ModelUpscale, SuperResolutionConfig

        steps.append(ModelUpscale(config.options("upscale", SuperResolutionConfig)))
    else:
        steps.append(LanczosUpscale())
    steps.append(ThemedComposite())
    return steps


def build_language_model(config: ModelsConfig) -> Any | None:
    """The configured translation backend (a ``LanguageModel``), or None: memory and glossary only."""
    if config.backend("translation") != "openai":
        return None
    from ml.creative.language_model import OpenAICompatibleConfig, OpenAICompatibleTranslator

    return OpenAICompatibleTranslator(config.options("translation", OpenAICompatibleConfig))
