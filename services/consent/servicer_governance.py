"""RPCs of governance (roles, audit log) and data-subject requests (requests, receipts, suppression)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import grpc
from google.protobuf import json_format

from loom.consent.v1 import consent_pb2 as pb
from services.common.consent import ConsentChange, identifier_keys
from services.common.errors import Unavailable, Violations
from services.common.pipeline import current_principal
from services.consent import convert
from services.consent.audit_trail import AuditTrail
from services.consent.governance import RoleStore
from services.consent.ledger import ConsentLedger
from services.consent.requests import FINISHED, PrivacyRequests
from services.consent.servicer_ledger import identifiers

# Starts (or finds already started) the privacy workflow of a stored request.
WorkflowStarter = Callable[[Mapping[str, Any]], Awaitable[None]]

_ROLE_ID = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
MAX_AUDIT = 100



def audit_rows(request: pb.AppendAuditRequest) -> list[dict[str, Any]]:
    """The rows of an AppendAudit request (the RPC's or one from the AUDIT stream); every problem at once."""
    v = Violations()
    if not request.entries:
        v.add("entries", "at least one entry is required")
    if len(request.entries) > MAX_AUDIT:
        v.add("entries", f"at most {MAX_AUDIT} entries per call")
    for i, e in enumerate(request.entries):
        v.require(e.actor, f"entries[{i}].actor")
        v.require(e.action, f"entries[{i}].action")
        v.require(e.service, f"entries[{i}].service")
        if e.outcome == pb.AUDIT_OUTCOME_UNSPECIFIED:
            v.add(f"entries[{i}].outcome", "must be set")
    v.raise_if_any()
    return [{
        "actor": e.actor, "role": e.role, "service": e.service, "action": e.action, "resource": e.resource,
        "outcome": e.outcome, "reason": e.reason, "request_id": e.request_id,
        "details": json_format.MessageToDict(e.details),
        "occurred_at": convert.from_ts(e.occurred_at) if e.HasField("occurred_at") else None,
    } for e in request.entries]

class GovernanceRpcs:
    """Roles and the audit log."""

    roles: RoleStore
    audit: AuditTrail

    async def PutRole(self, request: pb.PutRoleRequest, context: grpc.aio.ServicerContext) -> pb.PutRoleResponse:
        v = Violations()
        role = request.role
        if not _ROLE_ID.match(role.role_id):
            v.add("role.role_id", "lower-case letters, digits, '-' and '_', starting with a letter (max 64)")
        for i, rule in enumerate(role.field_rules):
            v.require(rule.field_path, f"role.field_rules[{i}].field_path")
            if rule.access not in (pb.FIELD_ACCESS_ALLOW, pb.FIELD_ACCESS_MASK):
                v.add(f"role.field_rules[{i}].access", "must be FIELD_ACCESS_ALLOW or FIELD_ACCESS_MASK")
        v.raise_if_any()
        document = json_format.MessageToDict(role, preserving_proto_field_name=True)
        for volatile in ("revision", "updated_at"):
            document.pop(volatile, None)
        stored = await self.roles.put(role.role_id, document)
        await self.audit.record("role.put", f"role:{role.role_id}", {"revision": stored["revision"]})
        return pb.PutRoleResponse(role=convert.role_to_proto(stored))

    async def GetRole(self, request: pb.GetRoleRequest, context: grpc.aio.ServicerContext) -> pb.GetRoleResponse:
        v = Violations()
        v.require(request.role_id, "role_id")
        v.raise_if_any()
        return pb.GetRoleResponse(role=convert.role_to_proto(await self.roles.get(request.role_id)))

    async def ListRoles(self, request: pb.ListRolesRequest, context: grpc.aio.ServicerContext) -> pb.ListRolesResponse:
        v = Violations()
        offset, limit = convert.page(request.page, "page", v)
        v.raise_if_any()
        rows, total = await self.roles.list_roles(offset, limit)
        return pb.ListRolesResponse(roles=[convert.role_to_proto(r) for r in rows],
                                    page=convert.page_info(offset, limit, len(rows), total))

    async def AppendAudit(self, request: pb.AppendAuditRequest,
                          context: grpc.aio.ServicerContext) -> pb.AppendAuditResponse:
        rows = await self.audit.log.append(audit_rows(request))
        return pb.AppendAuditResponse(entries=[convert.audit_to_proto(r) for r in rows])

    async def QueryAudit(self, request: pb.QueryAuditRequest,
                         context: grpc.aio.ServicerContext) -> pb.QueryAuditResponse:
        v = Violations()
        offset, limit = convert.page(request.page, "page", v)
        v.raise_if_any()
        w = request.window
        rows = await self.audit.log.query(
            actor=request.actor, action=request.action, resource=request.resource, service=request.service,
            start=convert.from_ts(w.start) if w.HasField("start") else None,
            end=convert.from_ts(w.end) if w.HasField("end") else None, offset=offset, limit=limit)
        return pb.QueryAuditResponse(entries=[convert.audit_to_proto(r) for r in rows],
                                     page=convert.page_info(offset, limit, len(rows)))


class PrivacyRpcs:
    """Data-subject requests and the suppression list."""

    requests: PrivacyRequests
    ledger: ConsentLedger
    audit: AuditTrail
    start_workflow: WorkflowStarter | None

    async def SubmitDataSubjectRequest(self, request: pb.SubmitDataSubjectRequestRequest,
                                       context: grpc.aio.ServicerContext) -> pb.SubmitDataSubjectRequestResponse:
        v = Violations()
        if request.kind not in (pb.DATA_SUBJECT_REQUEST_KIND_ACCESS, pb.DATA_SUBJECT_REQUEST_KIND_ERASURE):
            v.add("kind", "must be DATA_SUBJECT_REQUEST_KIND_ACCESS or DATA_SUBJECT_REQUEST_KIND_ERASURE")
        idents = identifiers(request.identifiers, "identifiers", v)
        if request.idempotency_key and not _REQUEST_ID.match(request.idempotency_key):
            v.add("idempotency_key", "1-128 characters of letters, digits and . _ : -")
        v.raise_if_any()
        policy = self.ledger.policies.resolve(request.market)
        row, created = await self.requests.create(
            request_id=request.idempotency_key or str(uuid.uuid4()), kind=request.kind, identifiers=idents,
            market=request.market, dry_run=request.dry_run,
            requested_by=request.requested_by or current_principal().subject,
            sla_days=policy.request_sla_days if policy else 30)
        if created:
            await self.audit.record("dsr.submit", f"dsr:{row['request_id']}",
                                    {"kind": request.kind, "dry_run": request.dry_run})
            if request.kind == pb.DATA_SUBJECT_REQUEST_KIND_ERASURE and not request.dry_run:
                await self.ledger.announce(ConsentChange("suppression", tuple(sorted(identifier_keys(idents)))))
        if row["state"] not in FINISHED:
            if self.start_workflow is None:
                raise Unavailable("no workflow engine is configured (LOOM_TEMPORAL_ADDRESS); the request "
                                  f"{row['request_id']} is stored and starts when you resubmit with its id as "
                                  "idempotency_key", retry_after_s=30)
            # Starting is idempotent (the workflow id is the request's), so a resubmission after a failure
            # here starts what the first attempt could not.
            await self.start_workflow(row)
        return pb.SubmitDataSubjectRequestResponse(request=convert.request_to_proto(row))

    async def GetDataSubjectRequest(self, request: pb.GetDataSubjectRequestRequest,
                                    context: grpc.aio.ServicerContext) -> pb.GetDataSubjectRequestResponse:
        v = Violations()
        v.require(request.request_id, "request_id")
        v.raise_if_any()
        return pb.GetDataSubjectRequestResponse(
            request=convert.request_to_proto(await self.requests.get(request.request_id)))

    async def ListDataSubjectRequests(self, request: pb.ListDataSubjectRequestsRequest,
                                      context: grpc.aio.ServicerContext) -> pb.ListDataSubjectRequestsResponse:
        v = Violations()
        offset, limit = convert.page(request.page, "page", v)
        v.raise_if_any()
        rows, total = await self.requests.list_requests(
            kind=request.kind, state=request.state, offset=offset, limit=limit,
            due_before=convert.from_ts(request.due_before) if request.HasField("due_before") else None)
        return pb.ListDataSubjectRequestsResponse(requests=[convert.request_to_proto(r) for r in rows],
                                                  page=convert.page_info(offset, limit, len(rows), total))

    async def UpdateDataSubjectRequest(self, request: pb.UpdateDataSubjectRequestRequest,
                                       context: grpc.aio.ServicerContext) -> pb.UpdateDataSubjectRequestResponse:
        v = Violations()
        v.require(request.request_id, "request_id")
        for i, r in enumerate(request.receipts):
            v.require(r.store, f"receipts[{i}].store")
            if r.items_erased > r.items_found:
                v.add(f"receipts[{i}].items_erased", "cannot exceed items_found")
        if request.state == pb.DATA_SUBJECT_REQUEST_STATE_FAILED and not request.error:
            v.add("error", "say why the request failed")
        v.raise_if_any()
        row = await self.requests.update(request.request_id, state=request.state,
                                         receipts=[convert.receipt_from_proto(r) for r in request.receipts],
                                         export_uri=request.export_uri, error=request.error)
        if request.state in FINISHED:
            await self.audit.record("dsr.finish", f"dsr:{request.request_id}",
                                    {"state": request.state, "stores": [r["store"] for r in row["receipts"]]})
        return pb.UpdateDataSubjectRequestResponse(request=convert.request_to_proto(row))

    async def IsSuppressed(self, request: pb.IsSuppressedRequest,
                           context: grpc.aio.ServicerContext) -> pb.IsSuppressedResponse:
        v = Violations()
        idents = identifiers(request.identifiers, "identifiers", v)
        v.raise_if_any()
        matches = await self.requests.suppressed(idents)
        return pb.IsSuppressedResponse(suppressed=bool(matches),
                                       matches=[convert.suppression_to_proto(m) for m in matches])

    async def ListSuppressions(self, request: pb.ListSuppressionsRequest,
                               context: grpc.aio.ServicerContext) -> pb.ListSuppressionsResponse:
        v = Violations()
        offset, limit = convert.page(request.page, "page", v)
        v.raise_if_any()
        rows, total = await self.requests.list_suppressions(request.identifier_type, offset, limit)
        return pb.ListSuppressionsResponse(suppressions=[convert.suppression_to_proto(r) for r in rows],
                                           page=convert.page_info(offset, limit, len(rows), total))
