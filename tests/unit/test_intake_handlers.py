"""Intake's use cases over an in-memory unit of work: family matching across reports, re-reports,
urgent completion, the overdue job and case events, and who may touch which report. No database,
no broker."""
import copy
from datetime import datetime, timedelta
from uuid import UUID, uuid4

import pytest

from contracts.events import (
    CasusAssigned,
    CasusClosed,
    CasusTransferred,
    DrangOverdue,
    JeugdbeschermerAssigned,
    Kind,
    MeldingCompletionOverdue,
    MeldingReceived,
    WachtendKind,
)
from runtime.errors import Conflict, Forbidden, InvalidInput, NotFound
from runtime.identity import LOKAAL_TEAM, RVDK, VEILIG_THUIS, Principal
from runtime.messagebus import MessageBus
from services.intake.adapters.repository import GezinRepository, MeldingRepository
from services.intake.bootstrap import SPEC
from services.intake.domain.commands import (
    CompleteMelding,
    FlagOverdueCompletions,
    ListMeldingen,
    ReadMelding,
    ReceiveMelding,
)
from services.intake.domain.model import Melding
from services.intake.service_layer.unit_of_work import IntakeUnitOfWork
from services.intake.settings import IntakeSettings
from tests.clock import PINNED_NOW, pinned
from tests.fakes import InMemoryTransaction, bootstrap_test_bus
from tests.unit.test_intake_model import REPORT, aanvulling, gegevens

SETTINGS = IntakeSettings(pseudonym_key="q7N2vX9pL4mR8sT1wY6zB3cF5hJ0kD-_aEgUiOo")
KEY = SETTINGS.pseudonym_key.encode()
NO_TIME_TO_COMPLETE = SETTINGS.model_copy(update={"spoed_aanvultermijn_s": 0})
TEAM = Principal(sub="medewerker@WT-GM0599", rol=LOKAAL_TEAM, organisatie="WT-GM0599", gemeente="GM0599")
OTHER_TEAM = Principal(sub="medewerker@WT-GM0599-Noord", rol=LOKAAL_TEAM, organisatie="WT-GM0599-Noord",
                       gemeente="GM0599")
VEILIG_THUIS_RR = Principal(sub="medewerker@VT-RR", rol=VEILIG_THUIS, organisatie="VT-RR")
RAAD = Principal(sub="raadsonderzoeker@RvdK", rol=RVDK, organisatie="RvdK")


class FakeMeldingen(MeldingRepository):
    def __init__(self):
        super().__init__(None)
        self.rows: dict[UUID, Melding] = {}

    async def add(self, melding):
        self.rows[melding.id] = copy.deepcopy(melding)

    async def get(self, melding_id, *, scope=None, for_update=False):
        melding = self.rows.get(melding_id)
        if melding is None or (scope is not None and not scope.admits(melding)):
            return None
        return copy.deepcopy(melding)

    async def list(self, *, scope, gemeente, status, limit, offset):
        found = [m for m in self.rows.values() if scope.admits(m)
                 and gemeente in (None, m.gemeente) and status in (None, m.status)]
        return [copy.deepcopy(m) for m in found[offset:offset + limit]], len(found)

    async def by_casus(self, casus_id, *, for_update=False):
        return [copy.deepcopy(m) for m in self.rows.values() if m.casus_id == casus_id]

    async def overdue(self, now, limit):
        return [copy.deepcopy(m) for m in self.rows.values() if m.status == "incomplete"
                and m.te_laat_gesignaleerd_op is None and m.aanvullen_voor < now][:limit]

    async def save(self, melding):
        self.rows[melding.id] = copy.deepcopy(melding)


class FakeGezinnen(GezinRepository):
    def __init__(self):
        super().__init__(None)
        self.sleutels: dict[UUID, UUID] = {}
        self.gesloten: dict[UUID, datetime] = {}

    async def find(self, sleutels):
        return {k: self.sleutels[k] for k in sleutels if k in self.sleutels}

    async def link(self, sleutels, gezin_id, at):
        for k in sleutels:
            self.sleutels.setdefault(k, gezin_id)

    async def closed(self, gezin_id, at):
        self.gesloten[gezin_id] = max(at, self.gesloten.get(gezin_id, at))

    async def last_closed(self, gezin_id):
        return self.gesloten.get(gezin_id)


class FakeUnitOfWork(InMemoryTransaction, IntakeUnitOfWork):
    def __init__(self):
        super().__init__("intake", SETTINGS, pinned())

    def bind(self, session) -> None:  # once: one set of rows for the test's whole life
        self.meldingen, self.gezinnen = FakeMeldingen(), FakeGezinnen()


@pytest.fixture
def uow():
    return FakeUnitOfWork()


def report(kinderen=("111222333",), ouders=(), **changes) -> dict:
    r = copy.deepcopy(REPORT)
    r["gezin"]["kinderen"] = [{"voornaam": f"Kind{i}", "achternaam": "Jansen", "geboortedatum": "2016-04-12",
                               "bsn": bsn} for i, bsn in enumerate(kinderen)]
    r["gezin"]["ouders"] = [{"voornaam": "Kim", "achternaam": "Jansen", "bsn": bsn} for bsn in ouders]
    r.update(changes)
    return r


def bus(uow, settings: IntakeSettings = SETTINGS) -> MessageBus:
    return bootstrap_test_bus(SPEC, uow, settings, uow.clock)


async def receive(uow, r, by: Principal = TEAM, settings: IntakeSettings = SETTINGS) -> Melding:
    return await bus(uow, settings).handle(ReceiveMelding(by, gegevens(r)))


async def complete(uow, melding_id, parts: dict, by: Principal = TEAM) -> Melding:
    return await bus(uow).handle(CompleteMelding(by, melding_id, aanvulling(parts)))


async def read(uow, melding_id, by: Principal = TEAM) -> Melding:
    return await bus(uow).handle(ReadMelding(by, melding_id))


def received_events(uow) -> list[MeldingReceived]:
    return [e for e in uow.published if isinstance(e, MeldingReceived)]


async def test_siblings_reported_separately_with_the_same_parent_get_one_gezin_id(uow):
    sem = await receive(uow, report(kinderen=["111222333"], ouders=["123456782"]))
    noa = await receive(uow, report(kinderen=[None], ouders=["123456782"]))
    assert sem.gezin_id == noa.gezin_id
    assert [e.gezin_id for e in received_events(uow)] == [sem.gezin_id, sem.gezin_id]


async def test_the_same_child_reported_again_is_the_same_family(uow):
    first = await receive(uow, report(kinderen=["111222333"]))
    again = await receive(uow, report(kinderen=["111222333"], ouders=["123456782"]))
    later_via_parent = await receive(uow, report(kinderen=[None], ouders=["123456782"]))
    assert first.gezin_id == again.gezin_id == later_via_parent.gezin_id


async def test_unrelated_reports_are_different_families(uow):
    a = await receive(uow, report(kinderen=["111222333"], ouders=["123456782"]))
    b = await receive(uow, report(kinderen=["100000009"]))
    c = await receive(uow, report(kinderen=[None]))
    d = await receive(uow, report(kinderen=[None]))
    assert len({a.gezin_id, b.gezin_id, c.gezin_id, d.gezin_id}) == 4


async def test_re_report_within_12_months_of_the_familys_closure(uow):
    first = await receive(uow, report(ouders=["123456782"]))
    assert not first.herhaald_beroep
    # The family's case closed 200 days ago (a case intake has no report of: still remembered).
    await bus(uow).handle(closed(first.gezin_id, uuid4(), PINNED_NOW - timedelta(days=200)))
    again = await receive(uow, report(kinderen=[None], ouders=["123456782"]))
    assert again.gezin_id == first.gezin_id and again.herhaald_beroep
    assert received_events(uow)[-1].herhaald_beroep is True
    assert (await read(uow, again.id)).herhaald_beroep


async def test_no_re_report_after_12_months_or_for_another_family(uow):
    first = await receive(uow, report(ouders=["123456782"]))
    long_ago = PINNED_NOW - timedelta(days=400)
    await bus(uow).handle(closed(first.gezin_id, uuid4(), long_ago))
    again = await receive(uow, report(kinderen=[None], ouders=["123456782"]))
    other = await receive(uow, report(kinderen=["100000009"]))
    assert not again.herhaald_beroep and not other.herhaald_beroep


async def test_a_late_older_closure_does_not_replace_the_latest(uow):
    gezin_id = uuid4()
    recent = PINNED_NOW - timedelta(days=10)
    await bus(uow).handle(closed(gezin_id, uuid4(), recent))
    await bus(uow).handle(closed(gezin_id, uuid4(), recent - timedelta(days=500)))
    assert await uow.gezinnen.last_closed(gezin_id) == recent


async def test_incomplete_regular_report_stores_and_publishes_nothing(uow):
    with pytest.raises(InvalidInput):
        await receive(uow, report(zorgen=[]))
    assert uow.meldingen.rows == {} and uow.published == []


async def test_incomplete_urgent_report_is_stored_but_not_published_until_complete(uow):
    r = report(kinderen=[None], ouders=["123456782"], urgentie="spoed", zorgen=[])
    melding = await receive(uow, r)
    assert melding.status == "incomplete" and melding.ontbrekend == ["zorgen"]
    assert uow.published == []
    assert uow.gezinnen.sleutels == {}  # an unfinished report claims no family yet

    completed = await complete(uow, melding.id, {"zorgen": ["veiligheid"]})
    assert completed.status == "received"
    [event] = received_events(uow)
    assert event.melding_id == melding.id and event.ontvangen_op == melding.ontvangen_op
    assert (await read(uow, melding.id)).status == "received"


async def test_completion_matches_the_family_by_the_completed_data(uow):
    earlier = await receive(uow, report(kinderen=["111222333"], ouders=["123456782"]))
    spoed = await receive(uow, report(kinderen=[None], urgentie="spoed", zorgen=[]))
    assert spoed.gezin_id != earlier.gezin_id
    gezin = report(kinderen=["111222333"])["gezin"]
    completed = await complete(uow, spoed.id, {"gezin": gezin, "zorgen": ["veiligheid"]})
    assert completed.gezin_id == earlier.gezin_id
    assert received_events(uow)[-1].gezin_id == earlier.gezin_id


async def test_still_incomplete_after_completion_publishes_nothing(uow):
    r = report(urgentie="spoed", zorgen=[])
    r["gezin"]["kinderen"][0]["geboortedatum"] = None
    melding = await receive(uow, r)
    still = await complete(uow, melding.id, {"zorgen": ["veiligheid"]})
    assert still.status == "incomplete" and still.ontbrekend == ["gezin.kinderen[0].geboortedatum"]
    assert uow.published == []


async def test_completion_refusals(uow):
    done = await receive(uow, report())
    with pytest.raises(Conflict, match="already complete"):
        await complete(uow, done.id, {"zorgen": ["veiligheid"]})
    with pytest.raises(NotFound):
        await complete(uow, uuid4(), {"zorgen": ["veiligheid"]})
    late = await receive(uow, report(urgentie="spoed", zorgen=[]), settings=NO_TIME_TO_COMPLETE)
    uow.clock.advance(seconds=1)
    with pytest.raises(Conflict, match="deadline passed"):
        await complete(uow, late.id, {"zorgen": ["veiligheid"]})
    assert received_events(uow) == received_events(uow)[:1]  # only the complete report


async def test_overdue_job_flags_each_late_report_once(uow):
    late = await receive(uow, report(urgentie="spoed", zorgen=[]), settings=NO_TIME_TO_COMPLETE)
    in_time = await receive(uow, report(urgentie="spoed", zorgen=[]))
    uow.clock.advance(seconds=1)
    await bus(uow).handle(FlagOverdueCompletions())
    uow.clock.advance(minutes=1)
    await bus(uow).handle(FlagOverdueCompletions())
    [event] = [e for e in uow.published if isinstance(e, MeldingCompletionOverdue)]
    assert event.melding_id == late.id and event.ontbrekend == ["zorgen"]
    flagged = await read(uow, late.id)
    assert flagged.status == "incomplete" and flagged.stappen[-1].stap == "completion_overdue"
    assert (await read(uow, in_time.id)).stappen[-1].stap == "incomplete"


async def test_case_events_reach_every_report_of_the_case_and_unknown_cases_are_ignored(uow):
    sem = await receive(uow, report(kinderen=["111222333"], ouders=["123456782"]))
    noa = await receive(uow, report(kinderen=[None], ouders=["123456782"]))
    casus_id = uuid4()
    await bus(uow).handle(assigned(sem, casus_id))
    await bus(uow).handle(assigned(noa, casus_id, nieuwe_casus=False))
    now = PINNED_NOW
    kinderen = [Kind(kind_id=uuid4(), leeftijd=9)]
    await bus(uow).handle(JeugdbeschermerAssigned(
        casus_id=casus_id, gemeente="GM0599", gi="WSS", jeugdbeschermer_id="WSS-1",
        kinderen=[WachtendKind(kind_id=uuid4(), wachtdagen=3)], toegewezen_op=now))
    await bus(uow).handle(DrangOverdue(
        casus_id=casus_id, gemeente="GM0599", gi="WSS", termijn="6_maanden",
        startdatum=now.date(), gesignaleerd_op=now + timedelta(seconds=1)))
    await bus(uow).handle(CasusTransferred(
        casus_id=casus_id, overdracht_id=uuid4(), gemeente="GM0599", van_gi="WSS", naar_gi="JBRR",
        reden="verhuizing", categorie="verhuizing", kinderen=kinderen,
        overgedragen_op=now + timedelta(seconds=2)))
    for melding_id in (sem.id, noa.id):
        m = await read(uow, melding_id)
        assert m.status == "transferred" and m.toegewezen_gi == "JBRR" and m.jeugdbeschermer is None
        assert [s.stap for s in m.stappen] == ["received", "assigned", "protector", "drang_overdue",
                                               "transferred"]

    await bus(uow).handle(closed(sem.gezin_id, casus_id, now + timedelta(seconds=3)))
    for melding_id in (sem.id, noa.id):
        m = await read(uow, melding_id)
        assert m.status == "closed" and m.stappen[-1].details == {"reden": "afschaling"}
    assert await uow.gezinnen.last_closed(sem.gezin_id) == now + timedelta(seconds=3)

    before = copy.deepcopy(uow.meldingen.rows)
    await bus(uow).handle(CasusTransferred(
        casus_id=uuid4(), overdracht_id=uuid4(), gemeente="GM0599", van_gi="WSS", naar_gi="LJR",
        reden="x", categorie="overig", kinderen=kinderen, overgedragen_op=now))  # another family's case
    assert uow.meldingen.rows == before


async def test_an_event_for_an_unknown_report_is_not_found(uow):
    with pytest.raises(NotFound):
        await bus(uow).handle(assigned(Melding.receive(gegevens(REPORT), KEY, PINNED_NOW), uuid4()))


def assigned(melding: Melding, casus_id: UUID, nieuwe_casus: bool = True) -> CasusAssigned:
    return CasusAssigned(casus_id=casus_id, melding_id=melding.id, gezin_id=melding.gezin_id,
                         gemeente="GM0599", gi="WSS", doelgroep="lvb", maatregel="OTS",
                         nieuwe_casus=nieuwe_casus, kinderen=[Kind(kind_id=uuid4(), leeftijd=9)],
                         toegewezen_op=PINNED_NOW)


def closed(gezin_id: UUID, casus_id: UUID, at: datetime) -> CasusClosed:
    return CasusClosed(casus_id=casus_id, gezin_id=gezin_id, gemeente="GM0599", gi="WSS",
                       reden="afschaling", kinderen=[Kind(kind_id=uuid4(), leeftijd=9)], gesloten_op=at)


# --- who may touch which report ------------------------------------------------------------------

async def test_a_report_belongs_to_the_submitting_organisation_and_person(uow):
    melding = await receive(uow, report())
    stored = uow.meldingen.rows[melding.id]
    assert (stored.organisatie, stored.ingediend_door) == ("WT-GM0599", "medewerker@WT-GM0599")
    by_vt = await receive(uow, report(gemeente="GM0606"), by=VEILIG_THUIS_RR)
    assert (uow.meldingen.rows[by_vt.id].organisatie, by_vt.ingediend_door) == ("VT-RR", "medewerker@VT-RR")


async def test_a_local_team_reports_only_for_its_own_municipality_and_nothing_is_stored(uow):
    with pytest.raises(Forbidden) as refused:
        await receive(uow, report(gemeente="GM0363"))
    assert refused.value.field == "gemeente"
    assert uow.meldingen.rows == {} and uow.published == []


async def test_only_local_teams_and_veilig_thuis_submit(uow):
    with pytest.raises(Forbidden):
        await receive(uow, report(), by=RAAD)
    assert uow.meldingen.rows == {}


async def test_another_team_neither_reads_nor_completes_the_report(uow):
    spoed = await receive(uow, report(urgentie="spoed", zorgen=[]))
    for other in (OTHER_TEAM, VEILIG_THUIS_RR):
        with pytest.raises(NotFound):
            await read(uow, spoed.id, by=other)
        with pytest.raises(NotFound):
            await complete(uow, spoed.id, {"zorgen": ["veiligheid"]}, by=other)
    assert uow.meldingen.rows[spoed.id].status == "incomplete" and uow.published == []
    assert (await complete(uow, spoed.id, {"zorgen": ["veiligheid"]})).status == "received"


async def test_the_rvdk_reads_a_report_once_it_is_referred_and_never_completes_one(uow):
    spoed = await receive(uow, report(urgentie="spoed", zorgen=[]))
    with pytest.raises(NotFound):
        await read(uow, spoed.id, by=RAAD)
    with pytest.raises(Forbidden):
        await complete(uow, spoed.id, {"zorgen": ["veiligheid"]}, by=RAAD)
    await complete(uow, spoed.id, {"zorgen": ["veiligheid"]})
    assert (await read(uow, spoed.id, by=RAAD)).status == "received"


async def test_the_list_holds_only_what_the_caller_may_read(uow):
    own = await receive(uow, report())
    own_spoed = await receive(uow, report(urgentie="spoed", zorgen=[]))
    theirs = await receive(uow, report(), by=OTHER_TEAM)
    vt = await receive(uow, report(gemeente="GM0606"), by=VEILIG_THUIS_RR)

    async def ids(by, **filters):
        items, total = await bus(uow).handle(ListMeldingen(by, **filters))
        assert total == len(items)
        return {m.id for m in items}
    assert await ids(TEAM) == {own.id, own_spoed.id}
    assert await ids(TEAM, status="incomplete") == {own_spoed.id}
    assert await ids(OTHER_TEAM) == {theirs.id}
    assert await ids(VEILIG_THUIS_RR) == {vt.id}
    assert await ids(RAAD) == {own.id, theirs.id, vt.id}
    assert await ids(RAAD, gemeente="GM0606") == {vt.id}
