"""Capacity on real PostgreSQL: a consumer's batch handled straight through locks and reads the GIs'
figures once and inserts the events it publishes at its end in one statement, and its case
events leave the same figures, history and signals (in order) as each handled on its own."""
from uuid import uuid4

import pytest
import sqlalchemy as sa

from contracts.vocabulary import GI
from deploy.stack import database_url_for
from runtime import tables
from runtime.uow import Batch
from services.capacity.adapters import repository
from services.capacity.adapters.orm import capaciteit, capaciteit_historie
from services.capacity.bootstrap import SPEC
from services.capacity.domain.commands import ReportStaffing
from services.capacity.service_layer import handlers
from services.capacity.service_layer.unit_of_work import CapacityUnitOfWork
from services.capacity.settings import CapacitySettings
from tests.clock import pinned
from tests.infra import migrated_database
from tests.unit.test_capacity_handlers import WSS, assigned

pytestmark = pytest.mark.integration


@pytest.fixture
async def databases(database_server_url, database_prefix):
    """Two capacity databases: one handles the events one at a time, the other in one batch."""
    def url() -> str:
        return database_url_for(database_server_url, f"capacity_{uuid4().hex[:6]}", database_prefix)
    async with migrated_database(url(), SPEC.migrations) as alone, \
            migrated_database(url(), SPEC.migrations) as together:
        yield [alone, together]


def uow(sessions) -> CapacityUnitOfWork:
    return CapacityUnitOfWork(sessions, "capacity", settings=CapacitySettings(), clock=pinned())


async def state(sessions) -> tuple:
    async with sessions() as s:
        figures = (await s.execute(sa.select(capaciteit.c.gi, capaciteit.c.kinderen_in_zorg)
                                   .order_by(capaciteit.c.gi))).all()
        history = (await s.execute(sa.select(capaciteit_historie.c.gi, capaciteit_historie.c.vrije_plaatsen)
                                   .order_by(capaciteit_historie.c.id))).all()
        outbox = (await s.execute(sa.select(tables.outbox.c.event_type).order_by(tables.outbox.c.id))
                  ).scalars().all()
    return figures, history, outbox


async def test_a_batch_reads_the_figures_once_and_ends_as_one_event_at_a_time(databases, monkeypatch):
    alone, together = databases
    events = [assigned(kinderen=k) for k in (1, 2, 1, 3)]
    for sessions in databases:
        await handlers.report_staffing(ReportStaffing(WSS, GI.WSS, caseload_norm=2, jeugdbeschermers=4),
                                       uow(sessions), pinned())
    for event in events:
        await handlers.on_casus_assigned(event, uow(alone), pinned())

    reads = 0
    read = repository.CapaciteitRepository.vergrendel

    async def counted(self):
        nonlocal reads
        batch = getattr(self, "batch", None)
        reads += 0 if batch is not None and batch.figuren is not None else 1
        return await read(self)
    monkeypatch.setattr(repository.CapaciteitRepository, "vergrendel", counted)
    inserts = []

    def seen(conn, cursor, statement, *args):
        if statement.startswith("INSERT INTO outbox"):
            inserts.append(statement)
    sa.event.listen(together.kw["bind"].sync_engine, "before_cursor_execute", seen)
    async with together() as session, session.begin():
        batch = Batch(session, careful=False)
        for event in events:
            await handlers.on_casus_assigned(event, uow(together).consuming(None, batch), pinned())
        await batch.finish()
    sa.event.remove(together.kw["bind"].sync_engine, "before_cursor_execute", seen)
    assert reads == 1 and len(inserts) == 1  # the figures read once, the batch's signals in one insert

    figures, history, outbox = await state(together)
    assert dict(figures)["WSS"] == 7
    assert (figures, history, outbox) == await state(alone)
