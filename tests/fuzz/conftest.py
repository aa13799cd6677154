"""The five services as processes on a stack of their own: the fuzzer writes whatever the
schemas allow, so it must not share data with the other end-to-end tests."""
import pytest

from tests.conftest import own_broker, own_databases
from tests.infra import running_stack

kafka_bootstrap = pytest.fixture(scope="package")(own_broker)
database_prefix = pytest.fixture(scope="package")(own_databases)


@pytest.fixture(scope="package")
def stack(database_server_url, kafka_bootstrap, database_prefix):
    env = {"AUTO_CONFIRM": "true", "CASEREGIE_DRANG_CHECK_INTERVAL_S": "1"}
    with running_stack(database_server_url, kafka_bootstrap, database_prefix, "fuzz-logs", env) as stack:
        yield stack
