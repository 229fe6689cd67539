"""A local Prometheus scraping the local stack with the same alert rules Kubernetes uses.

The binary is Debian's, unpacked into ``.tools/bin`` by ``infra/scripts/install_promtool.sh``; when it is not
there the stack runs without it and says so.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from infra.local.nats import ServerStartError
from infra.local.procs import ManagedProcess

REPO_ROOT = Path(__file__).resolve().parents[2]
BINARY = REPO_ROOT / ".tools" / "bin" / "prometheus"
RULES = REPO_ROOT / "infra" / "alerts" / "loom.rules.yaml"


@dataclass
class PrometheusServer:
    """Prometheus with config, TSDB, log and pid under ``home``; scrapes ``targets`` (job -> host:port)."""

    home: Path
    port: int = 9090
    targets: Mapping[str, str] = field(default_factory=dict)
    host: str = "127.0.0.1"

    @staticmethod
    def available() -> bool:
        """True when the prometheus binary is installed."""
        return BINARY.exists()

    @property
    def url(self) -> str:
        """Base URL of the web UI and API."""
        return f"http://{self.host}:{self.port}"

    @property
    def config_path(self) -> Path:
        """Where the generated config is written."""
        return self.home / "prometheus" / "prometheus.yml"

    @property
    def process(self) -> ManagedProcess:
        """The managed process."""
        return ManagedProcess(
            name="prometheus",
            argv=[str(BINARY), f"--config.file={self.config_path}", f"--web.listen-address={self.host}:{self.port}",
                  f"--storage.tsdb.path={self.home / 'data' / 'prometheus'}", "--storage.tsdb.retention.time=2d"],
            log_path=self.home / "logs" / "prometheus.log",
            pid_path=self.home / "run" / "prometheus.pid",
        )

    def render_config(self) -> str:
        """Scrape every target every 5 s with the project's alert rules loaded."""
        config = {
            "global": {"scrape_interval": "5s", "evaluation_interval": "15s"},
            "rule_files": [str(RULES)],
            "scrape_configs": [
                {"job_name": job, "static_configs": [{"targets": [target], "labels": {"service": job}}]}
                for job, target in sorted(self.targets.items())
            ],
        }
        return yaml.safe_dump(config, sort_keys=False)

    def start(self, timeout: float = 30.0) -> None:
        """Writes the config and starts Prometheus unless it runs; waits until it is ready."""
        if not self.process.is_running():
            self.config_path.parent.mkdir(parents=True, exist_ok=True)
            self.config_path.write_text(self.render_config())
            self.process.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.ready():
                return
            died = self.process.exited_early()
            if died:
                raise ServerStartError(died)
            time.sleep(0.1)
        raise ServerStartError(f"prometheus not ready after {timeout:.0f}s; see {self.process.log_path}")

    def ready(self) -> bool:
        """True when /-/ready answers 200."""
        try:
            with urllib.request.urlopen(f"{self.url}/-/ready", timeout=1) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def api(self, path: str) -> dict:  # type: ignore[type-arg]
        """GET an API path (e.g. ``/api/v1/rules``) and return its ``data``."""
        with urllib.request.urlopen(f"{self.url}{path}", timeout=5) as response:
            return json.loads(response.read())["data"]

    def stop(self, timeout: float = 20.0) -> bool:
        """Stops Prometheus; True when it was running."""
        return self.process.stop(timeout)
