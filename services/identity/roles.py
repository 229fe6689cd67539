"""Field-level access from the consent service's roles, applied to profiles read through identity.

The consent service owns roles and their field rules (``PutRole``). Identity keeps a copy refreshed in the
background; a caller whose role has rules there sees exactly the fields those rules allow. Until the first
refresh succeeds, and for roles consent does not define, identity's own PII policy masks (fail closed).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import grpc
from google.protobuf import json_format

from loom.consent.v1 import consent_pb2, consent_pb2_grpc
from loom.identity.v1 import identity_pb2 as pb
from services.common.auth import Principal
from services.common.consent import mask_fields

log = logging.getLogger("loom.identity.roles")


class ConsentRoles:
    """The latest roles read from the consent service."""

    def __init__(self, stub: consent_pb2_grpc.ConsentServiceStub | None) -> None:
        self._stub = stub
        self._roles: dict[str, consent_pb2.Role] = {}

    def set(self, roles: list[consent_pb2.Role]) -> None:
        """Replaces the known roles."""
        self._roles = {r.role_id: r for r in roles}

    def for_principal(self, principal: Principal) -> consent_pb2.Role | None:
        """The consent role of the caller, if consent defines one of its roles (first by name)."""
        for name in sorted(principal.roles):
            if name in self._roles:
                return self._roles[name]
        return None

    async def refresh(self) -> None:
        """Reads every role (all pages) from the consent service."""
        if self._stub is None:
            return
        roles: list[consent_pb2.Role] = []
        token = ""
        while True:
            reply = await self._stub.ListRoles(
                consent_pb2.ListRolesRequest(page={"page_size": 500, "page_token": token}), timeout=5)
            roles.extend(reply.roles)
            token = reply.page.next_page_token
            if not token:
                break
        self.set(roles)

    async def start(self, interval_s: float = 30.0) -> Callable[[], Awaitable[None]]:
        """Refreshes every ``interval_s`` in the background; returns the stop coroutine function."""

        async def loop() -> None:
            while True:
                try:
                    await self.refresh()
                except grpc.aio.AioRpcError as exc:
                    log.warning("reading roles from consent failed, keeping %d known: %s", len(self._roles),
                                exc.code().name)
                await asyncio.sleep(interval_s)

        task = asyncio.create_task(loop(), name="identity-consent-roles")

        async def stop() -> None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

        return stop


def mask_by_role(profile: pb.Profile, role: consent_pb2.Role) -> pb.Profile:
    """Masks ``profile`` in place with the role's field rules; identifiers are addressed by type."""
    doc: dict[str, Any] = json_format.MessageToDict(profile, preserving_proto_field_name=True)
    by_type: dict[str, list[str]] = {}
    for ident in doc.pop("identifiers", []):
        by_type.setdefault(ident.get("type", ""), []).append(ident.get("value", ""))
    doc["identifiers"] = by_type
    kept, masked = mask_fields(role, doc)
    identifiers = kept.pop("identifiers", {})
    kept.pop("masked_fields", None)
    out = pb.Profile()
    json_format.ParseDict(kept, out, ignore_unknown_fields=True)
    for kind, values in identifiers.items():
        for value in values:
            out.identifiers.add(type=kind, value=value)
    out.masked_fields.extend(masked)
    profile.CopyFrom(out)
    return profile
