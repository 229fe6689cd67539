"""The server pipeline: one interceptor doing authentication, authorisation, tracing, deadlines, metrics,
logging and error mapping for every RPC.

One interceptor rather than a stack of six keeps the per-call overhead to a single wrapper (this is the hot
path of ingestion) and makes the order of concerns explicit in one place.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from services.common.auth import ANONYMOUS, Authoriser, Principal
from services.common.errors import LoomError, to_status
from services.common.metrics import GRPC_IN_FLIGHT, GRPC_LATENCY, GRPC_REQUESTS
from services.common.tracing import current_trace_id, extract_context

log = logging.getLogger("loom.rpc")
_principal: contextvars.ContextVar[Principal] = contextvars.ContextVar("loom_principal", default=ANONYMOUS)


def current_principal() -> Principal:
    """The caller of the RPC being handled (ANONYMOUS outside an RPC)."""
    return _principal.get()


def _authorization(metadata: Any) -> str | None:
    for key, value in metadata or ():
        if key == "authorization":
            return value if isinstance(value, str) else value.decode()
    return None


class _Call:
    """Book-keeping for one RPC: span, metrics and the error-to-status mapping."""

    __slots__ = ("service", "method", "full", "start", "code", "span_cm", "span")

    def __init__(self, full_method: str) -> None:
        self.full = full_method
        self.service, _, self.method = full_method.lstrip("/").rpartition("/")
        self.code = "OK"

    async def fail(self, context: grpc.aio.ServicerContext, exc: BaseException) -> None:
        """Records the failure and aborts the call with the matching status (always raises)."""
        if isinstance(exc, LoomError):
            self.code = exc.code.name
            if exc.code is grpc.StatusCode.INTERNAL:
                log.error("rpc failed", extra={"method": self.full, "error": exc.message})
            await context.abort_with_status(to_status(exc))
        if isinstance(exc, TimeoutError):
            self.code = "DEADLINE_EXCEEDED"
            await context.abort(grpc.StatusCode.DEADLINE_EXCEEDED, f"{self.full} did not finish in time")
        log.exception("unhandled error", extra={"method": self.full}, exc_info=exc)
        self.code = "INTERNAL"
        await context.abort(grpc.StatusCode.INTERNAL, f"internal error (trace id {current_trace_id() or 'n/a'})")


class ServerPipeline(grpc.aio.ServerInterceptor):
    """Wraps every registered handler once and caches the wrapper per method."""

    def __init__(self, authoriser: Authoriser, default_deadline_s: float) -> None:
        self._authoriser = authoriser
        self._deadline = default_deadline_s
        self._tracer = trace.get_tracer("loom.grpc")
        self._cache: dict[str, grpc.RpcMethodHandler] = {}

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        cached = self._cache.get(details.method)  # type: ignore[attr-defined]  # method is set by grpc
        if cached is not None:
            return cached
        handler = await continuation(details)
        if handler is None:
            return handler
        wrapped = self._wrap(details.method, handler)  # type: ignore[attr-defined]
        self._cache[details.method] = wrapped  # type: ignore[attr-defined]
        return wrapped

    def _wrap(self, full: str, handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
        ser, deser = handler.response_serializer, handler.request_deserializer
        if handler.unary_unary:
            return grpc.unary_unary_rpc_method_handler(self._unary(full, handler.unary_unary), deser, ser)
        if handler.stream_unary:
            return grpc.stream_unary_rpc_method_handler(self._unary(full, handler.stream_unary), deser, ser)
        if handler.unary_stream:
            return grpc.unary_stream_rpc_method_handler(self._streaming(full, handler.unary_stream), deser, ser)
        return grpc.stream_stream_rpc_method_handler(self._streaming(full, handler.stream_stream), deser, ser)

    async def _enter(self, call: _Call, context: grpc.aio.ServicerContext) -> None:
        metadata = context.invocation_metadata()
        principal = await self._authoriser.authorise(call.full, _authorization(metadata))
        _principal.set(principal)

    def _span(self, call: _Call, context: grpc.aio.ServicerContext):  # type: ignore[no-untyped-def]
        return self._tracer.start_as_current_span(
            call.full,
            context=extract_context(context.invocation_metadata()),
            kind=SpanKind.SERVER,
            attributes={"rpc.system": "grpc", "rpc.service": call.service, "rpc.method": call.method},
        )

    def _finish(self, call: _Call, start: float, span: trace.Span) -> None:
        GRPC_IN_FLIGHT.labels(call.service, call.method).dec()
        GRPC_LATENCY.labels(call.service, call.method).observe(time.perf_counter() - start)
        GRPC_REQUESTS.labels(call.service, call.method, call.code).inc()
        span.set_attribute("rpc.grpc.status_code", call.code)
        if call.code != "OK":
            span.set_status(Status(StatusCode.ERROR, call.code))

    def _unary(self, full: str, inner: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def behavior(request: Any, context: grpc.aio.ServicerContext) -> Any:
            call = _Call(full)
            start = time.perf_counter()
            GRPC_IN_FLIGHT.labels(call.service, call.method).inc()
            with self._span(call, context) as span:
                try:
                    await self._enter(call, context)
                    remaining = context.time_remaining()
                    async with asyncio.timeout(self._deadline if remaining is None else None):
                        return await inner(request, context)
                except asyncio.CancelledError:
                    call.code = "CANCELLED"
                    raise
                except grpc.aio.AbortError:
                    call.code = _aborted_code(context)
                    raise
                except Exception as exc:  # every failure must become a status
                    await call.fail(context, exc)
                finally:
                    self._finish(call, start, span)

        return behavior

    def _streaming(self, full: str, inner: Callable[..., AsyncIterator[Any]]) -> Callable[..., AsyncIterator[Any]]:
        async def behavior(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
            call = _Call(full)
            start = time.perf_counter()
            GRPC_IN_FLIGHT.labels(call.service, call.method).inc()
            with self._span(call, context) as span:
                try:
                    await self._enter(call, context)
                    async for item in inner(request, context):
                        yield item
                except asyncio.CancelledError:
                    call.code = "CANCELLED"
                    raise
                except grpc.aio.AbortError:
                    call.code = _aborted_code(context)
                    raise
                except Exception as exc:  # every failure must become a status
                    await call.fail(context, exc)
                finally:
                    self._finish(call, start, span)

        return behavior


def _aborted_code(context: grpc.aio.ServicerContext) -> str:
    code = context.code()
    return code.name if isinstance(code, grpc.StatusCode) else "UNKNOWN"
