"""Inputs and outputs of the training and batch-scoring workflows (one dataclass in, one out)."""

from __future__ import annotations

from dataclasses import dataclass, field

TASK_QUEUE = "loom-training"


@dataclass
class TrainModelInput:
    """One training run: what to train, as of when, and whether to roll it out when it wins."""

    name: str
    kind: str
    version: str
    # ISO-8601 end of the data window (labels come from before it, features from before the label window).
    cutoff: str
    horizon_days: int = 0
    category: str = ""
    lookback_days: int = 365
    hidden: int = 32
    epochs: int = 60
    auto_promote: bool = False


@dataclass
class TrainModelResult:
    """How the run ended."""

    name: str
    version: str
    status: str
    beats_baseline: bool
    promoted: bool
    training_rows: int = 0
    excluded_by_consent: int = 0
    metrics: list[dict] = field(default_factory=list)


@dataclass
class ModelChoice:
    """A model to score with; empty version for the active one."""

    name: str
    version: str = ""


@dataclass
class BatchScoringInput:
    """One batch scoring job over every consenting profile with history in the lookback."""

    job_id: str
    models: list[ModelChoice]
    write_traits: bool = True
    lookback_days: int = 365
    # ISO-8601 time the features are computed at; empty for the workflow's start time.
    as_of: str = ""


@dataclass
class BatchScoringResult:
    """Counts of a finished batch scoring job."""

    job_id: str
    profiles_total: int
    profiles_scored: int
    profiles_skipped: int
    traits_written: int
    model_versions: dict[str, str] = field(default_factory=dict)
