"""Client channels to other Loom services: token and trace context on every call, bounded message size."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc

from services.common.tracing import inject_metadata


class _CallerMetadata:
    """Adds ``authorization`` and W3C trace context metadata to an outgoing call's details."""

    def __init__(self, token: str) -> None:
        self._auth = (("authorization", f"Bearer {token}"),) if token else ()

    def _details(self, details: grpc.aio.ClientCallDetails) -> grpc.aio.ClientCallDetails:
        metadata = grpc.aio.Metadata(*(details.metadata or ()), *self._auth, *inject_metadata())
        return grpc.aio.ClientCallDetails(
            details.method, details.timeout, metadata, details.credentials, details.wait_for_ready
        )


# grpc.aio files each interceptor under the first call kind it implements, so each kind needs its own class.
class _UnaryUnary(_CallerMetadata, grpc.aio.UnaryUnaryClientInterceptor):
    async def intercept_unary_unary(self, continuation: Callable[..., Any], details: Any, request: Any) -> Any:
        return await continuation(self._details(details), request)


class _UnaryStream(_CallerMetadata, grpc.aio.UnaryStreamClientInterceptor):
    async def intercept_unary_stream(self, continuation: Callable[..., Any], details: Any, request: Any) -> Any:
        return await continuation(self._details(details), request)


class _StreamUnary(_CallerMetadata, grpc.aio.StreamUnaryClientInterceptor):
    async def intercept_stream_unary(self, continuation: Callable[..., Any], details: Any, requests: Any) -> Any:
        return await continuation(self._details(details), requests)


class _StreamStream(_CallerMetadata, grpc.aio.StreamStreamClientInterceptor):
    async def intercept_stream_stream(self, continuation: Callable[..., Any], details: Any, requests: Any) -> Any:
        return await continuation(self._details(details), requests)


def channel(address: str, token: str, max_message_bytes: int = 4 * 1024 * 1024) -> grpc.aio.Channel:
    """An insecure channel to ``address`` (TLS is terminated by the mesh in Kubernetes)."""
    interceptors = [cls(token) for cls in (_UnaryUnary, _UnaryStream, _StreamUnary, _StreamStream)]
    return grpc.aio.insecure_channel(
        address,
        interceptors=interceptors,  # type: ignore[arg-type]  # each implements exactly one interceptor kind
        options=[
            ("grpc.max_receive_message_length", max_message_bytes),
            ("grpc.max_send_message_length", max_message_bytes),
            ("grpc.enable_retries", 1),
        ],
    )
