"""The consent service on real NATS and SQLite/PostgreSQL: policies, the ledger, checks, roles, audit, requests."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf import timestamp_pb2

from loom.common.v1 import common_pb2
from loom.consent.v1 import consent_pb2 as pb
from loom.consent.v1 import consent_pb2_grpc
from services.common.errors import field_violations
from services.common.storage import Database
from services.consent.app import ConsentConfig, build
from services.consent.governance import AuditLog

pytestmark = pytest.mark.integration

ADA = [common_pb2.Identifier(type="email", value="Ada@Example.com")]


async def start(service_stack, token: str | None = None) -> consent_pb2_grpc.ConsentServiceStub:
    """The consent service with no workflow engine, and a stub with the given token."""
    await service_stack.start("consent", ConsentConfig, build, temporal_address="")
    return consent_pb2_grpc.ConsentServiceStub(service_stack.channel("consent", token))


async def check(stub, purposes: list[str], market: str = "SE", gpc: bool = False,
                identifiers=ADA) -> list[tuple[bool, str]]:
    reply = await stub.CheckPurposes(pb.CheckPurposesRequest(identifiers=identifiers, market=market,
                                                             purpose_ids=purposes, gpc=gpc))
    return [(d.allowed, pb.CheckReason.Name(d.reason)) for d in reply.decisions]


async def test_policies_are_seeded_versioned_and_admin_only(service_stack) -> None:
    stub = await start(service_stack)
    admin = consent_pb2_grpc.ConsentServiceStub(service_stack.channel("consent", service_stack.tokens.admin))
    markets = {p.market: p for p in (await stub.ListPolicies(pb.ListPoliciesRequest())).policies}
    assert markets["SE"].regime == pb.REGIME_OPT_IN and markets["US-CA"].regime == pb.REGIME_OPT_OUT
    with pytest.raises(grpc.aio.AioRpcError) as denied:
        await stub.PutPolicy(pb.PutPolicyRequest(policy=pb.Policy(market="SE", regime=pb.REGIME_OPT_OUT)))
    assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.aio.AioRpcError) as bad:
        await admin.PutPolicy(pb.PutPolicyRequest(policy=pb.Policy(market="SE", purpose_defaults={"crypto": True})))
    assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in field_violations(bad.value)} == {"policy.regime", "policy.purpose_defaults[crypto]"}
    stored = (await admin.PutPolicy(pb.PutPolicyRequest(policy=pb.Policy(
        market="SE", regime=pb.REGIME_OPT_IN, purpose_defaults={"analytics": True})))).policy
    assert stored.version == 2
    assert (await stub.GetPolicy(pb.GetPolicyRequest(market="SE", version=1))).policy.purpose_defaults == {}
    assert await check(stub, ["analytics"], identifiers=[common_pb2.Identifier(type="user_id", value="new")]) == [
        (True, "CHECK_REASON_DEFAULT_GRANTED")]
    fallback = await stub.GetPolicy(pb.GetPolicyRequest(market="BR", fallback=True))
    assert fallback.policy.market == "*"


async def test_the_ledger_appends_and_the_newest_choice_decides(service_stack) -> None:
    stub = await start(service_stack)
    assert await check(stub, ["marketing_email"]) == [(False, "CHECK_REASON_NO_RECORD_OPT_IN")]
    given = timestamp_pb2.Timestamp(seconds=1_700_000_000)
    first = await stub.SetConsent(pb.SetConsentRequest(
        identifiers=ADA, market="SE", purposes={"marketing_email": True, "profiling": True}, source="web-banner",
        given_at=given, proof=pb.ConsentProof(form_id="banner@1", ip="203.0.113.77"), idempotency_key="k1"))
    assert first.record.proof.ip == "203.0.113.0"
    assert await check(stub, ["marketing_email", "profiling"]) == [(True, "CHECK_REASON_GRANTED")] * 2
    again = await stub.SetConsent(pb.SetConsentRequest(identifiers=ADA, market="SE", purposes={"analytics": True},
                                                       source="web-banner", idempotency_key="k1"))
    assert again.record.record_id == first.record.record_id
    # A withdrawal through another identifier of the same person, in another case: normalised, it matches.
    both = [common_pb2.Identifier(type="email", value="ada@example.com"), common_pb2.Identifier(type="user_id",
                                                                                               value="u1")]
    await stub.SetConsent(pb.SetConsentRequest(identifiers=both, market="SE", purposes={"marketing_email": False},
                                               source="app-settings"))
    assert await check(stub, ["marketing_email", "profiling"]) == [(False, "CHECK_REASON_DENIED"),
                                                                  (True, "CHECK_REASON_GRANTED")]
    history = (await stub.GetConsentHistory(pb.GetConsentHistoryRequest(identifiers=ADA))).records
    assert [r.source for r in history] == ["app-settings", "web-banner"]
    assert history[0].version > history[1].version
    only_profiling = await stub.GetConsentHistory(pb.GetConsentHistoryRequest(identifiers=ADA, purpose_id="profiling"))
    assert [r.record_id for r in only_profiling.records] == [first.record.record_id]
    state = await stub.GetConsent(pb.GetConsentRequest(identifiers=ADA))
    by_purpose = {s.decision.purpose_id: s for s in state.states}
    assert by_purpose["marketing_email"].source == "app-settings" and state.policy.market == "SE"


async def test_checks_fail_closed_and_honour_gpc(service_stack) -> None:
    stub = await start(service_stack)
    carl = [common_pb2.Identifier(type="user_id", value="carl")]
    assert await check(stub, ["data_sale", "analytics"], market="US-CA", identifiers=carl) == [
        (True, "CHECK_REASON_DEFAULT_GRANTED")] * 2
    assert await check(stub, ["data_sale", "analytics"], market="US-CA", identifiers=carl, gpc=True) == [
        (False, "CHECK_REASON_GPC"), (True, "CHECK_REASON_DEFAULT_GRANTED")]
    assert await check(stub, ["analytics"], market="", identifiers=carl) == [(False, "CHECK_REASON_UNKNOWN_SUBJECT")]
    assert await check(stub, ["analytics"], identifiers=[]) == [(False, "CHECK_REASON_UNKNOWN_SUBJECT")]
    assert await check(stub, ["telepathy"], identifiers=carl) == [(False, "CHECK_REASON_UNKNOWN_PURPOSE")]
    with pytest.raises(grpc.aio.AioRpcError) as bad:
        await stub.CheckPurposes(pb.CheckPurposesRequest(identifiers=carl))
    assert [v.field for v in field_violations(bad.value)] == ["purpose_ids"]
    batch = await stub.BatchCheckPurposes(pb.BatchCheckPurposesRequest(
        subjects=[pb.SubjectCheck(identifiers=carl, market="US-CA"), pb.SubjectCheck(identifiers=carl, market="DE")],
        purpose_ids=["analytics"]))
    assert [r.all_allowed for r in batch.results] == [True, False]


async def test_roles_and_the_hash_chained_audit_log(service_stack, db_url: str) -> None:
    stub = await start(service_stack)
    admin = consent_pb2_grpc.ConsentServiceStub(service_stack.channel("consent", service_stack.tokens.admin))
    role = pb.Role(role_id="support", default_access=pb.FIELD_ACCESS_MASK, allowed_methods=["loom.identity.v1.*"],
                   field_rules=[pb.FieldRule(field_path="traits.first_name", access=pb.FIELD_ACCESS_ALLOW)])
    assert (await admin.PutRole(pb.PutRoleRequest(role=role))).role.revision == 1
    assert (await admin.PutRole(pb.PutRoleRequest(role=role))).role.revision == 2
    got = (await stub.GetRole(pb.GetRoleRequest(role_id="support"))).role
    assert got.field_rules[0].field_path == "traits.first_name" and got.default_access == pb.FIELD_ACCESS_MASK
    with pytest.raises(grpc.aio.AioRpcError) as bad:
        await admin.PutRole(pb.PutRoleRequest(role=pb.Role(role_id="Bad Role")))
    assert [v.field for v in field_violations(bad.value)] == ["role.role_id"]
    entry = pb.AuditEntry(actor="agent-7", role="support", service="identity", action="profile.read",
                          resource="profile:p-1", outcome=pb.AUDIT_OUTCOME_SUCCESS)
    entry.details.update({"fields": ["traits.first_name"]})
    appended = (await stub.AppendAudit(pb.AppendAuditRequest(entries=[entry, entry]))).entries
    assert appended[1].sequence == appended[0].sequence + 1
    operator = consent_pb2_grpc.ConsentServiceStub(service_stack.channel("consent", service_stack.tokens.admin))
    reads = (await operator.QueryAudit(pb.QueryAuditRequest(actor="agent-7"))).entries
    assert [e.action for e in reads] == ["profile.read"] * 2
    puts = (await operator.QueryAudit(pb.QueryAuditRequest(action="role.put"))).entries
    assert [e.actor for e in puts] == ["test-admin"] * 2
    with pytest.raises(grpc.aio.AioRpcError) as analyst:
        await consent_pb2_grpc.ConsentServiceStub(service_stack.channel("consent", service_stack.tokens.analyst)
                                                  ).QueryAudit(pb.QueryAuditRequest())
    assert analyst.value.code() == grpc.StatusCode.PERMISSION_DENIED
    async with Database.from_url(db_url) as db:
        assert await AuditLog(db).verify() == 4


async def test_an_erasure_request_suppresses_at_once_even_before_its_workflow_runs(service_stack) -> None:
    stub = await start(service_stack)
    await stub.SetConsent(pb.SetConsentRequest(identifiers=ADA, market="SE", purposes={"analytics": True},
                                               source="web-banner"))
    with pytest.raises(grpc.aio.AioRpcError) as no_engine:
        await stub.SubmitDataSubjectRequest(pb.SubmitDataSubjectRequestRequest(
            kind=pb.DATA_SUBJECT_REQUEST_KIND_ERASURE, identifiers=ADA, market="SE", idempotency_key="r-1"))
    assert no_engine.value.code() == grpc.StatusCode.UNAVAILABLE and "r-1 is stored" in no_engine.value.details()
    stored = (await stub.GetDataSubjectRequest(pb.GetDataSubjectRequestRequest(request_id="r-1"))).request
    assert stored.state == pb.DATA_SUBJECT_REQUEST_STATE_RECEIVED
    assert (stored.due_at.seconds - stored.submitted_at.seconds) == 30 * 86400
    lower = [common_pb2.Identifier(type="email", value="ada@example.com")]
    assert (await stub.IsSuppressed(pb.IsSuppressedRequest(identifiers=lower))).suppressed
    assert await check(stub, ["analytics"]) == [(False, "CHECK_REASON_SUPPRESSED")]
    with pytest.raises(grpc.aio.AioRpcError) as bad:
        await stub.SubmitDataSubjectRequest(pb.SubmitDataSubjectRequestRequest(identifiers=ADA))
    assert {v.field for v in field_violations(bad.value)} == {"kind"}


async def test_the_cli_records_checks_and_reports_suppression(service_stack) -> None:
    import asyncio

    import typer
    from typer.testing import CliRunner

    from services.cli import consent as consent_cli
    from services.cli import dsr as dsr_cli

    await start(service_stack)
    cli = typer.Typer()
    cli.add_typer(consent_cli.app, name="consent")
    cli.add_typer(dsr_cli.app, name="dsr")
    where = ["--addr", f"127.0.0.1:{service_stack.running['consent'].port}", "--token", service_stack.tokens.admin]

    def loom(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(cli, [*args, *where])
        return result.exit_code, result.output

    code, out = await asyncio.to_thread(loom, "consent", "set", "--id", "email:cli@example.com", "--market", "SE",
                                        "--grant", "marketing_email", "--deny", "profiling")
    assert code == 0 and "recorded" in out
    code, out = await asyncio.to_thread(loom, "consent", "check", "--id", "email:CLI@example.com", "--purpose",
                                        "marketing_email", "--purpose", "profiling")
    assert code == 1 and "marketing_email: allowed (granted)" in out and "profiling: denied (denied)" in out
    code, out = await asyncio.to_thread(loom, "dsr", "suppressed", "--id", "email:cli@example.com")
    assert code == 0 and "not suppressed" in out
    code, out = await asyncio.to_thread(loom, "consent", "check", "--id", "email:cli@example.com", "--purpose", "nope")
    assert code == 1 and "unknown_purpose" in out
