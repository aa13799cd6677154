"""PostgreSQL stopped and started again under load: meanwhile the services answer 503 with
Retry-After (a report is either stored whole or refused), and once it is back the consumers and
relays go on by themselves. Every accepted report assigned once.

At 25 reports/s events are on their way between every pair of services when the server stops; at
8/s too few were for the test to notice a consumer that skipped a batch it could not commit (one
that did not read it again lost 24 of 107 reports here; at 20/s, 1 of 89)."""
import time

import pytest

from tests.faults.ledger import Ledger, check, drive_while

pytestmark = pytest.mark.faults


async def test_a_restarted_database_is_waited_for(chain, postgres):
    def restart():
        postgres.stop()
        time.sleep(2)
        postgres.start()

    ledger = Ledger()
    await drive_while(chain, ledger, restart, rate=25, before_s=2, after_s=5)
    assert ledger.refused[503] > 0, f"no report refused while the database was down: {ledger.refused}"
    await check(chain, ledger)
    for service in chain.stack.ports:
        assert (await chain.health(service))["status"] == "up"


@pytest.fixture
def database_server_url(postgres):
    """This test's chain runs on the server it restarts, not the suite's."""
    return postgres.url
