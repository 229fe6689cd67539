"""Where the CLI finds the stack: ``$LOOM_HOME/env`` written by the local stack, overridden by LOOM_* env."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import grpc
import typer

from infra.local.config import read_env_file
from services.common.client import channel
from services.common.errors import field_violations

T = TypeVar("T")


def loom_home() -> Path:
    """The local state directory (LOOM_HOME, default ``.loom``)."""
    return Path(os.environ.get("LOOM_HOME", ".loom"))


def client_env(home: Path | None = None) -> dict[str, str]:
    """LOOM_* settings for reaching the stack: the env file first, then the process environment on top."""
    env = read_env_file((home or loom_home()) / "env")
    env.update({k: v for k, v in os.environ.items() if k.startswith("LOOM_")})
    return env


def call_service(stub_class: Callable[[grpc.aio.Channel], Any], service: str, default_addr: str,
                 action: Callable[[Any], Awaitable[T]], addr: str | None = None, token: str | None = None,
                 *, name_in_errors: bool = False) -> T:
    """Runs ``action`` with a stub of one service; a failed call prints its reasons and exits 1.

    The address is ``addr``, else ``LOOM_<SERVICE>_ADDR`` from :func:`client_env`, else ``default_addr``; the
    token is ``token``, else ``LOOM_SERVICE_TOKEN``.
    """
    env = client_env()
    address = addr or env.get(f"LOOM_{service.upper()}_ADDR", default_addr)
    secret = token if token is not None else env.get("LOOM_SERVICE_TOKEN", "")

    async def run() -> T:
        async with channel(address, secret) as ch:
            return await action(stub_class(ch))

    try:
        return asyncio.run(run())
    except grpc.aio.AioRpcError as exc:
        where = f"{service} at {address}: " if name_in_errors else ""
        typer.secho(f"{where}{exc.code().name}: {exc.details()}", err=True, fg=typer.colors.RED)
        for violation in field_violations(exc):
            typer.secho(f"  {violation.field}: {violation.description}", err=True)
        raise typer.Exit(code=1) from None
