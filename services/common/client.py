"""Client channels to other Loom services: token and trace context on every call, bounded message size."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc

from services.common.tracing import inject_metadata


class _CallerMetadata(
    grpc.aio.UnaryUnaryClientInterceptor,
    grpc.aio.UnaryStreamClientInterceptor,
    grpc.aio.StreamUnaryClientInterceptor,
    grpc.aio.StreamStreamClientInterceptor,
):
    """Adds ``authorization`` and W3C trace context metadata to outgoing calls."""

    def __init__(self, token: str) -> None:
        self._auth = (("authorization", f"Bearer {token}"),) if token else ()

    def _details(self, details: grpc.aio.ClientCallDetails) -> grpc.aio.ClientCallDetails:
        metadata = grpc.aio.Metadata(*(details.metadata or ()), *self._auth, *inject_metadata())
        return grpc.aio.ClientCallDetails(
            details.method, details.timeout, metadata, details.credentials, details.wait_for_ready
        )

    async def intercept_unary_unary(self, continuation: Callable[..., Any], details: Any, request: Any) -> Any:
        return await continuation(self._details(details), request)

    async def intercept_unary_stream(self, continuation: Callable[..., Any], details: Any, request: Any) -> Any:
        return await continuation(self._details(details), request)

    async def intercept_stream_unary(
        self, continuation: Callable[..., Any], details: Any, request_iterator: Any
    ) -> Any:
        return await continuation(self._details(details), request_iterator)

    async def intercept_stream_stream(
        self, continuation: Callable[..., Any], details: Any, request_iterator: Any
    ) -> Any:
        return await continuation(self._details(details), request_iterator)


def channel(address: str, token: str, max_message_bytes: int = 4 * 1024 * 1024) -> grpc.aio.Channel:
    """An insecure channel to ``address`` (TLS is terminated by the mesh in Kubernetes)."""
    return grpc.aio.insecure_channel(
        address,
        interceptors=[_CallerMetadata(token)],
        options=[
            ("grpc.max_receive_message_length", max_message_bytes),
            ("grpc.max_send_message_length", max_message_bytes),
            ("grpc.enable_retries", 1),
        ],
    )
