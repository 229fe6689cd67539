"""gRPC adapter of the identity service."""

from __future__ import annotations

import grpc

from loom.identity.v1 import identity_pb2 as pb
from loom.identity.v1 import identity_pb2_grpc as pb_grpc
from services.common.auth import ANALYST, OPERATOR, SERVICE, MethodPolicy
from services.common.errors import NotFound, Violations
from services.common.unimplemented import fill_unimplemented
from services.identity.convert import to_proto
from services.identity.identifiers import normalise
from services.identity.store import ProfileStore

FULL_NAME = pb.DESCRIPTOR.services_by_name["IdentityService"].full_name
READERS = frozenset({SERVICE, OPERATOR, ANALYST})
POLICY = MethodPolicy(FULL_NAME, roles={"GetProfile": READERS, "BatchGetProfiles": READERS})
MAX_BATCH = 1000


def _lookup(lookup: pb.ProfileLookup, path: str, v: Violations) -> tuple[str, tuple[str, str] | None]:
    key = lookup.WhichOneof("key")
    if key == "profile_id":
        v.require(lookup.profile_id, f"{path}.profile_id", "must not be empty")
        return lookup.profile_id, None
    if key == "identifier":
        v.require(lookup.identifier.type, f"{path}.identifier.type")
        v.require(lookup.identifier.value, f"{path}.identifier.value")
        kind = lookup.identifier.type
        return "", (kind, normalise(kind, lookup.identifier.value))
    v.add(path, "set profile_id or identifier")
    return "", None


class IdentityServicer(pb_grpc.IdentityServiceServicer):
    """Reads profiles; the graph administration and audiences arrive with the identity capability."""

    def __init__(self, store: ProfileStore) -> None:
        self._store = store

    async def GetProfile(
        self, request: pb.GetProfileRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetProfileResponse:
        v = Violations()
        profile_id, identifier = _lookup(request.lookup, "lookup", v)
        v.raise_if_any()
        found = await self._store.find(profile_id, identifier)
        if found is None:
            what = f"profile {profile_id}" if profile_id else f"identifier {identifier[0]}={identifier[1]}"  # type: ignore[index]
            raise NotFound(f"no profile for {what}")
        return pb.GetProfileResponse(profile=to_proto(*found))

    async def BatchGetProfiles(
        self, request: pb.BatchGetProfilesRequest, context: grpc.aio.ServicerContext
    ) -> pb.BatchGetProfilesResponse:
        v = Violations()
        if len(request.lookups) > MAX_BATCH:
            v.add("lookups", f"at most {MAX_BATCH} lookups per call, got {len(request.lookups)}")
        keys = [_lookup(lk, f"lookups[{i}]", v) for i, lk in enumerate(request.lookups)]
        v.raise_if_any()
        out = pb.BatchGetProfilesResponse()
        for profile_id, identifier in keys:
            found = await self._store.find(profile_id, identifier)
            out.profiles.append(to_proto(*found) if found else pb.Profile())
        return out


fill_unimplemented(
    IdentityServicer,
    pb.DESCRIPTOR.services_by_name["IdentityService"],
    {
        "*": "the identity capability (identity rules, merge lineage and unmerge, traits, audiences; issue #4)",
        "ExportPerson": "data-subject requests (issue #5)",
        "ErasePerson": "data-subject requests (issue #5)",
    },
)
