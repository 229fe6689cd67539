"""Audience RPCs: definitions, size and export."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc

from loom.common.v1 import common_pb2
from loom.identity.v1 import identity_pb2 as pb
from services.common.pipeline import current_principal
from services.identity.audiences.engine import AudienceDef
from services.identity.components import Identity
from services.identity.masking import MASK
from services.identity.reads import page_bounds


def audience_to_proto(audience: AudienceDef) -> pb.Audience:
    """The API message of an audience."""
    out = pb.Audience(audience_id=audience.audience_id, name=audience.name, rule_json=audience.rule_json,
                      size=audience.size, revision=audience.revision)
    if audience.evaluated_at is not None:
        out.evaluated_at.FromDatetime(audience.evaluated_at)
    return out


class AudienceRpcs:
    """PutAudience, GetAudience, ListAudiences, DeleteAudience, ExportAudience."""

    _d: Identity

    async def PutAudience(self, request: pb.PutAudienceRequest, context: grpc.aio.ServicerContext
                          ) -> pb.PutAudienceResponse:
        a = request.audience
        stored = await self._d.audiences.put(a.audience_id, a.name, a.rule_json)
        return pb.PutAudienceResponse(audience=audience_to_proto(stored))

    async def GetAudience(self, request: pb.GetAudienceRequest, context: grpc.aio.ServicerContext
                          ) -> pb.GetAudienceResponse:
        return pb.GetAudienceResponse(audience=audience_to_proto(await self._d.audiences.get(request.audience_id)))

    async def ListAudiences(self, request: pb.ListAudiencesRequest, context: grpc.aio.ServicerContext
                            ) -> pb.ListAudiencesResponse:
        limit, offset = page_bounds(request.page.page_size, request.page.page_token)
        items, total = await self._d.audiences.list_page(limit, offset)
        out = pb.ListAudiencesResponse(audiences=[audience_to_proto(a) for a in items])
        out.page.total_size = total
        out.page.next_page_token = str(offset + limit) if offset + limit < total else ""
        return out

    async def DeleteAudience(self, request: pb.DeleteAudienceRequest, context: grpc.aio.ServicerContext
                             ) -> pb.DeleteAudienceResponse:
        await self._d.audiences.delete(request.audience_id)
        return pb.DeleteAudienceResponse()

    async def ExportAudience(self, request: pb.ExportAudienceRequest, context: grpc.aio.ServicerContext
                             ) -> AsyncIterator[pb.ExportAudienceResponse]:
        masking = self._d.masking
        clear = masking.sees_pii(current_principal())
        async for members in self._d.audiences.export(request.audience_id, request.identifier_types):
            out = pb.ExportAudienceResponse()
            for pid, idents in members:
                out.profile_ids.append(pid)
                out.identifier_counts.append(len(idents))
                for kind, value in idents:
                    shown = value if clear or kind not in masking.pii_identifier_types else MASK
                    out.identifiers.append(common_pb2.Identifier(type=kind, value=shown))
            yield out
