"""The five services as processes on a stack of their own: the fuzzer writes whatever the
schemas allow, so it must not share data with the other end-to-end tests."""
import pytest

from deploy.stack import ROOT, SERVICES, Stack, free_port, seed_capacity
from tests import identity
from tests.clock import STACK_ENV
from tests.conftest import own_broker, own_databases

kafka_bootstrap = pytest.fixture(scope="package")(own_broker)
database_prefix = pytest.fixture(scope="package")(own_databases)


@pytest.fixture(scope="package")
def stack(database_server_url, kafka_bootstrap, database_prefix):
    env = {**STACK_ENV, "AUTO_CONFIRM": "true", "CASEREGIE_DRANG_CHECK_INTERVAL_S": "1"}
    for name in SERVICES:
        env[f"{name.upper()}_KAFKA_GROUP_ID"] = f"{database_prefix}-{name}"
    stack = Stack(database_server_url, kafka_bootstrap, ports={n: free_port() for n in SERVICES},
                  database_prefix=database_prefix, env=env, issuer=identity.ISSUER,
                  log_dir=ROOT / "test-artifacts" / "fuzz-logs" / database_prefix)
    try:
        stack.start_all()
        seed_capacity(stack)
        yield stack
    finally:
        stack.stop_all()
