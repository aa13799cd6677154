"""Each service killed (SIGKILL) while reports flow through it, and started again: what it had
not committed is read again (its offsets were not committed either), what it had committed is not
applied twice (the idempotent consumer), and what it committed but had not sent yet leaves from
its outbox. Every accepted report assigned once."""
import time

import pytest

from deploy.stack import SERVICES
from tests.faults.ledger import Ledger, check, drive_while

pytestmark = pytest.mark.faults


@pytest.mark.parametrize("service", list(SERVICES))
async def test_a_killed_service_loses_nothing_and_applies_nothing_twice(chain, service):
    def kill_and_start():
        chain.kill(service)
        time.sleep(0.5)  # reports keep coming meanwhile (refused by a killed intake)
        chain.start(service)

    ledger = Ledger()
    await drive_while(chain, ledger, kill_and_start, rate=8, before_s=2.5, after_s=3)
    await check(chain, ledger)
    health = await chain.health(service)
    assert health["status"] == "up", health
