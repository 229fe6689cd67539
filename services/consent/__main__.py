"""``python -m services.consent``"""

from services.common.server import run
from services.consent.app import ConsentConfig, build

run(ConsentConfig, build, "consent")
