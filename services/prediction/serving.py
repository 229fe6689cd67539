"""The client of the Ray Serve ``prediction`` application (HTTP through the Serve proxy)."""

from __future__ import annotations

import base64
import time
from typing import Any

import httpx
import numpy as np
from prometheus_client import Histogram

from services.common.errors import Unavailable

# Declared in infra/telemetry/metrics.yaml; dashboards and alerts read it per model.
SCORE_LATENCY = Histogram("loom_model_score_latency_seconds",
                          "Online scoring latency per model, Ray Serve round trip included", ["model"],
                          buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5))


class ServeClient:
    """Posts scoring requests to ``<serve_url>`` (e.g. http://ray-serve:8000/prediction)."""

    def __init__(self, serve_url: str, timeout_s: float = 10.0) -> None:
        self._url = serve_url.rstrip("/")
        # Many concurrent requests on few connections: Serve batches them on its side.
        self._http = httpx.AsyncClient(timeout=timeout_s, limits=httpx.Limits(max_connections=64))

    async def score(self, model: str, version: str, features: np.ndarray,
                    hours: np.ndarray | None = None) -> dict[str, Any]:
        """One model over some rows; raises Unavailable when Serve cannot answer."""
        start = time.perf_counter()
        body = {"model": model, "version": version, "features": encode_rows(features), "cols": int(features.shape[1]),
                "hours": encode_rows(hours) if hours is not None else None}
        try:
            response = await self._http.post(self._url, json=body)
        except httpx.HTTPError as exc:
            raise Unavailable(f"Ray Serve at {self._url} is unreachable: {exc}", retry_after_s=1.0) from exc
        finally:
            SCORE_LATENCY.labels(model).observe(time.perf_counter() - start)
        if response.status_code != 200:
            raise Unavailable(f"Ray Serve answered HTTP {response.status_code}: {response.text[:200]}")
        return response.json()

    async def close(self) -> None:
        """Closes the connection pool."""
        await self._http.aclose()


def encode_rows(matrix: np.ndarray) -> str:
    """Rows as base64 float32, the compact form the Scorer decodes without parsing floats."""
    return base64.b64encode(np.ascontiguousarray(matrix, dtype=np.float32).tobytes()).decode()
