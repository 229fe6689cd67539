"""gRPC adapter of the identity service: one servicer assembled from the profile, graph and audience RPCs."""

from __future__ import annotations

import grpc

from loom.identity.v1 import identity_pb2 as pb
from loom.identity.v1 import identity_pb2_grpc as pb_grpc
from services.common.auth import ANALYST, OPERATOR, SERVICE, MethodPolicy
from services.common.errors import Unavailable
from services.identity.components import Identity
from services.identity.rpc_audiences import AudienceRpcs
from services.identity.rpc_graph import GraphRpcs
from services.identity.rpc_profiles import MAX_BATCH, ProfileRpcs

FULL_NAME = pb.DESCRIPTOR.services_by_name["IdentityService"].full_name
READERS = frozenset({SERVICE, OPERATOR, ANALYST})
WRITERS = frozenset({SERVICE, OPERATOR})
OPERATORS = frozenset({OPERATOR})
POLICY = MethodPolicy(FULL_NAME, roles={
    # Analysts read (with PII masked); services and operators read and write; graph surgery is for operators.
    "GetProfile": READERS, "BatchGetProfiles": READERS, "GetTraitHistory": READERS, "GetMergeLineage": READERS,
    "ListRefusedMerges": READERS, "GetIdentityRules": READERS, "GetAudience": READERS, "ListAudiences": READERS,
    "UpdateTraits": WRITERS, "WritePredictiveTraits": WRITERS, "PutAudience": WRITERS, "DeleteAudience": WRITERS,
    "ExportAudience": WRITERS,
    "PutIdentityRules": OPERATORS, "Unmerge": OPERATORS, "RebuildProfiles": OPERATORS,
    # Data-subject requests come from the privacy workflow only (admin may do all).
    "ExportPerson": frozenset({SERVICE}), "ErasePerson": frozenset({SERVICE}),
})

__all__ = ["FULL_NAME", "MAX_BATCH", "POLICY", "IdentityServicer"]


class IdentityServicer(ProfileRpcs, GraphRpcs, AudienceRpcs, pb_grpc.IdentityServiceServicer):
    """Profiles, the identity graph and audiences over gRPC."""

    def __init__(self, identity: Identity) -> None:
        self._d = identity

    async def ExportPerson(self, request: pb.ExportPersonRequest, context: grpc.aio.ServicerContext
                           ) -> pb.ExportPersonResponse:
        if self._d.privacy is None:
            raise Unavailable("data-subject requests are not wired in this process")
        return await self._d.privacy.export(request.subject)

    async def ErasePerson(self, request: pb.ErasePersonRequest, context: grpc.aio.ServicerContext
                          ) -> pb.ErasePersonResponse:
        if self._d.privacy is None:
            raise Unavailable("data-subject requests are not wired in this process")
        return await self._d.privacy.erase(request.subject)

