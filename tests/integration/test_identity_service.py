"""The identity service on real servers: ingestion -> JetStream -> profiles, audiences on the bus, masking,
Unmerge over gRPC, and RebuildProfiles from ingestion's archive equal to the live state (SQLite and PostgreSQL).
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import pytest
from sqlalchemy import select

from loom.common.v1 import common_pb2
from loom.identity.v1 import identity_pb2 as pb
from loom.identity.v1 import identity_pb2_grpc
from loom.ingestion.v1 import ingestion_pb2 as ingest_pb
from loom.ingestion.v1 import ingestion_pb2_grpc
from services.common.bus import EventBus
from services.common.errors import field_violations
from services.identity.app import IdentityConfig
from services.identity.app import build as build_identity
from services.identity.tables import identifiers, merges, processed_events, profiles
from services.ingestion.app import IngestionConfig
from services.ingestion.app import build as build_ingestion

pytestmark = pytest.mark.integration
NOW = datetime.now(UTC).replace(microsecond=0)


def ev(mid: str, minutes: int, user: str = "", anon: str = "", traits: dict[str, Any] | None = None,
       order: int = 0) -> ingest_pb.Event:
    """An identify (with traits), an order (with `order` micros) or a page view, `minutes` after a base time."""
    kind = ingest_pb.EVENT_TYPE_IDENTIFY if traits else ingest_pb.EVENT_TYPE_TRACK if order else \
        ingest_pb.EVENT_TYPE_PAGE
    e = ingest_pb.Event(message_id=mid, type=kind, user_id=user, anonymous_id=anon, market="SE")
    if order:
        e.event = "Order Completed"
        e.commerce.CopyFrom(ingest_pb.Commerce(order_id=mid, category="shoes", revenue=common_pb2.Money(
            currency_code="SEK", amount_micros=order)))
    elif not traits:
        e.event = "Home"
    if traits:
        e.traits.update(traits)
    e.timestamp.FromDatetime(NOW - timedelta(days=3) + timedelta(minutes=minutes))
    return e


def by(kind: str, value: str) -> pb.ProfileLookup:
    return pb.ProfileLookup(identifier=common_pb2.Identifier(type=kind, value=value))


async def eventually(probe, what: str, tries: int = 300) -> Any:
    for _ in range(tries):
        try:
            result = await probe()
        except grpc.aio.AioRpcError as exc:
            if exc.code() != grpc.StatusCode.NOT_FOUND:
                raise
            result = None
        if result:
            return result
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def snapshot(db) -> dict[str, Any]:
    """Everything that defines the profiles, independent of processing times."""
    async with db.connect() as conn:
        return {
            "profiles": sorted((r.profile_id, r.created_at, json.dumps(r.traits, sort_keys=True),
                                json.dumps(r.computed, sort_keys=True), r.anchor_type, r.anchor_value)
                               for r in await conn.execute(select(profiles))),
            "identifiers": sorted(tuple(r) for r in await conn.execute(
                select(identifiers.c.type, identifiers.c.value, identifiers.c.profile_id))),
            "merges": sorted(tuple(r) for r in await conn.execute(
                select(merges.c.merge_id, merges.c.into_profile_id, merges.c.from_profile_id))),
            "events": sorted(tuple(r) for r in await conn.execute(
                select(processed_events.c.message_id, processed_events.c.profile_id))),
        }


async def test_identity_end_to_end(service_stack, nats_server) -> None:
    ingestion = await service_stack.start("ingestion", IngestionConfig, build_ingestion)
    identity_app = await service_stack.start("identity", IdentityConfig, build_identity,
                                             ingestion_addr=f"127.0.0.1:{ingestion.port}")
    ingest = ingestion_pb2_grpc.IngestionServiceStub(service_stack.channel("ingestion"))
    identity = identity_pb2_grpc.IdentityServiceStub(service_stack.channel("identity"))
    admin = identity_pb2_grpc.IdentityServiceStub(service_stack.channel("identity", service_stack.tokens.admin))
    analyst = identity_pb2_grpc.IdentityServiceStub(service_stack.channel("identity", service_stack.tokens.analyst))

    listener = await EventBus.connect(nats_server, prefix=service_stack.prefix)
    changes: list[tuple[str, pb.AudienceMembershipChange]] = []

    async def on_change(msg) -> None:
        changes.append((listener.logical_subject(msg.subject), pb.AudienceMembershipChange.FromString(msg.data)))

    await listener.nc.subscribe(listener.subject("loom.audience.>"), cb=on_change)
    try:
        await identity.PutAudience(pb.PutAudienceRequest(audience=pb.Audience(
            audience_id="repeat", name="Repeat buyers",
            rule_json=json.dumps({"computed": "order_count", "op": "gte", "value": 2}))))
        events = [
            ev("p1", 0, anon="anon-1"),
            ev("i1", 1, user="u1", anon="anon-1", traits={"email": "Ada@Shop.se", "first_name": "Ada"}),
            ev("o1", 2, user="u1", order=3_000_000), ev("o2", 3, user="u1", order=2_000_000),
            ev("p2", 4, anon="anon-2"), ev("i2", 5, anon="anon-2", traits={"email": "bo@shop.se"}),
            # Someone else logs in on Ada's device: joining would give one profile two user ids.
            ev("x1", 6, user="u9", anon="anon-1"),
            # A bridge between anon-2 and Ada that an operator will undo.
            ev("b1", 7, user="u1", anon="anon-2"),
        ]
        # One request per event, like SDKs sending as things happen: the bus then holds them in event-time
        # order, the order the archive replays them in. (Ids match in any order; lineage and refusals record
        # what happened in arrival order.)
        for e in events:
            assert (await ingest.IngestBatch(ingest_pb.IngestBatchRequest(events=[e]))).accepted_count == 1

        async def ada() -> pb.Profile | None:
            p = (await identity.GetProfile(pb.GetProfileRequest(lookup=by("user_id", "u1")))).profile
            return p if p.computed.order_count == 2 and any(i.value == "bo@shop.se" for i in p.identifiers) else None

        profile = await eventually(ada, "Ada's profile")
        assert profile.traits["first_name"].value.string_value == "Ada"
        assert {(i.type, i.value) for i in profile.identifiers} >= {("email", "ada@shop.se"), ("user_id", "u1")}
        assert list(profile.audiences) == ["repeat"]
        await eventually(lambda: asyncio.sleep(0, [c for c in changes if c[1].profile_id == profile.profile_id]),
                         "the entered event on the bus")
        assert changes[0][0] == "loom.audience.repeat.entered" and changes[0][1].entered

        masked = (await analyst.GetProfile(pb.GetProfileRequest(lookup=by("user_id", "u1")))).profile
        assert {i.value for i in masked.identifiers if i.type == "email"} == {"***"}
        assert "traits.first_name" in masked.masked_fields

        refused = (await identity.ListRefusedMerges(pb.ListRefusedMergesRequest())).refused
        assert [(r.message_id, r.rule) for r in refused] == [("x1", "user_id: max_per_profile=1")]

        first = await identity.UpdateTraits(pb.UpdateTraitsRequest(
            lookup=by("user_id", "u1"), source="journey:vip", idempotency_key="vip-1",
            traits=_struct({"tier": "vip"})))
        again = await identity.UpdateTraits(pb.UpdateTraitsRequest(
            lookup=by("user_id", "u1"), source="journey:vip", idempotency_key="vip-1",
            traits=_struct({"tier": "basic"})))
        assert first.profile.traits["tier"].value.string_value == again.profile.traits["tier"].value.string_value
        history = await identity.GetTraitHistory(pb.GetTraitHistoryRequest(lookup=by("user_id", "u1"), trait="tier"))
        assert [c.trait.value.string_value for c in history.changes] == ["vip"]

        # Rebuild from ingestion's archive gives exactly the live state (once the archiver caught up).
        db = identity_app.app.registrations[0].servicer._d.store.db

        async def archived() -> bool:
            count = 0
            async for chunk in ingest.QueryArchive(ingest_pb.QueryArchiveRequest()):
                count += len(chunk.events)
            return count == len(events)

        await eventually(archived, "the archive")
        live = await snapshot(db)
        rebuilt = await admin.RebuildProfiles(pb.RebuildProfilesRequest())
        assert rebuilt.events_processed == len(events)
        assert await snapshot(db) == live

        # Unmerge over gRPC: the bridge is undone and Bo's profile comes back.
        lineage = (await identity.GetMergeLineage(pb.GetMergeLineageRequest(lookup=by("user_id", "u1")))).merges
        assert [m.message_id for m in lineage] == ["b1"]
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await identity.Unmerge(pb.UnmergeRequest(merge_id=lineage[0].merge_id))
        assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
        split = await admin.Unmerge(pb.UnmergeRequest(merge_id=lineage[0].merge_id, reason="test"))
        assert {i.value for i in split.restored.identifiers} == {"anon-2", "bo@shop.se"}
        assert split.kept.computed.order_count == 2
        bo = (await identity.GetProfile(pb.GetProfileRequest(lookup=by("email", "bo@shop.se")))).profile
        assert bo.profile_id == split.restored.profile_id and bo.computed.event_count == 2
    finally:
        await listener.close()


async def test_identity_errors_have_field_details(service_stack) -> None:
    await service_stack.start("identity", IdentityConfig, build_identity, ingestion_addr="")
    identity = identity_pb2_grpc.IdentityServiceStub(service_stack.channel("identity"))
    admin = identity_pb2_grpc.IdentityServiceStub(service_stack.channel("identity", service_stack.tokens.admin))
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await identity.PutAudience(pb.PutAudienceRequest(audience=pb.Audience(
            audience_id="a", rule_json=json.dumps({"trait": "plan", "op": "like", "value": 1}))))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in field_violations(err.value)] == ["audience.rule_json.op"]
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await admin.PutIdentityRules(pb.PutIdentityRulesRequest(rules=pb.IdentityRules(rules=[
            pb.IdentifierRule(type="user_id", max_per_profile=-1)])))
    assert [v.field for v in field_violations(err.value)] == ["rules.rules[0].max_per_profile"]
    stored = await admin.PutIdentityRules(pb.PutIdentityRulesRequest(rules=pb.IdentityRules(
        rules=[pb.IdentifierRule(type="user_id", max_per_profile=1, blocked_values=["guest"])],
        trait_policies=[pb.TraitPolicy(trait="points", policy=pb.TRAIT_MERGE_POLICY_SUM)])))
    assert stored.rules.revision == 1
    read = await identity.GetIdentityRules(pb.GetIdentityRulesRequest())
    assert read.rules == stored.rules
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await admin.RebuildProfiles(pb.RebuildProfilesRequest())
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await admin.Unmerge(pb.UnmergeRequest(merge_id="nope"))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


def _struct(values: dict[str, Any]):
    from google.protobuf import struct_pb2

    s = struct_pb2.Struct()
    s.update(values)
    return s


async def test_cli_applies_and_exports_audiences(service_stack, tmp_path) -> None:
    import typer
    from typer.testing import CliRunner

    from services.cli import identity as identity_cli

    running = await service_stack.start("identity", IdentityConfig, build_identity, ingestion_addr="")
    cli = typer.Typer()
    cli.add_typer(identity_cli.profiles, name="profiles")
    cli.add_typer(identity_cli.audiences, name="audiences")
    env = {"LOOM_IDENTITY_ADDR": f"127.0.0.1:{running.port}", "LOOM_SERVICE_TOKEN": service_stack.tokens.admin,
           "LOOM_HOME": str(tmp_path)}
    spec = tmp_path / "audiences.yaml"
    spec.write_text("audience_id: big-spenders\nrule: {computed: revenue_micros, op: gte, value: 1000000}\n")

    def invoke(*args: str):
        return CliRunner().invoke(cli, list(args), env=env)

    # The CLI runs its own event loop, so it runs in a thread next to the in-process service.
    applied = await asyncio.to_thread(invoke, "audiences", "apply", str(spec))
    assert applied.exit_code == 0, applied.output
    assert "big-spenders: revision 1, 0 members" in applied.output
    listed = await asyncio.to_thread(invoke, "audiences", "list")
    assert listed.output.startswith("big-spenders\t0")
    missing = await asyncio.to_thread(invoke, "profiles", "get", "user_id:nobody")
    assert missing.exit_code == 1 and "NOT_FOUND" in missing.output
    rules = await asyncio.to_thread(invoke, "profiles", "rules")
    assert json.loads(rules.output)["rules"]["rules"][0]["type"] == "user_id"
