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

class TraitMergePolicy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRAIT_MERGE_POLICY_UNSPECIFIED: _ClassVar[TraitMergePolicy]
    TRAIT_MERGE_POLICY_LAST_WRITE: _ClassVar[TraitMergePolicy]
    TRAIT_MERGE_POLICY_FIRST_WRITE: _ClassVar[TraitMergePolicy]
    TRAIT_MERGE_POLICY_SUM: _ClassVar[TraitMergePolicy]
TRAIT_MERGE_POLICY_UNSPECIFIED: TraitMergePolicy
TRAIT_MERGE_POLICY_LAST_WRITE: TraitMergePolicy
TRAIT_MERGE_POLICY_FIRST_WRITE: TraitMergePolicy
TRAIT_MERGE_POLICY_SUM: TraitMergePolicy

class Trait(_message.Message):
    __slots__ = ("value", "updated_at", "source")
    VALUE_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    value: _struct_pb2.Value
    updated_at: _timestamp_pb2.Timestamp
    source: str
    def __init__(self, value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., source: _Optional[str] = ...) -> None: ...

class CategoryStats(_message.Message):
    __slots__ = ("orders", "revenue_micros", "last_purchase_at")
    ORDERS_FIELD_NUMBER: _ClassVar[int]
    REVENUE_MICROS_FIELD_NUMBER: _ClassVar[int]
    LAST_PURCHASE_AT_FIELD_NUMBER: _ClassVar[int]
    orders: int
    revenue_micros: int
    last_purchase_at: _timestamp_pb2.Timestamp
    def __init__(self, orders: _Optional[int] = ..., revenue_micros: _Optional[int] = ..., last_purchase_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ComputedTraits(_message.Message):
    __slots__ = ("event_count", "order_count", "revenue_micros", "first_seen", "last_seen", "last_order_at", "top_category", "categories", "recency_days", "market", "currency_code", "timezone")
    class CategoriesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: CategoryStats
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[CategoryStats, _Mapping]] = ...) -> None: ...
    EVENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    ORDER_COUNT_FIELD_NUMBER: _ClassVar[int]
    REVENUE_MICROS_FIELD_NUMBER: _ClassVar[int]
    FIRST_SEEN_FIELD_NUMBER: _ClassVar[int]
    LAST_SEEN_FIELD_NUMBER: _ClassVar[int]
    LAST_ORDER_AT_FIELD_NUMBER: _ClassVar[int]
    TOP_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    RECENCY_DAYS_FIELD_NUMBER: _ClassVar[int]
    MARKET_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    TIMEZONE_FIELD_NUMBER: _ClassVar[int]
    event_count: int
    order_count: int
    revenue_micros: int
    first_seen: _timestamp_pb2.Timestamp
    last_seen: _timestamp_pb2.Timestamp
    last_order_at: _timestamp_pb2.Timestamp
    top_category: str
    categories: _containers.MessageMap[str, CategoryStats]
    recency_days: int
    market: str
    currency_code: str
    timezone: str
    def __init__(self, event_count: _Optional[int] = ..., order_count: _Optional[int] = ..., revenue_micros: _Optional[int] = ..., first_seen: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_seen: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_order_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., top_category: _Optional[str] = ..., categories: _Optional[_Mapping[str, CategoryStats]] = ..., recency_days: _Optional[int] = ..., market: _Optional[str] = ..., currency_code: _Optional[str] = ..., timezone: _Optional[str] = ...) -> None: ...

class PredictiveTrait(_message.Message):
    __slots__ = ("name", "score", "label", "model_name", "model_version", "scored_at", "details")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    MODEL_NAME_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    SCORED_AT_FIELD_NUMBER: _ClassVar[int]
    DETAILS_FIELD_NUMBER: _ClassVar[int]
    name: str
    score: float
    label: str
    model_name: str
    model_version: str
    scored_at: _timestamp_pb2.Timestamp
    details: _struct_pb2.Struct
    def __init__(self, name: _Optional[str] = ..., score: _Optional[float] = ..., label: _Optional[str] = ..., model_name: _Optional[str] = ..., model_version: _Optional[str] = ..., scored_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., details: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class Profile(_message.Message):
    __slots__ = ("profile_id", "identifiers", "traits", "computed", "predictive", "audiences", "created_at", "updated_at", "masked_fields")
    class TraitsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: Trait
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[Trait, _Mapping]] = ...) -> None: ...
    class PredictiveEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: PredictiveTrait
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[PredictiveTrait, _Mapping]] = ...) -> None: ...
    PROFILE_ID_FIELD_NUMBER: _ClassVar[int]
    IDENTIFIERS_FIELD_NUMBER: _ClassVar[int]
    TRAITS_FIELD_NUMBER: _ClassVar[int]
    COMPUTED_FIELD_NUMBER: _ClassVar[int]
    PREDICTIVE_FIELD_NUMBER: _ClassVar[int]
    AUDIENCES_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    MASKED_FIELDS_FIELD_NUMBER: _ClassVar[int]
    profile_id: str
    identifiers: _containers.RepeatedCompositeFieldContainer[_common_pb2.Identifier]
    traits: _containers.MessageMap[str, Trait]
    computed: ComputedTraits
    predictive: _containers.MessageMap[str, PredictiveTrait]
    audiences: _containers.RepeatedScalarFieldContainer[str]
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    masked_fields: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, profile_id: _Optional[str] = ..., identifiers: _Optional[_Iterable[_Union[_common_pb2.Identifier, _Mapping]]] = ..., traits: _Optional[_Mapping[str, Trait]] = ..., computed: _Optional[_Union[ComputedTraits, _Mapping]] = ..., predictive: _Optional[_Mapping[str, PredictiveTrait]] = ..., audiences: _Optional[_Iterable[str]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., masked_fields: _Optional[_Iterable[str]] = ...) -> None: ...

class ProfileLookup(_message.Message):
    __slots__ = ("profile_id", "identifier")
    PROFILE_ID_FIELD_NUMBER: _ClassVar[int]
    IDENTIFIER_FIELD_NUMBER: _ClassVar[int]
    profile_id: str
    identifier: _common_pb2.Identifier
    def __init__(self, profile_id: _Optional[str] = ..., identifier: _Optional[_Union[_common_pb2.Identifier, _Mapping]] = ...) -> None: ...

class GetProfileRequest(_message.Message):
    __slots__ = ("lookup",)
    LOOKUP_FIELD_NUMBER: _ClassVar[int]
    lookup: ProfileLookup
    def __init__(self, lookup: _Optional[_Union[ProfileLookup, _Mapping]] = ...) -> None: ...

class GetProfileResponse(_message.Message):
    __slots__ = ("profile",)
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    profile: Profile
    def __init__(self, profile: _Optional[_Union[Profile, _Mapping]] = ...) -> None: ...

class BatchGetProfilesRequest(_message.Message):
    __slots__ = ("lookups",)
    LOOKUPS_FIELD_NUMBER: _ClassVar[int]
    lookups: _containers.RepeatedCompositeFieldContainer[ProfileLookup]
    def __init__(self, lookups: _Optional[_Iterable[_Union[ProfileLookup, _Mapping]]] = ...) -> None: ...

class BatchGetProfilesResponse(_message.Message):
    __slots__ = ("profiles",)
    PROFILES_FIELD_NUMBER: _ClassVar[int]
    profiles: _containers.RepeatedCompositeFieldContainer[Profile]
    def __init__(self, profiles: _Optional[_Iterable[_Union[Profile, _Mapping]]] = ...) -> None: ...

class GetTraitHistoryRequest(_message.Message):
    __slots__ = ("lookup", "trait", "page")
    LOOKUP_FIELD_NUMBER: _ClassVar[int]
    TRAIT_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    lookup: ProfileLookup
    trait: str
    page: _common_pb2.PageRequest
    def __init__(self, lookup: _Optional[_Union[ProfileLookup, _Mapping]] = ..., trait: _Optional[str] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class TraitChange(_message.Message):
    __slots__ = ("trait", "message_id")
    TRAIT_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    trait: Trait
    message_id: str
    def __init__(self, trait: _Optional[_Union[Trait, _Mapping]] = ..., message_id: _Optional[str] = ...) -> None: ...

class GetTraitHistoryResponse(_message.Message):
    __slots__ = ("changes", "page")
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    changes: _containers.RepeatedCompositeFieldContainer[TraitChange]
    page: _common_pb2.PageInfo
    def __init__(self, changes: _Optional[_Iterable[_Union[TraitChange, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class UpdateTraitsRequest(_message.Message):
    __slots__ = ("lookup", "traits", "source", "idempotency_key")
    LOOKUP_FIELD_NUMBER: _ClassVar[int]
    TRAITS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    lookup: ProfileLookup
    traits: _struct_pb2.Struct
    source: str
    idempotency_key: str
    def __init__(self, lookup: _Optional[_Union[ProfileLookup, _Mapping]] = ..., traits: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., source: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class UpdateTraitsResponse(_message.Message):
    __slots__ = ("profile",)
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    profile: Profile
    def __init__(self, profile: _Optional[_Union[Profile, _Mapping]] = ...) -> None: ...

class ProfilePredictions(_message.Message):
    __slots__ = ("profile_id", "traits")
    PROFILE_ID_FIELD_NUMBER: _ClassVar[int]
    TRAITS_FIELD_NUMBER: _ClassVar[int]
    profile_id: str
    traits: _containers.RepeatedCompositeFieldContainer[PredictiveTrait]
    def __init__(self, profile_id: _Optional[str] = ..., traits: _Optional[_Iterable[_Union[PredictiveTrait, _Mapping]]] = ...) -> None: ...

class WritePredictiveTraitsRequest(_message.Message):
    __slots__ = ("predictions",)
    PREDICTIONS_FIELD_NUMBER: _ClassVar[int]
    predictions: _containers.RepeatedCompositeFieldContainer[ProfilePredictions]
    def __init__(self, predictions: _Optional[_Iterable[_Union[ProfilePredictions, _Mapping]]] = ...) -> None: ...

class WritePredictiveTraitsResponse(_message.Message):
    __slots__ = ("written_count", "skipped_count")
    WRITTEN_COUNT_FIELD_NUMBER: _ClassVar[int]
    SKIPPED_COUNT_FIELD_NUMBER: _ClassVar[int]
    written_count: int
    skipped_count: int
    def __init__(self, written_count: _Optional[int] = ..., skipped_count: _Optional[int] = ...) -> None: ...

class IdentifierRule(_message.Message):
    __slots__ = ("type", "priority", "max_per_profile", "blocked_values", "blocked_patterns")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    MAX_PER_PROFILE_FIELD_NUMBER: _ClassVar[int]
    BLOCKED_VALUES_FIELD_NUMBER: _ClassVar[int]
    BLOCKED_PATTERNS_FIELD_NUMBER: _ClassVar[int]
    type: str
    priority: int
    max_per_profile: int
    blocked_values: _containers.RepeatedScalarFieldContainer[str]
    blocked_patterns: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, type: _Optional[str] = ..., priority: _Optional[int] = ..., max_per_profile: _Optional[int] = ..., blocked_values: _Optional[_Iterable[str]] = ..., blocked_patterns: _Optional[_Iterable[str]] = ...) -> None: ...

class TraitPolicy(_message.Message):
    __slots__ = ("trait", "policy")
    TRAIT_FIELD_NUMBER: _ClassVar[int]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    trait: str
    policy: TraitMergePolicy
    def __init__(self, trait: _Optional[str] = ..., policy: _Optional[_Union[TraitMergePolicy, str]] = ...) -> None: ...

class IdentityRules(_message.Message):
    __slots__ = ("rules", "revision", "trait_policies")
    RULES_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    TRAIT_POLICIES_FIELD_NUMBER: _ClassVar[int]
    rules: _containers.RepeatedCompositeFieldContainer[IdentifierRule]
    revision: int
    trait_policies: _containers.RepeatedCompositeFieldContainer[TraitPolicy]
    def __init__(self, rules: _Optional[_Iterable[_Union[IdentifierRule, _Mapping]]] = ..., revision: _Optional[int] = ..., trait_policies: _Optional[_Iterable[_Union[TraitPolicy, _Mapping]]] = ...) -> None: ...

class PutIdentityRulesRequest(_message.Message):
    __slots__ = ("rules",)
    RULES_FIELD_NUMBER: _ClassVar[int]
    rules: IdentityRules
    def __init__(self, rules: _Optional[_Union[IdentityRules, _Mapping]] = ...) -> None: ...

class PutIdentityRulesResponse(_message.Message):
    __slots__ = ("rules",)
    RULES_FIELD_NUMBER: _ClassVar[int]
    rules: IdentityRules
    def __init__(self, rules: _Optional[_Union[IdentityRules, _Mapping]] = ...) -> None: ...

class GetIdentityRulesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetIdentityRulesResponse(_message.Message):
    __slots__ = ("rules",)
    RULES_FIELD_NUMBER: _ClassVar[int]
    rules: IdentityRules
    def __init__(self, rules: _Optional[_Union[IdentityRules, _Mapping]] = ...) -> None: ...

class Merge(_message.Message):
    __slots__ = ("merge_id", "into_profile_id", "from_profile_id", "message_id", "evidence", "merged_at", "unmerged_at")
    MERGE_ID_FIELD_NUMBER: _ClassVar[int]
    INTO_PROFILE_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_PROFILE_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    MERGED_AT_FIELD_NUMBER: _ClassVar[int]
    UNMERGED_AT_FIELD_NUMBER: _ClassVar[int]
    merge_id: str
    into_profile_id: str
    from_profile_id: str
    message_id: str
    evidence: _containers.RepeatedCompositeFieldContainer[_common_pb2.Identifier]
    merged_at: _timestamp_pb2.Timestamp
    unmerged_at: _timestamp_pb2.Timestamp
    def __init__(self, merge_id: _Optional[str] = ..., into_profile_id: _Optional[str] = ..., from_profile_id: _Optional[str] = ..., message_id: _Optional[str] = ..., evidence: _Optional[_Iterable[_Union[_common_pb2.Identifier, _Mapping]]] = ..., merged_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., unmerged_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetMergeLineageRequest(_message.Message):
    __slots__ = ("lookup",)
    LOOKUP_FIELD_NUMBER: _ClassVar[int]
    lookup: ProfileLookup
    def __init__(self, lookup: _Optional[_Union[ProfileLookup, _Mapping]] = ...) -> None: ...

class GetMergeLineageResponse(_message.Message):
    __slots__ = ("merges",)
    MERGES_FIELD_NUMBER: _ClassVar[int]
    merges: _containers.RepeatedCompositeFieldContainer[Merge]
    def __init__(self, merges: _Optional[_Iterable[_Union[Merge, _Mapping]]] = ...) -> None: ...

class UnmergeRequest(_message.Message):
    __slots__ = ("merge_id", "reason")
    MERGE_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    merge_id: str
    reason: str
    def __init__(self, merge_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class UnmergeResponse(_message.Message):
    __slots__ = ("kept", "restored")
    KEPT_FIELD_NUMBER: _ClassVar[int]
    RESTORED_FIELD_NUMBER: _ClassVar[int]
    kept: Profile
    restored: Profile
    def __init__(self, kept: _Optional[_Union[Profile, _Mapping]] = ..., restored: _Optional[_Union[Profile, _Mapping]] = ...) -> None: ...

class RefusedMerge(_message.Message):
    __slots__ = ("message_id", "profile_ids", "rule", "refused_at")
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    PROFILE_IDS_FIELD_NUMBER: _ClassVar[int]
    RULE_FIELD_NUMBER: _ClassVar[int]
    REFUSED_AT_FIELD_NUMBER: _ClassVar[int]
    message_id: str
    profile_ids: _containers.RepeatedScalarFieldContainer[str]
    rule: str
    refused_at: _timestamp_pb2.Timestamp
    def __init__(self, message_id: _Optional[str] = ..., profile_ids: _Optional[_Iterable[str]] = ..., rule: _Optional[str] = ..., refused_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListRefusedMergesRequest(_message.Message):
    __slots__ = ("page",)
    PAGE_FIELD_NUMBER: _ClassVar[int]
    page: _common_pb2.PageRequest
    def __init__(self, page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListRefusedMergesResponse(_message.Message):
    __slots__ = ("refused", "page")
    REFUSED_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    refused: _containers.RepeatedCompositeFieldContainer[RefusedMerge]
    page: _common_pb2.PageInfo
    def __init__(self, refused: _Optional[_Iterable[_Union[RefusedMerge, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class Audience(_message.Message):
    __slots__ = ("audience_id", "name", "rule_json", "size", "revision", "evaluated_at")
    AUDIENCE_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    RULE_JSON_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    EVALUATED_AT_FIELD_NUMBER: _ClassVar[int]
    audience_id: str
    name: str
    rule_json: str
    size: int
    revision: int
    evaluated_at: _timestamp_pb2.Timestamp
    def __init__(self, audience_id: _Optional[str] = ..., name: _Optional[str] = ..., rule_json: _Optional[str] = ..., size: _Optional[int] = ..., revision: _Optional[int] = ..., evaluated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class PutAudienceRequest(_message.Message):
    __slots__ = ("audience",)
    AUDIENCE_FIELD_NUMBER: _ClassVar[int]
    audience: Audience
    def __init__(self, audience: _Optional[_Union[Audience, _Mapping]] = ...) -> None: ...

class PutAudienceResponse(_message.Message):
    __slots__ = ("audience",)
    AUDIENCE_FIELD_NUMBER: _ClassVar[int]
    audience: Audience
    def __init__(self, audience: _Optional[_Union[Audience, _Mapping]] = ...) -> None: ...

class GetAudienceRequest(_message.Message):
    __slots__ = ("audience_id",)
    AUDIENCE_ID_FIELD_NUMBER: _ClassVar[int]
    audience_id: str
    def __init__(self, audience_id: _Optional[str] = ...) -> None: ...

class GetAudienceResponse(_message.Message):
    __slots__ = ("audience",)
    AUDIENCE_FIELD_NUMBER: _ClassVar[int]
    audience: Audience
    def __init__(self, audience: _Optional[_Union[Audience, _Mapping]] = ...) -> None: ...

class ListAudiencesRequest(_message.Message):
    __slots__ = ("page",)
    PAGE_FIELD_NUMBER: _ClassVar[int]
    page: _common_pb2.PageRequest
    def __init__(self, page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListAudiencesResponse(_message.Message):
    __slots__ = ("audiences", "page")
    AUDIENCES_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    audiences: _containers.RepeatedCompositeFieldContainer[Audience]
    page: _common_pb2.PageInfo
    def __init__(self, audiences: _Optional[_Iterable[_Union[Audience, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class DeleteAudienceRequest(_message.Message):
    __slots__ = ("audience_id",)
    AUDIENCE_ID_FIELD_NUMBER: _ClassVar[int]
    audience_id: str
    def __init__(self, audience_id: _Optional[str] = ...) -> None: ...

class DeleteAudienceResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ExportAudienceRequest(_message.Message):
    __slots__ = ("audience_id", "identifier_types")
    AUDIENCE_ID_FIELD_NUMBER: _ClassVar[int]
    IDENTIFIER_TYPES_FIELD_NUMBER: _ClassVar[int]
    audience_id: str
    identifier_types: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, audience_id: _Optional[str] = ..., identifier_types: _Optional[_Iterable[str]] = ...) -> None: ...

class ExportAudienceResponse(_message.Message):
    __slots__ = ("profile_ids", "identifiers", "identifier_counts")
    PROFILE_IDS_FIELD_NUMBER: _ClassVar[int]
    IDENTIFIERS_FIELD_NUMBER: _ClassVar[int]
    IDENTIFIER_COUNTS_FIELD_NUMBER: _ClassVar[int]
    profile_ids: _containers.RepeatedScalarFieldContainer[str]
    identifiers: _containers.RepeatedCompositeFieldContainer[_common_pb2.Identifier]
    identifier_counts: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, profile_ids: _Optional[_Iterable[str]] = ..., identifiers: _Optional[_Iterable[_Union[_common_pb2.Identifier, _Mapping]]] = ..., identifier_counts: _Optional[_Iterable[int]] = ...) -> None: ...

class RebuildProfilesRequest(_message.Message):
    __slots__ = ("window",)
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    window: _common_pb2.TimeRange
    def __init__(self, window: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ...) -> None: ...

class RebuildProfilesResponse(_message.Message):
    __slots__ = ("events_processed", "profiles")
    EVENTS_PROCESSED_FIELD_NUMBER: _ClassVar[int]
    PROFILES_FIELD_NUMBER: _ClassVar[int]
    events_processed: int
    profiles: int
    def __init__(self, events_processed: _Optional[int] = ..., profiles: _Optional[int] = ...) -> None: ...

class ExportPersonRequest(_message.Message):
    __slots__ = ("subject",)
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    subject: _common_pb2.DataSubjectRef
    def __init__(self, subject: _Optional[_Union[_common_pb2.DataSubjectRef, _Mapping]] = ...) -> None: ...

class ExportPersonResponse(_message.Message):
    __slots__ = ("profiles", "merges")
    PROFILES_FIELD_NUMBER: _ClassVar[int]
    MERGES_FIELD_NUMBER: _ClassVar[int]
    profiles: _containers.RepeatedCompositeFieldContainer[Profile]
    merges: _containers.RepeatedCompositeFieldContainer[Merge]
    def __init__(self, profiles: _Optional[_Iterable[_Union[Profile, _Mapping]]] = ..., merges: _Optional[_Iterable[_Union[Merge, _Mapping]]] = ...) -> None: ...

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

class AudienceMembershipChange(_message.Message):
    __slots__ = ("audience_id", "profile_id", "entered", "changed_at", "revision", "identifiers")
    AUDIENCE_ID_FIELD_NUMBER: _ClassVar[int]
    PROFILE_ID_FIELD_NUMBER: _ClassVar[int]
    ENTERED_FIELD_NUMBER: _ClassVar[int]
    CHANGED_AT_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    IDENTIFIERS_FIELD_NUMBER: _ClassVar[int]
    audience_id: str
    profile_id: str
    entered: bool
    changed_at: _timestamp_pb2.Timestamp
    revision: int
    identifiers: _containers.RepeatedCompositeFieldContainer[_common_pb2.Identifier]
    def __init__(self, audience_id: _Optional[str] = ..., profile_id: _Optional[str] = ..., entered: _Optional[bool] = ..., changed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., revision: _Optional[int] = ..., identifiers: _Optional[_Iterable[_Union[_common_pb2.Identifier, _Mapping]]] = ...) -> None: ...
