"""ScoreTransaction, RecommendAction and RecordOutcome through gRPC on SQLite and PostgreSQL (no Ray needed)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import grpc
import pytest
from google.protobuf import struct_pb2

from loom.common.v1 import common_pb2
from loom.prediction.v1 import prediction_pb2 as pb
from loom.prediction.v1 import prediction_pb2_grpc
from ml.bandit_policy import nba_model
from ml.fraud_training import train_fraud
from ml.registry import ModelRegistry
from ml.synthetic import fraud_transactions
from services.common.errors import field_violations
from services.identity.app import IdentityConfig
from services.identity.app import build as build_identity
from services.ingestion.app import IngestionConfig
from services.ingestion.app import build as build_ingestion
from services.prediction.app import PredictionConfig
from services.prediction.app import build as build_prediction
from tests.integration.test_prediction_serve import ingest_customers

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory):
    """A registry with an active fraud GNN and an active next-best-action bandit, plus the payments."""
    registry = ModelRegistry(tmp_path_factory.mktemp("registry"))
    txns, labels = fraud_transactions(customers=160, txns_per_customer=6, rings=4)
    artifact, card, ok = train_fraud(txns, labels, "fraud", "f1", epochs=50)
    assert ok, card["metrics"]
    registry.register(card, artifact)
    registry.promote("fraud", "f1")
    artifact, card, ok = nba_model("next_best_action", "b1", ["basket_eur", "is_app"], simulate_rounds=150)
    registry.register(card, artifact)
    registry.promote("next_best_action", "b1", force=not ok, reason="" if ok else "cold start")
    return registry, txns, labels


async def start(stack, registry: ModelRegistry, consent: str = "allow-all", identity: bool = False):
    """The prediction service (with ingestion and identity when profiles are needed)."""
    addrs = {}
    if identity:
        ing = await stack.start("ingestion", IngestionConfig, build_ingestion)
        idn = await stack.start("identity", IdentityConfig, build_identity)
        addrs = {"identity_addr": f"127.0.0.1:{idn.port}", "ingestion_addr": f"127.0.0.1:{ing.port}"}
    await stack.start("prediction", PredictionConfig, build_prediction, registry_dir=str(registry.root),
                      consent_mode=consent, **addrs)
    return prediction_pb2_grpc.PredictionServiceStub(stack.channel("prediction"))


def as_proto(t) -> pb.Transaction:
    out = pb.Transaction(transaction_id=t.transaction_id, customer_id=t.customer, device_id=t.device,
                         card_fingerprint=t.card, merchant_id=t.merchant,
                         amount=common_pb2.Money(currency_code="EUR", amount_micros=int(t.amount_eur * 1e6)))
    out.occurred_at.FromDatetime(t.occurred_at)
    return out


async def test_score_transaction_flags_fraud_rings_from_the_recent_graph(service_stack, registry, tmp_path: Path):
    reg, txns, labels = registry
    stub = await start(service_stack, reg)
    # The later payments, scored in time order: each one joins the recent graph the next is scored against.
    later = list(zip(txns, labels, strict=True))[-250:]
    scored = []
    for t, label in later:
        response = await stub.ScoreTransaction(pb.ScoreTransactionRequest(transaction=as_proto(t)))
        scored.append((response, label))
    fraud = [r.fraud_probability for r, label in scored if label]
    honest = [r.fraud_probability for r, label in scored if not label]
    assert fraud and sum(fraud) / len(fraud) > 0.5 > sum(honest) / len(honest)
    flagged = next(r for r, label in scored if label and r.decision != pb.FRAUD_DECISION_ALLOW)
    assert flagged.model_version == "f1" and len(flagged.signals) == 4
    assert {s.entity_type for s in flagged.signals} == {"customer", "device", "card", "merchant"}
    assert [s.weight for s in flagged.signals] == sorted((s.weight for s in flagged.signals), reverse=True)
    assert sum(s.weight for s in flagged.signals) == pytest.approx(1.0)

    # A retried payment gets the stored answer, even after a restart that rebuilds the graph from the table.
    first = later[0][0]
    before = (await stub.ScoreTransaction(pb.ScoreTransactionRequest(transaction=as_proto(first)))).fraud_probability
    await service_stack.running.pop("prediction").stop()
    stub = await start(service_stack, reg)
    again = await stub.ScoreTransaction(pb.ScoreTransactionRequest(transaction=as_proto(first)))
    assert again.fraud_probability == before

    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.ScoreTransaction(pb.ScoreTransactionRequest(transaction=pb.Transaction(
            transaction_id="x", amount=common_pb2.Money(currency_code="SEK", amount_micros=1))))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in field_violations(err.value)} == {
        "transaction.customer_id", "transaction.device_id", "transaction.card_fingerprint",
        "transaction.merchant_id", "transaction.amount.currency_code"}
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.ScoreTransaction(pb.ScoreTransactionRequest(transaction=as_proto(txns[0]),
                                                               model=pb.ModelRef(name="nope")))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


async def test_reported_fraud_weighs_on_the_next_payments_of_its_entities(service_stack, registry):
    from dataclasses import replace
    from datetime import UTC, datetime, timedelta

    reg, txns, _ = registry
    stub = await start(service_stack, reg)
    last, now = txns[-1], datetime.now(UTC)

    def payment(tid: str, customer: str, card: str, minutes: int):
        # Payments of today: reports count while their transaction is in the recent window.
        return replace(last, transaction_id=tid, customer=customer, device=f"dev-{tid}", card=card,
                       occurred_at=now + timedelta(minutes=minutes))

    # Two cards, each first used by one customer and then by another: the same shape, one report apart.
    for t in (payment("stolen-1", "cx-1", "card-stolen", 1), payment("clean-1", "cy-1", "card-clean", 1)):
        await stub.ScoreTransaction(pb.ScoreTransactionRequest(transaction=as_proto(t)))
    reply = await stub.ReportFraudOutcome(pb.ReportFraudOutcomeRequest(
        transaction_id="stolen-1", outcome=pb.FRAUD_OUTCOME_CONFIRMED_FRAUD, source="chargeback"))
    assert (reply.outcome, reply.previous_outcome) == (pb.FRAUD_OUTCOME_CONFIRMED_FRAUD, pb.FRAUD_OUTCOME_UNSPECIFIED)
    stolen = await stub.ScoreTransaction(pb.ScoreTransactionRequest(
        transaction=as_proto(payment("stolen-2", "cx-2", "card-stolen", 3))))
    clean = await stub.ScoreTransaction(pb.ScoreTransactionRequest(
        transaction=as_proto(payment("clean-2", "cy-2", "card-clean", 3))))
    stolen_card, clean_card = (next(s for s in r.signals if s.entity_type == "card") for r in (stolen, clean))
    assert "1 of 1 labelled transactions were fraud" in stolen_card.description
    assert "labelled" not in clean_card.description
    assert stolen.fraud_probability > clean.fraud_probability

    # A later report replaces the earlier one (here through the CLI a review tool would script).
    from typer.testing import CliRunner

    from services.cli.main import app

    addr = f"127.0.0.1:{service_stack.running['prediction'].port}"
    result = await asyncio.to_thread(CliRunner().invoke, app, [
        "fraud", "report", "stolen-1", "--outcome", "legitimate", "--source", "review:agent-7", "--addr", addr,
        "--token", service_stack.tokens.service])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "stolen-1: legitimate (was fraud)"
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.ReportFraudOutcome(pb.ReportFraudOutcomeRequest(
            transaction_id="never-scored", outcome=pb.FRAUD_OUTCOME_CONFIRMED_FRAUD, source="chargeback"))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.ReportFraudOutcome(pb.ReportFraudOutcomeRequest())
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in field_violations(err.value)} == {"transaction_id", "outcome", "source"}


def context(basket: float, app: bool) -> struct_pb2.Struct:
    out = struct_pb2.Struct()
    out.update({"basket_eur": basket, "is_app": app})
    return out


async def test_bandit_logs_propensities_learns_once_per_decision_and_respects_consent(service_stack, registry):
    reg, _, _ = registry
    stub = await start(service_stack, reg, identity=True)
    profile_id = (await ingest_customers(service_stack, 2))[0]
    candidates = [pb.CandidateAction(action_id="offer:cashback"), pb.CandidateAction(action_id="no-op")]

    async def recommend() -> pb.RecommendActionResponse:
        return await stub.RecommendAction(pb.RecommendActionRequest(
            profile_id=profile_id, candidates=candidates, context=context(1.0, True), journey_id="j1"))

    # Off-policy propensity: with both posteriors at the prior, the logged propensity matches how often the
    # policy really picks each action, and the candidates' probabilities sum to one.
    cold = await asyncio.gather(*(recommend() for _ in range(80)))
    assert all(r.status == pb.SCORE_STATUS_OK and r.model_version == "b1" for r in cold)
    assert all(sum(s.probability for s in r.scores) == pytest.approx(1.0, abs=0.02) for r in cold)
    picked = sum(r.action_id == "offer:cashback" for r in cold) / len(cold)
    logged = sum(r.propensity if r.action_id == "offer:cashback" else 1 - r.propensity for r in cold) / len(cold)
    assert abs(picked - logged) < 0.2 and 0.2 < logged < 0.8

    # Outcomes: cashback converts, no-op does not. Each is sent twice; the second is a duplicate.
    for r in cold:
        reward = 1.0 if r.action_id == "offer:cashback" else 0.0
        first = await stub.RecordOutcome(pb.RecordOutcomeRequest(decision_id=r.decision_id, reward=reward))
        retry = await stub.RecordOutcome(pb.RecordOutcomeRequest(decision_id=r.decision_id, reward=5.0))
        assert not first.duplicate and retry.duplicate
    warm = await recommend()
    assert warm.action_id == "offer:cashback" and warm.propensity > 0.9
    best = {s.action_id: s.expected_reward for s in warm.scores}
    # Exactly once: the posterior mean is the average reward (1.0), not pulled up by the ignored retries (5.0).
    assert 0.7 < best["offer:cashback"] < 1.05 and abs(best["no-op"]) < 0.2

    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.RecordOutcome(pb.RecordOutcomeRequest(decision_id="00000000-0000-0000-0000-000000000000"))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.RecommendAction(pb.RecommendActionRequest(candidates=[candidates[0], candidates[0]]))
    assert {v.field for v in field_violations(err.value)} == {"profile_id", "candidates[1].action_id"}

    unknown = await stub.RecommendAction(pb.RecommendActionRequest(profile_id="nobody", candidates=candidates))
    assert unknown.status == pb.SCORE_STATUS_UNKNOWN_PROFILE and unknown.action_id == "offer:cashback"
    assert unknown.propensity == 1.0 and not unknown.decision_id

    # Erasure removes the person's decisions; export lists them first.
    subject = common_pb2.DataSubjectRef(request_id="r1", identifiers=[
        common_pb2.Identifier(type="profile_id", value=profile_id)])
    exported = await stub.ExportPerson(pb.ExportPersonRequest(subject=subject))
    assert len(exported.decisions) == 81
    erased = await stub.ErasePerson(pb.ErasePersonRequest(subject=subject))
    receipt = next(r for r in erased.receipts if r.store == "prediction.decisions")
    assert receipt.items_erased == 81
    assert not (await stub.ExportPerson(pb.ExportPersonRequest(subject=subject))).decisions


async def test_without_consent_the_default_action_is_returned_and_nothing_is_logged(service_stack, registry):
    reg, _, _ = registry
    stub = await start(service_stack, reg, consent="deny", identity=True)
    profile_id = (await ingest_customers(service_stack, 2))[0]
    response = await stub.RecommendAction(pb.RecommendActionRequest(
        profile_id=profile_id, candidates=[pb.CandidateAction(action_id="a"), pb.CandidateAction(action_id="b")]))
    assert response.status == pb.SCORE_STATUS_NO_CONSENT and response.action_id == "a" and not response.decision_id


async def test_train_model_fraud_learns_from_reported_outcomes(service_stack, registry, temporal_env,
                                                               task_queue: str, tmp_path: Path):
    from dataclasses import replace
    from datetime import UTC, datetime, timedelta

    from temporalio.worker import Worker

    from loom.ingestion.v1 import ingestion_pb2_grpc
    from workflows.training import WORKFLOWS, make_activities
    from workflows.training.activities import TrainingConfig

    reg, txns, labels = registry
    await service_stack.start(
        "prediction", PredictionConfig, build_prediction, registry_dir=str(reg.root), consent_mode="allow-all",
        temporal_address=temporal_env.client.service_client.config.target_host, training_task_queue=task_queue)
    stub = prediction_pb2_grpc.PredictionServiceStub(service_stack.channel("prediction"))
    admin = prediction_pb2_grpc.PredictionServiceStub(service_stack.channel("prediction", service_stack.tokens.admin))
    # The payments of the last days: scored as they happen, then chargebacks arrive for the fraudulent ones.
    recent = txns[-400:]
    shift = datetime.now(UTC) - timedelta(minutes=5) - recent[-1].occurred_at
    for t, label in zip(recent, labels[-400:], strict=True):
        await stub.ScoreTransaction(pb.ScoreTransactionRequest(
            transaction=as_proto(replace(t, occurred_at=t.occurred_at + shift))))
        if label:
            await stub.ReportFraudOutcome(pb.ReportFraudOutcomeRequest(
                transaction_id=t.transaction_id, outcome=pb.FRAUD_OUTCOME_CONFIRMED_FRAUD, source="chargeback"))
    exported = [x async for chunk in stub.ExportFraudTransactions(pb.ExportFraudTransactionsRequest())
                for x in chunk.transactions]
    assert len(exported) == 400
    assert sum(x.outcome == pb.FRAUD_OUTCOME_CONFIRMED_FRAUD for x in exported) == sum(labels[-400:])
    times = [x.transaction.occurred_at.ToDatetime() for x in exported]
    assert times == sorted(times)

    # Fraud training reads payments from the prediction service only; the archive stub is never called.
    config = TrainingConfig(registry_dir=reg.root,
                            ingestion=ingestion_pb2_grpc.IngestionServiceStub(service_stack.channel("prediction")),
                            prediction=stub)
    request = pb.TrainModelRequest(name="fraud", kind=pb.MODEL_KIND_FRAUD, idempotency_key=f"fraud-{task_queue}")
    request.hyperparameters.update({"epochs": 40})
    async with Worker(temporal_env.client, task_queue=task_queue, workflows=WORKFLOWS,
                      activities=make_activities(config)):
        started = await admin.TrainModel(request)
        result = await temporal_env.client.get_workflow_handle(started.workflow_id).result()
    card = (await admin.GetModel(pb.GetModelRequest(model=pb.ModelRef(name="fraud", version=started.version)))).model
    assert card.kind == pb.MODEL_KIND_FRAUD and card.workflow_id == started.workflow_id
    assert card.training_rows > 0 and result["training_rows"] == card.training_rows
    assert card.status in (pb.MODEL_STATUS_CANDIDATE, pb.MODEL_STATUS_REJECTED)
    assert {m.name for m in card.metrics} >= {"auc"}
