"""``python -m services.identity``"""

from services.common.server import run
from services.identity.app import IdentityConfig, build

run(IdentityConfig, build, "identity")
