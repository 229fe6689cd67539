"""Where torch runs: the device is a setting, so the same code uses a GPU when one is there and the CPU otherwise."""

from __future__ import annotations

import torch


def pick_device(preference: str = "auto") -> torch.device:
    """``auto`` picks CUDA when available, else CPU; ``cuda``/``cpu`` force one (``cuda`` without a GPU fails)."""
    if preference == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if preference not in ("cpu", "cuda") and not preference.startswith("cuda:"):
        raise ValueError(f"device must be auto, cpu or cuda[:N], got {preference!r}")
    if preference.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"device {preference!r} asked for but no CUDA GPU is visible")
    return torch.device(preference)
