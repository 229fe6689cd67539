"""A raw gRPC echo server: the ceiling for any unary RPC carrying the same bytes (``python -m ...``)."""

from __future__ import annotations

import asyncio
import sys

import grpc


async def main(port: int) -> None:
    """Serves /bench.Echo/Echo returning the request bytes unchanged, until killed."""

    async def echo(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        return request

    handler = grpc.method_handlers_generic_handler(
        "bench.Echo", {"Echo": grpc.unary_unary_rpc_method_handler(echo)}
    )
    server = grpc.aio.server(options=[("grpc.max_receive_message_length", 8 << 20),
                                      ("grpc.max_send_message_length", 8 << 20)])
    server.add_generic_rpc_handlers([handler])
    server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    print("ready", flush=True)
    await server.wait_for_termination()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
