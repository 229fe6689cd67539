"""Ports, tokens and environment of the local stack.

Two files under the state directory connect the stack to its clients:
- ``tokens.yaml`` (mode 0600): ``<token>: {subject, roles}``, one ``service`` token per service and the worker, one
  ``admin`` token for the operator; the services read it through LOOM_AUTH_TOKENS_FILE.
- ``env`` (mode 0600, it holds the operator token): ``KEY=VALUE`` lines the CLI and demo load to reach the
  stack (LOOM_SERVICE_TOKEN, LOOM_<SVC>_ADDR, LOOM_NATS_URL, ...).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

SERVICES: tuple[str, ...] = ("ingestion", "identity", "consent", "prediction", "creative", "forwarding")
OPERATOR_SUBJECT = "operator"
WORKER_SUBJECT = "worker"
HOST = "127.0.0.1"


def _default_grpc() -> dict[str, int]:
    return {name: 50051 + i for i, name in enumerate(SERVICES)}


def _default_metrics() -> dict[str, int]:
    return {name: 9101 + i for i, name in enumerate(SERVICES)}


@dataclass(frozen=True)
class StackPorts:
    """Every port the local stack listens on (defaults are the project's standard ports)."""

    nats: int = 4222
    nats_monitor: int = 8222
    temporal: int = 7233
    temporal_http: int = 7243
    temporal_metrics: int = 7244
    worker_metrics: int = 9107
    prometheus: int = 9090
    grpc: Mapping[str, int] = field(default_factory=_default_grpc)
    metrics: Mapping[str, int] = field(default_factory=_default_metrics)


def service_addr_var(service: str) -> str:
    """Env name of a service's address for its callers, e.g. LOOM_IDENTITY_ADDR."""
    return f"LOOM_{service.upper()}_ADDR"


def write_private(path: Path, text: str) -> None:
    """Writes a file readable only by its owner, never exposing the content under a wider mode."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def ensure_tokens(path: Path, services: Iterable[str] = (*SERVICES, WORKER_SUBJECT)) -> dict[str, str]:
    """Creates or completes the tokens file; returns subject -> token.

    Existing tokens are kept so running clients and services stay valid across ``up`` calls; subjects that
    are missing (a service added later) get a fresh random token.
    """
    raw: dict[str, dict[str, object]] = {}
    if path.exists():
        raw = yaml.safe_load(path.read_text()) or {}
    by_subject = {str(entry["subject"]): token for token, entry in raw.items()}
    changed = not path.exists()
    wanted = [(name, ["service"]) for name in services] + [(OPERATOR_SUBJECT, ["admin"])]
    for subject, roles in wanted:
        if subject not in by_subject:
            token = secrets.token_urlsafe(32)
            raw[token] = {"subject": subject, "roles": roles}
            by_subject[subject] = token
            changed = True
    if changed:
        write_private(path, yaml.safe_dump(raw, sort_keys=True))
    return by_subject


def client_env(ports: StackPorts, operator_token: str, home: Path) -> dict[str, str]:
    """What a client of the stack (the CLI, the demo) needs to reach every component."""
    env = {
        "LOOM_HOME": str(home),
        "LOOM_SERVICE_TOKEN": operator_token,
        "LOOM_NATS_URL": f"nats://{HOST}:{ports.nats}",
        "LOOM_NATS_MONITOR_URL": f"http://{HOST}:{ports.nats_monitor}",
        "LOOM_TEMPORAL_ADDRESS": f"{HOST}:{ports.temporal}",
        "LOOM_TEMPORAL_NAMESPACE": "default",
    }
    for name in SERVICES:
        env[service_addr_var(name)] = f"{HOST}:{ports.grpc[name]}"
    return env


def workflows_db_url(home: Path) -> str:
    """The journeys/workflows database the local worker uses (the demo applies journeys there)."""
    return f"sqlite+aiosqlite:///{home / 'data' / 'workflows.db'}"


def render_env_file(env: Mapping[str, str]) -> str:
    """``KEY=VALUE`` lines, sorted, loadable by ``set -a; . .loom/env`` and by :func:`read_env_file`."""
    return "".join(f"{key}={value}\n" for key, value in sorted(env.items()))


def read_env_file(path: Path) -> dict[str, str]:
    """Parses an env file written by :func:`render_env_file`; missing file gives an empty mapping."""
    try:
        text = path.read_text()
    except OSError:
        return {}
    env: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        env[key.strip()] = value.strip()
    return env
