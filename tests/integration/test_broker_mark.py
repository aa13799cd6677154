"""The broker's mark a service keeps in its database (runtime schema v6): its first start keeps the
broker's mark and heals nothing; a later start against the same broker heals nothing; a start
against a broker replaced meanwhile heals once and keeps the new mark. A database with history
from before v6 gets a mark no broker has, so its first start after the upgrade heals."""
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from deploy.stack import Broker, database_url_for, free_port
from runtime import db, migrations, tables
from runtime.broker_watch import BrokerWatch
from services.capacity.bootstrap import SPEC as CAPACITY
from tests.clock import running
from tests.integration.conftest import settings_for

pytestmark = pytest.mark.integration
SENT = datetime(2026, 11, 25, 11, 0, tzinfo=UTC)


async def _migrated(server_url: str, prefix: str, name: str):
    url = database_url_for(server_url, name, prefix)
    await db.ensure_database(url)
    engine = db.create_engine(url)
    await db.migrate(engine, CAPACITY.migrations)
    return engine


async def _kept(engine) -> list[tuple]:
    async with engine.connect() as conn:
        return [tuple(r) for r in (await conn.execute(
            sa.select(tables.broker_mark.c.mark, tables.broker_mark.c.seen_at))).all()]


@pytest.fixture
async def broker():
    broker = Broker(free_port())
    yield broker
    broker.stop()


async def _start(engine, bootstrap: str, server_url: str, prefix: str) -> tuple[BrokerWatch, list[str]]:
    """A watch as a starting service runs it: start, then catch up; the heals it did."""
    healed: list[str] = []

    async def heal() -> None:
        healed.append("healed")

    settings = settings_for("capacity", server_url, bootstrap, prefix)
    watch = BrokerWatch(settings, [heal], sessions=db.session_factory(engine), clock=running())
    try:
        await watch.start()
        assert await watch.catch_up() == bool(healed)
    finally:
        await watch.stop()
    return watch, healed


async def test_a_service_heals_at_start_only_after_the_broker_was_replaced(
        broker, database_server_url, database_prefix):
    engine = await _migrated(database_server_url, database_prefix, "mark_capacity")
    try:
        assert await _kept(engine) == []
        first, healed = await _start(engine, broker.bootstrap, database_server_url, database_prefix)
        assert healed == [] and first.heals == 0  # the first start ever
        [(mark, seen_at)] = await _kept(engine)
        assert mark == first.mark and seen_at is not None
        again, healed = await _start(engine, broker.bootstrap, database_server_url, database_prefix)
        assert healed == [] and again.mark == mark and await _kept(engine) == [(mark, seen_at)]
        broker.process = broker.lose().process  # replaced while the service was down
        later, healed = await _start(engine, broker.bootstrap, database_server_url, database_prefix)
        assert healed == ["healed"] and later.heals == 1 and later.mark != mark
        assert [m for m, _ in await _kept(engine)] == [later.mark]
    finally:
        await engine.dispose()


async def test_a_database_with_history_from_before_v6_gets_a_mark_no_broker_has(
        database_server_url, database_prefix):
    engine = await _migrated(database_server_url, database_prefix, "mark_upgrade")
    try:
        async with engine.begin() as conn:  # as it was before v6, with an event sent
            await conn.execute(sa.text("DROP TABLE broker_mark"))
            await conn.execute(sa.text(
                "INSERT INTO outbox (event_id, topic, key, event_type, subject, source, occurred_at, data, "
                "published_at) VALUES ('e1', 't', 'k', 'x', 's', 'test', :at, '{}', :at)"), {"at": SENT})

        def upgrade(connection) -> None:
            config = Config()
            config.set_main_option("script_location", str(CAPACITY.migrations))
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

        async with engine.begin() as conn:
            await conn.run_sync(upgrade)
        assert await _kept(engine) == [(migrations.MARK_BEFORE_V6, None)]
    finally:
        await engine.dispose()
