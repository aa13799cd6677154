"""The reporting projection on real PostgreSQL: live handling (any order, redelivered) equals a
rebuild from the stored history, and both equal an independent computation from the raw events."""

import asyncio
import math
import os
import random
import signal
from datetime import date
from uuid import uuid4

import pytest
import sqlalchemy as sa

from bench.historie import genereer
from contracts.vocabulary import GEMEENTEN
from deploy.stack import database_url_for
from runtime.errors import InvalidInput
from runtime.service import service_bus
from runtime.uow import Batch
from services.reporting.adapters import catalogus as catalogus_bron
from services.reporting.adapters.orm import kpi_cijfers
from services.reporting.adapters.repository import CijferRepository, HistorieRepository
from services.reporting.bootstrap import SPEC
from services.reporting.domain.commands import ExportKpis, ReadKpis, ReadTrend
from services.reporting.domain.minimalisatie import inhoud_sleutel, minimaliseer
from services.reporting.domain.periodes import Periode
from services.reporting.service_layer import handlers, herberekening, rekenaar
from services.reporting.service_layer.unit_of_work import ReportingUnitOfWork
from services.reporting.settings import ReportingSettings
from tests.clock import pinned
from tests.infra import migrated_database
from tests.unit.test_reporting_kpis import Referentie, vergelijk

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def reporting_url(database_server_url, database_prefix) -> str:
    return database_url_for(database_server_url, f"reporting_{uuid4().hex[:6]}", database_prefix)


@pytest.fixture(scope="module")
async def reporting_db(reporting_url):
    async with migrated_database(reporting_url, SPEC.migrations) as sessions:
        yield sessions


def uow(sessions) -> ReportingUnitOfWork:
    return ReportingUnitOfWork(sessions, "reporting", clock=pinned())


def bus(sessions, onderdrukkingsdrempel: int, reken: rekenaar.Rekenaar | None = None):
    """The service's bus over the test database, with the threshold the figures are published at;
    answers computed in this process unless `reken` says where."""
    settings = ReportingSettings(onderdrukkingsdrempel=onderdrukkingsdrempel)
    return service_bus(SPEC, lambda: uow(sessions), settings, pinned(), sessions=sessions,
                       verdeling=herberekening.Verdeling(), achtergrond=herberekening.Achtergrond(),
                       rekenaar=reken or rekenaar.Rekenaar())


async def kpis(sessions, *, periode: Periode, onderdrukkingsdrempel: int, met_tabel: bool = False,
               reken: rekenaar.Rekenaar | None = None, **vraag) -> list[dict]:
    """The figures of a period as the bus answers them: ReadKpis, or with their tables ExportKpis."""
    if met_tabel:
        commando = ExportKpis(periode=periode.code, periode_type=periode.type, **vraag)
        return (await bus(sessions, onderdrukkingsdrempel, reken).handle(commando))[1]
    commando = ReadKpis(periode=periode.code, periode_type=periode.type, **vraag)
    return (await bus(sessions, onderdrukkingsdrempel, reken).handle(commando)).kpis


def aanvragen(sessions, *, vervangen: bool):
    """A rebuild recorded, to be run in the test's own hands (none runs in the background here)."""
    geen = herberekening.Achtergrond()
    return herberekening.aanvragen(uow(sessions), vervangen=vervangen, achtergrond=geen)


async def projectie(sessions) -> set[tuple]:
    async with sessions() as s:
        rows = await s.execute(
            sa.select(kpi_cijfers).where(sa.or_(kpi_cijfers.c.aantal != 0, kpi_cijfers.c.som != 0))
        )
        return {tuple(r) for r in rows}


EVENTS = list(genereer(400, seed=11, begin=date(2025, 7, 1), eind=date(2026, 9, 30), escalaties=4))


async def test_live_in_any_order_with_redelivery_equals_rebuild_and_reference(reporting_db):
    sessions = reporting_db
    rng = random.Random(5)
    shuffled = EVENTS[:]
    rng.shuffle(shuffled)  # case events often arrive before the case is known
    redelivered = rng.sample(shuffled, 60)
    for event_type, data in shuffled + redelivered:
        await handlers.projecteer(uow(sessions), event_type, minimaliseer(event_type, data))
    live = await projectie(sessions)
    assert live
    # Placements, youth care and C&A among them (case events before their case, hours on requests
    # without a family): every KPI has cells to rebuild.
    berekend = ("aandeel", "stand_gemiddelde", "aandeel_in_totaal")  # computed from others' cells
    assert {k.id for k in catalogus_bron.actief().kpis if k.soort not in berekend} == {r[2] for r in live}

    # Rebuild from the stored history: equal to the live projection, nothing to replace.
    record = await aanvragen(sessions, vervangen=True)
    result = await herberekening.voer_uit(sessions, record["id"], vervangen=True, clock=pinned())
    assert result["status"] == "gelijk", result["voorbeelden"]
    stored = {inhoud_sleutel(t, minimaliseer(t, d)) for t, d in EVENTS}
    assert result["verschillen"] == 0 and result["events"] == len(stored)
    assert await projectie(sessions) == live

    # The figures read through the service layer equal the independent computation.
    ref = Referentie(EVENTS, catalogus_bron.actief().norm_dagen)
    for periode in (
        Periode("kwartaal", "2026-Q2"),
        Periode("maand", "2026-03"),
        Periode("jaar", "2025"),
        Periode("dag", "2026-02-10"),
        Periode("totaal", "totaal"),
    ):
        rows = await kpis(sessions, periode=periode, onderdrukkingsdrempel=0)
        vergelijk(rows, ref, periode)


async def test_a_corrected_definition_is_rebuilt_and_swapped_while_live_goes_on(reporting_db, monkeypatch):
    sessions = reporting_db
    before = await projectie(sessions)
    catalogus = catalogus_bron.actief()
    corrected = type(catalogus)(
        catalogus.versie, {**catalogus.parameters, "norm_dagen": 2}, catalogus.kpis, catalogus.bron
    )
    record = await aanvragen(sessions, vervangen=True)
    # The corrected definition is deployed: live events use it, and keep coming during the rebuild.
    extra = list(genereer(30, seed=99, begin=date(2026, 9, 1), eind=date(2026, 9, 30), escalaties=0))

    async def live():
        for event_type, data in extra:
            await handlers.projecteer(
                uow(sessions), event_type, minimaliseer(event_type, data), catalogus=corrected
            )
            await asyncio.sleep(0)

    result, _ = await asyncio.gather(
        herberekening.voer_uit(
            sessions, record["id"], vervangen=True, clock=pinned(), catalogus=corrected
        ),
        live(),
    )
    assert result["status"] == "vervangen" and result["verschillen"] > 0
    after = await projectie(sessions)
    assert after != before
    binnen_norm = {r for r in after if r[2] == "kinderen_jb_binnen_norm" and r[0] == "totaal" and r[5] == ""}
    # With a stricter norm fewer children are within it, and the rebuilt table includes the live events.
    ref = Referentie(EVENTS + extra, 2)
    assert sum(r[7] for r in binnen_norm) == ref.totaal("kinderen_jb_binnen_norm")

    # Back to the catalogue's definition: a rebuild differs again, and after it live = rebuild.
    record = await aanvragen(sessions, vervangen=True)
    result = await herberekening.voer_uit(sessions, record["id"], vervangen=True, clock=pinned())
    assert result["status"] == "vervangen"
    record = await aanvragen(sessions, vervangen=False)
    result = await herberekening.voer_uit(sessions, record["id"], vervangen=False, clock=pinned())
    assert result["status"] == "gelijk"


async def test_suppressed_figures_read_from_the_database(reporting_db):
    """With suppression on, the service layer reads the whole family of linked periods in one
    snapshot: every municipality listed, small counts hidden, the region untouched, and a quarter's
    suppression the same whichever request computes it."""
    sessions = reporting_db
    kwartaal = Periode("kwartaal", "2026-Q2")
    for periode in (kwartaal, Periode("jaar", "2026"), Periode("totaal", "totaal")):
        open_ = {k["kpi"]: k
                 for k in await kpis(sessions, periode=periode, onderdrukkingsdrempel=0)}
        for k in await kpis(sessions, periode=periode, onderdrukkingsdrempel=5, met_tabel=True):
            label = f"{k['kpi']} {periode.code}"
            regio = open_[k["kpi"]]
            assert k["waarde"] == regio["waarde"] and k["per_gi"] == regio["per_gi"], label
            if catalogus_bron.actief().kpi(k["kpi"]).regionaal:  # escalations
                continue
            assert list(k["per_gemeente"]) == sorted(GEMEENTEN), label
            for g, v in k["per_gemeente"].items():
                assert v is None or v == regio["per_gemeente"][g], label
                if k["soort"] in ("aantal", "stand"):
                    assert (v is None) == (g in k["onderdrukt"]) and (v is None or v == 0 or v >= 5), label
    kpi = ["meldingen_ontvangen"]
    trend = await bus(sessions, 5).handle(ReadTrend(kpi, kwartalen=2, tot=kwartaal.code))
    direct = await kpis(sessions, periode=kwartaal, onderdrukkingsdrempel=5, kpi=kpi)
    assert trend[-1]["kpis"] == direct
    with pytest.raises(InvalidInput):
        await kpis(sessions, periode=Periode("maand", "2026-03"), onderdrukkingsdrempel=5,
                   gemeente="GM0599")


def _vers(sessions, periode, **kw):
    """The figures computed afresh (no cached answer or family)."""
    handlers._ANTWOORDEN.clear()
    rekenaar._FAMILIES.clear()
    return kpis(sessions, periode=periode, **kw)


async def _versie(sessions) -> tuple[str, int]:
    async with sessions() as s:
        return await CijferRepository(s).versie()


async def test_a_cached_answer_is_the_fresh_answer_and_a_changed_cell_recomputes_it(reporting_db):
    sessions = reporting_db
    variants = [
        (Periode("totaal", "totaal"), {}),
        (Periode("kwartaal", "2026-Q2"), {}),
        (Periode("jaar", "2026"), {"gemeente": "GM0599", "gi": "WSS"}),
        (Periode("maand", "2026-03"), {"kpi": ["meldingen_ontvangen", "wachtlijst"]}),
    ]
    for periode, kw in variants:
        fresh = await _vers(sessions, periode, onderdrukkingsdrempel=5, **kw)
        cached = await kpis(sessions, periode=periode, onderdrukkingsdrempel=5, **kw)
        again = await kpis(sessions, periode=periode, onderdrukkingsdrempel=5, **kw)
        assert cached == fresh and again is cached, periode  # the second one is the cached answer

    # A new report changes cells: the version goes up in the same transaction, and the next
    # request computes the answer of the new version, equal to a fresh computation.
    before = await _versie(sessions)
    cached = await kpis(sessions, periode=Periode("totaal", "totaal"), onderdrukkingsdrempel=5)
    extra = list(genereer(3, seed=123, begin=date(2026, 9, 1), eind=date(2026, 9, 30), escalaties=0))
    for event_type, data in extra:
        await handlers.projecteer(uow(sessions), event_type, minimaliseer(event_type, data))
    after = await _versie(sessions)
    assert after[0] == before[0] and after[1] > before[1]
    nieuw = await kpis(sessions, periode=Periode("totaal", "totaal"), onderdrukkingsdrempel=5)
    assert nieuw is not cached and nieuw != cached
    assert nieuw == await _vers(sessions, Periode("totaal", "totaal"), onderdrukkingsdrempel=5)

    # The same fact again changes no cell and keeps the version (and the cached answer).
    cached = await kpis(sessions, periode=Periode("totaal", "totaal"), onderdrukkingsdrempel=5)
    await handlers.projecteer(uow(sessions), extra[0][0], minimaliseer(*extra[0]))
    assert await _versie(sessions) == after
    assert await kpis(sessions, periode=Periode("totaal", "totaal"),
                      onderdrukkingsdrempel=5) is cached


async def test_a_worker_process_answers_as_this_process_does_and_is_started_again_when_it_dies(
    reporting_db, reporting_url
):
    """The service computes its answers in a worker process that reads the database itself: the
    same answers as computed here, for every kind of question; a killed worker is replaced."""
    sessions = reporting_db
    variants = [
        (Periode("totaal", "totaal"), {}),
        (Periode("kwartaal", "2026-Q2"), {"met_tabel": True}),
        (Periode("jaar", "2026"), {"gemeente": "GM0599", "gi": "WSS"}),
        (Periode("maand", "2026-03"), {"kpi": ["meldingen_ontvangen", "wachtlijst"]}),
    ]
    werk = rekenaar.Rekenproces(reporting_url)
    try:
        for periode, kw in variants:
            hier = await _vers(sessions, periode, onderdrukkingsdrempel=5, **kw)
            handlers._ANTWOORDEN.clear()
            daar = await kpis(sessions, periode=periode, onderdrukkingsdrempel=5, reken=werk, **kw)
            assert daar == hier, periode
        assert any(k["waarde"] for k in daar)  # figures, not an empty projection
        loop = asyncio.get_running_loop()
        pid = await loop.run_in_executor(werk._werkproces(), os.getpid)
        assert pid != os.getpid()
        os.kill(pid, signal.SIGKILL)
        await asyncio.sleep(0.2)
        handlers._ANTWOORDEN.clear()
        opnieuw = await kpis(sessions, periode=Periode("totaal", "totaal"), onderdrukkingsdrempel=5,
                             reken=werk)
        assert opnieuw == await _vers(sessions, Periode("totaal", "totaal"), onderdrukkingsdrempel=5)
        assert await loop.run_in_executor(werk._werkproces(), os.getpid) != pid
    finally:
        werk.close()


async def test_a_swapped_in_rebuild_bumps_the_version(reporting_db):
    sessions = reporting_db
    catalogus = catalogus_bron.actief()
    anders = type(catalogus)(
        catalogus.versie, {**catalogus.parameters, "norm_dagen": 1}, catalogus.kpis, catalogus.bron
    )
    oud = await kpis(sessions, periode=Periode("totaal", "totaal"), onderdrukkingsdrempel=5)
    before = await _versie(sessions)
    record = await aanvragen(sessions, vervangen=True)
    result = await herberekening.voer_uit(
        sessions, record["id"], vervangen=True, clock=pinned(), catalogus=anders
    )
    assert result["status"] == "vervangen"
    assert (await _versie(sessions))[1] == before[1] + 1
    nieuw = await kpis(sessions, periode=Periode("totaal", "totaal"), onderdrukkingsdrempel=5)
    assert nieuw != oud and nieuw == await _vers(sessions, Periode("totaal", "totaal"),
                                                 onderdrukkingsdrempel=5)
    # Back to the catalogue's definition (for the tests after this one).
    record = await aanvragen(sessions, vervangen=True)
    await herberekening.voer_uit(sessions, record["id"], vervangen=True, clock=pinned())


async def test_the_rebuild_in_small_batches_equals_the_live_projection(reporting_db, monkeypatch):
    """Many batches of sums (each written on its own) add up to the same cells as one."""
    sessions = reporting_db
    monkeypatch.setattr(herberekening, "SOMMEN_PER_BATCH", 50)
    record = await aanvragen(sessions, vervangen=False)
    result = await herberekening.voer_uit(sessions, record["id"], vervangen=False, clock=pinned())
    assert result["status"] == "gelijk", result["voorbeelden"]


async def test_a_rebuild_in_worker_processes_equals_the_live_projection(
    reporting_db, reporting_url, monkeypatch
):
    """Two worker processes, each projecting its share of the dossiers over the one snapshot of
    the cut (in many small batches), add up to the same cells as the live projection; a corrupted
    live cell is then found and swapped out by the same rebuild."""
    sessions = reporting_db
    monkeypatch.setattr(herberekening, "SOMMEN_PER_BATCH", 50)
    verdeling = herberekening.Verdeling(2, reporting_url)
    record = await aanvragen(sessions, vervangen=False)
    result = await herberekening.voer_uit(
        sessions, record["id"], vervangen=False, clock=pinned(), verdeling=verdeling
    )
    assert result["status"] == "gelijk", result["voorbeelden"]
    assert result["events"] >= len(EVENTS) and result["dossiers"] > 2
    async with sessions() as s, s.begin():
        await s.execute(
            sa.update(kpi_cijfers)
            .where(kpi_cijfers.c.kpi == "meldingen_ontvangen")
            .values(aantal=kpi_cijfers.c.aantal + 1)
        )
    record = await aanvragen(sessions, vervangen=True)
    result = await herberekening.voer_uit(
        sessions, record["id"], vervangen=True, clock=pinned(), verdeling=verdeling
    )
    assert result["status"] == "vervangen" and result["verschillen"] > 0
    record = await aanvragen(sessions, vervangen=False)
    result = await herberekening.voer_uit(
        sessions, record["id"], vervangen=False, clock=pinned(), verdeling=verdeling
    )
    assert result["status"] == "gelijk", result["voorbeelden"]


def test_a_rebuild_in_worker_processes_needs_the_database_url():
    with pytest.raises(ValueError, match="database URL"):
        herberekening.Verdeling(2)
    with pytest.raises(ValueError, match="at least one part"):
        herberekening.Verdeling(0)


async def test_kpis_within_a_time_budget_give_the_last_answer_while_the_new_one_is_computed(reporting_db):
    """A question asked for the first time waits for its answer, whatever the budget. After a
    change, a caller that accepts a stale answer and whose computation does not finish within the
    budget gets the last answer and the actualiteit it was computed at; the computation goes on,
    and the next request gets the answer of the new version with the new actualiteit. A caller
    that does not accept staleness (or not that much) always gets the current answer."""
    sessions = reporting_db
    periode = Periode("kwartaal", "2026-Q3")

    def binnen(actueel, wachttijd_s, periode=periode, max_oud_s=math.inf, **kw):
        return handlers.kpis_binnen(
            uow(sessions), actueel, max_oud_s=max_oud_s, wachttijd_s=wachttijd_s, periode=periode,
            onderdrukkingsdrempel=5, **kw
        )

    eerste, actueel = await binnen("a1", 0)
    assert actueel == "a1" and eerste == await _vers(sessions, periode, onderdrukkingsdrempel=5)
    extra = list(genereer(4, seed=321, begin=date(2026, 8, 1), eind=date(2026, 8, 30), escalaties=0))
    for event_type, data in extra:
        await handlers.projecteer(uow(sessions), event_type, minimaliseer(event_type, data))
    nieuw_vers = await _vers(sessions, periode, onderdrukkingsdrempel=5)
    assert nieuw_vers != eerste

    # Not accepting staleness, or not this much: the current answer, whatever the budget.
    vers, actueel = await binnen("a1b", 0, max_oud_s=None)
    assert vers == nieuw_vers and actueel == "a1b"
    for event_type, data in list(genereer(2, seed=322, begin=date(2026, 8, 1), eind=date(2026, 8, 30),
                                          escalaties=0)):
        await handlers.projecteer(uow(sessions), event_type, minimaliseer(event_type, data))
    eerste = vers
    vers, actueel = await binnen("a1c", 0, max_oud_s=0)
    assert vers != eerste and actueel == "a1c"
    eerste, nieuw_vers = vers, vers
    for event_type, data in list(genereer(2, seed=323, begin=date(2026, 8, 1), eind=date(2026, 8, 30),
                                          escalaties=0)):
        await handlers.projecteer(uow(sessions), event_type, minimaliseer(event_type, data))
    nieuw_vers = await _vers(sessions, periode, onderdrukkingsdrempel=5)
    assert nieuw_vers != eerste

    oud, actueel = await binnen("a2", 0)
    assert oud is eerste and actueel == "a1c"  # the last answer, saying how current it is
    nieuw, actueel = await binnen("a3", 30)
    assert nieuw == nieuw_vers and actueel == "a2"  # the computation the previous request started
    again, actueel = await binnen("a4", 30)
    assert again is nieuw and actueel == "a4"  # current version: read from the cache at once

    # Refused input is refused at once, never answered from a fallback.
    with pytest.raises(InvalidInput):
        await binnen("a5", 0, periode=Periode("maand", "2026-03"), gemeente="GM0599")


@pytest.fixture
async def fresh_reporting_db(database_server_url, database_prefix):
    url = database_url_for(database_server_url, f"reporting_{uuid4().hex[:6]}", database_prefix)
    async with migrated_database(url, SPEC.migrations) as sessions:
        yield sessions


async def test_batches_handled_straight_through_read_each_dossier_once_and_equal_the_rebuild(
        fresh_reporting_db, monkeypatch):
    """A consumer's batch handled straight through (one transaction, the cells written once at its
    end) keeps what it read: a dossier its events touch again is taken from the batch, not read
    again. In the history's own order (a family's events close together, cases joining their
    family inside a batch) and shuffled with redeliveries, the figures equal the rebuild's and
    the independent computation's."""
    sessions = fresh_reporting_db
    reads = 0
    read = HistorieRepository.laad_met_casussen

    async def counted(self, dossier, tot_id=None):
        nonlocal reads
        reads += 1
        return await read(self, dossier, tot_id)
    monkeypatch.setattr(HistorieRepository, "laad_met_casussen", counted)

    rng = random.Random(8)
    shuffled = EVENTS[:]
    rng.shuffle(shuffled)
    ordered, rest = EVENTS[: len(EVENTS) // 2], shuffled + rng.sample(shuffled, 60)
    for events in (ordered, rest):
        for start in range(0, len(events), 100):
            async with sessions() as session, session.begin():
                batch = Batch(session, careful=False)
                for event_type, data in events[start:start + 100]:
                    await handlers.projecteer(uow(sessions).consuming(None, batch), event_type,
                                              minimaliseer(event_type, data))
                await batch.finish()
        if events is ordered:
            assert reads < len(ordered) * 0.8, (reads, len(ordered))  # dossiers taken from the batch
    record = await aanvragen(sessions, vervangen=True)
    result = await herberekening.voer_uit(sessions, record["id"], vervangen=True, clock=pinned())
    assert result["status"] == "gelijk", result["voorbeelden"]
    ref = Referentie(EVENTS, catalogus_bron.actief().norm_dagen)
    for periode in (Periode("kwartaal", "2026-Q2"), Periode("maand", "2025-11"), Periode("totaal", "totaal")):
        vergelijk(await kpis(sessions, periode=periode, onderdrukkingsdrempel=0), ref, periode)


async def test_the_rebuilds_bigint_sum_adds_exactly_and_refuses_to_overflow(reporting_db):
    """The rebuild sums with `sum_int8` (a bigint state, migration 0005): the same as `sum` where
    both fit, and an error, not a wrapped figure, past the bigint range."""
    async with reporting_db() as s:
        rij = (await s.execute(sa.text("SELECT sum_int8(x), sum(x) FROM "
                                       "(VALUES (9223372036854775000::bigint), (-5), (800)) v(x)"))).one()
        assert rij[0] == rij[1] == 9223372036854775795 and isinstance(rij[0], int)
        leeg = await s.execute(sa.text("SELECT sum_int8(x) FROM (VALUES (NULL::bigint)) v(x)"))
        assert leeg.scalar() is None
    with pytest.raises(sa.exc.DBAPIError, match="out of range"):
        async with reporting_db() as s:
            await s.execute(sa.text(
                "SELECT sum_int8(x) FROM (VALUES (9223372036854775807::bigint), (1)) v(x)"))
