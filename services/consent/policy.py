"""The purposes taxonomy, jurisdiction policies as data, and the decision rule that joins them with a ledger.

Everything here is pure: the ledger feeds it a person's folded record state and the market's policy, and
`decide` returns one decision per purpose. Keeping the rule in one function is what lets the property test
compare every answer the system gives with what the ledger says.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from loom.consent.v1 import consent_pb2 as pb


@dataclass(frozen=True)
class Purpose:
    """A purpose of processing a person can agree to or refuse."""

    purpose_id: str
    display_name: str
    description: str
    channel: str = ""


PURPOSES: tuple[Purpose, ...] = (
    Purpose("analytics", "Analytics", "Measure how the shop and campaigns are used, in aggregate."),
    Purpose("personalisation", "Personalisation", "Tailor content and keep profile traits to personalise."),
    Purpose("profiling", "Profiling and ML", "Use the person's data to train models and score them."),
    Purpose("marketing_email", "Email marketing", "Send marketing email.", "email"),
    Purpose("marketing_push", "Push marketing", "Send marketing push notifications.", "push"),
    Purpose("marketing_sms", "SMS marketing", "Send marketing SMS.", "sms"),
    Purpose("marketing_ads", "Advertising audiences", "Share with ad platforms for targeted ads.", "ads"),
    Purpose("data_sale", "Sale or sharing", "Sell or share personal data with third parties."),
)
PURPOSE_IDS = frozenset(p.purpose_id for p in PURPOSES)
FALLBACK_MARKET = "*"


@dataclass(frozen=True)
class PolicyData:
    """The consent rules of one market (the Policy message as plain data)."""

    market: str
    regime: int
    purpose_defaults: Mapping[str, bool] = field(default_factory=dict)
    honour_gpc: bool = True
    gpc_purposes: tuple[str, ...] = ("data_sale", "marketing_ads")
    request_sla_days: int = 30
    description: str = ""
    version: int = 0
    updated_at: datetime | None = None

    def default_for(self, purpose_id: str) -> bool:
        """Whether a purpose without a record is granted in this market."""
        if purpose_id in self.purpose_defaults:
            return self.purpose_defaults[purpose_id]
        return self.regime == pb.REGIME_OPT_OUT


_EU = ("AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT",
       "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "NO", "IS", "LI", "GB")

# Seeded on first start (version 1 each); operators change them with PutPolicy, never with a deploy.
DEFAULT_POLICIES: tuple[PolicyData, ...] = (
    PolicyData(FALLBACK_MARKET, pb.REGIME_OPT_IN, description="Fallback: opt-in everywhere we know no better."),
    *(PolicyData(m, pb.REGIME_OPT_IN, description="GDPR: processing needs a recorded grant.") for m in _EU),
    PolicyData("US", pb.REGIME_OPT_OUT, request_sla_days=45,
               purpose_defaults={"marketing_sms": False, "profiling": True},
               description="US default: opt-out; SMS marketing needs a grant (TCPA)."),
    PolicyData("US-CA", pb.REGIME_OPT_OUT, request_sla_days=45, purpose_defaults={"marketing_sms": False},
               description="CCPA/CPRA: opt-out of sale and sharing; GPC is a valid opt-out."),
)


def policy_candidates(market: str) -> list[str]:
    """Markets to try in order: the region ("US-CA"), its country ("US"), then the fallback "*"."""
    out = [market] if market else []
    if "-" in market:
        out.append(market.split("-", 1)[0])
    out.append(FALLBACK_MARKET)
    return out


@dataclass(frozen=True)
class PurposeChoice:
    """The newest recorded choice for one purpose."""

    granted: bool
    record_version: int
    record_id: str
    source: str
    given_at: datetime


@dataclass(frozen=True)
class SubjectState:
    """A person's consent folded from their records (newest choice per purpose wins)."""

    choices: Mapping[str, PurposeChoice] = field(default_factory=dict)
    # Market of the newest record, used when a check names none.
    market: str = ""
    # Whether the newest record carried a Global Privacy Control signal.
    gpc: bool = False
    version: int = 0
    suppressed: bool = False

    @property
    def known(self) -> bool:
        """True when the ledger holds at least one record of the person."""
        return self.version > 0


@dataclass(frozen=True)
class Verdict:
    """One purpose decision with the record that made it (if any)."""

    purpose_id: str
    allowed: bool
    reason: int
    record_version: int = 0
    policy_version: int = 0
    choice: PurposeChoice | None = None


def decide(purpose_ids: Sequence[str], state: SubjectState, policy: PolicyData | None, *, has_identifiers: bool,
           market_given: bool, gpc: bool) -> list[Verdict]:
    """The decision per purpose; every path that is not a clear yes is a no."""
    out: list[Verdict] = []
    pv = policy.version if policy else 0
    gpc_applies = (gpc or state.gpc) and policy is not None and policy.honour_gpc
    for purpose_id in purpose_ids:
        choice = state.choices.get(purpose_id)
        rv = choice.record_version if choice else 0
        if not has_identifiers or (not state.known and not market_given):
            out.append(Verdict(purpose_id, False, pb.CHECK_REASON_UNKNOWN_SUBJECT))
        elif state.suppressed:
            out.append(Verdict(purpose_id, False, pb.CHECK_REASON_SUPPRESSED))
        elif purpose_id not in PURPOSE_IDS:
            out.append(Verdict(purpose_id, False, pb.CHECK_REASON_UNKNOWN_PURPOSE))
        elif policy is None:
            out.append(Verdict(purpose_id, False, pb.CHECK_REASON_NO_POLICY, rv, 0, choice))
        elif gpc_applies and purpose_id in policy.gpc_purposes:
            out.append(Verdict(purpose_id, False, pb.CHECK_REASON_GPC, rv, pv, choice))
        elif choice is not None:
            reason = pb.CHECK_REASON_GRANTED if choice.granted else pb.CHECK_REASON_DENIED
            out.append(Verdict(purpose_id, choice.granted, reason, rv, pv, choice))
        elif policy.default_for(purpose_id):
            out.append(Verdict(purpose_id, True, pb.CHECK_REASON_DEFAULT_GRANTED, 0, pv))
        else:
            out.append(Verdict(purpose_id, False, pb.CHECK_REASON_NO_RECORD_OPT_IN, 0, pv))
    return out
