"""Typed configuration read from the environment, failing fast with every problem listed at once.

A service declares a frozen dataclass whose fields are its settings; `load_config` fills it from
``LOOM_<FIELD_NAME>`` variables. Types are enforced, so a typo in a port number stops the process at
start-up with a message naming the variable, instead of failing later in a code path nobody tested.
"""

from __future__ import annotations

import dataclasses
import os
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

PREFIX = "LOOM_"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}

C = TypeVar("C")


class ConfigError(Exception):
    """Raised when the environment does not describe a valid configuration."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid configuration:\n  - " + "\n  - ".join(problems))


def env_name(field_name: str) -> str:
    """The environment variable that sets a config field."""
    return PREFIX + field_name.upper()


def _parse(raw: str, typ: Any) -> Any:
    origin = typing.get_origin(typ)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(typ) if a is not type(None)]
        return None if raw == "" else _parse(raw, inner[0])
    if origin in (list, tuple):
        (item,) = typing.get_args(typ)[:1]
        items = [_parse(part.strip(), item) for part in raw.split(",") if part.strip()]
        return items if origin is list else tuple(items)
    if typ is bool:
        low = raw.strip().lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise ValueError(f"expected a boolean (true/false), got {raw!r}")
    if typ is int:
        return int(raw)
    if typ is float:
        return float(raw)
    if typ is Path:
        return Path(raw)
    if typ is str:
        return raw
    raise TypeError(f"unsupported config type {typ!r}")


def load_config(cls: type[C], env: Mapping[str, str] | None = None) -> C:
    """Builds ``cls`` from ``LOOM_*`` variables; raises ConfigError listing every bad or missing value."""
    env = os.environ if env is None else env
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    problems: list[str] = []
    for field in dataclasses.fields(cls):  # type: ignore[arg-type]  # cls is a dataclass by contract
        name = env_name(field.name)
        required = field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING
        if name not in env:
            if required:
                problems.append(f"{name} is required ({field.metadata.get('help', field.name)})")
            continue
        try:
            value = _parse(env[name], hints[field.name])
        except (ValueError, TypeError) as exc:
            problems.append(f"{name}={env[name]!r} is not a valid {hints[field.name]}: {exc}")
            continue
        check = field.metadata.get("check")
        if check is not None:
            message = check(value)
            if message:
                problems.append(f"{name}={env[name]!r}: {message}")
                continue
        values[field.name] = value
    if problems:
        raise ConfigError(problems)
    return cls(**values)


def port_check(value: int) -> str | None:
    """Field check: a TCP port number (0 asks the OS for a free one)."""
    return None if 0 <= value <= 65535 else "must be a port number between 0 and 65535"


def positive(value: float) -> str | None:
    """Field check: strictly positive."""
    return None if value > 0 else "must be greater than 0"


def setting(default: Any = dataclasses.MISSING, *, help: str = "", check: Any = None) -> Any:
    """Declares a config field with a help text and an optional check returning an error message."""
    metadata = {"help": help, "check": check}
    if isinstance(default, list | dict):
        return dataclasses.field(default_factory=lambda: type(default)(default), metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


@dataclasses.dataclass(frozen=True, kw_only=True)
class RuntimeConfig:
    """Settings every Loom service shares. Services subclass it to add their own."""

    grpc_port: int = setting(50050, help="port the gRPC server listens on", check=port_check)
    grpc_host: str = setting("0.0.0.0", help="address the gRPC server binds")
    metrics_port: int = setting(9100, help="port of the Prometheus /metrics endpoint", check=port_check)
    log_level: str = setting("INFO", help="log level")
    auth_tokens_file: Path | None = setting(None, help="YAML file of service tokens and their roles")
    auth_disabled: bool = setting(False, help="accept unauthenticated calls (local experiments only)")
    service_token: str = setting("", help="token this process sends when it calls other services")
    max_message_bytes: int = setting(4 * 1024 * 1024, help="largest gRPC message accepted", check=positive)
    default_deadline_s: float = setting(30.0, help="deadline for calls that carry none", check=positive)
    consent_deadline_s: float = setting(1.0, check=positive, help="how long a consent check may take before it "
                                        "counts as a refusal (fail closed); cached answers do not wait")
    drain_grace_s: float = setting(10.0, help="seconds in-flight calls get after SIGTERM", check=positive)
    drain_delay_s: float = setting(2.0, help="seconds NOT_SERVING is shown before new calls are refused")
    otel_exporter: str = setting("none", help="trace exporter: none, console or memory")
    home: Path = setting(Path(".loom"), help="local state directory")


def _database_url_problem(value: str) -> str | None:
    # Imported here: storage pulls in SQLAlchemy, which plain config users need not load.
    from services.common.storage import check_database_url

    return check_database_url(value)


def database_setting(default: str) -> Any:
    """A ``db_url`` field whose URL is checked when the config loads."""
    return setting(default, help="SQLAlchemy database URL", check=_database_url_problem)


@dataclasses.dataclass(frozen=True, kw_only=True)
class DataServiceConfig(RuntimeConfig):
    """Settings of a service that owns a database and uses the event bus."""

    db_url: str = database_setting("sqlite+aiosqlite:///.loom/data/loom.db")
    nats_url: str = setting("nats://127.0.0.1:4222", help="NATS server URL")
    bus_prefix: str = setting("", help="prefix of every stream and subject (isolates tenants and tests)")
