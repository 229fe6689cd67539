"""The shared runtime on a real gRPC server: health, reflection, auth, errors, metrics, tracing, drain."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from prometheus_client import REGISTRY

from loom.identity.v1 import identity_pb2 as pb
from loom.identity.v1 import identity_pb2_grpc as pb_grpc
from services.common.auth import ANALYST, SERVICE, MethodPolicy
from services.common.client import channel
from services.common.config import ConfigError, RuntimeConfig, load_config
from services.common.errors import FieldViolation, InvalidArgument, ResourceExhausted, field_violations
from services.common.pipeline import current_principal
from services.common.server import Registration, ServiceApp, start_server
from services.common.tracing import memory_spans, setup_tracing
from tests.fixtures.services import write_tokens

NAME = pb.DESCRIPTOR.services_by_name["IdentityService"].full_name


class ProbeServicer(pb_grpc.IdentityServiceServicer):
    """A servicer whose behaviour each test steers."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.started = asyncio.Event()

    async def GetProfile(self, request, context):  # noqa: N802 - gRPC method name
        key = request.lookup.profile_id
        if key == "bad":
            raise InvalidArgument([FieldViolation("lookup.profile_id", "must not be 'bad'"),
                                   FieldViolation("lookup.identifier", "also wrong")])
        if key == "busy":
            raise ResourceExhausted("slow down", retry_after_s=1.5)
        if key == "crash":
            raise RuntimeError("boom with secret detail")
        if key == "sleepy":
            await asyncio.sleep(3)
        if key == "slow":
            self.started.set()
            await self.release.wait()
        return pb.GetProfileResponse(profile=pb.Profile(profile_id=f"{key}:{current_principal().subject}"))


@pytest.fixture
async def probe(tmp_path):
    setup_tracing("test", "memory")
    tokens = write_tokens(tmp_path)
    config = load_config(RuntimeConfig, {"LOOM_GRPC_PORT": "0", "LOOM_GRPC_HOST": "127.0.0.1",
                                         "LOOM_AUTH_TOKENS_FILE": str(tokens.path), "LOOM_METRICS_PORT": "0",
                                         "LOOM_DRAIN_GRACE_S": "5", "LOOM_DRAIN_DELAY_S": "0.5",
                                         "LOOM_DEFAULT_DEADLINE_S": "0.5", "LOOM_MAX_MESSAGE_BYTES": "65536"})
    servicer = ProbeServicer()
    policy = MethodPolicy(NAME, roles={"GetProfile": frozenset({SERVICE, ANALYST})})
    app = ServiceApp("probe", [Registration(pb_grpc.add_IdentityServiceServicer_to_server, servicer, NAME, policy)])
    running = await start_server(config, app, metrics=False)
    address = f"127.0.0.1:{running.port}"
    yield running, servicer, tokens, address
    await running.stop()


def lookup(profile_id: str) -> pb.GetProfileRequest:
    return pb.GetProfileRequest(lookup=pb.ProfileLookup(profile_id=profile_id))


async def test_health_and_reflection_need_no_token(probe) -> None:
    _, _, _, address = probe
    async with grpc.aio.insecure_channel(address) as ch:
        health = health_pb2_grpc.HealthStub(ch)
        reply = await health.Check(health_pb2.HealthCheckRequest(service=NAME))
        assert reply.status == health_pb2.HealthCheckResponse.SERVING
        reflect = reflection_pb2_grpc.ServerReflectionStub(ch)
        responses = reflect.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")]))
        async for response in responses:
            names = {s.name for s in response.list_services_response.service}
            assert NAME in names
            break


async def test_authentication_and_authorisation_fail_closed(probe) -> None:
    _, _, tokens, address = probe
    async with grpc.aio.insecure_channel(address) as ch:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await pb_grpc.IdentityServiceStub(ch).GetProfile(lookup("a"))
        assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
    async with channel(address, "not-a-known-token-at-all") as ch:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await pb_grpc.IdentityServiceStub(ch).GetProfile(lookup("a"))
        assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
    async with channel(address, tokens.analyst) as ch:
        stub = pb_grpc.IdentityServiceStub(ch)
        assert (await stub.GetProfile(lookup("a"))).profile.profile_id == "a:test-analyst"
        # UpdateTraits takes the default roles (service, operator): an analyst may not call it.
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await stub.UpdateTraits(pb.UpdateTraitsRequest())
        assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
        assert "test-analyst" in err.value.details()


async def test_domain_errors_map_to_status_with_details(probe) -> None:
    _, _, tokens, address = probe
    async with channel(address, tokens.service) as ch:
        stub = pb_grpc.IdentityServiceStub(ch)
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await stub.GetProfile(lookup("bad"))
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert field_violations(err.value) == [FieldViolation("lookup.profile_id", "must not be 'bad'"),
                                               FieldViolation("lookup.identifier", "also wrong")]
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await stub.GetProfile(lookup("busy"))
        assert err.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await stub.GetProfile(lookup("crash"))
        assert err.value.code() == grpc.StatusCode.INTERNAL
        assert "secret detail" not in err.value.details()


async def test_metrics_count_calls_by_code(probe) -> None:
    _, _, tokens, address = probe

    def count(code: str) -> float:
        return REGISTRY.get_sample_value("loom_grpc_server_requests_total",
                                         {"service": NAME, "method": "GetProfile", "code": code}) or 0.0

    ok_before, bad_before = count("OK"), count("INVALID_ARGUMENT")
    async with channel(address, tokens.service) as ch:
        stub = pb_grpc.IdentityServiceStub(ch)
        await stub.GetProfile(lookup("m"))
        with pytest.raises(grpc.aio.AioRpcError):
            await stub.GetProfile(lookup("bad"))
    assert count("OK") == ok_before + 1
    assert count("INVALID_ARGUMENT") == bad_before + 1
    hist = REGISTRY.get_sample_value("loom_grpc_server_request_duration_seconds_count",
                                     {"service": NAME, "method": "GetProfile"})
    assert hist and hist >= 2


async def test_trace_context_propagates_from_caller(probe) -> None:
    from opentelemetry import trace

    _, _, tokens, address = probe
    spans = memory_spans()
    assert spans is not None
    spans.clear()
    tracer = trace.get_tracer("test")
    with tracer.start_as_current_span("caller") as parent:
        async with channel(address, tokens.service) as ch:
            await pb_grpc.IdentityServiceStub(ch).GetProfile(lookup("t"))
        trace_id = parent.get_span_context().trace_id
    server_spans = [s for s in spans.get_finished_spans() if s.name == f"/{NAME}/GetProfile"]
    assert server_spans and server_spans[-1].context.trace_id == trace_id
    assert server_spans[-1].parent is not None


async def test_sigterm_drain_finishes_in_flight_calls(probe) -> None:
    running, servicer, tokens, address = probe
    async with channel(address, tokens.service) as ch:
        stub = pb_grpc.IdentityServiceStub(ch)
        async def call_slow() -> pb.GetProfileResponse:
            return await stub.GetProfile(lookup("slow"))

        in_flight = asyncio.create_task(call_slow())
        await servicer.started.wait()
        stopping = asyncio.create_task(running.stop())
        await asyncio.sleep(0.1)
        health = health_pb2_grpc.HealthStub(ch)
        # Draining: health says NOT_SERVING while the in-flight call still runs.
        status = (await health.Check(health_pb2.HealthCheckRequest(service=NAME))).status
        assert status == health_pb2.HealthCheckResponse.NOT_SERVING
        servicer.release.set()
        reply = await in_flight
        assert reply.profile.profile_id == "slow:test-service"
        await stopping


def test_tokens_file_problems_stop_start_up(tmp_path) -> None:
    from services.common.auth import TokenFileAuthenticator

    bad = tmp_path / "tokens.yaml"
    bad.write_text("short: {subject: x, roles: [root]}\n")
    with pytest.raises(ConfigError) as err:
        TokenFileAuthenticator.from_file(bad)
    assert "at least 16 characters" in str(err.value)



async def test_calls_without_a_deadline_get_the_default_one(probe) -> None:
    _, _, tokens, address = probe
    async with channel(address, tokens.service) as ch:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await pb_grpc.IdentityServiceStub(ch).GetProfile(lookup("sleepy"))
    assert err.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED


async def test_oversized_messages_are_refused(probe) -> None:
    _, _, tokens, address = probe
    async with channel(address, tokens.service) as ch:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await pb_grpc.IdentityServiceStub(ch).GetProfile(lookup("x" * 100_000))
    assert err.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
