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
import time
from collections import defaultdict
from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import async_sessionmaker

from runtime.clock import Clock
from runtime.errors import Conflict
from services.reporting.adapters import catalogus as catalogus_bron
from services.reporting.adapters import herbouw
from services.reporting.adapters.orm import cijfer_tabel
from services.reporting.adapters.repository import PROJECTIE_LOCK, CijferRepository, HistorieRepository
from services.reporting.domain.minimalisatie import dossier_van
from services.reporting.domain.model import Catalogus
from services.reporting.domain.projectie import bijdragen, uitspreiden, verschil
from services.reporting.service_layer.handlers import dossier_cellen
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
    sessions: async_sessionmaker, herberekening_id: UUID, vervangen: bool, clock: Clock
) -> None:
    task = asyncio.create_task(voer_uit(sessions, herberekening_id, vervangen=vervangen, clock=clock))
    _lopend.add(task)
    task.add_done_callback(_lopend.discard)


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
) -> dict:
    """Rebuild, compare and (if asked and different) replace. Returns the recorded outcome."""
    catalogus = catalogus or catalogus_bron.actief()
    started = time.monotonic()
    try:
        uitkomst = await _herbouw(sessions, herberekening_id, vervangen, catalogus)
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


async def _herbouw(
    sessions: async_sessionmaker, herberekening_id: UUID, vervangen: bool, catalogus: Catalogus
) -> dict:
    engine = sessions.kw["bind"]
    schaduw = f"kpi_cijfers_h{herberekening_id.hex[:12]}"
    async with engine.connect() as guard_conn, engine.connect() as read_conn, engine.connect() as write_conn:
        guard, lees, schrijf = await _raw(guard_conn), await _raw(read_conn), await _raw(write_conn)
        if not await guard.fetchval("SELECT pg_try_advisory_lock($1)", HERBOUW_LOCK):
            raise Conflict("another rebuild is running on this database")
        try:
            # 1. the cut
            cut = guard.transaction()
            await cut.start()
            await guard.execute("SELECT pg_advisory_xact_lock($1)", PROJECTIE_LOCK)
            snapshot = lees.transaction(isolation="repeatable_read", readonly=True)
            await snapshot.start()
            hoogste = await lees.fetchval("SELECT coalesce(max(id), 0) FROM event_historie")
            await cut.commit()

            # 2. project the snapshot
            fasen = {}
            t0 = time.monotonic()
            per_dag: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
            events = dossiers = 0
            norm = catalogus.norm_dagen
            async for _, evs in herbouw.per_dossier(lees, hoogste):
                dossiers += 1
                events += len(evs)
                for b in bijdragen(evs, norm):
                    acc = per_dag[b[:6]]
                    acc[0] += b.aantal
                    acc[1] += b.som
            await snapshot.commit()
            fasen["lezen_en_projecteren_s"] = time.monotonic() - t0
            t0 = time.monotonic()
            projectie = uitspreiden(per_dag)
            del per_dag
            fasen["periodes_s"] = time.monotonic() - t0
            t0 = time.monotonic()
            await schrijf.execute("DROP TABLE IF EXISTS " + f'"{schaduw}"')
            aantal_cellen = await herbouw.maak_schaduw(schrijf, schaduw, projectie)
            del projectie
            fasen["schaduwtabel_s"] = time.monotonic() - t0
        finally:
            await guard.execute("SELECT pg_advisory_unlock($1)", HERBOUW_LOCK)

    # 3. catch up, compare, swap: one transaction holding the projection lock exclusively
    t0 = time.monotonic()
    try:
        async with sessions() as session, session.begin():
            await session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": PROJECTIE_LOCK})
            historie = HistorieRepository(session)
            nieuwer = await historie.nieuwer_dan(hoogste)
            geraakt: set[str] = set()
            for _, event_type, dossier, casus_id, data in nieuwer:
                d = dossier or dossier_van(event_type, data) or await historie.dossier_van_casus(casus_id)
                geraakt.add(d or f"casus:{casus_id}")
                if casus_id:
                    geraakt.add(f"casus:{casus_id}")
            if geraakt:
                oud = await dossier_cellen(historie, geraakt, catalogus, tot_id=hoogste)
                nieuw = await dossier_cellen(historie, geraakt, catalogus)
                await CijferRepository(session, cijfer_tabel(schaduw, sa.MetaData())).pas_toe(
                    verschil(oud, nieuw)
                )
            tel, voorbeelden_sql = herbouw.vergelijk_sql(schaduw)
            verschillen = await session.scalar(sa.text(tel))
            voorbeelden = [dict(r._mapping) for r in await session.execute(sa.text(voorbeelden_sql))]
            vervangen_nu = vervangen and verschillen > 0
            if vervangen_nu:
                for stmt in herbouw.wissel_sql(schaduw, herberekening_id.hex[:12]):
                    await session.execute(sa.text(stmt))
            else:
                await session.execute(sa.text(f'DROP TABLE "{schaduw}"'))
    except Exception:
        async with engine.begin() as conn:
            await conn.execute(sa.text(f'DROP TABLE IF EXISTS "{schaduw}"'))
        raise
    fasen["bijwerken_vergelijken_wisselen_s"] = time.monotonic() - t0
    log.info("rebuild %s phases: %s", herberekening_id, {k: round(v, 2) for k, v in fasen.items()})
    status = "vervangen" if vervangen_nu else ("gelijk" if verschillen == 0 else "verschillen")
    log.info(
        "rebuild %s: %s (%d events, %d dossiers, %d cells, %d differences)",
        herberekening_id,
        status,
        events + len(nieuwer),
        dossiers,
        aantal_cellen,
        verschillen,
    )
    return {
        "status": status,
        "events": events + len(nieuwer),
        "dossiers": dossiers,
        "cellen": aantal_cellen,
        "verschillen": verschillen,
        "voorbeelden": voorbeelden,
        "fasen": {k: round(v, 2) for k, v in fasen.items()},
    }
