"""Alembic environment of the journeys package; applied by `workflows.journeys.registry.migrate_journeys`."""

from services.common.migrate import run_env
from workflows.journeys.tables import metadata

run_env("journeys", metadata)
