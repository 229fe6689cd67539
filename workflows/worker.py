"""``python -m workflows.worker``: Temporal workers for one or more task queues.

Each feature package under ``workflows/`` exposes ``TASK_QUEUE``, ``WORKFLOWS`` and ``activities(config)``.
In Kubernetes every queue gets its own Deployment (``LOOM_TASK_QUEUES=loom-journeys``); the local stack runs
all queues in one process.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import signal
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

from temporalio.client import Client
from temporalio.worker import Worker

from services.common.config import ConfigError, RuntimeConfig, load_config, setting
from services.common.logs import setup_logging
from services.common.metrics import serve_metrics

log = logging.getLogger("loom.worker")

# Task queue -> the package that serves it.
QUEUES = {
    "loom-platform": "workflows.platform",
    "loom-privacy": "workflows.privacy",
    "loom-factory": "workflows.factory",
}


def _known_queue(queues: list[str]) -> str | None:
    unknown = [q for q in queues if q not in QUEUES]
    return f"unknown task queues {unknown}; known: {sorted(QUEUES)}" if unknown else None


@dataclass(frozen=True, kw_only=True)
class WorkerConfig(RuntimeConfig):
    """Settings of the Temporal worker."""

    metrics_port: int = setting(9107, help="/metrics port")
    temporal_address: str = setting("127.0.0.1:7233", help="Temporal frontend address")
    temporal_namespace: str = setting("default", help="Temporal namespace")
    task_queues: list[str] = setting(list(QUEUES), help="task queues this process serves", check=_known_queue)
    ingestion_addr: str = setting("127.0.0.1:50051", help="ingestion service address")
    identity_addr: str = setting("127.0.0.1:50052", help="identity service address")
    consent_addr: str = setting("127.0.0.1:50053", help="consent service address")
    prediction_addr: str = setting("127.0.0.1:50054", help="prediction service address")
    creative_addr: str = setting("127.0.0.1:50055", help="creative service address")
    forwarding_addr: str = setting("127.0.0.1:50056", help="forwarding service address")
    db_url: str = setting("sqlite+aiosqlite:///.loom/data/workflows.db", help="database of workflow-owned tables")


def build_workers(client: Client, config: WorkerConfig) -> list[Worker]:
    """One worker per configured task queue, each with its package's workflows and activities."""
    workers = []
    for queue in config.task_queues:
        package: Any = importlib.import_module(QUEUES[queue])
        workers.append(
            Worker(client, task_queue=package.TASK_QUEUE, workflows=package.WORKFLOWS,
                   activities=package.activities(config))
        )
    return workers


async def main() -> None:
    """Connects to Temporal and polls until SIGTERM, then lets running activities finish."""
    config = load_config(WorkerConfig)
    setup_logging("worker", config.log_level)
    serve_metrics(config.metrics_port)
    client = await Client.connect(config.temporal_address, namespace=config.temporal_namespace)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with AsyncExitStack() as workers:
        for worker in build_workers(client, config):
            await workers.enter_async_context(worker)
        log.info("worker polling", extra={"task_queues": config.task_queues})
        await stop.wait()
    log.info("worker stopped")


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except ConfigError as exc:
        print(f"loom-worker: {exc}", flush=True)
        raise SystemExit(2) from None
