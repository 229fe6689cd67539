"""Online features: the same point-in-time pipeline as training, run at ``now`` for one profile.

The profile's user ids come from identity; its events from the archive (ingestion's QueryArchive), so a
served score reads exactly the features its model was trained on.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import grpc
import numpy as np

from loom.identity.v1 import identity_pb2, identity_pb2_grpc
from loom.ingestion.v1 import ingestion_pb2_grpc
from ml.archive import read_histories
from ml.features import History, feature_row, hour_of_week_counts
from services.common.consent import ConsentChecker

# Whether a profile may be profiled, asked with the profile's identifiers (consent is recorded per identifier).
ProfilingAllowedAsync = Callable[[identity_pb2.Profile], Awaitable[bool]]
PROFILING = "profiling"


async def deny_profiling(_profile: identity_pb2.Profile) -> bool:
    """Fail closed: without a consent checker no profile is profiled."""
    return False


async def allow_profiling(_profile: identity_pb2.Profile) -> bool:
    """Local experiments only (``LOOM_CONSENT_MODE=allow-all``): every profile may be profiled."""
    return True


def checker_profiling(checker: ConsentChecker) -> ProfilingAllowedAsync:
    """The consent service's answer for the "profiling" purpose (fail closed, cached, bus-invalidated)."""

    async def allowed(profile: identity_pb2.Profile) -> bool:
        return await checker.allowed(profile.identifiers, PROFILING, market=profile.computed.market)

    return allowed


@dataclass
class ProfileFeatures:
    """One profile's features at scoring time."""

    profile_id: str
    row: np.ndarray
    hours: np.ndarray
    timezone: str


class OnlineFeatures:
    """Builds features of a profile from identity and the archive."""

    def __init__(self, identity: identity_pb2_grpc.IdentityServiceStub,
                 ingestion: ingestion_pb2_grpc.IngestionServiceStub, lookback_days: int = 365) -> None:
        self._identity = identity
        self._ingestion = ingestion
        self._lookback = timedelta(days=lookback_days)

    async def profile(self, profile_id: str) -> identity_pb2.Profile | None:
        """The profile, or None when identity does not know it."""
        try:
            response = await self._identity.GetProfile(
                identity_pb2.GetProfileRequest(lookup=identity_pb2.ProfileLookup(profile_id=profile_id)), timeout=10)
        except grpc.aio.AioRpcError as exc:
            if exc.code() == grpc.StatusCode.NOT_FOUND:
                return None
            raise
        return response.profile

    async def features(self, profile: identity_pb2.Profile, now: datetime | None = None) -> ProfileFeatures | None:
        """Features as of ``now``; None when the profile has no archived events under a user id."""
        now = now or datetime.now(UTC)
        merged = History(profile.profile_id)
        for identifier in profile.identifiers:
            if identifier.type != "user_id":
                continue
            histories = await read_histories(self._ingestion, now - self._lookback, now, user_id=identifier.value,
                                             timeout_s=10)
            for history in histories.values():
                merged.orders.extend(history.orders)
                merged.touches.extend(history.touches)
        if not merged.touches:
            return None
        merged.orders.sort(key=lambda o: o.at)
        merged.touches.sort(key=lambda t: t[0])
        return ProfileFeatures(profile.profile_id, feature_row(merged, now), hour_of_week_counts(merged, now),
                               profile.computed.timezone)
