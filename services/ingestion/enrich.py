"""Server-side enrichment: receive time, clock-skew correction and IP truncation."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta

from loom.ingestion.v1 import ingestion_pb2 as pb

# A client clock more than this far off is corrected; smaller differences are network noise.
SKEW_TOLERANCE = timedelta(seconds=2)


def truncate_ip(ip: str) -> str:
    """Keeps the network part only: /24 for IPv4, /48 for IPv6; garbage becomes empty."""
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return ""
    prefix = 24 if addr.version == 4 else 48
    return str(ipaddress.ip_network(f"{addr}/{prefix}", strict=False).network_address)


def enrich(event: pb.Event, received_at: datetime, source_id: str) -> None:
    """Sets received_at and source, corrects the timestamp for client clock skew, truncates the IP.

    The corrected time is ``timestamp + (received_at - sent_at)``: the offset between the client's clock
    and ours at send time applies equally to when the event happened. The client's own value is kept in
    ``original_timestamp``.
    """
    event.received_at.FromDatetime(received_at)
    event.source_id = source_id
    if not event.HasField("timestamp"):
        event.timestamp.FromDatetime(received_at)
    if event.HasField("sent_at"):
        skew = received_at - event.sent_at.ToDatetime(tzinfo=UTC)
        if abs(skew) > SKEW_TOLERANCE:
            event.original_timestamp.CopyFrom(event.timestamp)
            event.timestamp.FromDatetime(event.timestamp.ToDatetime(tzinfo=UTC) + skew)
    if event.context.ip:
        event.context.ip = truncate_ip(event.context.ip)
