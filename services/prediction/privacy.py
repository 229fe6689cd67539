"""Data-subject requests in prediction: what the prediction service holds about one person.

Per-person rows here: the bandit's decision log (keyed by profile id) and the scored payments of the fraud
graph (keyed by customer id, the profile id of the payer); both are exported and deleted by profile id.
Online features are computed on demand from identity and the event archive (erased there), training
snapshots live only in the memory of a training run, and scores are written to identity as predictive traits
(erased with the profile). Text in the model registry (model cards, evaluation reports) naming a person is
redacted in place. Model weights and bandit posteriors are not retrained: they hold no identifiers.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from prometheus_client import Counter

from loom.common.v1 import common_pb2
from loom.prediction.v1 import prediction_pb2 as pb
from ml.registry import files_mentioning, redact_file
from services.common.errors import Violations
from services.prediction.decisions import DecisionLog

if TYPE_CHECKING:
    from services.prediction.rpc_fraud import FraudApi

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

    def __init__(self, registry_root: Path, decisions: DecisionLog, fraud: FraudApi) -> None:
        self._root = registry_root
        self._decisions = decisions
        self._fraud = fraud

    async def export(self, ref: common_pb2.DataSubjectRef) -> pb.ExportPersonResponse:
        """Registry files naming the person, one SnapshotRows per model version (features are not stored)."""
        needles = _needles(ref)
        files = await asyncio.to_thread(files_mentioning, self._root, needles)
        response = pb.ExportPersonResponse()
        for path in files:
            relative = path.relative_to(self._root).parts
            name, version = (relative[0], relative[1]) if len(relative) > 2 else (relative[0], "")
            response.snapshots.add(model_name=name, model_version=version, rows=1)
        for d in await self._decisions.for_profiles(_profile_ids(ref)):
            decision = response.decisions.add(decision_id=d.decision_id, profile_id=d.profile_id,
                                              action_id=d.action_id, propensity=d.propensity,
                                              reward=d.reward or 0.0)
            decision.decided_at.FromDatetime(d.decided_at)
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
        profiles = _profile_ids(ref)
        decisions = len(await self._decisions.for_profiles(profiles))
        decisions_erased = 0 if ref.dry_run else await self._decisions.erase_profiles(profiles)
        payments_erased = 0 if ref.dry_run else await self._fraud.erase_customers(profiles)
        ERASED.labels("prediction.decisions").inc(decisions_erased)
        ERASED.labels("prediction.transactions").inc(payments_erased)
        return pb.ErasePersonResponse(receipts=[
            _receipt("prediction.registry", len(files), erased, "model registry text files naming the person, "
                     "identifiers redacted in place"),
            _receipt("prediction.decisions", decisions, decisions_erased, "bandit decisions about the person's "
                     "profiles (posteriors keep only sums without identifiers)"),
            _receipt("prediction.transactions", payments_erased, payments_erased,
                     "scored payments of the person in the recent fraud graph"),
            _receipt("prediction.features", 0, 0, "features and training snapshots are computed on demand from "
                     "identity and the event archive; none are stored per person"),
        ])


def _profile_ids(ref: common_pb2.DataSubjectRef) -> list[str]:
    """The person's profile ids, added by the privacy workflow as "profile_id" identifiers."""
    return sorted({i.value for i in ref.identifiers if i.type == "profile_id" and i.value})
