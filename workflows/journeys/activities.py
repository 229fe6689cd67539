"""Activities of JourneyWorkflow: identity, consent, prediction, creative and forwarding over gRPC.

One `JourneyActivities` per worker owns the stubs. gRPC errors a retry cannot fix (invalid argument,
permission denied, failed precondition) become non-retryable; everything else is retried by Temporal.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

import grpc
from google.protobuf import json_format, struct_pb2
from prometheus_client import Counter
from temporalio import activity
from temporalio.exceptions import ApplicationError

from loom.common.v1 import common_pb2
from loom.consent.v1 import consent_pb2, consent_pb2_grpc
from loom.creative.v1 import creative_pb2, creative_pb2_grpc
from loom.forwarding.v1 import forwarding_pb2, forwarding_pb2_grpc
from loom.identity.v1 import identity_pb2, identity_pb2_grpc
from loom.prediction.v1 import prediction_pb2, prediction_pb2_grpc
from workflows.journeys.registry import JourneyRegistry
from workflows.journeys.rules import next_local_time_activity
from workflows.journeys.types import (
    ConsentAnswer,
    ConsentRequest,
    JourneyOutcome,
    PredictedTime,
    PredictRequest,
    ProfileView,
    SendRequest,
    SendResult,
    TraitUpdate,
)

CUSTOMERS = Counter("loom_journeys_customers_total", "Customers who finished a journey pass",
                    ["journey", "group", "exit_reason"])
CONVERSIONS = Counter("loom_journeys_conversions_total", "Customers who reached the goal in the window",
                      ["journey", "group"])
SENDS = Counter("loom_journeys_sends_total", "Journey messages handed to forwarding", ["journey", "channel", "status"])

CHANNELS = {"email": forwarding_pb2.CHANNEL_EMAIL, "push": forwarding_pb2.CHANNEL_PUSH,
            "sms": forwarding_pb2.CHANNEL_SMS, "webhook": forwarding_pb2.CHANNEL_WEBHOOK}
_PERMANENT = (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.PERMISSION_DENIED,
              grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.UNIMPLEMENTED)


def permanent(exc: grpc.aio.AioRpcError, what: str) -> ApplicationError | grpc.aio.AioRpcError:
    """A non-retryable ApplicationError for errors a retry cannot fix; the error itself otherwise."""
    if exc.code() in _PERMANENT:
        return ApplicationError(f"{what} refused: {exc.code().name} {exc.details()}",
                                type=exc.code().name, non_retryable=True)
    return exc


def user_lookup(user_id: str) -> identity_pb2.ProfileLookup:
    """Lookup of a profile by the ``user_id`` identifier."""
    return identity_pb2.ProfileLookup(identifier=common_pb2.Identifier(type="user_id", value=user_id))


def profile_view(profile: identity_pb2.Profile) -> ProfileView:
    """The journey's view of a profile proto."""
    c = profile.computed
    traits: dict[str, Any] = {k: json_format.MessageToDict(t.value) for k, t in profile.traits.items()}
    return ProfileView(
        profile_id=profile.profile_id, found=True, traits=traits,
        computed={"order_count": c.order_count, "revenue_micros": c.revenue_micros, "top_category": c.top_category,
                  "recency_days": c.recency_days, "market": c.market, "event_count": c.event_count},
        predictive={k: p.score for k, p in profile.predictive.items()},
        audiences=list(profile.audiences), timezone=c.timezone, market=c.market)


class JourneyActivities:
    """Owns the gRPC stubs and the registry; one instance per worker."""

    def __init__(self, *, identity: identity_pb2_grpc.IdentityServiceStub,
                 consent: consent_pb2_grpc.ConsentServiceStub, prediction: prediction_pb2_grpc.PredictionServiceStub,
                 creative: creative_pb2_grpc.CreativeServiceStub, forwarding: forwarding_pb2_grpc.ForwardingServiceStub,
                 registry: JourneyRegistry) -> None:
        self._identity = identity
        self._consent = consent
        self._prediction = prediction
        self._creative = creative
        self._forwarding = forwarding
        self._registry = registry

    @activity.defn(name="journeys.get_profile")
    async def get_profile(self, user_id: str) -> ProfileView:
        """The customer's profile; an unknown customer is an answer (found=False), not an error."""
        try:
            response = await self._identity.GetProfile(identity_pb2.GetProfileRequest(lookup=user_lookup(user_id)),
                                                       timeout=10)
        except grpc.aio.AioRpcError as exc:
            if exc.code() == grpc.StatusCode.NOT_FOUND:
                return ProfileView(profile_id="", found=False)
            raise permanent(exc, "GetProfile") from exc
        return profile_view(response.profile)

    @activity.defn(name="journeys.check_consent")
    async def check_consent(self, request: ConsentRequest) -> ConsentAnswer:
        """Which purposes the customer allows; consent fails closed, so an outage retries, never grants."""
        try:
            response = await self._consent.CheckPurposes(consent_pb2.CheckPurposesRequest(
                identifiers=[common_pb2.Identifier(type="user_id", value=request.user_id)],
                market=request.market, purpose_ids=request.purposes), timeout=5)
        except grpc.aio.AioRpcError as exc:
            raise permanent(exc, "CheckPurposes") from exc
        return ConsentAnswer({d.purpose_id: d.allowed for d in response.decisions})

    @activity.defn(name="journeys.predict_time")
    async def predict_time(self, request: PredictRequest) -> PredictedTime:
        """When a repeat-purchase-timing model expects the next purchase; found=False without a score."""
        try:
            response = await self._prediction.Score(prediction_pb2.ScoreRequest(
                profile_id=request.profile_id, models=[prediction_pb2.ModelRef(name=request.model)]), timeout=10)
        except grpc.aio.AioRpcError as exc:
            raise permanent(exc, "Score") from exc
        for p in response.predictions:
            if p.status == prediction_pb2.SCORE_STATUS_OK and p.HasField("purchase_timing"):
                at = p.purchase_timing.expected_at.ToDatetime(tzinfo=UTC)
                return PredictedTime(True, at.isoformat())
        return PredictedTime(False)

    @activity.defn(name="journeys.send_message")
    async def send_message(self, request: SendRequest) -> SendResult:
        """Chooses the customer's creative, then sends through forwarding with the step's idempotency key.

        A refusal is reported as status ``failed`` rather than raised: one bad message must not stop the
        journey (or the measurement of the customer's conversion).
        """
        try:
            choice = await self._creative.ChooseCreative(creative_pb2.ChooseCreativeRequest(
                profile_id=request.profile_id, touchpoint=request.touchpoint, market=request.market,
                journey_id=request.journey_id, step_id=request.step_id, category=request.category), timeout=10)
            response = await self._forwarding.SendMessage(forwarding_pb2.SendMessageRequest(
                idempotency_key=request.idempotency_key, channel=CHANNELS[request.channel],
                profile_id=request.profile_id, creative_id=choice.asset.asset_id, journey_id=request.journey_id,
                step_id=request.step_id, market=request.market,
                category=(forwarding_pb2.MESSAGE_CATEGORY_TRANSACTIONAL if request.transactional
                          else forwarding_pb2.MESSAGE_CATEGORY_MARKETING)), timeout=10)
        except grpc.aio.AioRpcError as exc:
            error = permanent(exc, "send")
            if isinstance(error, ApplicationError):
                SENDS.labels(request.journey_id, request.channel, "failed").inc()
                return SendResult("", "failed", reason=str(error))
            raise
        status = forwarding_pb2.DeliveryStatus.Name(response.status).removeprefix("DELIVERY_STATUS_").lower()
        if not response.duplicate:
            SENDS.labels(request.journey_id, request.channel, status).inc()
        return SendResult(response.delivery_id, status, choice.asset.asset_id, response.duplicate, response.reason)

    @activity.defn(name="journeys.update_traits")
    async def update_traits(self, update: TraitUpdate) -> None:
        """Sets traits on the profile; the idempotency key makes a retry a no-op."""
        traits = struct_pb2.Struct()
        traits.update(update.traits)
        try:
            await self._identity.UpdateTraits(identity_pb2.UpdateTraitsRequest(
                lookup=identity_pb2.ProfileLookup(profile_id=update.profile_id), traits=traits,
                source=update.source, idempotency_key=update.idempotency_key), timeout=10)
        except grpc.aio.AioRpcError as exc:
            raise permanent(exc, "UpdateTraits") from exc

    @activity.defn(name="journeys.record_outcome")
    async def record_outcome(self, outcome: JourneyOutcome) -> None:
        """Stores the customer's outcome (idempotent per run) and counts it."""
        await self._registry.record_outcome(outcome)
        if activity.info().attempt == 1:
            CUSTOMERS.labels(outcome.journey_id, outcome.group, outcome.exit_reason).inc()
            if outcome.converted:
                CONVERSIONS.labels(outcome.journey_id, outcome.group).inc()

    def all(self) -> list[Any]:
        """Every activity of the per-customer workflow, for Worker(activities=...)."""
        return [self.get_profile, self.check_consent, self.predict_time, self.send_message, self.update_traits,
                self.record_outcome, next_local_time_activity]
