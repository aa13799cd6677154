"""OpenTelemetry setup and W3C traceparent propagation across HTTP and Kafka."""
from opentelemetry import context, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

_propagator = TraceContextTextMapPropagator()


def configure(service_name: str, otlp_endpoint: str = "") -> None:
    """Install a tracer provider once per process; export over OTLP when an endpoint is set."""
    if isinstance(trace.get_tracer_provider(), TracerProvider):
        return
    provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
    if otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(
            BatchSpanProcessor(OTLPSpanExporter(endpoint=f"{otlp_endpoint.rstrip('/')}/v1/traces"))
        )
    trace.set_tracer_provider(provider)


def tracer(service_name: str) -> trace.Tracer:
    # The instrumentation scope carries the service name, so spans stay attributable
    # even when several services share one process (as in the tracing test).
    return trace.get_tracer(service_name)


def current_traceparent() -> str | None:
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier.get("traceparent")


def context_from(traceparent: str | None) -> context.Context:
    if not traceparent:
        return context.Context()
    return _propagator.extract({"traceparent": traceparent})
