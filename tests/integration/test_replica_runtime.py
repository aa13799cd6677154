"""Issue 14 §1, the runtime's part, on a real database and broker: two replicas of a service over
one database. Their outbox relays never send a row twice or out of order, nor stall each other;
a periodic job runs once per interval across them, and moves to the other replica when the one
that ran it is gone."""
import asyncio
import dataclasses
import itertools
import uuid
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta

import asyncpg
import pytest

from runtime import leases, tables
from runtime.db import drop_databases
from runtime.outbox import RELAY_LOCK
from runtime.service import build_app, every
from services.intake.bootstrap import SPEC as INTAKE
from tests.clock import running
from tests.infra import header, new_topic, read_topic, unique_prefix, wait_until
from tests.integration.conftest import settings_for

pytestmark = pytest.mark.integration


@asynccontextmanager
async def replicas(database_server_url, bootstrap, n: int = 2, **settings):
    """`n` intake runtimes on one database (one prefix), as replicas are."""
    prefix = unique_prefix()
    try:
        async with AsyncExitStack() as stack:
            runtimes = []
            for _ in range(n):
                app = build_app(INTAKE, settings_for("intake", database_server_url, bootstrap, prefix,
                                                     **settings), clock=running())
                await stack.enter_async_context(app.router.lifespan_context(app))
                runtimes.append(app.state.runtime)
            yield runtimes
    finally:
        await drop_databases(database_server_url, prefix)


async def _add(runtime, topic: str, count: int, keys: int = 3) -> list[str]:
    """`count` outbox rows in one transaction, their keys taking turns (order matters per key)."""
    ids = [f"replica-{uuid.uuid4()}" for _ in range(count)]
    now = runtime.clock.now()
    async with runtime.sessions() as session, session.begin():
        await session.execute(tables.outbox.insert(), [
            dict(event_id=event_id, topic=topic, key=f"gezin-{i % keys}", event_type="nl.jbketen.test.v1",
                 subject=f"gezin-{i % keys}", source="/test", occurred_at=now, data={"i": i})
            for i, event_id in enumerate(ids)])
    return ids


async def test_two_relays_send_every_row_once_in_order(database_server_url, kafka_bootstrap):
    topic = await new_topic(kafka_bootstrap, "replicas")
    async with replicas(database_server_url, kafka_bootstrap, outbox_batch_size=7) as (one, two):
        expected = []
        for round_ in range(6):  # rows committed through both replicas, both relays woken at once
            expected += await _add(one if round_ % 2 else two, topic, 60)
            one.relay.wake(), two.relay.wake()
            await asyncio.sleep(0.05)
        await wait_until(lambda: _all_sent(one), timeout=60)
        sent = [header(r, "ce_id") for r in await read_topic(kafka_bootstrap, topic)]
    assert len(sent) == len(set(sent)) == len(expected)  # none twice, none lost
    assert sent == expected  # one partition: the broker's order is the outbox's


async def _all_sent(runtime) -> bool:
    return await runtime.relay.backlog() == 0


async def test_a_periodic_job_runs_once_per_interval_across_replicas(database_server_url, kafka_bootstrap):
    async with replicas(database_server_url, kafka_bootstrap) as runtimes:
        runs: list[tuple[int, float]] = []

        def task_of(replica: int):
            async def tick(runtime) -> None:
                runs.append((replica, asyncio.get_running_loop().time()))
            tick.__name__ = "replica_test_tick"
            return tick

        interval = 0.2
        for runtime in runtimes:
            runtime.settings.outbox_poll_interval_s = interval
        jobs = [asyncio.create_task(every("outbox_poll_interval_s", task_of(i))(r))
                for i, r in enumerate(runtimes)]
        await asyncio.sleep(3)
        both = list(runs)
        holder = both[-1][0]
        jobs[holder].cancel()  # the replica that runs it is gone
        await asyncio.sleep(2)
        jobs[1 - holder].cancel()
        await asyncio.gather(*jobs, return_exceptions=True)
        lease = await leases.holders(runtimes[0].sessions)
    starts = [t for _, t in both]
    assert 8 <= len(both) <= 16  # ~15 intervals in 3 s, one run each (not two)
    assert min(b - a for a, b in itertools.pairwise(starts)) >= interval * 0.85
    after = runs[len(both):]
    assert after and {replica for replica, _ in after} == {1 - holder}  # taken over
    assert "replica_test_tick" in lease


async def test_only_one_of_replicas_claiming_at_once_wins(database_server_url, kafka_bootstrap):
    async with replicas(database_server_url, kafka_bootstrap, n=1) as (runtime,):
        now = runtime.clock.now()
        won = await asyncio.gather(*(leases.claim(runtime.sessions, "claim-race", now, 60, holder=f"r{i}")
                                     for i in range(8)))
        assert sum(won) == 1
        assert not await leases.claim(runtime.sessions, "claim-race", now, 60, holder="late")
        assert await leases.claim(runtime.sessions, "claim-race", now + timedelta(seconds=60), 60,
                                  holder="next")


async def test_a_job_woken_by_a_commit_runs_at_once_and_otherwise_at_its_interval(
    database_server_url, kafka_bootstrap
):
    """A job `woken_by` a key runs as soon as a unit of work of its process committed work for it
    (without waiting for its interval, and without its lease), or when a retry comes due; not when
    the unit of work is rolled back."""
    async with replicas(database_server_url, kafka_bootstrap, n=1) as (runtime,):
        runs: list[float] = []

        async def send_queued(_runtime) -> None:
            runs.append(asyncio.get_running_loop().time())

        runtime.settings.outbox_poll_interval_s = 60  # the job's interval: far beyond the test
        job = asyncio.create_task(every("outbox_poll_interval_s", send_queued, woken_by="queued")(runtime))
        try:
            await wait_until(lambda: len(runs) == 1)  # its first run, at the start
            async with runtime.uow() as uow:
                uow.wake_after_commit("queued")
            await asyncio.sleep(0.3)
            assert len(runs) == 1  # not committed: not woken
            started = asyncio.get_running_loop().time()
            async with runtime.uow() as uow:
                uow.wake_after_commit("queued")
                await uow.commit()
            await wait_until(lambda: len(runs) == 2, timeout=2)
            assert runs[1] - started < 0.5
            async with runtime.uow() as uow:  # a retry due in 0.4 s
                uow.wake_after_commit("queued", at=runtime.clock.now() + timedelta(seconds=0.4))
                await uow.commit()
            await asyncio.sleep(0.2)
            assert len(runs) == 2
            await wait_until(lambda: len(runs) == 3, timeout=2)
        finally:
            job.cancel()
            await asyncio.gather(job, return_exceptions=True)


async def test_while_another_holds_the_relay_lease_nothing_is_taken_and_then_all_goes(
    database_server_url, kafka_bootstrap
):
    """The relay takes events only while it holds the database's relay lease (one statement takes
    the lease and the events): held elsewhere, a cycle takes and marks nothing."""
    topic = await new_topic(kafka_bootstrap, "replicas")
    async with replicas(database_server_url, kafka_bootstrap, n=1) as (runtime,):
        url = runtime.settings.database_url.replace("postgresql+asyncpg://", "postgresql://")
        other = await asyncpg.connect(url)
        try:
            await other.execute("SELECT pg_advisory_lock($1)", RELAY_LOCK)  # another replica's relay
            ids = await _add(runtime, topic, 5)
            runtime.relay.wake()
            assert await runtime.relay.publish_pending() is None
            await asyncio.sleep(0.3)
            assert await runtime.relay.backlog() == 5  # none taken, none marked sent
            await other.execute("SELECT pg_advisory_unlock($1)", RELAY_LOCK)
            await wait_until(lambda: _all_sent(runtime), timeout=10)
        finally:
            await other.close()
        sent = [header(r, "ce_id") for r in await read_topic(kafka_bootstrap, topic)]
    assert sorted(sent) == sorted(ids)


class _Proces:
    """A dependency holding something to stop (as reporting's KPI worker process)."""

    def __init__(self):
        self.gesloten = 0

    def close(self) -> None:
        self.gesloten += 1


async def test_a_services_own_dependencies_are_closed_when_it_stops_and_a_class_is_left_alone(
    database_server_url, kafka_bootstrap
):
    werk = _Proces()
    spec = dataclasses.replace(INTAKE, dependencies=lambda runtime: {"werk": werk, "fabriek": _Proces})
    prefix = unique_prefix()
    try:
        app = build_app(spec, settings_for("intake", database_server_url, kafka_bootstrap, prefix),
                        clock=running())
        async with app.router.lifespan_context(app):
            assert werk.gesloten == 0
        assert werk.gesloten == 1  # and the class handed over as a factory was not called unbound
    finally:
        await drop_databases(database_server_url, prefix)
