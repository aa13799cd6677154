"""The retention term on real PostgreSQL, with a pinned clock: a file keeps its personal data up to
20 years after it closed (Jeugdwet art. 7.3.8) and loses them the day after — in intake (names,
BSNs and the family's BSN keys, birth dates, the reporter's contact details, free text), triage
(the RvdK's free text) and caseregie (free-text reasons, protectors' and managers' names) — while
the pseudonymous facts stay, and every erasure is a record in the processing log."""
import copy
from datetime import date, datetime, time, timedelta
from uuid import uuid4

import pytest
import sqlalchemy as sa

from contracts.events import CasusAssigned, CasusClosed, Kind, MaatregelImposed, MeldingReceived
from contracts.vocabulary import (
    GI,
    AfwijkingReden,
    AfwijzingReden,
    Jeugdhulpvorm,
    Maatregel,
    OverdrachtReden,
    Plaatsingsvorm,
    Sluitreden,
)
from deploy.stack import database_url_for
from runtime import db, tables
from runtime.clock import REGION_TZ, FixedClock, add_months, local_date
from runtime.identity import GI_MANAGER, GI_ROL, LOKAAL_TEAM, RVDK, Principal
from runtime.retention import BEWAARTERMIJN_JAREN
from runtime.service import service_bus
from services.caseregie.bootstrap import DEPENDENCIES as CASEREGIE_OWN
from services.caseregie.bootstrap import SPEC as CASEREGIE
from services.caseregie.domain.commands import (
    AssignJeugdbeschermer,
    CloseCasus,
    ListCasussen,
    ReadCasus,
    RecordJeugdhulp,
    RecordUithuisplaatsing,
    RejectOverdracht,
    RequestOverdracht,
)
from services.caseregie.domain.commands import EraseExpired as EraseCases
from services.caseregie.domain.model import GEWIST
from services.intake.adapters.orm import gezinssleutels, meldingen
from services.intake.bootstrap import SPEC as INTAKE
from services.intake.domain.commands import EraseExpired as EraseReports
from services.intake.domain.commands import ReceiveMelding
from services.intake.domain.model import age_on
from services.triage.bootstrap import SPEC as TRIAGE
from services.triage.domain.commands import EraseExpired as EraseAdvice
from services.triage.domain.commands import ListAdviezen, OverrideAdvies, ReadAdvies
from tests.clock import PINNED_NOW, pinned
from tests.unit.test_intake_model import gegevens

pytestmark = pytest.mark.integration

RAAD = Principal(sub="raadsonderzoeker@RvdK", rol=RVDK, organisatie="RvdK")
TEAM = Principal(sub="medewerker@WT-GM0599", rol=LOKAAL_TEAM, organisatie="WT-GM0599", gemeente="GM0599")
NAMEN = ("Rosalie", "Vermeulen-Otten", "Dirkje")
BSN_KIND, BSN_OUDER = "111222333", "123456782"
REPORT = {
    "gemeente": "GM0599",
    "melder": {"organisatie": "Wijkteam Feijenoord", "naam": "Annemiek Brouwer", "telefoon": "010-7654321",
               "email": "a.brouwer@wijkteam.example"},
    "urgentie": "regulier",
    "gezin": {
        "kinderen": [{"voornaam": "Rosalie", "achternaam": "Vermeulen-Otten", "geboortedatum": "2016-04-12",
                      "bsn": BSN_KIND},
                     {"voornaam": "Dirkje", "achternaam": "Vermeulen-Otten", "geboortedatum": "2019-03-01"}],
        "ouders": [{"voornaam": "Kees", "achternaam": "Vermeulen-Otten", "bsn": BSN_OUDER}],
    },
    "zorgen": ["veiligheid"],
    "kenmerken": [],
    "toelichting": "Vader dreigt de kinderen mee te nemen naar Portugal.",
}
TEXT = "De moeder vertrouwt JBRR niet sinds het gesprek met mevrouw Okafor."
CLOSED_AT = PINNED_NOW + timedelta(days=30)


def around_the_term(closed: datetime) -> tuple[datetime, datetime, datetime]:
    """Noon, in the region, one day before the 20th anniversary of the closure, on it, and one after."""
    anniversary = add_months(local_date(closed), 12 * BEWAARTERMIJN_JAREN)
    return tuple(datetime.combine(anniversary + timedelta(days=d), time(12), tzinfo=REGION_TZ)
                 for d in (-1, 0, 1))


@pytest.fixture(scope="module")
async def sessions(database_server_url, database_prefix):
    """A fresh database per service (its migrations and the runtime's tables, the processing log)."""
    made, engines = {}, []
    for spec in (INTAKE, TRIAGE, CASEREGIE):
        url = database_url_for(database_server_url, f"bewaar_{spec.name}", database_prefix)
        await db.ensure_database(url)
        engine = db.create_engine(url)
        await db.migrate(engine, spec.migrations)
        engines.append(engine)
        made[spec.name] = db.session_factory(engine)
    yield made
    for engine in engines:
        await engine.dispose()


def unit_of_work(spec, sessions, clock: FixedClock):
    settings = spec.settings_class.for_service(spec.name, spec.default_port)
    return lambda: spec.uow_class(sessions[spec.name], spec.name, settings=settings, clock=clock)


async def erasures(sessions, resource_id) -> list:
    async with sessions() as s:
        t = tables.verwerkingen
        return (await s.execute(sa.select(t).where(t.c.resource_id == str(resource_id),
                                                   t.c.actie == "erase"))).all()


# --- intake ------------------------------------------------------------------------------------

async def _closed_family(uow, report: dict) -> tuple:
    """A report that reached a case, and the case closed at CLOSED_AT."""
    bus = service_bus(INTAKE, uow, uow().settings, uow().clock)
    melding = await bus.handle(ReceiveMelding(TEAM, gegevens(report)))
    kinderen = [Kind(kind_id=k.kind_id, leeftijd=9) for k in melding.gezin.kinderen]
    casus_id = uuid4()
    await bus.handle(CasusAssigned(
        casus_id=casus_id, melding_id=melding.id, gezin_id=melding.gezin_id, gemeente="GM0599", gi=GI.WSS,
        doelgroep="lvb", maatregel=Maatregel.OTS, nieuwe_casus=True, kinderen=kinderen,
        toegewezen_op=PINNED_NOW + timedelta(days=2)))
    await bus.handle(CasusClosed(
        casus_id=casus_id, gezin_id=melding.gezin_id, gemeente="GM0599", gi=GI.WSS,
        reden=Sluitreden.AFSCHALING, kinderen=kinderen, gesloten_op=CLOSED_AT))
    return melding, casus_id


async def _row(sessions, melding_id):
    async with sessions["intake"]() as s:
        return (await s.execute(sa.select(meldingen).where(meldingen.c.id == melding_id))).one()


async def _keys(sessions, gezin_id) -> int:
    async with sessions["intake"]() as s:
        return await s.scalar(sa.select(sa.func.count()).select_from(gezinssleutels)
                              .where(gezinssleutels.c.gezin_id == gezin_id))


def _personal(row) -> str:
    return str([row.gezin, row.melder, row.toelichting, row.stappen])


async def test_intake_keeps_a_report_up_to_the_term_and_erases_it_the_day_after(sessions):
    clock = pinned()
    uow = unit_of_work(INTAKE, sessions, clock)
    melding, _ = await _closed_family(uow, REPORT)
    before = await _row(sessions, melding.id)
    assert await _keys(sessions, melding.gezin_id) == 2
    day_before, anniversary, day_after = around_the_term(CLOSED_AT)

    for moment in (day_before, anniversary):
        clock.set(moment)
        assert await service_bus(INTAKE, uow, uow().settings, clock).handle(EraseReports()) == 0
    kept = await _row(sessions, melding.id)
    for secret in (*NAMEN, BSN_KIND, BSN_OUDER, "2016-04-12", "010-7654321", "Annemiek", "Portugal"):
        assert secret in _personal(kept), secret
    assert "Portugal" in kept.toelichting and kept.gewist_op is None
    assert await erasures(sessions["intake"], melding.id) == []

    clock.set(day_after)
    assert await service_bus(INTAKE, uow, uow().settings, clock).handle(EraseReports()) == 1
    erased = await _row(sessions, melding.id)
    for secret in (*NAMEN, BSN_KIND, BSN_OUDER, "2016-04-12", "2019-03-01", "010-7654321", "Annemiek",
                   "a.brouwer", "Portugal"):
        assert secret not in _personal(erased), secret
    assert erased.gewist_op == day_after and await _keys(sessions, melding.gezin_id) == 0
    # the pseudonymous facts stay: the children's ids and ages, municipality, concerns, the path
    reported = local_date(PINNED_NOW)
    assert erased.gezin["kinderen"] == [
        {"kind_id": k["kind_id"], "leeftijd": age_on(date.fromisoformat(k["geboortedatum"]), reported)}
        for k in before.gezin["kinderen"]]
    assert (erased.gezin_id, erased.gemeente, erased.zorgen, erased.status, erased.casus_id) == (
        before.gezin_id, before.gemeente, before.zorgen, "closed", before.casus_id)
    assert [s["stap"] for s in erased.stappen] == [s["stap"] for s in before.stappen]
    assert erased.melder == {"organisatie": "Wijkteam Feijenoord"}

    logged = await erasures(sessions["intake"], melding.id)
    assert sorted(str(r.kind_id) for r in logged) == sorted(k["kind_id"] for k in before.gezin["kinderen"])
    assert {(r.verwerkingsactiviteit, r.actor_rol, r.resource_type, r.tijdstip, r.gezin_id)
            for r in logged} == {
        ("intake.persoonsgegevens-wissen.v1", "systeem", "melding", day_after, melding.gezin_id)}

    clock.advance(days=1)
    assert await service_bus(INTAKE, uow, uow().settings, clock).handle(EraseReports()) == 0  # once
    assert len(await erasures(sessions["intake"], melding.id)) == 2


async def test_intake_keeps_a_family_whose_file_is_open_again(sessions):
    """A re-report after the closure (the family is back in the chain) keeps the whole family."""
    clock = pinned()
    uow = unit_of_work(INTAKE, sessions, clock)
    report = copy.deepcopy(REPORT)
    for person in (*report["gezin"]["kinderen"], *report["gezin"]["ouders"]):
        person.pop("bsn", None)
    report["gezin"]["kinderen"][0]["bsn"] = "100000009"
    first, _ = await _closed_family(uow, report)
    clock.set(CLOSED_AT + timedelta(days=10))
    bus = service_bus(INTAKE, uow, uow().settings, clock)
    again = await bus.handle(ReceiveMelding(TEAM, gegevens(report)))
    assert again.gezin_id == first.gezin_id and again.herhaald_beroep

    clock.set(around_the_term(CLOSED_AT)[2] + timedelta(days=400))
    await service_bus(INTAKE, uow, uow().settings, clock).handle(EraseReports())
    for melding in (first, again):
        assert (await _row(sessions, melding.id)).gewist_op is None
    assert await erasures(sessions["intake"], first.id) == []


# --- triage ------------------------------------------------------------------------------------

async def test_triage_erases_the_rvdks_free_text_the_day_after_the_term(sessions):
    clock = pinned()
    uow = unit_of_work(TRIAGE, sessions, clock)
    gezin_id, kind_id, melding_id = uuid4(), uuid4(), uuid4()
    bus = service_bus(TRIAGE, uow, uow().settings, clock)
    await bus.handle(MeldingReceived(
        melding_id=melding_id, gezin_id=gezin_id, gemeente="GM0599", urgentie="regulier",
        kinderen=[Kind(kind_id=kind_id, leeftijd=8)], zorgen=["veiligheid"], kenmerken=["lvb_kind"],
        ontvangen_op=PINNED_NOW))
    ((advies,), _) = await bus.handle(ListAdviezen(RAAD, melding_id=melding_id, limit=10))
    andere = next(gi for gi in GI if gi != advies.voorgestelde_gi)
    await bus.handle(OverrideAdvies(RAAD, advies.id, andere, TEXT, AfwijkingReden.BEKEND_BIJ_GI))
    await bus.handle(CasusClosed(
        casus_id=uuid4(), gezin_id=gezin_id, gemeente="GM0599", gi=andere, reden=Sluitreden.AFSCHALING,
        kinderen=[Kind(kind_id=kind_id, leeftijd=8)], gesloten_op=CLOSED_AT))
    _, anniversary, day_after = around_the_term(CLOSED_AT)

    clock.set(anniversary)
    assert await bus.handle(EraseAdvice()) == 0
    assert (await bus.handle(ReadAdvies(RAAD, advies.id))).afwijking_reden == TEXT

    clock.set(day_after)
    assert await bus.handle(EraseAdvice()) == 1
    erased = await bus.handle(ReadAdvies(RAAD, advies.id))
    assert erased.afwijking_reden is None and erased.rvdk_toelichting is None
    assert (erased.gi, erased.afwijking, erased.afwijking_categorie, erased.status, erased.kinderen) == (
        andere, True, AfwijkingReden.BEKEND_BIJ_GI, advies.status.__class__("afgeweken"), advies.kinderen)
    (record,) = await erasures(sessions["triage"], advies.id)
    assert (record.verwerkingsactiviteit, record.kind_id, record.gezin_id, record.tijdstip) == (
        "triage.persoonsgegevens-wissen.v1", kind_id, gezin_id, day_after)


# --- caseregie ---------------------------------------------------------------------------------

def _gi(gi: GI) -> Principal:
    return Principal(sub=f"systeem@{gi}", rol=GI_ROL, organisatie=gi)


def _manager(gi: GI) -> Principal:
    return Principal(sub=f"manager@{gi}", rol=GI_MANAGER, organisatie=gi, naam="Hendrika Zwanenburg")


async def _closed_case(uow, clock: FixedClock):
    gezin_id, kind_id = uuid4(), uuid4()
    bus = service_bus(CASEREGIE, uow, uow().settings, clock, **CASEREGIE_OWN)
    await bus.handle(MaatregelImposed(
        maatregel_id=uuid4(), melding_id=uuid4(), advies_id=uuid4(), gezin_id=gezin_id, gemeente="GM0599",
        doelgroep="lvb", maatregel=Maatregel.OTS, route="rechtbank", raadsonderzoek=True,
        startdatum=local_date(PINNED_NOW), gi=GI.JBRR, kinderen=[Kind(kind_id=kind_id, leeftijd=6)],
        opgelegd_op=PINNED_NOW))
    (casus,), _ = await bus.handle(ListCasussen(_gi(GI.JBRR), limit=1))
    await bus.handle(AssignJeugdbeschermer(_gi(GI.JBRR), casus.id, "JBRR-0042", "Sanne Yilmaz"))
    overdracht = await bus.handle(RequestOverdracht(_gi(GI.JBRR), casus.id, GI.WSS, TEXT,
                                                    OverdrachtReden.RELATIE))
    await bus.handle(RejectOverdracht(_manager(GI.WSS), casus.id, overdracht.id, "Geen plek bij team Okafor",
                                      AfwijzingReden.GEEN_CAPACITEIT))
    vandaag = local_date(PINNED_NOW)
    await bus.handle(RecordUithuisplaatsing(_gi(GI.JBRR), casus.id, kind_id, Plaatsingsvorm.NETWERKPLEEGZORG,
                                            True, vandaag, vandaag))
    await bus.handle(RecordJeugdhulp(_gi(GI.JBRR), casus.id, kind_id, Jeugdhulpvorm.AMBULANT, vandaag))
    clock.set(CLOSED_AT)
    await bus.handle(CloseCasus(_gi(GI.JBRR), casus.id, Sluitreden.AFSCHALING, "Terug naar wijkteam Okafor"))
    return casus.id, gezin_id, kind_id


async def test_caseregie_erases_a_closed_cases_free_text_and_names_the_day_after_the_term(sessions):
    clock = pinned()
    uow = unit_of_work(CASEREGIE, sessions, clock)
    casus_id, gezin_id, kind_id = await _closed_case(uow, clock)
    bus = service_bus(CASEREGIE, uow, uow().settings, clock, **CASEREGIE_OWN)
    day_before, anniversary, day_after = around_the_term(CLOSED_AT)

    clock.set(day_before)
    assert await bus.handle(EraseCases()) == 0
    clock.set(anniversary)
    assert await bus.handle(EraseCases()) == 0
    kept = await bus.handle(ReadCasus(_gi(GI.JBRR), casus_id))
    assert (kept.toelichting, kept.jeugdbeschermer.naam, kept.overdrachten[0].reden) == (
        "Terug naar wijkteam Okafor", "Sanne Yilmaz", TEXT)

    clock.set(day_after)
    assert await bus.handle(EraseCases()) == 1
    erased = await bus.handle(ReadCasus(_gi(GI.JBRR), casus_id))
    (overdracht,) = erased.overdrachten
    assert erased.toelichting is None and overdracht.reden == GEWIST
    assert erased.jeugdbeschermer.naam is None and erased.kinderen[0].jeugdbeschermer.naam is None
    assert (overdracht.afwijzing.reden, overdracht.afwijzing.manager_naam) == (None, None)
    for secret in ("Okafor", "Yilmaz", "Zwanenburg", "vertrouwt"):
        assert secret not in str(erased), secret
    # the codes, categories, dates and pseudonymous ids stay
    assert (erased.status, erased.sluitreden, erased.gesloten_op, erased.gezin_id) == (
        "gesloten", Sluitreden.AFSCHALING, CLOSED_AT, gezin_id)
    assert (overdracht.categorie, overdracht.afwijzing.categorie) == (
        OverdrachtReden.RELATIE, AfwijzingReden.GEEN_CAPACITEIT)
    assert [k.kind_id for k in erased.kinderen] == [kind_id] and erased.jeugdbeschermer.id == "JBRR-0042"
    # placements and youth care hold nothing else, and stay whole (the figures count them)
    assert erased.uithuisplaatsingen == kept.uithuisplaatsingen and erased.jeugdhulp == kept.jeugdhulp
    (plaatsing,) = erased.uithuisplaatsingen
    assert (plaatsing.kind_id, plaatsing.vorm, plaatsing.in_netwerk, plaatsing.einddatum) == (
        kind_id, Plaatsingsvorm.NETWERKPLEEGZORG, True, local_date(PINNED_NOW))
    assert [(j.kind_id, j.vorm) for j in erased.jeugdhulp] == [(kind_id, Jeugdhulpvorm.AMBULANT)]
    (record,) = await erasures(sessions["caseregie"], casus_id)
    assert (record.verwerkingsactiviteit, record.kind_id, record.gezin_id, record.actor_rol,
            record.tijdstip) == ("caseregie.persoonsgegevens-wissen.v1", kind_id, gezin_id, "systeem",
                                 day_after)


# --- the term is a setting, the job runs daily -------------------------------------------------

@pytest.mark.parametrize("spec", [INTAKE, TRIAGE, CASEREGIE], ids=lambda s: s.name)
def test_the_term_is_twenty_years_by_default_a_setting_and_the_job_runs_daily(spec, monkeypatch):
    settings = spec.settings_class.for_service(spec.name, spec.default_port)
    assert (settings.bewaartermijn_jaren, settings.bewaartermijn_interval_s) == (20, 24 * 3600)
    monkeypatch.setenv("BEWAARTERMIJN_JAREN", "15")
    assert spec.settings_class.for_service(spec.name, spec.default_port).bewaartermijn_jaren == 15
    assert "every bewaartermijn_interval_s: wis_na_bewaartermijn" in [job.__name__ for job in spec.background]
