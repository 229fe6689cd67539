"""``python -m services.forwarding``"""

from services.common.server import run
from services.forwarding.app import ForwardingConfig, build

run(ForwardingConfig, build, "forwarding")
