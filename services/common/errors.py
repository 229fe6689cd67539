"""Errors domain code raises, each mapped to one gRPC status by the server pipeline.

Domain code never touches grpc: it raises these, and `to_status` turns them into a google.rpc.Status with
the standard detail messages (BadRequest field violations, RetryInfo, ErrorInfo) so clients in any language
can read the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import grpc
from google.protobuf import duration_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

DOMAIN = "loom.dev"


@dataclass(frozen=True)
class FieldViolation:
    """One bad field: its path in the request (e.g. ``events[3].message_id``) and what is wrong."""

    field: str
    description: str


class LoomError(Exception):
    """Base of errors with a gRPC status."""

    code: grpc.StatusCode = grpc.StatusCode.INTERNAL
    reason: str = "INTERNAL"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def details(self) -> list[object]:
        """Detail messages packed into the status (beyond ErrorInfo)."""
        return []


class InvalidArgument(LoomError):
    """The request is malformed; carries every field violation found."""

    code = grpc.StatusCode.INVALID_ARGUMENT
    reason = "INVALID_ARGUMENT"

    def __init__(self, violations: list[FieldViolation], message: str | None = None) -> None:
        self.violations = violations
        summary = "; ".join(f"{v.field}: {v.description}" for v in violations[:5])
        more = f" (+{len(violations) - 5} more)" if len(violations) > 5 else ""
        super().__init__(message or f"invalid request: {summary}{more}")

    def details(self) -> list[object]:
        bad = error_details_pb2.BadRequest(
            field_violations=[
                error_details_pb2.BadRequest.FieldViolation(field=v.field, description=v.description)
                for v in self.violations
            ]
        )
        return [bad]


class NotFound(LoomError):
    """The named resource does not exist."""

    code = grpc.StatusCode.NOT_FOUND
    reason = "NOT_FOUND"


class AlreadyExists(LoomError):
    """The resource to create exists already."""

    code = grpc.StatusCode.ALREADY_EXISTS
    reason = "ALREADY_EXISTS"


class FailedPrecondition(LoomError):
    """The system is not in a state the operation needs."""

    code = grpc.StatusCode.FAILED_PRECONDITION
    reason = "FAILED_PRECONDITION"


class PermissionDenied(LoomError):
    """The caller is known but may not do this."""

    code = grpc.StatusCode.PERMISSION_DENIED
    reason = "PERMISSION_DENIED"


class Unauthenticated(LoomError):
    """The caller presented no valid credentials."""

    code = grpc.StatusCode.UNAUTHENTICATED
    reason = "UNAUTHENTICATED"


class Unavailable(LoomError):
    """A dependency is down; the caller may retry after ``retry_after_s``."""

    code = grpc.StatusCode.UNAVAILABLE
    reason = "UNAVAILABLE"

    def __init__(self, message: str, retry_after_s: float = 1.0) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s

    def details(self) -> list[object]:
        return [_retry_info(self.retry_after_s)]


class ResourceExhausted(LoomError):
    """A quota or rate limit is exhausted; retry after ``retry_after_s``."""

    code = grpc.StatusCode.RESOURCE_EXHAUSTED
    reason = "RATE_LIMITED"

    def __init__(self, message: str, retry_after_s: float) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s

    def details(self) -> list[object]:
        return [_retry_info(self.retry_after_s)]


@dataclass
class Violations:
    """Collects field violations while validating a request; raise once with all of them."""

    items: list[FieldViolation] = field(default_factory=list)

    def add(self, field_path: str, description: str) -> None:
        """Records one violation."""
        self.items.append(FieldViolation(field_path, description))

    def require(self, value: object, field_path: str, what: str = "is required") -> None:
        """Records a violation when ``value`` is empty."""
        if not value:
            self.add(field_path, what)

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        """Raises InvalidArgument when anything was recorded."""
        if self.items:
            raise InvalidArgument(list(self.items))


def _retry_info(seconds: float) -> error_details_pb2.RetryInfo:
    whole = int(seconds)
    return error_details_pb2.RetryInfo(
        retry_delay=duration_pb2.Duration(seconds=whole, nanos=int((seconds - whole) * 1e9))
    )


def to_status(error: LoomError) -> grpc.Status:
    """Converts a LoomError into a grpc.Status carrying google.rpc details."""
    status = status_pb2.Status(code=getattr(code_pb2, error.code.name), message=error.message)
    info = error_details_pb2.ErrorInfo(reason=error.reason, domain=DOMAIN)
    status.details.add().Pack(info)
    for detail in error.details():
        status.details.add().Pack(detail)  # type: ignore[arg-type]  # every detail is a protobuf message
    return rpc_status.to_status(status)


def field_violations(error: grpc.aio.AioRpcError | grpc.RpcError) -> list[FieldViolation]:
    """Client side: reads the BadRequest field violations from a failed call (empty if none)."""
    status = rpc_status.from_call(error)  # type: ignore[arg-type]  # AioRpcError carries trailing metadata
    if status is None:
        return []
    out: list[FieldViolation] = []
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            out.extend(FieldViolation(v.field, v.description) for v in bad.field_violations)
    return out
