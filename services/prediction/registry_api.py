"""Model registry RPCs: validation and error mapping around ml.registry (file I/O off the event loop)."""

from __future__ import annotations

import asyncio
from typing import Any

from loom.prediction.v1 import prediction_pb2 as pb
from ml.registry import ModelRegistry, RegistryError
from services.common.errors import FailedPrecondition, FieldViolation, InvalidArgument, NotFound, Violations
from services.prediction.convert import KIND_FROM_PROTO, STATUS_FROM_PROTO, card_to_proto

DEFAULT_PAGE = 50
MAX_PAGE = 500


def domain_error(exc: RegistryError, path: str) -> Exception:
    """A registry error as the Loom error with the right status."""
    if exc.kind == "not_found":
        return NotFound(str(exc))
    if exc.kind == "invalid":
        return InvalidArgument([FieldViolation(path, str(exc))])
    return FailedPrecondition(str(exc))


class RegistryApi:
    """ListModels, GetModel and PromoteModel."""

    def __init__(self, registry: ModelRegistry) -> None:
        self._registry = registry

    async def list(self, request: pb.ListModelsRequest) -> pb.ListModelsResponse:
        """Newest first, paged by offset tokens."""
        v = Violations()
        size = request.page.page_size or DEFAULT_PAGE
        if size < 0:
            v.add("page.page_size", "must not be negative")
        offset = 0
        if request.page.page_token:
            if not request.page.page_token.isdigit():
                v.add("page.page_token", "not a token from a previous response")
            else:
                offset = int(request.page.page_token)
        v.raise_if_any()
        size = min(size, MAX_PAGE)
        kind, status = KIND_FROM_PROTO.get(request.kind, ""), STATUS_FROM_PROTO.get(request.status, "")
        cards = await asyncio.to_thread(self._registry.cards, request.name, kind, status)
        page = cards[offset : offset + size]
        out = pb.ListModelsResponse(models=[card_to_proto(c) for c in page])
        out.page.total_size = len(cards)
        if offset + size < len(cards):
            out.page.next_page_token = str(offset + size)
        return out

    async def get(self, ref: pb.ModelRef, path: str) -> dict[str, Any]:
        """The card of a version (the active one when no version is given)."""
        v = Violations()
        v.require(ref.name, f"{path}.name")
        v.raise_if_any()
        try:
            return await asyncio.to_thread(self._registry.card, ref.name, ref.version)
        except RegistryError as exc:
            raise domain_error(exc, path) from exc

    async def promote(self, request: pb.PromoteModelRequest) -> tuple[dict[str, Any], str]:
        """Promotes one version; a rejected one only with force and a reason."""
        v = Violations()
        v.require(request.model.name, "model.name")
        v.require(request.model.version, "model.version", "is required: promotion names the exact version")
        if request.force and not request.reason:
            v.add("reason", "a forced promotion needs a reason for the audit log")
        v.raise_if_any()
        try:
            return await asyncio.to_thread(self._registry.promote, request.model.name, request.model.version,
                                           force=request.force, reason=request.reason)
        except RegistryError as exc:
            raise domain_error(exc, "model") from exc
