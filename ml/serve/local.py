"""A local Ray with the ``prediction`` application, options read from serve_config.yaml (tests, bench, demo).

On a laptop or CI box Ray gets an explicit CPU count and no dashboard; the deployment keeps the options of
the serve config (``max_ongoing_requests``, actor resources) except what a small machine cannot give.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import yaml

SERVE_CONFIG = Path(__file__).with_name("serve_config.yaml")


def scorer_options(app: str = "prediction", deployment: str = "Scorer") -> dict[str, Any]:
    """The deployment's options as written in serve_config.yaml."""
    config = yaml.safe_load(SERVE_CONFIG.read_text())
    application = next(a for a in config["applications"] if a["name"] == app)
    return next(d for d in application["deployments"] if d["name"] == deployment)


def start(registry_dir: Path, port: int, *, num_cpus: int = 2, replicas: int = 1, refresh_s: float = 0.5) -> str:
    """Starts Ray, Serve's HTTP proxy on ``port`` and the prediction app; returns the app's URL."""
    import ray
    from ray import serve

    from ml.serve.prediction import Scorer

    if not ray.is_initialized():
        ray.init(num_cpus=num_cpus, include_dashboard=False, logging_level=logging.WARNING, log_to_driver=False)
    serve.start(http_options={"host": "127.0.0.1", "port": port})
    options = scorer_options()
    actor = dict(options.get("ray_actor_options", {}))
    # One replica per CPU at most here; autoscaling is a cluster concern and is left to the serve config.
    actor["num_cpus"] = min(float(actor.get("num_cpus", 1)), num_cpus / max(replicas, 1))
    deployment = Scorer.options(  # type: ignore[attr-defined]  # @serve.deployment makes it a Deployment
        num_replicas=replicas, max_ongoing_requests=options["max_ongoing_requests"], ray_actor_options=actor,
        user_config={"registry_dir": str(registry_dir), "device": "auto", "refresh_s": refresh_s},
    )
    serve.run(deployment.bind(str(registry_dir)), name="prediction", route_prefix="/prediction")
    return f"http://127.0.0.1:{port}/prediction"


def stop() -> None:
    """Shuts Serve and Ray down."""
    import ray
    from ray import serve

    serve.shutdown()
    ray.shutdown()
