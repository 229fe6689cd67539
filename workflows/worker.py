"""``python -m workflows.worker``: runs the Temporal worker of the platform task queue."""

from __future__ import annotations

import asyncio
import logging
import signal
from dataclasses import dataclass

from temporalio.client import Client
from temporalio.worker import Worker

from loom.identity.v1 import identity_pb2_grpc
from services.common.client import channel
from services.common.config import ConfigError, RuntimeConfig, load_config, setting
from services.common.logs import setup_logging
from services.common.metrics import serve_metrics
from workflows.platform.activities import ProfileActivities
from workflows.platform.types import TASK_QUEUE
from workflows.platform.workflows import SegmentCustomerWorkflow

log = logging.getLogger("loom.worker")


@dataclass(frozen=True, kw_only=True)
class WorkerConfig(RuntimeConfig):
    """Settings of the Temporal worker."""

    metrics_port: int = setting(9107, help="/metrics port")
    temporal_address: str = setting("127.0.0.1:7233", help="Temporal frontend address")
    temporal_namespace: str = setting("default", help="Temporal namespace")
    identity_addr: str = setting("127.0.0.1:50052", help="identity service address")
    task_queue: str = setting(TASK_QUEUE, help="task queue this worker polls")


def build_worker(client: Client, config: WorkerConfig) -> Worker:
    """The worker with every platform workflow and activity registered."""
    identity = identity_pb2_grpc.IdentityServiceStub(channel(config.identity_addr, config.service_token))
    activities = ProfileActivities(identity)
    return Worker(
        client,
        task_queue=config.task_queue,
        workflows=[SegmentCustomerWorkflow],
        activities=[activities.get_profile],
    )


async def main() -> None:
    """Connects to Temporal and polls until SIGTERM, then lets running activities finish."""
    config = load_config(WorkerConfig)
    setup_logging("worker", config.log_level)
    serve_metrics(config.metrics_port)
    client = await Client.connect(config.temporal_address, namespace=config.temporal_namespace)
    worker = build_worker(client, config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with worker:
        log.info("worker polling", extra={"task_queue": config.task_queue})
        await stop.wait()
    log.info("worker stopped")


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except ConfigError as exc:
        print(f"loom-worker: {exc}", flush=True)
        raise SystemExit(2) from None
