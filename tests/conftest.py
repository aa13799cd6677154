import os
import secrets

import pytest

from deploy.stack import ROOT
from runtime.db import drop_databases
from tests.clock import STACK_ENV
from tests.identity import TEST_AUTH_ENV
from tests.infra import database_server, kafka_broker, unique_prefix

# Every service this test process builds or starts runs on the suite's pinned clock, trusts the
# suite's own issuer (tests/identity.py) and pseudonymises under a random key of its own.
TEST_PSEUDONYM_ENV = {"PSEUDONYM_KEY": secrets.token_urlsafe(48)}
os.environ.update({**STACK_ENV, **TEST_AUTH_ENV, **TEST_PSEUDONYM_ENV})


@pytest.fixture(scope="session")
def database_server_url():
    # Under the repo rather than /tmp: the embedded server runs as its own user and needs access.
    with database_server(ROOT / ".data" / "test") as url:
        yield url


def own_broker():
    """A broker per test package (declared in each package's conftest), so the in-process and
    the process-based chains never see each other's events."""
    with kafka_broker() as bootstrap:
        yield bootstrap


async def own_databases(database_server_url):
    prefix = unique_prefix()
    yield prefix
    await drop_databases(database_server_url, prefix)
