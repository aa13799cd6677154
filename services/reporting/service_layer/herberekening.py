"""Rebuilding the projection from the full event history while the live one keeps running.

1. A clean cut: with the projection lock held exclusively for a moment (no live handler in
   flight) a repeatable-read snapshot is opened and the highest event id noted.
2. The snapshot's history is streamed per dossier, projected with the current catalogue and
   written to a new (shadow) table. Live handling goes on meanwhile.
3. Under the exclusive lock again: the dossiers touched by events newer than the cut are
   brought up to date in the shadow table, the shadow is compared cell by cell with the live
   projection, and, if asked and different, the shadow replaces it (renamed in one transaction).
"""

import asyncio
import logging
import multiprocessing
import time
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from uuid import UUID, uuid4

import sqlalchemy as sa
from asyncpg.transaction import Transaction
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.pool import NullPool

from runtime import db
from runtime.clock import Clock
from runtime.errors import Conflict
from services.reporting.adapters import catalogus as catalogus_bron
from services.reporting.adapters import herbouw
from services.reporting.adapters.orm import cijfer_tabel
from services.reporting.adapters.repository import PROJECTIE_LOCK, CijferRepository, HistorieRepository
from services.reporting.domain.minimalisatie import dossier_van
from services.reporting.domain.model import Catalogus
from services.reporting.domain.projectie import CelSleutel, Optelling, dossier, dossiers_cellen, verschil
from services.reporting.service_layer.unit_of_work import ReportingUnitOfWork

log = logging.getLogger(__name__)
HERBOUW_LOCK = 705_1045  # one rebuild at a time per database
_lopend: set[asyncio.Task] = set()


async def aanvragen(uow: ReportingUnitOfWork, *, vervangen: bool) -> dict:
    catalogus = catalogus_bron.actief()
    herberekening_id = uuid4()
    async with uow:
        if any(r["status"] == "bezig" for r in await uow.herberekeningen.lijst(5)) and _lopend:
            raise Conflict("a rebuild is running; wait for it to finish")
        await uow.herberekeningen.nieuw(
            herberekening_id,
            vervangen=vervangen,
            catalogus_versie=catalogus.versie,
            aangevraagd_op=uow.clock.now(),
        )
        await uow.commit()
        return await uow.herberekeningen.get(herberekening_id)


def start_op_achtergrond(
    sessions: async_sessionmaker, herberekening_id: UUID, vervangen: bool, clock: Clock,
    verdeling: "Verdeling",
) -> None:
    task = asyncio.create_task(
        voer_uit(sessions, herberekening_id, vervangen=vervangen, clock=clock, verdeling=verdeling))
    _lopend.add(task)
    task.add_done_callback(_lopend.discard)


async def dossier_cellen(
    historie: HistorieRepository, dossiers: Iterable[str], catalogus: Catalogus, tot_id: int | None = None
) -> dict[CelSleutel, list[int]]:
    """The cells of the dossiers' events (up to event `tot_id`, if given)."""
    return dossiers_cellen([await historie.laad(d, tot_id) for d in dossiers], catalogus.norm_dagen)


async def status(uow: ReportingUnitOfWork, herberekening_id: UUID) -> dict | None:
    async with uow:
        return await uow.herberekeningen.get(herberekening_id)


async def lijst(uow: ReportingUnitOfWork) -> list[dict]:
    async with uow:
        return await uow.herberekeningen.lijst()


async def voer_uit(
    sessions: async_sessionmaker,
    herberekening_id: UUID,
    *,
    vervangen: bool,
    clock: Clock,
    catalogus: Catalogus | None = None,
    verdeling: "Verdeling | None" = None,
) -> dict:
    """Rebuild, compare and (if asked and different) replace. Returns the recorded outcome.
    The history is projected in the parts `verdeling` says (one, in this process, by default)."""
    catalogus = catalogus or catalogus_bron.actief()
    started = time.monotonic()
    try:
        uitkomst = await _herbouw(sessions, herberekening_id, vervangen, catalogus, verdeling or Verdeling())
    except Exception as exc:
        log.exception("rebuild %s failed", herberekening_id)
        uitkomst = {"status": "mislukt", "fout": f"{type(exc).__name__}: {exc}"}
    uitkomst["duur_s"] = round(time.monotonic() - started, 3)
    fasen = uitkomst.pop("fasen", None)
    async with sessions() as session, session.begin():
        from services.reporting.adapters.repository import HerberekeningRepository

        repo = HerberekeningRepository(session)
        await repo.klaar(herberekening_id, klaar_op=clock.now(), **uitkomst)
        return {**await repo.get(herberekening_id), "fasen": fasen}


async def _raw(conn):
    return (await conn.get_raw_connection()).driver_connection


# Sums held in memory (per part) before they go to the database: bounds the rebuild's memory.
SOMMEN_PER_BATCH = 400_000


@dataclass(frozen=True)
class Verdeling:
    """How the projecting is shared out: `delen` parts (each a share of the dossiers, over the
    same snapshot), in as many worker processes when more than one; they connect with
    `database_url`. One part runs in this process."""

    delen: int = 1
    database_url: str | None = None

    def __post_init__(self):
        if self.delen < 1:
            raise ValueError("a rebuild has at least one part")
        if self.delen > 1 and not self.database_url:
            raise ValueError("a rebuild in worker processes needs the database URL")


@dataclass(frozen=True)
class Deel:
    """What a part of a rebuild needs (it crosses into a worker process: plain values only)."""

    snapshot: str  # pg_export_snapshot() of the cut
    hoogste: int
    delen: int
    sommen: str  # the name of the sums tables
    norm_dagen: int
    per_batch: int


async def _herbouw(
    sessions: async_sessionmaker, herberekening_id: UUID, vervangen: bool, catalogus: Catalogus,
    verdeling: Verdeling,
) -> dict:
    engine = sessions.kw["bind"]
    schaduw = f"kpi_cijfers_h{herberekening_id.hex[:12]}"
    fasen: dict[str, float] = {}
    try:
        async with engine.connect() as g, engine.connect() as r, engine.connect() as w:
            guard, lees, schrijf = await _raw(g), await _raw(r), await _raw(w)
            if not await guard.fetchval("SELECT pg_try_advisory_lock($1)", HERBOUW_LOCK):
                raise Conflict("another rebuild is running on this database")
            sommen = herbouw.Schaduw(schrijf, f"{schaduw}_sommen", verdeling.delen)
            try:
                hoogste, snapshot = await _snede(guard, lees)
                try:
                    events, dossiers = await _projecteer(
                        engine, lees, sommen, hoogste, catalogus, verdeling, fasen)
                finally:
                    await snapshot.rollback()  # read only
                aantal_cellen = await _schaduw(schrijf, schaduw, sommen, fasen)
            finally:
                await sommen.ruim_op()
                await guard.execute("SELECT pg_advisory_unlock($1)", HERBOUW_LOCK)
        uitkomst = await _bijwerken_en_wisselen(sessions, schaduw, hoogste, catalogus, vervangen, fasen)
    except Exception:
        async with engine.begin() as conn:
            await conn.execute(sa.text(f'DROP TABLE IF EXISTS "{schaduw}"'))
        raise
    uitkomst.update(events=events + uitkomst.pop("nieuwer"), dossiers=dossiers, cellen=aantal_cellen)
    log.info(
        "rebuild %s: %s (%d events, %d dossiers, %d cells, %d differences, %d parts), phases %s",
        herberekening_id, uitkomst["status"], uitkomst["events"], dossiers, aantal_cellen,
        uitkomst["verschillen"], verdeling.delen, {k: round(v, 2) for k, v in fasen.items()},
    )
    return {**uitkomst, "fasen": {k: round(v, 2) for k, v in fasen.items()}}


async def _snede(guard, lees) -> tuple[int, Transaction]:
    """The clean cut: with the projection lock held exclusively for a moment (no live handler
    in flight) open the snapshot the rebuild reads, and note the highest event id in it."""
    cut = guard.transaction()
    await cut.start()
    await guard.execute("SELECT pg_advisory_xact_lock($1)", PROJECTIE_LOCK)
    snapshot = lees.transaction(isolation="repeatable_read", readonly=True)
    await snapshot.start()
    hoogste = await lees.fetchval("SELECT coalesce(max(id), 0) FROM event_historie")
    await cut.commit()
    return hoogste, snapshot


async def _projecteer(
    engine, lees, sommen: herbouw.Schaduw, hoogste: int, catalogus: Catalogus, verdeling: Verdeling, fasen
) -> tuple[int, int]:
    """Every part of the snapshot's history projected (each its share of the dossiers, over the
    snapshot the cut exported) and its sums written; the parts' ids brought together."""
    t0 = time.monotonic()
    await sommen.maak()
    deel = Deel(await lees.fetchval("SELECT pg_export_snapshot()"), hoogste, verdeling.delen,
                sommen.naam, catalogus.norm_dagen, SOMMEN_PER_BATCH)
    if verdeling.delen == 1:
        uitkomsten = [await projecteer_deel(engine, deel, 0)]
    else:
        loop = asyncio.get_running_loop()
        with ProcessPoolExecutor(verdeling.delen, mp_context=multiprocessing.get_context("spawn")) as pool:
            uitkomsten = await asyncio.gather(*(
                loop.run_in_executor(pool, _in_werkproces, verdeling.database_url, deel, nummer)
                for nummer in range(verdeling.delen)))
    for nummer, (_, _, series, periodes) in enumerate(uitkomsten):
        sommen.voeg_toe(nummer, series, periodes)
    fasen["lezen_en_projecteren_s"] = time.monotonic() - t0
    return sum(u[0] for u in uitkomsten), sum(u[1] for u in uitkomsten)


async def projecteer_deel(engine, deel: Deel, nummer: int) -> tuple[int, int, dict, dict]:
    """Part `nummer`: its dossiers streamed from the snapshot, projected, the sums written in
    batches. Returns (events, dossiers) and the ids its sums used."""
    async with engine.connect() as r, engine.connect() as w:
        lees, schrijf = await _raw(r), await _raw(w)
        sommen = herbouw.Sommen(schrijf, deel.sommen, nummer)
        async with lees.transaction(isolation="repeatable_read", readonly=True):
            await lees.execute(f"SET TRANSACTION SNAPSHOT '{deel.snapshot}'")
            await lees.execute("SET LOCAL jit = off")  # compiling the big sort costs more than it saves
            await lees.execute("SET LOCAL work_mem = '256MB'")  # the sort of the part, in memory
            if deel.delen > 1:  # the parts are the parallelism: parallel workers of each part
                # would each compute the case -> family join again, on the same two cores
                await lees.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            optelling, events, dossiers = Optelling(), 0, 0
            async for _, evs in herbouw.per_dossier(lees, deel.hoogste, nummer, deel.delen):
                dossiers += 1
                events += len(evs)
                optelling.tel(dossier(evs), deel.norm_dagen)
                if len(optelling.sommen) >= deel.per_batch:
                    await sommen.bewaar(optelling.rijen())
                    optelling.leeg()
            await sommen.bewaar(optelling.rijen())
    return events, dossiers, *sommen.codes()


def _in_werkproces(database_url: str, deel: Deel, nummer: int) -> tuple[int, int, dict, dict]:
    """A part in a worker process, with an engine of its own."""
    async def run():
        engine = db.create_engine(database_url, poolclass=NullPool)
        try:
            return await projecteer_deel(engine, deel, nummer)
        finally:
            await engine.dispose()

    return asyncio.run(run())


async def _schaduw(schrijf, schaduw: str, sommen: herbouw.Schaduw, fasen) -> int:
    t0 = time.monotonic()
    await schrijf.execute(f'DROP TABLE IF EXISTS "{schaduw}"')
    aantal = await sommen.schrijf(schaduw)
    fasen["schaduwtabel_s"] = time.monotonic() - t0
    return aantal


async def _bijwerken_en_wisselen(
    sessions: async_sessionmaker, schaduw: str, hoogste: int, catalogus: Catalogus, vervangen: bool, fasen
) -> dict:
    """Catch up, compare, swap: one transaction holding the projection lock exclusively."""
    t0 = time.monotonic()
    async with sessions() as session, session.begin():
        await session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": PROJECTIE_LOCK})
        historie = HistorieRepository(session)
        nieuwer = await historie.nieuwer_dan(hoogste)
        geraakt = await _geraakt(historie, nieuwer)
        if geraakt:
            oud = await dossier_cellen(historie, geraakt, catalogus, tot_id=hoogste)
            nieuw = await dossier_cellen(historie, geraakt, catalogus)
            tabel = cijfer_tabel(schaduw, sa.MetaData())
            await CijferRepository(session, tabel).pas_toe(verschil(oud, nieuw))
        tel, voorbeelden_sql = herbouw.vergelijk_sql(schaduw)
        verschillen = await session.scalar(sa.text(tel))
        voorbeelden = []
        if verschillen:  # the first of them; the same join again, so only when there are any
            voorbeelden = [dict(r._mapping) for r in await session.execute(sa.text(voorbeelden_sql))]
        vervangen_nu = vervangen and verschillen > 0
        if vervangen_nu:
            for stmt in herbouw.wissel_sql(schaduw, schaduw.removeprefix("kpi_cijfers_h")):
                await session.execute(sa.text(stmt))
        else:
            await session.execute(sa.text(f'DROP TABLE "{schaduw}"'))
    fasen["bijwerken_vergelijken_wisselen_s"] = time.monotonic() - t0
    status = "vervangen" if vervangen_nu else ("gelijk" if verschillen == 0 else "verschillen")
    return {"status": status, "nieuwer": len(nieuwer), "verschillen": verschillen, "voorbeelden": voorbeelden}


async def _geraakt(historie: HistorieRepository, nieuwer: list) -> set[str]:
    """The dossiers touched by the events stored after the cut."""
    geraakt: set[str] = set()
    for _, event_type, dossier_id, casus_id, data in nieuwer:
        d = dossier_id or dossier_van(event_type, data) or await historie.dossier_van_casus(casus_id)
        geraakt.add(d or f"casus:{casus_id}")
        if casus_id:
            geraakt.add(f"casus:{casus_id}")
    return geraakt
