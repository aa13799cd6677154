"""The control of test_broker_lost: with the self-healing switched off (KAFKA_SELF_HEAL=false) the
same fault loses reports, and the ledger's check says so. A fault test that passed either way would
prove nothing."""
import pytest

from tests.faults.ledger import Ledger, check, drive_while

pytestmark = pytest.mark.faults


@pytest.fixture
def chain_env() -> dict[str, str]:
    return {"KAFKA_SELF_HEAL": "false"}


async def test_without_self_healing_a_lost_broker_loses_reports(chain):
    ledger = Ledger()
    await drive_while(chain, ledger, chain.kill_broker_and_start_an_empty_one, rate=8, before_s=3, after_s=5)
    with pytest.raises(AssertionError, match="never assigned"):
        await check(chain, ledger, timeout=20)
    for service in chain.stack.ports:
        broker = (await chain.health(service))["broker"]
        assert broker["self_heal"] is False and broker["healed"] == 0, (service, broker)
