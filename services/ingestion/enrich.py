"""Server-side enrichment: receive time, clock-skew correction and IP truncation.

This runs for every event on the hot path, so it works on integer nanoseconds and splits IPv4 strings by
hand instead of building datetime and ipaddress objects.
"""

from __future__ import annotations

import ipaddress

from loom.ingestion.v1 import ingestion_pb2 as pb

# A client clock more than this far off is corrected; smaller differences are network noise.
SKEW_TOLERANCE_NS = 2_000_000_000


def truncate_ip(ip: str) -> str:
    """Keeps the network part only: /24 for IPv4, /48 for IPv6; garbage becomes empty."""
    parts = ip.split(".")
    if len(parts) == 4:
        if all(p.isdigit() and len(p) <= 3 and int(p) <= 255 for p in parts):
            return f"{int(parts[0])}.{int(parts[1])}.{int(parts[2])}.0"
        return ""
    try:
        addr = ipaddress.IPv6Address(ip)
    except ValueError:
        return ""
    return str(ipaddress.IPv6Network(f"{addr}/48", strict=False).network_address)


def enrich(event: pb.Event, received_at_ns: int, source_id: str) -> None:
    """Sets received_at and source, corrects the timestamp for client clock skew, truncates the IP.

    The corrected time is ``timestamp + (received_at - sent_at)``: the offset between the client's clock
    and ours at send time applies equally to when the event happened. The client's own value is kept in
    ``original_timestamp``.
    """
    event.received_at.FromNanoseconds(received_at_ns)
    event.source_id = source_id
    if not event.HasField("timestamp"):
        event.timestamp.FromNanoseconds(received_at_ns)
    if event.HasField("sent_at"):
        skew = received_at_ns - event.sent_at.ToNanoseconds()
        if abs(skew) > SKEW_TOLERANCE_NS:
            event.original_timestamp.CopyFrom(event.timestamp)
            event.timestamp.FromNanoseconds(event.timestamp.ToNanoseconds() + skew)
    if event.context.ip:
        event.context.ip = truncate_ip(event.context.ip)
