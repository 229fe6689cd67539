"""Alembic environment of the consent service; run it with `python -m services.common.migrate consent`."""

from services.common.migrate import run_env
from services.consent.tables import metadata

run_env("consent", metadata)
