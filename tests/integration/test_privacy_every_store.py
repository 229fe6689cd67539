"""Erasure across every store, end to end: a person is seeded through the real services (ingestion's archive,
quarantine and stream, identity, the consent ledger, forwarding's queue and dead letters, a creative lookbook,
the model registry), the real DataSubjectRequest workflow runs on a Temporal dev server calling every store
over gRPC, and then every table, stream and file is scanned for the person's identifiers."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any

import grpc
import pytest
from nats.js.errors import NotFoundError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from loom.common.v1 import common_pb2
from loom.consent.v1 import consent_pb2 as cpb
from loom.consent.v1 import consent_pb2_grpc
from loom.creative.v1 import creative_pb2 as crpb
from loom.creative.v1 import creative_pb2_grpc
from loom.forwarding.v1 import forwarding_pb2 as fpb
from loom.forwarding.v1 import forwarding_pb2_grpc
from loom.identity.v1 import identity_pb2, identity_pb2_grpc
from loom.ingestion.v1 import ingestion_pb2 as pb
from loom.ingestion.v1 import ingestion_pb2_grpc
from ml.creative.library import CreativeLibrary
from services.common.bus import EventBus
from services.consent.app import ConsentConfig
from services.consent.app import build as build_consent
from services.creative.app import CreativeConfig
from services.creative.app import build as build_creative
from services.forwarding.app import ForwardingConfig
from services.forwarding.app import build as build_forwarding
from services.identity.app import IdentityConfig
from services.identity.app import build as build_identity
from services.ingestion.app import IngestionConfig
from services.ingestion.app import build as build_ingestion
from services.prediction.app import PredictionConfig
from services.prediction.app import build as build_prediction
from tests.bench.forwarding import webhook
from tests.integration.test_creative_lookbooks import serve_factory_run
from tests.integration.test_privacy_erasure import scan, wait_finished
from tests.integration.test_slice import order, wait_for_profile
from workflows.privacy import WORKFLOWS, make_activities

pytestmark = pytest.mark.integration
EMAIL = "Ada.Lovelace@Example.org"
USER = "u-ada-1815"
ANON = "anon-ada-0001"
OTHER = "u-charles-1791"
NOW = dt.datetime.now(dt.UTC)


def person() -> list[common_pb2.Identifier]:
    return [common_pb2.Identifier(type="email", value=EMAIL), common_pb2.Identifier(type="user_id", value=USER)]


def identify(message_id: str, user_id: str, email: str, anonymous_id: str = "") -> pb.Event:
    event = pb.Event(message_id=message_id, type=pb.EVENT_TYPE_IDENTIFY, user_id=user_id,
                     anonymous_id=anonymous_id, market="SE")
    event.traits.update({"email": email, "favourite_colour": "teal"})
    event.timestamp.FromDatetime(NOW)
    return event


def unplanned(message_id: str, user_id: str) -> pb.Event:
    """An event no data plan names: the quarantine keeps it."""
    event = pb.Event(message_id=message_id, type=pb.EVENT_TYPE_TRACK, event="Wishlist Viewed", user_id=user_id,
                     market="SE")
    event.properties.update({"contact": EMAIL})
    event.timestamp.FromDatetime(NOW)
    return event


async def stream_hits(stack: Any, needles: list[str]) -> dict[str, int]:
    """Messages of the EVENTS, CONSENT and AUDIENCE streams whose bytes contain a needle (case-insensitive)."""
    bus = await EventBus.connect(stack.nats_url, prefix=stack.prefix)
    hits: dict[str, int] = {}
    try:
        for name in ("EVENTS", "CONSENT", "AUDIENCE"):
            stream = bus.wire_stream(name)
            state = (await bus.js.stream_info(stream)).state
            if not state.messages:
                continue
            for seq in range(state.first_seq, state.last_seq + 1):
                try:
                    data = (await bus.js.get_msg(stream, seq)).data or b""
                except NotFoundError:
                    continue  # deleted by an erasure
                if any(n.lower().encode() in data.lower() for n in needles):
                    hits[name] = hits.get(name, 0) + 1
    finally:
        await bus.close()
    return hits


def file_hits(roots: list[Path], needles: list[str]) -> list[str]:
    """Files under ``roots`` whose bytes contain a needle (case-insensitive)."""
    found = []
    for root in roots:
        for path in root.rglob("*"):
            if path.is_file() and any(n.lower().encode() in path.read_bytes().lower() for n in needles):
                found.append(str(path))
    return found


async def factory_banners(creative: Any, env: WorkflowEnvironment, queue: str, library: CreativeLibrary,
                          db_url: str) -> None:
    """One factory run, so approved banners exist for a lookbook (its own day: workflow ids are per day)."""
    date = "2026-07-01" if db_url.startswith("sqlite") else "2026-07-02"
    start = await creative.StartFactoryRun(crpb.StartFactoryRunRequest(
        market="SE", date=date, categories_limit=1, languages=["sv"], touchpoints=["social_square"]))
    await serve_factory_run(creative, env, queue, library, db_url, start.run_id)


async def wait_queued(stub: Any, destination_id: str, count: int) -> None:
    for _ in range(200):
        if (await stub.GetDestination(fpb.GetDestinationRequest(destination_id=destination_id))).queued >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{destination_id} never queued {count} deliveries")


async def test_erasure_leaves_nothing_in_any_table_stream_or_file_and_suppresses_reingestion(
        service_stack: Any, db_url: str, temporal_env: WorkflowEnvironment, task_queue: str, tmp_path: Path) -> None:
    target = temporal_env.client.service_client.config.target_host
    privacy_queue = f"{task_queue}-privacy"
    consent = await service_stack.start("consent", ConsentConfig, build_consent, temporal_address=target,
                                        privacy_task_queue=privacy_queue)
    consent_addr = f"127.0.0.1:{consent.port}"
    ingestion = await service_stack.start("ingestion", IngestionConfig, build_ingestion, consent_addr=consent_addr)
    identity = await service_stack.start("identity", IdentityConfig, build_identity,
                                         ingestion_addr=f"127.0.0.1:{ingestion.port}")
    forwarding = await service_stack.start("forwarding", ForwardingConfig, build_forwarding)
    library = CreativeLibrary(tmp_path / "creative")
    creative_srv = await service_stack.start(
        "creative", CreativeConfig, build_creative, creative_library=str(library.root),
        identity_addr=f"127.0.0.1:{identity.port}", factory_task_queue=task_queue, temporal_address=target,
        semantic_claims="false")
    registry = tmp_path / "models"
    prediction = await service_stack.start(
        "prediction", PredictionConfig, build_prediction, registry_dir=str(registry),
        identity_addr=f"127.0.0.1:{identity.port}", ingestion_addr=f"127.0.0.1:{ingestion.port}",
        consent_addr=consent_addr, temporal_address="")

    # Consent ledger: the person agreed to everything the seeding needs.
    consent_stub = consent_pb2_grpc.ConsentServiceStub(service_stack.channel("consent"))
    purposes = {"analytics": True, "personalisation": True, "profiling": True}
    for ids in (person(), [common_pb2.Identifier(type="user_id", value=OTHER)]):
        await consent_stub.SetConsent(cpb.SetConsentRequest(identifiers=ids, market="SE", source="web-banner",
                                                            purposes=purposes))
    # Forwarding: a paused destination holds the person's deliveries; a deleted one dead-letters them.
    fwd = forwarding_pb2_grpc.ForwardingServiceStub(service_stack.channel("forwarding", service_stack.tokens.admin))
    for name in ("held", "dropped"):
        await fwd.PutDestination(fpb.PutDestinationRequest(destination=webhook(name, "http://127.0.0.1:9/hook")))
        await fwd.PauseDestination(fpb.PauseDestinationRequest(destination_id=name, reason="erasure test"))
    # Ingestion: a data plan quarantines unplanned events.
    admin_ingest = ingestion_pb2_grpc.IngestionServiceStub(
        service_stack.channel("ingestion", service_stack.tokens.admin))
    await admin_ingest.PutDataPlan(pb.PutDataPlanRequest(plan=pb.DataPlan(
        plan_id="shop", unplanned_mode=pb.PLAN_MODE_QUARANTINE, violation_mode=pb.PLAN_MODE_ALLOW,
        events=[pb.PlannedEvent(name="Order Completed", version=1, properties_schema_json="{}")])))

    ingest = ingestion_pb2_grpc.IngestionServiceStub(service_stack.channel("ingestion"))
    # The person's events share EventBatch messages with another customer's (same batch, maybe same partition).
    events = [identify("ada-1", USER, EMAIL, ANON), order("ada-2", USER, 90_000_000, "shoes/sneakers", NOW),
              order("ada-3", USER, 50_000_000, "shoes/sneakers", NOW), unplanned("ada-4", USER),
              identify("charles-1", OTHER, "charles@example.org"),
              order("charles-2", OTHER, 10_000_000, "home/lamps", NOW)]
    seeded = await ingest.IngestBatch(pb.IngestBatchRequest(events=events))
    assert [r.status for r in seeded.results] == [pb.EVENT_STATUS_ACCEPTED] * 3 + [pb.EVENT_STATUS_QUARANTINED] + [
        pb.EVENT_STATUS_ACCEPTED] * 2
    identity_stub = identity_pb2_grpc.IdentityServiceStub(service_stack.channel("identity"))
    profile = await wait_for_profile(identity_stub, USER, orders=2)
    await wait_for_profile(identity_stub, OTHER, orders=1)
    assert profile.traits["favourite_colour"].value.string_value == "teal"
    await wait_queued(fwd, "dropped", 5)
    await fwd.DeleteDestination(fpb.DeleteDestinationRequest(destination_id="dropped"))
    # Creative: a lookbook rendered for the person from the factory's approved banners.
    creative = creative_pb2_grpc.CreativeServiceStub(service_stack.channel("creative"))
    await factory_banners(creative, temporal_env, task_queue, library, db_url)
    book = (await creative.RenderLookbook(crpb.RenderLookbookRequest(profile_id=profile.profile_id,
                                                                     language="sv"))).lookbook
    assert Path(book.render.uri).exists()
    # Prediction: an evaluation report in the model registry that names the person's profile.
    report = registry / "churn" / "2026-07-01T00-00-00-000000" / "evaluation.json"
    report.parent.mkdir(parents=True)
    report.write_text(json.dumps({"worst_errors": [{"profile_id": profile.profile_id, "user_id": USER}]}))

    needles = [EMAIL, USER, ANON, profile.profile_id]
    assert await scan(db_url, needles), "the seeding put nothing in the databases"
    assert (await stream_hits(service_stack, needles)).get("EVENTS")

    # A dry run reports what each store holds and changes nothing.
    before = await scan(db_url, needles)
    dry = common_pb2.DataSubjectRef(request_id="dry", identifiers=person(), dry_run=True)
    dry_ingestion = await ingest.ErasePerson(pb.ErasePersonRequest(subject=dry))
    dry_identity = await identity_stub.ErasePerson(identity_pb2.ErasePersonRequest(subject=dry))
    found = {r.store: (r.items_found, r.items_erased) for r in [*dry_ingestion.receipts, *dry_identity.receipts]}
    assert found["ingestion.archive"] == (3, 0) and found["ingestion.quarantine"] == (1, 0)
    assert found["ingestion.stream"][0] >= 1 and found["identity.profiles"] == (1, 0)
    assert await scan(db_url, needles) == before

    config = type("WorkerConfig", (), {
        "service_token": service_stack.tokens.service, "export_dir": tmp_path / "exports",
        **{f"{n}_addr": f"127.0.0.1:{s.port}" for n, s in (
            ("consent", consent), ("ingestion", ingestion), ("identity", identity), ("forwarding", forwarding),
            ("creative", creative_srv), ("prediction", prediction))}})()
    key = f"erase-ada-{uuid.uuid4().hex[:8]}"  # workflow ids are global on the shared Temporal server
    async with Worker(temporal_env.client, task_queue=privacy_queue, workflows=WORKFLOWS,
                      activities=make_activities(config)):
        await consent_stub.SubmitDataSubjectRequest(cpb.SubmitDataSubjectRequestRequest(
            kind=cpb.DATA_SUBJECT_REQUEST_KIND_ERASURE, identifiers=person(), market="SE",
            idempotency_key=key))
        done = await wait_finished(consent_stub, temporal_env, key)
    assert done.state == cpb.DATA_SUBJECT_REQUEST_STATE_COMPLETED, done.error

    stores = {r.store.split(".")[0] for r in done.receipts}
    assert stores == {"forwarding", "prediction", "creative", "ingestion", "identity", "consent"}
    receipts = {r.store: r for r in done.receipts}
    assert receipts["ingestion.stream"].items_erased >= 1 and receipts["ingestion.quarantine"].items_erased == 1
    assert receipts["ingestion.archive"].items_erased == 3 and receipts["identity.profiles"].items_erased == 1
    assert receipts["prediction.registry"].items_erased == 1

    leftovers = await scan(db_url, needles)
    assert leftovers == {}, f"rows of the erased person are left in {leftovers}"
    assert await stream_hits(service_stack, needles) == {}
    assert file_hits([library.root, registry, tmp_path / "exports"], needles) == []
    # The other customer lost nothing: their profile, archive rows and stream messages are all still there.
    await wait_for_profile(identity_stub, OTHER, orders=1)
    assert (await stream_hits(service_stack, [OTHER])).get("EVENTS")
    assert (await scan(db_url, [OTHER])).get("event_archive") == 2

    again = await ingest.IngestBatch(pb.IngestBatchRequest(events=[
        identify("ada-5", USER, EMAIL), order("ada-2", USER, 90_000_000, "shoes/sneakers", NOW)]))
    assert [r.status for r in again.results] == [pb.EVENT_STATUS_SUPPRESSED] * 2
    assert await scan(db_url, [EMAIL, USER]) == {}
    with pytest.raises(grpc.aio.AioRpcError) as gone:
        await identity_stub.GetProfile(identity_pb2.GetProfileRequest(lookup=identity_pb2.ProfileLookup(
            identifier=common_pb2.Identifier(type="user_id", value=USER))))
    assert gone.value.code() == grpc.StatusCode.NOT_FOUND

