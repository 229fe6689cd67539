"""gRPC adapter of the consent service: one servicer assembled from the ledger, governance and privacy RPCs."""

from __future__ import annotations

from loom.consent.v1 import consent_pb2 as pb
from loom.consent.v1 import consent_pb2_grpc as pb_grpc
from services.common.auth import ADMIN, ANALYST, OPERATOR, SERVICE, MethodPolicy
from services.consent.audit_trail import AuditTrail
from services.consent.governance import RoleStore
from services.consent.ledger import ConsentLedger
from services.consent.requests import PrivacyRequests
from services.consent.servicer_governance import GovernanceRpcs, PrivacyRpcs, WorkflowStarter
from services.consent.servicer_ledger import LedgerRpcs

FULL_NAME = pb.DESCRIPTOR.services_by_name["ConsentService"].full_name
READERS = frozenset({SERVICE, OPERATOR, ANALYST})
ADMINS = frozenset({ADMIN})
POLICY = MethodPolicy(
    FULL_NAME,
    roles={
        "ListPurposes": READERS,
        "GetPolicy": READERS,
        "ListPolicies": READERS,
        # Legal rules and access rules change only by an administrator.
        "PutPolicy": ADMINS,
        "PutRole": ADMINS,
        "GetRole": READERS,
        "ListRoles": READERS,
        "AppendAudit": frozenset({SERVICE}),
        # The audit log says who looked at whom: operators only, not analysts.
        "QueryAudit": frozenset({OPERATOR}),
        # Progress and erasure of the ledger come from the privacy workflow's worker.
        "UpdateDataSubjectRequest": frozenset({SERVICE}),
        "ErasePerson": frozenset({SERVICE}),
        "ExportPerson": frozenset({SERVICE}),
    },
)


class ConsentServicer(LedgerRpcs, GovernanceRpcs, PrivacyRpcs, pb_grpc.ConsentServiceServicer):
    """Every RPC of the consent contract."""

    def __init__(self, ledger: ConsentLedger, roles: RoleStore, audit: AuditTrail, requests: PrivacyRequests,
                 start_workflow: WorkflowStarter | None) -> None:
        self.ledger = ledger
        self.roles = roles
        self.audit = audit
        self.requests = requests
        self.start_workflow = start_workflow
