"""Which use case logs what (no database): every read and every change of a child's data in
intake, triage and caseregie gives one committed record per child, with the caller — or, for a
consumer or a job, the service itself — as the actor, the activity from the service's register,
the pseudonymous child and family and the resource; a read returns only once its records commit."""
from datetime import timedelta
from uuid import UUID, uuid4

import pytest

from contracts.events import Kind
from contracts.vocabulary import GI, Maatregel, OverdrachtReden, Sluitreden
from runtime.errors import NotFound
from runtime.identity import GI_ROL, RVDK, Principal
from runtime.processing_log import CREATE, READ, UPDATE, Betrokkene
from services.caseregie.adapters import verwerkingsactiviteiten as caseregie
from services.caseregie.service_layer import handlers as caseregie_handlers
from services.intake.adapters import verwerkingsactiviteiten as intake
from services.intake.service_layer import handlers as intake_handlers
from services.triage.adapters import verwerkingsactiviteiten as triage
from services.triage.service_layer import handlers as triage_handlers
from services.triage.service_layer.unit_of_work import TriageUnitOfWork
from services.triage.settings import TriageSettings
from tests.clock import PINNED_NOW, pinned
from tests.unit import test_caseregie_access, test_caseregie_handlers, test_intake_handlers
from tests.unit.test_intake_handlers import KEY, OTHER_TEAM, TEAM, TERMIJN, report
from tests.unit.test_triage_service import FakeRepository, melding


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
    melding = await intake_handlers.receive_melding(TEAM, report(kinderen=("111222333", "123456782")),
                                                    KEY, TERMIJN, uow)
    [created] = uow.verwerkingen
    assert summary([created]) == [(intake.MELDING_ONTVANGEN.id, CREATE, "melding", TEAM)]
    assert created["resource"] == ("melding", melding.id)
    assert created["subjects"] == [Betrokkene(kind_id=UUID(k["kind_id"]), gezin_id=melding.gezin_id)
                                   for k in melding.gezin["kinderen"]]
    assert len({s.kind_id for s in created["subjects"]}) == 2

    spoed = await intake_handlers.receive_melding(TEAM, spoedmelding(), KEY, TERMIJN, uow)
    await intake_handlers.complete_melding(TEAM, spoed.id, {"zorgen": ["veiligheid"]}, KEY, uow)
    await intake_handlers.get_melding(TEAM, melding.id, uow)
    await intake_handlers.list_meldingen(TEAM, uow, gemeente=None, status=None, limit=50, offset=0)
    assert summary(uow.verwerkingen[2:]) == [
        (intake.MELDING_AANVULLEN.id, UPDATE, "melding", TEAM),
        (intake.MELDING_INZIEN.id, READ, "melding", TEAM),
        (intake.MELDING_INZIEN.id, READ, "melding", TEAM), (intake.MELDING_INZIEN.id, READ, "melding", TEAM)]
    assert {r["resource"][1] for r in uow.verwerkingen[-2:]} == {melding.id, spoed.id}  # one per report
    assert uow.pending == []


async def test_intake_logs_nothing_for_a_report_the_caller_may_not_read():
    uow = IntakeUnitOfWork()
    melding = await intake_handlers.receive_melding(TEAM, report(), KEY, TERMIJN, uow)
    with pytest.raises(NotFound):
        await intake_handlers.get_melding(OTHER_TEAM, melding.id, uow)
    assert await intake_handlers.list_meldingen(OTHER_TEAM, uow, gemeente=None, status=None, limit=50,
                                                offset=0) == ([], 0)
    assert len(uow.verwerkingen) == 1 and uow.pending == []


async def test_intake_logs_the_chain_and_the_deadline_job_as_itself():
    uow = IntakeUnitOfWork()
    melding = await intake_handlers.receive_melding(TEAM, report(), KEY, TERMIJN, uow)
    await intake_handlers.on_casus_assigned(test_intake_handlers.assigned(melding, uuid4()), uow)
    spoed = await intake_handlers.receive_melding(TEAM, spoedmelding(), KEY, TERMIJN, uow)
    uow.clock.advance(days=4)
    await intake_handlers.flag_overdue_completions(uow)
    assert summary(uow.verwerkingen[1:2]) == [(intake.KETENVERLOOP_BIJWERKEN.id, UPDATE, "melding", None)]
    assert summary(uow.verwerkingen[3:]) == [(intake.AANVULTERMIJN_BEWAKEN.id, UPDATE, "melding", None)]
    assert uow.verwerkingen[3]["resource"] == ("melding", spoed.id)


async def test_a_read_whose_record_cannot_be_written_returns_nothing():
    class Broken(IntakeUnitOfWork):
        async def commit(self):
            raise ConnectionError("the processing log cannot be written")

    uow = Broken()
    melding = test_intake_handlers.Melding.receive(report(), KEY, PINNED_NOW, organisatie=TEAM.organisatie)
    await uow.meldingen.add(melding)
    with pytest.raises(ConnectionError):
        await intake_handlers.get_melding(TEAM, melding.id, uow)
    with pytest.raises(ConnectionError):
        await intake_handlers.list_meldingen(TEAM, uow, gemeente=None, status=None, limit=50, offset=0)


# --- triage -------------------------------------------------------------------------------------

class Adviezen(FakeRepository):
    async def get_advies(self, advies_id, *, for_update=False):
        return self.adviezen.get(advies_id)

    async def save_advies(self, advies):
        self.adviezen[advies.id] = advies


class TriageUow(TriageUnitOfWork):
    """The real unit of work's records (runtime.processing_log.Verwerking), kept at commit."""

    def __init__(self, settings=None):
        super().__init__(None, "triage", settings=settings, clock=pinned())
        self.triage = Adviezen()
        self.committed: list = []

    async def __aenter__(self):
        self._pending, self._verwerkingen = [], []
        return self

    async def __aexit__(self, *exc):
        self._pending = []

    async def commit(self):
        self.committed += self._verwerkingen
        self._pending, self._verwerkingen = [], []


def triage_summary(uow: TriageUow) -> list[tuple]:
    return [(v.activiteit, v.actie, v.resource_type, v.actor.sub) for v in uow.committed]


async def test_triage_logs_its_triage_and_proposal_and_in_demo_mode_the_decisions_as_itself():
    uow = TriageUow()
    event = melding(kinderen=[Kind(kind_id=uuid4(), leeftijd=15), Kind(kind_id=uuid4(), leeftijd=9)])
    await triage_handlers.on_melding_received(event, uow)
    assert sorted(set(triage_summary(uow))) == [(triage.ADVIES_VOORSTELLEN.id, CREATE, "advies", "triage"),
                                                (triage.DOELGROEP_BEPALEN.id, CREATE, "triage", "triage")]
    assert {(v.betrokkene.kind_id, v.betrokkene.gezin_id) for v in uow.committed} == {
        (k.kind_id, event.gezin_id) for k in event.kinderen}
    assert {v.actor.rol for v in uow.committed} == {"systeem"}

    demo = TriageUow(TriageSettings(auto_confirm=True))
    await triage_handlers.on_melding_received(melding(), demo)
    assert [a for a, *_ in triage_summary(demo)] == [
        triage.DOELGROEP_BEPALEN.id, triage.ADVIES_VOORSTELLEN.id, triage.ADVIES_VASTSTELLEN.id,
        triage.MAATREGEL_VASTLEGGEN.id]


async def test_triage_logs_the_rvdks_reads_and_decisions_with_the_rvdk_as_actor():
    uow = TriageUow()
    await triage_handlers.on_melding_received(melding(), uow)
    [advies] = uow.triage.adviezen.values()
    uow.committed.clear()
    await triage_handlers.get_advies(advies.id, uow, actor=RAAD)
    await triage_handlers.override_advies(advies.id, GI.JBRR, "Eerder contact", uow, actor=RAAD)
    await triage_handlers.impose_maatregel(advies.id, Maatregel.OTS, PINNED_NOW.date(), None, None, uow,
                                           actor=RAAD)
    assert triage_summary(uow) == [(triage.ADVIES_INZIEN.id, READ, "advies", RAAD.sub),
                                   (triage.ADVIES_VASTSTELLEN.id, UPDATE, "advies", RAAD.sub),
                                   (triage.MAATREGEL_VASTLEGGEN.id, CREATE, "advies", RAAD.sub)]
    assert {(v.actor.rol, v.actor.organisatie, v.resource_id) for v in uow.committed} == {
        (RVDK, "RvdK", str(advies.id))}
    with pytest.raises(NotFound):
        await triage_handlers.get_advies(uuid4(), uow, actor=RAAD)
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
    await caseregie_handlers.on_maatregel_imposed(event, uow)
    return next(c for c in uow.casussen.cases.values() if c.gezin_id == event.gezin_id), event


async def test_caseregie_logs_opening_and_joining_a_case_as_itself_for_the_measures_children():
    uow = CaseregieUow()
    casus, first = await case(uow)
    second = test_caseregie_handlers.maatregel(casus.gezin_id, GI.WSS, [Kind(kind_id=uuid4(), leeftijd=3)])
    await caseregie_handlers.on_maatregel_imposed(second, uow)
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
    await caseregie_handlers.get_casus(casus.id, uow, wss)
    await caseregie_handlers.list_casussen(uow, wss, status=None, gemeente=None, wachtend=None, limit=50,
                                           offset=0)
    await caseregie_handlers.wachtlijst(uow, wss, gemeente=None, limit=50, offset=0)
    await caseregie_handlers.assign_jeugdbeschermer(casus.id, wss, "JB-1", "J. Bakker", uow)
    await caseregie_handlers.close_casus(other.id, wss, Sluitreden.AFSCHALING, None, uow)
    overdracht = await caseregie_handlers.request_overdracht(casus.id, wss, GI.JBRR, "Verhuizing",
                                                             OverdrachtReden.VERHUIZING, uow)
    await caseregie_handlers.get_overdracht(casus.id, overdracht.id, uow, gi(GI.JBRR))
    for code in (GI.WSS, GI.JBRR):
        manager = test_caseregie_handlers.manager(code)
        await caseregie_handlers.approve_overdracht(casus.id, overdracht.id, manager, uow)
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
    for attempt in (caseregie_handlers.get_casus(casus.id, uow, gi(GI.LJR)),
                    caseregie_handlers.close_casus(casus.id, gi(GI.LJR), Sluitreden.AFSCHALING, None, uow)):
        with pytest.raises(NotFound):
            await attempt
    assert uow.verwerkingen == [] and uow.pending == []
