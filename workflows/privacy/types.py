"""Inputs and outputs of the privacy workflow and its activities (plain dataclasses, JSON in history)."""

from __future__ import annotations

from dataclasses import dataclass, field

TASK_QUEUE = "loom-privacy"
WORKFLOW_NAME = "DataSubjectRequest"
ACCESS = "access"
ERASURE = "erasure"

# Every store a request visits, in order. Stores keyed by profile id go first, while identity can still
# resolve the person; identity follows; the consent ledger is last, so consent stays enforced to the end.
STORES: tuple[str, ...] = ("forwarding", "prediction", "creative", "ingestion", "identity", "consent")


def erase_activity(store: str) -> str:
    """Activity name that erases (or dry-runs erasing) the person in one service's stores."""
    return f"privacy.erase.{store}"


def export_activity(store: str) -> str:
    """Activity name that exports what one service holds about the person."""
    return f"privacy.export.{store}"


RESOLVE_ACTIVITY = "privacy.resolve_profile_ids"
BUNDLE_ACTIVITY = "privacy.write_bundle"
PROGRESS_ACTIVITY = "privacy.record_progress"


@dataclass
class SubjectIdentifier:
    """One identifier of the person."""

    type: str
    value: str


@dataclass
class DsrInput:
    """What the consent service starts the workflow with."""

    request_id: str
    kind: str
    identifiers: list[SubjectIdentifier]
    dry_run: bool = False
    # ISO 8601 legal deadline; store calls may retry until then.
    due_at: str = ""


@dataclass
class StoreCall:
    """One visit to one service."""

    store: str
    request_id: str
    identifiers: list[SubjectIdentifier]
    dry_run: bool = False


@dataclass
class Receipt:
    """What one store did (StoreReceipt as plain data)."""

    store: str
    items_found: int
    items_erased: int
    completed_at: str
    detail: str = ""


@dataclass
class StoreResult:
    """A service's receipts and, for access requests, where its part of the export was written."""

    store: str
    receipts: list[Receipt] = field(default_factory=list)
    export_path: str = ""


@dataclass
class Bundle:
    """The parts of an access export to tie together."""

    request_id: str
    parts: dict[str, str] = field(default_factory=dict)


@dataclass
class Progress:
    """A state change of the request, reported back to the consent service."""

    request_id: str
    # DataSubjectRequestState value.
    state: int
    receipts: list[Receipt] = field(default_factory=list)
    export_uri: str = ""
    error: str = ""


@dataclass
class DsrOutcome:
    """How the request ended."""

    request_id: str
    completed: bool
    receipts: list[Receipt] = field(default_factory=list)
    export_uri: str = ""
    error: str = ""
