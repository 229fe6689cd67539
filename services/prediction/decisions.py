"""The bandit's durable decision log and posteriors in SQL.

A decision is written before RecommendAction answers, so every action a journey acts on can take its outcome.
RecordOutcome writes the outcome with an update guarded by ``recorded_at IS NULL`` and folds the reward into
the action's posterior in the same transaction: the posterior changes exactly once per decision, however often
the outcome is retried. The posterior row is locked (``FOR UPDATE`` on PostgreSQL; SQLite's write lock is
taken at BEGIN) so two outcomes of one action never overwrite each other's update.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from prometheus_client import Counter
from sqlalchemy import delete, select, update

from ml.bandit_policy import Posterior, updated
from services.common.storage import Database, insert_ignore
from services.prediction.tables import nba_decisions, nba_posteriors

OUTCOMES = Counter("loom_prediction_bandit_outcomes_total", "Outcomes recorded, by whether they were new.",
                   ["result"])


@dataclass
class LoggedDecision:
    """A decision as RecommendAction writes it."""

    decision_id: str
    profile_id: str
    model_name: str
    model_version: str
    journey_id: str
    step_id: str
    context: dict[str, Any]
    action_id: str
    propensity: float
    explored: bool


class DecisionNotFound(LookupError):
    """RecordOutcome named a decision that was never logged (or was erased)."""


class DecisionLog:
    """Decisions, outcomes and per-action posteriors of next-best-action models."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def posteriors(self, model: str, version: str, actions: list[str], prior: Posterior) -> list[Posterior]:
        """The current posterior of each action, the prior for actions never decided on."""
        async with self.db.connect() as conn:
            rows = (await conn.execute(select(nba_posteriors.c.action_id, nba_posteriors.c.precision,
                                              nba_posteriors.c.b).where(
                nba_posteriors.c.model_name == model, nba_posteriors.c.model_version == version,
                nba_posteriors.c.action_id.in_(actions)))).all()
        found = {r.action_id: Posterior(r.precision, r.b) for r in rows}
        return [found.get(a, prior) for a in actions]

    async def log(self, decision: LoggedDecision, prior: Posterior) -> None:
        """Writes the decision and makes sure its action has a posterior row for outcomes to lock."""
        at = datetime.now(UTC)
        async with self.db.begin() as conn:
            await conn.execute(nba_decisions.insert().values(
                decision_id=decision.decision_id, profile_id=decision.profile_id, model_name=decision.model_name,
                model_version=decision.model_version, journey_id=decision.journey_id, step_id=decision.step_id,
                context=decision.context, action_id=decision.action_id, propensity=decision.propensity,
                explored=int(decision.explored), decided_at=at))
            await conn.execute(insert_ignore(nba_posteriors, [{
                "model_name": decision.model_name, "model_version": decision.model_version,
                "action_id": decision.action_id, "precision": prior.precision, "b": prior.b, "updates": 0,
                "updated_at": at}], ["model_name", "model_version", "action_id"]))

    async def record_outcome(self, decision_id: str, reward: float, outcome: str,
                             observed_at: datetime | None) -> bool:
        """Records the outcome and updates the posterior once; False when one was recorded before."""
        at = datetime.now(UTC)
        async with self.db.begin() as conn:
            claimed = await conn.execute(
                update(nba_decisions)
                .where(nba_decisions.c.decision_id == decision_id, nba_decisions.c.recorded_at.is_(None))
                .values(reward=reward, outcome=outcome, observed_at=observed_at or at, recorded_at=at))
            if claimed.rowcount == 0:
                exists = (await conn.execute(select(nba_decisions.c.decision_id).where(
                    nba_decisions.c.decision_id == decision_id))).first()
                if exists is None:
                    raise DecisionNotFound(f"no decision {decision_id}; it was never made or has been erased")
                OUTCOMES.labels("duplicate").inc()
                return False
            d = (await conn.execute(select(nba_decisions).where(nba_decisions.c.decision_id == decision_id))).one()
            key = (nba_posteriors.c.model_name == d.model_name, nba_posteriors.c.model_version == d.model_version,
                   nba_posteriors.c.action_id == d.action_id)
            row = (await conn.execute(select(nba_posteriors).where(*key).with_for_update())).one()
            new = updated(Posterior(row.precision, row.b), d.context["vector"], reward)
            await conn.execute(update(nba_posteriors).where(*key).values(
                precision=new.precision, b=new.b, updates=row.updates + 1, updated_at=at))
        OUTCOMES.labels("recorded").inc()
        return True

    async def for_profiles(self, profile_ids: list[str]) -> list[Any]:
        """Every decision about these profiles (data-subject access)."""
        async with self.db.connect() as conn:
            return list((await conn.execute(select(nba_decisions).where(
                nba_decisions.c.profile_id.in_(profile_ids)).order_by(nba_decisions.c.decided_at))).all())

    async def erase_profiles(self, profile_ids: list[str]) -> int:
        """Deletes the decisions about these profiles; the posteriors keep only aggregate sums, no identifiers."""
        async with self.db.begin() as conn:
            result = await conn.execute(delete(nba_decisions).where(nba_decisions.c.profile_id.in_(profile_ids)))
        return int(result.rowcount or 0)
