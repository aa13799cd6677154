"""The five services as real processes, driven only over HTTP and Kafka."""
import httpx
import pytest

from deploy.stack import SERVICES
from tests.conftest import own_broker, own_databases
from tests.infra import running_stack

kafka_bootstrap = pytest.fixture(scope="package")(own_broker)
database_prefix = pytest.fixture(scope="package")(own_databases)


@pytest.fixture(scope="package")
def stack(database_server_url, kafka_bootstrap, database_prefix):
    """On the suite's pinned clock (tests/clock.py), trusting the suite's issuer."""
    env = {
        "AUTO_CONFIRM": "true",
        # Short clocks so deadlines, limits and retries happen within a test.
        "INTAKE_SPOED_AANVULTERMIJN_S": "4",
        "INTAKE_BEWAKING_INTERVAL_S": "0.5",
        "CASEREGIE_DRANG_CHECK_INTERVAL_S": "0.5",
        "CASEREGIE_WEBHOOK_POLL_INTERVAL_S": "0.2",
        "CASEREGIE_WEBHOOK_RETRY_BASE_S": "0.3",
        # The webhook test's receiver is plain http on 127.0.0.1: development settings only.
        "CASEREGIE_WEBHOOK_ALLOW_HTTP": "true", "CASEREGIE_WEBHOOK_ALLOW_PRIVATE": "true",
        # The whole run's waiting list must not keep an escalation open; the escalation test
        # drives "every GI at its norm" instead.
        "CAPACITY_ESCALATIE_WACHTEND_MAX": "1000",
    }
    with running_stack(database_server_url, kafka_bootstrap, database_prefix, "e2e-logs", env) as stack:
        yield stack


@pytest.fixture(scope="package")
async def http(stack):
    clients = {name: httpx.AsyncClient(base_url=stack.url(name), timeout=10) for name in SERVICES}
    yield clients
    for client in clients.values():
        await client.aclose()
