"""A service down (killed) while the broker is lost and an empty one started: the running services
heal at once; the one that was down finds, when it starts, another mark on the broker than the one
its database kept, and heals the same way: its whole outbox sent again (a late subscriber sees all
of its history on the new broker) and its partitions read from the beginning. Every accepted report
assigned once."""
import asyncio
from functools import partial

import asyncpg
import pytest

from deploy.stack import database_url_for
from tests.faults.ledger import Chain, Ledger, check, drive
from tests.infra import read_topic, wait_until

pytestmark = pytest.mark.faults


async def _outbox(chain: Chain, service: str) -> dict[str, set[str]]:
    """The ids of the events in the service's outbox, by topic (parked ones left out)."""
    url = database_url_for(chain.stack.database_server_url, service, chain.stack.database_prefix)
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT topic, event_id FROM outbox WHERE parked_at IS NULL")
    finally:
        await conn.close()
    events: dict[str, set[str]] = {}
    for row in rows:
        events.setdefault(row["topic"], set()).add(row["event_id"])
    return events


async def _all_on_the_broker(chain: Chain, outbox: dict[str, set[str]]) -> bool:
    for topic, ids in outbox.items():
        records = await read_topic(chain.broker.bootstrap, topic, timeout=5)
        if ids - {dict(r.headers).get("ce_id", b"").decode() for r in records}:
            return False
    return True


@pytest.mark.parametrize("service", ["capacity", "caseregie"])
async def test_a_service_down_while_the_broker_was_lost_heals_when_it_starts(chain, service):
    ledger = Ledger()
    await drive(chain, ledger, rate=8, seconds=2)
    chain.kill(service)
    await drive(chain, ledger, rate=8, seconds=1)  # the others go on; its input waits on the broker
    await asyncio.to_thread(chain.kill_broker_and_start_an_empty_one)
    await drive(chain, ledger, rate=8, seconds=2)  # the others healed meanwhile
    await asyncio.to_thread(chain.start, service)
    await drive(chain, ledger, rate=5, seconds=1)
    await check(chain, ledger)
    broker = (await chain.health(service))["broker"]
    assert broker["healed"] >= 1, broker
    # Its history from before the loss is on the new broker again, not only what it sent since.
    outbox = await _outbox(chain, service)
    assert sum(map(len, outbox.values())) > len(ledger.accepted) // 2, outbox.keys()
    await wait_until(partial(_all_on_the_broker, chain, outbox), timeout=30, interval=1)
