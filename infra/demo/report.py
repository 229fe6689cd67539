"""What the demo measured (the summary prints it, tests check it) and the errors that stop it."""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import grpc
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from workflows.journeys.measurement import Uplift


class DemoStageError(RuntimeError):
    """A stage of the story failed; the message names the stage and what to look at."""

    def __init__(self, stage: str, message: str) -> None:
        super().__init__(f"stage '{stage}' failed: {message}")
        self.stage = stage


@contextlib.contextmanager
def stage(name: str) -> Iterator[None]:
    """Turns a failed service call inside a stage into a DemoStageError naming the stage and the call."""
    try:
        yield
    except grpc.aio.AioRpcError as exc:
        raise DemoStageError(name, f"a service call failed: {exc.code().name}: {exc.details()}") from exc


def progress(console: Console) -> Progress:
    """The progress bar every long stage shows."""
    return Progress(TextColumn("{task.description:<28}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=console, transient=False)


@dataclass
class ConsentNumbers:
    """Stage 1: what was recorded and what the consent service answers afterwards."""

    records: int = 0
    # market -> choice ("granted", "email refused", "no record", "opted out") -> customers
    choices: dict[str, Counter[str]] = field(default_factory=dict)
    # purpose -> customers the consent service allows it for
    allowed: Counter[str] = field(default_factory=Counter)
    checked: int = 0


@dataclass
class ModelNumbers:
    """Stage 4: the trained model against its baseline, and the batch scoring run."""

    name: str = ""
    version: str = ""
    status: str = ""
    training_rows: int = 0
    excluded_by_consent: int = 0
    metrics: list[tuple[str, float, float, bool]] = field(default_factory=list)
    baseline: str = ""
    train_seconds: float = 0.0
    profiles_total: int = 0
    profiles_scored: int = 0
    profiles_skipped: int = 0
    score_seconds: float = 0.0
    scores: list[float] = field(default_factory=list)


@dataclass
class CreativeNumbers:
    """Stage 5: the factory run and what was published."""

    run_id: str = ""
    market: str = ""
    categories: list[str] = field(default_factory=list)
    verdicts: Counter[str] = field(default_factory=Counter)
    published: int = 0
    approved_by_reviewer: int = 0
    seconds: float = 0.0


@dataclass
class JourneyNumbers:
    """Stage 6: the journey's entrants, their groups and what reached the webhook sink."""

    journey_id: str = ""
    version: int = 0
    destination_id: str = ""
    entered: int = 0
    groups: Counter[str] = field(default_factory=Counter)
    exits: Counter[str] = field(default_factory=Counter)
    # decided by the branch: "offer (high propensity)", "reminder", "no consent"
    paths: Counter[str] = field(default_factory=Counter)
    sends: int = 0
    delivered: int = 0
    by_step: Counter[str] = field(default_factory=Counter)
    creatives: Counter[str] = field(default_factory=Counter)
    # simulated "Order Completed" events sent while the customers were in the journey
    orders: int = 0
    # user_id -> the step whose message reached the sink
    steps: dict[str, str] = field(default_factory=dict)
    # path ("holdout", "offer (...)", "reminder (...)", "no message (consent)") -> customers / converted ones,
    # as the workflows recorded them
    path_customers: Counter[str] = field(default_factory=Counter)
    conversions: Counter[str] = field(default_factory=Counter)
    uplift: Uplift | None = None
    seconds: float = 0.0


@dataclass
class DemoReport:
    """Numbers the summary prints (and tests check)."""

    customers: int = 0
    events_sent: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    ingest_seconds: float = 0.0
    profiles_checked: int = 0
    profiles_matching_truth: int = 0
    stitched: int = 0
    segments: Counter[tuple[str, str]] = field(default_factory=Counter)
    top_categories: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    plan_id: str = ""
    plan_revision: int = 0
    violations: Counter[str] = field(default_factory=Counter)
    consent: ConsentNumbers = field(default_factory=ConsentNumbers)
    model: ModelNumbers = field(default_factory=ModelNumbers)
    creative: CreativeNumbers = field(default_factory=CreativeNumbers)
    journey: JourneyNumbers = field(default_factory=JourneyNumbers)
    stage_seconds: dict[str, float] = field(default_factory=dict)
