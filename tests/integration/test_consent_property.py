"""Property: no decision an enforcement point gets from ConsentChecker contradicts the ledger at that time.

Hypothesis drives random sequences of consent changes (grants, withdrawals, GPC signals, policy edits) and
events (forwards to ad platforms, email and push sends, personalisation traits, training rows, data sales)
through the real consent service and a ConsentChecker whose cache is invalidated over real NATS. An
independent model of the ledger (records matching any identifier, newest choice wins, market policy for the
rest, GPC opt-out) says what each decision must be. A checker that cannot reach the service denies everything.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client import REGISTRY

from infra.local.procs import free_port
from loom.common.v1 import common_pb2
from loom.consent.v1 import consent_pb2 as pb
from loom.consent.v1 import consent_pb2_grpc
from services.common.bus import EventBus
from services.common.client import channel
from services.common.consent import ConsentChecker
from services.common.errors import Unavailable
from services.consent.app import ConsentConfig, build
from tests.fixtures.services import ServiceStack, write_tokens

pytestmark = pytest.mark.integration

# What each enforcement point needs before it acts.
EVENT_PURPOSES = {
    "forward_to_ads": ("marketing_ads",),
    "send_email": ("marketing_email",),
    "send_push": ("marketing_push",),
    "store_trait": ("personalisation",),
    "training_row": ("profiling",),
    "sell_data": ("data_sale",),
    "analytics_and_ads": ("analytics", "marketing_ads"),
}
PURPOSES = sorted({p for ps in EVENT_PURPOSES.values() for p in ps})
GPC_PURPOSES = ("data_sale", "marketing_ads")
PEOPLE = 3
_examples = itertools.count()


@dataclass
class Stack:
    """The consent service, an admin stub and a checker listening on the service's bus prefix."""

    stub: consent_pb2_grpc.ConsentServiceStub
    admin: consent_pb2_grpc.ConsentServiceStub
    checker: ConsentChecker
    dead: ConsentChecker


@pytest.fixture(scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory, nats_server: str) -> AsyncIterator[Stack]:
    tmp: Path = tmp_path_factory.mktemp("consent-property")

    async def sqlite(_name: str) -> str:
        return f"sqlite+aiosqlite:///{tmp / 'consent.db'}"

    services = ServiceStack(tmp, nats_server, sqlite, write_tokens(tmp))
    await services.start("consent", ConsentConfig, build, temporal_address="")
    bus = await EventBus.connect(nats_server, name="property-checker", prefix=services.prefix)
    stub = consent_pb2_grpc.ConsentServiceStub(services.channel("consent"))
    checker = ConsentChecker(stub, bus, deadline_s=2.0)
    await checker.start()
    dead_channel = channel(f"127.0.0.1:{free_port()}", services.tokens.service)
    dead = ConsentChecker(consent_pb2_grpc.ConsentServiceStub(dead_channel), bus, deadline_s=0.2)
    await dead.start()
    try:
        yield Stack(stub, consent_pb2_grpc.ConsentServiceStub(services.channel("consent", services.tokens.admin)),
                    checker, dead)
    finally:
        await checker.close()
        await dead.close()
        await dead_channel.close()
        await bus.close()
        await services.stop()


@dataclass
class Record:
    keys: frozenset[tuple[str, str]]
    market: str
    purposes: dict[str, bool]
    gpc: bool


@dataclass
class LedgerModel:
    """What the ledger says, kept independently of the service."""

    records: list[Record] = field(default_factory=list)
    policies: dict[str, tuple[bool, dict[str, bool]]] = field(default_factory=dict)

    def decide(self, keys: frozenset[tuple[str, str]], market: str, purpose: str, gpc: bool) -> bool:
        mine = [r for r in self.records if r.keys & keys]
        if not mine and not market:
            return False
        effective = market or mine[-1].market
        opt_out, defaults = self.policies[effective]
        if (gpc or (mine and mine[-1].gpc)) and purpose in GPC_PURPOSES:
            return False
        for record in reversed(mine):
            if purpose in record.purposes:
                return record.purposes[purpose]
        return defaults.get(purpose, opt_out)


def identifier_sets() -> st.SearchStrategy[tuple[int, tuple[tuple[str, bool], ...]]]:
    """A person and which of their identifiers to send (email in random case, user id)."""
    return st.tuples(st.integers(0, PEOPLE - 1),
                     st.lists(st.tuples(st.sampled_from(["email", "user_id"]), st.booleans()), min_size=1,
                              max_size=2, unique_by=lambda x: x[0]).map(tuple))


def operations() -> st.SearchStrategy[tuple]:
    choice = st.dictionaries(st.sampled_from(PURPOSES), st.booleans(), min_size=1, max_size=3)
    return st.one_of(
        st.tuples(st.just("set"), identifier_sets(), st.sampled_from(["IN", "OUT"]), choice, st.booleans()),
        st.tuples(st.just("event"), identifier_sets(), st.sampled_from(sorted(EVENT_PURPOSES)),
                  st.sampled_from(["", "IN", "OUT"]), st.booleans()),
        st.tuples(st.just("policy"), st.sampled_from(["IN", "OUT"]), st.sampled_from(PURPOSES), st.booleans()),
    )


def identifiers(example: int, person: int, which: tuple[tuple[str, bool], ...]) -> list[common_pb2.Identifier]:
    out = []
    for kind, upper in which:
        if kind == "email":
            value = f"P{person}-{example}@Example.com"
            value = value.upper() if upper else value.lower()
        else:
            # User ids are case-sensitive: only emails are normalised.
            value = f"u{person}-{example}"
        out.append(common_pb2.Identifier(type=kind, value=value))
    return out


def keys_of(idents: list[common_pb2.Identifier]) -> frozenset[tuple[str, str]]:
    return frozenset((i.type, i.value.lower() if i.type == "email" else i.value) for i in idents)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(ops=st.lists(operations(), min_size=1, max_size=14))
async def test_no_decision_contradicts_the_ledger_at_its_time(stack: Stack, ops: list[tuple]) -> None:
    example = next(_examples)
    markets = {"IN": f"Z{example}-IN", "OUT": f"Z{example}-OUT"}
    model = LedgerModel()
    for alias, market in markets.items():
        regime = pb.REGIME_OPT_OUT if alias == "OUT" else pb.REGIME_OPT_IN
        await stack.admin.PutPolicy(pb.PutPolicyRequest(policy=pb.Policy(
            market=market, regime=regime, honour_gpc=True, gpc_purposes=GPC_PURPOSES)))
        model.policies[market] = (alias == "OUT", {})
    await stack.checker.sync()
    # Every event seen so far is asked again after each change: a cached answer that survived a change it
    # should not have would show up here.
    seen: list[tuple[list[common_pb2.Identifier], str, str, bool]] = []

    async def enforce(idents: list[common_pb2.Identifier], kind: str, market: str, gpc: bool) -> None:
        result = await stack.checker.check(idents, EVENT_PURPOSES[kind], market=market, gpc=gpc)
        expected = [model.decide(keys_of(idents), market, p, gpc) for p in EVENT_PURPOSES[kind]]
        assert [d.allowed for d in result.decisions] == expected, (kind, idents, market, gpc, result)

    for op in ops:
        if op[0] == "set":
            _, (person, which), alias, purposes, gpc = op
            idents = identifiers(example, person, which)
            await stack.stub.SetConsent(pb.SetConsentRequest(identifiers=idents, market=markets[alias],
                                                             purposes=purposes, source="property", gpc=gpc))
            model.records.append(Record(keys_of(idents), markets[alias], dict(purposes), gpc))
        elif op[0] == "policy":
            _, alias, purpose, granted = op
            opt_out, defaults = model.policies[markets[alias]]
            defaults = {**defaults, purpose: granted}
            await stack.admin.PutPolicy(pb.PutPolicyRequest(policy=pb.Policy(
                market=markets[alias], regime=pb.REGIME_OPT_OUT if opt_out else pb.REGIME_OPT_IN,
                purpose_defaults=defaults, honour_gpc=True, gpc_purposes=GPC_PURPOSES)))
            model.policies[markets[alias]] = (opt_out, defaults)
        else:
            _, (person, which), kind, alias, gpc = op
            idents = identifiers(example, person, which)
            seen.append((idents, kind, markets.get(alias, ""), gpc))
            await enforce(*seen[-1])
            unreachable = await stack.dead.check(idents, EVENT_PURPOSES[kind], market=markets.get(alias, ""), gpc=gpc)
            assert not any(d.allowed for d in unreachable.decisions)
            assert {d.reason for d in unreachable.decisions} == {"UNAVAILABLE"}
            continue
        # The change is acknowledged; once the checker has taken in the bus message, it must be in force.
        await stack.checker.sync()
        for event in seen:
            await enforce(*event)


def _lookups(source: str) -> float:
    return REGISTRY.get_sample_value("loom_consent_checker_suppression_lookups_total", {"source": source}) or 0.0


async def _erase(stack: Stack, person: list[tuple[str, str]], key: str) -> None:
    """Submits an erasure; without a workflow engine the request and its suppression are stored, the call
    answers UNAVAILABLE."""
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stack.stub.SubmitDataSubjectRequest(pb.SubmitDataSubjectRequestRequest(
            kind=pb.DATA_SUBJECT_REQUEST_KIND_ERASURE, market="SE", idempotency_key=key,
            identifiers=[common_pb2.Identifier(type=t, value=v) for t, v in person]))
    assert err.value.code() == grpc.StatusCode.UNAVAILABLE


async def test_suppression_is_asked_once_per_batch_and_cached_until_a_change_names_the_person(stack: Stack) -> None:
    ada = [("email", "Ada.Supp@Example.com"), ("user_id", "u-ada-supp")]
    bo = [("user_id", "u-bo-supp")]
    cy = [("anonymous_id", "a-cy-supp"), ("email", "cy.supp@example.com")]
    await _erase(stack, ada, "supp-ada")
    await stack.checker.sync()
    rpc, cache = _lookups("rpc"), _lookups("cache")
    # Ada by her e-mail alone, spelled differently, is still Ada.
    people = [ada, bo, [("email", "ada.supp@example.com")], cy]
    assert await stack.checker.suppressed_people(people) == [True, False, True, False]
    assert (_lookups("rpc") - rpc, _lookups("cache") - cache) == (4, 0)
    assert await stack.checker.suppressed_people([bo, cy]) == [False, False]
    assert (_lookups("rpc") - rpc, _lookups("cache") - cache) == (4, 2)
    # Erasing Bo announces his identifiers: the cached "clear" answer for him goes, Cy's stays.
    await _erase(stack, bo, "supp-bo")
    await stack.checker.sync()
    assert await stack.checker.suppressed_people([bo, cy]) == [True, False]
    assert _lookups("rpc") - rpc == 6
    # Fail closed: a checker that cannot reach the list refuses to judge.
    with pytest.raises(Unavailable):
        await stack.dead.suppressed_people([cy])
