"""The five services in this process (real Postgres, real broker), driven over ASGI."""
from contextlib import AsyncExitStack

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from deploy.stack import SERVICES, database_url_for
from runtime.service import build_app
from services.capacity.bootstrap import SPEC as CAPACITY
from services.caseregie.bootstrap import SPEC as CASEREGIE
from services.intake.bootstrap import SPEC as INTAKE
from services.reporting.bootstrap import SPEC as REPORTING
from services.triage.bootstrap import SPEC as TRIAGE
from tests.clock import running
from tests.conftest import own_broker, own_databases
from tests.infra import wait_until

kafka_bootstrap = pytest.fixture(scope="package")(own_broker)
database_prefix = pytest.fixture(scope="package")(own_databases)


SPECS = {s.name: s for s in (INTAKE, TRIAGE, CASEREGIE, CAPACITY, REPORTING)}


@pytest.fixture(scope="session")
def spans() -> InMemorySpanExporter:
    """Installed before any service configures tracing, so every span in this process lands here."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    return exporter


def settings_for(name: str, server_url: str, bootstrap: str, prefix: str, **extra):
    spec = SPECS[name]
    return spec.settings_class.for_service(
        name, SERVICES[name], database_url=database_url_for(server_url, name, prefix),
        kafka_bootstrap_servers=bootstrap, kafka_group_id=f"{prefix}-{name}",
        outbox_poll_interval_s=0.2, consumer_retry_backoff_s=0.05, **extra)


@pytest.fixture(scope="package")
async def chain(spans, database_server_url, kafka_bootstrap, database_prefix):
    """name -> httpx client of a running in-process service; `.runtime` on each app."""
    async with AsyncExitStack() as stack:
        clients = {}
        for name, spec in SPECS.items():
            extra = {"auto_confirm": True} if name == "triage" else {}
            settings = settings_for(name, database_server_url, kafka_bootstrap, database_prefix, **extra)
            app = build_app(spec, settings, clock=running())
            await stack.enter_async_context(app.router.lifespan_context(app))
            client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                       base_url=f"http://{name}")
            await stack.enter_async_context(client)
            client.app = app
            clients[name] = client
        for client in clients.values():
            await wait_until(lambda c=client: _ready(c), timeout=60)
        yield clients


async def _ready(client) -> bool:
    return (await client.get("/v1/health")).status_code == 200
