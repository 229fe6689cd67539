"""Ray Serve application ``creative``: the image pipeline and creative director behind one deployment.

Heavy imports happen in ``__init__`` so the driver that builds the graph stays light; one replica per CPU
(or GPU when models are configured) renders and assesses a whole brief per request.
"""

from __future__ import annotations

import base64
from typing import Any

from ray import serve


@serve.deployment(name="ImagePipeline", max_ongoing_requests=16)
class ImagePipeline:
    """Produces every asset of a brief: ``{"market", "category", "product_id", "theme", "occasion_id",
    "languages", "touchpoints"}`` in, assets with base64 bytes and assessments out."""

    def __init__(self) -> None:
        from ml.creative.embeddings import default_embedder
        from ml.creative.pipeline import Factory

        self.factory = Factory(embedder=default_embedder())

    def produce(self, brief: dict[str, Any]) -> list[dict[str, Any]]:
        """Renders and assesses one brief."""
        from ml.creative.pipeline import Brief

        produced = self.factory.produce(Brief(
            brief["market"], brief["category"], brief["product_id"], brief.get("theme", "default"),
            brief.get("occasion_id", ""), tuple(brief["languages"]), tuple(brief["touchpoints"]),
            brief.get("run_id", "")))
        return [{"kind": p.kind, "touchpoint": p.touchpoint, "language": p.language, "mime": p.mime,
                 "data": base64.b64encode(p.data).decode(), "assessment": p.assessment, "lineage": p.lineage}
                for p in produced]

    async def __call__(self, request: Any) -> list[dict[str, Any]]:
        """HTTP entry point: POST the brief as JSON."""
        return self.produce(await request.json())


app = ImagePipeline.bind()
