"""Rows to protos, and paging tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from google.protobuf import json_format, struct_pb2
from google.protobuf.timestamp_pb2 import Timestamp

from loom.common.v1 import common_pb2
from loom.forwarding.v1 import forwarding_pb2 as pb
from services.common.errors import FieldViolation, InvalidArgument

DEFAULT_PAGE = 100
MAX_PAGE = 1000


def page(request: common_pb2.PageRequest, field: str = "page") -> tuple[int, int]:
    """Offset and size of a page; the token is the offset of the next row, as handed out by `page_info`."""
    size = request.page_size or DEFAULT_PAGE
    if not 0 < size <= MAX_PAGE:
        raise InvalidArgument([FieldViolation(f"{field}.page_size", f"must be between 1 and {MAX_PAGE}")])
    token = request.page_token or "0"
    if not token.isdigit():
        raise InvalidArgument([FieldViolation(f"{field}.page_token", "is not a token this API handed out")])
    return int(token), size


def page_info(offset: int, size: int, total: int) -> common_pb2.PageInfo:
    """The PageInfo after returning ``size`` rows from ``offset``."""
    nxt = offset + size
    return common_pb2.PageInfo(next_page_token=str(nxt) if nxt < total else "", total_size=total)


def _ts(value: datetime | None) -> Timestamp | None:
    if value is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


def delivery(row: Any) -> pb.Delivery:
    """A deliveries row as a Delivery."""
    r = row if isinstance(row, dict) else row._asdict()
    key = r["idempotency_key"]
    return pb.Delivery(
        delivery_id=r["delivery_id"], destination_id=r["destination_id"], channel=r["channel"],
        profile_id=r["profile_id"], message_id=r["message_id"], creative_id=r["creative_id"],
        journey_id=r["journey_id"], step_id=r["step_id"],
        idempotency_key=key.removeprefix("msg:") if r["kind"] == "message" else key,
        status=r["status"], attempts=r["attempts"], last_error=r["last_error"],
        last_response_code=r["last_response_code"], created_at=_ts(r["created_at"]),
        deferred_until=_ts(r["deferred_until"]), delivered_at=_ts(r["delivered_at"]), updated_at=_ts(r["updated_at"]),
    )


def struct(value: dict[str, Any]) -> struct_pb2.Struct:
    """A JSON object as a Struct."""
    return json_format.ParseDict(value, struct_pb2.Struct())


def dead_letter(row: Any, delivery_row: Any) -> pb.DeadLetter:
    """A dead letter with the delivery it holds."""
    return pb.DeadLetter(dead_letter_id=row.dead_letter_id, delivery=delivery(delivery_row),
                         payload=struct(delivery_row["payload"] if isinstance(delivery_row, dict)
                                        else delivery_row.payload),
                         error=row.error, permanent=row.permanent, dead_lettered_at=_ts(row.dead_lettered_at),
                         replay_count=row.replay_count)
