"""The broker killed mid-stream and an empty one started on the same address: the services notice
by themselves, create their topics again, read from the beginning and send their outboxes again.
No restart, no manual call; every accepted report assigned once."""
import pytest

from tests.faults.ledger import Ledger, check, drive, drive_while

pytestmark = pytest.mark.faults


async def test_a_lost_broker_heals_without_a_human(chain):
    ledger = Ledger()
    await drive_while(chain, ledger, chain.kill_broker_and_start_an_empty_one, rate=8, before_s=3, after_s=5)
    await check(chain, ledger)
    for service in chain.stack.ports:
        broker = (await chain.health(service))["broker"]
        assert broker["healed"] >= 1, (service, broker)
    # and the chain goes on as before
    later = Ledger(accepted=dict(ledger.accepted))
    await drive(chain, later, rate=5, seconds=1)
    await check(chain, later)
