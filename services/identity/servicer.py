"""gRPC adapter of the identity service: one servicer assembled from the profile, graph and audience RPCs."""

from __future__ import annotations

from loom.identity.v1 import identity_pb2 as pb
from loom.identity.v1 import identity_pb2_grpc as pb_grpc
from services.common.auth import ANALYST, OPERATOR, SERVICE, MethodPolicy
from services.common.unimplemented import fill_unimplemented
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
})

__all__ = ["FULL_NAME", "MAX_BATCH", "POLICY", "IdentityServicer"]


class IdentityServicer(ProfileRpcs, GraphRpcs, AudienceRpcs, pb_grpc.IdentityServiceServicer):
    """Profiles, the identity graph and audiences over gRPC."""

    def __init__(self, identity: Identity) -> None:
        self._d = identity


# fill_unimplemented looks only at the class's own namespace, so the mixins' RPCs are placed there first.
_RPC_NAMES = {m.name for m in pb.DESCRIPTOR.services_by_name["IdentityService"].methods}
for _mixin in (ProfileRpcs, GraphRpcs, AudienceRpcs):
    for _name, _handler in vars(_mixin).items():
        if _name in _RPC_NAMES:
            setattr(IdentityServicer, _name, _handler)

fill_unimplemented(
    IdentityServicer,
    pb.DESCRIPTOR.services_by_name["IdentityService"],
    {
        "ExportPerson": "data-subject requests (issue #5)",
        "ErasePerson": "data-subject requests (issue #5)",
    },
)
