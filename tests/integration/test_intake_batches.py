"""Intake following the chain on real PostgreSQL: a consumer's batch handled straight through keeps
the reports its events locked, so a report several events of the batch are about is read once,
and ends as it does when each event is handled on its own."""
from datetime import date, timedelta
from uuid import uuid4

import pytest
import sqlalchemy as sa

from contracts.events import (
    AdviesIssued,
    CasusAssigned,
    JeugdbeschermerAssigned,
    Kind,
    MaatregelImposed,
    TriageCompleted,
    WachtendKind,
)
from deploy.stack import database_url_for
from runtime import tables
from runtime.uow import Batch
from services.intake.adapters import repository
from services.intake.bootstrap import SPEC
from services.intake.domain.commands import ReceiveMelding
from services.intake.service_layer import handlers
from services.intake.service_layer.unit_of_work import IntakeUnitOfWork
from tests.clock import PINNED_NOW, pinned
from tests.infra import migrated_database
from tests.unit.test_intake_handlers import REPORT, SETTINGS, TEAM
from tests.unit.test_intake_model import gegevens

pytestmark = pytest.mark.integration


@pytest.fixture
async def sessions(database_server_url, database_prefix):
    url = database_url_for(database_server_url, f"intake_{uuid4().hex[:6]}", database_prefix)
    async with migrated_database(url, SPEC.migrations) as migrated:
        yield migrated


def uow(sessions) -> IntakeUnitOfWork:
    return IntakeUnitOfWork(sessions, "intake", settings=SETTINGS, clock=pinned())


def chain_events(melding) -> list:
    """What the chain publishes about one report, in order: triage, advice, measure, case, protector."""
    at, casus_id, kind = PINNED_NOW, uuid4(), Kind(kind_id=uuid4(), leeftijd=9)
    common = {"melding_id": melding.id, "gezin_id": melding.gezin_id, "gemeente": "GM0599"}
    advies_id = uuid4()
    return [
        TriageCompleted(**common, doelgroep="lvb", expertise="lvb", geschikte_gis=["WSS"],
                        regelset_versie="2026.2", regel="lvb", toelichting="lvb", besloten_op=at),
        AdviesIssued(**common, advies_id=advies_id, urgentie="regulier", doelgroep="lvb", gi="WSS",
                     reden="expertise", voorgestelde_gi="WSS", afwijking=False, bevestigd_door="rvdk",
                     kinderen=[kind], geadviseerd_op=at + timedelta(seconds=1)),
        MaatregelImposed(**common, maatregel_id=uuid4(), advies_id=advies_id, doelgroep="lvb",
                         maatregel="OTS", route="rechtbank", raadsonderzoek=False,
                         startdatum=date(2026, 1, 5), gi="WSS", kinderen=[kind],
                         opgelegd_op=at + timedelta(seconds=2)),
        CasusAssigned(**common, casus_id=casus_id, gi="WSS", doelgroep="lvb", maatregel="OTS",
                      nieuwe_casus=True, kinderen=[kind], toegewezen_op=at + timedelta(seconds=3)),
        JeugdbeschermerAssigned(casus_id=casus_id, gemeente="GM0599", gi="WSS", jeugdbeschermer_id=uuid4(),
                                kinderen=[WachtendKind(kind_id=kind.kind_id, wachtdagen=0)],
                                toegewezen_op=at + timedelta(seconds=4)),
    ]


HANDLERS = {TriageCompleted: handlers.on_triage_completed, AdviesIssued: handlers.on_advies_issued,
            MaatregelImposed: handlers.on_maatregel_imposed, CasusAssigned: handlers.on_casus_assigned,
            JeugdbeschermerAssigned: handlers.on_jeugdbeschermer_assigned}


async def stored(sessions, melding_id) -> dict:
    async with sessions() as s:
        row = (await s.execute(sa.select(repository.meldingen).where(repository.meldingen.c.id == melding_id))
               ).one()._asdict()
    row.pop("version")
    return row


async def test_a_batch_reads_a_report_once_and_ends_as_one_event_at_a_time(sessions, monkeypatch):
    alone, together = [await handlers.receive_melding(ReceiveMelding(TEAM, gegevens(REPORT)), uow(sessions),
                                                      SETTINGS, pinned()) for _ in range(2)]
    for event in chain_events(alone):  # each in a transaction of its own
        await HANDLERS[type(event)](event, uow(sessions))

    reads = 0
    decode = repository._melding

    def counted(row):
        nonlocal reads
        reads += 1
        return decode(row)
    monkeypatch.setattr(repository, "_melding", counted)
    events = chain_events(together)
    async with sessions() as session, session.begin():
        batch = Batch(session, careful=False)
        for event in events:
            await HANDLERS[type(event)](event, uow(sessions).consuming(None, batch))
        await batch.finish()
    # Read once by id, once by its case (the protector's event finds the reports of the case).
    assert reads == 2

    a, b = await stored(sessions, alone.id), await stored(sessions, together.id)
    assert b["status"] == "protector" and b["casus_id"] == events[3].casus_id
    assert b["jeugdbeschermer"] == str(events[4].jeugdbeschermer_id)
    different = {"id", "gezin_id", "casus_id", "gezin", "stappen", "advies_id", "jeugdbeschermer"}
    assert ({k: v for k, v in a.items() if k not in different}
            == {k: v for k, v in b.items() if k not in different})
    assert [s["stap"] for s in a["stappen"]] == [s["stap"] for s in b["stappen"]]
    async with sessions() as s:  # every event's processing logged (in the batch's one append)
        logged = {m: await s.scalar(sa.select(sa.func.count()).select_from(tables.verwerkingen)
                                    .where(tables.verwerkingen.c.resource_id == str(m)))
                  for m in (alone.id, together.id)}
    assert logged[together.id] == logged[alone.id] > len(events)
