"""``python -m services.prediction``"""

from services.common.server import run
from services.prediction.app import PredictionConfig, build

run(PredictionConfig, build, "prediction")
