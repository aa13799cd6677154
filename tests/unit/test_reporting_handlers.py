"""Reporting's use cases through its message bus, over an in-memory unit of work (no database): the
rebuild's requests and records, and every event the KPIs are made from handed to the projection."""
import asyncio
from datetime import timedelta
from uuid import uuid4

import pytest

from contracts.events import event_class
from runtime.errors import Conflict, NotFound
from runtime.messagebus import MessageBus
from services.reporting.adapters import catalogus as catalogus_bron
from services.reporting.adapters.repository import HerberekeningRepository
from services.reporting.bootstrap import SPEC
from services.reporting.domain.commands import (
    ListHerberekeningen,
    ReadCatalogus,
    ReadHerberekening,
    RequestHerberekening,
)
from services.reporting.domain.minimalisatie import EVENT_TYPES
from services.reporting.service_layer import handlers, herberekening
from services.reporting.service_layer.rekenaar import Rekenaar
from services.reporting.service_layer.unit_of_work import ReportingUnitOfWork
from services.reporting.settings import ReportingSettings
from tests.clock import PINNED_NOW, pinned
from tests.fakes import InMemoryTransaction, bootstrap_test_bus

SESSIONS = object()  # the sessions the rebuild runs in, outside one unit of work
VERDELING = herberekening.Verdeling(2, "postgresql://reporting")
ACHTERGROND = herberekening.Achtergrond()  # where the instance keeps the rebuilds it runs


class FakeHerberekeningen(HerberekeningRepository):
    def __init__(self):
        super().__init__(None)
        self.rows: dict = {}

    async def nieuw(self, herberekening_id, *, vervangen, catalogus_versie, aangevraagd_op):
        self.rows[herberekening_id] = {"id": herberekening_id, "status": "bezig", "vervangen": vervangen,
                                       "catalogus_versie": catalogus_versie, "aangevraagd_op": aangevraagd_op}

    async def get(self, herberekening_id):
        return self.rows.get(herberekening_id)

    async def lijst(self, limit=50):
        return sorted(self.rows.values(), key=lambda r: r["aangevraagd_op"], reverse=True)[:limit]

    async def beurt(self):
        pass  # one request at a time: the test's own

    async def draait(self):
        return False  # no other replica runs one (tests/replicas has them)

    async def bezig_sinds(self, sinds):
        return any(r["status"] == "bezig" and r["aangevraagd_op"] >= sinds for r in self.rows.values())

    async def verlaten(self, voor, nu):
        left = [r for r in self.rows.values() if r["status"] == "bezig" and r["aangevraagd_op"] < voor]
        for r in left:
            r.update(status="mislukt", klaar_op=nu)
        return len(left)


class FakeReportingUnitOfWork(InMemoryTransaction, ReportingUnitOfWork):
    def __init__(self):
        super().__init__("reporting", ReportingSettings(), pinned())

    def bind(self, session) -> None:
        self.herberekeningen = FakeHerberekeningen()


def bus(uow: FakeReportingUnitOfWork) -> MessageBus:
    return bootstrap_test_bus(SPEC, uow, uow.settings, uow.clock, sessions=SESSIONS, verdeling=VERDELING,
                             achtergrond=ACHTERGROND, rekenaar=Rekenaar())


async def test_a_rebuild_is_recorded_and_started_with_the_services_sessions_and_workers(monkeypatch):
    started = []
    monkeypatch.setattr(herberekening, "start_op_achtergrond", lambda *args: started.append(args))
    uow = FakeReportingUnitOfWork()
    record = await bus(uow).handle(RequestHerberekening(vervangen=True))
    assert (record["status"], record["vervangen"], record["aangevraagd_op"]) == ("bezig", True, PINNED_NOW)
    assert record["catalogus_versie"] == catalogus_bron.actief().versie and uow.commits == 1
    assert started == [(SESSIONS, record["id"], True, uow.clock, VERDELING, ACHTERGROND)]
    assert await bus(uow).handle(ListHerberekeningen()) == [record]
    assert await bus(uow).handle(ReadHerberekening(record["id"])) == record


async def test_a_rebuild_is_refused_while_one_runs_or_is_about_to_at_any_instance(monkeypatch):
    """One rebuild per database, whichever instance is asked: refused while this instance runs one,
    while one asked for at another instance moments ago is about to start, and while another
    replica holds the rebuild lock. One recorded as running that nobody runs any more (its
    instance stopped: older than the start-up margin, the lock free) is recorded as failed."""
    gate, taken = asyncio.Event(), []

    async def voer_uit(*args, **kwargs):
        taken.append(asyncio.current_task())
        await gate.wait()  # and never records its outcome: as if its instance stopped

    monkeypatch.setattr(herberekening, "voer_uit", voer_uit)
    uow, achtergrond = FakeReportingUnitOfWork(), herberekening.Achtergrond()
    own = bootstrap_test_bus(SPEC, uow, uow.settings, uow.clock, sessions=SESSIONS, verdeling=VERDELING,
                             achtergrond=achtergrond, rekenaar=Rekenaar())
    first = await own.handle(RequestHerberekening(vervangen=False))
    await asyncio.sleep(0)  # the rebuild begins, and waits
    assert achtergrond and len(taken) == 1
    with pytest.raises(Conflict):
        await own.handle(RequestHerberekening(vervangen=False))
    other = bootstrap_test_bus(SPEC, uow, uow.settings, uow.clock, sessions=SESSIONS, verdeling=VERDELING,
                               achtergrond=herberekening.Achtergrond(), rekenaar=Rekenaar())
    monkeypatch.setattr(herberekening, "start_op_achtergrond", lambda *args: None)
    with pytest.raises(Conflict):  # asked for at the other instance a moment ago
        await other.handle(RequestHerberekening(vervangen=True))
    gate.set()
    await asyncio.gather(*taken)
    assert not achtergrond  # done here: no longer held

    uow.clock = pinned(moment=PINNED_NOW + herberekening.AANLOOP + timedelta(seconds=1))
    second = await other.handle(RequestHerberekening(vervangen=True))
    assert second["status"] == "bezig" and uow.herberekeningen.rows[first["id"]]["status"] == "mislukt"

    uow.clock = pinned(moment=PINNED_NOW + 3 * herberekening.AANLOOP)
    monkeypatch.setattr(FakeHerberekeningen, "draait", lambda self: _true())
    with pytest.raises(Conflict):  # another replica holds the rebuild lock
        await other.handle(RequestHerberekening(vervangen=False))
    assert uow.herberekeningen.rows[second["id"]]["status"] == "bezig"  # it runs: not left behind


async def _true() -> bool:
    return True


async def test_an_unknown_rebuild_is_not_found():
    with pytest.raises(NotFound):
        await bus(FakeReportingUnitOfWork()).handle(ReadHerberekening(uuid4()))


async def test_the_catalogue_is_read_through_the_bus():
    assert await bus(FakeReportingUnitOfWork()).handle(ReadCatalogus()) == catalogus_bron.actief().bron


def test_every_event_the_kpis_are_made_of_goes_to_the_one_projection():
    assert SPEC.events == {event_class(t): [handlers.on_event] for t in EVENT_TYPES}
    assert SPEC.handled_types == set(EVENT_TYPES)
