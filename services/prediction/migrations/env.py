"""Alembic environment of the prediction service; run it with `python -m services.common.migrate prediction`."""

from services.common.migrate import run_env
from services.prediction.tables import metadata

run_env("prediction", metadata)
