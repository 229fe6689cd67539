"""The shared gRPC server: health, reflection, the server pipeline, /metrics and a graceful SIGTERM drain.

A service provides a `build` coroutine that turns its config into a `ServiceApp` (servicers plus the
resources to close). `run` does the rest, so each service's ``__main__`` is three lines.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from services.common.auth import Authenticator, Authoriser, MethodPolicy, TokenFileAuthenticator
from services.common.config import ConfigError, RuntimeConfig, load_config
from services.common.logs import setup_logging
from services.common.metrics import SERVICE_INFO, serve_metrics
from services.common.pipeline import ServerPipeline
from services.common.tracing import setup_tracing

log = logging.getLogger("loom.server")

C = TypeVar("C", bound=RuntimeConfig)


@dataclass
class Registration:
    """One gRPC service implementation: its generated ``add_*_to_server`` function and servicer."""

    add_to_server: Callable[[Any, grpc.aio.Server], None]
    servicer: Any
    # Full proto service name, e.g. "loom.identity.v1.IdentityService".
    full_name: str
    policy: MethodPolicy | None = None


@dataclass
class ServiceApp:
    """What a service contributes to the shared server."""

    name: str
    registrations: Sequence[Registration]
    # Extra authenticators tried after the tokens file (e.g. ingestion write keys).
    authenticators: Sequence[Authenticator] = ()
    # Started after the server listens (bus consumers); each returns a coroutine function that stops it.
    background: Sequence[Callable[[], Awaitable[Callable[[], Awaitable[None]]]]] = ()
    # Run after in-flight calls finished and background work stopped: close pools and connections.
    on_shutdown: Sequence[Callable[[], Awaitable[None]]] = ()


@dataclass
class RunningServer:
    """A started server; `stop` drains it."""

    app: ServiceApp
    server: grpc.aio.Server
    health: health.aio.HealthServicer
    port: int
    metrics_port: int
    grace_s: float
    delay_s: float = 0.0
    _stoppers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    _stopped: bool = False

    async def stop(self) -> None:
        """Drains: NOT_SERVING first so balancers move away, then finish in-flight calls, then background work."""
        if self._stopped:
            return
        self._stopped = True
        log.info("draining", extra={"grace_s": self.grace_s})
        await self.health.enter_graceful_shutdown()
        SERVICE_INFO.labels(self.app.name).set(0)
        # Keep accepting calls while balancers and kubelet probes see NOT_SERVING and move traffic away.
        await asyncio.sleep(self.delay_s)
        await self.server.stop(self.grace_s)
        for stop in reversed(self._stoppers):
            await stop()
        for hook in self.app.on_shutdown:
            await hook()
        log.info("stopped")


def build_authoriser(config: RuntimeConfig, app: ServiceApp) -> Authoriser:
    """The authoriser for a service: tokens file first, then the service's own authenticators."""
    authenticators: list[Authenticator] = []
    if config.auth_tokens_file is not None:
        authenticators.append(TokenFileAuthenticator.from_file(config.auth_tokens_file))
    elif not config.auth_disabled:
        raise ConfigError(["LOOM_AUTH_TOKENS_FILE is required (or LOOM_AUTH_DISABLED=true for local experiments)"])
    authenticators.extend(app.authenticators)
    policies = [r.policy or MethodPolicy(r.full_name) for r in app.registrations]
    return Authoriser(authenticators, policies, disabled=config.auth_disabled)


async def start_server(config: RuntimeConfig, app: ServiceApp, *, metrics: bool = True) -> RunningServer:
    """Starts the gRPC server (and /metrics) for ``app``; returns once it listens and is SERVING."""
    authoriser = build_authoriser(config, app)
    options = [
        ("grpc.max_receive_message_length", config.max_message_bytes),
        ("grpc.max_send_message_length", config.max_message_bytes),
        ("grpc.so_reuseport", 0),
    ]
    server = grpc.aio.server(interceptors=[ServerPipeline(authoriser, config.default_deadline_s)], options=options)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    for reg in app.registrations:
        reg.add_to_server(reg.servicer, server)
    names = [r.full_name for r in app.registrations]
    reflection.enable_server_reflection([*names, health.SERVICE_NAME, reflection.SERVICE_NAME], server)
    port = server.add_insecure_port(f"{config.grpc_host}:{config.grpc_port}")
    if port == 0:
        raise ConfigError([f"LOOM_GRPC_PORT={config.grpc_port}: cannot bind {config.grpc_host}:{config.grpc_port}"])
    metrics_port = serve_metrics(config.metrics_port) if metrics else 0
    await server.start()
    running = RunningServer(
        app, server, health_servicer, port, metrics_port, config.drain_grace_s, config.drain_delay_s
    )
    for start in app.background:
        running._stoppers.append(await start())
    for name in ["", *names]:
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    SERVICE_INFO.labels(app.name).set(1)
    log.info("serving", extra={"port": port, "metrics_port": metrics_port, "services": names})
    return running


async def serve_until_signal(config_cls: type[C], build: Callable[[C], Awaitable[ServiceApp]], service: str) -> None:
    """Loads config, builds and starts the app, and drains on SIGTERM or SIGINT."""
    config = load_config(config_cls)
    setup_logging(service, config.log_level)
    setup_tracing(service, config.otel_exporter)
    app = await build(config)
    running = await start_server(config, app)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await running.stop()


def run(config_cls: type[C], build: Callable[[C], Awaitable[ServiceApp]], service: str) -> None:
    """Entry point for ``python -m services.<name>``: a config error prints clearly and exits 2."""
    try:
        asyncio.run(serve_until_signal(config_cls, build, service))
    except ConfigError as exc:
        print(f"loom-{service}: {exc}", flush=True)
        raise SystemExit(2) from None
