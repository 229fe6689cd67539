import datetime

from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from loom.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Regime(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REGIME_UNSPECIFIED: _ClassVar[Regime]
    REGIME_OPT_IN: _ClassVar[Regime]
    REGIME_OPT_OUT: _ClassVar[Regime]

class CheckReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHECK_REASON_UNSPECIFIED: _ClassVar[CheckReason]
    CHECK_REASON_GRANTED: _ClassVar[CheckReason]
    CHECK_REASON_DENIED: _ClassVar[CheckReason]
    CHECK_REASON_DEFAULT_GRANTED: _ClassVar[CheckReason]
    CHECK_REASON_NO_RECORD_OPT_IN: _ClassVar[CheckReason]
    CHECK_REASON_UNKNOWN_SUBJECT: _ClassVar[CheckReason]
    CHECK_REASON_UNKNOWN_PURPOSE: _ClassVar[CheckReason]
    CHECK_REASON_NO_POLICY: _ClassVar[CheckReason]
    CHECK_REASON_GPC: _ClassVar[CheckReason]
    CHECK_REASON_SUPPRESSED: _ClassVar[CheckReason]
    CHECK_REASON_UNAVAILABLE: _ClassVar[CheckReason]

class FieldAccess(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FIELD_ACCESS_UNSPECIFIED: _ClassVar[FieldAccess]
    FIELD_ACCESS_ALLOW: _ClassVar[FieldAccess]
    FIELD_ACCESS_MASK: _ClassVar[FieldAccess]

class AuditOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AUDIT_OUTCOME_UNSPECIFIED: _ClassVar[AuditOutcome]
    AUDIT_OUTCOME_SUCCESS: _ClassVar[AuditOutcome]
    AUDIT_OUTCOME_DENIED: _ClassVar[AuditOutcome]
    AUDIT_OUTCOME_FAILURE: _ClassVar[AuditOutcome]

class DataSubjectRequestKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DATA_SUBJECT_REQUEST_KIND_UNSPECIFIED: _ClassVar[DataSubjectRequestKind]
    DATA_SUBJECT_REQUEST_KIND_ACCESS: _ClassVar[DataSubjectRequestKind]
    DATA_SUBJECT_REQUEST_KIND_ERASURE: _ClassVar[DataSubjectRequestKind]

class DataSubjectRequestState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DATA_SUBJECT_REQUEST_STATE_UNSPECIFIED: _ClassVar[DataSubjectRequestState]
    DATA_SUBJECT_REQUEST_STATE_RECEIVED: _ClassVar[DataSubjectRequestState]
    DATA_SUBJECT_REQUEST_STATE_RUNNING: _ClassVar[DataSubjectRequestState]
    DATA_SUBJECT_REQUEST_STATE_COMPLETED: _ClassVar[DataSubjectRequestState]
    DATA_SUBJECT_REQUEST_STATE_FAILED: _ClassVar[DataSubjectRequestState]
REGIME_UNSPECIFIED: Regime
REGIME_OPT_IN: Regime
REGIME_OPT_OUT: Regime
CHECK_REASON_UNSPECIFIED: CheckReason
CHECK_REASON_GRANTED: CheckReason
CHECK_REASON_DENIED: CheckReason
CHECK_REASON_DEFAULT_GRANTED: CheckReason
CHECK_REASON_NO_RECORD_OPT_IN: CheckReason
CHECK_REASON_UNKNOWN_SUBJECT: CheckReason
CHECK_REASON_UNKNOWN_PURPOSE: CheckReason
CHECK_REASON_NO_POLICY: CheckReason
CHECK_REASON_GPC: CheckReason
CHECK_REASON_SUPPRESSED: CheckReason
CHECK_REASON_UNAVAILABLE: CheckReason
FIELD_ACCESS_UNSPECIFIED: FieldAccess
FIELD_ACCESS_ALLOW: FieldAccess
FIELD_ACCESS_MASK: FieldAccess
AUDIT_OUTCOME_UNSPECIFIED: AuditOutcome
AUDIT_OUTCOME_SUCCESS: AuditOutcome
AUDIT_OUTCOME_DENIED: AuditOutcome
AUDIT_OUTCOME_FAILURE: AuditOutcome
DATA_SUBJECT_REQUEST_KIND_UNSPECIFIED: DataSubjectRequestKind
DATA_SUBJECT_REQUEST_KIND_ACCESS: DataSubjectRequestKind
DATA_SUBJECT_REQUEST_KIND_ERASURE: DataSubjectRequestKind
DATA_SUBJECT_REQUEST_STATE_UNSPECIFIED: DataSubjectRequestState
DATA_SUBJECT_REQUEST_STATE_RECEIVED: DataSubjectRequestState
DATA_SUBJECT_REQUEST_STATE_RUNNING: DataSubjectRequestState
DATA_SUBJECT_REQUEST_STATE_COMPLETED: DataSubjectRequestState
DATA_SUBJECT_REQUEST_STATE_FAILED: DataSubjectRequestState

class Purpose(_message.Message):
    __slots__ = ("purpose_id", "display_name", "description", "channel")
    PURPOSE_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    purpose_id: str
    display_name: str
    description: str
    channel: str
    def __init__(self, purpose_id: _Optional[str] = ..., display_name: _Optional[str] = ..., description: _Optional[str] = ..., channel: _Optional[str] = ...) -> None: ...

class Policy(_message.Message):
    __slots__ = ("market", "regime", "purpose_defaults", "honour_gpc", "gpc_purposes", "request_sla_days", "description", "version", "updated_at")
    class PurposeDefaultsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: bool
        def __init__(self, key: _Optional[str] = ..., value: _Optional[bool] = ...) -> None: ...
    MARKET_FIELD_NUMBER: _ClassVar[int]
    REGIME_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_DEFAULTS_FIELD_NUMBER: _ClassVar[int]
    HONOUR_GPC_FIELD_NUMBER: _ClassVar[int]
    GPC_PURPOSES_FIELD_NUMBER: _ClassVar[int]
    REQUEST_SLA_DAYS_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    market: str
    regime: Regime
    purpose_defaults: _containers.ScalarMap[str, bool]
    honour_gpc: bool
    gpc_purposes: _containers.RepeatedScalarFieldContainer[str]
    request_sla_days: int
    description: str
    version: int
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, market: _Optional[str] = ..., regime: _Optional[_Union[Regime, str]] = ..., purpose_defaults: _Optional[_Mapping[str, bool]] = ..., honour_gpc: _Optional[bool] = ..., gpc_purposes: _Optional[_Iterable[str]] = ..., request_sla_days: _Optional[int] = ..., description: _Optional[str] = ..., version: _Optional[int] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ConsentProof(_message.Message):
    __slots__ = ("form_id", "text_sha256", "ip", "user_agent", "evidence_uri")
    FORM_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_SHA256_FIELD_NUMBER: _ClassVar[int]
    IP_FIELD_NUMBER: _ClassVar[int]
    USER_AGENT_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_URI_FIELD_NUMBER: _ClassVar[int]
    form_id: str
    text_sha256: str
    ip: str
    user_agent: str
    evidence_uri: str
    def __init__(self, form_id: _Optional[str] = ..., text_sha256: _Optional[str] = ..., ip: _Optional[str] = ..., user_agent: _Optional[str] = ..., evidence_uri: _Optional[str] = ...) -> None: ...

class ConsentRecord(_message.Message):
    __slots__ = ("record_id", "version", "identifiers", "market", "purposes", "source", "policy_version", "given_at", "recorded_at", "proof", "gpc")
    class PurposesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: bool
        def __init__(self, key: _Optional[str] = ..., value: _Optional[bool] = ...) -> None: ...
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    IDENTIFIERS_FIELD_NUMBER: _ClassVar[int]
    MARKET_FIELD_NUMBER: _ClassVar[int]
    PURPOSES_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    POLICY_VERSION_FIELD_NUMBER: _ClassVar[int]
    GIVEN_AT_FIELD_NUMBER: _ClassVar[int]
    RECORDED_AT_FIELD_NUMBER: _ClassVar[int]
    PROOF_FIELD_NUMBER: _ClassVar[int]
    GPC_FIELD_NUMBER: _ClassVar[int]
    record_id: str
    version: int
    identifiers: _containers.RepeatedCompositeFieldContainer[_common_pb2.Identifier]
    market: str
    purposes: _containers.ScalarMap[str, bool]
    source: str
    policy_version: int
    given_at: _timestamp_pb2.Timestamp
    recorded_at: _timestamp_pb2.Timestamp
    proof: ConsentProof
    gpc: bool
    def __init__(self, record_id: _Optional[str] = ..., version: _Optional[int] = ..., identifiers: _Optional[_Iterable[_Union[_common_pb2.Identifier, _Mapping]]] = ..., market: _Optional[str] = ..., purposes: _Optional[_Mapping[str, bool]] = ..., source: _Optional[str] = ..., policy_version: _Optional[int] = ..., given_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., recorded_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., proof: _Optional[_Union[ConsentProof, _Mapping]] = ..., gpc: _Optional[bool] = ...) -> None: ...

class PurposeDecision(_message.Message):
    __slots__ = ("purpose_id", "allowed", "reason", "record_version", "policy_version")
    PURPOSE_ID_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    RECORD_VERSION_FIELD_NUMBER: _ClassVar[int]
    POLICY_VERSION_FIELD_NUMBER: _ClassVar[int]
    purpose_id: str
    allowed: bool
    reason: CheckReason
    record_version: int
    policy_version: int
    def __init__(self, purpose_id: _Optional[str] = ..., allowed: _Optional[bool] = ..., reason: _Optional[_Union[CheckReason, str]] = ..., record_version: _Optional[int] = ..., policy_version: _Optional[int] = ...) -> None: ...

class PurposeState(_message.Message):
    __slots__ = ("decision", "record_id", "source", "given_at")
    DECISION_FIELD_NUMBER: _ClassVar[int]
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    GIVEN_AT_FIELD_NUMBER: _ClassVar[int]
    decision: PurposeDecision
    record_id: str
    source: str
    given_at: _timestamp_pb2.Timestamp
    def __init__(self, decision: _Optional[_Union[PurposeDecision, _Mapping]] = ..., record_id: _Optional[str] = ..., source: _Optional[str] = ..., given_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListPurposesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListPurposesResponse(_message.Message):
    __slots__ = ("purposes",)
    PURPOSES_FIELD_NUMBER: _ClassVar[int]
    purposes: _containers.RepeatedCompositeFieldContainer[Purpose]
    def __init__(self, purposes: _Optional[_Iterable[_Union[Purpose, _Mapping]]] = ...) -> None: ...

class PutPolicyRequest(_message.Message):
    __slots__ = ("policy",)
    POLICY_FIELD_NUMBER: _ClassVar[int]
    policy: Policy
    def __init__(self, policy: _Optional[_Union[Policy, _Mapping]] = ...) -> None: ...

class PutPolicyResponse(_message.Message):
    __slots__ = ("policy",)
    POLICY_FIELD_NUMBER: _ClassVar[int]
    policy: Policy
    def __init__(self, policy: _Optional[_Union[Policy, _Mapping]] = ...) -> None: ...

class GetPolicyRequest(_message.Message):
    __slots__ = ("market", "version", "fallback")
    MARKET_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    FALLBACK_FIELD_NUMBER: _ClassVar[int]
    market: str
    version: int
    fallback: bool
    def __init__(self, market: _Optional[str] = ..., version: _Optional[int] = ..., fallback: _Optional[bool] = ...) -> None: ...

class GetPolicyResponse(_message.Message):
    __slots__ = ("policy",)
    POLICY_FIELD_NUMBER: _ClassVar[int]
    policy: Policy
    def __init__(self, policy: _Optional[_Union[Policy, _Mapping]] = ...) -> None: ...

class ListPoliciesRequest(_message.Message):
    __slots__ = ("page",)
    PAGE_FIELD_NUMBER: _ClassVar[int]
    page: _common_pb2.PageRequest
    def __init__(self, page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListPoliciesResponse(_message.Message):
    __slots__ = ("policies", "page")
    POLICIES_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    policies: _containers.RepeatedCompositeFieldContainer[Policy]
    page: _common_pb2.PageInfo
    def __init__(self, policies: _Optional[_Iterable[_Union[Policy, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class SetConsentRequest(_message.Message):
    __slots__ = ("identifiers", "market", "purposes", "source", "given_at", "proof", "gpc", "idempotency_key")
    class PurposesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: bool
        def __init__(self, key: _Optional[str] = ..., value: _Optional[bool] = ...) -> None: ...
    IDENTIFIERS_FIELD_NUMBER: _ClassVar[int]
    MARKET_FIELD_NUMBER: _ClassVar[int]
    PURPOSES_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    GIVEN_AT_FIELD_NUMBER: _ClassVar[int]
    PROOF_FIELD_NUMBER: _ClassVar[int]
    GPC_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    identifiers: _containers.RepeatedCompositeFieldContainer[_common_pb2.Identifier]
    market: str
    purposes: _containers.ScalarMap[str, bool]
    source: str
    given_at: _timestamp_pb2.Timestamp
    proof: ConsentProof
    gpc: bool
    idempotency_key: str
    def __init__(self, identifiers: _Optional[_Iterable[_Union[_common_pb2.Identifier, _Mapping]]] = ..., market: _Optional[str] = ..., purposes: _Optional[_Mapping[str, bool]] = ..., source: _Optional[str] = ..., given_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., proof: _Optional[_Union[ConsentProof, _Mapping]] = ..., gpc: _Optional[bool] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class SetConsentResponse(_message.Message):
    __slots__ = ("record", "states")
    RECORD_FIELD_NUMBER: _ClassVar[int]
    STATES_FIELD_NUMBER: _ClassVar[int]
    record: ConsentRecord
    states: _containers.RepeatedCompositeFieldContainer[PurposeState]
    def __init__(self, record: _Optional[_Union[ConsentRecord, _Mapping]] = ..., states: _Optional[_Iterable[_Union[PurposeState, _Mapping]]] = ...) -> None: ...

class GetConsentRequest(_message.Message):
    __slots__ = ("identifiers", "market")
    IDENTIFIERS_FIELD_NUMBER: _ClassVar[int]
    MARKET_FIELD_NUMBER: _ClassVar[int]
    identifiers: _containers.RepeatedCompositeFieldContainer[_common_pb2.Identifier]
    market: str
    def __init__(self, identifiers: _Optional[_Iterable[_Union[_common_pb2.Identifier, _Mapping]]] = ..., market: _Optional[str] = ...) -> None: ...

class GetConsentResponse(_message.Message):
    __slots__ = ("states", "version", "policy")
    STATES_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    states: _containers.RepeatedCompositeFieldContainer[PurposeState]
    version: int
    policy: Policy
    def __init__(self, states: _Optional[_Iterable[_Union[PurposeState, _Mapping]]] = ..., version: _Optional[int] = ..., policy: _Optional[_Union[Policy, _Mapping]] = ...) -> None: ...

class GetConsentHistoryRequest(_message.Message):
    __slots__ = ("identifiers", "purpose_id", "page")
    IDENTIFIERS_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    identifiers: _containers.RepeatedCompositeFieldContainer[_common_pb2.Identifier]
    purpose_id: str
    page: _common_pb2.PageRequest
    def __init__(self, identifiers: _Optional[_Iterable[_Union[_common_pb2.Identifier, _Mapping]]] = ..., purpose_id: _Optional[str] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class GetConsentHistoryResponse(_message.Message):
    __slots__ = ("records", "page")
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    records: _containers.RepeatedCompositeFieldContainer[ConsentRecord]
    page: _common_pb2.PageInfo
    def __init__(self, records: _Optional[_Iterable[_Union[ConsentRecord, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class CheckPurposesRequest(_message.Message):
    __slots__ = ("identifiers", "market", "purpose_ids", "gpc")
    IDENTIFIERS_FIELD_NUMBER: _ClassVar[int]
    MARKET_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_IDS_FIELD_NUMBER: _ClassVar[int]
    GPC_FIELD_NUMBER: _ClassVar[int]
    identifiers: _containers.RepeatedCompositeFieldContainer[_common_pb2.Identifier]
    market: str
    purpose_ids: _containers.RepeatedScalarFieldContainer[str]
    gpc: bool
    def __init__(self, identifiers: _Optional[_Iterable[_Union[_common_pb2.Identifier, _Mapping]]] = ..., market: _Optional[str] = ..., purpose_ids: _Optional[_Iterable[str]] = ..., gpc: _Optional[bool] = ...) -> None: ...

class CheckPurposesResponse(_message.Message):
    __slots__ = ("decisions", "all_allowed")
    DECISIONS_FIELD_NUMBER: _ClassVar[int]
    ALL_ALLOWED_FIELD_NUMBER: _ClassVar[int]
    decisions: _containers.RepeatedCompositeFieldContainer[PurposeDecision]
    all_allowed: bool
    def __init__(self, decisions: _Optional[_Iterable[_Union[PurposeDecision, _Mapping]]] = ..., all_allowed: _Optional[bool] = ...) -> None: ...

class SubjectCheck(_message.Message):
    __slots__ = ("identifiers", "market", "gpc")
    IDENTIFIERS_FIELD_NUMBER: _ClassVar[int]
    MARKET_FIELD_NUMBER: _ClassVar[int]
    GPC_FIELD_NUMBER: _ClassVar[int]
    identifiers: _containers.RepeatedCompositeFieldContainer[_common_pb2.Identifier]
    market: str
    gpc: bool
    def __init__(self, identifiers: _Optional[_Iterable[_Union[_common_pb2.Identifier, _Mapping]]] = ..., market: _Optional[str] = ..., gpc: _Optional[bool] = ...) -> None: ...

class SubjectDecisions(_message.Message):
    __slots__ = ("index", "decisions", "all_allowed")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    DECISIONS_FIELD_NUMBER: _ClassVar[int]
    ALL_ALLOWED_FIELD_NUMBER: _ClassVar[int]
    index: int
    decisions: _containers.RepeatedCompositeFieldContainer[PurposeDecision]
    all_allowed: bool
    def __init__(self, index: _Optional[int] = ..., decisions: _Optional[_Iterable[_Union[PurposeDecision, _Mapping]]] = ..., all_allowed: _Optional[bool] = ...) -> None: ...

class BatchCheckPurposesRequest(_message.Message):
    __slots__ = ("subjects", "purpose_ids")
    SUBJECTS_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_IDS_FIELD_NUMBER: _ClassVar[int]
    subjects: _containers.RepeatedCompositeFieldContainer[SubjectCheck]
    purpose_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, subjects: _Optional[_Iterable[_Union[SubjectCheck, _Mapping]]] = ..., purpose_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class BatchCheckPurposesResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[SubjectDecisions]
    def __init__(self, results: _Optional[_Iterable[_Union[SubjectDecisions, _Mapping]]] = ...) -> None: ...

class FieldRule(_message.Message):
    __slots__ = ("field_path", "access")
    FIELD_PATH_FIELD_NUMBER: _ClassVar[int]
    ACCESS_FIELD_NUMBER: _ClassVar[int]
    field_path: str
    access: FieldAccess
    def __init__(self, field_path: _Optional[str] = ..., access: _Optional[_Union[FieldAccess, str]] = ...) -> None: ...

class Role(_message.Message):
    __slots__ = ("role_id", "description", "field_rules", "default_access", "allowed_methods", "revision", "updated_at")
    ROLE_ID_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    FIELD_RULES_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_ACCESS_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_METHODS_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    role_id: str
    description: str
    field_rules: _containers.RepeatedCompositeFieldContainer[FieldRule]
    default_access: FieldAccess
    allowed_methods: _containers.RepeatedScalarFieldContainer[str]
    revision: int
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, role_id: _Optional[str] = ..., description: _Optional[str] = ..., field_rules: _Optional[_Iterable[_Union[FieldRule, _Mapping]]] = ..., default_access: _Optional[_Union[FieldAccess, str]] = ..., allowed_methods: _Optional[_Iterable[str]] = ..., revision: _Optional[int] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class PutRoleRequest(_message.Message):
    __slots__ = ("role",)
    ROLE_FIELD_NUMBER: _ClassVar[int]
    role: Role
    def __init__(self, role: _Optional[_Union[Role, _Mapping]] = ...) -> None: ...

class PutRoleResponse(_message.Message):
    __slots__ = ("role",)
    ROLE_FIELD_NUMBER: _ClassVar[int]
    role: Role
    def __init__(self, role: _Optional[_Union[Role, _Mapping]] = ...) -> None: ...

class GetRoleRequest(_message.Message):
    __slots__ = ("role_id",)
    ROLE_ID_FIELD_NUMBER: _ClassVar[int]
    role_id: str
    def __init__(self, role_id: _Optional[str] = ...) -> None: ...

class GetRoleResponse(_message.Message):
    __slots__ = ("role",)
    ROLE_FIELD_NUMBER: _ClassVar[int]
    role: Role
    def __init__(self, role: _Optional[_Union[Role, _Mapping]] = ...) -> None: ...

class ListRolesRequest(_message.Message):
    __slots__ = ("page",)
    PAGE_FIELD_NUMBER: _ClassVar[int]
    page: _common_pb2.PageRequest
    def __init__(self, page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListRolesResponse(_message.Message):
    __slots__ = ("roles", "page")
    ROLES_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    roles: _containers.RepeatedCompositeFieldContainer[Role]
    page: _common_pb2.PageInfo
    def __init__(self, roles: _Optional[_Iterable[_Union[Role, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class AuditEntry(_message.Message):
    __slots__ = ("sequence", "actor", "role", "service", "action", "resource", "outcome", "reason", "details", "request_id", "occurred_at", "hash")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DETAILS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    HASH_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    actor: str
    role: str
    service: str
    action: str
    resource: str
    outcome: AuditOutcome
    reason: str
    details: _struct_pb2.Struct
    request_id: str
    occurred_at: _timestamp_pb2.Timestamp
    hash: str
    def __init__(self, sequence: _Optional[int] = ..., actor: _Optional[str] = ..., role: _Optional[str] = ..., service: _Optional[str] = ..., action: _Optional[str] = ..., resource: _Optional[str] = ..., outcome: _Optional[_Union[AuditOutcome, str]] = ..., reason: _Optional[str] = ..., details: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., request_id: _Optional[str] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., hash: _Optional[str] = ...) -> None: ...

class AppendAuditRequest(_message.Message):
    __slots__ = ("entries",)
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[AuditEntry]
    def __init__(self, entries: _Optional[_Iterable[_Union[AuditEntry, _Mapping]]] = ...) -> None: ...

class AppendAuditResponse(_message.Message):
    __slots__ = ("entries",)
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[AuditEntry]
    def __init__(self, entries: _Optional[_Iterable[_Union[AuditEntry, _Mapping]]] = ...) -> None: ...

class QueryAuditRequest(_message.Message):
    __slots__ = ("actor", "action", "resource", "service", "window", "page")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    actor: str
    action: str
    resource: str
    service: str
    window: _common_pb2.TimeRange
    page: _common_pb2.PageRequest
    def __init__(self, actor: _Optional[str] = ..., action: _Optional[str] = ..., resource: _Optional[str] = ..., service: _Optional[str] = ..., window: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class QueryAuditResponse(_message.Message):
    __slots__ = ("entries", "page")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[AuditEntry]
    page: _common_pb2.PageInfo
    def __init__(self, entries: _Optional[_Iterable[_Union[AuditEntry, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class DataSubjectRequest(_message.Message):
    __slots__ = ("request_id", "kind", "identifiers", "market", "dry_run", "requested_by", "state", "workflow_id", "submitted_at", "due_at", "finished_at", "receipts", "export_uri", "error")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    IDENTIFIERS_FIELD_NUMBER: _ClassVar[int]
    MARKET_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_BY_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_AT_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    FINISHED_AT_FIELD_NUMBER: _ClassVar[int]
    RECEIPTS_FIELD_NUMBER: _ClassVar[int]
    EXPORT_URI_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    kind: DataSubjectRequestKind
    identifiers: _containers.RepeatedCompositeFieldContainer[_common_pb2.Identifier]
    market: str
    dry_run: bool
    requested_by: str
    state: DataSubjectRequestState
    workflow_id: str
    submitted_at: _timestamp_pb2.Timestamp
    due_at: _timestamp_pb2.Timestamp
    finished_at: _timestamp_pb2.Timestamp
    receipts: _containers.RepeatedCompositeFieldContainer[_common_pb2.StoreReceipt]
    export_uri: str
    error: str
    def __init__(self, request_id: _Optional[str] = ..., kind: _Optional[_Union[DataSubjectRequestKind, str]] = ..., identifiers: _Optional[_Iterable[_Union[_common_pb2.Identifier, _Mapping]]] = ..., market: _Optional[str] = ..., dry_run: _Optional[bool] = ..., requested_by: _Optional[str] = ..., state: _Optional[_Union[DataSubjectRequestState, str]] = ..., workflow_id: _Optional[str] = ..., submitted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., finished_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., receipts: _Optional[_Iterable[_Union[_common_pb2.StoreReceipt, _Mapping]]] = ..., export_uri: _Optional[str] = ..., error: _Optional[str] = ...) -> None: ...

class SubmitDataSubjectRequestRequest(_message.Message):
    __slots__ = ("kind", "identifiers", "market", "dry_run", "requested_by", "idempotency_key")
    KIND_FIELD_NUMBER: _ClassVar[int]
    IDENTIFIERS_FIELD_NUMBER: _ClassVar[int]
    MARKET_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_BY_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    kind: DataSubjectRequestKind
    identifiers: _containers.RepeatedCompositeFieldContainer[_common_pb2.Identifier]
    market: str
    dry_run: bool
    requested_by: str
    idempotency_key: str
    def __init__(self, kind: _Optional[_Union[DataSubjectRequestKind, str]] = ..., identifiers: _Optional[_Iterable[_Union[_common_pb2.Identifier, _Mapping]]] = ..., market: _Optional[str] = ..., dry_run: _Optional[bool] = ..., requested_by: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class SubmitDataSubjectRequestResponse(_message.Message):
    __slots__ = ("request",)
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    request: DataSubjectRequest
    def __init__(self, request: _Optional[_Union[DataSubjectRequest, _Mapping]] = ...) -> None: ...

class GetDataSubjectRequestRequest(_message.Message):
    __slots__ = ("request_id",)
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    def __init__(self, request_id: _Optional[str] = ...) -> None: ...

class GetDataSubjectRequestResponse(_message.Message):
    __slots__ = ("request",)
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    request: DataSubjectRequest
    def __init__(self, request: _Optional[_Union[DataSubjectRequest, _Mapping]] = ...) -> None: ...

class ListDataSubjectRequestsRequest(_message.Message):
    __slots__ = ("kind", "state", "due_before", "page")
    KIND_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    DUE_BEFORE_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    kind: DataSubjectRequestKind
    state: DataSubjectRequestState
    due_before: _timestamp_pb2.Timestamp
    page: _common_pb2.PageRequest
    def __init__(self, kind: _Optional[_Union[DataSubjectRequestKind, str]] = ..., state: _Optional[_Union[DataSubjectRequestState, str]] = ..., due_before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListDataSubjectRequestsResponse(_message.Message):
    __slots__ = ("requests", "page")
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    requests: _containers.RepeatedCompositeFieldContainer[DataSubjectRequest]
    page: _common_pb2.PageInfo
    def __init__(self, requests: _Optional[_Iterable[_Union[DataSubjectRequest, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class UpdateDataSubjectRequestRequest(_message.Message):
    __slots__ = ("request_id", "state", "receipts", "export_uri", "error")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    RECEIPTS_FIELD_NUMBER: _ClassVar[int]
    EXPORT_URI_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    state: DataSubjectRequestState
    receipts: _containers.RepeatedCompositeFieldContainer[_common_pb2.StoreReceipt]
    export_uri: str
    error: str
    def __init__(self, request_id: _Optional[str] = ..., state: _Optional[_Union[DataSubjectRequestState, str]] = ..., receipts: _Optional[_Iterable[_Union[_common_pb2.StoreReceipt, _Mapping]]] = ..., export_uri: _Optional[str] = ..., error: _Optional[str] = ...) -> None: ...

class UpdateDataSubjectRequestResponse(_message.Message):
    __slots__ = ("request",)
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    request: DataSubjectRequest
    def __init__(self, request: _Optional[_Union[DataSubjectRequest, _Mapping]] = ...) -> None: ...

class Suppression(_message.Message):
    __slots__ = ("identifier_type", "value_sha256", "request_id", "suppressed_at")
    IDENTIFIER_TYPE_FIELD_NUMBER: _ClassVar[int]
    VALUE_SHA256_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    SUPPRESSED_AT_FIELD_NUMBER: _ClassVar[int]
    identifier_type: str
    value_sha256: str
    request_id: str
    suppressed_at: _timestamp_pb2.Timestamp
    def __init__(self, identifier_type: _Optional[str] = ..., value_sha256: _Optional[str] = ..., request_id: _Optional[str] = ..., suppressed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class IsSuppressedRequest(_message.Message):
    __slots__ = ("identifiers",)
    IDENTIFIERS_FIELD_NUMBER: _ClassVar[int]
    identifiers: _containers.RepeatedCompositeFieldContainer[_common_pb2.Identifier]
    def __init__(self, identifiers: _Optional[_Iterable[_Union[_common_pb2.Identifier, _Mapping]]] = ...) -> None: ...

class IsSuppressedResponse(_message.Message):
    __slots__ = ("suppressed", "matches")
    SUPPRESSED_FIELD_NUMBER: _ClassVar[int]
    MATCHES_FIELD_NUMBER: _ClassVar[int]
    suppressed: bool
    matches: _containers.RepeatedCompositeFieldContainer[Suppression]
    def __init__(self, suppressed: _Optional[bool] = ..., matches: _Optional[_Iterable[_Union[Suppression, _Mapping]]] = ...) -> None: ...

class ListSuppressionsRequest(_message.Message):
    __slots__ = ("identifier_type", "page")
    IDENTIFIER_TYPE_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    identifier_type: str
    page: _common_pb2.PageRequest
    def __init__(self, identifier_type: _Optional[str] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListSuppressionsResponse(_message.Message):
    __slots__ = ("suppressions", "page")
    SUPPRESSIONS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    suppressions: _containers.RepeatedCompositeFieldContainer[Suppression]
    page: _common_pb2.PageInfo
    def __init__(self, suppressions: _Optional[_Iterable[_Union[Suppression, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class ExportPersonRequest(_message.Message):
    __slots__ = ("subject",)
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    subject: _common_pb2.DataSubjectRef
    def __init__(self, subject: _Optional[_Union[_common_pb2.DataSubjectRef, _Mapping]] = ...) -> None: ...

class ExportPersonResponse(_message.Message):
    __slots__ = ("records",)
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    records: _containers.RepeatedCompositeFieldContainer[ConsentRecord]
    def __init__(self, records: _Optional[_Iterable[_Union[ConsentRecord, _Mapping]]] = ...) -> None: ...

class ErasePersonRequest(_message.Message):
    __slots__ = ("subject",)
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    subject: _common_pb2.DataSubjectRef
    def __init__(self, subject: _Optional[_Union[_common_pb2.DataSubjectRef, _Mapping]] = ...) -> None: ...

class ErasePersonResponse(_message.Message):
    __slots__ = ("receipts",)
    RECEIPTS_FIELD_NUMBER: _ClassVar[int]
    receipts: _containers.RepeatedCompositeFieldContainer[_common_pb2.StoreReceipt]
    def __init__(self, receipts: _Optional[_Iterable[_Union[_common_pb2.StoreReceipt, _Mapping]]] = ...) -> None: ...
