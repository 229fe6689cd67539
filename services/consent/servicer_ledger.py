"""RPCs of the consent ledger: purposes, policies, consent records and checks, and the ledger's own
data-subject export and erasure."""

from __future__ import annotations

from collections.abc import Sequence

import grpc

from loom.common.v1 import common_pb2
from loom.consent.v1 import consent_pb2 as pb
from services.common.consent import ConsentChange, identifier_keys
from services.common.errors import Violations
from services.consent import convert
from services.consent.audit_trail import AuditTrail
from services.consent.ledger import ConsentLedger
from services.consent.policy import PURPOSE_IDS, PURPOSES, SubjectState, Verdict, decide

MAX_BATCH = 1000
MAX_PURPOSES = 32


def identifiers(items: Sequence[common_pb2.Identifier], path: str, v: Violations,
                required: bool = True) -> list[tuple[str, str]]:
    """Validated ``(type, value)`` pairs; records a violation per empty type or value."""
    if required and not items:
        v.add(path, "at least one identifier is required")
    out = []
    for i, ident in enumerate(items):
        v.require(ident.type, f"{path}[{i}].type")
        v.require(ident.value.strip(), f"{path}[{i}].value")
        out.append((ident.type, ident.value))
    return out


def _purposes(ids: Sequence[str], path: str, v: Violations) -> None:
    if not ids:
        v.add(path, "name at least one purpose")
    if len(ids) > MAX_PURPOSES:
        v.add(path, f"at most {MAX_PURPOSES} purposes per check")


class LedgerRpcs:
    """Purposes, policies and the consent ledger."""

    ledger: ConsentLedger
    audit: AuditTrail

    async def ListPurposes(self, request: pb.ListPurposesRequest,
                           context: grpc.aio.ServicerContext) -> pb.ListPurposesResponse:
        return pb.ListPurposesResponse(purposes=[
            pb.Purpose(purpose_id=p.purpose_id, display_name=p.display_name, description=p.description,
                       channel=p.channel) for p in PURPOSES])

    async def PutPolicy(self, request: pb.PutPolicyRequest, context: grpc.aio.ServicerContext) -> pb.PutPolicyResponse:
        v = Violations()
        p = request.policy
        v.require(p.market, "policy.market")
        if len(p.market) > 16:
            v.add("policy.market", "at most 16 characters (ISO 3166 code or '*')")
        if p.regime not in (pb.REGIME_OPT_IN, pb.REGIME_OPT_OUT):
            v.add("policy.regime", "must be REGIME_OPT_IN or REGIME_OPT_OUT")
        for name in p.purpose_defaults:
            if name not in PURPOSE_IDS:
                v.add(f"policy.purpose_defaults[{name}]", f"unknown purpose; known: {sorted(PURPOSE_IDS)}")
        for i, name in enumerate(p.gpc_purposes):
            if name not in PURPOSE_IDS:
                v.add(f"policy.gpc_purposes[{i}]", f"unknown purpose {name!r}")
        if p.request_sla_days < 0 or p.request_sla_days > 366:
            v.add("policy.request_sla_days", "must be between 1 and 366 (0 means 30)")
        v.raise_if_any()
        stored = await self.ledger.policies.put(convert.policy_from_proto(p))
        await self.audit.record("policy.put", f"policy:{stored.market}", {"version": stored.version})
        await self.ledger.announce(ConsentChange("policy", market=stored.market, version=stored.version))
        return pb.PutPolicyResponse(policy=convert.policy_to_proto(stored))

    async def GetPolicy(self, request: pb.GetPolicyRequest, context: grpc.aio.ServicerContext) -> pb.GetPolicyResponse:
        v = Violations()
        v.require(request.market, "market")
        if request.version < 0:
            v.add("version", "must not be negative")
        v.raise_if_any()
        found = await self.ledger.policies.get(request.market, request.version, request.fallback)
        return pb.GetPolicyResponse(policy=convert.policy_to_proto(found))

    async def ListPolicies(self, request: pb.ListPoliciesRequest,
                           context: grpc.aio.ServicerContext) -> pb.ListPoliciesResponse:
        v = Violations()
        offset, limit = convert.page(request.page, "page", v)
        v.raise_if_any()
        current = self.ledger.policies.current()
        chunk = current[offset:offset + limit]
        return pb.ListPoliciesResponse(policies=[convert.policy_to_proto(p) for p in chunk],
                                       page=convert.page_info(offset, limit, len(chunk), len(current)))

    async def SetConsent(self, request: pb.SetConsentRequest,
                         context: grpc.aio.ServicerContext) -> pb.SetConsentResponse:
        v = Violations()
        idents = identifiers(request.identifiers, "identifiers", v)
        v.require(request.market, "market")
        v.require(request.source, "source")
        if not request.purposes and not request.gpc:
            v.add("purposes", "name at least one purpose (or send gpc)")
        for name in request.purposes:
            if name not in PURPOSE_IDS:
                v.add(f"purposes[{name}]", f"unknown purpose; known: {sorted(PURPOSE_IDS)}")
        if len(request.idempotency_key) > 128:
            v.add("idempotency_key", "at most 128 characters")
        v.raise_if_any()
        proof = {k: getattr(request.proof, k) for k in ("form_id", "text_sha256", "user_agent", "evidence_uri")}
        proof["ip"] = _truncate_ip(request.proof.ip)
        row, created = await self.ledger.append(
            identifiers=idents, market=request.market, purposes=dict(request.purposes), source=request.source,
            given_at=convert.from_ts(request.given_at) if request.HasField("given_at") else None, proof=proof,
            gpc=request.gpc, idempotency_key=request.idempotency_key)
        if created:
            await self.audit.record("consent.set", f"consent-record:{row['record_id']}",
                                    {"purposes": dict(request.purposes), "source": request.source})
        verdicts = await self._verdicts(idents, request.market, list(PURPOSE_IDS), gpc=False)
        return pb.SetConsentResponse(record=convert.record_to_proto(row),
                                     states=[convert.state_to_proto(x) for x in verdicts])

    async def _verdicts(self, idents: Sequence[tuple[str, str]], market: str, purpose_ids: Sequence[str],
                        gpc: bool) -> list[Verdict]:
        keys = identifier_keys(idents)
        state = await self.ledger.state(keys) if keys else SubjectState()
        policy = self.ledger.policies.resolve(market or state.market)
        return decide(purpose_ids, state, policy, has_identifiers=bool(keys), market_given=bool(market), gpc=gpc)

    async def GetConsent(self, request: pb.GetConsentRequest,
                         context: grpc.aio.ServicerContext) -> pb.GetConsentResponse:
        v = Violations()
        idents = identifiers(request.identifiers, "identifiers", v)
        v.raise_if_any()
        keys = identifier_keys(idents)
        state = await self.ledger.state(keys)
        policy = self.ledger.policies.resolve(request.market or state.market)
        verdicts = decide([p.purpose_id for p in PURPOSES], state, policy, has_identifiers=True,
                          market_given=bool(request.market), gpc=False)
        return pb.GetConsentResponse(states=[convert.state_to_proto(x) for x in verdicts], version=state.version,
                                     policy=convert.policy_to_proto(policy) if policy else None)

    async def GetConsentHistory(self, request: pb.GetConsentHistoryRequest,
                                context: grpc.aio.ServicerContext) -> pb.GetConsentHistoryResponse:
        v = Violations()
        idents = identifiers(request.identifiers, "identifiers", v)
        if request.purpose_id and request.purpose_id not in PURPOSE_IDS:
            v.add("purpose_id", "unknown purpose")
        offset, limit = convert.page(request.page, "page", v)
        v.raise_if_any()
        rows = await self.ledger.records(identifier_keys(idents), purpose_id=request.purpose_id, offset=offset,
                                         limit=limit)
        return pb.GetConsentHistoryResponse(records=[convert.record_to_proto(r) for r in rows],
                                            page=convert.page_info(offset, limit, len(rows)))

    async def CheckPurposes(self, request: pb.CheckPurposesRequest,
                            context: grpc.aio.ServicerContext) -> pb.CheckPurposesResponse:
        v = Violations()
        _purposes(request.purpose_ids, "purpose_ids", v)
        v.raise_if_any()
        # Malformed identifiers deny rather than fail: a check must always come back with an answer.
        idents = [(i.type, i.value) for i in request.identifiers]
        verdicts = await self._verdicts(idents, request.market, request.purpose_ids, request.gpc)
        return pb.CheckPurposesResponse(decisions=[convert.decision_to_proto(x) for x in verdicts],
                                        all_allowed=all(x.allowed for x in verdicts))

    async def BatchCheckPurposes(self, request: pb.BatchCheckPurposesRequest,
                                 context: grpc.aio.ServicerContext) -> pb.BatchCheckPurposesResponse:
        v = Violations()
        _purposes(request.purpose_ids, "purpose_ids", v)
        if len(request.subjects) > MAX_BATCH:
            v.add("subjects", f"at most {MAX_BATCH} people per call, got {len(request.subjects)}")
        v.raise_if_any()
        out = pb.BatchCheckPurposesResponse()
        for i, s in enumerate(request.subjects):
            verdicts = await self._verdicts([(x.type, x.value) for x in s.identifiers], s.market,
                                            request.purpose_ids, s.gpc)
            out.results.append(pb.SubjectDecisions(index=i, decisions=[convert.decision_to_proto(x) for x in verdicts],
                                                   all_allowed=all(x.allowed for x in verdicts)))
        return out

    async def ExportPerson(self, request: pb.ExportPersonRequest,
                           context: grpc.aio.ServicerContext) -> pb.ExportPersonResponse:
        v = Violations()
        idents = identifiers(request.subject.identifiers, "subject.identifiers", v)
        v.raise_if_any()
        rows = await self.ledger.records(identifier_keys(idents), newest_first=False)
        return pb.ExportPersonResponse(records=[convert.record_to_proto(r) for r in rows])

    async def ErasePerson(self, request: pb.ErasePersonRequest,
                          context: grpc.aio.ServicerContext) -> pb.ErasePersonResponse:
        v = Violations()
        idents = identifiers(request.subject.identifiers, "subject.identifiers", v)
        v.require(request.subject.request_id, "subject.request_id")
        v.raise_if_any()
        found, erased = await self.ledger.erase(identifier_keys(idents), dry_run=request.subject.dry_run)
        receipt = common_pb2.StoreReceipt(store="consent.records", items_found=found, items_erased=erased,
                                          detail="consent_records and consent_record_keys; suppression kept")
        receipt.completed_at.GetCurrentTime()
        await self.audit.record("dsr.erase", f"dsr:{request.subject.request_id}",
                                {"store": receipt.store, "found": found, "erased": erased})
        return pb.ErasePersonResponse(receipts=[receipt])


def _truncate_ip(ip: str) -> str:
    """Drops the host part: the last octet of IPv4, all but the first 48 bits of IPv6."""
    if not ip:
        return ""
    if ":" in ip:
        return ":".join(ip.split(":")[:3]) + "::"
    parts = ip.split(".")
    return ".".join(parts[:3] + ["0"]) if len(parts) == 4 else ""
