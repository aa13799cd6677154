"""The database side of a rebuild (service_layer/herberekening.py says its steps): its own
connections outside any unit of work, the lock that lets one rebuild run per database, the clean
cut and the snapshot it exports to the parts, the shadow table made from the sums, and the last
transaction holding the projection lock exclusively, in which the shadow is compared and swapped in.
The SQL itself is in adapters/herbouw.py."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from uuid import UUID

import asyncpg
import sqlalchemy as sa
from asyncpg.transaction import Transaction
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.pool import NullPool

from runtime import db
from runtime.errors import Conflict
from services.reporting.adapters import herbouw
from services.reporting.adapters.orm import cijfer_tabel
from services.reporting.adapters.repository import (
    HERBOUW_LOCK,
    PROJECTIE_LOCK,
    CijferRepository,
    HerberekeningRepository,
    HistorieRepository,
)

SCHADUW_PREFIX = "kpi_cijfers_h"


def engine_van(sessions: async_sessionmaker) -> AsyncEngine:
    return sessions.kw["bind"]


def schaduw_naam(herberekening_id: UUID) -> str:
    """The shadow table of a rebuild."""
    return f"{SCHADUW_PREFIX}{herberekening_id.hex[:12]}"


async def _raw(conn) -> asyncpg.Connection:
    return (await conn.get_raw_connection()).driver_connection


class Herbouwverbindingen:
    """The connections of one rebuild: `guard` holds the rebuild lock and makes the cut, `lees`
    holds the snapshot, `schrijf` writes the sums and the shadow table."""

    def __init__(self, guard: asyncpg.Connection, lees: asyncpg.Connection, schrijf: asyncpg.Connection,
                 schaduw: str, delen: int):
        self.guard, self.lees, self.schrijf, self.schaduw = guard, lees, schrijf, schaduw
        self.sommen = herbouw.Schaduw(schrijf, f"{schaduw}_sommen", delen)
        self._snapshot: Transaction | None = None

    async def snede(self) -> int:
        """The clean cut: with the projection lock held exclusively for a moment (no live handler
        in flight) open the snapshot the rebuild reads; the highest event id in it."""
        cut = self.guard.transaction()
        await cut.start()
        await self.guard.execute("SELECT pg_advisory_xact_lock($1)", PROJECTIE_LOCK)
        self._snapshot = self.lees.transaction(isolation="repeatable_read", readonly=True)
        await self._snapshot.start()
        hoogste = await self.lees.fetchval("SELECT coalesce(max(id), 0) FROM event_historie")
        await cut.commit()
        return hoogste

    async def sluit_snapshot(self) -> None:
        await self._snapshot.rollback()  # read only

    async def maak_sommen(self) -> str:
        """The tables the parts write their sums into; their name."""
        await self.sommen.maak()
        return self.sommen.naam

    async def exporteer_snapshot(self) -> str:
        """The snapshot of the cut, for the parts to read in (pg_export_snapshot)."""
        return await self.lees.fetchval("SELECT pg_export_snapshot()")

    def voeg_toe(self, deel: int, series: dict, periodes: dict) -> None:
        """The ids part `deel` used for its sums."""
        self.sommen.voeg_toe(deel, series, periodes)

    async def schrijf_schaduw(self) -> int:
        """The shadow table, made anew from the sums of all parts; its cells."""
        await self.schrijf.execute(f'DROP TABLE IF EXISTS "{self.schaduw}"')
        return await self.sommen.schrijf(self.schaduw)


@asynccontextmanager
async def verbindingen(engine: AsyncEngine, schaduw: str, delen: int) -> AsyncIterator[Herbouwverbindingen]:
    """The rebuild's connections, holding the database's rebuild lock (Conflict when another
    rebuild holds it: one rebuild per database, whichever replica asks); after it the tables of
    sums are dropped and the lock is released."""
    async with engine.connect() as g, engine.connect() as r, engine.connect() as w:
        guard, lees, schrijf = await _raw(g), await _raw(r), await _raw(w)
        if not await guard.fetchval("SELECT pg_try_advisory_lock($1)", HERBOUW_LOCK):
            raise Conflict("another rebuild is running on this database")
        verbinding = Herbouwverbindingen(guard, lees, schrijf, schaduw, delen)
        try:
            yield verbinding
        finally:
            await verbinding.sommen.ruim_op()
            await guard.execute("SELECT pg_advisory_unlock($1)", HERBOUW_LOCK)


async def verwijder_schaduw(engine: AsyncEngine, schaduw: str) -> None:
    async with engine.begin() as conn:
        await conn.execute(sa.text(f'DROP TABLE IF EXISTS "{schaduw}"'))


# ---- a part, in this process or a worker process --------------------------------------------------


@asynccontextmanager
async def eigen_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine of a worker process's own (no pool: it connects for its part only)."""
    engine = db.create_engine(database_url, poolclass=NullPool)
    try:
        yield engine
    finally:
        await engine.dispose()


@asynccontextmanager
async def deel(
    engine: AsyncEngine, snapshot: str, hoogste: int, nummer: int, delen: int, sommen: str
) -> AsyncIterator[tuple[AsyncIterator[tuple[str | None, list[tuple[str, dict]]]], herbouw.Sommen]]:
    """Part `nummer` of `delen`: its dossiers streamed from the exported snapshot (up to event
    `hoogste`), and where its sums go."""
    async with engine.connect() as r, engine.connect() as w:
        lees, schrijf = await _raw(r), await _raw(w)
        async with lees.transaction(isolation="repeatable_read", readonly=True):
            await lees.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
            await lees.execute("SET LOCAL jit = off")  # compiling the big sort costs more than it saves
            await lees.execute("SET LOCAL work_mem = '256MB'")  # the sort of the part, in memory
            if delen > 1:  # the parts are the parallelism: parallel workers of each part
                # would each compute the case -> family join again, on the same two cores
                await lees.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            yield herbouw.per_dossier(lees, hoogste, nummer, delen), herbouw.Sommen(schrijf, sommen, nummer)


# ---- catching up, comparing and swapping ---------------------------------------------------------


class Afronding:
    """The last transaction of a rebuild, holding the projection lock exclusively: the history
    (the events after the cut), the shadow table's cells, the comparison and the swap."""

    def __init__(self, session: AsyncSession, schaduw: str):
        self.session, self.schaduw = session, schaduw
        self.historie = HistorieRepository(session)
        self.schaduw_cijfers = CijferRepository(session, cijfer_tabel(schaduw, sa.MetaData()))

    async def verschillen(self) -> tuple[int, list[dict]]:
        """The number of cells the shadow and the live projection differ in, and the first of them."""
        tel, voorbeelden_sql = herbouw.vergelijk_sql(self.schaduw)
        verschillen = await self.session.scalar(sa.text(tel))
        voorbeelden = []
        if verschillen:  # the first of them; the same join again, so only when there are any
            voorbeelden = [dict(r._mapping) for r in await self.session.execute(sa.text(voorbeelden_sql))]
        return verschillen, voorbeelden

    async def wissel(self) -> None:
        """The shadow becomes the live projection (its version bumped); the old one is dropped."""
        for stmt in herbouw.wissel_sql(self.schaduw, self.schaduw.removeprefix(SCHADUW_PREFIX)):
            await self.session.execute(sa.text(stmt))

    async def verwerp(self) -> None:
        await self.session.execute(sa.text(f'DROP TABLE "{self.schaduw}"'))


@asynccontextmanager
async def afronding(sessions: async_sessionmaker, schaduw: str) -> AsyncIterator[Afronding]:
    async with sessions() as session, session.begin():
        await session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": PROJECTIE_LOCK})
        yield Afronding(session, schaduw)


async def leg_uitkomst_vast(sessions: async_sessionmaker, herberekening_id: UUID, *, klaar_op: datetime,
                            **uitkomst) -> dict:
    """The rebuild's outcome recorded; its record."""
    async with sessions() as session, session.begin():
        repo = HerberekeningRepository(session)
        await repo.klaar(herberekening_id, klaar_op=klaar_op, **uitkomst)
        return await repo.get(herberekening_id)
