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

class EventType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EVENT_TYPE_UNSPECIFIED: _ClassVar[EventType]
    EVENT_TYPE_TRACK: _ClassVar[EventType]
    EVENT_TYPE_IDENTIFY: _ClassVar[EventType]
    EVENT_TYPE_PAGE: _ClassVar[EventType]
    EVENT_TYPE_SCREEN: _ClassVar[EventType]
    EVENT_TYPE_GROUP: _ClassVar[EventType]
    EVENT_TYPE_ALIAS: _ClassVar[EventType]

class ViolationKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VIOLATION_KIND_UNSPECIFIED: _ClassVar[ViolationKind]
    VIOLATION_KIND_UNPLANNED_EVENT: _ClassVar[ViolationKind]
    VIOLATION_KIND_REQUIRED_MISSING: _ClassVar[ViolationKind]
    VIOLATION_KIND_TYPE_MISMATCH: _ClassVar[ViolationKind]
    VIOLATION_KIND_ADDITIONAL_PROPERTY: _ClassVar[ViolationKind]
    VIOLATION_KIND_CONSTRAINT: _ClassVar[ViolationKind]
    VIOLATION_KIND_CONTRACT: _ClassVar[ViolationKind]

class EventStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EVENT_STATUS_UNSPECIFIED: _ClassVar[EventStatus]
    EVENT_STATUS_ACCEPTED: _ClassVar[EventStatus]
    EVENT_STATUS_DUPLICATE: _ClassVar[EventStatus]
    EVENT_STATUS_REJECTED: _ClassVar[EventStatus]
    EVENT_STATUS_QUARANTINED: _ClassVar[EventStatus]
    EVENT_STATUS_SUPPRESSED: _ClassVar[EventStatus]

class PlanMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PLAN_MODE_UNSPECIFIED: _ClassVar[PlanMode]
    PLAN_MODE_ALLOW: _ClassVar[PlanMode]
    PLAN_MODE_BLOCK: _ClassVar[PlanMode]
    PLAN_MODE_QUARANTINE: _ClassVar[PlanMode]
EVENT_TYPE_UNSPECIFIED: EventType
EVENT_TYPE_TRACK: EventType
EVENT_TYPE_IDENTIFY: EventType
EVENT_TYPE_PAGE: EventType
EVENT_TYPE_SCREEN: EventType
EVENT_TYPE_GROUP: EventType
EVENT_TYPE_ALIAS: EventType
VIOLATION_KIND_UNSPECIFIED: ViolationKind
VIOLATION_KIND_UNPLANNED_EVENT: ViolationKind
VIOLATION_KIND_REQUIRED_MISSING: ViolationKind
VIOLATION_KIND_TYPE_MISMATCH: ViolationKind
VIOLATION_KIND_ADDITIONAL_PROPERTY: ViolationKind
VIOLATION_KIND_CONSTRAINT: ViolationKind
VIOLATION_KIND_CONTRACT: ViolationKind
EVENT_STATUS_UNSPECIFIED: EventStatus
EVENT_STATUS_ACCEPTED: EventStatus
EVENT_STATUS_DUPLICATE: EventStatus
EVENT_STATUS_REJECTED: EventStatus
EVENT_STATUS_QUARANTINED: EventStatus
EVENT_STATUS_SUPPRESSED: EventStatus
PLAN_MODE_UNSPECIFIED: PlanMode
PLAN_MODE_ALLOW: PlanMode
PLAN_MODE_BLOCK: PlanMode
PLAN_MODE_QUARANTINE: PlanMode

class AppContext(_message.Message):
    __slots__ = ("name", "version", "build")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    BUILD_FIELD_NUMBER: _ClassVar[int]
    name: str
    version: str
    build: str
    def __init__(self, name: _Optional[str] = ..., version: _Optional[str] = ..., build: _Optional[str] = ...) -> None: ...

class DeviceContext(_message.Message):
    __slots__ = ("id", "type", "manufacturer", "model")
    ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    MANUFACTURER_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    id: str
    type: str
    manufacturer: str
    model: str
    def __init__(self, id: _Optional[str] = ..., type: _Optional[str] = ..., manufacturer: _Optional[str] = ..., model: _Optional[str] = ...) -> None: ...

class EventContext(_message.Message):
    __slots__ = ("app", "device", "locale", "timezone", "ip", "user_agent", "page_url", "campaign")
    class CampaignEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    APP_FIELD_NUMBER: _ClassVar[int]
    DEVICE_FIELD_NUMBER: _ClassVar[int]
    LOCALE_FIELD_NUMBER: _ClassVar[int]
    TIMEZONE_FIELD_NUMBER: _ClassVar[int]
    IP_FIELD_NUMBER: _ClassVar[int]
    USER_AGENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_URL_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_FIELD_NUMBER: _ClassVar[int]
    app: AppContext
    device: DeviceContext
    locale: str
    timezone: str
    ip: str
    user_agent: str
    page_url: str
    campaign: _containers.ScalarMap[str, str]
    def __init__(self, app: _Optional[_Union[AppContext, _Mapping]] = ..., device: _Optional[_Union[DeviceContext, _Mapping]] = ..., locale: _Optional[str] = ..., timezone: _Optional[str] = ..., ip: _Optional[str] = ..., user_agent: _Optional[str] = ..., page_url: _Optional[str] = ..., campaign: _Optional[_Mapping[str, str]] = ...) -> None: ...

class Product(_message.Message):
    __slots__ = ("product_id", "sku", "name", "category", "brand", "price", "quantity", "image_url")
    PRODUCT_ID_FIELD_NUMBER: _ClassVar[int]
    SKU_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    BRAND_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    IMAGE_URL_FIELD_NUMBER: _ClassVar[int]
    product_id: str
    sku: str
    name: str
    category: str
    brand: str
    price: _common_pb2.Money
    quantity: int
    image_url: str
    def __init__(self, product_id: _Optional[str] = ..., sku: _Optional[str] = ..., name: _Optional[str] = ..., category: _Optional[str] = ..., brand: _Optional[str] = ..., price: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., quantity: _Optional[int] = ..., image_url: _Optional[str] = ...) -> None: ...

class Commerce(_message.Message):
    __slots__ = ("order_id", "products", "revenue", "category", "payment_method")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    PRODUCTS_FIELD_NUMBER: _ClassVar[int]
    REVENUE_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_METHOD_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    products: _containers.RepeatedCompositeFieldContainer[Product]
    revenue: _common_pb2.Money
    category: str
    payment_method: str
    def __init__(self, order_id: _Optional[str] = ..., products: _Optional[_Iterable[_Union[Product, _Mapping]]] = ..., revenue: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., category: _Optional[str] = ..., payment_method: _Optional[str] = ...) -> None: ...

class Event(_message.Message):
    __slots__ = ("message_id", "type", "event", "user_id", "anonymous_id", "identifiers", "properties", "traits", "context", "sent_at", "timestamp", "received_at", "previous_id", "group_id", "commerce", "consent", "source_id", "market", "original_timestamp", "schema_version")
    class ConsentEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: bool
        def __init__(self, key: _Optional[str] = ..., value: _Optional[bool] = ...) -> None: ...
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    ANONYMOUS_ID_FIELD_NUMBER: _ClassVar[int]
    IDENTIFIERS_FIELD_NUMBER: _ClassVar[int]
    PROPERTIES_FIELD_NUMBER: _ClassVar[int]
    TRAITS_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    SENT_AT_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_AT_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    COMMERCE_FIELD_NUMBER: _ClassVar[int]
    CONSENT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    MARKET_FIELD_NUMBER: _ClassVar[int]
    ORIGINAL_TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_VERSION_FIELD_NUMBER: _ClassVar[int]
    message_id: str
    type: EventType
    event: str
    user_id: str
    anonymous_id: str
    identifiers: _containers.RepeatedCompositeFieldContainer[_common_pb2.Identifier]
    properties: _struct_pb2.Struct
    traits: _struct_pb2.Struct
    context: EventContext
    sent_at: _timestamp_pb2.Timestamp
    timestamp: _timestamp_pb2.Timestamp
    received_at: _timestamp_pb2.Timestamp
    previous_id: str
    group_id: str
    commerce: Commerce
    consent: _containers.ScalarMap[str, bool]
    source_id: str
    market: str
    original_timestamp: _timestamp_pb2.Timestamp
    schema_version: int
    def __init__(self, message_id: _Optional[str] = ..., type: _Optional[_Union[EventType, str]] = ..., event: _Optional[str] = ..., user_id: _Optional[str] = ..., anonymous_id: _Optional[str] = ..., identifiers: _Optional[_Iterable[_Union[_common_pb2.Identifier, _Mapping]]] = ..., properties: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., traits: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., context: _Optional[_Union[EventContext, _Mapping]] = ..., sent_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., received_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., previous_id: _Optional[str] = ..., group_id: _Optional[str] = ..., commerce: _Optional[_Union[Commerce, _Mapping]] = ..., consent: _Optional[_Mapping[str, bool]] = ..., source_id: _Optional[str] = ..., market: _Optional[str] = ..., original_timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., schema_version: _Optional[int] = ...) -> None: ...

class EventBatch(_message.Message):
    __slots__ = ("events",)
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[Event]
    def __init__(self, events: _Optional[_Iterable[_Union[Event, _Mapping]]] = ...) -> None: ...

class Violation(_message.Message):
    __slots__ = ("kind", "field", "description")
    KIND_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    kind: ViolationKind
    field: str
    description: str
    def __init__(self, kind: _Optional[_Union[ViolationKind, str]] = ..., field: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class EventResult(_message.Message):
    __slots__ = ("index", "message_id", "status", "violations")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    VIOLATIONS_FIELD_NUMBER: _ClassVar[int]
    index: int
    message_id: str
    status: EventStatus
    violations: _containers.RepeatedCompositeFieldContainer[Violation]
    def __init__(self, index: _Optional[int] = ..., message_id: _Optional[str] = ..., status: _Optional[_Union[EventStatus, str]] = ..., violations: _Optional[_Iterable[_Union[Violation, _Mapping]]] = ...) -> None: ...

class IngestBatchRequest(_message.Message):
    __slots__ = ("events",)
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[Event]
    def __init__(self, events: _Optional[_Iterable[_Union[Event, _Mapping]]] = ...) -> None: ...

class IngestBatchResponse(_message.Message):
    __slots__ = ("results", "accepted_count")
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_COUNT_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[EventResult]
    accepted_count: int
    def __init__(self, results: _Optional[_Iterable[_Union[EventResult, _Mapping]]] = ..., accepted_count: _Optional[int] = ...) -> None: ...

class IngestRequest(_message.Message):
    __slots__ = ("events",)
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[Event]
    def __init__(self, events: _Optional[_Iterable[_Union[Event, _Mapping]]] = ...) -> None: ...

class IngestResponse(_message.Message):
    __slots__ = ("accepted_count", "duplicate_count", "rejected_count", "quarantined_count", "problems")
    ACCEPTED_COUNT_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_COUNT_FIELD_NUMBER: _ClassVar[int]
    REJECTED_COUNT_FIELD_NUMBER: _ClassVar[int]
    QUARANTINED_COUNT_FIELD_NUMBER: _ClassVar[int]
    PROBLEMS_FIELD_NUMBER: _ClassVar[int]
    accepted_count: int
    duplicate_count: int
    rejected_count: int
    quarantined_count: int
    problems: _containers.RepeatedCompositeFieldContainer[EventResult]
    def __init__(self, accepted_count: _Optional[int] = ..., duplicate_count: _Optional[int] = ..., rejected_count: _Optional[int] = ..., quarantined_count: _Optional[int] = ..., problems: _Optional[_Iterable[_Union[EventResult, _Mapping]]] = ...) -> None: ...

class PlannedEvent(_message.Message):
    __slots__ = ("name", "version", "properties_schema_json", "description")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    PROPERTIES_SCHEMA_JSON_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    name: str
    version: int
    properties_schema_json: str
    description: str
    def __init__(self, name: _Optional[str] = ..., version: _Optional[int] = ..., properties_schema_json: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class DataPlan(_message.Message):
    __slots__ = ("plan_id", "source_ids", "events", "unplanned_mode", "violation_mode", "revision", "updated_at")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_IDS_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    UNPLANNED_MODE_FIELD_NUMBER: _ClassVar[int]
    VIOLATION_MODE_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    source_ids: _containers.RepeatedScalarFieldContainer[str]
    events: _containers.RepeatedCompositeFieldContainer[PlannedEvent]
    unplanned_mode: PlanMode
    violation_mode: PlanMode
    revision: int
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, plan_id: _Optional[str] = ..., source_ids: _Optional[_Iterable[str]] = ..., events: _Optional[_Iterable[_Union[PlannedEvent, _Mapping]]] = ..., unplanned_mode: _Optional[_Union[PlanMode, str]] = ..., violation_mode: _Optional[_Union[PlanMode, str]] = ..., revision: _Optional[int] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class PutDataPlanRequest(_message.Message):
    __slots__ = ("plan",)
    PLAN_FIELD_NUMBER: _ClassVar[int]
    plan: DataPlan
    def __init__(self, plan: _Optional[_Union[DataPlan, _Mapping]] = ...) -> None: ...

class PutDataPlanResponse(_message.Message):
    __slots__ = ("plan",)
    PLAN_FIELD_NUMBER: _ClassVar[int]
    plan: DataPlan
    def __init__(self, plan: _Optional[_Union[DataPlan, _Mapping]] = ...) -> None: ...

class GetDataPlanRequest(_message.Message):
    __slots__ = ("plan_id",)
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    def __init__(self, plan_id: _Optional[str] = ...) -> None: ...

class GetDataPlanResponse(_message.Message):
    __slots__ = ("plan",)
    PLAN_FIELD_NUMBER: _ClassVar[int]
    plan: DataPlan
    def __init__(self, plan: _Optional[_Union[DataPlan, _Mapping]] = ...) -> None: ...

class ListDataPlansRequest(_message.Message):
    __slots__ = ("page",)
    PAGE_FIELD_NUMBER: _ClassVar[int]
    page: _common_pb2.PageRequest
    def __init__(self, page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListDataPlansResponse(_message.Message):
    __slots__ = ("plans", "page")
    PLANS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    plans: _containers.RepeatedCompositeFieldContainer[DataPlan]
    page: _common_pb2.PageInfo
    def __init__(self, plans: _Optional[_Iterable[_Union[DataPlan, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class DeleteDataPlanRequest(_message.Message):
    __slots__ = ("plan_id",)
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    def __init__(self, plan_id: _Optional[str] = ...) -> None: ...

class DeleteDataPlanResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class QueryViolationsRequest(_message.Message):
    __slots__ = ("source_id", "event", "kind", "window", "examples_per_group")
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    EXAMPLES_PER_GROUP_FIELD_NUMBER: _ClassVar[int]
    source_id: str
    event: str
    kind: ViolationKind
    window: _common_pb2.TimeRange
    examples_per_group: int
    def __init__(self, source_id: _Optional[str] = ..., event: _Optional[str] = ..., kind: _Optional[_Union[ViolationKind, str]] = ..., window: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ..., examples_per_group: _Optional[int] = ...) -> None: ...

class ViolationGroup(_message.Message):
    __slots__ = ("source_id", "event", "kind", "count", "examples", "example_message_ids")
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    EXAMPLES_FIELD_NUMBER: _ClassVar[int]
    EXAMPLE_MESSAGE_IDS_FIELD_NUMBER: _ClassVar[int]
    source_id: str
    event: str
    kind: ViolationKind
    count: int
    examples: _containers.RepeatedCompositeFieldContainer[Violation]
    example_message_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, source_id: _Optional[str] = ..., event: _Optional[str] = ..., kind: _Optional[_Union[ViolationKind, str]] = ..., count: _Optional[int] = ..., examples: _Optional[_Iterable[_Union[Violation, _Mapping]]] = ..., example_message_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class QueryViolationsResponse(_message.Message):
    __slots__ = ("groups",)
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    groups: _containers.RepeatedCompositeFieldContainer[ViolationGroup]
    def __init__(self, groups: _Optional[_Iterable[_Union[ViolationGroup, _Mapping]]] = ...) -> None: ...

class QuarantinedEvent(_message.Message):
    __slots__ = ("event", "violations", "plan_id", "plan_revision", "quarantined_at")
    EVENT_FIELD_NUMBER: _ClassVar[int]
    VIOLATIONS_FIELD_NUMBER: _ClassVar[int]
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_REVISION_FIELD_NUMBER: _ClassVar[int]
    QUARANTINED_AT_FIELD_NUMBER: _ClassVar[int]
    event: Event
    violations: _containers.RepeatedCompositeFieldContainer[Violation]
    plan_id: str
    plan_revision: int
    quarantined_at: _timestamp_pb2.Timestamp
    def __init__(self, event: _Optional[_Union[Event, _Mapping]] = ..., violations: _Optional[_Iterable[_Union[Violation, _Mapping]]] = ..., plan_id: _Optional[str] = ..., plan_revision: _Optional[int] = ..., quarantined_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListQuarantinedRequest(_message.Message):
    __slots__ = ("source_id", "event", "page")
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    source_id: str
    event: str
    page: _common_pb2.PageRequest
    def __init__(self, source_id: _Optional[str] = ..., event: _Optional[str] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListQuarantinedResponse(_message.Message):
    __slots__ = ("events", "page")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[QuarantinedEvent]
    page: _common_pb2.PageInfo
    def __init__(self, events: _Optional[_Iterable[_Union[QuarantinedEvent, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class ReplayQuarantinedRequest(_message.Message):
    __slots__ = ("message_ids", "source_id", "event")
    MESSAGE_IDS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    message_ids: _containers.RepeatedScalarFieldContainer[str]
    source_id: str
    event: str
    def __init__(self, message_ids: _Optional[_Iterable[str]] = ..., source_id: _Optional[str] = ..., event: _Optional[str] = ...) -> None: ...

class ReplayQuarantinedResponse(_message.Message):
    __slots__ = ("replayed_count", "still_quarantined_count", "results")
    REPLAYED_COUNT_FIELD_NUMBER: _ClassVar[int]
    STILL_QUARANTINED_COUNT_FIELD_NUMBER: _ClassVar[int]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    replayed_count: int
    still_quarantined_count: int
    results: _containers.RepeatedCompositeFieldContainer[EventResult]
    def __init__(self, replayed_count: _Optional[int] = ..., still_quarantined_count: _Optional[int] = ..., results: _Optional[_Iterable[_Union[EventResult, _Mapping]]] = ...) -> None: ...

class DiscardQuarantinedRequest(_message.Message):
    __slots__ = ("message_ids",)
    MESSAGE_IDS_FIELD_NUMBER: _ClassVar[int]
    message_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, message_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class DiscardQuarantinedResponse(_message.Message):
    __slots__ = ("discarded_count",)
    DISCARDED_COUNT_FIELD_NUMBER: _ClassVar[int]
    discarded_count: int
    def __init__(self, discarded_count: _Optional[int] = ...) -> None: ...

class Source(_message.Message):
    __slots__ = ("source_id", "name", "rate_limit_per_second", "burst", "created_at")
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    RATE_LIMIT_PER_SECOND_FIELD_NUMBER: _ClassVar[int]
    BURST_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    source_id: str
    name: str
    rate_limit_per_second: float
    burst: int
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, source_id: _Optional[str] = ..., name: _Optional[str] = ..., rate_limit_per_second: _Optional[float] = ..., burst: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateSourceRequest(_message.Message):
    __slots__ = ("source",)
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    source: Source
    def __init__(self, source: _Optional[_Union[Source, _Mapping]] = ...) -> None: ...

class CreateSourceResponse(_message.Message):
    __slots__ = ("source", "write_key")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    WRITE_KEY_FIELD_NUMBER: _ClassVar[int]
    source: Source
    write_key: str
    def __init__(self, source: _Optional[_Union[Source, _Mapping]] = ..., write_key: _Optional[str] = ...) -> None: ...

class ListSourcesRequest(_message.Message):
    __slots__ = ("page",)
    PAGE_FIELD_NUMBER: _ClassVar[int]
    page: _common_pb2.PageRequest
    def __init__(self, page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListSourcesResponse(_message.Message):
    __slots__ = ("sources", "page")
    SOURCES_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    sources: _containers.RepeatedCompositeFieldContainer[Source]
    page: _common_pb2.PageInfo
    def __init__(self, sources: _Optional[_Iterable[_Union[Source, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class QueryArchiveRequest(_message.Message):
    __slots__ = ("window", "events", "market", "user_id", "limit")
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    MARKET_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    window: _common_pb2.TimeRange
    events: _containers.RepeatedScalarFieldContainer[str]
    market: str
    user_id: str
    limit: int
    def __init__(self, window: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ..., events: _Optional[_Iterable[str]] = ..., market: _Optional[str] = ..., user_id: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class QueryArchiveResponse(_message.Message):
    __slots__ = ("events",)
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[Event]
    def __init__(self, events: _Optional[_Iterable[_Union[Event, _Mapping]]] = ...) -> None: ...

class TopCategoriesRequest(_message.Message):
    __slots__ = ("market", "window", "limit")
    MARKET_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    market: str
    window: _common_pb2.TimeRange
    limit: int
    def __init__(self, market: _Optional[str] = ..., window: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ..., limit: _Optional[int] = ...) -> None: ...

class CategorySales(_message.Message):
    __slots__ = ("category", "revenue_micros", "orders", "growth")
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    REVENUE_MICROS_FIELD_NUMBER: _ClassVar[int]
    ORDERS_FIELD_NUMBER: _ClassVar[int]
    GROWTH_FIELD_NUMBER: _ClassVar[int]
    category: str
    revenue_micros: int
    orders: int
    growth: float
    def __init__(self, category: _Optional[str] = ..., revenue_micros: _Optional[int] = ..., orders: _Optional[int] = ..., growth: _Optional[float] = ...) -> None: ...

class TopCategoriesResponse(_message.Message):
    __slots__ = ("top", "risers", "currency_code")
    TOP_FIELD_NUMBER: _ClassVar[int]
    RISERS_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    top: _containers.RepeatedCompositeFieldContainer[CategorySales]
    risers: _containers.RepeatedCompositeFieldContainer[CategorySales]
    currency_code: str
    def __init__(self, top: _Optional[_Iterable[_Union[CategorySales, _Mapping]]] = ..., risers: _Optional[_Iterable[_Union[CategorySales, _Mapping]]] = ..., currency_code: _Optional[str] = ...) -> None: ...

class ExportPersonRequest(_message.Message):
    __slots__ = ("subject",)
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    subject: _common_pb2.DataSubjectRef
    def __init__(self, subject: _Optional[_Union[_common_pb2.DataSubjectRef, _Mapping]] = ...) -> None: ...

class ExportPersonResponse(_message.Message):
    __slots__ = ("events", "quarantined")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    QUARANTINED_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[Event]
    quarantined: _containers.RepeatedCompositeFieldContainer[QuarantinedEvent]
    def __init__(self, events: _Optional[_Iterable[_Union[Event, _Mapping]]] = ..., quarantined: _Optional[_Iterable[_Union[QuarantinedEvent, _Mapping]]] = ...) -> None: ...

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
