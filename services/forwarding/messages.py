"""Journey messages: SendMessage's checks (idempotency, consent, frequency caps, quiet hours) and queueing.

A message is admitted in one write transaction that first locks the recipient's row, so two journeys
sending to the same person at once are counted against the caps one after the other and can never both
take the last slot. The idempotency key is unique in the delivery log: a retried activity gets the first
delivery back and nothing is sent twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import grpc
from google.protobuf import json_format
from sqlalchemy import and_, func, select, update

from loom.forwarding.v1 import forwarding_pb2 as pb
from loom.identity.v1 import identity_pb2, identity_pb2_grpc
from services.common.client import channel
from services.common.errors import FailedPrecondition, NotFound, Unavailable, Violations
from services.common.storage import Database, insert_ignore
from services.forwarding.consent import ConsentFilter
from services.forwarding.rules import RulesStore, cap_reason, quiet_until, zone
from services.forwarding.store import DestinationStore, new_delivery, now_utc
from services.forwarding.tables import deliveries, recipient_locks

MESSAGE_KEY_PREFIX = "msg:"
# Message statuses that count against frequency caps: everything that was or will be sent.
COUNTED = (pb.DELIVERY_STATUS_QUEUED, pb.DELIVERY_STATUS_DEFERRED, pb.DELIVERY_STATUS_RETRYING,
           pb.DELIVERY_STATUS_DELIVERED)
ADDRESS_TRAIT = {pb.CHANNEL_EMAIL: "email", pb.CHANNEL_PUSH: "push_token", pb.CHANNEL_SMS: "phone"}


class ProfileDirectory(Protocol):
    """Reads a recipient's traits (address, time zone) when the request does not carry them."""

    async def traits(self, profile_id: str) -> dict[str, Any] | None:
        """The profile's traits, or None when there is no such profile."""
        ...


class NoDirectory:
    """No identity service configured: requests must carry address and time zone themselves."""

    async def traits(self, profile_id: str) -> dict[str, Any] | None:
        """Always None."""
        return None


class IdentityDirectory:
    """Traits from the identity service's GetProfile (LOOM_IDENTITY_ADDR)."""

    def __init__(self, address: str, token: str) -> None:
        self.channel = channel(address, token)
        self.stub = identity_pb2_grpc.IdentityServiceStub(self.channel)

    async def traits(self, profile_id: str) -> dict[str, Any] | None:
        """The profile's trait values; None when identity does not know the profile."""
        request = identity_pb2.GetProfileRequest(lookup=identity_pb2.ProfileLookup(profile_id=profile_id))
        try:
            response = await self.stub.GetProfile(request, timeout=5)
        except grpc.aio.AioRpcError as exc:
            if exc.code() == grpc.StatusCode.NOT_FOUND:
                return None
            raise Unavailable(f"identity service could not be asked for profile {profile_id}: {exc.details()}",
                              retry_after_s=1.0) from exc
        return {name: json_format.MessageToDict(t.value) for name, t in response.profile.traits.items()}

    async def close(self) -> None:
        """Closes the channel."""
        await self.channel.close()


@dataclass(frozen=True)
class Admission:
    """What SendMessage answers."""

    delivery_id: str
    status: int
    reason: str = ""
    deferred_until: datetime | None = None
    duplicate: bool = False


def validate_send(request: pb.SendMessageRequest) -> None:
    """Raises InvalidArgument for every missing or malformed field."""
    v = Violations()
    v.require(request.idempotency_key.strip(), "idempotency_key", "is required, e.g. <journey>-<user>-<step>")
    if len(request.idempotency_key) > 200:
        v.add("idempotency_key", "at most 200 characters")
    if request.channel == pb.CHANNEL_UNSPECIFIED or request.channel not in pb.Channel.values():
        v.add("channel", "is required: EMAIL, PUSH, SMS or WEBHOOK")
    v.require(request.profile_id, "profile_id")
    if request.timezone and zone(request.timezone) is None:
        v.add("timezone", f"{request.timezone!r} is not an IANA time zone such as Europe/Stockholm")
    v.raise_if_any()


class MessageDesk:
    """Admits journey messages into the delivery queue."""

    def __init__(self, db: Database, destinations: DestinationStore, rules: RulesStore, consent: ConsentFilter,
                 directory: ProfileDirectory, wake: Callable[[str], None]) -> None:
        self.db, self.destinations, self.rules = db, destinations, rules
        self.consent, self.directory, self.wake = consent, directory, wake

    async def existing(self, key: str) -> dict[str, Any] | None:
        """The delivery already sent with this idempotency key."""
        async with self.db.connect() as conn:
            row = (await conn.execute(select(deliveries).where(
                deliveries.c.idempotency_key == MESSAGE_KEY_PREFIX + key))).first()
        return row._asdict() if row else None

    async def send(self, request: pb.SendMessageRequest) -> Admission:
        """Runs every check and queues (or suppresses, or defers) the message."""
        validate_send(request)
        if (first := await self.existing(request.idempotency_key)) is not None:
            return Admission(first["delivery_id"], first["status"], "idempotency key seen before",
                             first["deferred_until"], duplicate=True)
        rules = await self.rules.get(request.market)
        destination_id = request.destination_id or next(
            (r.destination_id for r in rules.routes if r.channel == request.channel), "")
        if not destination_id:
            raise FailedPrecondition(f"no destination given and the {rules.market} delivery rules route no "
                                     f"destination for {pb.Channel.Name(request.channel)}")
        try:
            dest, _ = await self.destinations.get(destination_id)
        except NotFound:
            raise FailedPrecondition(f"destination {destination_id!r} does not exist") from None
        variables = json_format.MessageToDict(request.variables) if request.HasField("variables") else {}
        traits: dict[str, Any] | None = None
        if not request.address or not request.timezone:
            traits = await self.directory.traits(request.profile_id) or {}
        address = request.address or str((traits or {}).get(ADDRESS_TRAIT.get(request.channel, "address"), ""))
        tz_name = request.timezone or str((traits or {}).get("timezone", "")) or rules.quiet_hours.fallback_timezone
        marketing = request.category != pb.MESSAGE_CATEGORY_TRANSACTIONAL
        now = now_utc()
        status, reason, deferred = pb.DELIVERY_STATUS_QUEUED, "", None
        who = [("profile_id", request.profile_id)]
        if address:
            who.append((ADDRESS_TRAIT.get(request.channel, "address"), address))
        if marketing and not await self.consent.message_allowed(destination_id, who, dest.required_purposes):
            status, reason = pb.DELIVERY_STATUS_SUPPRESSED_BY_CONSENT, "consent does not allow " + ", ".join(
                dest.required_purposes)
        elif not address:
            raise FailedPrecondition(f"no address for profile {request.profile_id}: set address or give the "
                                     f"profile a {ADDRESS_TRAIT.get(request.channel, 'address')} trait")
        elif marketing and (tz := zone(tz_name)) is not None and (
                until := quiet_until(rules.quiet_hours, request.channel, tz, now)) is not None:
            status, deferred = pb.DELIVERY_STATUS_DEFERRED, until
            reason = f"quiet hours {rules.quiet_hours.start_local}-{rules.quiet_hours.end_local} in {tz_name}"
        payload = {**variables, "to": address, "profile_id": request.profile_id, "creative_id": request.creative_id,
                   "journey_id": request.journey_id, "step_id": request.step_id}
        row = new_delivery(destination_id=destination_id, kind="message",
                           idempotency_key=MESSAGE_KEY_PREFIX + request.idempotency_key,
                           profile_id=request.profile_id, payload=payload, status=status, at=now,
                           channel=request.channel, category=request.category or pb.MESSAGE_CATEGORY_MARKETING,
                           creative_id=request.creative_id, journey_id=request.journey_id, step_id=request.step_id,
                           last_error=reason, deferred_until=deferred, next_attempt_at=deferred or now)
        admission = await self._admit(row, rules, marketing)
        if admission.status in (pb.DELIVERY_STATUS_QUEUED, pb.DELIVERY_STATUS_DEFERRED) and not admission.duplicate:
            self.wake(destination_id)
        return admission

    async def _admit(self, row: dict[str, Any], rules: pb.DeliveryRules, marketing: bool) -> Admission:
        async with self.db.begin() as conn:
            # Lock the recipient: on PostgreSQL the UPDATE holds a row lock until commit; SQLite's write
            # transaction is exclusive already.
            await conn.execute(insert_ignore(recipient_locks, [{"profile_id": row["profile_id"],
                                                                "touched_at": row["created_at"]}], ["profile_id"]))
            await conn.execute(update(recipient_locks).where(recipient_locks.c.profile_id == row["profile_id"])
                               .values(touched_at=row["created_at"]))
            if row["status"] in (pb.DELIVERY_STATUS_QUEUED, pb.DELIVERY_STATUS_DEFERRED) and marketing:
                for cap in rules.caps:
                    conditions = [deliveries.c.profile_id == row["profile_id"], deliveries.c.kind == "message",
                                  deliveries.c.category == pb.MESSAGE_CATEGORY_MARKETING,
                                  deliveries.c.status.in_(COUNTED),
                                  deliveries.c.created_at >= row["created_at"] - cap.period.ToTimedelta()]
                    if cap.channel:
                        conditions.append(deliveries.c.channel == cap.channel)
                    sent = (await conn.execute(select(func.count()).select_from(deliveries)
                                               .where(and_(*conditions)))).scalar_one()
                    if sent >= cap.max_messages:
                        row.update(status=pb.DELIVERY_STATUS_SUPPRESSED_BY_CAP, deferred_until=None,
                                   last_error=f"{cap_reason(cap)} reached", next_attempt_at=None)
                        break
            inserted = (await conn.execute(insert_ignore(deliveries, [row], ["idempotency_key"]))).rowcount
            if not inserted:
                first = (await conn.execute(select(deliveries).where(
                    deliveries.c.idempotency_key == row["idempotency_key"]))).one()
                return Admission(first.delivery_id, first.status, "idempotency key seen before",
                                 first.deferred_until, duplicate=True)
        return Admission(row["delivery_id"], row["status"], row["last_error"], row["deferred_until"])
