"""Identity graph RPCs: rules, merge lineage, Unmerge, refused merges and RebuildProfiles."""

from __future__ import annotations

from typing import Any

import grpc

from loom.common.v1 import common_pb2
from loom.identity.v1 import identity_pb2 as pb
from services.common.errors import FailedPrecondition, Violations
from services.common.pipeline import current_principal
from services.identity.components import Identity
from services.identity.reads import page_bounds
from services.identity.rpc_profiles import one_lookup
from services.identity.rules import IdentityRules, parse_rules

_POLICY_NAMES = {pb.TRAIT_MERGE_POLICY_LAST_WRITE: "last_write", pb.TRAIT_MERGE_POLICY_FIRST_WRITE: "first_write",
                 pb.TRAIT_MERGE_POLICY_SUM: "sum", pb.TRAIT_MERGE_POLICY_UNSPECIFIED: "last_write"}
_POLICY_ENUMS = {"last_write": pb.TRAIT_MERGE_POLICY_LAST_WRITE, "first_write": pb.TRAIT_MERGE_POLICY_FIRST_WRITE,
                 "sum": pb.TRAIT_MERGE_POLICY_SUM}


def rules_from_proto(message: pb.IdentityRules) -> IdentityRules:
    """Validated domain rules from the API message; InvalidArgument names each bad field."""
    v = Violations()
    policies: dict[str, str] = {}
    for i, item in enumerate(message.trait_policies):
        if not item.trait:
            v.add(f"rules.trait_policies[{i}].trait", "is required")
        elif item.trait in policies:
            v.add(f"rules.trait_policies[{i}].trait", f"{item.trait!r} has a policy already")
        if item.policy not in _POLICY_NAMES:
            v.add(f"rules.trait_policies[{i}].policy", "unknown policy")
        policies[item.trait] = _POLICY_NAMES.get(item.policy, "last_write")
    v.raise_if_any()
    document = {
        "rules": [{"type": r.type, "priority": r.priority, "max_per_profile": r.max_per_profile,
                   "blocked_values": list(r.blocked_values), "blocked_patterns": list(r.blocked_patterns)}
                  for r in message.rules],
        "trait_policies": policies,
    }
    return parse_rules(document)


def rules_to_proto(rules: IdentityRules) -> pb.IdentityRules:
    """The API message of stored rules."""
    out = pb.IdentityRules(revision=rules.revision)
    for item in rules.to_document()["rules"]:
        out.rules.add(**item)
    for name, policy in sorted(rules.trait_policies.items()):
        out.trait_policies.add(trait=name, policy=_POLICY_ENUMS[policy])
    return out


def merge_to_proto(row: Any) -> pb.Merge:
    """The API message of a ``merges`` row."""
    merge = pb.Merge(merge_id=row.merge_id, into_profile_id=row.into_profile_id,
                     from_profile_id=row.from_profile_id, message_id=row.message_id or "",
                     evidence=[common_pb2.Identifier(type=e["type"], value=e["value"]) for e in row.evidence])
    merge.merged_at.FromDatetime(row.merged_at)
    if row.unmerged_at is not None:
        merge.unmerged_at.FromDatetime(row.unmerged_at)
    return merge


class GraphRpcs:
    """PutIdentityRules, GetIdentityRules, GetMergeLineage, Unmerge, ListRefusedMerges, RebuildProfiles."""

    _d: Identity

    async def PutIdentityRules(self, request: pb.PutIdentityRulesRequest, context: grpc.aio.ServicerContext
                               ) -> pb.PutIdentityRulesResponse:
        if not request.HasField("rules") or not request.rules.rules:
            v = Violations()
            v.add("rules.rules", "give at least one identifier rule")
            v.raise_if_any()
        stored = await self._d.store.rules_store.put(rules_from_proto(request.rules))
        self._d.store.use_rules(stored)
        return pb.PutIdentityRulesResponse(rules=rules_to_proto(stored))

    async def GetIdentityRules(self, request: pb.GetIdentityRulesRequest, context: grpc.aio.ServicerContext
                               ) -> pb.GetIdentityRulesResponse:
        return pb.GetIdentityRulesResponse(rules=rules_to_proto(await self._d.store.rules_store.get()))

    async def GetMergeLineage(self, request: pb.GetMergeLineageRequest, context: grpc.aio.ServicerContext
                              ) -> pb.GetMergeLineageResponse:
        profile_id, identifier = one_lookup(request.lookup)
        pid = await self._d.reader.require(profile_id, identifier)
        rows = await self._d.reader.lineage(pid)
        return pb.GetMergeLineageResponse(merges=[merge_to_proto(r) for r in rows])

    async def Unmerge(self, request: pb.UnmergeRequest, context: grpc.aio.ServicerContext) -> pb.UnmergeResponse:
        v = Violations()
        v.require(request.merge_id, "merge_id")
        v.raise_if_any()
        kept, restored = await self._d.unmerger.unmerge(request.merge_id, request.reason,
                                                        current_principal().subject)
        await self._d.audiences.flush()
        self._d.audit.record("profile.unmerge", f"merge:{request.merge_id}", reason=request.reason,
                             details={"kept": kept, "restored": restored})
        views = await self._d.reader.find_many([(kept, None), (restored, None)])
        out = pb.UnmergeResponse()
        for target, view in zip((out.kept, out.restored), views, strict=True):
            if view is not None:
                target.CopyFrom(self._view(view))  # type: ignore[attr-defined]  # ProfileRpcs._view on the servicer
        return out

    async def ListRefusedMerges(self, request: pb.ListRefusedMergesRequest, context: grpc.aio.ServicerContext
                                ) -> pb.ListRefusedMergesResponse:
        limit, offset = page_bounds(request.page.page_size, request.page.page_token)
        rows, total = await self._d.reader.refused(limit, offset)
        out = pb.ListRefusedMergesResponse()
        for row in rows:
            item = out.refused.add(message_id=row.message_id, rule=row.rule,
                                   profile_ids=list(row.profile_ids.get("profiles", [])))
            item.refused_at.FromDatetime(row.refused_at)
        out.page.total_size = total
        out.page.next_page_token = str(offset + limit) if offset + limit < total else ""
        return out

    async def RebuildProfiles(self, request: pb.RebuildProfilesRequest, context: grpc.aio.ServicerContext
                              ) -> pb.RebuildProfilesResponse:
        if self._d.archive is None:
            raise FailedPrecondition("no event archive configured: set LOOM_INGESTION_ADDR to ingestion's address")
        window = request.window if request.HasField("window") else None
        result = await self._d.rebuilder.rebuild(self._d.archive(window), full=window is None)
        return pb.RebuildProfilesResponse(events_processed=result.events, profiles=result.profiles)
