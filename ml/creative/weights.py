"""Loading torch weights for the model-backed steps: a state dict from the path in config onto the configured
device, with errors that say which file and which model did not fit."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import torch
from prometheus_client import Counter, Histogram
from torch import nn

from ml.creative.frame import StepUnavailable
from ml.device import pick_device

MODEL_LOADS = Counter("loom_creative_model_loads_total", "Creative step models loaded", ["step"])
MODEL_SECONDS = Histogram("loom_creative_model_seconds", "Seconds one creative step model spends on a frame",
                          ["step"], buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60))


def device_for(preference: str) -> torch.device:
    """The configured device (``auto``: CUDA when available, else CPU); a bad setting is a configuration error."""
    try:
        return pick_device(preference)
    except ValueError as exc:
        raise StepUnavailable(str(exc)) from exc


def load_state(module: nn.Module, path: str, device: torch.device, step: str) -> nn.Module:
    """``module`` with the state dict at ``path`` (``.safetensors`` or a torch ``.pt``), on ``device``, in eval mode.

    Loading is strict: weights trained for another architecture setting (channels, depth, factor) fail here
    with the mismatch named, not later with a shape error in the middle of a batch.
    """
    file = Path(path)
    if not path or not file.is_file():
        raise StepUnavailable(f"{step}: weights file {path!r} does not exist (set 'weights' in the models config)")
    if file.suffix == ".safetensors":
        from safetensors.torch import load_file

        state = load_file(str(file), device=str(device))
    else:
        # weights_only: a state dict is tensors; refusing pickled code keeps a swapped file from running anything.
        state = torch.load(file, map_location=device, weights_only=True)
    try:
        module.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise StepUnavailable(f"{step}: weights in {file} do not fit the configured model: {exc}") from exc
    MODEL_LOADS.labels(step).inc()
    return module.to(device).eval()


@contextmanager
def timed(step: str) -> Iterator[None]:
    """Records the step's model time in ``loom_creative_model_seconds``."""
    start = time.perf_counter()
    try:
        yield
    finally:
        MODEL_SECONDS.labels(step).observe(time.perf_counter() - start)
