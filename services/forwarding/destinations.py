"""Destination configuration: validation with field violations, and the compiled form a worker runs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlparse

from loom.forwarding.v1 import forwarding_pb2 as pb
from services.common.errors import Violations
from services.forwarding.mapping import CompiledMapping, compile_mapping
from services.forwarding.policy import RetrySchedule
from services.forwarding.senders import Sender, missing_secret
from services.forwarding.senders.audience import SUPPORTED_IDENTIFIERS, audience_sender
from services.forwarding.senders.smtp import smtp_sender
from services.forwarding.senders.stream import stream_sender
from services.forwarding.senders.webhook import push_sender, webhook_sender

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
TYPE_OF_CONFIG = {
    "webhook": pb.DESTINATION_TYPE_WEBHOOK,
    "email_smtp": pb.DESTINATION_TYPE_EMAIL_SMTP,
    "push_gateway": pb.DESTINATION_TYPE_PUSH_GATEWAY,
    "audience_sync": pb.DESTINATION_TYPE_AUDIENCE_SYNC,
    "event_stream": pb.DESTINATION_TYPE_EVENT_STREAM,
}
MAX_BATCH_ITEMS = 5000


def _check_url(url: str, field: str, schemes: tuple[str, ...], v: Violations) -> None:
    if not url:
        v.add(field, "is required")
        return
    parsed = urlparse(url)
    if parsed.scheme not in schemes or not parsed.netloc:
        v.add(field, f"{url!r} is not a {' or '.join(schemes)} URL with a host")


def _check_config(d: pb.Destination, kind: str, v: Violations) -> None:
    path = f"destination.{kind}"
    if kind in ("webhook", "push_gateway"):
        config = getattr(d, kind)
        _check_url(config.url, f"{path}.url", ("http", "https"), v)
        ref = config.signing_secret_ref if kind == "webhook" else config.api_key_secret_ref
        ref_field = "signing_secret_ref" if kind == "webhook" else "api_key_secret_ref"
        if (problem := missing_secret(ref)) is not None:
            v.add(f"{path}.{ref_field}", problem)
        if kind == "webhook" and d.webhook.method.upper() not in ("", "POST", "PUT", "PATCH"):
            v.add(f"{path}.method", f"{d.webhook.method!r} is not POST, PUT or PATCH")
    elif kind == "email_smtp":
        smtp = d.email_smtp
        v.require(smtp.host, f"{path}.host")
        if not 0 <= smtp.port <= 65535:
            v.add(f"{path}.port", f"{smtp.port} is not a TCP port")
        if "@" not in smtp.from_address:
            v.add(f"{path}.from_address", "must be an email address")
        if (problem := missing_secret(smtp.password_secret_ref)) is not None:
            v.add(f"{path}.password_secret_ref", problem)
    elif kind == "audience_sync":
        sync = d.audience_sync
        _check_url(sync.url, f"{path}.url", ("http", "https"), v)
        v.require(sync.account_id, f"{path}.account_id")
        for i, kind_name in enumerate(sync.identifier_types):
            if kind_name not in SUPPORTED_IDENTIFIERS:
                v.add(f"{path}.identifier_types[{i}]",
                      f"{kind_name!r} is not one of {', '.join(SUPPORTED_IDENTIFIERS)}")
        if (problem := missing_secret(sync.credentials_secret_ref)) is not None:
            v.add(f"{path}.credentials_secret_ref", problem)
    elif kind == "event_stream":
        stream = d.event_stream
        _check_url(stream.url, f"{path}.url", ("nats", "tls"), v)
        if not stream.subject or " " in stream.subject or stream.subject.endswith("."):
            v.add(f"{path}.subject", "must be a NATS subject such as partner.events.{event}")


def _check_policies(d: pb.Destination, v: Violations) -> None:
    if d.retry.max_attempts < 0:
        v.add("destination.retry.max_attempts", "must not be negative")
    if d.retry.backoff_multiplier and d.retry.backoff_multiplier < 1:
        v.add("destination.retry.backoff_multiplier", "must be at least 1")
    for name in ("max_window", "initial_backoff", "max_backoff"):
        if getattr(d.retry, name).ToTimedelta().total_seconds() < 0:
            v.add(f"destination.retry.{name}", "must not be negative")
    if d.rate_limit.per_second < 0:
        v.add("destination.rate_limit.per_second", "must not be negative")
    if d.rate_limit.burst < 0 or d.rate_limit.max_in_flight < 0:
        v.add("destination.rate_limit", "burst and max_in_flight must not be negative")
    if not 0 <= d.batching.max_items <= MAX_BATCH_ITEMS:
        v.add("destination.batching.max_items", f"must be between 0 and {MAX_BATCH_ITEMS}")
    if d.batching.max_bytes < 0:
        v.add("destination.batching.max_bytes", "must not be negative")


@dataclass(frozen=True)
class CompiledDestination:
    """A validated destination: its proto, mapping and retry schedule, ready for a worker."""

    proto: pb.Destination
    mapping: CompiledMapping
    retry: RetrySchedule
    created_at: datetime

    @property
    def destination_id(self) -> str:
        """The destination id."""
        return self.proto.destination_id

    @property
    def paused(self) -> bool:
        """Whether an operator paused it."""
        return self.proto.state == pb.DESTINATION_STATE_PAUSED

    def sender(self) -> Sender:
        """A new sender for its type (one per worker; it owns the connections)."""
        d = self.proto
        kind = d.WhichOneof("config")
        if kind == "webhook":
            return webhook_sender(d.webhook, d.batching, d.rate_limit)
        if kind == "push_gateway":
            return push_sender(d.push_gateway, d.batching, d.rate_limit)
        if kind == "email_smtp":
            return smtp_sender(d.email_smtp)
        if kind == "audience_sync":
            return audience_sender(d.audience_sync, d.batching, d.rate_limit)
        return stream_sender(d.event_stream, d.batching)


def compile_destination(d: pb.Destination, created_at: datetime) -> CompiledDestination:
    """Validates a destination (every problem at once, as InvalidArgument) and compiles it.

    The type is derived from the config; at least one consent purpose is required so that no destination
    receives personal data without a consent check.
    """
    v = Violations()
    if not _ID.match(d.destination_id):
        v.add("destination.destination_id", "must be 1-63 characters of a-z, 0-9, '_' or '-', starting with a "
              "letter or digit")
    kind = d.WhichOneof("config")
    if kind is None:
        v.add("destination.config", "set exactly one of webhook, email_smtp, push_gateway, audience_sync, "
              "event_stream")
    else:
        _check_config(d, kind, v)
        if d.type not in (pb.DESTINATION_TYPE_UNSPECIFIED, TYPE_OF_CONFIG[kind]):
            v.add("destination.type", f"{pb.DestinationType.Name(d.type)} does not match the {kind} config")
    if not d.required_purposes:
        v.add("destination.required_purposes", "name at least one consent purpose, e.g. \"analytics\"; "
              "forwarding never sends personal data without a consent check")
    for i, purpose in enumerate(d.required_purposes):
        if not purpose.strip():
            v.add(f"destination.required_purposes[{i}]", "must not be empty")
    _check_policies(d, v)
    mapping = compile_mapping(d.mapping, v)
    v.raise_if_any()
    stored = pb.Destination()
    stored.CopyFrom(d)
    if kind is not None:
        stored.type = TYPE_OF_CONFIG[kind]
    return CompiledDestination(stored, mapping, RetrySchedule.from_proto(d.retry), created_at)
