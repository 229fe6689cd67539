"""Alembic environment of the identity service; run it with `python -m services.common.migrate identity`."""

from services.common.migrate import run_env
from services.identity.tables import metadata

run_env("identity", metadata)
