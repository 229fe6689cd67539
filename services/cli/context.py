"""Where the CLI finds the stack: ``$LOOM_HOME/env`` written by the local stack, overridden by LOOM_* env."""

from __future__ import annotations

import os
from pathlib import Path

from infra.local.config import read_env_file


def loom_home() -> Path:
    """The local state directory (LOOM_HOME, default ``.loom``)."""
    return Path(os.environ.get("LOOM_HOME", ".loom"))


def client_env(home: Path | None = None) -> dict[str, str]:
    """LOOM_* settings for reaching the stack: the env file first, then the process environment on top."""
    env = read_env_file((home or loom_home()) / "env")
    env.update({k: v for k, v in os.environ.items() if k.startswith("LOOM_")})
    return env
