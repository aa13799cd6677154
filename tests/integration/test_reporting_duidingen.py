"""The GIs' readings, the final marking and the infographic on real PostgreSQL, through reporting's
message bus: a reading is stored with its GI and author and appears in the quarterly report beside
its KPI; after the final marking a new reading is an addendum and the readings before stay as
they were; two writers of one quarter never cross. The infographic of every municipality shows
exactly the (suppressed) figures GET /v1/kpis serves for that municipality, this quarter and the
quarters before."""

import asyncio
from datetime import timedelta
from uuid import uuid4

import pytest
import sqlalchemy as sa

from bench.historie import genereer
from contracts.vocabulary import GEMEENTEN
from deploy.stack import database_url_for
from runtime import db
from runtime.errors import Conflict
from runtime.identity import Principal
from runtime.service import service_bus
from services.reporting.adapters import catalogus as catalogus_bron
from services.reporting.adapters.orm import duidingen
from services.reporting.bootstrap import SPEC
from services.reporting.domain import infographic
from services.reporting.domain.commands import (
    AddDuiding,
    ListDuidingen,
    ReadInfographic,
    ReadKpis,
    ReadKwartaalrapportage,
    StelKwartaalVast,
)
from services.reporting.domain.minimalisatie import minimaliseer
from services.reporting.domain.periodes import KWARTAAL, huidige
from services.reporting.service_layer import handlers, herberekening, rekenaar
from services.reporting.service_layer.unit_of_work import ReportingUnitOfWork
from services.reporting.settings import ReportingSettings
from tests.clock import TODAY, pinned

pytestmark = pytest.mark.integration

VORIG = huidige(KWARTAAL, TODAY).vorige()  # the last quarter that has ended


def _manager(gi: str, naam: str | None = None) -> Principal:
    return Principal(sub=f"manager-{gi.lower()}", rol="gi_manager", organisatie=gi, naam=naam)


def _regio() -> Principal:
    return Principal(sub="analist-grjr", rol="regio", organisatie="GRJR")


@pytest.fixture(scope="module")
async def sessions(database_server_url, database_prefix):
    url = database_url_for(database_server_url, f"reporting_{uuid4().hex[:6]}", database_prefix)
    await db.ensure_database(url)
    engine = db.create_engine(url)
    await db.migrate(engine, SPEC.migrations)
    factory = db.session_factory(engine)
    eind = VORIG.einde
    for event_type, data in genereer(400, seed=31, begin=eind - timedelta(days=400), eind=eind, escalaties=2):
        await handlers.projecteer(ReportingUnitOfWork(factory, "reporting", clock=pinned()), event_type,
                                  minimaliseer(event_type, data))
    yield factory
    await engine.dispose()


def bus(sessions, clock=None, drempel: int = 5):
    clock = clock or pinned()
    return service_bus(SPEC, lambda: ReportingUnitOfWork(sessions, "reporting", clock=clock),
                       ReportingSettings(onderdrukkingsdrempel=drempel), clock, sessions=sessions,
                       verdeling=herberekening.Verdeling(),
                       achtergrond=herberekening.Achtergrond(), rekenaar=rekenaar.Rekenaar())


async def test_a_reading_appears_in_the_report_and_after_the_final_marking_a_new_one_is_an_addendum(sessions):
    b = bus(sessions)
    wss = await b.handle(AddDuiding(_manager("WSS", "P. de Vries"), VORIG.code,
                                    "De wachtlijst daalt door extra instroom van jeugdbeschermers.",
                                    "wachtlijst"))
    ljr = await b.handle(AddDuiding(_manager("LJR"), VORIG.code, "Ons kwartaal in het kort: stabiel."))
    assert (wss.gi, wss.kpi, wss.addendum, wss.auteur.naam, wss.auteur.sub) == (
        "WSS", "wachtlijst", False, "P. de Vries", "manager-wss")
    assert (ljr.gi, ljr.kpi, ljr.auteur.getoond) == ("LJR", None, "manager")

    rapport = await b.handle(ReadKwartaalrapportage(VORIG.code))
    assert rapport["vaststelling"] is None
    assert [(d.id, d.gi, d.kpi) for d in rapport["duidingen"]] == [(wss.id, "WSS", "wachtlijst"),
                                                                    (ljr.id, "LJR", None)]

    later = pinned(hours=2)
    vastgesteld = await bus(sessions, later).handle(StelKwartaalVast(_regio(), VORIG.code))
    assert vastgesteld.vastgesteld_op == later.now() and vastgesteld.door == "analist-grjr"
    with pytest.raises(Conflict):
        await bus(sessions, later).handle(StelKwartaalVast(_regio(), VORIG.code))

    nog_later = pinned(hours=3)
    addendum = await bus(sessions, nog_later).handle(
        AddDuiding(_manager("WSS", "P. de Vries"), VORIG.code, "Aanvulling: de daling zet door.",
                   "wachtlijst"))
    assert addendum.addendum and addendum.geschreven_op == nog_later.now()
    kd = await b.handle(ListDuidingen(VORIG.code))
    assert kd.vaststelling == vastgesteld
    # The readings before the marking are as they were; only the new one is an addendum.
    assert [(d.id, d.tekst, d.addendum, d.geschreven_op) for d in kd.duidingen] == [
        (wss.id, wss.tekst, False, wss.geschreven_op), (ljr.id, ljr.tekst, False, ljr.geschreven_op),
        (addendum.id, addendum.tekst, True, nog_later.now())]
    # The author's name is stored beside the reading, the subject too (never in an event: reporting
    # publishes none).
    async with sessions() as s:
        rows = (await s.execute(sa.select(duidingen.c.auteur, duidingen.c.auteur_naam)
                                .where(duidingen.c.id == wss.id))).all()
    assert rows == [("manager-wss", "P. de Vries")]


async def test_readings_and_the_final_marking_of_one_quarter_never_cross(sessions):
    """Readings written while the region marks the quarter final: each is an addendum exactly
    when it was stored after the marking (one writer per quarter at a time)."""
    kwartaal = VORIG.vorige()
    b = bus(sessions)

    async def schrijf(i: int):
        return await b.handle(AddDuiding(_manager("JBRR"), kwartaal.code, f"lezing {i}",
                                         "meldingen_ontvangen"))

    resultaten = await asyncio.gather(*(schrijf(i) for i in range(6)),
                                      b.handle(StelKwartaalVast(_regio(), kwartaal.code)),
                                      *(schrijf(i) for i in range(6, 12)))
    vastgesteld = resultaten[6]
    async with sessions() as s:
        volgorde = (await s.execute(sa.text(
            "SELECT addendum FROM duidingen WHERE kwartaal = :k ORDER BY xmin::text::bigint"),
            {"k": kwartaal.code})).scalars().all()
    assert len(volgorde) == 12 and vastgesteld.kwartaal == kwartaal.code
    # Once one is an addendum, every later one is too.
    assert volgorde == sorted(volgorde)


@pytest.mark.parametrize("drempel", [5, 1])
async def test_the_infographic_shows_exactly_the_figures_of_get_kpis_for_the_municipality(sessions, drempel):
    b = bus(sessions, drempel=drempel)
    ids = infographic.kpi_ids(catalogus_bron.actief().ids)
    gezien_onderdrukt = 0
    for gemeente in sorted(GEMEENTEN):
        data = await b.handle(ReadInfographic(VORIG.code, gemeente))
        assert data["kwartaal"] == VORIG.code and data["gemeente_naam"] == GEMEENTEN[gemeente]
        assert [c["kpi"] for c in data["cijfers"]] == [c.kpi for c in infographic.CIJFERS if c.kpi in ids]
        kwartaal = VORIG
        for i, code in enumerate(reversed(data["kwartalen"])):
            assert code == kwartaal.code
            api = {k["kpi"]: k for k in (await b.handle(
                ReadKpis(periode=code, gemeente=gemeente))).kpis}  # all KPIs, as GET /v1/kpis?gemeente=
            for c in data["cijfers"]:
                punt = c["reeks"][-1 - i]
                k = api[c["kpi"]]
                assert punt["waarde"] == k["waarde"], (gemeente, code, c["kpi"])
                assert punt["onderdrukt"] == (gemeente in k["onderdrukt"]), (gemeente, code, c["kpi"])
                gezien_onderdrukt += punt["onderdrukt"]
                if i == 0:
                    assert (c["waarde"], c["onderdrukt"]) == (punt["waarde"], punt["onderdrukt"])
                    if c["detail"]:
                        d = api[c["detail"]["kpi"]]
                        assert c["detail"]["waarde"] == d["waarde"]
                        assert c["detail"]["onderdrukt"] == (gemeente in d["onderdrukt"])
                if i == 1:
                    assert c["vorig"] == {"waarde": k["waarde"], "onderdrukt": gemeente in k["onderdrukt"]}
            kwartaal = kwartaal.vorige()
    # With the threshold, small municipalities' figures are suppressed in the infographic too.
    assert (gezien_onderdrukt > 0) == (drempel > 1)


async def test_the_infographic_names_the_gi_of_a_reading_never_its_author(sessions):
    b = bus(sessions)
    await b.handle(AddDuiding(_manager("JBRR", "K. Bakker"), VORIG.code, "Meer meldingen uit Rotterdam-Zuid.",
                              "meldingen_ontvangen"))
    await b.handle(AddDuiding(_manager("JBRR", "K. Bakker"), VORIG.code, "Over overdrachten.",
                              "overdrachten_uitgevoerd"))
    data = await b.handle(ReadInfographic(VORIG.code, "GM0599"))
    teksten = {d["tekst"]: d for d in data["duidingen"]}
    lezing = teksten["Meer meldingen uit Rotterdam-Zuid."]
    assert lezing["gi_naam"] == "JBRR" and lezing["kpi_naam"] == "Meldingen ontvangen"
    assert "K. Bakker" not in repr(data) and "manager-jbrr" not in repr(data)
    # Readings of figures the infographic does not show stay in the report.
    assert "Over overdrachten." not in teksten
