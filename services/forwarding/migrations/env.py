"""Alembic environment of the forwarding service; run it with `python -m services.common.migrate forwarding`."""

from services.common.migrate import run_env
from services.forwarding.tables import metadata

run_env("forwarding", metadata)
