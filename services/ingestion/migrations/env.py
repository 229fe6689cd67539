"""Alembic environment of the ingestion service; run it with `python -m services.common.migrate ingestion`."""

from services.common.migrate import run_env
from services.ingestion.tables import metadata

run_env("ingestion", metadata)
