"""Errors of the event bus, shared by the publisher and the consumers."""

from __future__ import annotations

from collections.abc import Sequence

import nats.errors
import nats.js.errors
from nats.js.api import PubAck

# Failures that mean "the bus cannot take this right now": the caller may retry later with the same msg_id.
_UNAVAILABLE: tuple[type[BaseException], ...] = (
    nats.errors.TimeoutError, nats.errors.NoRespondersError, nats.js.errors.NoStreamResponseError,
    nats.js.errors.ServiceUnavailableError, nats.js.errors.TooManyStalledMsgsError, nats.errors.ConnectionClosedError,
    nats.errors.ConnectionReconnectingError, nats.errors.ConnectionDrainingError, nats.errors.OutboundBufferLimitError,
    nats.errors.StaleConnectionError, nats.errors.UnexpectedEOF, TimeoutError, ConnectionError,
)


class BusError(Exception):
    """The bus refused an operation (bad configuration, a stream conflict)."""


class BusUnavailable(BusError):
    """The bus cannot be reached or did not confirm in time; retrying later with the same msg_id is safe."""

    def __init__(self, message: str, acks: Sequence[PubAck | None] = ()) -> None:
        super().__init__(message)
        # For publish_many: the acks that did arrive, None where a publish was not confirmed.
        self.acks = list(acks)
