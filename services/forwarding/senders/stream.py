"""Event stream sink: payloads published to a subject of a partner's NATS JetStream.

Every message carries ``Nats-Msg-Id`` = the delivery's idempotency key, so a redelivery inside the partner
stream's duplicate window is stored once; a publish counts as delivered only when JetStream acknowledged it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import nats
import nats.errors
import nats.js.errors
from nats.aio.client import Client as NatsClient

from loom.forwarding.v1 import forwarding_pb2 as pb
from services.common.bus import subject_token
from services.forwarding.senders import Outbound, SendResult


class StreamSender:
    """Publishes each payload as JSON to ``subject`` ({event} and {market} filled from the payload)."""

    def __init__(self, url: str, subject: str, *, timeout: float = 5.0, max_batch: int = 100) -> None:
        self.url = url
        self.subject = subject
        self.timeout = timeout
        self.max_batch = max(1, max_batch)
        self._nc: NatsClient | None = None

    def subject_for(self, payload: dict[str, object]) -> str:
        """The subject of one payload."""
        return (self.subject.replace("{event}", subject_token(str(payload.get("event") or payload.get("type", ""))))
                .replace("{market}", subject_token(str(payload.get("market", "")))))

    async def _client(self) -> NatsClient:
        if self._nc is None or self._nc.is_closed:
            self._nc = await nats.connect(self.url, connect_timeout=int(self.timeout), max_reconnect_attempts=-1,
                                          allow_reconnect=True)
        return self._nc

    async def send(self, items: Sequence[Outbound]) -> SendResult:
        """Publishes the batch and waits for every acknowledgement."""
        try:
            js = (await self._client()).jetstream(timeout=self.timeout)
            for item in items:
                await js.publish(self.subject_for(item.payload), json.dumps(item.payload, default=str).encode(),
                                 headers={"Nats-Msg-Id": item.idempotency_key})
        except nats.js.errors.NoStreamResponseError:
            return SendResult(False, 404, f"no stream at {self.url} stores subject {self.subject}")
        except nats.js.errors.APIError as exc:
            return SendResult(False, 0 if exc.code in (None, 503) else 400, f"publish refused: {exc}")
        except (nats.errors.Error, OSError, TimeoutError) as exc:
            return SendResult(False, 0, f"cannot publish to {self.url}: {exc!r}")
        return SendResult(True, 200)

    async def close(self) -> None:
        """Closes the connection."""
        if self._nc is not None and not self._nc.is_closed:
            await self._nc.close()


def stream_sender(config: pb.EventStreamConfig, batching: pb.Batching) -> StreamSender:
    """The sender of an event stream destination."""
    return StreamSender(config.url, config.subject, max_batch=batching.max_items or 100)
