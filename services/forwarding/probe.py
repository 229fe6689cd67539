"""TestDestination: a dry run of a destination's filter and mapping on one sample event, optionally sent."""

from __future__ import annotations

from loom.forwarding.v1 import forwarding_pb2 as pb
from loom.ingestion.v1 import ingestion_pb2 as ingestion_pb
from services.common.errors import InvalidArgument
from services.forwarding import convert
from services.forwarding.destinations import compile_destination
from services.forwarding.mapping import event_document
from services.forwarding.senders import Outbound
from services.forwarding.store import now_utc


async def test_destination(destination: pb.Destination, event: ingestion_pb.Event, send: bool
                           ) -> pb.TestDestinationResponse:
    """Runs the event through the destination; config problems are reported, not raised."""
    try:
        compiled = compile_destination(destination, now_utc())
    except InvalidArgument as exc:
        return pb.TestDestinationResponse(problems=[f"{v.field}: {v.description}" for v in exc.violations])
    document = event_document(event)
    passed = compiled.mapping.accepts(document)
    payload = compiled.mapping.apply(document)
    response = pb.TestDestinationResponse(passed_filter=passed, payload=convert.struct(payload),
                                          problems=compiled.mapping.missing_sources(document))
    if send and passed:
        sender = compiled.sender()
        try:
            key = f"test:{destination.destination_id}:{event.message_id}"
            result = await sender.send([Outbound(key, document["profile_key"], payload)])
        finally:
            await sender.close()
        response.response_code = result.code
        response.send_error = result.error
    return response
