"""Activities of the platform workflows: calls to Loom services over gRPC."""

from __future__ import annotations

import grpc
from temporalio import activity
from temporalio.exceptions import ApplicationError

from loom.common.v1 import common_pb2
from loom.identity.v1 import identity_pb2, identity_pb2_grpc
from workflows.platform.types import ProfileSnapshot


class ProfileActivities:
    """Owns the identity client; one instance per worker."""

    def __init__(self, identity: identity_pb2_grpc.IdentityServiceStub) -> None:
        self._identity = identity

    @activity.defn(name="platform.get_profile")
    async def get_profile(self, user_id: str) -> ProfileSnapshot:
        """Reads a profile by user id; a missing profile is an answer, not an error."""
        request = identity_pb2.GetProfileRequest(
            lookup=identity_pb2.ProfileLookup(identifier=common_pb2.Identifier(type="user_id", value=user_id))
        )
        try:
            response = await self._identity.GetProfile(request, timeout=10)
        except grpc.aio.AioRpcError as exc:
            if exc.code() == grpc.StatusCode.NOT_FOUND:
                return ProfileSnapshot(profile_id="", found=False)
            if exc.code() in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.PERMISSION_DENIED):
                raise ApplicationError(f"GetProfile refused: {exc.details()}", non_retryable=True) from exc
            raise
        p = response.profile
        return ProfileSnapshot(
            profile_id=p.profile_id,
            found=True,
            order_count=p.computed.order_count,
            revenue_micros=p.computed.revenue_micros,
            currency_code=p.computed.currency_code,
            top_category=p.computed.top_category,
            recency_days=p.computed.recency_days,
            market=p.computed.market,
            identifiers=[f"{i.type}:{i.value}" for i in p.identifiers],
        )
