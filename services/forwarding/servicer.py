"""gRPC adapter of the forwarding service."""

from __future__ import annotations

import grpc

from loom.common.v1 import common_pb2
from loom.forwarding.v1 import forwarding_pb2 as pb
from loom.forwarding.v1 import forwarding_pb2_grpc as pb_grpc
from services.common.auth import ADMIN, ANALYST, OPERATOR, SERVICE, MethodPolicy
from services.common.errors import Violations
from services.forwarding import convert
from services.forwarding.deadletters import DeadLetterBox
from services.forwarding.destinations import compile_destination
from services.forwarding.ledger import DeliveryLedger
from services.forwarding.messages import MessageDesk
from services.forwarding.probe import test_destination
from services.forwarding.registry import WorkerRegistry
from services.forwarding.rules import RulesStore
from services.forwarding.store import DestinationStore, now_utc

FULL_NAME = pb.DESCRIPTOR.services_by_name["ForwardingService"].full_name
READERS = frozenset({SERVICE, OPERATOR, ANALYST, ADMIN})
OPERATORS = frozenset({OPERATOR, ADMIN})
POLICY = MethodPolicy(FULL_NAME, roles={
    "GetDestination": READERS, "ListDestinations": READERS, "GetDeliveryStatus": READERS,
    "ListDeliveries": READERS, "ListDeadLetters": READERS, "GetDeliveryRules": READERS,
    "PutDestination": OPERATORS, "DeleteDestination": OPERATORS, "PauseDestination": OPERATORS,
    "ResumeDestination": OPERATORS, "ReplayDeadLetters": OPERATORS, "DiscardDeadLetters": OPERATORS,
    "PutDeliveryRules": OPERATORS, "TestDestination": OPERATORS,
    "ExportPerson": frozenset({SERVICE, ADMIN}), "ErasePerson": frozenset({SERVICE, ADMIN}),
})


def _required_id(value: str, field: str = "destination_id") -> None:
    v = Violations()
    v.require(value, field)
    v.raise_if_any()


def _profile_ids(subject: common_pb2.DataSubjectRef) -> list[str]:
    # Deliveries are keyed by the event's user or anonymous id, messages by profile id: match all three.
    ids = [i.value for i in subject.identifiers if i.type in ("profile_id", "user_id", "anonymous_id") and i.value]
    v = Violations()
    if not ids:
        v.add("subject.identifiers", "name at least one identifier of type profile_id, user_id or anonymous_id")
    v.raise_if_any()
    return ids


class ForwardingServicer(pb_grpc.ForwardingServiceServicer):
    """Destinations, journey sends, delivery status, dead letters and delivery rules."""

    def __init__(self, store: DestinationStore, registry: WorkerRegistry, desk: MessageDesk, ledger: DeliveryLedger,
                 box: DeadLetterBox, rules: RulesStore) -> None:
        self.store, self.registry, self.desk = store, registry, desk
        self.ledger, self.box, self.rules = ledger, box, rules

    async def PutDestination(self, request: pb.PutDestinationRequest, context: grpc.aio.ServicerContext
                             ) -> pb.PutDestinationResponse:
        compiled = compile_destination(request.destination, now_utc())
        stored, created_at = await self.store.put(compiled.proto)
        await self.registry.apply(stored, created_at)
        return pb.PutDestinationResponse(destination=stored)

    async def GetDestination(self, request: pb.GetDestinationRequest, context: grpc.aio.ServicerContext
                             ) -> pb.GetDestinationResponse:
        _required_id(request.destination_id)
        destination, _ = await self.store.get(request.destination_id)
        queued, dead = await self.store.count(request.destination_id)
        return pb.GetDestinationResponse(destination=destination, queued=queued, dead_letters=dead)

    async def ListDestinations(self, request: pb.ListDestinationsRequest, context: grpc.aio.ServicerContext
                               ) -> pb.ListDestinationsResponse:
        offset, size = convert.page(request.page)
        found = [d for d, _ in await self.store.all() if not request.type or d.type == request.type]
        return pb.ListDestinationsResponse(destinations=found[offset:offset + size],
                                           page=convert.page_info(offset, size, len(found)))

    async def DeleteDestination(self, request: pb.DeleteDestinationRequest, context: grpc.aio.ServicerContext
                                ) -> pb.DeleteDestinationResponse:
        _required_id(request.destination_id)
        await self.store.get(request.destination_id)
        await self.registry.remove(request.destination_id)
        moved = await self.store.delete(request.destination_id)
        return pb.DeleteDestinationResponse(dead_lettered=moved)

    async def PauseDestination(self, request: pb.PauseDestinationRequest, context: grpc.aio.ServicerContext
                               ) -> pb.PauseDestinationResponse:
        _required_id(request.destination_id)
        stored = await self.store.set_state(request.destination_id, pb.DESTINATION_STATE_PAUSED, request.reason)
        await self.registry.apply(stored, (await self.store.get(request.destination_id))[1])
        return pb.PauseDestinationResponse(destination=stored)

    async def ResumeDestination(self, request: pb.ResumeDestinationRequest, context: grpc.aio.ServicerContext
                                ) -> pb.ResumeDestinationResponse:
        _required_id(request.destination_id)
        stored = await self.store.set_state(request.destination_id, pb.DESTINATION_STATE_ACTIVE, "")
        await self.registry.apply(stored, (await self.store.get(request.destination_id))[1])
        return pb.ResumeDestinationResponse(destination=stored)

    async def SendMessage(self, request: pb.SendMessageRequest, context: grpc.aio.ServicerContext
                          ) -> pb.SendMessageResponse:
        admission = await self.desk.send(request)
        response = pb.SendMessageResponse(delivery_id=admission.delivery_id, status=admission.status,
                                          reason=admission.reason, duplicate=admission.duplicate)
        if admission.deferred_until is not None:
            response.deferred_until.FromDatetime(admission.deferred_until)
        return response

    async def GetDeliveryStatus(self, request: pb.GetDeliveryStatusRequest, context: grpc.aio.ServicerContext
                                ) -> pb.GetDeliveryStatusResponse:
        v = Violations()
        if not (request.delivery_id or request.idempotency_key):
            v.add("key", "set delivery_id or idempotency_key")
        v.raise_if_any()
        row = await self.ledger.get(request.delivery_id, request.idempotency_key)
        return pb.GetDeliveryStatusResponse(delivery=convert.delivery(row))

    async def ListDeliveries(self, request: pb.ListDeliveriesRequest, context: grpc.aio.ServicerContext
                             ) -> pb.ListDeliveriesResponse:
        offset, size = convert.page(request.page)
        rows, total = await self.ledger.search(request, offset, size)
        return pb.ListDeliveriesResponse(deliveries=[convert.delivery(r) for r in rows],
                                         page=convert.page_info(offset, size, total))

    async def ListDeadLetters(self, request: pb.ListDeadLettersRequest, context: grpc.aio.ServicerContext
                              ) -> pb.ListDeadLettersResponse:
        offset, size = convert.page(request.page)
        rows, total = await self.box.search(request.filter, offset, size)
        return pb.ListDeadLettersResponse(dead_letters=[convert.dead_letter(d, r) for d, r in rows],
                                          page=convert.page_info(offset, size, total))

    async def ReplayDeadLetters(self, request: pb.ReplayDeadLettersRequest, context: grpc.aio.ServicerContext
                                ) -> pb.ReplayDeadLettersResponse:
        replayed, skipped, touched = await self.box.replay(request.filter, request.replay_id)
        for destination_id in touched:
            self.registry.wake(destination_id)
        return pb.ReplayDeadLettersResponse(replayed_count=replayed, skipped_count=skipped)

    async def DiscardDeadLetters(self, request: pb.DiscardDeadLettersRequest, context: grpc.aio.ServicerContext
                                 ) -> pb.DiscardDeadLettersResponse:
        return pb.DiscardDeadLettersResponse(discarded_count=await self.box.discard(request.filter))

    async def PutDeliveryRules(self, request: pb.PutDeliveryRulesRequest, context: grpc.aio.ServicerContext
                               ) -> pb.PutDeliveryRulesResponse:
        return pb.PutDeliveryRulesResponse(rules=await self.rules.put(request.rules))

    async def GetDeliveryRules(self, request: pb.GetDeliveryRulesRequest, context: grpc.aio.ServicerContext
                               ) -> pb.GetDeliveryRulesResponse:
        return pb.GetDeliveryRulesResponse(rules=await self.rules.get(request.market))

    async def TestDestination(self, request: pb.TestDestinationRequest, context: grpc.aio.ServicerContext
                              ) -> pb.TestDestinationResponse:
        if request.WhichOneof("target") == "destination_id":
            destination, _ = await self.store.get(request.destination_id)
        else:
            destination = request.destination
        return await test_destination(destination, request.event, request.send)

    async def ExportPerson(self, request: pb.ExportPersonRequest, context: grpc.aio.ServicerContext
                           ) -> pb.ExportPersonResponse:
        rows, letters = await self.ledger.person(_profile_ids(request.subject))
        return pb.ExportPersonResponse(deliveries=[convert.delivery(r) for r in rows],
                                       dead_letters=[convert.dead_letter(d, r) for d, r in letters])

    async def ErasePerson(self, request: pb.ErasePersonRequest, context: grpc.aio.ServicerContext
                          ) -> pb.ErasePersonResponse:
        found, erased = await self.ledger.erase(_profile_ids(request.subject), request.subject.dry_run)
        receipt = common_pb2.StoreReceipt(store="forwarding.deliveries", items_found=found, items_erased=erased,
                                          detail="deliveries, dead letters and frequency-cap history")
        receipt.completed_at.FromDatetime(now_utc())
        return pb.ErasePersonResponse(receipts=[receipt])
