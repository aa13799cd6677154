"""Two instances of every service on one broker and one database per service, driven from outside
over HTTP and Kafka (and, where nothing else shows it, read-only SQL on a service's database)."""
from pathlib import Path

import httpx
import pytest

from deploy.stack import SERVICES, database_url_for
from tests.conftest import own_broker, own_databases
from tests.infra import running_stack

kafka_bootstrap = pytest.fixture(scope="package")(own_broker)
database_prefix = pytest.fixture(scope="package")(own_databases)

REPLICAS = 2
# Each test within this bound (pytest-timeout), so a replica that never takes over fails the test.
REPLICA_TEST_TIMEOUT_S = 120

# Short intervals so periodic jobs run many times within a test, and a replica's deadline or retry
# falls within it; the rest as the e2e suite (tests/e2e/conftest.py).
JOB_INTERVALS = {"INTAKE_BEWAKING_INTERVAL_S": 0.5, "CASEREGIE_DRANG_CHECK_INTERVAL_S": 0.5,
                 "CASEREGIE_WEBHOOK_POLL_INTERVAL_S": 0.2, "CASEREGIE_BEWAARTERMIJN_INTERVAL_S": 1.0,
                 "INTAKE_BEWAARTERMIJN_INTERVAL_S": 1.0, "TRIAGE_BEWAARTERMIJN_INTERVAL_S": 1.0}
# Small batches, so that a backlog is many batches and two relays sending side by side would show.
OUTBOX_BATCH = 10
REPLICA_ENV = {
    "OUTBOX_BATCH_SIZE": str(OUTBOX_BATCH),
    "AUTO_CONFIRM": "true",
    **{name: str(seconds) for name, seconds in JOB_INTERVALS.items()},
    "INTAKE_SPOED_AANVULTERMIJN_S": "3",
    "CASEREGIE_WEBHOOK_RETRY_BASE_S": "0.3",
    # The webhook test's receiver is plain http on 127.0.0.1: development settings only.
    "CASEREGIE_WEBHOOK_ALLOW_HTTP": "true", "CASEREGIE_WEBHOOK_ALLOW_PRIVATE": "true",
    "CAPACITY_ESCALATIE_WACHTEND_MAX": "1000",
    # The tests poll many reports' statuses as one local team: no rate limit in the way.
    "RATE_LIMIT_REQUESTS": "0",
    "OUTBOX_POLL_INTERVAL_S": "0.5",
}


def pytest_configure(config):
    config.addinivalue_line("markers", "replicas: the chain with two instances of every service")


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.replicas)
            item.add_marker(pytest.mark.timeout(REPLICA_TEST_TIMEOUT_S))


@pytest.fixture(scope="package")
def stack(database_server_url, kafka_bootstrap, database_prefix):
    """Every service twice: "<service>" and "<service>#2"."""
    with running_stack(database_server_url, kafka_bootstrap, database_prefix, "replica-logs", REPLICA_ENV,
                       replicas=REPLICAS) as stack:
        yield stack


@pytest.fixture(scope="package")
async def http(stack):
    """A client per instance, by instance name ("intake", "intake#2", ...)."""
    clients = {name: httpx.AsyncClient(base_url=stack.url(name), timeout=10) for name in stack.ports}
    yield clients
    for client in clients.values():
        await client.aclose()


@pytest.fixture(scope="package")
def database_urls(database_server_url, database_prefix) -> dict[str, str]:
    """Each service's database, for read-only checks."""
    return {name: database_url_for(database_server_url, name, database_prefix) for name in SERVICES}
