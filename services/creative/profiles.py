"""What the creative service needs to know about a customer, read from identity's GetProfile over gRPC."""

from __future__ import annotations

from dataclasses import dataclass, field

import grpc

from loom.identity.v1 import identity_pb2, identity_pb2_grpc
from services.common.errors import NotFound, Unavailable


@dataclass(frozen=True)
class Customer:
    """A customer's market, language and categories by affinity (strongest first)."""

    profile_id: str
    market: str = ""
    language: str = ""
    categories: tuple[str, ...] = field(default_factory=tuple)


def affinity_order(computed: identity_pb2.ComputedTraits) -> tuple[str, ...]:
    """Categories by orders, then revenue, then recency; the top category first when stats tie."""
    stats = computed.categories
    ranked = sorted(stats, key=lambda c: (-stats[c].orders, -stats[c].revenue_micros,
                                          -stats[c].last_purchase_at.seconds, c))
    if computed.top_category and computed.top_category not in ranked:
        ranked.insert(0, computed.top_category)
    return tuple(ranked)


def _language(profile: identity_pb2.Profile) -> str:
    for name in ("language", "locale"):
        trait = profile.traits.get(name)
        if trait is not None and trait.value.string_value:
            return trait.value.string_value.replace("_", "-").split("-")[0].lower()
    return ""


class ProfileReader:
    """Reads customers from the identity service."""

    def __init__(self, stub: identity_pb2_grpc.IdentityServiceStub | None) -> None:
        self.stub = stub

    async def customer(self, profile_id: str) -> Customer:
        """The customer; NotFound when identity has no such profile, Unavailable when identity is away."""
        if self.stub is None:
            raise Unavailable("the creative service has no identity address (LOOM_IDENTITY_ADDR)", 30.0)
        try:
            response = await self.stub.GetProfile(identity_pb2.GetProfileRequest(
                lookup=identity_pb2.ProfileLookup(profile_id=profile_id)), timeout=5)
        except grpc.aio.AioRpcError as exc:
            if exc.code() == grpc.StatusCode.NOT_FOUND:
                raise NotFound(f"profile {profile_id!r} does not exist") from exc
            raise Unavailable(f"identity could not read profile {profile_id!r}: {exc.code().name} "
                              f"{exc.details()}", 2.0) from exc
        p = response.profile
        return Customer(p.profile_id or profile_id, p.computed.market, _language(p), affinity_order(p.computed))
