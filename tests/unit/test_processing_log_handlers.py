"""Which use case logs what (no database): every read and every change of a child's data in
intake, triage and caseregie gives one committed record per child, with the caller — or, for a
consumer or a job, the service itself — as the actor, the activity from the service's register,
the pseudonymous child and family and the resource; a read returns only once its records commit."""
from datetime import timedelta
from uuid import uuid4

import pytest

from contracts.events import Kind
from contracts.vocabulary import GI, Maatregel, OverdrachtReden, Sluitreden
from runtime.errors import NotFound
from runtime.identity import GI_ROL, RVDK, Principal
from runtime.processing_log import CREATE, READ, UPDATE, Betrokkene
from services.caseregie.adapters import verwerkingsactiviteiten as caseregie
from services.caseregie.domain.commands import (
    ApproveOverdracht,
    AssignJeugdbeschermer,
    CloseCasus,
    ListCasussen,
    ReadCasus,
    ReadOverdracht,
    ReadWachtlijst,
    RequestOverdracht,
)
from services.intake.adapters import verwerkingsactiviteiten as intake
from services.intake.domain.commands import FlagOverdueCompletions, ListMeldingen
from services.triage.adapters import verwerkingsactiviteiten as triage
from services.triage.domain.commands import ImposeMaatregel, OverrideAdvies, ReadAdvies
from services.triage.settings import TriageSettings
from tests.clock import PINNED_NOW
from tests.unit import (
    test_caseregie_access,
    test_caseregie_handlers,
    test_intake_handlers,
    test_triage_service,
)
from tests.unit.test_caseregie_handlers import bus as caseregie_bus
from tests.unit.test_intake_handlers import KEY, OTHER_TEAM, TEAM, bus, complete, read, receive, report
from tests.unit.test_intake_model import gegevens
from tests.unit.test_triage_service import FakeRepository, melding
from tests.unit.test_triage_service import bus as triage_bus


def spoedmelding() -> dict:
    return report(urgentie="spoed", zorgen=[])  # urgent and incomplete


RAAD = Principal(sub="raadsonderzoeker@RvdK", rol=RVDK, organisatie="RvdK")


class CommittedRecords:
    """A fake unit of work's records count only once committed, as in the real one."""

    def log_processing(self, **record):
        self.pending.append(record)

    async def commit(self):
        self.verwerkingen += self.pending
        self.pending = []
        await super().commit()


def summary(records: list[dict]) -> list[tuple]:
    return [(r["activity"].id, r["action"], r["resource"][0], r["actor"]) for r in records]


def subjects(records: list[dict]) -> list[Betrokkene]:
    return [s for r in records for s in r["subjects"]]


# --- intake -------------------------------------------------------------------------------------

class IntakeUnitOfWork(CommittedRecords, test_intake_handlers.FakeUnitOfWork):
    def __init__(self):
        super().__init__()
        self.pending: list = []


async def test_intake_logs_a_report_submitted_completed_read_and_listed_by_its_caller():
    uow = IntakeUnitOfWork()
    melding = await receive(uow, report(kinderen=("111222333", "123456782")))
    [created] = uow.verwerkingen
    assert summary([created]) == [(intake.MELDING_ONTVANGEN.id, CREATE, "melding", TEAM)]
    assert created["resource"] == ("melding", melding.id)
    assert created["subjects"] == [Betrokkene(kind_id=k.kind_id, gezin_id=melding.gezin_id)
                                   for k in melding.gezin.kinderen]
    assert len({s.kind_id for s in created["subjects"]}) == 2

    spoed = await receive(uow, spoedmelding())
    await complete(uow, spoed.id, {"zorgen": ["veiligheid"]})
    await read(uow, melding.id, by=TEAM)
    await bus(uow).handle(ListMeldingen(TEAM))
    assert summary(uow.verwerkingen[2:]) == [
        (intake.MELDING_AANVULLEN.id, UPDATE, "melding", TEAM),
        (intake.MELDING_INZIEN.id, READ, "melding", TEAM),
        (intake.MELDING_INZIEN.id, READ, "melding", TEAM), (intake.MELDING_INZIEN.id, READ, "melding", TEAM)]
    assert {r["resource"][1] for r in uow.verwerkingen[-2:]} == {melding.id, spoed.id}  # one per report
    assert uow.pending == []


async def test_intake_logs_nothing_for_a_report_the_caller_may_not_read():
    uow = IntakeUnitOfWork()
    melding = await receive(uow, report())
    with pytest.raises(NotFound):
        await read(uow, melding.id, by=OTHER_TEAM)
    assert await bus(uow).handle(ListMeldingen(OTHER_TEAM)) == ([], 0)
    assert len(uow.verwerkingen) == 1 and uow.pending == []


async def test_intake_logs_the_chain_and_the_deadline_job_as_itself():
    uow = IntakeUnitOfWork()
    melding = await receive(uow, report())
    await bus(uow).handle(test_intake_handlers.assigned(melding, uuid4()))
    spoed = await receive(uow, spoedmelding())
    uow.clock.advance(days=4)
    await bus(uow).handle(FlagOverdueCompletions())
    assert summary(uow.verwerkingen[1:2]) == [(intake.KETENVERLOOP_BIJWERKEN.id, UPDATE, "melding", None)]
    assert summary(uow.verwerkingen[3:]) == [(intake.AANVULTERMIJN_BEWAKEN.id, UPDATE, "melding", None)]
    assert uow.verwerkingen[3]["resource"] == ("melding", spoed.id)


async def test_a_read_whose_record_cannot_be_written_returns_nothing():
    class Broken(IntakeUnitOfWork):
        async def commit(self):
            raise ConnectionError("the processing log cannot be written")

    uow = Broken()
    melding = test_intake_handlers.Melding.receive(gegevens(report()), KEY, PINNED_NOW,
                                                   organisatie=TEAM.organisatie)
    await uow.meldingen.add(melding)
    with pytest.raises(ConnectionError):
        await read(uow, melding.id, by=TEAM)
    with pytest.raises(ConnectionError):
        await bus(uow).handle(ListMeldingen(TEAM))


# --- triage -------------------------------------------------------------------------------------

class Adviezen(FakeRepository):
    async def get_advies(self, advies_id, *, for_update=False):
        return self.adviezen.get(advies_id)

    async def save_advies(self, advies):
        self.adviezen[advies.id] = advies


class TriageUow(test_triage_service.FakeUnitOfWork):
    """The real unit of work's records (runtime.processing_log.Verwerking), kept at commit."""

    def __init__(self, settings=None):
        super().__init__(Adviezen(), settings)

    @property
    def committed(self) -> list:
        return self.verwerkingen


def triage_summary(uow: TriageUow) -> list[tuple]:
    return [(v.activiteit, v.actie, v.resource_type, v.actor.sub) for v in uow.committed]


async def test_triage_logs_its_triage_and_proposal_and_in_demo_mode_the_decisions_as_itself():
    uow = TriageUow()
    event = melding(kinderen=[Kind(kind_id=uuid4(), leeftijd=15), Kind(kind_id=uuid4(), leeftijd=9)])
    await triage_bus(uow).handle(event)
    assert sorted(set(triage_summary(uow))) == [(triage.ADVIES_VOORSTELLEN.id, CREATE, "advies", "triage"),
                                                (triage.DOELGROEP_BEPALEN.id, CREATE, "triage", "triage")]
    assert {(v.betrokkene.kind_id, v.betrokkene.gezin_id) for v in uow.committed} == {
        (k.kind_id, event.gezin_id) for k in event.kinderen}
    assert {v.actor.rol for v in uow.committed} == {"systeem"}

    demo = TriageUow(TriageSettings(auto_confirm=True))
    await triage_bus(demo).handle(melding())
    assert [a for a, *_ in triage_summary(demo)] == [
        triage.DOELGROEP_BEPALEN.id, triage.ADVIES_VOORSTELLEN.id, triage.ADVIES_VASTSTELLEN.id,
        triage.MAATREGEL_VASTLEGGEN.id]


async def test_triage_logs_the_rvdks_reads_and_decisions_with_the_rvdk_as_actor():
    uow = TriageUow()
    await triage_bus(uow).handle(melding())
    [advies] = uow.triage.adviezen.values()
    uow.committed.clear()
    await triage_bus(uow).handle(ReadAdvies(RAAD, advies.id))
    await triage_bus(uow).handle(OverrideAdvies(RAAD, advies.id, GI.JBRR, "Eerder contact"))
    await triage_bus(uow).handle(ImposeMaatregel(RAAD, advies.id, Maatregel.OTS, PINNED_NOW.date()))
    assert triage_summary(uow) == [(triage.ADVIES_INZIEN.id, READ, "advies", RAAD.sub),
                                   (triage.ADVIES_VASTSTELLEN.id, UPDATE, "advies", RAAD.sub),
                                   (triage.MAATREGEL_VASTLEGGEN.id, CREATE, "advies", RAAD.sub)]
    assert {(v.actor.rol, v.actor.organisatie, v.resource_id) for v in uow.committed} == {
        (RVDK, "RvdK", str(advies.id))}
    with pytest.raises(NotFound):
        await triage_bus(uow).handle(ReadAdvies(RAAD, uuid4()))
    assert len(uow.committed) == 3


# --- caseregie ----------------------------------------------------------------------------------

class CaseregieUow(CommittedRecords, test_caseregie_access.ScopedUnitOfWork):
    def __init__(self):
        super().__init__()
        self.pending: list = []


def gi(code: GI) -> Principal:
    return Principal(sub=f"systeem@{code}", rol=GI_ROL, organisatie=code)


async def case(uow: CaseregieUow, code: GI = GI.WSS, **changes):
    kinderen = [Kind(kind_id=uuid4(), leeftijd=6)]
    event = test_caseregie_handlers.maatregel(uuid4(), code, kinderen).model_copy(update=changes)
    await caseregie_bus(uow).handle(event)
    return next(c for c in uow.casussen.cases.values() if c.gezin_id == event.gezin_id), event


async def test_caseregie_logs_opening_and_joining_a_case_as_itself_for_the_measures_children():
    uow = CaseregieUow()
    casus, first = await case(uow)
    second = test_caseregie_handlers.maatregel(casus.gezin_id, GI.WSS, [Kind(kind_id=uuid4(), leeftijd=3)])
    await caseregie_bus(uow).handle(second)
    assert summary(uow.verwerkingen) == [(caseregie.CASUS_OPENEN.id, CREATE, "casus", None),
                                         (caseregie.CASUS_OPENEN.id, UPDATE, "casus", None)]
    assert [subjects([r]) for r in uow.verwerkingen] == [
        [Betrokkene(kind_id=first.kinderen[0].kind_id, gezin_id=casus.gezin_id)],
        [Betrokkene(kind_id=second.kinderen[0].kind_id, gezin_id=casus.gezin_id)]]


async def test_caseregie_logs_drang_limits_flagged_at_once():
    uow = CaseregieUow()
    casus, _ = await case(uow, maatregel=Maatregel.DRANG, route="jb_plein", raadsonderzoek=False,
                          startdatum=(test_caseregie_handlers.NOW - timedelta(days=200)).date())
    assert [r["activity"] for r in uow.verwerkingen] == [caseregie.CASUS_OPENEN, caseregie.DRANG_SIGNALEREN]
    assert uow.verwerkingen[1]["resource"] == ("casus", casus.id)


async def test_caseregie_logs_every_read_and_change_by_the_gi_and_its_managers():
    uow = CaseregieUow()
    casus, _ = await case(uow)
    other, _ = await case(uow)
    wss = gi(GI.WSS)
    uow.verwerkingen.clear()
    await caseregie_bus(uow).handle(ReadCasus(wss, casus.id))
    await caseregie_bus(uow).handle(ListCasussen(wss))
    await caseregie_bus(uow).handle(ReadWachtlijst(wss))
    await caseregie_bus(uow).handle(AssignJeugdbeschermer(wss, casus.id, "JB-1", "J. Bakker"))
    await caseregie_bus(uow).handle(CloseCasus(wss, other.id, Sluitreden.AFSCHALING))
    overdracht = await caseregie_bus(uow).handle(RequestOverdracht(wss, casus.id, GI.JBRR, "Verhuizing",
                                                                     OverdrachtReden.VERHUIZING))
    await caseregie_bus(uow).handle(ReadOverdracht(gi(GI.JBRR), casus.id, overdracht.id))
    for code in (GI.WSS, GI.JBRR):
        manager = test_caseregie_handlers.manager(code)
        await caseregie_bus(uow).handle(ApproveOverdracht(manager, casus.id, overdracht.id))
    assert [(a.split(".")[1], action, resource, actor.sub) for a, action, resource, actor in
            summary(uow.verwerkingen)] == [
        ("casus-inzien", READ, "casus", wss.sub),
        ("casus-inzien", READ, "casus", wss.sub), ("casus-inzien", READ, "casus", wss.sub),  # the list
        ("wachtlijst-inzien", READ, "casus", wss.sub), ("wachtlijst-inzien", READ, "casus", wss.sub),
        ("jeugdbeschermer-toewijzen", UPDATE, "casus", wss.sub),
        ("casus-afsluiten", UPDATE, "casus", wss.sub),
        ("overdracht-aanvragen", CREATE, "casus", wss.sub),
        ("overdracht-inzien", READ, "overdracht", "systeem@JBRR"),
        ("overdracht-beslissen", UPDATE, "overdracht", "manager@WSS"),
        ("overdracht-beslissen", UPDATE, "overdracht", "manager@JBRR")]
    assert {r["resource"][1] for r in uow.verwerkingen[-3:]} == {overdracht.id}
    assert uow.pending == []


async def test_caseregie_logs_nothing_for_another_gis_case():
    uow = CaseregieUow()
    casus, _ = await case(uow)
    uow.verwerkingen.clear()
    for attempt in (caseregie_bus(uow).handle(ReadCasus(gi(GI.LJR), casus.id)),
                    caseregie_bus(uow).handle(CloseCasus(gi(GI.LJR), casus.id, Sluitreden.AFSCHALING))):
        with pytest.raises(NotFound):
            await attempt
    assert uow.verwerkingen == [] and uow.pending == []
