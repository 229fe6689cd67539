"""The local stack: NATS, Temporal, every Loom service and the workflow worker as background processes.

Everything lives under one state directory (``LOOM_HOME``, default ``.loom``): ``logs/<component>.log``,
``run/<component>.pid``, ``data/`` (JetStream store, Temporal and service databases), ``tokens.yaml`` and
``env``. ``start`` is idempotent: parts already running are left alone, so ``up`` after a crash restarts only
what died.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from infra.local.config import (
    HOST,
    OPERATOR_SUBJECT,
    SERVICES,
    WORKER_SUBJECT,
    StackPorts,
    client_env,
    ensure_tokens,
    render_env_file,
    service_addr_var,
    workflows_db_url,
    write_private,
)
from infra.local.health import check_grpc, check_nats, check_temporal
from infra.local.nats import NatsServer, ServerStartError
from infra.local.procs import ManagedProcess
from infra.local.prometheus import PrometheusServer
from infra.local.temporal import TemporalDevServer

REPO_ROOT = Path(__file__).resolve().parents[2]


class StackStartError(RuntimeError):
    """A component of the local stack failed to start; the message names it and carries its log tail."""


@dataclass(frozen=True)
class ComponentStatus:
    """What ``status`` reports for one component."""

    name: str
    pid: int | None
    alive: bool
    health: str
    address: str

    @property
    def ok(self) -> bool:
        """True when the process runs and answers its health probe."""
        return self.alive and self.health in ("SERVING", "ok", "running")


class LocalStack:
    """Starts, stops and reports on the local stack under ``home``."""

    def __init__(self, home: Path, ports: StackPorts | None = None, services: Sequence[str] = SERVICES,
                 worker: bool = True, log_level: str = "info") -> None:
        unknown = set(services) - set(SERVICES)
        if unknown:
            raise ValueError(f"unknown services {sorted(unknown)}; known: {', '.join(SERVICES)}")
        self.home = home.resolve()
        self.ports = ports or StackPorts()
        self.services = tuple(services)
        self.worker = worker
        self.log_level = log_level
        self.nats = NatsServer(self.home, port=self.ports.nats, monitor_port=self.ports.nats_monitor)
        targets = {name: f"{HOST}:{self.ports.metrics[name]}" for name in self.services}
        if worker:
            targets["worker"] = f"{HOST}:{self.ports.worker_metrics}"
        self.prometheus = PrometheusServer(self.home, port=self.ports.prometheus, targets=targets)
        self.temporal = TemporalDevServer(self.home, port=self.ports.temporal, http_port=self.ports.temporal_http,
                                          metrics_port=self.ports.temporal_metrics)

    @classmethod
    def from_home(cls, home: Path) -> LocalStack:
        """The stack as last started under ``home`` (its ports, services, worker), or the defaults."""
        try:
            saved = json.loads((home / "run" / "stack.json").read_text())
            ports = StackPorts(**saved["ports"])
            return cls(home, ports, services=saved["services"], worker=saved["worker"])
        except (OSError, ValueError, KeyError, TypeError):
            return cls(home)

    def _save_layout(self) -> None:
        layout = {"ports": dataclasses.asdict(self.ports), "services": list(self.services), "worker": self.worker}
        (self.home / "run" / "stack.json").write_text(json.dumps(layout, indent=2) + "\n")

    @property
    def tokens_path(self) -> Path:
        """The shared tokens file (LOOM_AUTH_TOKENS_FILE)."""
        return self.home / "tokens.yaml"

    @property
    def env_path(self) -> Path:
        """The client env file the CLI and demo read."""
        return self.home / "env"

    def _component_env(self, subject: str, tokens: dict[str, str]) -> dict[str, str]:
        env = client_env(self.ports, tokens[subject], self.home)
        env.update({
            "LOOM_AUTH_TOKENS_FILE": str(self.tokens_path),
            "LOOM_LOG_LEVEL": self.log_level,
            # The project is importable from the repo root; generated protobuf code lives in proto/gen.
            "PYTHONPATH": f"{REPO_ROOT}:{REPO_ROOT / 'proto' / 'gen'}",
            "PYTHONUNBUFFERED": "1",
        })
        return env

    def _shared_dirs(self) -> dict[str, str]:
        # The model registry and the creative library are shared volumes in Kubernetes; here, folders.
        return {
            "LOOM_REGISTRY_DIR": str(self.home / "data" / "models"),
            "LOOM_CREATIVE_LIBRARY": str(self.home / "data" / "creative"),
        }

    def service_process(self, name: str, tokens: dict[str, str] | None = None) -> ManagedProcess:
        """The managed process of one service (``python -m services.<name>``)."""
        env: dict[str, str] = {}
        if tokens is not None:
            env = self._component_env(name, tokens)
            env.update({
                "LOOM_GRPC_PORT": str(self.ports.grpc[name]),
                "LOOM_METRICS_PORT": str(self.ports.metrics[name]),
                "LOOM_DB_URL": f"sqlite+aiosqlite:///{self.home / 'data' / f'{name}.db'}",
                **self._shared_dirs(),
            })
        return ManagedProcess(name, [sys.executable, "-m", f"services.{name}"], self.home / "logs" / f"{name}.log",
                              self.home / "run" / f"{name}.pid", env=env, cwd=REPO_ROOT)

    def worker_process(self, tokens: dict[str, str] | None = None) -> ManagedProcess:
        """The managed process of the Temporal worker (``python -m workflows.worker``)."""
        env: dict[str, str] = {}
        if tokens is not None:
            env = self._component_env(WORKER_SUBJECT, tokens)
            env.update({
                "LOOM_METRICS_PORT": str(self.ports.worker_metrics),
                "LOOM_DB_URL": workflows_db_url(self.home),
                "LOOM_CREATIVE_DB_URL": f"sqlite+aiosqlite:///{self.home / 'data' / 'creative.db'}",
                **self._shared_dirs(),
            })
        return ManagedProcess("worker", [sys.executable, "-m", "workflows.worker"], self.home / "logs" / "worker.log",
                              self.home / "run" / "worker.pid", env=env, cwd=REPO_ROOT)

    def _write_client_files(self) -> dict[str, str]:
        for sub in ("logs", "run", "data"):
            (self.home / sub).mkdir(parents=True, exist_ok=True)
        tokens = ensure_tokens(self.tokens_path)
        write_private(self.env_path, render_env_file(client_env(self.ports, tokens[OPERATOR_SUBJECT], self.home)))
        return tokens

    def start(self, timeout: float = 90.0) -> None:
        """Starts whatever is not running yet and waits until every part is healthy (raises StackStartError)."""
        deadline = time.monotonic() + timeout
        tokens = self._write_client_files()
        self._save_layout()
        try:
            self.nats.start(timeout=max(1.0, deadline - time.monotonic()))
            self.temporal.start(timeout=max(1.0, deadline - time.monotonic()))
        except ServerStartError as exc:
            raise StackStartError(str(exc)) from exc
        procs = [self.service_process(name, tokens) for name in self.services]
        if self.worker:
            procs.append(self.worker_process(tokens))
        for proc in procs:
            proc.start()
        asyncio.run(self._wait_serving(procs, deadline))
        if PrometheusServer.available():
            try:
                self.prometheus.start(timeout=max(1.0, deadline - time.monotonic()))
            except ServerStartError as exc:
                raise StackStartError(str(exc)) from exc

    async def _wait_serving(self, procs: Sequence[ManagedProcess], deadline: float) -> None:
        waiting = {p.name for p in procs if p.name in self.services}
        while True:
            for proc in procs:
                died = proc.exited_early()
                if died:
                    raise StackStartError(died)
            checks = await asyncio.gather(*(check_grpc(n, f"{HOST}:{self.ports.grpc[n]}", 1.0) for n in waiting))
            waiting -= {c.name for c in checks if c.ok}
            if not waiting:
                return
            if time.monotonic() > deadline:
                raise StackStartError(f"not SERVING in time: {', '.join(sorted(waiting))}; see {self.home / 'logs'}")
            await asyncio.sleep(0.2)

    def stop(self, timeout: float = 20.0) -> list[str]:
        """Stops everything (SIGTERM, SIGKILL after ``timeout``); clients first, NATS last. Returns what ran."""
        clients = [self.worker_process(), *(self.service_process(name) for name in SERVICES)]
        # Services drain in parallel: each may take its full grace period.
        with ThreadPoolExecutor(max_workers=len(clients)) as pool:
            results = list(pool.map(lambda p: p.stop(timeout), clients))
        stopped = [p.name for p, was in zip(clients, results, strict=True) if was]
        if self.prometheus.stop(timeout):
            stopped.append("prometheus")
        if self.temporal.stop(timeout):
            stopped.append("temporal")
        if self.nats.stop(timeout):
            stopped.append("nats")
        return stopped

    def status(self) -> list[ComponentStatus]:
        """Per component: pid, whether it runs, its health probe and address."""
        return asyncio.run(self._status())

    async def _status(self) -> list[ComponentStatus]:
        nats_pid, temporal_pid = self.nats.process.read_pid(), self.temporal.process.read_pid()
        nats_check, temporal_check, *service_checks = await asyncio.gather(
            check_nats(self.nats.monitor_url),
            check_temporal(self.temporal.address, self.temporal.namespace),
            *(check_grpc(name, f"{HOST}:{self.ports.grpc[name]}", 1.0) for name in self.services),
        )
        out = [
            ComponentStatus("nats", nats_pid, nats_pid is not None, "ok" if nats_check.ok else "down", self.nats.url),
            ComponentStatus("temporal", temporal_pid, temporal_pid is not None,
                            "ok" if temporal_check.ok else "down", self.temporal.address),
        ]
        for name, check in zip(self.services, service_checks, strict=True):
            pid = self.service_process(name).read_pid()
            out.append(ComponentStatus(name, pid, pid is not None, check.detail, check.address))
        if PrometheusServer.available():
            pid = self.prometheus.process.read_pid()
            health = "ok" if self.prometheus.ready() else "down"
            out.append(ComponentStatus("prometheus", pid, pid is not None, health, self.prometheus.url))
        if self.worker:
            pid = self.worker_process().read_pid()
            out.append(ComponentStatus("worker", pid, pid is not None, "running" if pid else "down", "-"))
        return out

    def addresses(self) -> dict[str, str]:
        """LOOM_<SVC>_ADDR for the services this stack runs."""
        return {service_addr_var(name): f"{HOST}:{self.ports.grpc[name]}" for name in self.services}
