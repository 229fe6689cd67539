"""Alembic environment of the creative service; run it with `python -m services.common.migrate creative`."""

from services.common.migrate import run_env
from services.creative.tables import metadata

run_env("creative", metadata)
