"""Erasure end to end: SubmitDataSubjectRequest on the real consent service starts the real workflow on a
Temporal dev server, whose activities call real services over gRPC; then every table is scanned for the
person's identifiers. Stores whose service is not part of the test are played by fakes (named so)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import grpc
import pytest
from sqlalchemy import MetaData, select
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from loom.common.v1 import common_pb2
from loom.consent.v1 import consent_pb2 as pb
from loom.consent.v1 import consent_pb2_grpc
from loom.identity.v1 import identity_pb2, identity_pb2_grpc
from loom.ingestion.v1 import ingestion_pb2, ingestion_pb2_grpc
from services.common.storage import Database
from services.consent.app import ConsentConfig
from services.consent.app import build as build_consent
from services.identity.app import IdentityConfig
from services.identity.app import build as build_identity
from services.ingestion.app import IngestionConfig
from services.ingestion.app import build as build_ingestion
from tests.integration.test_privacy_workflow import FakeStores
from workflows.privacy import WORKFLOWS
from workflows.privacy.activities import PrivacyActivities, StoreApi

pytestmark = pytest.mark.integration
EMAIL = "Grace.Hopper@Example.com"
USER = "u-grace-7"


def person() -> list[common_pb2.Identifier]:
    return [common_pb2.Identifier(type="email", value=EMAIL), common_pb2.Identifier(type="user_id", value=USER)]


async def scan(db_url: str, needles: list[str]) -> dict[str, int]:
    """Rows in any table of the database whose text contains any needle (case-insensitive)."""
    hits: dict[str, int] = {}
    async with Database.from_url(db_url) as db, db.connect() as conn:
        meta = MetaData()
        await conn.run_sync(meta.reflect)
        for table in meta.sorted_tables:
            for row in await conn.execute(select(table)):
                text = " ".join(str(v) for v in row).lower()
                if any(n.lower() in text for n in needles):
                    hits[table.name] = hits.get(table.name, 0) + 1
    return hits


def worker_activities(stack, tmp: Path, real: list[str]) -> list[Callable[..., Any]]:
    """Real activities for the consent service and the stores in ``real``; fakes for every other store."""
    consent = consent_pb2_grpc.ConsentServiceStub(stack.channel("consent"))
    identity = identity_pb2_grpc.IdentityServiceStub(stack.channel("identity"))
    apis = {"consent": StoreApi(consent, "ErasePerson", pb.ErasePersonRequest, "ExportPerson", pb.ExportPersonRequest)}
    if "identity" in real:
        apis["identity"] = StoreApi(identity, "ErasePerson", identity_pb2.ErasePersonRequest, "ExportPerson",
                                    identity_pb2.ExportPersonRequest)
    if "ingestion" in real:
        apis["ingestion"] = StoreApi(ingestion_pb2_grpc.IngestionServiceStub(stack.channel("ingestion")),
                                     "ErasePerson", ingestion_pb2.ErasePersonRequest, "ExportPerson",
                                     ingestion_pb2.ExportPersonRequest)
    activities = PrivacyActivities(apis, identity, consent, tmp / "exports")
    faked = [s for s in ("forwarding", "prediction", "creative", "identity", "ingestion") if s not in real]
    fakes = FakeStores(tmp).activities(faked, support=False)
    out = [activities.resolve_profile_ids, activities.record_progress, activities.write_bundle]
    for store in apis:
        out.extend(activities.store_activities(store))
    return out + fakes


async def wait_finished(stub: consent_pb2_grpc.ConsentServiceStub, env: WorkflowEnvironment,
                        request_id: str) -> pb.DataSubjectRequest:
    """Waits for the request's workflow to close (its last activity has then been answered), then reads it."""
    await asyncio.wait_for(env.client.get_workflow_handle(f"dsr-{request_id}").result(), timeout=60)
    got = pb.DataSubjectRequest()
    for _ in range(100):
        got = (await stub.GetDataSubjectRequest(pb.GetDataSubjectRequestRequest(request_id=request_id))).request
        if got.state in (pb.DATA_SUBJECT_REQUEST_STATE_COMPLETED, pb.DATA_SUBJECT_REQUEST_STATE_FAILED):
            return got
        await asyncio.sleep(0.05)
    raise AssertionError(f"request {request_id} never finished: {got}")


async def start_consent(service_stack, env: WorkflowEnvironment, task_queue: str) -> Any:
    target = env.client.service_client.config.target_host
    return await service_stack.start("consent", ConsentConfig, build_consent, temporal_address=target,
                                     privacy_task_queue=task_queue)


async def test_erasure_through_the_consent_service_and_temporal_leaves_only_hashes(
        service_stack, db_url: str, temporal_env: WorkflowEnvironment, task_queue: str, tmp_path: Path) -> None:
    key = f"erase-grace-{uuid.uuid4().hex[:8]}"  # workflow ids are global on the shared Temporal server
    await start_consent(service_stack, temporal_env, task_queue)
    await service_stack.start("identity", IdentityConfig, build_identity)
    stub = consent_pb2_grpc.ConsentServiceStub(service_stack.channel("consent"))
    await stub.SetConsent(pb.SetConsentRequest(identifiers=person(), market="SE", source="web-banner",
                                               purposes={"marketing_email": True, "profiling": True}))
    async with Worker(temporal_env.client, task_queue=task_queue, workflows=WORKFLOWS,
                      activities=worker_activities(service_stack, tmp_path, real=[])):
        submitted = (await stub.SubmitDataSubjectRequest(pb.SubmitDataSubjectRequestRequest(
            kind=pb.DATA_SUBJECT_REQUEST_KIND_ERASURE, identifiers=person(), market="SE",
            idempotency_key=key))).request
        assert submitted.workflow_id == f"dsr-{key}"
        done = await wait_finished(stub, temporal_env, key)
    assert done.state == pb.DATA_SUBJECT_REQUEST_STATE_COMPLETED, done.error
    receipts = {r.store: r for r in done.receipts}
    assert set(receipts) == {"consent.records", "forwarding.main", "prediction.main", "creative.main",
                             "identity.main", "ingestion.main"}
    assert (receipts["consent.records"].items_found, receipts["consent.records"].items_erased) == (1, 1)
    assert await scan(db_url, [EMAIL, USER]) == {}
    assert all(i.value.startswith(f"{i.type}:") for i in done.identifiers)
    assert (await stub.IsSuppressed(pb.IsSuppressedRequest(identifiers=person()[:1]))).suppressed
    check = await stub.CheckPurposes(pb.CheckPurposesRequest(identifiers=person(), market="SE",
                                                             purpose_ids=["marketing_email"]))
    assert check.decisions[0].reason == pb.CHECK_REASON_SUPPRESSED
    audit = await consent_pb2_grpc.ConsentServiceStub(service_stack.channel("consent", service_stack.tokens.admin)
                                                      ).QueryAudit(pb.QueryAuditRequest(resource=f"dsr:{key}"))
    assert {"dsr.submit", "dsr.erase", "dsr.finish"} <= {e.action for e in audit.entries}


async def test_erasure_against_identity_and_ingestion_leaves_nothing(
        service_stack, db_url: str, temporal_env: WorkflowEnvironment, task_queue: str, tmp_path: Path) -> None:
    key = f"e2e-{uuid.uuid4().hex[:8]}"
    await start_consent(service_stack, temporal_env, task_queue)
    await service_stack.start("identity", IdentityConfig, build_identity)
    await service_stack.start("ingestion", IngestionConfig, build_ingestion)
    ref = common_pb2.DataSubjectRef(request_id="probe", identifiers=person(), dry_run=True)
    probes = {
        "identity": lambda: identity_pb2_grpc.IdentityServiceStub(service_stack.channel("identity")).ErasePerson(
            identity_pb2.ErasePersonRequest(subject=ref)),
        "ingestion": lambda: ingestion_pb2_grpc.IngestionServiceStub(service_stack.channel("ingestion")).ErasePerson(
            ingestion_pb2.ErasePersonRequest(subject=ref)),
    }
    for name, call in probes.items():
        try:
            await call()
        except grpc.aio.AioRpcError as exc:
            if exc.code() == grpc.StatusCode.UNIMPLEMENTED:
                pytest.skip(f"{name} ErasePerson is not implemented yet ({exc.details()})")
            raise
    ingest = ingestion_pb2_grpc.IngestionServiceStub(service_stack.channel("ingestion"))
    identify = ingestion_pb2.Event(message_id="m-grace-1", type=ingestion_pb2.EVENT_TYPE_IDENTIFY, user_id=USER)
    identify.traits.update({"email": EMAIL})
    identify.timestamp.GetCurrentTime()
    await ingest.IngestBatch(ingestion_pb2.IngestBatchRequest(events=[identify]))
    identity = identity_pb2_grpc.IdentityServiceStub(service_stack.channel("identity"))
    lookup = identity_pb2.GetProfileRequest(lookup=identity_pb2.ProfileLookup(identifier=person()[1]))
    for _ in range(200):
        try:
            await identity.GetProfile(lookup)
            break
        except grpc.aio.AioRpcError:
            await asyncio.sleep(0.05)
    stub = consent_pb2_grpc.ConsentServiceStub(service_stack.channel("consent"))
    async with Worker(temporal_env.client, task_queue=task_queue, workflows=WORKFLOWS,
                      activities=worker_activities(service_stack, tmp_path, real=["identity", "ingestion"])):
        await stub.SubmitDataSubjectRequest(pb.SubmitDataSubjectRequestRequest(
            kind=pb.DATA_SUBJECT_REQUEST_KIND_ERASURE, identifiers=person(), market="SE", idempotency_key=key))
        done = await wait_finished(stub, temporal_env, key)
    assert done.state == pb.DATA_SUBJECT_REQUEST_STATE_COMPLETED, done.error
    assert {r.store.split(".")[0] for r in done.receipts} >= {"identity", "ingestion", "consent"}
    assert await scan(db_url, [EMAIL, USER]) == {}
