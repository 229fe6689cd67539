"""Inputs and outputs of the journey workflows and activities (one dataclass in, one out)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

TASK_QUEUE = "loom-journeys"
EVENT_SIGNAL = "event"


@dataclass
class JourneyEvent:
    """A customer event as a journey sees it (entry, goal, exit or awaited event)."""

    name: str
    message_id: str
    occurred_at: str = ""  # ISO 8601
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass
class JourneyInput:
    """One customer entering one version of a journey; the spec travels along so the version is pinned."""

    journey_id: str
    version: int
    spec: dict[str, Any]
    user_id: str
    entry: JourneyEvent | None = None
    global_control_percent: float = 0.0


@dataclass
class ProfileView:
    """What branches, waits and sends need to know about a profile."""

    profile_id: str
    found: bool
    traits: dict[str, Any] = field(default_factory=dict)
    computed: dict[str, Any] = field(default_factory=dict)
    predictive: dict[str, float] = field(default_factory=dict)
    audiences: list[str] = field(default_factory=list)
    timezone: str = ""
    market: str = ""


@dataclass
class ConsentRequest:
    """Purposes to check for a customer."""

    user_id: str
    market: str
    purposes: list[str]


@dataclass
class ConsentAnswer:
    """Whether each purpose is allowed (absent means denied)."""

    allowed: dict[str, bool] = field(default_factory=dict)


@dataclass
class LocalTimeRequest:
    """Find the next moment a customer's wall clock shows ``local_time``."""

    now: str  # ISO 8601, UTC
    local_time: str  # HH:MM
    timezone: str
    default_timezone: str


@dataclass
class PredictRequest:
    """Ask a repeat-purchase-timing model when the customer will buy next."""

    profile_id: str
    model: str


@dataclass
class PredictedTime:
    """The predicted moment (ISO 8601, UTC) or ``found=False`` when the model had no answer."""

    found: bool
    expected_at: str = ""


@dataclass
class SendRequest:
    """One journey message: the creative is chosen per customer, then forwarding delivers it."""

    idempotency_key: str
    journey_id: str
    step_id: str
    profile_id: str
    channel: str
    touchpoint: str
    category: str = ""
    market: str = ""
    transactional: bool = False


@dataclass
class SendResult:
    """What forwarding said about the send."""

    delivery_id: str
    status: str
    creative_id: str = ""
    duplicate: bool = False
    reason: str = ""


@dataclass
class TraitUpdate:
    """Traits a journey step sets on a profile (idempotent by key)."""

    profile_id: str
    traits: dict[str, Any]
    source: str
    idempotency_key: str


@dataclass
class JourneyOutcome:
    """How one customer's pass through a journey ended; the measurement tables are built from these."""

    journey_id: str
    version: int
    user_id: str
    workflow_id: str
    run_id: str
    group: str  # treatment | holdout | global_control
    variant: str = ""  # last A/B/n variant taken, "" when the journey has no split
    converted: bool = False
    exit_reason: str = "completed"  # completed | goal | exit_event | audience_exit | not_found
    sends: int = 0
    entered_at: str = ""
    finished_at: str = ""


@dataclass
class CohortInput:
    """A broadcast of one journey version to an audience, processed in chunks (continues as new)."""

    journey_id: str
    version: int
    spec: dict[str, Any]
    cohort_id: str  # "" (scheduled runs): the workflow id names the cohort
    audience_id: str
    chunk_size: int = 5000
    global_control_percent: float = 0.0
    # Progress carried across continue-as-new.
    total: int = -1
    next_offset: int = 0
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class SnapshotRequest:
    """Freeze an audience's members into the cohort table, so chunks can be re-read after a crash."""

    cohort_id: str
    audience_id: str


@dataclass
class ChunkRequest:
    """Members [offset, offset + limit) of a cohort, sent with one journey step."""

    cohort_id: str
    journey_id: str
    version: int
    spec: dict[str, Any]
    offset: int
    limit: int
    global_control_percent: float = 0.0


@dataclass
class ChunkResult:
    """Counts from one chunk (by status: queued, holdout, suppressed_by_consent...)."""

    processed: int
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class CohortResult:
    """Totals of a finished broadcast."""

    cohort_id: str
    total: int
    counts: dict[str, int]
