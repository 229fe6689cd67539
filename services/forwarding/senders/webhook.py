"""HTTP senders: JSON webhooks (HMAC-signed, batched) and push gateways, over one pooled httpx client each."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Sequence
from typing import Any

import httpx

from loom.forwarding.v1 import forwarding_pb2 as pb
from services.forwarding.senders import Outbound, SendResult, secret

SIGNATURE_HEADER = "X-Loom-Signature"
TIMESTAMP_HEADER = "X-Loom-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"
DEFAULT_TIMEOUT_S = 10.0
ERROR_BODY_CHARS = 500


def sign(key: bytes, timestamp: str, body: bytes) -> str:
    """The signature header value: ``sha256=<hex HMAC of "<timestamp>.<body>">`` so a receiver can check both
    origin and freshness."""
    return "sha256=" + hmac.new(key, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def batch_key(items: Sequence[Outbound]) -> str:
    """Idempotency key of a batch: the same deliveries in the same order always give the same key."""
    if len(items) == 1:
        return items[0].idempotency_key
    return hashlib.sha256("\x1f".join(i.idempotency_key for i in items).encode()).hexdigest()[:40]


class HttpSender:
    """POSTs JSON to a URL. One item goes as its payload; several go as ``{"deliveries": [{"idempotency_key",
    "payload"}...]}``. Every request carries ``Idempotency-Key`` and, with a signing secret, an HMAC signature."""

    def __init__(self, url: str, *, method: str = "POST", headers: dict[str, str] | None = None,
                 signing_key: str = "", timeout: float = DEFAULT_TIMEOUT_S, max_batch: int = 1,
                 max_in_flight: int = 8) -> None:
        self.url = url
        self.method = method or "POST"
        self.headers = {"Content-Type": "application/json", **(headers or {})}
        self.signing_key = signing_key.encode()
        self.max_batch = max(1, max_batch)
        self.timeout = timeout
        limits = httpx.Limits(max_connections=max_in_flight, max_keepalive_connections=max_in_flight)
        self.client = httpx.AsyncClient(timeout=timeout, limits=limits)

    def body(self, items: Sequence[Outbound]) -> Any:
        """The JSON document sent for a batch."""
        if len(items) == 1 and self.max_batch == 1:
            return items[0].payload
        return {"deliveries": [{"idempotency_key": i.idempotency_key, "payload": i.payload} for i in items]}

    async def send(self, items: Sequence[Outbound]) -> SendResult:
        """Sends the batch in one request; timeouts and connection errors are code 0 (retryable)."""
        body = json.dumps(self.body(items), separators=(",", ":"), default=str).encode()
        headers = {**self.headers, IDEMPOTENCY_HEADER: batch_key(items)}
        if self.signing_key:
            stamp = str(int(time.time()))
            headers[TIMESTAMP_HEADER] = stamp
            headers[SIGNATURE_HEADER] = sign(self.signing_key, stamp, body)
        try:
            response = await self.client.request(self.method, self.url, content=body, headers=headers)
        except httpx.TimeoutException:
            return SendResult(False, 0, f"no response from {self.url} within the timeout")
        except httpx.HTTPError as exc:
            return SendResult(False, 0, f"request to {self.url} failed: {exc!r}")
        if 200 <= response.status_code < 300:
            return SendResult(True, response.status_code)
        return SendResult(False, response.status_code,
                          f"HTTP {response.status_code}: {response.text[:ERROR_BODY_CHARS]}")

    async def close(self) -> None:
        """Closes the connection pool."""
        await self.client.aclose()


class PushSender(HttpSender):
    """Sends push notifications through an HTTP push gateway: ``{"notifications": [{"idempotency_key", "to",
    "title", "body", "data"}]}`` with the gateway's API key as a bearer token."""

    def body(self, items: Sequence[Outbound]) -> Any:
        """The gateway's request document."""
        notes = []
        for item in items:
            p = item.payload
            notes.append({"idempotency_key": item.idempotency_key, "to": p.get("to") or p.get("address", ""),
                          "title": p.get("title") or p.get("subject", ""), "body": p.get("body", ""),
                          "data": p.get("data", {})})
        return {"notifications": notes}


def webhook_sender(config: pb.WebhookConfig, batching: pb.Batching, rate: pb.RateLimit) -> HttpSender:
    """The sender of a webhook destination."""
    timeout = config.timeout.ToTimedelta().total_seconds() or DEFAULT_TIMEOUT_S
    return HttpSender(config.url, method=config.method, headers=dict(config.headers),
                      signing_key=secret(config.signing_secret_ref), timeout=timeout,
                      max_batch=batching.max_items, max_in_flight=rate.max_in_flight or 8)


def push_sender(config: pb.PushGatewayConfig, batching: pb.Batching, rate: pb.RateLimit) -> PushSender:
    """The sender of a push gateway destination."""
    key = secret(config.api_key_secret_ref)
    timeout = config.timeout.ToTimedelta().total_seconds() or DEFAULT_TIMEOUT_S
    return PushSender(config.url, headers={"Authorization": f"Bearer {key}"} if key else {}, timeout=timeout,
                      max_batch=batching.max_items, max_in_flight=rate.max_in_flight or 8)
