"""Health probes for every Loom component, shared by the local stack and ``loom status``.

Each probe makes a real call: the standard grpc.health.v1 Check for services, NATS monitoring
``/healthz?js-enabled-only=true`` for the bus, and a DescribeNamespace for Temporal.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from infra.local.config import HOST, SERVICES, StackPorts, service_addr_var
from infra.local.nats import nats_healthy
from infra.local.temporal import temporal_healthy


@dataclass(frozen=True)
class Check:
    """The outcome of probing one component."""

    name: str
    address: str
    ok: bool
    detail: str


async def check_grpc(name: str, address: str, wait: float = 2.0) -> Check:
    """Asks a service's stock health service for the overall status ('' service name)."""
    try:
        async with grpc.aio.insecure_channel(address) as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            reply = await stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=wait)
    except grpc.aio.AioRpcError as exc:
        detail = "unreachable" if exc.code() == grpc.StatusCode.UNAVAILABLE else exc.code().name
        return Check(name, address, False, detail)
    status = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
    return Check(name, address, reply.status == health_pb2.HealthCheckResponse.SERVING, status)


async def check_nats(monitor_url: str) -> Check:
    """NATS is healthy when its monitoring endpoint reports JetStream enabled and ready."""
    ok = await asyncio.to_thread(nats_healthy, monitor_url)
    return Check("nats", monitor_url, ok, "jetstream ok" if ok else "unreachable")


async def check_temporal(address: str, namespace: str) -> Check:
    """Temporal is healthy when a client connects and the namespace can be described."""
    ok = await temporal_healthy(address, namespace)
    return Check("temporal", address, ok, f"namespace {namespace} ok" if ok else "unreachable")


def default_env(ports: StackPorts | None = None) -> dict[str, str]:
    """The addresses of a local stack on the standard ports (used when nothing else is configured)."""
    ports = ports or StackPorts()
    env = {
        "LOOM_NATS_URL": f"nats://{HOST}:{ports.nats}",
        "LOOM_NATS_MONITOR_URL": f"http://{HOST}:{ports.nats_monitor}",
        "LOOM_TEMPORAL_ADDRESS": f"{HOST}:{ports.temporal}",
        "LOOM_TEMPORAL_NAMESPACE": "default",
    }
    env.update({service_addr_var(s): f"{HOST}:{ports.grpc[s]}" for s in SERVICES})
    return env


def monitor_url_for(env: Mapping[str, str]) -> str:
    """NATS monitoring URL: LOOM_NATS_MONITOR_URL, else the host of LOOM_NATS_URL on port 8222."""
    if env.get("LOOM_NATS_MONITOR_URL"):
        return env["LOOM_NATS_MONITOR_URL"]
    host = env.get("LOOM_NATS_URL", f"nats://{HOST}:4222").split("://", 1)[-1].split(",")[0].rsplit(":", 1)[0]
    return f"http://{host or HOST}:8222"


async def check_env(env: Mapping[str, str], services: Sequence[str] = SERVICES) -> list[Check]:
    """Probes NATS, Temporal and every service named in ``services`` at the addresses ``env`` gives."""
    merged = {**default_env(), **env}
    probes = [
        check_nats(monitor_url_for(merged)),
        check_temporal(merged["LOOM_TEMPORAL_ADDRESS"], merged["LOOM_TEMPORAL_NAMESPACE"]),
        *(check_grpc(s, merged[service_addr_var(s)]) for s in services),
    ]
    return list(await asyncio.gather(*probes))
