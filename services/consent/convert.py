"""Domain rows to protos and back, and paging."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from google.protobuf import json_format, timestamp_pb2

from loom.common.v1 import common_pb2
from loom.consent.v1 import consent_pb2 as pb
from services.common.errors import Violations
from services.consent.policy import PolicyData, Verdict

DEFAULT_PAGE = 100
MAX_PAGE = 1000


def ts(value: datetime | None) -> timestamp_pb2.Timestamp | None:
    """A Timestamp, or None for None."""
    if value is None:
        return None
    out = timestamp_pb2.Timestamp()
    out.FromDatetime(value.astimezone(UTC))
    return out


def from_ts(value: timestamp_pb2.Timestamp) -> datetime:
    """An aware UTC datetime."""
    return value.ToDatetime(tzinfo=UTC)


def page(request: common_pb2.PageRequest, path: str, v: Violations) -> tuple[int, int]:
    """(offset, limit) from a PageRequest; the token is the offset the previous page ended at."""
    if request.page_size < 0:
        v.add(f"{path}.page_size", "must not be negative")
    offset = 0
    if request.page_token:
        if not request.page_token.isdigit():
            v.add(f"{path}.page_token", "is not a token this service issued")
        else:
            offset = int(request.page_token)
    return offset, min(request.page_size or DEFAULT_PAGE, MAX_PAGE)


def page_info(offset: int, limit: int, returned: int, total: int = -1) -> common_pb2.PageInfo:
    """The PageInfo after one page."""
    more = returned == limit and (total < 0 or offset + returned < total)
    return common_pb2.PageInfo(next_page_token=str(offset + returned) if more else "", total_size=total)


def policy_to_proto(p: PolicyData) -> pb.Policy:
    """The Policy message."""
    return pb.Policy(market=p.market, regime=p.regime, purpose_defaults=dict(p.purpose_defaults),  # type: ignore[arg-type]
                     honour_gpc=p.honour_gpc, gpc_purposes=list(p.gpc_purposes),
                     request_sla_days=p.request_sla_days, description=p.description, version=p.version,
                     updated_at=ts(p.updated_at))


def policy_from_proto(p: pb.Policy) -> PolicyData:
    """Plain policy data from a (validated) Policy message."""
    return PolicyData(p.market, p.regime, dict(p.purpose_defaults), p.honour_gpc, tuple(p.gpc_purposes),
                      p.request_sla_days or 30, p.description)


def record_to_proto(r: Mapping[str, Any]) -> pb.ConsentRecord:
    """The ConsentRecord message of a ledger row."""
    return pb.ConsentRecord(
        record_id=r["record_id"], version=r["seq"],
        identifiers=[common_pb2.Identifier(type=i["type"], value=i["value"]) for i in r["identifiers"]],
        market=r["market"], purposes=dict(r["purposes"]), source=r["source"], policy_version=r["policy_version"],
        given_at=ts(r["given_at"]), recorded_at=ts(r["recorded_at"]), proof=pb.ConsentProof(**r["proof"]),
        gpc=r["gpc"],
    )


def decision_to_proto(v: Verdict) -> pb.PurposeDecision:
    """The PurposeDecision message."""
    return pb.PurposeDecision(purpose_id=v.purpose_id, allowed=v.allowed, reason=v.reason,  # type: ignore[arg-type]
                              record_version=v.record_version, policy_version=v.policy_version)


def state_to_proto(v: Verdict) -> pb.PurposeState:
    """The PurposeState message: the decision and the record behind it."""
    out = pb.PurposeState(decision=decision_to_proto(v))
    if v.choice is not None:
        out.record_id = v.choice.record_id
        out.source = v.choice.source
        out.given_at.CopyFrom(ts(v.choice.given_at))
    return out


def role_to_proto(row: Mapping[str, Any]) -> pb.Role:
    """The Role message of a stored role."""
    role = json_format.ParseDict(row["document"], pb.Role())
    role.revision = row["revision"]
    role.updated_at.CopyFrom(ts(row["updated_at"]))
    return role


def audit_to_proto(row: Mapping[str, Any]) -> pb.AuditEntry:
    """The AuditEntry message of a log row."""
    entry = pb.AuditEntry(
        sequence=row["sequence"], actor=row["actor"], role=row["role"], service=row["service"],
        action=row["action"], resource=row["resource"], outcome=row["outcome"], reason=row["reason"],
        request_id=row["request_id"], occurred_at=ts(row["occurred_at"]), hash=row["hash"],
    )
    entry.details.update(row["details"] or {})
    return entry


def receipt_to_proto(r: Mapping[str, Any]) -> common_pb2.StoreReceipt:
    """The StoreReceipt message."""
    return common_pb2.StoreReceipt(store=r["store"], items_found=r["items_found"], items_erased=r["items_erased"],
                                   completed_at=ts(r["completed_at"]), detail=r["detail"])


def receipt_from_proto(r: common_pb2.StoreReceipt) -> dict[str, Any]:
    """A receipt row; an unset completion time means now."""
    done = from_ts(r.completed_at) if r.HasField("completed_at") else datetime.now(UTC)
    return {"store": r.store, "items_found": r.items_found, "items_erased": r.items_erased, "completed_at": done,
            "detail": r.detail}


def request_to_proto(r: Mapping[str, Any]) -> pb.DataSubjectRequest:
    """The DataSubjectRequest message with its receipts."""
    return pb.DataSubjectRequest(
        request_id=r["request_id"], kind=r["kind"], market=r["market"], dry_run=r["dry_run"],
        identifiers=[common_pb2.Identifier(type=i["type"], value=i["value"]) for i in r["identifiers"]],
        requested_by=r["requested_by"], state=r["state"], workflow_id=r["workflow_id"],
        submitted_at=ts(r["submitted_at"]), due_at=ts(r["due_at"]), finished_at=ts(r["finished_at"]),
        receipts=[receipt_to_proto(x) for x in r["receipts"]], export_uri=r["export_uri"], error=r["error"],
    )


def suppression_to_proto(r: Mapping[str, Any]) -> pb.Suppression:
    """The Suppression message."""
    return pb.Suppression(identifier_type=r["identifier_type"], value_sha256=r["value_sha256"],
                          request_id=r["request_id"], suppressed_at=ts(r["suppressed_at"]))
