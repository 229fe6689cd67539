"""Rows and library records to protos, enum names to storage names, and paging tokens."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from loom.common.v1 import common_pb2
from loom.creative.v1 import creative_pb2 as pb
from services.common.errors import FieldViolation, InvalidArgument

DEFAULT_PAGE = 100
MAX_PAGE = 1000
KINDS = {"image": pb.ASSET_KIND_IMAGE, "copy": pb.ASSET_KIND_COPY, "banner": pb.ASSET_KIND_BANNER,
         "lookbook": pb.ASSET_KIND_LOOKBOOK}
STATES = {"draft": pb.ASSET_STATE_DRAFT, "needs_review": pb.ASSET_STATE_NEEDS_REVIEW,
          "approved": pb.ASSET_STATE_APPROVED, "rejected": pb.ASSET_STATE_REJECTED,
          "published": pb.ASSET_STATE_PUBLISHED}
VERDICTS = {"pass": pb.VERDICT_PASS, "needs_review": pb.VERDICT_NEEDS_REVIEW, "reject": pb.VERDICT_REJECT}
DECISIONS = {"approve": pb.REVIEW_DECISION_APPROVE, "reject": pb.REVIEW_DECISION_REJECT}
RUN_STATES = {"pending": pb.FACTORY_RUN_STATE_PENDING, "running": pb.FACTORY_RUN_STATE_RUNNING,
              "succeeded": pb.FACTORY_RUN_STATE_SUCCEEDED, "failed": pb.FACTORY_RUN_STATE_FAILED,
              "cancelled": pb.FACTORY_RUN_STATE_CANCELLED}


def name_of(mapping: Mapping[str, int], value: int) -> str:
    """The storage name of an enum value ('' for unspecified)."""
    return next((k for k, v in mapping.items() if v == value), "")


def ts(value: dt.datetime | None) -> Timestamp | None:
    """A datetime as a Timestamp (None stays unset)."""
    if value is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


def page(request: common_pb2.PageRequest, field: str = "page") -> tuple[int, int]:
    """Offset and size of a page; the token is the offset of the next row, as handed out by `page_info`."""
    size = request.page_size or DEFAULT_PAGE
    if not 0 < size <= MAX_PAGE:
        raise InvalidArgument([FieldViolation(f"{field}.page_size", f"must be between 1 and {MAX_PAGE}")])
    token = request.page_token or "0"
    if not token.isdigit():
        raise InvalidArgument([FieldViolation(f"{field}.page_token", "is not a token this API handed out")])
    return int(token), size


def page_info(offset: int, returned: int, total: int) -> common_pb2.PageInfo:
    """The PageInfo after returning ``returned`` rows from ``offset``."""
    nxt = offset + returned
    return common_pb2.PageInfo(next_page_token=str(nxt) if nxt < total else "", total_size=total)


def assessment(doc: Mapping[str, Any] | None, at: dt.datetime | None = None) -> pb.Assessment | None:
    """The stored assessment document as a proto."""
    if not doc:
        return None
    dims = {k: pb.DimensionScore(score=float(doc[k]["score"]), reasons=list(doc[k]["reasons"]))
            for k in ("quality", "legal", "efficiency")}
    if doc.get("assessed_at"):
        at = dt.datetime.fromisoformat(doc["assessed_at"])
    return pb.Assessment(**dims, verdict=VERDICTS.get(doc["verdict"], pb.VERDICT_UNSPECIFIED),
                         assessor=doc.get("assessor", ""), assessed_at=ts(at))


def lineage(doc: Mapping[str, Any]) -> pb.Lineage:
    """The lineage document as a proto (layout and other internal keys stay in the database)."""
    return pb.Lineage(run_id=doc.get("run_id", ""), parent_asset_id=doc.get("parent_asset_id", ""),
                      product_id=doc.get("product_id", ""), source_image_uri=doc.get("source_image_uri", ""),
                      steps=list(doc.get("steps", [])), models={k: str(v) for k, v in doc.get("models", {}).items()},
                      prompt=doc.get("prompt", ""), seed=int(doc.get("seed", 0)))


def review(row: Mapping[str, Any]) -> pb.Review:
    """An audit-trail row as a Review."""
    return pb.Review(reviewer=row["reviewer"], decision=DECISIONS[row["decision"]], reason=row["reason"],
                     reviewed_at=ts(row["reviewed_at"]))


def asset(row: Mapping[str, Any], reviews: Sequence[Mapping[str, Any]] = ()) -> pb.Asset:
    """An asset row (with its reviews) as an Asset."""
    copy = row.get("copy")
    return pb.Asset(
        asset_id=row["asset_id"], kind=KINDS.get(row["kind"], pb.ASSET_KIND_UNSPECIFIED),
        state=STATES[row["state"]], market=row["market"], category=row["category"], language=row["language"],
        touchpoint=row["touchpoint"], occasion_id=row["occasion_id"], content_hash=row["content_hash"],
        uri=row["uri"], mime_type=row["mime_type"],
        dimensions=pb.Dimensions(width_px=row["width"], height_px=row["height"]) if row["width"] else None,
        copy=pb.Copy(headline=copy["headline"], body=copy["body"], call_to_action=copy["call_to_action"])
        if copy else None,
        lineage=lineage(row["lineage"]), assessment=assessment(row.get("assessment"), row["created_at"]),
        reviews=[review(r) for r in reviews], created_at=ts(row["created_at"]),
        published_at=ts(row.get("published_at")), expires_at=ts(row.get("expires_at")),
    )


def progress(doc: Mapping[str, Any]) -> pb.FactoryProgress:
    """The workflow's Progress (as stored) as FactoryProgress."""
    return pb.FactoryProgress(
        categories=doc.get("categories", 0), images=doc.get("done", 0), copies=doc.get("copies", 0),
        translations=doc.get("translations", 0), assets=doc.get("assets", 0), passed=doc.get("passed", 0),
        needs_review=doc.get("needs_review", 0), rejected=doc.get("rejected", 0), failed=doc.get("failed", 0))


def factory_run(row: Mapping[str, Any]) -> pb.FactoryRun:
    """A factory_runs row as a FactoryRun."""
    return pb.FactoryRun(
        run_id=row["run_id"], workflow_id=row["workflow_id"], market=row["market"], date=row["date"],
        state=RUN_STATES[row["state"]], progress=progress(row["progress"]), categories=list(row["categories"]),
        started_at=ts(row["started_at"]), finished_at=ts(row.get("finished_at")), error=row["error"])
