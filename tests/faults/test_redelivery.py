"""Every event delivered twice, and reordered as far as Kafka allows (the order of one partition
holds; partitions and topics interleave in any order): the copies change nothing."""
import asyncio
import random

import pytest
from aiokafka import AIOKafkaProducer

from contracts import TOPICS
from tests.faults.ledger import Chain, Ledger, check, drive
from tests.infra import read_topic, wait_until

pytestmark = pytest.mark.faults


async def _copies(bootstrap: str, seed: int) -> int:
    """Every record on every event topic sent again in a random interleaving that keeps each
    partition's order."""
    queues = {}
    for topic in TOPICS:
        for record in await read_topic(bootstrap, topic.name, timeout=10):
            queues.setdefault((record.topic, record.partition), []).append(record)
    for records in queues.values():
        records.sort(key=lambda r: r.offset)
    rng, sent = random.Random(seed), 0
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=False)
    await producer.start()
    try:
        while queues:
            where = rng.choice(list(queues))
            record = queues[where].pop(0)
            if not queues[where]:
                del queues[where]
            await producer.send(record.topic, record.value, key=record.key, partition=record.partition,
                                headers=list(record.headers))
            sent += 1
        await producer.flush()
    finally:
        await producer.stop()
    return sent


async def _caught_up(chain: Chain) -> bool:
    for service in chain.stack.ports:
        consumer = (await chain.health(service)).get("consumer")
        if consumer and consumer["lag"] != 0:
            return False
    return True


async def _duplicates(chain: Chain) -> int:
    total = 0
    for service in chain.stack.ports:
        total += (await chain.health(service)).get("consumer", {}).get("duplicates", 0)
    return total


async def test_events_delivered_twice_and_reordered_change_nothing(chain):
    ledger = Ledger()
    await drive(chain, ledger, rate=8, seconds=3)
    await check(chain, ledger)
    before = await _duplicates(chain)
    copies, _ = await asyncio.gather(_copies(chain.broker.bootstrap, seed=len(ledger.accepted)),
                                     drive(chain, ledger, rate=8, seconds=2))  # while new ones flow
    await asyncio.to_thread(chain.stack.republish_all)  # and every outbox sent once more
    await wait_until(lambda: _caught_up(chain), timeout=60, interval=0.5)
    # Read (lag 0) and skipped: each copy by every service that handles its type.
    assert copies > 3 * len(ledger.accepted) and await _duplicates(chain) - before >= copies // 2
    await check(chain, ledger)
