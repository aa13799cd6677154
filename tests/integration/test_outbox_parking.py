"""Issue 9 §3, on a real database and broker: the outbox relay never stalls on an event it cannot
send. That event is parked with its reason, the events after it go out in order, and health says
`degraded`, naming it for operations; a republish tries it again once the cause is fixed.

Tansu takes records of any size (20 MB was accepted, and it ignores max.message.bytes), so the
refusals here come from the record limit in front of it: the relay's own (the setting
KAFKA_MAX_REQUEST_SIZE) and the Kafka producer's (1 MiB by default), as Apache Kafka's broker
would refuse a record over its message.max.bytes with the same MessageSizeTooLargeError."""
import uuid
from contextlib import asynccontextmanager

import httpx
import pytest
import sqlalchemy as sa

from runtime import db, tables
from runtime.db import drop_databases
from runtime.service import build_app
from services.intake.bootstrap import SPEC as INTAKE
from tests import identity
from tests.clock import running
from tests.infra import header, new_topic, read_topic, unique_prefix, wait_until
from tests.integration.conftest import settings_for

pytestmark = pytest.mark.integration
KiB, MiB = 1024, 1024 * 1024


@asynccontextmanager
async def intake(database_server_url, bootstrap, **settings):
    """intake alone, on its own database, with these settings."""
    prefix = unique_prefix()
    app = build_app(INTAKE, settings_for("intake", database_server_url, bootstrap, prefix, **settings),
                    clock=running())
    try:
        async with app.router.lifespan_context(app), httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://intake") as client:
            await wait_until(lambda: _status(client, 200), timeout=60)
            yield app.state.runtime, client
    finally:
        await drop_databases(database_server_url, prefix)


async def _status(client, code: int, headers=None) -> dict | None:
    response = await client.get("/v1/health", headers=headers or {})
    return response.json() if response.status_code == code else None


async def _add_events(runtime, topic: str, sizes: list[int]) -> list[str]:
    """Outbox rows on `topic`, all with one key (so their order matters), data of these sizes."""
    ids = [f"parking-{uuid.uuid4()}" for _ in sizes]
    now = runtime.clock.now()
    async with runtime.sessions() as session, session.begin():
        for event_id, size in zip(ids, sizes, strict=True):
            await session.execute(tables.outbox.insert().values(
                event_id=event_id, topic=topic, key="gezin-1", event_type="nl.jbketen.test.v1",
                subject="gezin-1", source="/test", occurred_at=now, data={"x": "a" * size}))
    runtime.relay.wake()
    return ids


async def _sent(bootstrap, topic: str) -> list[str]:
    return [header(r, "ce_id") for r in await read_topic(bootstrap, topic)]


async def _parked_only(runtime) -> bool:
    return await runtime.relay.backlog() == 0 and (await runtime.relay.parked())[0] >= 1


async def test_an_event_over_the_record_limit_is_parked_and_the_others_go_on_in_order(
        database_server_url, kafka_bootstrap):
    limit = {"kafka_max_request_size": 20 * KiB}
    async with intake(database_server_url, kafka_bootstrap, **limit) as (runtime, http):
        topic = await new_topic(kafka_bootstrap, "parking")
        first, too_large, third, fourth = await _add_events(runtime, topic, [100, 40 * KiB, 100, 100])
        await wait_until(lambda: _parked_only(runtime), timeout=20)
        assert await wait_until(lambda: _sent(kafka_bootstrap, topic)) == [first, third, fourth]

        report = await wait_until(lambda: _status(http, 200, identity.beheer()))
        assert report["status"] == "degraded" and report["outbox_parked"] == 1
        [parked] = report["parked_events"]
        assert (parked["event_id"], parked["topic"]) == (too_large, topic)
        assert "MessageSizeTooLargeError" in parked["reason"] and "20480" in parked["reason"]
        assert report["outbox_backlog"] == 0
        assert await _status(http, 200) == {"status": "degraded"}  # without a token: only the status

        # Later events are not held up either.
        [fifth] = await _add_events(runtime, topic, [100])
        await wait_until(lambda: _fifth_sent(kafka_bootstrap, topic, fifth))

        # The cause fixed (a larger limit), a republish tries the parked event again.
        runtime.relay.max_record_bytes = MiB
        r = await http.post("/v1/outbox/herpublicaties", json={}, headers=identity.beheer())
        assert r.status_code == 202, r.text
        await wait_until(lambda: _status(http, 200, identity.beheer()), timeout=20)
        healthy = await wait_until(lambda: _up(http))
        assert healthy["outbox_parked"] == 0 and healthy["parked_events"] == []
        assert too_large in await _sent(kafka_bootstrap, topic)


async def _fifth_sent(bootstrap, topic, fifth) -> bool:
    return (await _sent(bootstrap, topic))[-1:] == [fifth]


async def _up(http) -> dict | None:
    report = await _status(http, 200, identity.beheer())
    return report if report and report["status"] == "up" else None


async def test_an_event_the_kafka_producer_refuses_is_parked_with_the_producers_reason(
        database_server_url, kafka_bootstrap):
    # The relay's own limit above the producer's 1 MiB: the producer refuses the 2 MiB record.
    limit = {"kafka_max_request_size": 16 * MiB}
    async with intake(database_server_url, kafka_bootstrap, **limit) as (runtime, http):
        topic = await new_topic(kafka_bootstrap, "parking")
        first, refused, third = await _add_events(runtime, topic, [100, 2 * MiB, 100])
        await wait_until(lambda: _parked_only(runtime), timeout=20)
        assert await wait_until(lambda: _sent(kafka_bootstrap, topic)) == [first, third]
        report = await _status(http, 200, identity.beheer())
        assert report["status"] == "degraded"
        assert report["parked_events"][0]["event_id"] == refused
        assert "max_request_size" in report["parked_events"][0]["reason"]
        async with runtime.sessions() as session:
            row = (await session.execute(sa.select(tables.outbox).where(
                tables.outbox.c.event_id == refused))).one()
        assert row.published_at is None and row.parked_at is not None


async def test_a_database_at_runtime_schema_v1_gets_the_parking_columns_once(
        database_server_url, kafka_bootstrap):
    """A database at runtime schema v1 (every service's first migration) is brought to v2 when the
    service starts; starting again changes nothing."""
    async with intake(database_server_url, kafka_bootstrap) as (runtime, _):
        await db.migrate(runtime.engine, INTAKE.migrations)  # a second start
        async with runtime.engine.connect() as conn:
            columns = set((await conn.execute(sa.text(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'outbox'"))).scalars())
    assert {"parked_at", "park_reason", "published_at"} <= columns
