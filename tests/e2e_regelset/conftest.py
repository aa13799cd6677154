"""A chain of its own for the ruleset proposals: activating a version changes every later decision,
so it must not share its stack with the other end-to-end tests (tests/e2e)."""
import httpx
import pytest

from deploy.stack import SERVICES
from tests.conftest import own_broker, own_databases
from tests.infra import running_stack

kafka_bootstrap = pytest.fixture(scope="package")(own_broker)
database_prefix = pytest.fixture(scope="package")(own_databases)


@pytest.fixture(scope="package")
def stack(database_server_url, kafka_bootstrap, database_prefix):
    # The RvdK decides (no auto-confirm): the test follows the target-group decisions only.
    with running_stack(database_server_url, kafka_bootstrap, database_prefix, "e2e-regelset-logs",
                       {"AUTO_CONFIRM": "false"}) as stack:
        yield stack


@pytest.fixture(scope="package")
async def http(stack):
    clients = {name: httpx.AsyncClient(base_url=stack.url(name), timeout=10) for name in SERVICES}
    yield clients
    for client in clients.values():
        await client.aclose()
