"""OpenTelemetry tracing: one provider per process, W3C trace context carried in gRPC metadata."""

from __future__ import annotations

from collections.abc import Iterable

from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

_memory_exporter: InMemorySpanExporter | None = None


def setup_tracing(service: str, exporter: str) -> None:
    """Installs the process's tracer provider. ``exporter`` is none, console or memory (tests)."""
    global _memory_exporter
    if isinstance(trace.get_tracer_provider(), TracerProvider):
        return  # already set up in this process (tests run several services in one interpreter)
    provider = TracerProvider(resource=Resource.create({"service.name": f"loom-{service}"}))
    span_exporter: SpanExporter | None = None
    if exporter == "console":
        span_exporter = ConsoleSpanExporter()
    elif exporter == "memory":
        _memory_exporter = InMemorySpanExporter()
        span_exporter = _memory_exporter
    if span_exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(span_exporter))
    trace.set_tracer_provider(provider)


def memory_spans() -> InMemorySpanExporter | None:
    """The in-memory exporter when tracing was set up with ``memory``."""
    return _memory_exporter


def extract_context(metadata: Iterable[tuple[str, str | bytes]] | None):  # type: ignore[no-untyped-def]
    """Reads the caller's trace context from gRPC invocation metadata."""
    carrier = {k: v for k, v in (metadata or ()) if isinstance(v, str)}
    return propagate.extract(carrier)


def inject_metadata() -> list[tuple[str, str]]:
    """Metadata pairs carrying the current trace context to a callee."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return list(carrier.items())


def current_trace_id() -> str:
    """Hex trace id of the active span, or empty."""
    ctx = trace.get_current_span().get_span_context()
    return format(ctx.trace_id, "032x") if ctx.is_valid else ""
