"""The consent decision rule, ledger folding, policy resolution and the shared consent vocabulary."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from infra.local.procs import free_port
from loom.consent.v1 import consent_pb2 as pb
from loom.consent.v1 import consent_pb2_grpc
from services.common.client import channel
from services.common.consent import ConsentChange, ConsentChecker, identifier_key, identifier_keys, value_sha256
from services.consent.ledger import _Row, fold
from services.consent.policy import PolicyData, SubjectState, decide, policy_candidates

NOW = datetime(2026, 1, 1, tzinfo=UTC)
OPT_IN = PolicyData("SE", pb.REGIME_OPT_IN, version=3)
OPT_OUT = PolicyData("US-CA", pb.REGIME_OPT_OUT, purpose_defaults={"marketing_sms": False}, version=7)


def row(seq: int, purposes: dict[str, bool], gpc: bool = False, market: str = "SE") -> _Row:
    return _Row(seq, f"r{seq}", market, purposes, "test", NOW, gpc)


def reasons(purposes: list[str], state: SubjectState, policy: PolicyData | None, *, gpc: bool = False,
            market_given: bool = True, has_identifiers: bool = True) -> list[tuple[bool, str]]:
    out = decide(purposes, state, policy, has_identifiers=has_identifiers, market_given=market_given, gpc=gpc)
    return [(v.allowed, pb.CheckReason.Name(v.reason).removeprefix("CHECK_REASON_")) for v in out]


def test_opt_in_needs_a_grant_and_opt_out_needs_a_refusal() -> None:
    empty = SubjectState()
    assert reasons(["analytics"], empty, OPT_IN) == [(False, "NO_RECORD_OPT_IN")]
    assert reasons(["analytics", "marketing_sms"], empty, OPT_OUT) == [(True, "DEFAULT_GRANTED"),
                                                                       (False, "NO_RECORD_OPT_IN")]


def test_the_newest_record_decides_each_purpose() -> None:
    state = fold([row(5, {"marketing_email": False}), row(2, {"marketing_email": True, "profiling": True})])
    assert reasons(["marketing_email", "profiling"], state, OPT_IN) == [(False, "DENIED"), (True, "GRANTED")]
    verdicts = decide(["profiling"], state, OPT_IN, has_identifiers=True, market_given=True, gpc=False)
    assert (verdicts[0].record_version, verdicts[0].policy_version) == (2, 3)
    assert state.version == 5


def test_gpc_opts_out_of_sale_and_ads_even_after_a_grant_and_sticks_with_the_record() -> None:
    granted = fold([row(1, {"data_sale": True, "analytics": True}, market="US-CA")])
    assert reasons(["data_sale", "analytics"], granted, OPT_OUT, gpc=True) == [(False, "GPC"), (True, "GRANTED")]
    signalled = fold([row(1, {"data_sale": True}), row(2, {"analytics": True}, gpc=True)])
    assert reasons(["data_sale"], signalled, OPT_OUT) == [(False, "GPC")]
    ignoring = PolicyData("XX", pb.REGIME_OPT_OUT, honour_gpc=False)
    assert reasons(["data_sale"], signalled, ignoring) == [(True, "GRANTED")]


def test_everything_short_of_a_clear_yes_is_a_no() -> None:
    known = fold([row(1, {"analytics": True})])
    assert reasons(["analytics"], known, OPT_IN, has_identifiers=False) == [(False, "UNKNOWN_SUBJECT")]
    assert reasons(["analytics"], SubjectState(), OPT_OUT, market_given=False) == [(False, "UNKNOWN_SUBJECT")]
    assert reasons(["telepathy"], known, OPT_IN) == [(False, "UNKNOWN_PURPOSE")]
    assert reasons(["analytics"], known, None) == [(False, "NO_POLICY")]
    suppressed = fold([row(1, {"analytics": True})], suppressed=True)
    assert reasons(["analytics"], suppressed, OPT_OUT) == [(False, "SUPPRESSED")]


def test_a_region_falls_back_to_its_country_then_the_fallback_policy() -> None:
    assert policy_candidates("US-CA") == ["US-CA", "US", "*"]
    assert policy_candidates("") == ["*"]


def test_identifier_keys_normalise_and_hide_the_value() -> None:
    assert identifier_key("email", " Ada@Example.COM ") == identifier_key("email", "ada@example.com")
    assert identifier_key("phone", "0046 70-123 45 67") == identifier_key("phone", "+46701234567")
    assert "ada" not in identifier_key("email", "ada@example.com")
    assert identifier_key("email", "a@x.io") == f"email:{value_sha256('email', 'A@x.io')}"
    assert identifier_keys([("email", ""), ("user_id", "u1")]) == {identifier_key("user_id", "u1")}


def test_consent_changes_round_trip_and_reject_garbage() -> None:
    change = ConsentChange("record", ("email:abc",), version=9)
    assert ConsentChange.decode(change.encode()) == change
    assert change.subject == "loom.consent.record"
    with pytest.raises(ValueError):
        ConsentChange.decode(b'["not", "a", "change"]')


async def test_a_checker_that_cannot_reach_the_service_denies() -> None:
    ch = channel(f"127.0.0.1:{free_port()}", "token")
    checker = ConsentChecker(consent_pb2_grpc.ConsentServiceStub(ch), bus=None, deadline_s=0.2)
    try:
        result = await checker.check([("email", "ada@example.com")], ["analytics", "profiling"], market="US-CA")
        assert not result.all_allowed and result.source == "fail_closed"
        assert {d.reason for d in result.decisions} == {"UNAVAILABLE"}
        assert not await checker.allowed([], "analytics")
    finally:
        await ch.close()


def test_a_role_sees_only_the_fields_it_is_allowed_and_pii_is_masked_by_default() -> None:
    from services.common.consent import mask_fields

    role = pb.Role(role_id="support", field_rules=[
        pb.FieldRule(field_path="traits.*", access=pb.FIELD_ACCESS_ALLOW),
        pb.FieldRule(field_path="traits.email", access=pb.FIELD_ACCESS_MASK),
        pb.FieldRule(field_path="computed.order_count", access=pb.FIELD_ACCESS_ALLOW)])
    profile = {"traits": {"first_name": "Ada", "email": "ada@example.com"},
               "computed": {"order_count": 3, "revenue_micros": 10}, "identifiers": {"phone": "+4670"}}
    visible, masked = mask_fields(role, profile)
    assert visible == {"traits": {"first_name": "Ada"}, "computed": {"order_count": 3}}
    assert sorted(masked) == ["computed.revenue_micros", "identifiers.phone", "traits.email"]


async def test_a_reload_that_read_before_a_put_committed_does_not_take_the_put_back(tmp_path) -> None:
    import contextlib

    from services.common.migrate import migrate
    from services.common.storage import Database
    from services.consent.policy_store import PolicyStore

    url = f"sqlite+aiosqlite:///{tmp_path / 'consent.db'}"
    await migrate(url, "consent")
    async with Database.from_url(url) as db:
        late = PolicyData(market="ZZ", regime=pb.REGIME_OPT_OUT)
        puts: list[PolicyData] = []

        class PutAfterRead:
            """The real database; once, a put commits right after a reload has read its snapshot."""

            def begin(self):  # noqa: ANN202
                return db.begin()

            @contextlib.asynccontextmanager
            async def connect(self):  # noqa: ANN202
                async with db.connect() as conn:
                    yield ReadThenPut(conn)

        class ReadThenPut:
            def __init__(self, conn) -> None:  # noqa: ANN001
                self._conn = conn

            async def execute(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN202
                result = await self._conn.execute(*args, **kwargs)
                rows = result.all()
                if not puts:
                    puts.append(await store.put(late))
                return rows

        store = PolicyStore(PutAfterRead())  # type: ignore[arg-type]
        await store.load()
        assert puts and puts[0].version == 1
        resolved = store.resolve("ZZ")
        assert resolved is not None and resolved.regime == pb.REGIME_OPT_OUT and resolved.version == 1
        # A later reload sees the put in the database and keeps it; an older version never replaces a newer.
        await store.load(seed=False)
        assert store.resolve("ZZ") == puts[0]
