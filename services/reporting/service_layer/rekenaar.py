"""Where an answer of `GET /v1/kpis` is computed from the projection: read in one snapshot, the
suppression family of linked periods built and the KPIs worked out.

Over a large history that is seconds of CPU (a million reports: about 3 s for all time). In the
service's own process it shares the interpreter with the event loop, however it is split over
threads, and the requests answered meanwhile wait for it (a request that accepts the last answer
waited up to 0.6 s for its 25 ms budget). So the service computes in a worker process of its own
(`Rekenproces`), which reads the database itself and hands back only the answer; `Rekenaar`
computes in the process itself (tests, and `REPORTING_KPI_WORKER_PROCESS=false`).
"""

import asyncio
import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import date
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from runtime import db
from services.reporting.adapters.repository import CijferRepository
from services.reporting.domain.cijfers import PER_GEMEENTE, Familie, bereken
from services.reporting.domain.model import Catalogus
from services.reporting.domain.periodes import Periode
from services.reporting.service_layer.cache import Lru
from services.reporting.service_layer.unit_of_work import ReportingUnitOfWork

log = logging.getLogger(__name__)

Versie = tuple[str, int]  # the projection's id and counter (CijferRepository.versie)

# Suppression families per version of the projection (and KPIs), in the process that computes.
_FAMILIES = Lru(4)


class KpiVraag(NamedTuple):
    """A question for the figures of one period, its input checked: with the version of the
    projection it is answered from, the key of its cached answer."""

    catalogus_versie: str
    periode: Periode
    peildatum: date
    onderdrukkingsdrempel: int
    kpis: tuple[str, ...]  # () for all of them
    gi: str | None
    gemeente: str | None
    met_tabel: bool


async def momentopname(session: AsyncSession, cijfers: CijferRepository) -> Versie:
    """Every read of one answer sees the same data, so the suppression computed over the linked
    periods is the suppression of exactly the values shown. Returns the version of that data:
    it is read first, in the same snapshot, so an answer cached under it is the answer to it."""
    await session.execute(sa.text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
    return await cijfers.versie()


async def familie(cijfers: CijferRepository, versie: Versie, stored: list[str] | None) -> Familie:
    """The counts of all time, every year and every quarter: suppressed together. Cached per
    version of the projection (and KPIs), so requests for other periods or filters reuse it."""
    sleutel = (versie, tuple(stored or ()))
    gevonden = _FAMILIES.get(sleutel)
    if gevonden is None:
        perioden = Familie.perioden_van(await cijfers.kwartalen())
        rijen = await cijfers.tellingen(perioden, stored)
        gevonden = await asyncio.to_thread(Familie, rijen)  # CPU: off the event loop
        _FAMILIES.put(sleutel, gevonden)
    return gevonden


async def lees(cijfers: CijferRepository, versie: Versie, periodes: list[Periode], stored,
               onderdrukkingsdrempel: int) -> tuple[Familie | None, dict]:
    """The rows of the periods asked for and, when they are published per municipality, the
    counts of the whole family of linked periods (one consistent snapshot)."""
    gezin = None
    if onderdrukkingsdrempel > 1 and any(p.type in PER_GEMEENTE for p in periodes):
        gezin = await familie(cijfers, versie, stored)
    rijen = {}
    for p in periodes:
        rijen[p.code] = (await cijfers.rijen(p.type, [p.code], stored))[p.code]
    return gezin, rijen


async def antwoord(cijfers: CijferRepository, versie: Versie, vraag: KpiVraag, stored: list[str] | None,
                   catalogus: Catalogus) -> list[dict]:
    """The question's answer, from the family of linked periods (when suppressed per
    municipality), the period's rows and the stocks, read in the snapshot of `versie`."""
    gezin, rijen = await lees(cijfers, versie, [vraag.periode], stored, vraag.onderdrukkingsdrempel)
    standen = await cijfers.standen(vraag.peildatum, stored)
    return await asyncio.to_thread(_bereken, catalogus, vraag, gezin, rijen[vraag.periode.code], standen)


def _bereken(catalogus: Catalogus, vraag: KpiVraag, gezin: Familie | None, rijen: list,
             standen: list) -> list[dict]:
    return bereken(
        catalogus, rijen, standen, periode_type=vraag.periode.type, periode=vraag.periode.code,
        peildatum=vraag.peildatum, onderdrukkingsdrempel=vraag.onderdrukkingsdrempel,
        kpis=list(vraag.kpis) or None, gi=vraag.gi, gemeente=vraag.gemeente, met_tabel=vraag.met_tabel,
        familie=gezin,
    )


class Rekenaar:
    """Computes in this process: the reads on the request's unit of work, the CPU work in threads."""

    async def antwoord(self, uow: ReportingUnitOfWork, vraag: KpiVraag, stored: list[str] | None,
                       catalogus: Catalogus) -> tuple[Versie, list[dict]]:
        """The answer and the version of the projection it was computed from."""
        async with uow:
            versie = await momentopname(uow.session, uow.cijfers)
            return versie, await antwoord(uow.cijfers, versie, vraag, stored, catalogus)

    def close(self) -> None:
        """Nothing to stop here."""


class Rekenproces(Rekenaar):
    """Computes in a worker process of its own (started at the first question, kept, started again
    if it dies): it connects to the database itself, reads in its own snapshot and hands back the
    answer with its version. The event loop of the service only waits."""

    def __init__(self, database_url: str):
        self._database_url = database_url
        self._pool: ProcessPoolExecutor | None = None

    def _werkproces(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_start, initargs=(self._database_url,))
        return self._pool

    async def antwoord(self, uow: ReportingUnitOfWork, vraag: KpiVraag, stored: list[str] | None,
                       catalogus: Catalogus) -> tuple[Versie, list[dict]]:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._werkproces(), _in_werkproces, vraag, stored, catalogus)
        except BrokenProcessPool:
            log.warning("the KPI worker process stopped; starting a new one")
            self.close()
            return await loop.run_in_executor(self._werkproces(), _in_werkproces, vraag, stored, catalogus)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


# ---- inside the worker process ----------------------------------------------------------------

_WERK: tuple[asyncio.AbstractEventLoop, async_sessionmaker] | None = None


def _start(database_url: str) -> None:
    """The worker's own event loop and connections, kept for every question it is asked; and a
    watch that ends the worker when the service is gone (killed, it cannot say so)."""
    global _WERK
    threading.Thread(target=_zolang_de_dienst_leeft, args=(os.getppid(),), daemon=True).start()
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    engine = db.create_engine(database_url, pool_size=1, max_overflow=1)
    _WERK = (loop, db.session_factory(engine))


def _zolang_de_dienst_leeft(dienst: int, elke_s: float = 2.0) -> None:
    while os.getppid() == dienst:
        time.sleep(elke_s)
    os._exit(0)


def _in_werkproces(vraag: KpiVraag, stored: list[str] | None,
                   catalogus: Catalogus) -> tuple[Versie, list[dict]]:
    loop, sessions = _WERK

    async def reken() -> tuple[Versie, list[dict]]:
        async with sessions() as session, session.begin():
            cijfers = CijferRepository(session)
            versie = await momentopname(session, cijfers)
            return versie, await antwoord(cijfers, versie, vraag, stored, catalogus)

    return loop.run_until_complete(reken())
