"""Ray Serve application ``creative``: the image pipeline and creative director behind one deployment.

Heavy imports happen in ``__init__`` so the driver that builds the graph stays light; one replica per CPU
(or GPU when models are configured) renders and assesses a whole brief per request. Which model backs which
step comes from the models config (`ml.creative.models_config`): the ``models`` argument, else the YAML at
``$LOOM_CREATIVE_MODELS``, else the classical steps.
"""

from __future__ import annotations

import base64
from typing import Any

from ray import serve

REQUIRED = ("market", "category", "product_id", "languages", "touchpoints")


@serve.deployment(name="ImagePipeline", max_ongoing_requests=16)
class ImagePipeline:
    """Produces every asset of a brief: ``{"market", "category", "product_id", "theme", "occasion_id",
    "languages", "touchpoints"}`` in, assets with base64 bytes and assessments out."""

    def __init__(self, models: dict[str, Any] | None = None) -> None:
        from ml.creative.embeddings import default_embedder
        from ml.creative.models_config import ModelsConfig, build_steps, load_models_config
        from ml.creative.pipeline import Factory

        config = ModelsConfig.parse(models) if models is not None else load_models_config()
        self.factory = Factory(steps=build_steps(config), embedder=default_embedder())

    def models(self) -> dict[str, str]:
        """Step name -> model of each step this replica runs (what a deployment check looks at)."""
        return {step.name.split(":")[0]: step.name for step in self.factory.steps}

    def produce(self, brief: dict[str, Any]) -> list[dict[str, Any]]:
        """Renders and assesses one brief."""
        from ml.creative.pipeline import Brief

        missing = [key for key in REQUIRED if not brief.get(key)]
        if missing:
            raise ValueError(f"brief is missing {', '.join(missing)}")
        unknown = [t for t in brief["touchpoints"] if t not in self.factory.kit.touchpoints]
        if unknown:
            raise ValueError(f"unknown touchpoints {unknown}; known: {', '.join(self.factory.kit.touchpoints)}")
        produced = self.factory.produce(Brief(
            brief["market"], brief["category"], brief["product_id"], brief.get("theme", "default"),
            brief.get("occasion_id", ""), tuple(brief["languages"]), tuple(brief["touchpoints"]),
            brief.get("run_id", "")))
        return [{"kind": p.kind, "touchpoint": p.touchpoint, "language": p.language, "mime": p.mime,
                 "data": base64.b64encode(p.data).decode(), "assessment": p.assessment, "lineage": p.lineage}
                for p in produced]

    async def __call__(self, request: Any) -> Any:
        """HTTP entry point: POST the brief as JSON; a bad brief is a 400 with the reason."""
        from starlette.responses import JSONResponse

        try:
            return self.produce(await request.json())
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)


app = ImagePipeline.bind()  # type: ignore[attr-defined]  # @serve.deployment makes it a Deployment
