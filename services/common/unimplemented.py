"""Marks RPCs that a later capability brings: they answer UNIMPLEMENTED and say which one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import grpc
from google.protobuf.descriptor import ServiceDescriptor


def fill_unimplemented(cls: type, descriptor: ServiceDescriptor, arrives_with: Mapping[str, str]) -> type:
    """For every RPC of ``descriptor`` the class does not define, install a handler naming what brings it.

    ``arrives_with`` maps an RPC name (or "*" for the rest) to the capability that delivers it.
    """
    for method in descriptor.methods:
        if method.name in vars(cls):
            continue
        what = arrives_with.get(method.name, arrives_with.get("*", "a later release"))
        message = f"{descriptor.full_name}/{method.name} is not available yet: it arrives with {what}"
        if method.server_streaming:
            setattr(cls, method.name, _server_streaming(message))
        else:
            # Unary and client-streaming handlers are both plain coroutines returning one response.
            setattr(cls, method.name, _unary(message))
    return cls


def _unary(message: str) -> Any:
    async def handler(self: Any, request: Any, context: grpc.aio.ServicerContext) -> Any:
        await context.abort(grpc.StatusCode.UNIMPLEMENTED, message)

    return handler


def _server_streaming(message: str) -> Any:
    async def handler(self: Any, request: Any, context: grpc.aio.ServicerContext) -> Any:
        await context.abort(grpc.StatusCode.UNIMPLEMENTED, message)
        yield  # unreachable; makes this an async generator as server-streaming handlers must be

    return handler
