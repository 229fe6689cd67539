"""Data-subject requests in prediction: what the prediction service holds about one person.

Prediction keeps no per-person rows of its own: online features are computed on demand from identity and
the event archive (erased there), training snapshots live only in the memory of a training run, and scores
are written to identity as predictive traits (erased with the profile). What can persist here is text in the
model registry (model cards, evaluation reports) naming a person or profile; an erasure finds those files and
redacts the person's identifiers in place. Model weights are not retrained: they hold no identifiers.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from prometheus_client import Counter

from loom.common.v1 import common_pb2
from loom.prediction.v1 import prediction_pb2 as pb
from ml.registry import files_mentioning, redact_file
from services.common.errors import Violations

MIN_NEEDLE = 4
ERASED = Counter("loom_prediction_erased_items_total", "Items erased for data-subject requests, by store.", ["store"])


def _needles(ref: common_pb2.DataSubjectRef) -> list[str]:
    problems = Violations()
    problems.require(ref.request_id, "subject.request_id")
    if not ref.identifiers:
        problems.add("subject.identifiers", "at least one identifier is required")
    for i, ident in enumerate(ref.identifiers):
        problems.require(ident.type, f"subject.identifiers[{i}].type")
        problems.require(ident.value, f"subject.identifiers[{i}].value")
    problems.raise_if_any()
    # Very short values (a user id "42") would match unrelated text in a card: they are not searched for.
    return sorted({i.value.strip() for i in ref.identifiers if len(i.value.strip()) >= MIN_NEEDLE})


def _receipt(store: str, found: int, erased: int, detail: str) -> common_pb2.StoreReceipt:
    receipt = common_pb2.StoreReceipt(store=store, items_found=found, items_erased=erased, detail=detail)
    receipt.completed_at.FromDatetime(datetime.now(UTC))
    return receipt


class PredictionPrivacy:
    """ExportPerson and ErasePerson over the model registry."""

    def __init__(self, registry_root: Path) -> None:
        self._root = registry_root

    async def export(self, ref: common_pb2.DataSubjectRef) -> pb.ExportPersonResponse:
        """Registry files naming the person, one SnapshotRows per model version (features are not stored)."""
        needles = _needles(ref)
        files = await asyncio.to_thread(files_mentioning, self._root, needles)
        response = pb.ExportPersonResponse()
        for path in files:
            relative = path.relative_to(self._root).parts
            name, version = (relative[0], relative[1]) if len(relative) > 2 else (relative[0], "")
            response.snapshots.add(model_name=name, model_version=version, rows=1)
        return response

    async def erase(self, ref: common_pb2.DataSubjectRef) -> pb.ErasePersonResponse:
        """Redacts the person from registry files (or, on a dry run, counts them)."""
        needles = _needles(ref)
        files = await asyncio.to_thread(files_mentioning, self._root, needles)
        if not ref.dry_run:
            for path in files:
                await asyncio.to_thread(redact_file, path, needles)
        erased = 0 if ref.dry_run else len(files)
        ERASED.labels("prediction.registry").inc(erased)
        return pb.ErasePersonResponse(receipts=[
            _receipt("prediction.registry", len(files), erased, "model registry text files naming the person, "
                     "identifiers redacted in place"),
            _receipt("prediction.features", 0, 0, "features and training snapshots are computed on demand from "
                     "identity and the event archive; none are stored per person"),
        ])
