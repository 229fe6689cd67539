"""``python -m workflows.worker``: Temporal workers for one or more task queues.

This module is the composition root of the workers: for each task queue it builds the clients the
activities need (gRPC channels, the consent checker, the journeys database and trigger) and registers the
feature package's workflows. In Kubernetes every queue gets its own Deployment
(``LOOM_TASK_QUEUES=loom-journeys``); the local stack runs all queues in one process.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from temporalio.client import Client
from temporalio.worker import Worker

from services.common.config import ConfigError, RuntimeConfig, database_setting, load_config, setting
from services.common.logs import setup_logging
from services.common.metrics import serve_metrics

log = logging.getLogger("loom.worker")

QUEUE_NAMES = ("loom-platform", "loom-privacy", "loom-factory", "loom-journeys", "loom-training")


def _percent(value: float) -> str | None:
    return None if 0 <= value < 100 else "must be a percentage from 0 up to (not including) 100"


def _known_queues(queues: list[str]) -> str | None:
    unknown = [q for q in queues if q not in QUEUE_NAMES]
    return f"unknown task queues {unknown}; known: {', '.join(QUEUE_NAMES)}" if unknown else None


@dataclass(frozen=True, kw_only=True)
class WorkerConfig(RuntimeConfig):
    """Settings of the Temporal worker."""

    metrics_port: int = setting(9107, help="/metrics port")
    temporal_address: str = setting("127.0.0.1:7233", help="Temporal frontend address")
    temporal_namespace: str = setting("default", help="Temporal namespace")
    task_queues: list[str] = setting(list(QUEUE_NAMES), help="task queues this process serves", check=_known_queues)
    nats_url: str = setting("nats://127.0.0.1:4222", help="NATS server URL (journey trigger, consent cache)")
    bus_prefix: str = setting("", help="prefix of every stream and subject")
    ingestion_addr: str = setting("127.0.0.1:50051", help="ingestion service address")
    identity_addr: str = setting("127.0.0.1:50052", help="identity service address")
    consent_addr: str = setting("127.0.0.1:50053", help="consent service address")
    prediction_addr: str = setting("127.0.0.1:50054", help="prediction service address")
    creative_addr: str = setting("127.0.0.1:50055", help="creative service address")
    forwarding_addr: str = setting("127.0.0.1:50056", help="forwarding service address")
    db_url: str = database_setting("sqlite+aiosqlite:///.loom/data/workflows.db")
    creative_db_url: str = setting("", help="creative service database; factory assets are indexed there ('' to skip)")
    registry_dir: Path = setting(Path(".loom/models"), help="model registry root (training queue)")
    journey_trigger: bool = setting(True, help="run the bus consumer that starts journeys from events")
    global_control_percent: float = setting(
        0.0, check=_percent, help="percent of customers held out of every journey (the global control group); "
        "the `loom journeys` commands read the same LOOM_GLOBAL_CONTROL_PERCENT for schedules and broadcasts")


@dataclass
class Shared:
    """Resources several queues use, opened once and closed when the worker stops."""

    config: WorkerConfig
    client: Client
    stack: AsyncExitStack
    _bus: Any = None

    async def bus(self) -> Any:
        """The event bus connection, opened on first use."""
        if self._bus is None:
            from services.common.bus import EventBus

            self._bus = await EventBus.connect(self.config.nats_url, name="loom-worker",
                                               prefix=self.config.bus_prefix)
            await self._bus.ensure_streams()
            self.stack.push_async_callback(self._bus.close)
        return self._bus


async def _platform(shared: Shared) -> list[Any]:
    from workflows import platform

    return platform.make_activities(shared.config)


async def _privacy(shared: Shared) -> list[Any]:
    from workflows import privacy

    return privacy.make_activities(shared.config)


async def _factory(shared: Shared) -> list[Any]:
    from workflows import factory

    return factory.make_activities(shared.config)


async def _journeys(shared: Shared) -> list[Any]:
    from services.common.storage import Database
    from workflows import journeys
    from workflows.journeys.registry import JourneyRegistry, migrate_journeys
    from workflows.journeys.trigger import JourneyTrigger, start_trigger

    db = Database.from_url(shared.config.db_url)
    shared.stack.push_async_callback(db.dispose)
    await migrate_journeys(db)
    if shared.config.journey_trigger:
        stop = await start_trigger(await shared.bus(), JourneyTrigger(
            shared.client, JourneyRegistry(db), global_control_percent=shared.config.global_control_percent))
        shared.stack.push_async_callback(stop)
    return journeys.make_activities(shared.config)


async def _training(shared: Shared) -> list[Any]:
    from loom.identity.v1 import identity_pb2_grpc
    from loom.ingestion.v1 import ingestion_pb2_grpc
    from loom.prediction.v1 import prediction_pb2_grpc
    from services.common.client import channel
    from services.common.consent import ConsentChecker
    from workflows import training
    from workflows.training.activities import TrainingConfig, user_profiling

    config = shared.config
    checker = await ConsentChecker.connect(config.consent_addr, config.service_token, await shared.bus(),
                                           deadline_s=config.consent_deadline_s)
    await checker.start()
    shared.stack.push_async_callback(checker.close)
    return training.make_activities(TrainingConfig(
        registry_dir=config.registry_dir,
        ingestion=ingestion_pb2_grpc.IngestionServiceStub(channel(config.ingestion_addr, config.service_token)),
        identity=identity_pb2_grpc.IdentityServiceStub(channel(config.identity_addr, config.service_token)),
        profiling_allowed=user_profiling(checker),
        prediction=prediction_pb2_grpc.PredictionServiceStub(channel(config.prediction_addr, config.service_token)),
    ))


SETUP: dict[str, Callable[[Shared], Awaitable[list[Any]]]] = {
    "loom-platform": _platform,
    "loom-privacy": _privacy,
    "loom-factory": _factory,
    "loom-journeys": _journeys,
    "loom-training": _training,
}


async def build_workers(shared: Shared) -> list[Worker]:
    """One worker per configured task queue with its package's workflows and activities."""
    import importlib

    workers = []
    for queue in shared.config.task_queues:
        package: Any = importlib.import_module(f"workflows.{queue.removeprefix('loom-')}")
        workers.append(Worker(shared.client, task_queue=package.TASK_QUEUE, workflows=package.WORKFLOWS,
                              activities=await SETUP[queue](shared)))
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
    async with AsyncExitStack() as stack:
        shared = Shared(config, client, stack)
        for worker in await build_workers(shared):
            await stack.enter_async_context(worker)
        log.info("worker polling", extra={"task_queues": config.task_queues})
        await stop.wait()
    log.info("worker stopped")


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except ConfigError as exc:
        print(f"loom-worker: {exc}", flush=True)
        raise SystemExit(2) from None
