"""``python -m services.creative``"""

from services.common.server import run
from services.creative.app import CreativeConfig, build

run(CreativeConfig, build, "creative")
