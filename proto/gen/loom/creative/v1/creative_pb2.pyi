import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from loom.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AssetState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ASSET_STATE_UNSPECIFIED: _ClassVar[AssetState]
    ASSET_STATE_DRAFT: _ClassVar[AssetState]
    ASSET_STATE_NEEDS_REVIEW: _ClassVar[AssetState]
    ASSET_STATE_APPROVED: _ClassVar[AssetState]
    ASSET_STATE_REJECTED: _ClassVar[AssetState]
    ASSET_STATE_PUBLISHED: _ClassVar[AssetState]

class AssetKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ASSET_KIND_UNSPECIFIED: _ClassVar[AssetKind]
    ASSET_KIND_IMAGE: _ClassVar[AssetKind]
    ASSET_KIND_COPY: _ClassVar[AssetKind]
    ASSET_KIND_BANNER: _ClassVar[AssetKind]
    ASSET_KIND_LOOKBOOK: _ClassVar[AssetKind]

class Verdict(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VERDICT_UNSPECIFIED: _ClassVar[Verdict]
    VERDICT_PASS: _ClassVar[Verdict]
    VERDICT_NEEDS_REVIEW: _ClassVar[Verdict]
    VERDICT_REJECT: _ClassVar[Verdict]

class ReviewDecision(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REVIEW_DECISION_UNSPECIFIED: _ClassVar[ReviewDecision]
    REVIEW_DECISION_APPROVE: _ClassVar[ReviewDecision]
    REVIEW_DECISION_REJECT: _ClassVar[ReviewDecision]

class FactoryRunState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FACTORY_RUN_STATE_UNSPECIFIED: _ClassVar[FactoryRunState]
    FACTORY_RUN_STATE_PENDING: _ClassVar[FactoryRunState]
    FACTORY_RUN_STATE_RUNNING: _ClassVar[FactoryRunState]
    FACTORY_RUN_STATE_SUCCEEDED: _ClassVar[FactoryRunState]
    FACTORY_RUN_STATE_FAILED: _ClassVar[FactoryRunState]
    FACTORY_RUN_STATE_CANCELLED: _ClassVar[FactoryRunState]

class TranslationOrigin(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRANSLATION_ORIGIN_UNSPECIFIED: _ClassVar[TranslationOrigin]
    TRANSLATION_ORIGIN_MEMORY: _ClassVar[TranslationOrigin]
    TRANSLATION_ORIGIN_MACHINE: _ClassVar[TranslationOrigin]
    TRANSLATION_ORIGIN_IDENTITY: _ClassVar[TranslationOrigin]
ASSET_STATE_UNSPECIFIED: AssetState
ASSET_STATE_DRAFT: AssetState
ASSET_STATE_NEEDS_REVIEW: AssetState
ASSET_STATE_APPROVED: AssetState
ASSET_STATE_REJECTED: AssetState
ASSET_STATE_PUBLISHED: AssetState
ASSET_KIND_UNSPECIFIED: AssetKind
ASSET_KIND_IMAGE: AssetKind
ASSET_KIND_COPY: AssetKind
ASSET_KIND_BANNER: AssetKind
ASSET_KIND_LOOKBOOK: AssetKind
VERDICT_UNSPECIFIED: Verdict
VERDICT_PASS: Verdict
VERDICT_NEEDS_REVIEW: Verdict
VERDICT_REJECT: Verdict
REVIEW_DECISION_UNSPECIFIED: ReviewDecision
REVIEW_DECISION_APPROVE: ReviewDecision
REVIEW_DECISION_REJECT: ReviewDecision
FACTORY_RUN_STATE_UNSPECIFIED: FactoryRunState
FACTORY_RUN_STATE_PENDING: FactoryRunState
FACTORY_RUN_STATE_RUNNING: FactoryRunState
FACTORY_RUN_STATE_SUCCEEDED: FactoryRunState
FACTORY_RUN_STATE_FAILED: FactoryRunState
FACTORY_RUN_STATE_CANCELLED: FactoryRunState
TRANSLATION_ORIGIN_UNSPECIFIED: TranslationOrigin
TRANSLATION_ORIGIN_MEMORY: TranslationOrigin
TRANSLATION_ORIGIN_MACHINE: TranslationOrigin
TRANSLATION_ORIGIN_IDENTITY: TranslationOrigin

class Dimensions(_message.Message):
    __slots__ = ("width_px", "height_px")
    WIDTH_PX_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_PX_FIELD_NUMBER: _ClassVar[int]
    width_px: int
    height_px: int
    def __init__(self, width_px: _Optional[int] = ..., height_px: _Optional[int] = ...) -> None: ...

class Copy(_message.Message):
    __slots__ = ("headline", "body", "call_to_action")
    HEADLINE_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    CALL_TO_ACTION_FIELD_NUMBER: _ClassVar[int]
    headline: str
    body: str
    call_to_action: str
    def __init__(self, headline: _Optional[str] = ..., body: _Optional[str] = ..., call_to_action: _Optional[str] = ...) -> None: ...

class Lineage(_message.Message):
    __slots__ = ("run_id", "parent_asset_id", "product_id", "source_image_uri", "steps", "models", "prompt", "seed")
    class ModelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    PARENT_ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_IMAGE_URI_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    MODELS_FIELD_NUMBER: _ClassVar[int]
    PROMPT_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    run_id: str
    parent_asset_id: str
    product_id: str
    source_image_uri: str
    steps: _containers.RepeatedScalarFieldContainer[str]
    models: _containers.ScalarMap[str, str]
    prompt: str
    seed: int
    def __init__(self, run_id: _Optional[str] = ..., parent_asset_id: _Optional[str] = ..., product_id: _Optional[str] = ..., source_image_uri: _Optional[str] = ..., steps: _Optional[_Iterable[str]] = ..., models: _Optional[_Mapping[str, str]] = ..., prompt: _Optional[str] = ..., seed: _Optional[int] = ...) -> None: ...

class DimensionScore(_message.Message):
    __slots__ = ("score", "reasons")
    SCORE_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    score: float
    reasons: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, score: _Optional[float] = ..., reasons: _Optional[_Iterable[str]] = ...) -> None: ...

class Assessment(_message.Message):
    __slots__ = ("quality", "legal", "efficiency", "verdict", "assessor", "assessed_at")
    QUALITY_FIELD_NUMBER: _ClassVar[int]
    LEGAL_FIELD_NUMBER: _ClassVar[int]
    EFFICIENCY_FIELD_NUMBER: _ClassVar[int]
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    ASSESSOR_FIELD_NUMBER: _ClassVar[int]
    ASSESSED_AT_FIELD_NUMBER: _ClassVar[int]
    quality: DimensionScore
    legal: DimensionScore
    efficiency: DimensionScore
    verdict: Verdict
    assessor: str
    assessed_at: _timestamp_pb2.Timestamp
    def __init__(self, quality: _Optional[_Union[DimensionScore, _Mapping]] = ..., legal: _Optional[_Union[DimensionScore, _Mapping]] = ..., efficiency: _Optional[_Union[DimensionScore, _Mapping]] = ..., verdict: _Optional[_Union[Verdict, str]] = ..., assessor: _Optional[str] = ..., assessed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Review(_message.Message):
    __slots__ = ("reviewer", "decision", "reason", "reviewed_at")
    REVIEWER_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REVIEWED_AT_FIELD_NUMBER: _ClassVar[int]
    reviewer: str
    decision: ReviewDecision
    reason: str
    reviewed_at: _timestamp_pb2.Timestamp
    def __init__(self, reviewer: _Optional[str] = ..., decision: _Optional[_Union[ReviewDecision, str]] = ..., reason: _Optional[str] = ..., reviewed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Asset(_message.Message):
    __slots__ = ("asset_id", "kind", "state", "market", "category", "language", "touchpoint", "occasion_id", "content_hash", "uri", "mime_type", "dimensions", "copy", "lineage", "assessment", "reviews", "created_at", "published_at", "expires_at")
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    MARKET_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    TOUCHPOINT_FIELD_NUMBER: _ClassVar[int]
    OCCASION_ID_FIELD_NUMBER: _ClassVar[int]
    CONTENT_HASH_FIELD_NUMBER: _ClassVar[int]
    URI_FIELD_NUMBER: _ClassVar[int]
    MIME_TYPE_FIELD_NUMBER: _ClassVar[int]
    DIMENSIONS_FIELD_NUMBER: _ClassVar[int]
    COPY_FIELD_NUMBER: _ClassVar[int]
    LINEAGE_FIELD_NUMBER: _ClassVar[int]
    ASSESSMENT_FIELD_NUMBER: _ClassVar[int]
    REVIEWS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    asset_id: str
    kind: AssetKind
    state: AssetState
    market: str
    category: str
    language: str
    touchpoint: str
    occasion_id: str
    content_hash: str
    uri: str
    mime_type: str
    dimensions: Dimensions
    copy: Copy
    lineage: Lineage
    assessment: Assessment
    reviews: _containers.RepeatedCompositeFieldContainer[Review]
    created_at: _timestamp_pb2.Timestamp
    published_at: _timestamp_pb2.Timestamp
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, asset_id: _Optional[str] = ..., kind: _Optional[_Union[AssetKind, str]] = ..., state: _Optional[_Union[AssetState, str]] = ..., market: _Optional[str] = ..., category: _Optional[str] = ..., language: _Optional[str] = ..., touchpoint: _Optional[str] = ..., occasion_id: _Optional[str] = ..., content_hash: _Optional[str] = ..., uri: _Optional[str] = ..., mime_type: _Optional[str] = ..., dimensions: _Optional[_Union[Dimensions, _Mapping]] = ..., copy: _Optional[_Union[Copy, _Mapping]] = ..., lineage: _Optional[_Union[Lineage, _Mapping]] = ..., assessment: _Optional[_Union[Assessment, _Mapping]] = ..., reviews: _Optional[_Iterable[_Union[Review, _Mapping]]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., published_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class FactoryProgress(_message.Message):
    __slots__ = ("categories", "images", "copies", "translations", "assets", "passed", "needs_review", "rejected", "failed")
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    IMAGES_FIELD_NUMBER: _ClassVar[int]
    COPIES_FIELD_NUMBER: _ClassVar[int]
    TRANSLATIONS_FIELD_NUMBER: _ClassVar[int]
    ASSETS_FIELD_NUMBER: _ClassVar[int]
    PASSED_FIELD_NUMBER: _ClassVar[int]
    NEEDS_REVIEW_FIELD_NUMBER: _ClassVar[int]
    REJECTED_FIELD_NUMBER: _ClassVar[int]
    FAILED_FIELD_NUMBER: _ClassVar[int]
    categories: int
    images: int
    copies: int
    translations: int
    assets: int
    passed: int
    needs_review: int
    rejected: int
    failed: int
    def __init__(self, categories: _Optional[int] = ..., images: _Optional[int] = ..., copies: _Optional[int] = ..., translations: _Optional[int] = ..., assets: _Optional[int] = ..., passed: _Optional[int] = ..., needs_review: _Optional[int] = ..., rejected: _Optional[int] = ..., failed: _Optional[int] = ...) -> None: ...

class FactoryRun(_message.Message):
    __slots__ = ("run_id", "workflow_id", "market", "date", "state", "progress", "categories", "started_at", "finished_at", "error")
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    MARKET_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    FINISHED_AT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    run_id: str
    workflow_id: str
    market: str
    date: str
    state: FactoryRunState
    progress: FactoryProgress
    categories: _containers.RepeatedScalarFieldContainer[str]
    started_at: _timestamp_pb2.Timestamp
    finished_at: _timestamp_pb2.Timestamp
    error: str
    def __init__(self, run_id: _Optional[str] = ..., workflow_id: _Optional[str] = ..., market: _Optional[str] = ..., date: _Optional[str] = ..., state: _Optional[_Union[FactoryRunState, str]] = ..., progress: _Optional[_Union[FactoryProgress, _Mapping]] = ..., categories: _Optional[_Iterable[str]] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., finished_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., error: _Optional[str] = ...) -> None: ...

class StartFactoryRunRequest(_message.Message):
    __slots__ = ("market", "date", "categories_limit", "languages", "touchpoints", "brand_id")
    MARKET_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_LIMIT_FIELD_NUMBER: _ClassVar[int]
    LANGUAGES_FIELD_NUMBER: _ClassVar[int]
    TOUCHPOINTS_FIELD_NUMBER: _ClassVar[int]
    BRAND_ID_FIELD_NUMBER: _ClassVar[int]
    market: str
    date: str
    categories_limit: int
    languages: _containers.RepeatedScalarFieldContainer[str]
    touchpoints: _containers.RepeatedScalarFieldContainer[str]
    brand_id: str
    def __init__(self, market: _Optional[str] = ..., date: _Optional[str] = ..., categories_limit: _Optional[int] = ..., languages: _Optional[_Iterable[str]] = ..., touchpoints: _Optional[_Iterable[str]] = ..., brand_id: _Optional[str] = ...) -> None: ...

class StartFactoryRunResponse(_message.Message):
    __slots__ = ("run_id", "workflow_id", "already_started")
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    ALREADY_STARTED_FIELD_NUMBER: _ClassVar[int]
    run_id: str
    workflow_id: str
    already_started: bool
    def __init__(self, run_id: _Optional[str] = ..., workflow_id: _Optional[str] = ..., already_started: _Optional[bool] = ...) -> None: ...

class GetFactoryRunRequest(_message.Message):
    __slots__ = ("run_id",)
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    run_id: str
    def __init__(self, run_id: _Optional[str] = ...) -> None: ...

class GetFactoryRunResponse(_message.Message):
    __slots__ = ("run",)
    RUN_FIELD_NUMBER: _ClassVar[int]
    run: FactoryRun
    def __init__(self, run: _Optional[_Union[FactoryRun, _Mapping]] = ...) -> None: ...

class ListFactoryRunsRequest(_message.Message):
    __slots__ = ("market", "state", "page")
    MARKET_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    market: str
    state: FactoryRunState
    page: _common_pb2.PageRequest
    def __init__(self, market: _Optional[str] = ..., state: _Optional[_Union[FactoryRunState, str]] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListFactoryRunsResponse(_message.Message):
    __slots__ = ("runs", "page")
    RUNS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    runs: _containers.RepeatedCompositeFieldContainer[FactoryRun]
    page: _common_pb2.PageInfo
    def __init__(self, runs: _Optional[_Iterable[_Union[FactoryRun, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class ListAssetsRequest(_message.Message):
    __slots__ = ("market", "category", "language", "touchpoint", "state", "kind", "run_id", "page")
    MARKET_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    TOUCHPOINT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    market: str
    category: str
    language: str
    touchpoint: str
    state: AssetState
    kind: AssetKind
    run_id: str
    page: _common_pb2.PageRequest
    def __init__(self, market: _Optional[str] = ..., category: _Optional[str] = ..., language: _Optional[str] = ..., touchpoint: _Optional[str] = ..., state: _Optional[_Union[AssetState, str]] = ..., kind: _Optional[_Union[AssetKind, str]] = ..., run_id: _Optional[str] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListAssetsResponse(_message.Message):
    __slots__ = ("assets", "page")
    ASSETS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    assets: _containers.RepeatedCompositeFieldContainer[Asset]
    page: _common_pb2.PageInfo
    def __init__(self, assets: _Optional[_Iterable[_Union[Asset, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class GetAssetRequest(_message.Message):
    __slots__ = ("asset_id",)
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    asset_id: str
    def __init__(self, asset_id: _Optional[str] = ...) -> None: ...

class GetAssetResponse(_message.Message):
    __slots__ = ("asset",)
    ASSET_FIELD_NUMBER: _ClassVar[int]
    asset: Asset
    def __init__(self, asset: _Optional[_Union[Asset, _Mapping]] = ...) -> None: ...

class AssessAssetRequest(_message.Message):
    __slots__ = ("asset_id",)
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    asset_id: str
    def __init__(self, asset_id: _Optional[str] = ...) -> None: ...

class AssessAssetResponse(_message.Message):
    __slots__ = ("assessment", "state")
    ASSESSMENT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    assessment: Assessment
    state: AssetState
    def __init__(self, assessment: _Optional[_Union[Assessment, _Mapping]] = ..., state: _Optional[_Union[AssetState, str]] = ...) -> None: ...

class ReviewAssetRequest(_message.Message):
    __slots__ = ("asset_id", "reviewer", "decision", "reason")
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    REVIEWER_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    asset_id: str
    reviewer: str
    decision: ReviewDecision
    reason: str
    def __init__(self, asset_id: _Optional[str] = ..., reviewer: _Optional[str] = ..., decision: _Optional[_Union[ReviewDecision, str]] = ..., reason: _Optional[str] = ...) -> None: ...

class ReviewAssetResponse(_message.Message):
    __slots__ = ("asset",)
    ASSET_FIELD_NUMBER: _ClassVar[int]
    asset: Asset
    def __init__(self, asset: _Optional[_Union[Asset, _Mapping]] = ...) -> None: ...

class PublishAssetRequest(_message.Message):
    __slots__ = ("asset_id", "expires_at")
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    asset_id: str
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, asset_id: _Optional[str] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class PublishAssetResponse(_message.Message):
    __slots__ = ("asset",)
    ASSET_FIELD_NUMBER: _ClassVar[int]
    asset: Asset
    def __init__(self, asset: _Optional[_Union[Asset, _Mapping]] = ...) -> None: ...

class ChooseCreativeRequest(_message.Message):
    __slots__ = ("profile_id", "touchpoint", "market", "language", "journey_id", "step_id", "category", "exclude_asset_ids")
    PROFILE_ID_FIELD_NUMBER: _ClassVar[int]
    TOUCHPOINT_FIELD_NUMBER: _ClassVar[int]
    MARKET_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    JOURNEY_ID_FIELD_NUMBER: _ClassVar[int]
    STEP_ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    EXCLUDE_ASSET_IDS_FIELD_NUMBER: _ClassVar[int]
    profile_id: str
    touchpoint: str
    market: str
    language: str
    journey_id: str
    step_id: str
    category: str
    exclude_asset_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, profile_id: _Optional[str] = ..., touchpoint: _Optional[str] = ..., market: _Optional[str] = ..., language: _Optional[str] = ..., journey_id: _Optional[str] = ..., step_id: _Optional[str] = ..., category: _Optional[str] = ..., exclude_asset_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class ChooseCreativeResponse(_message.Message):
    __slots__ = ("asset", "reason", "fallback")
    ASSET_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    FALLBACK_FIELD_NUMBER: _ClassVar[int]
    asset: Asset
    reason: str
    fallback: bool
    def __init__(self, asset: _Optional[_Union[Asset, _Mapping]] = ..., reason: _Optional[str] = ..., fallback: _Optional[bool] = ...) -> None: ...

class Lookbook(_message.Message):
    __slots__ = ("lookbook_id", "profile_id", "render", "product_ids", "rendered_at")
    LOOKBOOK_ID_FIELD_NUMBER: _ClassVar[int]
    PROFILE_ID_FIELD_NUMBER: _ClassVar[int]
    RENDER_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_IDS_FIELD_NUMBER: _ClassVar[int]
    RENDERED_AT_FIELD_NUMBER: _ClassVar[int]
    lookbook_id: str
    profile_id: str
    render: Asset
    product_ids: _containers.RepeatedScalarFieldContainer[str]
    rendered_at: _timestamp_pb2.Timestamp
    def __init__(self, lookbook_id: _Optional[str] = ..., profile_id: _Optional[str] = ..., render: _Optional[_Union[Asset, _Mapping]] = ..., product_ids: _Optional[_Iterable[str]] = ..., rendered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RenderLookbookRequest(_message.Message):
    __slots__ = ("profile_id", "touchpoint", "language", "max_items")
    PROFILE_ID_FIELD_NUMBER: _ClassVar[int]
    TOUCHPOINT_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    MAX_ITEMS_FIELD_NUMBER: _ClassVar[int]
    profile_id: str
    touchpoint: str
    language: str
    max_items: int
    def __init__(self, profile_id: _Optional[str] = ..., touchpoint: _Optional[str] = ..., language: _Optional[str] = ..., max_items: _Optional[int] = ...) -> None: ...

class RenderLookbookResponse(_message.Message):
    __slots__ = ("lookbook",)
    LOOKBOOK_FIELD_NUMBER: _ClassVar[int]
    lookbook: Lookbook
    def __init__(self, lookbook: _Optional[_Union[Lookbook, _Mapping]] = ...) -> None: ...

class BrandColor(_message.Message):
    __slots__ = ("name", "hex")
    NAME_FIELD_NUMBER: _ClassVar[int]
    HEX_FIELD_NUMBER: _ClassVar[int]
    name: str
    hex: str
    def __init__(self, name: _Optional[str] = ..., hex: _Optional[str] = ...) -> None: ...

class BrandFont(_message.Message):
    __slots__ = ("role", "family", "uri")
    ROLE_FIELD_NUMBER: _ClassVar[int]
    FAMILY_FIELD_NUMBER: _ClassVar[int]
    URI_FIELD_NUMBER: _ClassVar[int]
    role: str
    family: str
    uri: str
    def __init__(self, role: _Optional[str] = ..., family: _Optional[str] = ..., uri: _Optional[str] = ...) -> None: ...

class CopyPrompt(_message.Message):
    __slots__ = ("name", "template", "max_chars")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    MAX_CHARS_FIELD_NUMBER: _ClassVar[int]
    name: str
    template: str
    max_chars: int
    def __init__(self, name: _Optional[str] = ..., template: _Optional[str] = ..., max_chars: _Optional[int] = ...) -> None: ...

class TouchpointSpec(_message.Message):
    __slots__ = ("touchpoint", "dimensions", "mime_type", "max_headline_chars")
    TOUCHPOINT_FIELD_NUMBER: _ClassVar[int]
    DIMENSIONS_FIELD_NUMBER: _ClassVar[int]
    MIME_TYPE_FIELD_NUMBER: _ClassVar[int]
    MAX_HEADLINE_CHARS_FIELD_NUMBER: _ClassVar[int]
    touchpoint: str
    dimensions: Dimensions
    mime_type: str
    max_headline_chars: int
    def __init__(self, touchpoint: _Optional[str] = ..., dimensions: _Optional[_Union[Dimensions, _Mapping]] = ..., mime_type: _Optional[str] = ..., max_headline_chars: _Optional[int] = ...) -> None: ...

class GlossaryEntry(_message.Message):
    __slots__ = ("term", "translations", "do_not_translate")
    class TranslationsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    TERM_FIELD_NUMBER: _ClassVar[int]
    TRANSLATIONS_FIELD_NUMBER: _ClassVar[int]
    DO_NOT_TRANSLATE_FIELD_NUMBER: _ClassVar[int]
    term: str
    translations: _containers.ScalarMap[str, str]
    do_not_translate: bool
    def __init__(self, term: _Optional[str] = ..., translations: _Optional[_Mapping[str, str]] = ..., do_not_translate: _Optional[bool] = ...) -> None: ...

class BrandKit(_message.Message):
    __slots__ = ("brand_id", "palette", "fonts", "logo_uri", "tone_of_voice", "copy_prompts", "banned_phrases", "touchpoints", "glossary", "revision", "updated_at", "logo_text")
    BRAND_ID_FIELD_NUMBER: _ClassVar[int]
    PALETTE_FIELD_NUMBER: _ClassVar[int]
    FONTS_FIELD_NUMBER: _ClassVar[int]
    LOGO_URI_FIELD_NUMBER: _ClassVar[int]
    TONE_OF_VOICE_FIELD_NUMBER: _ClassVar[int]
    COPY_PROMPTS_FIELD_NUMBER: _ClassVar[int]
    BANNED_PHRASES_FIELD_NUMBER: _ClassVar[int]
    TOUCHPOINTS_FIELD_NUMBER: _ClassVar[int]
    GLOSSARY_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    LOGO_TEXT_FIELD_NUMBER: _ClassVar[int]
    brand_id: str
    palette: _containers.RepeatedCompositeFieldContainer[BrandColor]
    fonts: _containers.RepeatedCompositeFieldContainer[BrandFont]
    logo_uri: str
    tone_of_voice: str
    copy_prompts: _containers.RepeatedCompositeFieldContainer[CopyPrompt]
    banned_phrases: _containers.RepeatedScalarFieldContainer[str]
    touchpoints: _containers.RepeatedCompositeFieldContainer[TouchpointSpec]
    glossary: _containers.RepeatedCompositeFieldContainer[GlossaryEntry]
    revision: int
    updated_at: _timestamp_pb2.Timestamp
    logo_text: str
    def __init__(self, brand_id: _Optional[str] = ..., palette: _Optional[_Iterable[_Union[BrandColor, _Mapping]]] = ..., fonts: _Optional[_Iterable[_Union[BrandFont, _Mapping]]] = ..., logo_uri: _Optional[str] = ..., tone_of_voice: _Optional[str] = ..., copy_prompts: _Optional[_Iterable[_Union[CopyPrompt, _Mapping]]] = ..., banned_phrases: _Optional[_Iterable[str]] = ..., touchpoints: _Optional[_Iterable[_Union[TouchpointSpec, _Mapping]]] = ..., glossary: _Optional[_Iterable[_Union[GlossaryEntry, _Mapping]]] = ..., revision: _Optional[int] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., logo_text: _Optional[str] = ...) -> None: ...

class GetBrandKitRequest(_message.Message):
    __slots__ = ("brand_id",)
    BRAND_ID_FIELD_NUMBER: _ClassVar[int]
    brand_id: str
    def __init__(self, brand_id: _Optional[str] = ...) -> None: ...

class GetBrandKitResponse(_message.Message):
    __slots__ = ("brand_kit",)
    BRAND_KIT_FIELD_NUMBER: _ClassVar[int]
    brand_kit: BrandKit
    def __init__(self, brand_kit: _Optional[_Union[BrandKit, _Mapping]] = ...) -> None: ...

class PutBrandKitRequest(_message.Message):
    __slots__ = ("brand_kit",)
    BRAND_KIT_FIELD_NUMBER: _ClassVar[int]
    brand_kit: BrandKit
    def __init__(self, brand_kit: _Optional[_Union[BrandKit, _Mapping]] = ...) -> None: ...

class PutBrandKitResponse(_message.Message):
    __slots__ = ("brand_kit",)
    BRAND_KIT_FIELD_NUMBER: _ClassVar[int]
    brand_kit: BrandKit
    def __init__(self, brand_kit: _Optional[_Union[BrandKit, _Mapping]] = ...) -> None: ...

class Occasion(_message.Message):
    __slots__ = ("occasion_id", "name", "start_date", "end_date", "theme", "categories", "priority")
    OCCASION_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    THEME_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    occasion_id: str
    name: str
    start_date: str
    end_date: str
    theme: str
    categories: _containers.RepeatedScalarFieldContainer[str]
    priority: int
    def __init__(self, occasion_id: _Optional[str] = ..., name: _Optional[str] = ..., start_date: _Optional[str] = ..., end_date: _Optional[str] = ..., theme: _Optional[str] = ..., categories: _Optional[_Iterable[str]] = ..., priority: _Optional[int] = ...) -> None: ...

class PutOccasionCalendarRequest(_message.Message):
    __slots__ = ("market", "occasions")
    MARKET_FIELD_NUMBER: _ClassVar[int]
    OCCASIONS_FIELD_NUMBER: _ClassVar[int]
    market: str
    occasions: _containers.RepeatedCompositeFieldContainer[Occasion]
    def __init__(self, market: _Optional[str] = ..., occasions: _Optional[_Iterable[_Union[Occasion, _Mapping]]] = ...) -> None: ...

class PutOccasionCalendarResponse(_message.Message):
    __slots__ = ("stored_count", "revision")
    STORED_COUNT_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    stored_count: int
    revision: int
    def __init__(self, stored_count: _Optional[int] = ..., revision: _Optional[int] = ...) -> None: ...

class ListOccasionsRequest(_message.Message):
    __slots__ = ("market", "from_date", "to_date")
    MARKET_FIELD_NUMBER: _ClassVar[int]
    FROM_DATE_FIELD_NUMBER: _ClassVar[int]
    TO_DATE_FIELD_NUMBER: _ClassVar[int]
    market: str
    from_date: str
    to_date: str
    def __init__(self, market: _Optional[str] = ..., from_date: _Optional[str] = ..., to_date: _Optional[str] = ...) -> None: ...

class ListOccasionsResponse(_message.Message):
    __slots__ = ("occasions",)
    OCCASIONS_FIELD_NUMBER: _ClassVar[int]
    occasions: _containers.RepeatedCompositeFieldContainer[Occasion]
    def __init__(self, occasions: _Optional[_Iterable[_Union[Occasion, _Mapping]]] = ...) -> None: ...

class Translation(_message.Message):
    __slots__ = ("language", "text", "origin", "glossary_terms", "too_long")
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_FIELD_NUMBER: _ClassVar[int]
    GLOSSARY_TERMS_FIELD_NUMBER: _ClassVar[int]
    TOO_LONG_FIELD_NUMBER: _ClassVar[int]
    language: str
    text: str
    origin: TranslationOrigin
    glossary_terms: _containers.RepeatedScalarFieldContainer[str]
    too_long: bool
    def __init__(self, language: _Optional[str] = ..., text: _Optional[str] = ..., origin: _Optional[_Union[TranslationOrigin, str]] = ..., glossary_terms: _Optional[_Iterable[str]] = ..., too_long: _Optional[bool] = ...) -> None: ...

class TranslateRequest(_message.Message):
    __slots__ = ("text", "source_language", "target_languages", "brand_id", "max_chars", "remember")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    TARGET_LANGUAGES_FIELD_NUMBER: _ClassVar[int]
    BRAND_ID_FIELD_NUMBER: _ClassVar[int]
    MAX_CHARS_FIELD_NUMBER: _ClassVar[int]
    REMEMBER_FIELD_NUMBER: _ClassVar[int]
    text: str
    source_language: str
    target_languages: _containers.RepeatedScalarFieldContainer[str]
    brand_id: str
    max_chars: int
    remember: bool
    def __init__(self, text: _Optional[str] = ..., source_language: _Optional[str] = ..., target_languages: _Optional[_Iterable[str]] = ..., brand_id: _Optional[str] = ..., max_chars: _Optional[int] = ..., remember: _Optional[bool] = ...) -> None: ...

class TranslateResponse(_message.Message):
    __slots__ = ("translations",)
    TRANSLATIONS_FIELD_NUMBER: _ClassVar[int]
    translations: _containers.RepeatedCompositeFieldContainer[Translation]
    def __init__(self, translations: _Optional[_Iterable[_Union[Translation, _Mapping]]] = ...) -> None: ...

class ExportPersonalisationsRequest(_message.Message):
    __slots__ = ("subject",)
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    subject: _common_pb2.DataSubjectRef
    def __init__(self, subject: _Optional[_Union[_common_pb2.DataSubjectRef, _Mapping]] = ...) -> None: ...

class ExportPersonalisationsResponse(_message.Message):
    __slots__ = ("lookbooks",)
    LOOKBOOKS_FIELD_NUMBER: _ClassVar[int]
    lookbooks: _containers.RepeatedCompositeFieldContainer[Lookbook]
    def __init__(self, lookbooks: _Optional[_Iterable[_Union[Lookbook, _Mapping]]] = ...) -> None: ...

class ErasePersonalisationsRequest(_message.Message):
    __slots__ = ("subject",)
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    subject: _common_pb2.DataSubjectRef
    def __init__(self, subject: _Optional[_Union[_common_pb2.DataSubjectRef, _Mapping]] = ...) -> None: ...

class ErasePersonalisationsResponse(_message.Message):
    __slots__ = ("receipts",)
    RECEIPTS_FIELD_NUMBER: _ClassVar[int]
    receipts: _containers.RepeatedCompositeFieldContainer[_common_pb2.StoreReceipt]
    def __init__(self, receipts: _Optional[_Iterable[_Union[_common_pb2.StoreReceipt, _Mapping]]] = ...) -> None: ...
