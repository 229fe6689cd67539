"""The ``prediction`` Ray Serve application: one Scorer deployment that batches requests dynamically.

A request is ``{"model": name, "version": "" | v, "features": [[...]] | "<base64 float32>", "cols": n,
"hours": [[...]] | "<base64 float32>" | null}``; the answer is ``{"model_version": v, "outputs": [...]}``.
Rows travel as base64 float32 from the prediction service (decoding JSON lists of floats costs more than the
forward pass); lists stay accepted for curl and tests. ``@serve.batch`` gathers concurrent requests for up to
``batch_wait_timeout_s`` and runs one forward pass per model over all their rows. Options (replicas,
autoscaling, ``max_ongoing_requests``, ``num_gpus``, the registry path and device) come from
``serve_config.yaml``; the model code itself knows nothing about Ray.

Hot swap: a replica re-reads the registry's active version at most every ``refresh_s`` seconds; a new version
is loaded beside the old one and swapped in by reference, so batches in flight finish on the old weights and
no request is dropped. ``reconfigure`` (a new ``user_config``) swaps immediately.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from ray import serve
from starlette.requests import Request


@serve.deployment(name="Scorer", max_ongoing_requests=256)
class Scorer:
    """Scores feature rows with registered models; heavy imports happen in the replica, not at import."""

    def __init__(self, registry_dir: str = "/var/lib/loom/models", device: str = "auto",
                 refresh_s: float = 2.0) -> None:
        from ml.device import pick_device
        from ml.registry import ModelRegistry

        self._registry = ModelRegistry(registry_dir)
        self._device = pick_device(device)
        self._refresh_s = refresh_s
        self._models: dict[tuple[str, str], Any] = {}
        self._active: dict[str, tuple[str, float]] = {}
        self._lock = asyncio.Lock()

    def reconfigure(self, user_config: dict[str, Any]) -> None:
        """Applies ``user_config`` from the serve config: registry_dir, device, refresh_s; drops cached lookups."""
        from ml.device import pick_device
        from ml.registry import ModelRegistry

        self._registry = ModelRegistry(user_config.get("registry_dir", str(self._registry.root)))
        self._device = pick_device(user_config.get("device", "auto"))
        self._refresh_s = float(user_config.get("refresh_s", self._refresh_s))
        self._active.clear()

    def _resolve(self, name: str, version: str) -> str:
        if version:
            return version
        cached = self._active.get(name)
        if cached is None or time.monotonic() - cached[1] > self._refresh_s:
            cached = (self._registry.active_version(name), time.monotonic())
            self._active[name] = cached
        return cached[0]

    def _servable(self, name: str, version: str) -> Any:
        from ml.servable import Servable

        key = (name, version)
        if key not in self._models:
            card, artifact = self._registry.load(name, version)
            self._models[key] = Servable(card, artifact, self._device)
        return self._models[key]

    @serve.batch(max_batch_size=64, batch_wait_timeout_s=0.002)
    async def score_batch(self, requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Groups the batch by model version and runs one forward pass per group."""
        import numpy as np

        from ml.registry import RegistryError

        answers: list[dict[str, Any]] = [{} for _ in requests]
        groups: dict[tuple[str, str], list[int]] = {}
        for i, req in enumerate(requests):
            try:
                version = self._resolve(req["model"], req.get("version", ""))
            except (KeyError, OSError) as exc:
                answers[i] = {"error": f"bad request: {exc}"}
                continue
            if not version:
                answers[i] = {"error": f"model {req['model']} has no active version", "unavailable": True}
                continue
            groups.setdefault((req["model"], version), []).append(i)
        for (name, version), members in groups.items():
            try:
                servable = self._servable(name, version)
            except RegistryError as exc:
                for i in members:
                    answers[i] = {"error": str(exc), "unavailable": True}
                continue
            parts = [_matrix(requests[i]["features"], requests[i].get("cols", 0)) for i in members]
            sizes = [len(p) for p in parts]
            features = np.concatenate(parts)
            hours = None
            if all(requests[i].get("hours") for i in members):
                hours = np.concatenate([_matrix(requests[i]["hours"], 168) for i in members])
            outputs = servable.predict(features, hours)
            start = 0
            for i, size in zip(members, sizes, strict=True):
                answers[i] = {"model_version": version, "kind": servable.kind, "outputs": outputs[start : start + size]}
                start += size
        return answers

    async def __call__(self, request: Request) -> dict[str, Any]:
        return await self.score_batch(await request.json())


def _matrix(value: Any, cols: int) -> Any:
    """A float32 matrix from a list of rows or from base64 float32 with ``cols`` columns."""
    import base64

    import numpy as np

    if isinstance(value, str):
        return np.frombuffer(base64.b64decode(value), dtype=np.float32).reshape(-1, cols)
    return np.asarray(value, dtype=np.float32)


def build_app(args: dict[str, str]) -> Any:
    """Application builder for ``serve run ml.serve.prediction:build_app registry_dir=...``."""
    return Scorer.bind(**args)  # type: ignore[attr-defined]  # @serve.deployment makes it a Deployment


app = Scorer.bind()  # type: ignore[attr-defined]  # @serve.deployment makes it a Deployment
