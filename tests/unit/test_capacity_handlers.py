"""Capacity's use cases through its message bus, over an in-memory unit of work (no database, no
broker): staffing reports and case events change the GIs' figures and publish a signal only for a
visible change; the log rebuilds the live view; reads, the live stream's reads and the jobs."""
import itertools
from uuid import uuid4

import pytest

from contracts import Event
from contracts.events import CapacitySignal, CasusAssigned, CasusClosed, EscalationRaised, Kind
from contracts.vocabulary import GI
from runtime.errors import Forbidden
from runtime.identity import GI_ROL, Principal
from runtime.messagebus import MessageBus
from services.capacity.adapters.repository import (
    BevestigingRepository,
    CapaciteitRepository,
    EscalatieRepository,
    KennisgevingRepository,
    KinderenRepository,
    LogRepository,
)
from services.capacity.bootstrap import DEPENDENCIES, SPEC
from services.capacity.domain.commands import (
    ListEscalaties,
    ReadChangesAfter,
    ReadGiCapaciteit,
    ReadHistorie,
    ReadOverzicht,
    ReadSnapshot,
    RebuildFromLog,
    RebuildIfLost,
    ReportStaffing,
    UpdateWaitingDays,
)
from services.capacity.domain.model import GiCapaciteit, tel
from services.capacity.service_layer.unit_of_work import CapacityUnitOfWork
from services.capacity.service_layer.wijzigingen import WIJZIGINGEN
from services.capacity.settings import CapacitySettings
from tests.clock import PINNED_NOW, pinned
from tests.fakes import InMemoryTransaction, bootstrap_test_bus


class FakeCapaciteit(CapaciteitRepository):
    def __init__(self):
        super().__init__(None)
        self.figuren = {gi: GiCapaciteit(gi) for gi in GI}
        self.historie_rijen: list[tuple[int, GiCapaciteit, str]] = []
        self.ids = itertools.count(1)

    async def vergrendel(self):
        return dict(self.figuren)

    async def sla_bezetting_op(self, gi, bezetting):
        self.figuren[gi] = self.figuren[gi].met_bezetting(bezetting)

    async def sla_figuur_op(self, figuur, oorzaak):
        self.figuren[figuur.gi] = figuur
        self.historie_rijen.append((history_id := next(self.ids), figuur, oorzaak))
        return history_id

    async def all(self):
        return [self.figuren[gi] for gi in GI]

    async def historie(self, gi, limit):
        return [{"oorzaak": oorzaak, "vrije_plaatsen": f.vrije_plaatsen}
                for _, f, oorzaak in reversed(self.historie_rijen) if f.gi == gi][:limit]

    async def historie_na(self, na_id, limit):
        return [(i, f) for i, f, _ in self.historie_rijen if i > na_id][:limit]

    async def laatste_per_gi(self):
        latest = {f.gi: (i, f) for i, f, _ in self.historie_rijen}
        pairs = sorted(latest.values(), key=lambda pair: pair[0])
        return pairs, pairs[-1][0] if pairs else 0

    async def gemeld(self):
        return sum(f.caseload_norm >= 1 for f in self.figuren.values())


class FakeKinderen(KinderenRepository):
    def __init__(self):
        super().__init__(None)
        self.standen = {}

    async def get_many(self, keys):
        return {k: self.standen[k] for k in keys if k in self.standen}

    async def save(self, standen):
        self.standen.update({s.sleutel: s for s in standen})

    async def vervang(self, standen):
        self.standen = {s.sleutel: s for s in standen}

    async def all(self):
        return list(self.standen.values())

    async def aantal(self):
        return len(self.standen)

    async def tellingen(self, gis):
        counted = tel(self.standen.values())
        return {gi: counted[gi] for gi in gis if gi in counted}


class FakeLog(LogRepository):
    def __init__(self):
        super().__init__(None)
        self.entries = []

    async def event(self, event, event_id):
        self.entries.append(event)

    async def bezetting(self, gi, bezetting):
        self.entries.append((gi, bezetting))

    async def alles(self):
        return list(self.entries)

    async def aantal(self):
        return len(self.entries)


class FakeEscalaties(EscalatieRepository):
    def __init__(self):
        super().__init__(None)
        self.rows = {}

    async def open(self):
        return next((e for e in self.rows.values() if e.open), None)

    async def get(self, escalatie_id):
        return self.rows.get(escalatie_id)

    async def save(self, e):
        self.rows[e.id] = e

    async def lijst(self, status, limit):
        found = [e for e in self.rows.values() if status is None or e.open == (status == "open")]
        return sorted(found, key=lambda e: e.gestart_op, reverse=True)[:limit], len(found)


class FakeKennisgevingen(KennisgevingRepository):
    def __init__(self):
        super().__init__(None)
        self.rows: list = []
        self.ids = itertools.count(1)

    async def add(self, items):
        seen = {(k.escalatie_id, k.onderwerp, k.partij, k.kanaal) for k in self.rows}
        for k in items:
            if (k.escalatie_id, k.onderwerp, k.partij, k.kanaal) not in seen:
                k.id = next(self.ids)
                self.rows.append(k)

    async def voor(self, escalatie_id):
        return [k for k in self.rows if k.escalatie_id == escalatie_id]

    async def onderwerpen(self, escalatie_id):
        return {k.onderwerp for k in self.rows if k.escalatie_id == escalatie_id}

    async def claim_due(self, nu, limit):
        due = [k for k in self.rows if k.verzonden_op is None and k.volgende_poging_op is not None
               and k.volgende_poging_op <= nu]
        return due[:limit]

    async def save(self, items):
        pass  # the rows are the objects themselves


class FakeBevestigingen(BevestigingRepository):
    def __init__(self):
        super().__init__(None)
        self.rows: list = []

    async def voor(self, escalatie_id):
        return [b for b in self.rows if b.escalatie_id == escalatie_id]

    async def add(self, bevestiging):
        self.rows.append(bevestiging)


class FakeCapacityUnitOfWork(CapacityUnitOfWork, InMemoryTransaction):
    """The real unit of work's own steps (a visible change wakes the live streams at commit) over
    the in-memory transaction: so the real one comes first."""

    def __init__(self, settings: CapacitySettings | None = None):
        settings = settings or CapacitySettings()
        super().__init__("capacity", settings, pinned())
        self.drempels = settings.drempels()

    def bind(self, session) -> None:
        self.capaciteit, self.kinderen = FakeCapaciteit(), FakeKinderen()
        self.log, self.escalaties = FakeLog(), FakeEscalaties()
        self.kennisgevingen, self.bevestigingen = FakeKennisgevingen(), FakeBevestigingen()


def bus(uow: FakeCapacityUnitOfWork) -> MessageBus:
    return bootstrap_test_bus(SPEC, uow, uow.settings, uow.clock, **DEPENDENCIES)


WSS = Principal(sub="planner@WSS", rol=GI_ROL, organisatie="WSS")


def assigned(gi: GI = GI.WSS, kinderen: int = 1) -> CasusAssigned:
    return CasusAssigned(casus_id=uuid4(), melding_id=uuid4(), gezin_id=uuid4(), gemeente="GM0599", gi=gi,
                         doelgroep="grijs_gebied", maatregel="OTS", nieuwe_casus=True,
                         kinderen=[Kind(kind_id=uuid4(), leeftijd=8) for _ in range(kinderen)],
                         toegewezen_op=PINNED_NOW)


def signals(uow: FakeCapacityUnitOfWork) -> list[CapacitySignal]:
    return [e for e in uow.published if isinstance(e, CapacitySignal)]


async def staffed(uow: FakeCapacityUnitOfWork, jeugdbeschermers: int = 4, norm: int = 2) -> GiCapaciteit:
    return await bus(uow).handle(ReportStaffing(WSS, GI.WSS, caseload_norm=norm,
                                                jeugdbeschermers=jeugdbeschermers))


async def test_a_staffing_report_is_logged_and_published_once_it_changes_the_figure():
    uow = FakeCapacityUnitOfWork()
    figuur = await staffed(uow)
    assert (figuur.jeugdbeschermers, figuur.caseload_norm, figuur.vrije_plaatsen) == (4, 2, 8)
    [signal] = signals(uow)
    assert (signal.gi, signal.vrije_plaatsen) == (GI.WSS, 8)
    assert uow.log.entries == [(GI.WSS, figuur.bezetting)]
    await staffed(uow)  # the same staffing again: logged, but nothing visible changed
    assert len(signals(uow)) == 1 and len(uow.log.entries) == 2


async def test_another_gi_never_reports_the_staffing():
    uow = FakeCapacityUnitOfWork()
    other = Principal(sub="planner@JBRR", rol=GI_ROL, organisatie="JBRR")
    with pytest.raises(Forbidden):
        await bus(uow).handle(ReportStaffing(other, GI.WSS, caseload_norm=2, jeugdbeschermers=4))
    assert uow.log.entries == [] and uow.commits == 0


async def test_a_case_event_changes_the_gis_figure_and_a_redelivery_changes_nothing():
    uow = FakeCapacityUnitOfWork()
    await staffed(uow)
    event = assigned(kinderen=2)
    await bus(uow).handle(event)
    figuur = await bus(uow).handle(ReadGiCapaciteit(GI.WSS))
    assert (figuur.kinderen_in_zorg, figuur.vrije_plaatsen) == (2, 6)
    assert [s.vrije_plaatsen for s in signals(uow)] == [8, 6]
    await bus(uow).handle(event)
    assert len(signals(uow)) == 2 and (await bus(uow).handle(ReadGiCapaciteit(GI.WSS))).kinderen_in_zorg == 2
    await bus(uow).handle(CasusClosed(casus_id=event.casus_id, gezin_id=event.gezin_id, gemeente="GM0599",
                                      gi=GI.WSS, reden="einde_maatregel", kinderen=event.kinderen,
                                      gesloten_op=PINNED_NOW))
    assert (await bus(uow).handle(ReadGiCapaciteit(GI.WSS))).kinderen_in_zorg == 0


async def test_the_unit_of_work_publishes_the_domain_events_in_the_wire_contract():
    """The real unit of work comes first in the fake's order, so its publish translates here too."""
    uow = FakeCapacityUnitOfWork(CapacitySettings().model_copy(update={"escalatie_wachtend_max": 0}))
    await staffed(uow)
    await bus(uow).handle(assigned())
    assert uow.published and all(isinstance(e, Event) for e in uow.published)
    assert [type(e) for e in uow.published] == [CapacitySignal, CapacitySignal, EscalationRaised]
    assert all(isinstance(e, Event) for transaction in uow.transactions for e in transaction)


async def test_a_visible_change_wakes_the_live_streams_at_commit():
    uow = FakeCapacityUnitOfWork()
    before = WIJZIGINGEN.versie
    await staffed(uow)
    assert WIJZIGINGEN.versie == before + 1


async def test_the_overview_and_the_history_are_read_through_the_bus():
    uow = FakeCapacityUnitOfWork()
    await staffed(uow)
    overzicht = await bus(uow).handle(ReadOverzicht())
    assert [c.gi for c in overzicht] == list(GI) and sum(c.vrije_plaatsen for c in overzicht) == 8
    [regel] = await bus(uow).handle(ReadHistorie(GI.WSS, 10))
    assert regel == {"oorzaak": "bezetting gemeld", "vrije_plaatsen": 8}


async def test_the_live_stream_reads_a_snapshot_then_the_changes_after_it():
    uow = FakeCapacityUnitOfWork()
    await staffed(uow)
    latest, after, actueel = await bus(uow).handle(ReadSnapshot())
    assert [f.gi for _, f in latest] == [GI.WSS] and after == latest[-1][0]
    assert actueel == uow.actualiteit()
    await bus(uow).handle(assigned())
    changes, _ = await bus(uow).handle(ReadChangesAfter(after))
    assert [(f.gi, f.kinderen_in_zorg) for _, f in changes] == [(GI.WSS, 1)]


async def test_the_rebuild_agrees_with_the_live_view_and_restores_a_lost_one():
    uow = FakeCapacityUnitOfWork()
    await staffed(uow)
    await bus(uow).handle(assigned())
    result = await bus(uow).handle(RebuildFromLog())
    assert result["gelijk"] and result["gebeurtenissen"] == 2 and result["tijdstip"] == PINNED_NOW
    assert await bus(uow).handle(RebuildIfLost()) is False
    uow.kinderen.standen, uow.capaciteit.figuren = {}, {gi: GiCapaciteit(gi) for gi in GI}  # live state lost
    assert await bus(uow).handle(RebuildIfLost()) is True
    figuur = await bus(uow).handle(ReadGiCapaciteit(GI.WSS))
    assert (figuur.jeugdbeschermers, figuur.kinderen_in_zorg) == (4, 1)


async def test_waiting_days_are_recomputed_and_the_escalations_listed_at_the_clocks_moment():
    uow = FakeCapacityUnitOfWork(CapacitySettings().model_copy(update={"escalatie_wachtend_max": 0}))
    await bus(uow).handle(assigned())
    await bus(uow).handle(UpdateWaitingDays())
    items, total, nu = await bus(uow).handle(ListEscalaties())
    assert nu == PINNED_NOW and total == len(items) == len(uow.escalaties.rows) == 1  # one child waits
    open_items, _, _ = await bus(uow).handle(ListEscalaties("open"))
    assert all(e.open for e in open_items)

