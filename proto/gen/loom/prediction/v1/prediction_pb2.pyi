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

class ModelKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MODEL_KIND_UNSPECIFIED: _ClassVar[ModelKind]
    MODEL_KIND_PROPENSITY: _ClassVar[ModelKind]
    MODEL_KIND_NEXT_BEST_ACTION: _ClassVar[ModelKind]
    MODEL_KIND_REPEAT_PURCHASE_TIMING: _ClassVar[ModelKind]
    MODEL_KIND_SEND_TIME: _ClassVar[ModelKind]
    MODEL_KIND_CHURN: _ClassVar[ModelKind]
    MODEL_KIND_EXPECTED_VALUE: _ClassVar[ModelKind]
    MODEL_KIND_FRAUD: _ClassVar[ModelKind]

class ModelStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MODEL_STATUS_UNSPECIFIED: _ClassVar[ModelStatus]
    MODEL_STATUS_TRAINING: _ClassVar[ModelStatus]
    MODEL_STATUS_CANDIDATE: _ClassVar[ModelStatus]
    MODEL_STATUS_ACTIVE: _ClassVar[ModelStatus]
    MODEL_STATUS_RETIRED: _ClassVar[ModelStatus]
    MODEL_STATUS_FAILED: _ClassVar[ModelStatus]
    MODEL_STATUS_REJECTED: _ClassVar[ModelStatus]

class ScoreStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SCORE_STATUS_UNSPECIFIED: _ClassVar[ScoreStatus]
    SCORE_STATUS_OK: _ClassVar[ScoreStatus]
    SCORE_STATUS_NO_CONSENT: _ClassVar[ScoreStatus]
    SCORE_STATUS_UNKNOWN_PROFILE: _ClassVar[ScoreStatus]
    SCORE_STATUS_INSUFFICIENT_DATA: _ClassVar[ScoreStatus]
    SCORE_STATUS_MODEL_UNAVAILABLE: _ClassVar[ScoreStatus]

class FraudDecision(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FRAUD_DECISION_UNSPECIFIED: _ClassVar[FraudDecision]
    FRAUD_DECISION_ALLOW: _ClassVar[FraudDecision]
    FRAUD_DECISION_REVIEW: _ClassVar[FraudDecision]
    FRAUD_DECISION_BLOCK: _ClassVar[FraudDecision]

class FraudOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FRAUD_OUTCOME_UNSPECIFIED: _ClassVar[FraudOutcome]
    FRAUD_OUTCOME_CONFIRMED_FRAUD: _ClassVar[FraudOutcome]
    FRAUD_OUTCOME_LEGITIMATE: _ClassVar[FraudOutcome]

class BatchScoringState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BATCH_SCORING_STATE_UNSPECIFIED: _ClassVar[BatchScoringState]
    BATCH_SCORING_STATE_PENDING: _ClassVar[BatchScoringState]
    BATCH_SCORING_STATE_RUNNING: _ClassVar[BatchScoringState]
    BATCH_SCORING_STATE_SUCCEEDED: _ClassVar[BatchScoringState]
    BATCH_SCORING_STATE_FAILED: _ClassVar[BatchScoringState]
    BATCH_SCORING_STATE_CANCELLED: _ClassVar[BatchScoringState]
MODEL_KIND_UNSPECIFIED: ModelKind
MODEL_KIND_PROPENSITY: ModelKind
MODEL_KIND_NEXT_BEST_ACTION: ModelKind
MODEL_KIND_REPEAT_PURCHASE_TIMING: ModelKind
MODEL_KIND_SEND_TIME: ModelKind
MODEL_KIND_CHURN: ModelKind
MODEL_KIND_EXPECTED_VALUE: ModelKind
MODEL_KIND_FRAUD: ModelKind
MODEL_STATUS_UNSPECIFIED: ModelStatus
MODEL_STATUS_TRAINING: ModelStatus
MODEL_STATUS_CANDIDATE: ModelStatus
MODEL_STATUS_ACTIVE: ModelStatus
MODEL_STATUS_RETIRED: ModelStatus
MODEL_STATUS_FAILED: ModelStatus
MODEL_STATUS_REJECTED: ModelStatus
SCORE_STATUS_UNSPECIFIED: ScoreStatus
SCORE_STATUS_OK: ScoreStatus
SCORE_STATUS_NO_CONSENT: ScoreStatus
SCORE_STATUS_UNKNOWN_PROFILE: ScoreStatus
SCORE_STATUS_INSUFFICIENT_DATA: ScoreStatus
SCORE_STATUS_MODEL_UNAVAILABLE: ScoreStatus
FRAUD_DECISION_UNSPECIFIED: FraudDecision
FRAUD_DECISION_ALLOW: FraudDecision
FRAUD_DECISION_REVIEW: FraudDecision
FRAUD_DECISION_BLOCK: FraudDecision
FRAUD_OUTCOME_UNSPECIFIED: FraudOutcome
FRAUD_OUTCOME_CONFIRMED_FRAUD: FraudOutcome
FRAUD_OUTCOME_LEGITIMATE: FraudOutcome
BATCH_SCORING_STATE_UNSPECIFIED: BatchScoringState
BATCH_SCORING_STATE_PENDING: BatchScoringState
BATCH_SCORING_STATE_RUNNING: BatchScoringState
BATCH_SCORING_STATE_SUCCEEDED: BatchScoringState
BATCH_SCORING_STATE_FAILED: BatchScoringState
BATCH_SCORING_STATE_CANCELLED: BatchScoringState

class ModelRef(_message.Message):
    __slots__ = ("name", "version")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    name: str
    version: str
    def __init__(self, name: _Optional[str] = ..., version: _Optional[str] = ...) -> None: ...

class PurchaseTiming(_message.Message):
    __slots__ = ("category", "expected_at", "p10_days", "p50_days", "p90_days")
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_AT_FIELD_NUMBER: _ClassVar[int]
    P10_DAYS_FIELD_NUMBER: _ClassVar[int]
    P50_DAYS_FIELD_NUMBER: _ClassVar[int]
    P90_DAYS_FIELD_NUMBER: _ClassVar[int]
    category: str
    expected_at: _timestamp_pb2.Timestamp
    p10_days: float
    p50_days: float
    p90_days: float
    def __init__(self, category: _Optional[str] = ..., expected_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., p10_days: _Optional[float] = ..., p50_days: _Optional[float] = ..., p90_days: _Optional[float] = ...) -> None: ...

class SendTime(_message.Message):
    __slots__ = ("best_hour_of_week", "hour_scores", "timezone")
    BEST_HOUR_OF_WEEK_FIELD_NUMBER: _ClassVar[int]
    HOUR_SCORES_FIELD_NUMBER: _ClassVar[int]
    TIMEZONE_FIELD_NUMBER: _ClassVar[int]
    best_hour_of_week: int
    hour_scores: _containers.RepeatedScalarFieldContainer[float]
    timezone: str
    def __init__(self, best_hour_of_week: _Optional[int] = ..., hour_scores: _Optional[_Iterable[float]] = ..., timezone: _Optional[str] = ...) -> None: ...

class ExpectedValue(_message.Message):
    __slots__ = ("value", "horizon_days")
    VALUE_FIELD_NUMBER: _ClassVar[int]
    HORIZON_DAYS_FIELD_NUMBER: _ClassVar[int]
    value: _common_pb2.Money
    horizon_days: int
    def __init__(self, value: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., horizon_days: _Optional[int] = ...) -> None: ...

class Prediction(_message.Message):
    __slots__ = ("model_name", "model_version", "kind", "status", "score", "purchase_timing", "send_time", "expected_value", "scored_at")
    MODEL_NAME_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    PURCHASE_TIMING_FIELD_NUMBER: _ClassVar[int]
    SEND_TIME_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VALUE_FIELD_NUMBER: _ClassVar[int]
    SCORED_AT_FIELD_NUMBER: _ClassVar[int]
    model_name: str
    model_version: str
    kind: ModelKind
    status: ScoreStatus
    score: float
    purchase_timing: PurchaseTiming
    send_time: SendTime
    expected_value: ExpectedValue
    scored_at: _timestamp_pb2.Timestamp
    def __init__(self, model_name: _Optional[str] = ..., model_version: _Optional[str] = ..., kind: _Optional[_Union[ModelKind, str]] = ..., status: _Optional[_Union[ScoreStatus, str]] = ..., score: _Optional[float] = ..., purchase_timing: _Optional[_Union[PurchaseTiming, _Mapping]] = ..., send_time: _Optional[_Union[SendTime, _Mapping]] = ..., expected_value: _Optional[_Union[ExpectedValue, _Mapping]] = ..., scored_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ScoreRequest(_message.Message):
    __slots__ = ("profile_id", "models", "write_traits")
    PROFILE_ID_FIELD_NUMBER: _ClassVar[int]
    MODELS_FIELD_NUMBER: _ClassVar[int]
    WRITE_TRAITS_FIELD_NUMBER: _ClassVar[int]
    profile_id: str
    models: _containers.RepeatedCompositeFieldContainer[ModelRef]
    write_traits: bool
    def __init__(self, profile_id: _Optional[str] = ..., models: _Optional[_Iterable[_Union[ModelRef, _Mapping]]] = ..., write_traits: _Optional[bool] = ...) -> None: ...

class ScoreResponse(_message.Message):
    __slots__ = ("predictions",)
    PREDICTIONS_FIELD_NUMBER: _ClassVar[int]
    predictions: _containers.RepeatedCompositeFieldContainer[Prediction]
    def __init__(self, predictions: _Optional[_Iterable[_Union[Prediction, _Mapping]]] = ...) -> None: ...

class ProfilePredictions(_message.Message):
    __slots__ = ("profile_id", "predictions")
    PROFILE_ID_FIELD_NUMBER: _ClassVar[int]
    PREDICTIONS_FIELD_NUMBER: _ClassVar[int]
    profile_id: str
    predictions: _containers.RepeatedCompositeFieldContainer[Prediction]
    def __init__(self, profile_id: _Optional[str] = ..., predictions: _Optional[_Iterable[_Union[Prediction, _Mapping]]] = ...) -> None: ...

class BatchScoreRequest(_message.Message):
    __slots__ = ("profile_ids", "models", "write_traits")
    PROFILE_IDS_FIELD_NUMBER: _ClassVar[int]
    MODELS_FIELD_NUMBER: _ClassVar[int]
    WRITE_TRAITS_FIELD_NUMBER: _ClassVar[int]
    profile_ids: _containers.RepeatedScalarFieldContainer[str]
    models: _containers.RepeatedCompositeFieldContainer[ModelRef]
    write_traits: bool
    def __init__(self, profile_ids: _Optional[_Iterable[str]] = ..., models: _Optional[_Iterable[_Union[ModelRef, _Mapping]]] = ..., write_traits: _Optional[bool] = ...) -> None: ...

class BatchScoreResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[ProfilePredictions]
    def __init__(self, results: _Optional[_Iterable[_Union[ProfilePredictions, _Mapping]]] = ...) -> None: ...

class Transaction(_message.Message):
    __slots__ = ("transaction_id", "customer_id", "device_id", "card_fingerprint", "merchant_id", "merchant_category", "amount", "market", "occurred_at")
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    CARD_FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    MERCHANT_ID_FIELD_NUMBER: _ClassVar[int]
    MERCHANT_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    MARKET_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    transaction_id: str
    customer_id: str
    device_id: str
    card_fingerprint: str
    merchant_id: str
    merchant_category: str
    amount: _common_pb2.Money
    market: str
    occurred_at: _timestamp_pb2.Timestamp
    def __init__(self, transaction_id: _Optional[str] = ..., customer_id: _Optional[str] = ..., device_id: _Optional[str] = ..., card_fingerprint: _Optional[str] = ..., merchant_id: _Optional[str] = ..., merchant_category: _Optional[str] = ..., amount: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., market: _Optional[str] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class FraudSignal(_message.Message):
    __slots__ = ("entity_type", "entity_id", "weight", "description")
    ENTITY_TYPE_FIELD_NUMBER: _ClassVar[int]
    ENTITY_ID_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    entity_type: str
    entity_id: str
    weight: float
    description: str
    def __init__(self, entity_type: _Optional[str] = ..., entity_id: _Optional[str] = ..., weight: _Optional[float] = ..., description: _Optional[str] = ...) -> None: ...

class ScoreTransactionRequest(_message.Message):
    __slots__ = ("transaction", "model")
    TRANSACTION_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    transaction: Transaction
    model: ModelRef
    def __init__(self, transaction: _Optional[_Union[Transaction, _Mapping]] = ..., model: _Optional[_Union[ModelRef, _Mapping]] = ...) -> None: ...

class ScoreTransactionResponse(_message.Message):
    __slots__ = ("fraud_probability", "decision", "signals", "model_version")
    FRAUD_PROBABILITY_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    SIGNALS_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    fraud_probability: float
    decision: FraudDecision
    signals: _containers.RepeatedCompositeFieldContainer[FraudSignal]
    model_version: str
    def __init__(self, fraud_probability: _Optional[float] = ..., decision: _Optional[_Union[FraudDecision, str]] = ..., signals: _Optional[_Iterable[_Union[FraudSignal, _Mapping]]] = ..., model_version: _Optional[str] = ...) -> None: ...

class ReportFraudOutcomeRequest(_message.Message):
    __slots__ = ("transaction_id", "outcome", "source")
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    transaction_id: str
    outcome: FraudOutcome
    source: str
    def __init__(self, transaction_id: _Optional[str] = ..., outcome: _Optional[_Union[FraudOutcome, str]] = ..., source: _Optional[str] = ...) -> None: ...

class ReportFraudOutcomeResponse(_message.Message):
    __slots__ = ("transaction_id", "outcome", "previous_outcome")
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_OUTCOME_FIELD_NUMBER: _ClassVar[int]
    transaction_id: str
    outcome: FraudOutcome
    previous_outcome: FraudOutcome
    def __init__(self, transaction_id: _Optional[str] = ..., outcome: _Optional[_Union[FraudOutcome, str]] = ..., previous_outcome: _Optional[_Union[FraudOutcome, str]] = ...) -> None: ...

class ExportFraudTransactionsRequest(_message.Message):
    __slots__ = ("window",)
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    window: _common_pb2.TimeRange
    def __init__(self, window: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ...) -> None: ...

class LabelledTransaction(_message.Message):
    __slots__ = ("transaction", "outcome")
    TRANSACTION_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    transaction: Transaction
    outcome: FraudOutcome
    def __init__(self, transaction: _Optional[_Union[Transaction, _Mapping]] = ..., outcome: _Optional[_Union[FraudOutcome, str]] = ...) -> None: ...

class ExportFraudTransactionsResponse(_message.Message):
    __slots__ = ("transactions",)
    TRANSACTIONS_FIELD_NUMBER: _ClassVar[int]
    transactions: _containers.RepeatedCompositeFieldContainer[LabelledTransaction]
    def __init__(self, transactions: _Optional[_Iterable[_Union[LabelledTransaction, _Mapping]]] = ...) -> None: ...

class CandidateAction(_message.Message):
    __slots__ = ("action_id", "features")
    ACTION_ID_FIELD_NUMBER: _ClassVar[int]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    action_id: str
    features: _struct_pb2.Struct
    def __init__(self, action_id: _Optional[str] = ..., features: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class ActionScore(_message.Message):
    __slots__ = ("action_id", "expected_reward", "probability")
    ACTION_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_REWARD_FIELD_NUMBER: _ClassVar[int]
    PROBABILITY_FIELD_NUMBER: _ClassVar[int]
    action_id: str
    expected_reward: float
    probability: float
    def __init__(self, action_id: _Optional[str] = ..., expected_reward: _Optional[float] = ..., probability: _Optional[float] = ...) -> None: ...

class RecommendActionRequest(_message.Message):
    __slots__ = ("profile_id", "candidates", "context", "model", "journey_id", "step_id")
    PROFILE_ID_FIELD_NUMBER: _ClassVar[int]
    CANDIDATES_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    JOURNEY_ID_FIELD_NUMBER: _ClassVar[int]
    STEP_ID_FIELD_NUMBER: _ClassVar[int]
    profile_id: str
    candidates: _containers.RepeatedCompositeFieldContainer[CandidateAction]
    context: _struct_pb2.Struct
    model: ModelRef
    journey_id: str
    step_id: str
    def __init__(self, profile_id: _Optional[str] = ..., candidates: _Optional[_Iterable[_Union[CandidateAction, _Mapping]]] = ..., context: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., model: _Optional[_Union[ModelRef, _Mapping]] = ..., journey_id: _Optional[str] = ..., step_id: _Optional[str] = ...) -> None: ...

class RecommendActionResponse(_message.Message):
    __slots__ = ("decision_id", "action_id", "propensity", "explored", "scores", "model_version", "status")
    DECISION_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_ID_FIELD_NUMBER: _ClassVar[int]
    PROPENSITY_FIELD_NUMBER: _ClassVar[int]
    EXPLORED_FIELD_NUMBER: _ClassVar[int]
    SCORES_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    decision_id: str
    action_id: str
    propensity: float
    explored: bool
    scores: _containers.RepeatedCompositeFieldContainer[ActionScore]
    model_version: str
    status: ScoreStatus
    def __init__(self, decision_id: _Optional[str] = ..., action_id: _Optional[str] = ..., propensity: _Optional[float] = ..., explored: _Optional[bool] = ..., scores: _Optional[_Iterable[_Union[ActionScore, _Mapping]]] = ..., model_version: _Optional[str] = ..., status: _Optional[_Union[ScoreStatus, str]] = ...) -> None: ...

class RecordOutcomeRequest(_message.Message):
    __slots__ = ("decision_id", "reward", "outcome", "observed_at")
    DECISION_ID_FIELD_NUMBER: _ClassVar[int]
    REWARD_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    OBSERVED_AT_FIELD_NUMBER: _ClassVar[int]
    decision_id: str
    reward: float
    outcome: str
    observed_at: _timestamp_pb2.Timestamp
    def __init__(self, decision_id: _Optional[str] = ..., reward: _Optional[float] = ..., outcome: _Optional[str] = ..., observed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RecordOutcomeResponse(_message.Message):
    __slots__ = ("duplicate",)
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    duplicate: bool
    def __init__(self, duplicate: _Optional[bool] = ...) -> None: ...

class FeatureSpec(_message.Message):
    __slots__ = ("name", "source", "description")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    name: str
    source: str
    description: str
    def __init__(self, name: _Optional[str] = ..., source: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class ModelMetric(_message.Message):
    __slots__ = ("name", "value", "baseline_value", "higher_is_better")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    BASELINE_VALUE_FIELD_NUMBER: _ClassVar[int]
    HIGHER_IS_BETTER_FIELD_NUMBER: _ClassVar[int]
    name: str
    value: float
    baseline_value: float
    higher_is_better: bool
    def __init__(self, name: _Optional[str] = ..., value: _Optional[float] = ..., baseline_value: _Optional[float] = ..., higher_is_better: _Optional[bool] = ...) -> None: ...

class ModelCard(_message.Message):
    __slots__ = ("name", "version", "kind", "status", "description", "target", "data_window", "training_rows", "excluded_by_consent", "features", "baseline", "metrics", "consent_purposes", "hyperparameters", "artifact_uri", "workflow_id", "limitations", "trained_at", "promoted_at")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    DATA_WINDOW_FIELD_NUMBER: _ClassVar[int]
    TRAINING_ROWS_FIELD_NUMBER: _ClassVar[int]
    EXCLUDED_BY_CONSENT_FIELD_NUMBER: _ClassVar[int]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    BASELINE_FIELD_NUMBER: _ClassVar[int]
    METRICS_FIELD_NUMBER: _ClassVar[int]
    CONSENT_PURPOSES_FIELD_NUMBER: _ClassVar[int]
    HYPERPARAMETERS_FIELD_NUMBER: _ClassVar[int]
    ARTIFACT_URI_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    LIMITATIONS_FIELD_NUMBER: _ClassVar[int]
    TRAINED_AT_FIELD_NUMBER: _ClassVar[int]
    PROMOTED_AT_FIELD_NUMBER: _ClassVar[int]
    name: str
    version: str
    kind: ModelKind
    status: ModelStatus
    description: str
    target: str
    data_window: _common_pb2.TimeRange
    training_rows: int
    excluded_by_consent: int
    features: _containers.RepeatedCompositeFieldContainer[FeatureSpec]
    baseline: str
    metrics: _containers.RepeatedCompositeFieldContainer[ModelMetric]
    consent_purposes: _containers.RepeatedScalarFieldContainer[str]
    hyperparameters: _struct_pb2.Struct
    artifact_uri: str
    workflow_id: str
    limitations: str
    trained_at: _timestamp_pb2.Timestamp
    promoted_at: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., version: _Optional[str] = ..., kind: _Optional[_Union[ModelKind, str]] = ..., status: _Optional[_Union[ModelStatus, str]] = ..., description: _Optional[str] = ..., target: _Optional[str] = ..., data_window: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ..., training_rows: _Optional[int] = ..., excluded_by_consent: _Optional[int] = ..., features: _Optional[_Iterable[_Union[FeatureSpec, _Mapping]]] = ..., baseline: _Optional[str] = ..., metrics: _Optional[_Iterable[_Union[ModelMetric, _Mapping]]] = ..., consent_purposes: _Optional[_Iterable[str]] = ..., hyperparameters: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., artifact_uri: _Optional[str] = ..., workflow_id: _Optional[str] = ..., limitations: _Optional[str] = ..., trained_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., promoted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListModelsRequest(_message.Message):
    __slots__ = ("kind", "status", "name", "page")
    KIND_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    kind: ModelKind
    status: ModelStatus
    name: str
    page: _common_pb2.PageRequest
    def __init__(self, kind: _Optional[_Union[ModelKind, str]] = ..., status: _Optional[_Union[ModelStatus, str]] = ..., name: _Optional[str] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListModelsResponse(_message.Message):
    __slots__ = ("models", "page")
    MODELS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    models: _containers.RepeatedCompositeFieldContainer[ModelCard]
    page: _common_pb2.PageInfo
    def __init__(self, models: _Optional[_Iterable[_Union[ModelCard, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class GetModelRequest(_message.Message):
    __slots__ = ("model",)
    MODEL_FIELD_NUMBER: _ClassVar[int]
    model: ModelRef
    def __init__(self, model: _Optional[_Union[ModelRef, _Mapping]] = ...) -> None: ...

class GetModelResponse(_message.Message):
    __slots__ = ("model",)
    MODEL_FIELD_NUMBER: _ClassVar[int]
    model: ModelCard
    def __init__(self, model: _Optional[_Union[ModelCard, _Mapping]] = ...) -> None: ...

class TrainModelRequest(_message.Message):
    __slots__ = ("name", "kind", "data_window", "hyperparameters", "target", "auto_promote", "idempotency_key")
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    DATA_WINDOW_FIELD_NUMBER: _ClassVar[int]
    HYPERPARAMETERS_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    AUTO_PROMOTE_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    name: str
    kind: ModelKind
    data_window: _common_pb2.TimeRange
    hyperparameters: _struct_pb2.Struct
    target: _struct_pb2.Struct
    auto_promote: bool
    idempotency_key: str
    def __init__(self, name: _Optional[str] = ..., kind: _Optional[_Union[ModelKind, str]] = ..., data_window: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ..., hyperparameters: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., target: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., auto_promote: _Optional[bool] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class TrainModelResponse(_message.Message):
    __slots__ = ("workflow_id", "version")
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    workflow_id: str
    version: str
    def __init__(self, workflow_id: _Optional[str] = ..., version: _Optional[str] = ...) -> None: ...

class PromoteModelRequest(_message.Message):
    __slots__ = ("model", "force", "reason")
    MODEL_FIELD_NUMBER: _ClassVar[int]
    FORCE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    model: ModelRef
    force: bool
    reason: str
    def __init__(self, model: _Optional[_Union[ModelRef, _Mapping]] = ..., force: _Optional[bool] = ..., reason: _Optional[str] = ...) -> None: ...

class PromoteModelResponse(_message.Message):
    __slots__ = ("model", "previous_version")
    MODEL_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_VERSION_FIELD_NUMBER: _ClassVar[int]
    model: ModelCard
    previous_version: str
    def __init__(self, model: _Optional[_Union[ModelCard, _Mapping]] = ..., previous_version: _Optional[str] = ...) -> None: ...

class BatchScoringJob(_message.Message):
    __slots__ = ("job_id", "workflow_id", "models", "audience_id", "state", "profiles_total", "profiles_scored", "profiles_skipped", "started_at", "finished_at", "error")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    MODELS_FIELD_NUMBER: _ClassVar[int]
    AUDIENCE_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PROFILES_TOTAL_FIELD_NUMBER: _ClassVar[int]
    PROFILES_SCORED_FIELD_NUMBER: _ClassVar[int]
    PROFILES_SKIPPED_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    FINISHED_AT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    workflow_id: str
    models: _containers.RepeatedCompositeFieldContainer[ModelRef]
    audience_id: str
    state: BatchScoringState
    profiles_total: int
    profiles_scored: int
    profiles_skipped: int
    started_at: _timestamp_pb2.Timestamp
    finished_at: _timestamp_pb2.Timestamp
    error: str
    def __init__(self, job_id: _Optional[str] = ..., workflow_id: _Optional[str] = ..., models: _Optional[_Iterable[_Union[ModelRef, _Mapping]]] = ..., audience_id: _Optional[str] = ..., state: _Optional[_Union[BatchScoringState, str]] = ..., profiles_total: _Optional[int] = ..., profiles_scored: _Optional[int] = ..., profiles_skipped: _Optional[int] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., finished_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., error: _Optional[str] = ...) -> None: ...

class StartBatchScoringRequest(_message.Message):
    __slots__ = ("models", "audience_id", "write_traits", "idempotency_key")
    MODELS_FIELD_NUMBER: _ClassVar[int]
    AUDIENCE_ID_FIELD_NUMBER: _ClassVar[int]
    WRITE_TRAITS_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    models: _containers.RepeatedCompositeFieldContainer[ModelRef]
    audience_id: str
    write_traits: bool
    idempotency_key: str
    def __init__(self, models: _Optional[_Iterable[_Union[ModelRef, _Mapping]]] = ..., audience_id: _Optional[str] = ..., write_traits: _Optional[bool] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class StartBatchScoringResponse(_message.Message):
    __slots__ = ("job_id", "workflow_id")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    workflow_id: str
    def __init__(self, job_id: _Optional[str] = ..., workflow_id: _Optional[str] = ...) -> None: ...

class GetBatchScoringJobRequest(_message.Message):
    __slots__ = ("job_id",)
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    def __init__(self, job_id: _Optional[str] = ...) -> None: ...

class GetBatchScoringJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: BatchScoringJob
    def __init__(self, job: _Optional[_Union[BatchScoringJob, _Mapping]] = ...) -> None: ...

class PersonFeatures(_message.Message):
    __slots__ = ("profile_id", "values", "computed_at")
    PROFILE_ID_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    COMPUTED_AT_FIELD_NUMBER: _ClassVar[int]
    profile_id: str
    values: _struct_pb2.Struct
    computed_at: _timestamp_pb2.Timestamp
    def __init__(self, profile_id: _Optional[str] = ..., values: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., computed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SnapshotRows(_message.Message):
    __slots__ = ("model_name", "model_version", "rows")
    MODEL_NAME_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    model_name: str
    model_version: str
    rows: int
    def __init__(self, model_name: _Optional[str] = ..., model_version: _Optional[str] = ..., rows: _Optional[int] = ...) -> None: ...

class ActionDecision(_message.Message):
    __slots__ = ("decision_id", "profile_id", "action_id", "propensity", "reward", "decided_at")
    DECISION_ID_FIELD_NUMBER: _ClassVar[int]
    PROFILE_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_ID_FIELD_NUMBER: _ClassVar[int]
    PROPENSITY_FIELD_NUMBER: _ClassVar[int]
    REWARD_FIELD_NUMBER: _ClassVar[int]
    DECIDED_AT_FIELD_NUMBER: _ClassVar[int]
    decision_id: str
    profile_id: str
    action_id: str
    propensity: float
    reward: float
    decided_at: _timestamp_pb2.Timestamp
    def __init__(self, decision_id: _Optional[str] = ..., profile_id: _Optional[str] = ..., action_id: _Optional[str] = ..., propensity: _Optional[float] = ..., reward: _Optional[float] = ..., decided_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ExportPersonRequest(_message.Message):
    __slots__ = ("subject",)
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    subject: _common_pb2.DataSubjectRef
    def __init__(self, subject: _Optional[_Union[_common_pb2.DataSubjectRef, _Mapping]] = ...) -> None: ...

class ExportPersonResponse(_message.Message):
    __slots__ = ("features", "snapshots", "decisions")
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    SNAPSHOTS_FIELD_NUMBER: _ClassVar[int]
    DECISIONS_FIELD_NUMBER: _ClassVar[int]
    features: _containers.RepeatedCompositeFieldContainer[PersonFeatures]
    snapshots: _containers.RepeatedCompositeFieldContainer[SnapshotRows]
    decisions: _containers.RepeatedCompositeFieldContainer[ActionDecision]
    def __init__(self, features: _Optional[_Iterable[_Union[PersonFeatures, _Mapping]]] = ..., snapshots: _Optional[_Iterable[_Union[SnapshotRows, _Mapping]]] = ..., decisions: _Optional[_Iterable[_Union[ActionDecision, _Mapping]]] = ...) -> None: ...

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
