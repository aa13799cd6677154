"""The shared consumer on a real broker and PostgreSQL: a batch in one transaction, events claimed
one by one, the order per partition kept, a failing handler dead-lettered alone, offsets committed
per batch, and the processing log chained at commit."""
import asyncio
import dataclasses
import uuid

import pytest
import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer
from aiokafka.structs import TopicPartition
from sqlalchemy.ext.asyncio import create_async_engine

from contracts.events import CapacitySignal
from deploy.stack import database_url_for
from runtime import db, processing_log, tables
from runtime.cloudevents import CloudEvent
from runtime.consumer import EventConsumer
from runtime.kafka import IdleWait
from runtime.processing_log import UPDATE, Actor, Betrokkene
from runtime.settings import to_async_url
from runtime.uow import UnitOfWork
from tests.clock import pinned
from tests.conftest import own_broker
from tests.infra import new_topic, produce, wait_until

kafka_bootstrap = pytest.fixture(scope="module")(own_broker)
# The handlers' own table, beside the runtime's (never on the runtime's metadata: that is what the
# services' migrations are compared with).
handler_tables = sa.MetaData()
seen = sa.Table("seen", handler_tables, sa.Column("n", sa.Integer, sa.Identity(), primary_key=True),
                sa.Column("gi", sa.String(10)), sa.Column("vrij", sa.Integer))


@pytest.fixture
async def database(database_server_url):
    url = database_url_for(database_server_url, "consumer", f"t{uuid.uuid4().hex[:8]}")
    await db.ensure_database(url)
    engine = create_async_engine(to_async_url(url))
    async with engine.begin() as conn:
        await conn.run_sync(tables.metadata.create_all)
        await conn.run_sync(handler_tables.create_all)
        from runtime.migrations import PROCESSING_LOG_V4
        for statement in (s for s in PROCESSING_LOG_V4 if not s.startswith("CREATE TABLE")):
            await conn.execute(sa.text(statement))
    yield engine
    await engine.dispose()


def signal(gi: str, vrij: int) -> CapacitySignal:
    return CapacitySignal(gi=gi, jeugdbeschermers=100, caseload_norm=15, plaatsen=1500,
                          kinderen_in_zorg=1500 - vrij, vrije_plaatsen=vrij, tijdstip=pinned().now())


async def topic(bootstrap: str) -> str:
    return await new_topic(bootstrap, "t", partitions=2)


async def send(bootstrap: str, name: str, event, partition_key: str, ce_id: str | None = None) -> CloudEvent:
    ce = CloudEvent.wrap(event, "test", pinned().now())
    if ce_id:
        ce = dataclasses.replace(ce, id=ce_id)
    await produce(bootstrap, name, ce.value(), partition_key.encode(), ce.headers())
    return ce


def consumer_on(engine, bootstrap: str, name: str, handler, group: str) -> EventConsumer:
    sessions = db.session_factory(engine)
    kafka = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False,
                             auto_offset_reset="earliest", fetch_max_wait_ms=10)
    return EventConsumer(service="test", consumer=kafka, topics=[name], sessions=sessions,
                         uow_factory=lambda: UnitOfWork(sessions, "test", clock=pinned()),
                         handlers={CapacitySignal.type: handler}, max_attempts=2, retry_backoff_s=0.01,
                         clock=pinned(), batch_size=500, idle_wait=IdleWait(10, 200, 0.5))


async def remember(event: CapacitySignal, uow: UnitOfWork) -> None:
    async with uow:
        await uow.session.execute(sa.insert(seen).values(gi=event.gi, vrij=event.vrije_plaatsen))
        uow._verwerkingen.extend(processing_log.records(
            tijdstip=uow.clock.now(), actor=Actor.of(None, "test"), activiteit="test.a",
            subjects=[Betrokkene(gezin_id=uuid.uuid4())], resource=("gi", event.gi), actie=UPDATE,
            uitkomst="ok"))
        if event.vrije_plaatsen == 13:
            raise RuntimeError("thirteen is refused")
        await uow.commit()


async def run_until(consumer: EventConsumer, done) -> None:
    task = asyncio.create_task(consumer.run())
    try:
        await wait_until(done, timeout=20)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await consumer.stop()


async def test_a_batch_keeps_order_claims_once_and_dead_letters_only_the_failing(database, kafka_bootstrap):
    name = await topic(kafka_bootstrap)
    for vrij in range(20):  # JBRR and WSS on their own keys: each in order on its partition
        await send(kafka_bootstrap, name, signal("JBRR", vrij), "JBRR")
        await send(kafka_bootstrap, name, signal("WSS", 100 + vrij), "WSS")
    twice = await send(kafka_bootstrap, name, signal("LJR", 50), "LJR")
    await send(kafka_bootstrap, name, signal("LJR", 51), "LJR", ce_id=twice.id)  # a redelivery
    group = f"g-{uuid.uuid4().hex[:6]}"
    consumer = consumer_on(database, kafka_bootstrap, name, remember, group)
    await run_until(consumer, lambda: consumer.processed + consumer.dead_lettered >= 42)

    async with database.connect() as conn:
        rows = (await conn.execute(sa.select(seen.c.gi, seen.c.vrij).order_by(seen.c.n))).all()
        letters = (await conn.execute(sa.select(tables.dead_letters.c.reason))).scalars().all()
        chained = await conn.scalar(sa.select(sa.func.count()).select_from(tables.verwerkingen))
        waiting = await conn.scalar(sa.select(sa.func.count()).select_from(tables.verwerkingen_wachtrij))
    async with db.session_factory(database)() as session:
        check = await processing_log.verify(session)
    assert [v for gi, v in rows if gi == "JBRR"] == [v for v in range(20) if v != 13]  # 13 undone alone
    assert [v for gi, v in rows if gi == "WSS"] == list(range(100, 120))
    assert [v for gi, v in rows if gi == "LJR"] == [50]  # the copy with the same id changed nothing
    assert len(letters) == 1 and "thirteen is refused" not in letters[0] and "RuntimeError" in letters[0]
    assert consumer.duplicates == 1 and consumer.dead_lettered == 1
    assert consumer.careful_batches >= 1  # the batch with thirteen was handled again, carefully
    assert chained == len(rows) and waiting == 0  # each kept handler's record, chained at commit
    assert check.breuk is None and check.records == chained

    probe = AIOKafkaConsumer(bootstrap_servers=kafka_bootstrap, group_id=group)
    await probe.start()
    try:
        committed = [await probe.committed(TopicPartition(name, p)) for p in (0, 1)]
        ends = await probe.end_offsets([TopicPartition(name, p) for p in (0, 1)])
    finally:
        await probe.stop()
    assert committed == [ends[TopicPartition(name, p)] for p in (0, 1)]


async def test_a_batch_that_cannot_commit_is_read_again_and_nothing_of_it_is_kept(database, kafka_bootstrap):
    name = await topic(kafka_bootstrap)
    for vrij in range(5):
        await send(kafka_bootstrap, name, signal("JBRR", vrij), "JBRR")
    async with database.begin() as conn:  # the log refuses every record: no commit can succeed
        await conn.execute(sa.text(
            "CREATE FUNCTION kapot() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION 'log unavailable'; END $$"))
        await conn.execute(sa.text("CREATE TRIGGER kapot BEFORE INSERT ON verwerkingen "
                                   "FOR EACH ROW EXECUTE FUNCTION kapot()"))
    consumer = consumer_on(database, kafka_bootstrap, name, remember, f"g-{uuid.uuid4().hex[:6]}")
    task = asyncio.create_task(consumer.run())
    await asyncio.sleep(3)
    async with database.connect() as conn:
        assert await conn.scalar(sa.select(sa.func.count()).select_from(seen)) == 0
        assert await conn.scalar(sa.select(sa.func.count()).select_from(tables.processed_events)) == 0
    async with database.begin() as conn:
        await conn.execute(sa.text("DROP TRIGGER kapot ON verwerkingen"))
    try:
        await wait_until(lambda: consumer.processed >= 5, timeout=20)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await consumer.stop()
    async with database.connect() as conn:
        kept = (await conn.execute(sa.select(seen.c.vrij).order_by(seen.c.n))).scalars().all()
    assert kept == [0, 1, 2, 3, 4]


def test_the_fetch_wait_is_long_only_after_a_quiet_spell():
    now = [0.0]
    wait = IdleWait(10, 500, 2.0, monotonic=lambda: now[0])
    fetcher = type("Fetcher", (), {"_fetch_max_wait_ms": 10})()
    wait.attach(type("Consumer", (), {"_fetcher": fetcher})())
    wait.saw(0)
    assert fetcher._fetch_max_wait_ms == 10
    now[0] = 2.5
    wait.saw(0)
    assert fetcher._fetch_max_wait_ms == 500
    wait.saw(3)
    assert fetcher._fetch_max_wait_ms == 10


async def test_the_chain_made_at_commit_has_the_hash_the_python_check_computes(database):
    """The trigger completes the canonical JSON in SQL: non-ASCII text, nulls, several records in
    one transaction and two transactions after one another all verify."""
    sessions = db.session_factory(database)
    actor = Actor(sub="lokaal_team:wijkteam-ø", rol="lokaal_team",
                  organisatie="Wijkteam Kralingen–Crooswijk é ✓")
    for _ in range(2):
        async with sessions() as session, session.begin():
            await processing_log.append(session, processing_log.records(
                tijdstip=pinned().now(), actor=actor, activiteit="intake.melding-ontvangen.v1",
                subjects=[Betrokkene(kind_id=uuid.uuid4(), gezin_id=uuid.uuid4()), Betrokkene(gezin_id=None)],
                resource=("melding", "ß-1"), actie=UPDATE, uitkomst="ok"))
    async with sessions() as session:
        t = tables.verwerkingen
        rows = (await session.execute(sa.select(t).order_by(t.c.volgnummer))).all()
        check = await processing_log.verify(session)
    assert [r.volgnummer for r in rows] == [1, 2, 3, 4]
    assert all(r.hash == processing_log.chain_hash(r.vorige_hash, r._mapping) for r in rows)
    assert rows[0].vorige_hash == processing_log.GENESIS and rows[1].vorige_hash == rows[0].hash
    assert check.breuk is None and check.records == 4


class Deadlock(Exception):
    """As asyncpg raises it when PostgreSQL broke a deadlock by aborting this transaction."""

    sqlstate = "40P01"


async def test_a_batch_that_meets_a_deadlock_is_read_again_and_nothing_is_dead_lettered(
        database, kafka_bootstrap):
    """Two replicas' batches locking the same rows in another order: PostgreSQL aborts one. Its
    events are the moment's victims, not poison: the batch is read again, none is dead-lettered,
    however often it happens (more than the attempts an event gets)."""
    name = await topic(kafka_bootstrap)
    for vrij in range(5):
        await send(kafka_bootstrap, name, signal("JBRR", vrij), "JBRR")
    aborted = []

    async def victim(event: CapacitySignal, uow: UnitOfWork) -> None:
        if event.vrije_plaatsen == 2 and len(aborted) < 5:
            aborted.append(event.vrije_plaatsen)
            raise Deadlock("deadlock detected")
        await remember(event, uow)

    consumer = consumer_on(database, kafka_bootstrap, name, victim, f"g-{uuid.uuid4().hex[:6]}")
    await run_until(consumer, lambda: consumer.processed >= 5)
    async with database.connect() as conn:
        kept = (await conn.execute(sa.select(seen.c.vrij).order_by(seen.c.n))).scalars().all()
        letters = await conn.scalar(sa.select(sa.func.count()).select_from(tables.dead_letters))
    assert kept == [0, 1, 2, 3, 4] and letters == 0 and consumer.dead_lettered == 0
    assert len(aborted) == 5
