import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from loom.common.v1 import common_pb2 as _common_pb2
from loom.ingestion.v1 import ingestion_pb2 as _ingestion_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DestinationType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DESTINATION_TYPE_UNSPECIFIED: _ClassVar[DestinationType]
    DESTINATION_TYPE_WEBHOOK: _ClassVar[DestinationType]
    DESTINATION_TYPE_EMAIL_SMTP: _ClassVar[DestinationType]
    DESTINATION_TYPE_PUSH_GATEWAY: _ClassVar[DestinationType]
    DESTINATION_TYPE_AUDIENCE_SYNC: _ClassVar[DestinationType]
    DESTINATION_TYPE_EVENT_STREAM: _ClassVar[DestinationType]

class PayloadFormat(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PAYLOAD_FORMAT_UNSPECIFIED: _ClassVar[PayloadFormat]
    PAYLOAD_FORMAT_JSON: _ClassVar[PayloadFormat]
    PAYLOAD_FORMAT_PROTOBUF: _ClassVar[PayloadFormat]

class DestinationState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DESTINATION_STATE_UNSPECIFIED: _ClassVar[DestinationState]
    DESTINATION_STATE_ACTIVE: _ClassVar[DestinationState]
    DESTINATION_STATE_PAUSED: _ClassVar[DestinationState]

class Channel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHANNEL_UNSPECIFIED: _ClassVar[Channel]
    CHANNEL_EMAIL: _ClassVar[Channel]
    CHANNEL_PUSH: _ClassVar[Channel]
    CHANNEL_SMS: _ClassVar[Channel]
    CHANNEL_WEBHOOK: _ClassVar[Channel]

class MessageCategory(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MESSAGE_CATEGORY_UNSPECIFIED: _ClassVar[MessageCategory]
    MESSAGE_CATEGORY_MARKETING: _ClassVar[MessageCategory]
    MESSAGE_CATEGORY_TRANSACTIONAL: _ClassVar[MessageCategory]

class DeliveryStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DELIVERY_STATUS_UNSPECIFIED: _ClassVar[DeliveryStatus]
    DELIVERY_STATUS_QUEUED: _ClassVar[DeliveryStatus]
    DELIVERY_STATUS_DEFERRED: _ClassVar[DeliveryStatus]
    DELIVERY_STATUS_RETRYING: _ClassVar[DeliveryStatus]
    DELIVERY_STATUS_DELIVERED: _ClassVar[DeliveryStatus]
    DELIVERY_STATUS_DEAD_LETTERED: _ClassVar[DeliveryStatus]
    DELIVERY_STATUS_SUPPRESSED_BY_CAP: _ClassVar[DeliveryStatus]
    DELIVERY_STATUS_SUPPRESSED_BY_CONSENT: _ClassVar[DeliveryStatus]
    DELIVERY_STATUS_SUPPRESSED_BY_ERASURE: _ClassVar[DeliveryStatus]
    DELIVERY_STATUS_DISCARDED: _ClassVar[DeliveryStatus]
DESTINATION_TYPE_UNSPECIFIED: DestinationType
DESTINATION_TYPE_WEBHOOK: DestinationType
DESTINATION_TYPE_EMAIL_SMTP: DestinationType
DESTINATION_TYPE_PUSH_GATEWAY: DestinationType
DESTINATION_TYPE_AUDIENCE_SYNC: DestinationType
DESTINATION_TYPE_EVENT_STREAM: DestinationType
PAYLOAD_FORMAT_UNSPECIFIED: PayloadFormat
PAYLOAD_FORMAT_JSON: PayloadFormat
PAYLOAD_FORMAT_PROTOBUF: PayloadFormat
DESTINATION_STATE_UNSPECIFIED: DestinationState
DESTINATION_STATE_ACTIVE: DestinationState
DESTINATION_STATE_PAUSED: DestinationState
CHANNEL_UNSPECIFIED: Channel
CHANNEL_EMAIL: Channel
CHANNEL_PUSH: Channel
CHANNEL_SMS: Channel
CHANNEL_WEBHOOK: Channel
MESSAGE_CATEGORY_UNSPECIFIED: MessageCategory
MESSAGE_CATEGORY_MARKETING: MessageCategory
MESSAGE_CATEGORY_TRANSACTIONAL: MessageCategory
DELIVERY_STATUS_UNSPECIFIED: DeliveryStatus
DELIVERY_STATUS_QUEUED: DeliveryStatus
DELIVERY_STATUS_DEFERRED: DeliveryStatus
DELIVERY_STATUS_RETRYING: DeliveryStatus
DELIVERY_STATUS_DELIVERED: DeliveryStatus
DELIVERY_STATUS_DEAD_LETTERED: DeliveryStatus
DELIVERY_STATUS_SUPPRESSED_BY_CAP: DeliveryStatus
DELIVERY_STATUS_SUPPRESSED_BY_CONSENT: DeliveryStatus
DELIVERY_STATUS_SUPPRESSED_BY_ERASURE: DeliveryStatus
DELIVERY_STATUS_DISCARDED: DeliveryStatus

class WebhookConfig(_message.Message):
    __slots__ = ("url", "method", "headers", "signing_secret_ref", "timeout")
    class HeadersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    URL_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    HEADERS_FIELD_NUMBER: _ClassVar[int]
    SIGNING_SECRET_REF_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    url: str
    method: str
    headers: _containers.ScalarMap[str, str]
    signing_secret_ref: str
    timeout: _duration_pb2.Duration
    def __init__(self, url: _Optional[str] = ..., method: _Optional[str] = ..., headers: _Optional[_Mapping[str, str]] = ..., signing_secret_ref: _Optional[str] = ..., timeout: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class EmailSmtpConfig(_message.Message):
    __slots__ = ("host", "port", "starttls", "username", "password_secret_ref", "from_address", "reply_to", "timeout")
    HOST_FIELD_NUMBER: _ClassVar[int]
    PORT_FIELD_NUMBER: _ClassVar[int]
    STARTTLS_FIELD_NUMBER: _ClassVar[int]
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_SECRET_REF_FIELD_NUMBER: _ClassVar[int]
    FROM_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    REPLY_TO_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    host: str
    port: int
    starttls: bool
    username: str
    password_secret_ref: str
    from_address: str
    reply_to: str
    timeout: _duration_pb2.Duration
    def __init__(self, host: _Optional[str] = ..., port: _Optional[int] = ..., starttls: _Optional[bool] = ..., username: _Optional[str] = ..., password_secret_ref: _Optional[str] = ..., from_address: _Optional[str] = ..., reply_to: _Optional[str] = ..., timeout: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class PushGatewayConfig(_message.Message):
    __slots__ = ("url", "api_key_secret_ref", "timeout")
    URL_FIELD_NUMBER: _ClassVar[int]
    API_KEY_SECRET_REF_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    url: str
    api_key_secret_ref: str
    timeout: _duration_pb2.Duration
    def __init__(self, url: _Optional[str] = ..., api_key_secret_ref: _Optional[str] = ..., timeout: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class AudienceSyncConfig(_message.Message):
    __slots__ = ("url", "account_id", "audience_ids", "identifier_types", "credentials_secret_ref", "sync_interval")
    URL_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    AUDIENCE_IDS_FIELD_NUMBER: _ClassVar[int]
    IDENTIFIER_TYPES_FIELD_NUMBER: _ClassVar[int]
    CREDENTIALS_SECRET_REF_FIELD_NUMBER: _ClassVar[int]
    SYNC_INTERVAL_FIELD_NUMBER: _ClassVar[int]
    url: str
    account_id: str
    audience_ids: _containers.RepeatedScalarFieldContainer[str]
    identifier_types: _containers.RepeatedScalarFieldContainer[str]
    credentials_secret_ref: str
    sync_interval: _duration_pb2.Duration
    def __init__(self, url: _Optional[str] = ..., account_id: _Optional[str] = ..., audience_ids: _Optional[_Iterable[str]] = ..., identifier_types: _Optional[_Iterable[str]] = ..., credentials_secret_ref: _Optional[str] = ..., sync_interval: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class EventStreamConfig(_message.Message):
    __slots__ = ("url", "subject", "credentials_secret_ref", "format")
    URL_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    CREDENTIALS_SECRET_REF_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    url: str
    subject: str
    credentials_secret_ref: str
    format: PayloadFormat
    def __init__(self, url: _Optional[str] = ..., subject: _Optional[str] = ..., credentials_secret_ref: _Optional[str] = ..., format: _Optional[_Union[PayloadFormat, str]] = ...) -> None: ...

class Mapping(_message.Message):
    __slots__ = ("fields", "filter", "constants")
    class FieldsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    CONSTANTS_FIELD_NUMBER: _ClassVar[int]
    fields: _containers.ScalarMap[str, str]
    filter: str
    constants: _struct_pb2.Struct
    def __init__(self, fields: _Optional[_Mapping[str, str]] = ..., filter: _Optional[str] = ..., constants: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class RetryPolicy(_message.Message):
    __slots__ = ("max_attempts", "max_window", "initial_backoff", "max_backoff", "backoff_multiplier")
    MAX_ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    MAX_WINDOW_FIELD_NUMBER: _ClassVar[int]
    INITIAL_BACKOFF_FIELD_NUMBER: _ClassVar[int]
    MAX_BACKOFF_FIELD_NUMBER: _ClassVar[int]
    BACKOFF_MULTIPLIER_FIELD_NUMBER: _ClassVar[int]
    max_attempts: int
    max_window: _duration_pb2.Duration
    initial_backoff: _duration_pb2.Duration
    max_backoff: _duration_pb2.Duration
    backoff_multiplier: float
    def __init__(self, max_attempts: _Optional[int] = ..., max_window: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., initial_backoff: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., max_backoff: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., backoff_multiplier: _Optional[float] = ...) -> None: ...

class RateLimit(_message.Message):
    __slots__ = ("per_second", "burst", "max_in_flight")
    PER_SECOND_FIELD_NUMBER: _ClassVar[int]
    BURST_FIELD_NUMBER: _ClassVar[int]
    MAX_IN_FLIGHT_FIELD_NUMBER: _ClassVar[int]
    per_second: float
    burst: int
    max_in_flight: int
    def __init__(self, per_second: _Optional[float] = ..., burst: _Optional[int] = ..., max_in_flight: _Optional[int] = ...) -> None: ...

class Batching(_message.Message):
    __slots__ = ("max_items", "max_bytes", "max_delay")
    MAX_ITEMS_FIELD_NUMBER: _ClassVar[int]
    MAX_BYTES_FIELD_NUMBER: _ClassVar[int]
    MAX_DELAY_FIELD_NUMBER: _ClassVar[int]
    max_items: int
    max_bytes: int
    max_delay: _duration_pb2.Duration
    def __init__(self, max_items: _Optional[int] = ..., max_bytes: _Optional[int] = ..., max_delay: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class Destination(_message.Message):
    __slots__ = ("destination_id", "name", "type", "webhook", "email_smtp", "push_gateway", "audience_sync", "event_stream", "mapping", "required_purposes", "retry", "rate_limit", "batching", "state", "paused_reason", "revision", "updated_at")
    DESTINATION_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    WEBHOOK_FIELD_NUMBER: _ClassVar[int]
    EMAIL_SMTP_FIELD_NUMBER: _ClassVar[int]
    PUSH_GATEWAY_FIELD_NUMBER: _ClassVar[int]
    AUDIENCE_SYNC_FIELD_NUMBER: _ClassVar[int]
    EVENT_STREAM_FIELD_NUMBER: _ClassVar[int]
    MAPPING_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_PURPOSES_FIELD_NUMBER: _ClassVar[int]
    RETRY_FIELD_NUMBER: _ClassVar[int]
    RATE_LIMIT_FIELD_NUMBER: _ClassVar[int]
    BATCHING_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PAUSED_REASON_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    destination_id: str
    name: str
    type: DestinationType
    webhook: WebhookConfig
    email_smtp: EmailSmtpConfig
    push_gateway: PushGatewayConfig
    audience_sync: AudienceSyncConfig
    event_stream: EventStreamConfig
    mapping: Mapping
    required_purposes: _containers.RepeatedScalarFieldContainer[str]
    retry: RetryPolicy
    rate_limit: RateLimit
    batching: Batching
    state: DestinationState
    paused_reason: str
    revision: int
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, destination_id: _Optional[str] = ..., name: _Optional[str] = ..., type: _Optional[_Union[DestinationType, str]] = ..., webhook: _Optional[_Union[WebhookConfig, _Mapping]] = ..., email_smtp: _Optional[_Union[EmailSmtpConfig, _Mapping]] = ..., push_gateway: _Optional[_Union[PushGatewayConfig, _Mapping]] = ..., audience_sync: _Optional[_Union[AudienceSyncConfig, _Mapping]] = ..., event_stream: _Optional[_Union[EventStreamConfig, _Mapping]] = ..., mapping: _Optional[_Union[Mapping, _Mapping]] = ..., required_purposes: _Optional[_Iterable[str]] = ..., retry: _Optional[_Union[RetryPolicy, _Mapping]] = ..., rate_limit: _Optional[_Union[RateLimit, _Mapping]] = ..., batching: _Optional[_Union[Batching, _Mapping]] = ..., state: _Optional[_Union[DestinationState, str]] = ..., paused_reason: _Optional[str] = ..., revision: _Optional[int] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class PutDestinationRequest(_message.Message):
    __slots__ = ("destination",)
    DESTINATION_FIELD_NUMBER: _ClassVar[int]
    destination: Destination
    def __init__(self, destination: _Optional[_Union[Destination, _Mapping]] = ...) -> None: ...

class PutDestinationResponse(_message.Message):
    __slots__ = ("destination",)
    DESTINATION_FIELD_NUMBER: _ClassVar[int]
    destination: Destination
    def __init__(self, destination: _Optional[_Union[Destination, _Mapping]] = ...) -> None: ...

class GetDestinationRequest(_message.Message):
    __slots__ = ("destination_id",)
    DESTINATION_ID_FIELD_NUMBER: _ClassVar[int]
    destination_id: str
    def __init__(self, destination_id: _Optional[str] = ...) -> None: ...

class GetDestinationResponse(_message.Message):
    __slots__ = ("destination", "queued", "dead_letters")
    DESTINATION_FIELD_NUMBER: _ClassVar[int]
    QUEUED_FIELD_NUMBER: _ClassVar[int]
    DEAD_LETTERS_FIELD_NUMBER: _ClassVar[int]
    destination: Destination
    queued: int
    dead_letters: int
    def __init__(self, destination: _Optional[_Union[Destination, _Mapping]] = ..., queued: _Optional[int] = ..., dead_letters: _Optional[int] = ...) -> None: ...

class ListDestinationsRequest(_message.Message):
    __slots__ = ("type", "page")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    type: DestinationType
    page: _common_pb2.PageRequest
    def __init__(self, type: _Optional[_Union[DestinationType, str]] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListDestinationsResponse(_message.Message):
    __slots__ = ("destinations", "page")
    DESTINATIONS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    destinations: _containers.RepeatedCompositeFieldContainer[Destination]
    page: _common_pb2.PageInfo
    def __init__(self, destinations: _Optional[_Iterable[_Union[Destination, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class DeleteDestinationRequest(_message.Message):
    __slots__ = ("destination_id",)
    DESTINATION_ID_FIELD_NUMBER: _ClassVar[int]
    destination_id: str
    def __init__(self, destination_id: _Optional[str] = ...) -> None: ...

class DeleteDestinationResponse(_message.Message):
    __slots__ = ("dead_lettered",)
    DEAD_LETTERED_FIELD_NUMBER: _ClassVar[int]
    dead_lettered: int
    def __init__(self, dead_lettered: _Optional[int] = ...) -> None: ...

class PauseDestinationRequest(_message.Message):
    __slots__ = ("destination_id", "reason")
    DESTINATION_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    destination_id: str
    reason: str
    def __init__(self, destination_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class PauseDestinationResponse(_message.Message):
    __slots__ = ("destination",)
    DESTINATION_FIELD_NUMBER: _ClassVar[int]
    destination: Destination
    def __init__(self, destination: _Optional[_Union[Destination, _Mapping]] = ...) -> None: ...

class ResumeDestinationRequest(_message.Message):
    __slots__ = ("destination_id",)
    DESTINATION_ID_FIELD_NUMBER: _ClassVar[int]
    destination_id: str
    def __init__(self, destination_id: _Optional[str] = ...) -> None: ...

class ResumeDestinationResponse(_message.Message):
    __slots__ = ("destination",)
    DESTINATION_FIELD_NUMBER: _ClassVar[int]
    destination: Destination
    def __init__(self, destination: _Optional[_Union[Destination, _Mapping]] = ...) -> None: ...

class Delivery(_message.Message):
    __slots__ = ("delivery_id", "destination_id", "channel", "profile_id", "message_id", "creative_id", "journey_id", "step_id", "idempotency_key", "status", "attempts", "last_error", "last_response_code", "created_at", "deferred_until", "delivered_at", "updated_at")
    DELIVERY_ID_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    PROFILE_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    CREATIVE_ID_FIELD_NUMBER: _ClassVar[int]
    JOURNEY_ID_FIELD_NUMBER: _ClassVar[int]
    STEP_ID_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_FIELD_NUMBER: _ClassVar[int]
    LAST_RESPONSE_CODE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    DEFERRED_UNTIL_FIELD_NUMBER: _ClassVar[int]
    DELIVERED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    delivery_id: str
    destination_id: str
    channel: Channel
    profile_id: str
    message_id: str
    creative_id: str
    journey_id: str
    step_id: str
    idempotency_key: str
    status: DeliveryStatus
    attempts: int
    last_error: str
    last_response_code: int
    created_at: _timestamp_pb2.Timestamp
    deferred_until: _timestamp_pb2.Timestamp
    delivered_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, delivery_id: _Optional[str] = ..., destination_id: _Optional[str] = ..., channel: _Optional[_Union[Channel, str]] = ..., profile_id: _Optional[str] = ..., message_id: _Optional[str] = ..., creative_id: _Optional[str] = ..., journey_id: _Optional[str] = ..., step_id: _Optional[str] = ..., idempotency_key: _Optional[str] = ..., status: _Optional[_Union[DeliveryStatus, str]] = ..., attempts: _Optional[int] = ..., last_error: _Optional[str] = ..., last_response_code: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., deferred_until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., delivered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SendMessageRequest(_message.Message):
    __slots__ = ("idempotency_key", "channel", "profile_id", "creative_id", "journey_id", "step_id", "destination_id", "category", "variables", "market", "timezone", "address")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    PROFILE_ID_FIELD_NUMBER: _ClassVar[int]
    CREATIVE_ID_FIELD_NUMBER: _ClassVar[int]
    JOURNEY_ID_FIELD_NUMBER: _ClassVar[int]
    STEP_ID_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    VARIABLES_FIELD_NUMBER: _ClassVar[int]
    MARKET_FIELD_NUMBER: _ClassVar[int]
    TIMEZONE_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    channel: Channel
    profile_id: str
    creative_id: str
    journey_id: str
    step_id: str
    destination_id: str
    category: MessageCategory
    variables: _struct_pb2.Struct
    market: str
    timezone: str
    address: str
    def __init__(self, idempotency_key: _Optional[str] = ..., channel: _Optional[_Union[Channel, str]] = ..., profile_id: _Optional[str] = ..., creative_id: _Optional[str] = ..., journey_id: _Optional[str] = ..., step_id: _Optional[str] = ..., destination_id: _Optional[str] = ..., category: _Optional[_Union[MessageCategory, str]] = ..., variables: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., market: _Optional[str] = ..., timezone: _Optional[str] = ..., address: _Optional[str] = ...) -> None: ...

class SendMessageResponse(_message.Message):
    __slots__ = ("delivery_id", "status", "deferred_until", "reason", "duplicate")
    DELIVERY_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DEFERRED_UNTIL_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    delivery_id: str
    status: DeliveryStatus
    deferred_until: _timestamp_pb2.Timestamp
    reason: str
    duplicate: bool
    def __init__(self, delivery_id: _Optional[str] = ..., status: _Optional[_Union[DeliveryStatus, str]] = ..., deferred_until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reason: _Optional[str] = ..., duplicate: _Optional[bool] = ...) -> None: ...

class GetDeliveryStatusRequest(_message.Message):
    __slots__ = ("delivery_id", "idempotency_key")
    DELIVERY_ID_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    delivery_id: str
    idempotency_key: str
    def __init__(self, delivery_id: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class GetDeliveryStatusResponse(_message.Message):
    __slots__ = ("delivery",)
    DELIVERY_FIELD_NUMBER: _ClassVar[int]
    delivery: Delivery
    def __init__(self, delivery: _Optional[_Union[Delivery, _Mapping]] = ...) -> None: ...

class ListDeliveriesRequest(_message.Message):
    __slots__ = ("destination_id", "profile_id", "journey_id", "status", "window", "page")
    DESTINATION_ID_FIELD_NUMBER: _ClassVar[int]
    PROFILE_ID_FIELD_NUMBER: _ClassVar[int]
    JOURNEY_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    destination_id: str
    profile_id: str
    journey_id: str
    status: DeliveryStatus
    window: _common_pb2.TimeRange
    page: _common_pb2.PageRequest
    def __init__(self, destination_id: _Optional[str] = ..., profile_id: _Optional[str] = ..., journey_id: _Optional[str] = ..., status: _Optional[_Union[DeliveryStatus, str]] = ..., window: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListDeliveriesResponse(_message.Message):
    __slots__ = ("deliveries", "page")
    DELIVERIES_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    deliveries: _containers.RepeatedCompositeFieldContainer[Delivery]
    page: _common_pb2.PageInfo
    def __init__(self, deliveries: _Optional[_Iterable[_Union[Delivery, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class DeadLetter(_message.Message):
    __slots__ = ("dead_letter_id", "delivery", "payload", "error", "permanent", "dead_lettered_at", "replay_count")
    DEAD_LETTER_ID_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    PERMANENT_FIELD_NUMBER: _ClassVar[int]
    DEAD_LETTERED_AT_FIELD_NUMBER: _ClassVar[int]
    REPLAY_COUNT_FIELD_NUMBER: _ClassVar[int]
    dead_letter_id: str
    delivery: Delivery
    payload: _struct_pb2.Struct
    error: str
    permanent: bool
    dead_lettered_at: _timestamp_pb2.Timestamp
    replay_count: int
    def __init__(self, dead_letter_id: _Optional[str] = ..., delivery: _Optional[_Union[Delivery, _Mapping]] = ..., payload: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., error: _Optional[str] = ..., permanent: _Optional[bool] = ..., dead_lettered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., replay_count: _Optional[int] = ...) -> None: ...

class DeadLetterFilter(_message.Message):
    __slots__ = ("dead_letter_ids", "destination_id", "error_contains", "permanent", "window")
    DEAD_LETTER_IDS_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_ID_FIELD_NUMBER: _ClassVar[int]
    ERROR_CONTAINS_FIELD_NUMBER: _ClassVar[int]
    PERMANENT_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    dead_letter_ids: _containers.RepeatedScalarFieldContainer[str]
    destination_id: str
    error_contains: str
    permanent: bool
    window: _common_pb2.TimeRange
    def __init__(self, dead_letter_ids: _Optional[_Iterable[str]] = ..., destination_id: _Optional[str] = ..., error_contains: _Optional[str] = ..., permanent: _Optional[bool] = ..., window: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ...) -> None: ...

class ListDeadLettersRequest(_message.Message):
    __slots__ = ("filter", "page")
    FILTER_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    filter: DeadLetterFilter
    page: _common_pb2.PageRequest
    def __init__(self, filter: _Optional[_Union[DeadLetterFilter, _Mapping]] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListDeadLettersResponse(_message.Message):
    __slots__ = ("dead_letters", "page")
    DEAD_LETTERS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    dead_letters: _containers.RepeatedCompositeFieldContainer[DeadLetter]
    page: _common_pb2.PageInfo
    def __init__(self, dead_letters: _Optional[_Iterable[_Union[DeadLetter, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class ReplayDeadLettersRequest(_message.Message):
    __slots__ = ("filter", "replay_id")
    FILTER_FIELD_NUMBER: _ClassVar[int]
    REPLAY_ID_FIELD_NUMBER: _ClassVar[int]
    filter: DeadLetterFilter
    replay_id: str
    def __init__(self, filter: _Optional[_Union[DeadLetterFilter, _Mapping]] = ..., replay_id: _Optional[str] = ...) -> None: ...

class ReplayDeadLettersResponse(_message.Message):
    __slots__ = ("replayed_count", "skipped_count")
    REPLAYED_COUNT_FIELD_NUMBER: _ClassVar[int]
    SKIPPED_COUNT_FIELD_NUMBER: _ClassVar[int]
    replayed_count: int
    skipped_count: int
    def __init__(self, replayed_count: _Optional[int] = ..., skipped_count: _Optional[int] = ...) -> None: ...

class DiscardDeadLettersRequest(_message.Message):
    __slots__ = ("filter", "reason")
    FILTER_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    filter: DeadLetterFilter
    reason: str
    def __init__(self, filter: _Optional[_Union[DeadLetterFilter, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class DiscardDeadLettersResponse(_message.Message):
    __slots__ = ("discarded_count",)
    DISCARDED_COUNT_FIELD_NUMBER: _ClassVar[int]
    discarded_count: int
    def __init__(self, discarded_count: _Optional[int] = ...) -> None: ...

class QuietHours(_message.Message):
    __slots__ = ("start_local", "end_local", "channels", "fallback_timezone")
    START_LOCAL_FIELD_NUMBER: _ClassVar[int]
    END_LOCAL_FIELD_NUMBER: _ClassVar[int]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    FALLBACK_TIMEZONE_FIELD_NUMBER: _ClassVar[int]
    start_local: str
    end_local: str
    channels: _containers.RepeatedScalarFieldContainer[Channel]
    fallback_timezone: str
    def __init__(self, start_local: _Optional[str] = ..., end_local: _Optional[str] = ..., channels: _Optional[_Iterable[_Union[Channel, str]]] = ..., fallback_timezone: _Optional[str] = ...) -> None: ...

class FrequencyCap(_message.Message):
    __slots__ = ("channel", "max_messages", "period")
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    MAX_MESSAGES_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    channel: Channel
    max_messages: int
    period: _duration_pb2.Duration
    def __init__(self, channel: _Optional[_Union[Channel, str]] = ..., max_messages: _Optional[int] = ..., period: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class ChannelRoute(_message.Message):
    __slots__ = ("channel", "destination_id")
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_ID_FIELD_NUMBER: _ClassVar[int]
    channel: Channel
    destination_id: str
    def __init__(self, channel: _Optional[_Union[Channel, str]] = ..., destination_id: _Optional[str] = ...) -> None: ...

class DeliveryRules(_message.Message):
    __slots__ = ("market", "quiet_hours", "caps", "routes", "revision", "updated_at")
    MARKET_FIELD_NUMBER: _ClassVar[int]
    QUIET_HOURS_FIELD_NUMBER: _ClassVar[int]
    CAPS_FIELD_NUMBER: _ClassVar[int]
    ROUTES_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    market: str
    quiet_hours: QuietHours
    caps: _containers.RepeatedCompositeFieldContainer[FrequencyCap]
    routes: _containers.RepeatedCompositeFieldContainer[ChannelRoute]
    revision: int
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, market: _Optional[str] = ..., quiet_hours: _Optional[_Union[QuietHours, _Mapping]] = ..., caps: _Optional[_Iterable[_Union[FrequencyCap, _Mapping]]] = ..., routes: _Optional[_Iterable[_Union[ChannelRoute, _Mapping]]] = ..., revision: _Optional[int] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class PutDeliveryRulesRequest(_message.Message):
    __slots__ = ("rules",)
    RULES_FIELD_NUMBER: _ClassVar[int]
    rules: DeliveryRules
    def __init__(self, rules: _Optional[_Union[DeliveryRules, _Mapping]] = ...) -> None: ...

class PutDeliveryRulesResponse(_message.Message):
    __slots__ = ("rules",)
    RULES_FIELD_NUMBER: _ClassVar[int]
    rules: DeliveryRules
    def __init__(self, rules: _Optional[_Union[DeliveryRules, _Mapping]] = ...) -> None: ...

class GetDeliveryRulesRequest(_message.Message):
    __slots__ = ("market",)
    MARKET_FIELD_NUMBER: _ClassVar[int]
    market: str
    def __init__(self, market: _Optional[str] = ...) -> None: ...

class GetDeliveryRulesResponse(_message.Message):
    __slots__ = ("rules",)
    RULES_FIELD_NUMBER: _ClassVar[int]
    rules: DeliveryRules
    def __init__(self, rules: _Optional[_Union[DeliveryRules, _Mapping]] = ...) -> None: ...

class TestDestinationRequest(_message.Message):
    __slots__ = ("destination_id", "destination", "event", "send")
    DESTINATION_ID_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    SEND_FIELD_NUMBER: _ClassVar[int]
    destination_id: str
    destination: Destination
    event: _ingestion_pb2.Event
    send: bool
    def __init__(self, destination_id: _Optional[str] = ..., destination: _Optional[_Union[Destination, _Mapping]] = ..., event: _Optional[_Union[_ingestion_pb2.Event, _Mapping]] = ..., send: _Optional[bool] = ...) -> None: ...

class TestDestinationResponse(_message.Message):
    __slots__ = ("passed_filter", "payload", "problems", "response_code", "send_error")
    PASSED_FILTER_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    PROBLEMS_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_CODE_FIELD_NUMBER: _ClassVar[int]
    SEND_ERROR_FIELD_NUMBER: _ClassVar[int]
    passed_filter: bool
    payload: _struct_pb2.Struct
    problems: _containers.RepeatedScalarFieldContainer[str]
    response_code: int
    send_error: str
    def __init__(self, passed_filter: _Optional[bool] = ..., payload: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., problems: _Optional[_Iterable[str]] = ..., response_code: _Optional[int] = ..., send_error: _Optional[str] = ...) -> None: ...

class ExportPersonRequest(_message.Message):
    __slots__ = ("subject",)
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    subject: _common_pb2.DataSubjectRef
    def __init__(self, subject: _Optional[_Union[_common_pb2.DataSubjectRef, _Mapping]] = ...) -> None: ...

class ExportPersonResponse(_message.Message):
    __slots__ = ("deliveries", "dead_letters")
    DELIVERIES_FIELD_NUMBER: _ClassVar[int]
    DEAD_LETTERS_FIELD_NUMBER: _ClassVar[int]
    deliveries: _containers.RepeatedCompositeFieldContainer[Delivery]
    dead_letters: _containers.RepeatedCompositeFieldContainer[DeadLetter]
    def __init__(self, deliveries: _Optional[_Iterable[_Union[Delivery, _Mapping]]] = ..., dead_letters: _Optional[_Iterable[_Union[DeadLetter, _Mapping]]] = ...) -> None: ...

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
