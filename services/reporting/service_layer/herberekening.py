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
from collections.abc import Coroutine, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID, uuid4

from sqlalchemy.ext.asyncio import async_sessionmaker

from runtime.clock import Clock
from runtime.errors import Conflict
from services.reporting.adapters import catalogus as catalogus_bron
from services.reporting.adapters import herbouw_db
from services.reporting.adapters.repository import HistorieRepository
from services.reporting.domain.minimalisatie import dossier_van
from services.reporting.domain.model import Catalogus
from services.reporting.domain.projectie import CelSleutel, Optelling, dossier, dossiers_cellen, verschil
from services.reporting.service_layer.unit_of_work import ReportingUnitOfWork

log = logging.getLogger(__name__)


class Achtergrond:
    """The rebuilds a service instance runs in the background. The composition root owns one (the
    bus hands it to the handlers by name); the tasks are held here so they run to the end."""

    def __init__(self) -> None:
        self._taken: set[asyncio.Task] = set()

    def start(self, rebuild: Coroutine) -> None:
        task = asyncio.create_task(rebuild)
        self._taken.add(task)
        task.add_done_callback(self._taken.discard)

    def __bool__(self) -> bool:
        """Whether a rebuild runs here."""
        return bool(self._taken)


# A rebuild asked for this recently and not running yet is about to start (its instance takes the
# rebuild lock right after the request commits); an older one nobody runs was left by a stopped one.
AANLOOP = timedelta(seconds=30)


async def aanvragen(uow: ReportingUnitOfWork, *, vervangen: bool, achtergrond: Achtergrond) -> dict:
    """A rebuild recorded as running. Conflict while one runs or is about to, at any replica:
    requests take turns per database, and the rebuild lock says whether one runs."""
    catalogus = catalogus_bron.actief()
    herberekening_id, nu = uuid4(), uow.clock.now()
    async with uow:
        await uow.herberekeningen.beurt()
        if achtergrond or await uow.herberekeningen.draait() or \
                await uow.herberekeningen.bezig_sinds(nu - AANLOOP):
            raise Conflict("a rebuild is running; wait for it to finish")
        await uow.herberekeningen.verlaten(nu - AANLOOP, nu)
        await uow.herberekeningen.nieuw(
            herberekening_id,
            vervangen=vervangen,
            catalogus_versie=catalogus.versie,
            aangevraagd_op=nu,
        )
        await uow.commit()
        return await uow.herberekeningen.get(herberekening_id)


def start_op_achtergrond(
    sessions: async_sessionmaker, herberekening_id: UUID, vervangen: bool, clock: Clock,
    verdeling: "Verdeling", achtergrond: Achtergrond,
) -> None:
    achtergrond.start(
        voer_uit(sessions, herberekening_id, vervangen=vervangen, clock=clock, verdeling=verdeling))


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
    record = await herbouw_db.leg_uitkomst_vast(sessions, herberekening_id, klaar_op=clock.now(), **uitkomst)
    return {**record, "fasen": fasen}


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
    """Cut, project every part of the snapshot, make the shadow table; then catch up, compare and
    swap. Whatever fails, the shadow table goes."""
    engine = herbouw_db.engine_van(sessions)
    schaduw = herbouw_db.schaduw_naam(herberekening_id)
    fasen: dict[str, float] = {}
    try:
        async with herbouw_db.verbindingen(engine, schaduw, verdeling.delen) as db:  # one per database
            hoogste = await db.snede()
            try:
                events, dossiers = await _projecteer(engine, db, hoogste, catalogus, verdeling, fasen)
            finally:
                await db.sluit_snapshot()
            aantal_cellen = await _schaduw(db, fasen)
        uitkomst = await _bijwerken_en_wisselen(sessions, schaduw, hoogste, catalogus, vervangen, fasen)
    except Exception:
        await herbouw_db.verwijder_schaduw(engine, schaduw)
        raise
    uitkomst.update(events=events + uitkomst.pop("nieuwer"), dossiers=dossiers, cellen=aantal_cellen)
    log.info(
        "rebuild %s: %s (%d events, %d dossiers, %d cells, %d differences, %d parts), phases %s",
        herberekening_id, uitkomst["status"], uitkomst["events"], dossiers, aantal_cellen,
        uitkomst["verschillen"], verdeling.delen, {k: round(v, 2) for k, v in fasen.items()},
    )
    return {**uitkomst, "fasen": {k: round(v, 2) for k, v in fasen.items()}}


async def _projecteer(
    engine, db: herbouw_db.Herbouwverbindingen, hoogste: int, catalogus: Catalogus, verdeling: Verdeling,
    fasen,
) -> tuple[int, int]:
    """Every part of the snapshot's history projected (each its share of the dossiers, over the
    snapshot the cut exported) and its sums written; the parts' ids brought together."""
    t0 = time.monotonic()
    sommen = await db.maak_sommen()
    deel = Deel(await db.exporteer_snapshot(), hoogste, verdeling.delen, sommen, catalogus.norm_dagen,
                SOMMEN_PER_BATCH)
    if verdeling.delen == 1:
        uitkomsten = [await projecteer_deel(engine, deel, 0)]
    else:
        loop = asyncio.get_running_loop()
        with ProcessPoolExecutor(verdeling.delen, mp_context=multiprocessing.get_context("spawn")) as pool:
            uitkomsten = await asyncio.gather(*(
                loop.run_in_executor(pool, _in_werkproces, verdeling.database_url, deel, nummer)
                for nummer in range(verdeling.delen)))
    for nummer, (_, _, series, periodes) in enumerate(uitkomsten):
        db.voeg_toe(nummer, series, periodes)
    fasen["lezen_en_projecteren_s"] = time.monotonic() - t0
    return sum(u[0] for u in uitkomsten), sum(u[1] for u in uitkomsten)


async def projecteer_deel(engine, deel: Deel, nummer: int) -> tuple[int, int, dict, dict]:
    """Part `nummer`: its dossiers streamed from the snapshot, projected, the sums written in
    batches. Returns (events, dossiers) and the ids its sums used."""
    optelling, events, dossiers = Optelling(), 0, 0
    async with herbouw_db.deel(engine, deel.snapshot, deel.hoogste, nummer, deel.delen, deel.sommen) as (
        per_dossier, sommen
    ):
        async for _, evs in per_dossier:
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
        async with herbouw_db.eigen_engine(database_url) as engine:
            return await projecteer_deel(engine, deel, nummer)

    return asyncio.run(run())


async def _schaduw(db: herbouw_db.Herbouwverbindingen, fasen) -> int:
    t0 = time.monotonic()
    aantal = await db.schrijf_schaduw()
    fasen["schaduwtabel_s"] = time.monotonic() - t0
    return aantal


async def _bijwerken_en_wisselen(
    sessions: async_sessionmaker, schaduw: str, hoogste: int, catalogus: Catalogus, vervangen: bool, fasen
) -> dict:
    """Catch up, compare, swap: one transaction holding the projection lock exclusively."""
    t0 = time.monotonic()
    async with herbouw_db.afronding(sessions, schaduw) as afronding:
        nieuwer = await afronding.historie.nieuwer_dan(hoogste)
        geraakt = await _geraakt(afronding.historie, nieuwer)
        if geraakt:
            oud = await dossier_cellen(afronding.historie, geraakt, catalogus, tot_id=hoogste)
            nieuw = await dossier_cellen(afronding.historie, geraakt, catalogus)
            await afronding.schaduw_cijfers.pas_toe(verschil(oud, nieuw))
        verschillen, voorbeelden = await afronding.verschillen()
        vervangen_nu = vervangen and verschillen > 0
        if vervangen_nu:
            await afronding.wissel()
        else:
            await afronding.verwerp()
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
