"""Profile RPCs: reads by any identifier, trait history, trait and predictive-trait writes."""

from __future__ import annotations

import grpc

from loom.identity.v1 import identity_pb2 as pb
from services.common.errors import NotFound, Violations
from services.common.pipeline import current_principal
from services.identity.components import Identity
from services.identity.convert import predictive_dict, to_proto, value_of
from services.identity.identifiers import normalise
from services.identity.masking import MASK
from services.identity.reads import ProfileView, describe, page_bounds

MAX_BATCH = 1000
Lookup = tuple[str, tuple[str, str] | None]


def parse_lookup(lookup: pb.ProfileLookup, path: str, v: Violations) -> Lookup:
    """(profile id, identifier) of a lookup, recording violations in `v`."""
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


def one_lookup(lookup: pb.ProfileLookup, path: str = "lookup") -> Lookup:
    """A validated single lookup; raises InvalidArgument."""
    v = Violations()
    parsed = parse_lookup(lookup, path, v)
    v.raise_if_any()
    return parsed


class ProfileRpcs:
    """GetProfile, BatchGetProfiles, GetTraitHistory, UpdateTraits, WritePredictiveTraits."""

    _d: Identity

    def _view(self, view: ProfileView) -> pb.Profile:
        profile = to_proto(view.state, view.identifiers, audiences=view.audiences)
        profile = self._d.masking.apply(profile, current_principal())
        self._d.audit.record("profile.read", f"profile:{profile.profile_id}",
                             details={"masked_fields": len(profile.masked_fields)})
        return profile

    async def GetProfile(self, request: pb.GetProfileRequest, context: grpc.aio.ServicerContext
                         ) -> pb.GetProfileResponse:
        profile_id, identifier = one_lookup(request.lookup)
        view = await self._d.reader.find(profile_id, identifier)
        if view is None:
            raise NotFound(f"no profile for {describe(profile_id, identifier)}")
        return pb.GetProfileResponse(profile=self._view(view))

    async def BatchGetProfiles(self, request: pb.BatchGetProfilesRequest, context: grpc.aio.ServicerContext
                               ) -> pb.BatchGetProfilesResponse:
        v = Violations()
        if len(request.lookups) > MAX_BATCH:
            v.add("lookups", f"at most {MAX_BATCH} lookups per call, got {len(request.lookups)}")
        keys = [parse_lookup(lk, f"lookups[{i}]", v) for i, lk in enumerate(request.lookups)]
        v.raise_if_any()
        views = await self._d.reader.find_many(keys)
        return pb.BatchGetProfilesResponse(profiles=[self._view(x) if x else pb.Profile() for x in views])

    async def GetTraitHistory(self, request: pb.GetTraitHistoryRequest, context: grpc.aio.ServicerContext
                              ) -> pb.GetTraitHistoryResponse:
        v = Violations()
        profile_id, identifier = parse_lookup(request.lookup, "lookup", v)
        v.require(request.trait, "trait")
        v.raise_if_any()
        limit, offset = page_bounds(request.page.page_size, request.page.page_token)
        pid = await self._d.reader.require(profile_id, identifier)
        rows, more = await self._d.reader.trait_history(pid, request.trait, limit, offset)
        masked = (request.trait.lower() in self._d.masking.pii_traits
                  and not self._d.masking.sees_pii(current_principal()))
        out = pb.GetTraitHistoryResponse()
        for row in rows:
            change = out.changes.add(message_id=row.message_id or "")
            change.trait.value.CopyFrom(value_of(MASK if masked else row.value))
            change.trait.updated_at.FromDatetime(row.updated_at)
            change.trait.source = row.source
        out.page.next_page_token = str(offset + limit) if more else ""
        out.page.total_size = -1
        return out

    async def UpdateTraits(self, request: pb.UpdateTraitsRequest, context: grpc.aio.ServicerContext
                           ) -> pb.UpdateTraitsResponse:
        v = Violations()
        profile_id, identifier = parse_lookup(request.lookup, "lookup", v)
        if not request.traits.fields:
            v.add("traits", "set at least one trait")
        if len(request.idempotency_key) > 200:
            v.add("idempotency_key", "at most 200 characters")
        if len(request.source) > 64:
            v.add("source", "at most 64 characters")
        v.raise_if_any()
        pid = await self._d.reader.require(profile_id, identifier)
        await self._d.traits.update(pid, request.traits, request.source or "api", request.idempotency_key)
        await self._d.audiences.flush()
        view = await self._d.reader.find(pid)
        if view is None:  # merged away by a concurrent event between the write and this read
            raise NotFound(f"profile {pid} was merged into another while updating; look it up by identifier")
        self._d.audit.record("profile.update_traits", f"profile:{pid}", reason=request.source,
                             details={"traits": sorted(request.traits.fields)})
        return pb.UpdateTraitsResponse(profile=self._view(view))

    async def WritePredictiveTraits(self, request: pb.WritePredictiveTraitsRequest,
                                    context: grpc.aio.ServicerContext) -> pb.WritePredictiveTraitsResponse:
        v = Violations()
        if len(request.predictions) > MAX_BATCH:
            v.add("predictions", f"at most {MAX_BATCH} profiles per call, got {len(request.predictions)}")
        for i, item in enumerate(request.predictions):
            v.require(item.profile_id, f"predictions[{i}].profile_id")
            if not item.traits:
                v.add(f"predictions[{i}].traits", "give at least one trait")
            for j, trait in enumerate(item.traits):
                v.require(trait.name, f"predictions[{i}].traits[{j}].name")
                v.require(trait.model_name, f"predictions[{i}].traits[{j}].model_name")
                v.require(trait.model_version, f"predictions[{i}].traits[{j}].model_version")
        v.raise_if_any()
        written, skipped = await self._d.traits.write_predictive(
            [(item.profile_id, [predictive_dict(t) for t in item.traits]) for item in request.predictions])
        await self._d.audiences.flush()
        return pb.WritePredictiveTraitsResponse(written_count=written, skipped_count=skipped)
