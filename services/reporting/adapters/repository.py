"""The event history and the projected KPI cells in the reporting database."""

import asyncio
import json
from collections.abc import Iterable
from datetime import date, datetime
from uuid import UUID

import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from runtime.uow import BatchBuffer, BatchCache
from services.reporting.adapters.orm import (
    SLEUTEL_KOLOMMEN,
    VERHOOG_VERSIE,
    duidingen,
    event_historie,
    herberekeningen,
    kpi_cijfers,
    kpi_versie,
    vaststellingen,
)
from services.reporting.domain.cijfers import Rij, Stand
from services.reporting.domain.duiding import Auteur, Duiding, Kwartaalduidingen, Vaststelling
from services.reporting.domain.periodes import Periode
from services.reporting.domain.projectie import HIST, STROOM, CelSleutel

# Live event handlers hold this lock shared; swapping in a rebuilt projection holds it exclusively.
PROJECTIE_LOCK = 705_1044
HERBOUW_LOCK = 705_1045  # one rebuild at a time per database (held by the replica running it)
HERBOUW_AANVRAAG_LOCK = 705_1046  # rebuild requests one at a time per database
h = event_historie.c
# A family's events: its own and those of its cases (the case ids ride along on every row); up to
# an event id, or (no bound: live handling) all of them, without a bound for the planner to weigh.
_VAN_DOSSIER = """
WITH casussen AS (SELECT coalesce(array_agg(DISTINCT casus_id), '{{}}') AS ids FROM event_historie
                  WHERE dossier = $1 AND casus_id IS NOT NULL{grens})
SELECT e.event_type, e.data::text, c.ids FROM event_historie e, casussen c
WHERE (e.dossier = $1 OR e.casus_id = ANY(c.ids)){e_grens} ORDER BY e.id"""
_VAN_CASUS = "SELECT event_type, data::text FROM event_historie WHERE casus_id = $1::uuid{grens} ORDER BY id"
_GRENZEN = {False: {"grens": "", "e_grens": ""},
            True: {"grens": " AND id <= $2", "e_grens": " AND e.id <= $2"}}
_LADEN = {(soort, begrensd): sql.format(**_GRENZEN[begrensd])
          for soort, sql in (("dossier", _VAN_DOSSIER), ("casus", _VAN_CASUS)) for begrensd in (False, True)}
_BEWAAR = """
INSERT INTO event_historie (event_id, sleutel, event_type, dossier, casus_id, tijdstip, data)
VALUES ($1, $2, $3, $4, $5::uuid, $6, $7::jsonb) ON CONFLICT (sleutel) DO NOTHING RETURNING id"""


async def _driver(session: AsyncSession):
    """The asyncpg connection under the session, in its transaction."""
    conn = await session.connection()
    return (await conn.get_raw_connection()).driver_connection


class HistorieRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    # The statements of every live event, on the driver directly (SQLAlchemy's statement building
    # was a quarter of the service's CPU per event); in the session's transaction all the same.
    async def _driver(self):
        return await _driver(self.session)

    async def projectie_gedeeld(self) -> None:
        await (await self._driver()).execute("SELECT pg_advisory_xact_lock_shared($1)", PROJECTIE_LOCK)

    async def vergrendel(self, dossiers: Iterable[str]) -> None:
        """One dossier is projected by one transaction at a time (replicas, rebuild catch-up):
        locked in one statement, in sorted order."""
        await (await self._driver()).execute(
            "SELECT count(pg_advisory_xact_lock(hashtext(d))) "
            "FROM (SELECT unnest($1::text[]) AS d ORDER BY 1) x",
            sorted(dossiers),
        )

    async def dossier_van_casus(self, casus_id: str, tot_id: int | None = None) -> str | None:
        sql = "SELECT dossier FROM event_historie WHERE casus_id = $1::uuid AND dossier IS NOT NULL"
        return await (await self._driver()).fetchval(
            sql + " AND id <= $2 ORDER BY id LIMIT 1" if tot_id is not None else sql + " ORDER BY id LIMIT 1",
            *((casus_id, tot_id) if tot_id is not None else (casus_id,)),
        )

    async def laad(self, dossier: str, tot_id: int | None = None) -> list[tuple[str, dict]]:
        """The dossier's events: a family's own and those of its cases; a case whose family is not
        known yet is the dossier 'casus:<id>'."""
        return (await self.laad_met_casussen(dossier, tot_id))[0]

    async def laad_met_casussen(
        self, dossier: str, tot_id: int | None = None
    ) -> tuple[list[tuple[str, dict]], frozenset[str]]:
        """The dossier's events (as `laad`) and the cases whose events it holds besides its own."""
        driver, grens = await self._driver(), () if tot_id is None else (tot_id,)
        if dossier.startswith("casus:"):
            casus_id = dossier.removeprefix("casus:")
            if await self.dossier_van_casus(casus_id, tot_id) is not None:
                return [], frozenset()
            rows = await driver.fetch(_LADEN[("casus", bool(grens))], casus_id, *grens)
            return [(r[0], orjson.loads(r[1])) for r in rows], frozenset()
        rows = await driver.fetch(_LADEN[("dossier", bool(grens))], dossier, *grens)
        casussen = rows[0][2] if rows else []
        return [(r[0], orjson.loads(r[1])) for r in rows], frozenset(str(c) for c in casussen or ())

    async def bewaar(
        self,
        *,
        event_id: str | None,
        sleutel: str,
        event_type: str,
        dossier: str | None,
        casus_id: str | None,
        tijdstip: datetime | None,
        data: dict,
    ) -> int | None:
        """Append the event; None when the same content is there already."""
        return await (await self._driver()).fetchval(
            _BEWAAR, event_id, sleutel, event_type, dossier, casus_id, tijdstip, orjson.dumps(data).decode()
        )

    async def nieuwer_dan(self, tot_id: int) -> list[tuple[int, str, str | None, str | None, dict]]:
        rows = await self.session.execute(
            sa.select(h.id, h.event_type, h.dossier, h.casus_id, h.data).where(h.id > tot_id).order_by(h.id)
        )
        return [tuple(r) for r in rows]

    async def aantal(self) -> int:
        return await self.session.scalar(sa.select(sa.func.count()).select_from(event_historie))


class CijferRepository:
    def __init__(self, session: AsyncSession, tabel: sa.Table = kpi_cijfers):
        self.session = session
        self.tabel = tabel

    async def versie(self) -> tuple[str, int]:
        """(projection id, version) of the projected cells, as this transaction sees them."""
        row = (await self.session.execute(sa.select(kpi_versie.c.projectie, kpi_versie.c.versie))).one()
        return str(row[0]), int(row[1])

    async def pas_toe(self, delta: dict[CelSleutel, tuple[int, int]]) -> None:
        """Add the changes to the projected cells (an upsert per cell); a change of the live
        projection bumps its version in the same transaction."""
        if not delta:
            return
        await self._upsert(delta)
        if self.tabel.name == kpi_cijfers.name:
            await self.session.execute(sa.text(VERHOOG_VERSIE))

    async def _upsert(self, delta: dict[CelSleutel, tuple[int, int]]) -> None:
        """One statement for all the cells (their columns as arrays, unnested), in key order, so
        two transactions adding to the same cells never deadlock. (An executemany sends one
        execute per cell: a hundred and more per report, the database's largest item.)"""
        rijen = sorted((k[1], k[2], k[0], k[3], k[4], k[5], k[6], a, s) for k, (a, s) in delta.items())
        kolommen = [list(kolom) for kolom in zip(*rijen, strict=True)]
        await (await self._driver()).execute(_upsert_sql(self.tabel.name), *kolommen)

    async def rijen(
        self, periode_type: str, periodes: list[str], kpis: list[str] | None = None
    ) -> dict[str, list[Rij]]:
        """The cells of the given periods (of one type), per period. Read with the driver directly:
        tens of thousands of small rows per request."""
        sql = (
            f"SELECT periode, kpi, gi, gemeente, dimensie, waarde, aantal, som FROM {self.tabel.name} "
            "WHERE periode_type = $1 AND periode = ANY($2::text[]) AND (aantal <> 0 OR som <> 0)"
        )
        params: list = [periode_type, periodes]
        if kpis:
            sql += " AND kpi = ANY($3::text[])"
            params.append(kpis)
        records = await (await self._driver()).fetch(sql, *params)
        return await asyncio.to_thread(_per_periode, periodes, records)

    async def tellingen(self, perioden: list[tuple[str, str]], kpis: list[str] | None = None) -> dict:
        """What the suppression of a family of linked periods rests on, summed in the database:
        the municipality x GI counts and the breakdown counts summed over the GIs (gi '*'), per
        period; no distributions or flows."""
        sql = (
            "SELECT periode_type, periode, kpi, CASE WHEN dimensie = '' THEN gi ELSE '*' END, gemeente, "
            f"dimensie, waarde, sum(aantal) FROM {self.tabel.name} "
            "WHERE (periode_type, periode) IN (SELECT * FROM unnest($1::text[], $2::text[])) "
            f"AND aantal <> 0 AND dimensie NOT LIKE '{HIST}%' AND dimensie NOT LIKE '{STROOM}%'"
        )
        params: list = [[t for t, _ in perioden], [c for _, c in perioden]]
        if kpis:
            sql += " AND kpi = ANY($3::text[])"
            params.append(kpis)
        sql += " GROUP BY 1, 2, 3, 4, 5, 6, 7"
        records = await (await self._driver()).fetch(sql, *params)
        return await asyncio.to_thread(_per_familieperiode, perioden, records)

    async def kwartalen(self) -> list[str]:
        """The quarters with cells (a skip scan over the primary key)."""
        sql = f"""WITH RECURSIVE k(p) AS (
            (SELECT periode FROM {self.tabel.name} WHERE periode_type = 'kwartaal' ORDER BY periode LIMIT 1)
            UNION ALL
            SELECT (SELECT periode FROM {self.tabel.name} WHERE periode_type = 'kwartaal' AND periode > k.p
                    ORDER BY periode LIMIT 1) FROM k WHERE k.p IS NOT NULL)
            SELECT p FROM k WHERE p IS NOT NULL"""
        return [r[0] for r in await (await self._driver()).fetch(sql)]

    async def _driver(self):
        return await _driver(self.session)

    async def standen(self, peildatum: date, kpis: list[str] | None = None) -> list[Stand]:
        """In- and outflow of the stock KPIs summed up to and including the reference day: whole
        years before it, whole months of its year before its month, and the days of its month."""
        t = self.tabel.c
        y, m = peildatum.year, peildatum.month
        q = (
            sa.select(t.kpi, t.gi, t.gemeente, t.waarde, sa.func.sum(t.aantal), sa.func.sum(t.som))
            .where(
                t.dimensie == STROOM,
                sa.or_(
                    sa.and_(t.periode_type == "jaar", t.periode < f"{y:04d}"),
                    sa.and_(
                        t.periode_type == "maand", t.periode >= f"{y:04d}-01", t.periode < f"{y:04d}-{m:02d}"
                    ),
                    sa.and_(
                        t.periode_type == "dag",
                        t.periode >= f"{y:04d}-{m:02d}-01",
                        t.periode <= peildatum.isoformat(),
                    ),
                ),
            )
            .group_by(t.kpi, t.gi, t.gemeente, t.waarde)
        )
        if kpis:
            q = q.where(t.kpi.in_(kpis))
        return [Stand(r[0], r[1], r[2], r[3], int(r[4]), int(r[5])) for r in await self.session.execute(q)]

    async def periodes(self, periode_type: str) -> list[str]:
        t = self.tabel.c
        return list(
            await self.session.scalars(
                sa.select(t.periode).distinct().where(t.periode_type == periode_type).order_by(t.periode)
            )
        )


class HerberekeningRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def nieuw(
        self, herberekening_id: UUID, *, vervangen: bool, catalogus_versie: str, aangevraagd_op: datetime
    ) -> None:
        await self.session.execute(
            sa.insert(herberekeningen).values(
                id=herberekening_id,
                status="bezig",
                vervangen=vervangen,
                catalogus_versie=catalogus_versie,
                aangevraagd_op=aangevraagd_op,
            )
        )

    async def klaar(self, herberekening_id: UUID, **values) -> None:
        if "voorbeelden" in values:
            values["voorbeelden"] = json.loads(json.dumps(values["voorbeelden"], default=str))
        await self.session.execute(
            sa.update(herberekeningen).where(herberekeningen.c.id == herberekening_id).values(**values)
        )

    async def beurt(self) -> None:
        """Requests for a rebuild one at a time per database, whichever replica gets them (held to
        the end of the request's transaction)."""
        await self.session.execute(sa.text(f"SELECT pg_advisory_xact_lock({HERBOUW_AANVRAAG_LOCK})"))

    async def draait(self) -> bool:
        """Whether some replica runs a rebuild now: it holds the database's rebuild lock. Probing
        takes the lock for this transaction only, when it is free."""
        vrij = await self.session.scalar(sa.text(f"SELECT pg_try_advisory_xact_lock({HERBOUW_LOCK})"))
        return not vrij

    async def bezig_sinds(self, sinds: datetime) -> bool:
        """A rebuild recorded as running that was asked for at or after `sinds` (about to start)."""
        return bool(await self.session.scalar(sa.select(sa.func.count()).select_from(herberekeningen).where(
            herberekeningen.c.status == "bezig", herberekeningen.c.aangevraagd_op >= sinds)))

    async def verlaten(self, voor: datetime, nu: datetime) -> int:
        """Rebuilds recorded as running, asked for before `voor`, that nobody runs any more (the
        instance running them stopped): recorded as failed."""
        result = await self.session.execute(
            sa.update(herberekeningen)
            .where(herberekeningen.c.status == "bezig", herberekeningen.c.aangevraagd_op < voor)
            .values(status="mislukt", klaar_op=nu,
                    fout="the service instance running it stopped before it finished"))
        return result.rowcount

    async def get(self, herberekening_id: UUID) -> dict | None:
        row = (
            await self.session.execute(
                sa.select(herberekeningen).where(herberekeningen.c.id == herberekening_id)
            )
        ).first()
        return dict(row._mapping) if row else None

    async def lijst(self, limit: int = 50) -> list[dict]:
        rows = await self.session.execute(
            sa.select(herberekeningen).order_by(herberekeningen.c.aangevraagd_op.desc()).limit(limit)
        )
        return [dict(r._mapping) for r in rows]


_CEL_KOLOMMEN = (*SLEUTEL_KOLOMMEN, "aantal", "som")  # (periode_type, periode, kpi, ...) as in the key


def _upsert_sql(tabel: str) -> str:
    """Add `aantal` and `som` to cells, creating those that are new."""
    typen = ", ".join(f"${i}::{'bigint' if i > 7 else 'text'}[]" for i in range(1, 10))
    return (
        f'INSERT INTO "{tabel}" ({", ".join(_CEL_KOLOMMEN)}) SELECT * FROM unnest({typen}) '
        f"ON CONFLICT ({', '.join(SLEUTEL_KOLOMMEN)}) DO UPDATE "
        f'SET aantal = "{tabel}".aantal + excluded.aantal, som = "{tabel}".som + excluded.som'
    )


class DossierStand(BatchCache):
    """What one batch's events read of the history, kept while its transaction holds the locks:
    the projection's shared lock taken, the dossiers locked, each touched dossier as it stands
    after the batch's events so far (its events and cases), and the cases' families found. Only
    a batch handled straight through has one: one transaction, so nobody else changes them."""

    def __init__(self) -> None:
        self.gedeeld = False
        self.vergrendeld: set[str] = set()
        self.dossiers: dict[str, tuple[list[tuple[str, dict]], frozenset[str]]] = {}
        self.families: dict[str, str] = {}


class CijferBuffer(BatchBuffer):
    """The cell changes of a whole batch of events, added up and written in one upsert (and one
    version bump) just before the batch commits."""

    def __init__(self, cijfers: CijferRepository):
        self.cijfers = cijfers
        self.delta: dict[CelSleutel, tuple[int, int]] = {}

    def add(self, delta: dict[CelSleutel, tuple[int, int]]) -> None:
        for key, (aantal, som) in delta.items():
            a, s = self.delta.get(key, (0, 0))
            self.delta[key] = (a + aantal, s + som)

    async def flush(self) -> None:
        await self.cijfers.pas_toe({k: v for k, v in self.delta.items() if v != (0, 0)})


# Tens of thousands of rows per request become cells in a thread: the event loop goes on serving.
def _per_periode(periodes: list[str], records) -> dict[str, list[Rij]]:
    result: dict[str, list[Rij]] = {p: [] for p in periodes}
    for r in records:
        result[r[0]].append(Rij(r[1], r[2], r[3], r[4], r[5], r[6], r[7]))
    return result


def _per_familieperiode(perioden: list[tuple[str, str]], records) -> dict[tuple[str, str], list[Rij]]:
    result: dict[tuple[str, str], list[Rij]] = {p: [] for p in perioden}
    for r in records:
        result[(r[0], r[1])].append(Rij(r[2], r[3], r[4], r[5], r[6], int(r[7]), 0))
    return result


class DuidingRepository:
    """A quarter's readings and its final marking (the aggregate Kwartaalduidingen)."""

    def __init__(self, session: AsyncSession):
        self.session = session

    async def get(self, kwartaal: Periode, *, vergrendeld: bool = False) -> Kwartaalduidingen:
        """The quarter's readings, oldest first; `vergrendeld`: one writer per quarter at a time
        (a reading and the final marking never cross), until the transaction ends."""
        if vergrendeld:
            await self.session.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:k))"),
                                       {"k": f"duidingen:{kwartaal.code}"})
        v = (await self.session.execute(
            sa.select(vaststellingen).where(vaststellingen.c.kwartaal == kwartaal.code))).first()
        rows = await self.session.execute(
            sa.select(duidingen).where(duidingen.c.kwartaal == kwartaal.code)
            .order_by(duidingen.c.volgnummer))
        return Kwartaalduidingen(
            kwartaal,
            Vaststelling(v.kwartaal, v.vastgesteld_op, v.vastgesteld_door) if v else None,
            [_duiding(r) for r in rows],
        )

    async def voeg_toe(self, d: Duiding) -> None:
        await self.session.execute(sa.insert(duidingen).values(
            id=d.id, kwartaal=d.kwartaal, gi=d.gi, kpi=d.kpi, tekst=d.tekst, auteur=d.auteur.sub,
            auteur_rol=d.auteur.rol, auteur_naam=d.auteur.naam, geschreven_op=d.geschreven_op,
            addendum=d.addendum))

    async def stel_vast(self, v: Vaststelling) -> None:
        await self.session.execute(sa.insert(vaststellingen).values(
            kwartaal=v.kwartaal, vastgesteld_op=v.vastgesteld_op, vastgesteld_door=v.door))


def _duiding(r) -> Duiding:
    return Duiding(id=r.id, kwartaal=r.kwartaal, gi=r.gi, kpi=r.kpi, tekst=r.tekst,
                   auteur=Auteur(r.auteur, r.auteur_rol, r.auteur_naam), geschreven_op=r.geschreven_op,
                   addendum=r.addendum)
