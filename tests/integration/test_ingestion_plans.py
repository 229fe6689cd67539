"""Data plans end to end: per-event results, violations with examples, quarantine and replay (RPC and CLI)."""

from __future__ import annotations

import asyncio
import json

import pytest
import typer
from sqlalchemy import func, select
from typer.testing import CliRunner

from loom.ingestion.v1 import ingestion_pb2 as pb
from loom.ingestion.v1 import ingestion_pb2_grpc
from services.cli import plans as plans_cli
from services.cli import quarantine as quarantine_cli
from services.ingestion.app import IngestionConfig
from services.ingestion.app import build as build_ingestion
from services.ingestion.tables import event_archive

pytestmark = pytest.mark.integration

# The two command groups as ``loom`` mounts them.
cli = typer.Typer()
cli.add_typer(plans_cli.app, name="plans")
cli.add_typer(quarantine_cli.app, name="quarantine")

ORDER_SCHEMA = {"type": "object", "required": ["order_id"],
                "properties": {"order_id": {"type": "string"}, "total": {"type": "number"}}}


def track(message_id: str, name: str, **properties: object) -> pb.Event:
    event = pb.Event(message_id=message_id, type=pb.EVENT_TYPE_TRACK, event=name, user_id="u1")
    event.properties.update(properties)
    return event


def shop_plan(*names: str) -> pb.DataPlan:
    return pb.DataPlan(plan_id="shop", unplanned_mode=pb.PLAN_MODE_QUARANTINE, violation_mode=pb.PLAN_MODE_BLOCK,
                       events=[pb.PlannedEvent(name=n, version=1, properties_schema_json=json.dumps(ORDER_SCHEMA))
                               for n in names])


async def archived(stack, message_ids: list[str], expected: int) -> int:
    """Rows in the archive for ``message_ids`` once the archiver has caught up to ``expected``."""
    db = stack.running["ingestion"].app.registrations[0].servicer._parts.db
    count = 0
    for _ in range(200):
        async with db.connect() as conn:
            count = (await conn.execute(select(func.count()).select_from(event_archive)
                                        .where(event_archive.c.message_id.in_(message_ids)))).scalar_one()
        if count >= expected:
            break
        await asyncio.sleep(0.05)
    return int(count)


@pytest.fixture
async def admin_stub(service_stack):
    await service_stack.start("ingestion", IngestionConfig, build_ingestion)
    return ingestion_pb2_grpc.IngestionServiceStub(service_stack.channel("ingestion", service_stack.tokens.admin))


async def test_batch_with_good_duplicate_invalid_and_unplanned_events(service_stack, admin_stub) -> None:
    await admin_stub.PutDataPlan(pb.PutDataPlanRequest(plan=shop_plan("Order Completed")))
    first = await admin_stub.IngestBatch(pb.IngestBatchRequest(events=[track("o1", "Order Completed", order_id="1")]))
    assert first.results[0].status == pb.EVENT_STATUS_ACCEPTED
    assert await archived(service_stack, ["o1"], 1) == 1

    batch = [
        track("o2", "Order Completed", order_id="2", total=9.5),    # good
        track("o1", "Order Completed", order_id="1"),               # retried: durable dedup answers
        pb.Event(type=pb.EVENT_TYPE_TRACK, user_id="u1"),            # breaks the contract
        track("w1", "Wishlist Added", sku="s"),                     # unplanned: quarantined
        track("o3", "Order Completed", total="lots"),               # breaks the schema: blocked
        track("o2", "Order Completed", order_id="2", total=9.5),    # twice in one batch
    ]
    response = await admin_stub.IngestBatch(pb.IngestBatchRequest(events=batch))
    assert [r.status for r in response.results] == [
        pb.EVENT_STATUS_ACCEPTED, pb.EVENT_STATUS_DUPLICATE, pb.EVENT_STATUS_REJECTED,
        pb.EVENT_STATUS_QUARANTINED, pb.EVENT_STATUS_REJECTED, pb.EVENT_STATUS_DUPLICATE]
    assert response.accepted_count == 1
    assert {(v.kind, v.field) for v in response.results[4].violations} == {
        (pb.VIOLATION_KIND_REQUIRED_MISSING, "events[4].properties.order_id"),
        (pb.VIOLATION_KIND_TYPE_MISMATCH, "events[4].properties.total")}
    assert response.results[3].violations[0].kind == pb.VIOLATION_KIND_UNPLANNED_EVENT

    report = await admin_stub.QueryViolations(pb.QueryViolationsRequest(examples_per_group=2))
    groups = {(g.event, g.kind): g for g in report.groups}
    assert set(groups) == {("Wishlist Added", pb.VIOLATION_KIND_UNPLANNED_EVENT),
                           ("Order Completed", pb.VIOLATION_KIND_REQUIRED_MISSING),
                           ("Order Completed", pb.VIOLATION_KIND_TYPE_MISMATCH)}
    mismatch = groups[("Order Completed", pb.VIOLATION_KIND_TYPE_MISMATCH)]
    assert mismatch.count == 1 and list(mismatch.example_message_ids) == ["o3"]
    assert mismatch.examples[0].field == "properties.total" and mismatch.source_id == "test-admin"
    only = await admin_stub.QueryViolations(pb.QueryViolationsRequest(kind=pb.VIOLATION_KIND_UNPLANNED_EVENT))
    assert [(g.event, g.count, len(g.examples)) for g in only.groups] == [("Wishlist Added", 1, 0)]


async def test_replay_after_plan_fix_archives_once(service_stack, admin_stub, tmp_path) -> None:
    await admin_stub.PutDataPlan(pb.PutDataPlanRequest(plan=shop_plan("Order Completed")))
    wishes = [track(f"w{i}", "Wishlist Added", order_id=str(i)) for i in range(3)]
    for _ in range(2):  # a retrying client quarantines each event once
        response = await admin_stub.IngestBatch(pb.IngestBatchRequest(events=wishes))
        assert [r.status for r in response.results] == [pb.EVENT_STATUS_QUARANTINED] * 3
    held = await admin_stub.ListQuarantined(pb.ListQuarantinedRequest(page={"page_size": 2}))
    assert [h.event.message_id for h in held.events] == ["w0", "w1"] and held.page.total_size == 3
    assert held.events[0].plan_id == "shop" and held.events[0].event.received_at.seconds > 0

    still = await admin_stub.ReplayQuarantined(pb.ReplayQuarantinedRequest(event="Wishlist Added"))
    assert (still.replayed_count, still.still_quarantined_count) == (0, 3)
    await admin_stub.DiscardQuarantined(pb.DiscardQuarantinedRequest(message_ids=["w2"]))

    # The operator fixes the plan and replays with the CLI.
    plan_file = tmp_path / "plan.yaml"
    plan_file.write_text(
        "plan_id: shop\nunplanned_mode: quarantine\nviolation_mode: block\nevents:\n"
        f"  - name: Order Completed\n    properties_schema: {json.dumps(ORDER_SCHEMA)}\n"
        f"  - name: Wishlist Added\n    properties_schema: {json.dumps(ORDER_SCHEMA)}\n")
    env = {"LOOM_HOME": str(tmp_path / "home"), "LOOM_SERVICE_TOKEN": service_stack.tokens.admin,
           "LOOM_INGESTION_ADDR": f"127.0.0.1:{service_stack.running['ingestion'].port}"}
    runner = CliRunner()
    applied = await asyncio.to_thread(runner.invoke, cli, ["plans", "apply", str(plan_file)], env=env)
    assert applied.exit_code == 0, applied.output
    assert "applied shop revision 2 (2 events)" in applied.output
    replayed = await asyncio.to_thread(runner.invoke, cli, ["quarantine", "replay", "--event", "Wishlist Added"],
                                       env=env)
    assert replayed.exit_code == 0, replayed.output
    assert "replayed 2, still quarantined 0" in replayed.output
    again = await admin_stub.ReplayQuarantined(pb.ReplayQuarantinedRequest())
    assert again.replayed_count == 0 and not again.results

    assert await archived(service_stack, ["w0", "w1", "w2"], 2) == 2
    resent = await admin_stub.IngestBatch(pb.IngestBatchRequest(events=wishes[:2]))
    assert [r.status for r in resent.results] == [pb.EVENT_STATUS_DUPLICATE] * 2
    listed = await asyncio.to_thread(runner.invoke, cli, ["quarantine", "list"], env=env)
    assert "0 of 0 quarantined events" in listed.output


async def test_plan_errors_are_invalid_argument_and_not_found(admin_stub) -> None:
    import grpc

    from services.common.errors import field_violations

    bad = pb.DataPlan(plan_id="shop", events=[pb.PlannedEvent(name="E", properties_schema_json="{")])
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await admin_stub.PutDataPlan(pb.PutDataPlanRequest(plan=bad))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in field_violations(err.value)] == ["plan.events[0].properties_schema_json"]
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await admin_stub.GetDataPlan(pb.GetDataPlanRequest(plan_id="nope"))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    stored = (await admin_stub.PutDataPlan(pb.PutDataPlanRequest(plan=shop_plan("A")))).plan
    assert stored.revision == 1
    listed = await admin_stub.ListDataPlans(pb.ListDataPlansRequest())
    assert [p.plan_id for p in listed.plans] == ["shop"] and listed.page.total_size == 1
    await admin_stub.DeleteDataPlan(pb.DeleteDataPlanRequest(plan_id="shop"))
    # Without a plan every well-formed event is accepted again.
    response = await admin_stub.IngestBatch(pb.IngestBatchRequest(events=[track("z1", "Anything")]))
    assert response.results[0].status == pb.EVENT_STATUS_ACCEPTED
