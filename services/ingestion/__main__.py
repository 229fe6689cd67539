"""``python -m services.ingestion``"""

from services.common.server import run
from services.ingestion.app import IngestionConfig, build

run(IngestionConfig, build, "ingestion")
