"""SQL of a rebuild: stream the history per dossier, sum it up in the database into a shadow
table, compare, swap.

The history is streamed with COPY (the database sorts it per dossier with parallel workers and
keeps sending while the service projects); the projected sums go back with COPY into an
unlogged table of sums at their lowest period level, which one aggregate spreads over every
period level into the shadow table. So the service holds one dossier and a bounded batch of
sums at a time, whatever the size of the history.
"""

import asyncio
import re
from collections.abc import AsyncIterator, Iterable
from datetime import date

import asyncpg
import orjson

from services.reporting.adapters.orm import KPI_CIJFERS, SLEUTEL_KOLOMMEN, VERHOOG_VERSIE
from services.reporting.domain.minimalisatie import EVENT_TYPES
from services.reporting.domain.periodes import Periode, periodes_van, soort_van

KOLOMMEN = ("kpi", "periode_type", "periode", "gi", "gemeente", "dimensie", "waarde", "aantal", "som")
SOM_KOLOMMEN = ("kpi", "periode", "gi", "gemeente", "dimensie", "waarde", "aantal", "som")
PK = ", ".join(SLEUTEL_KOLOMMEN)
VERGELIJK = ", ".join((*SLEUTEL_KOLOMMEN, "aantal", "som"))

# Every event up to `$1`, with its dossier: its own, its case's family, or 'casus:<id>'; of the
# dossiers in part `$2` of `$3` (by a hash of the dossier, so a dossier is whole in one part).
PER_DOSSIER = """
WITH koppeling AS (
    SELECT DISTINCT ON (casus_id) casus_id, dossier FROM event_historie
    WHERE casus_id IS NOT NULL AND dossier IS NOT NULL AND id <= $1
    ORDER BY casus_id, id)
SELECT d, event_type, data FROM (
    SELECT coalesce(e.dossier, k.dossier, 'casus:' || e.casus_id::text) COLLATE "C" AS d, e.id,
           e.event_type, e.data::text AS data
    FROM event_historie e LEFT JOIN koppeling k ON k.casus_id = e.casus_id
    WHERE e.id <= $1) x
WHERE $3 = 1 OR (hashtext(coalesce(d, '')) & 2147483647) % $3 = $2
ORDER BY d, id
"""

# COPY's text format escapes a backslash and control characters with a backslash.
_ESCAPE = re.compile(rb"\\(.)")
_ESCAPES = {b"b": b"\b", b"f": b"\f", b"n": b"\n", b"r": b"\r", b"t": b"\t", b"v": b"\v"}


def _veld(raw: bytes) -> bytes:
    if b"\\" not in raw:
        return raw
    return _ESCAPE.sub(lambda m: _ESCAPES.get(m.group(1), m.group(1)), raw)


async def _stroom(con: asyncpg.Connection, sql: str, *args, buffer: int = 64) -> AsyncIterator[bytes]:
    """The rows of `sql` as COPY text lines, read by a task that runs ahead up to `buffer` chunks."""
    chunks: asyncio.Queue = asyncio.Queue(buffer)
    einde = object()

    async def lees():
        try:
            await con.copy_from_query(sql, *args, output=chunks.put)
        finally:
            await chunks.put(einde)

    task = asyncio.create_task(lees())
    rest = b""
    try:
        while (chunk := await chunks.get()) is not einde:
            lines = (rest + chunk).split(b"\n")
            rest = lines.pop()
            for line in lines:
                yield line
        await task  # raises what the COPY raised
    finally:
        if not task.done():
            task.cancel()


async def per_dossier(
    con: asyncpg.Connection, tot_id: int, deel: int = 0, delen: int = 1
) -> AsyncIterator[tuple[str | None, list[tuple[str, dict]]]]:
    """(dossier, its events in stored order) for the whole history up to `tot_id`, or for the
    dossiers in part `deel` of `delen`; needs an open transaction (the snapshot)."""
    current, events = None, []
    loads, types = orjson.loads, {t.encode(): t for t in EVENT_TYPES}
    async for line in _stroom(con, PER_DOSSIER, tot_id, deel, delen):
        d, event_type, data = line.split(b"\t")
        if d != current:
            if events:
                yield _dossier_naam(current), events
            current, events = d, []
        events.append((types.get(event_type) or event_type.decode(), loads(_veld(data))))
    if events:
        yield _dossier_naam(current), events


def _dossier_naam(raw: bytes) -> str | None:
    return None if raw == b"\\N" else _veld(raw).decode()


# ---- the sums, and the shadow table spread from them ---------------------------------------------


class Sommen:
    """The sums one part of a rebuild projected (at their lowest period level), written in
    batches into an unlogged table of the part's own as (serie, periode, aantal, som) with small
    integer ids local to the part: a serie is (kpi, gi, gemeente, dimensie, waarde), a periode a
    day, month or quarter. `codes` gives the ids back so the parts can be brought together."""

    def __init__(self, con: asyncpg.Connection, naam: str, deel: int = 0):
        self.con, self.naam = con, deel_naam(naam, deel)
        self.series: dict[tuple[str, str, str, str, str], int] = {}
        self.periodes: dict[str, int] = {}

    async def bewaar(self, rijen: Iterable[tuple]) -> None:
        """A batch of (kpi, periode, gi, gemeente, dimensie, waarde, aantal, som)."""
        await self.con.copy_records_to_table(
            self.naam, records=self._gecodeerd(rijen), columns=["serie", "periode", "aantal", "som"]
        )

    def _gecodeerd(self, rijen: Iterable[tuple]) -> Iterable[tuple[int, int, int, int]]:
        series, periodes = self.series, self.periodes
        for kpi, periode, gi, gemeente, dimensie, waarde, aantal, som in rijen:
            serie = series.get((kpi, gi, gemeente, dimensie, waarde))
            if serie is None:
                serie = series[(kpi, gi, gemeente, dimensie, waarde)] = len(series)
            pid = periodes.get(periode)
            if pid is None:
                pid = periodes[periode] = len(periodes)
            yield serie, pid, aantal, som

    def codes(self) -> tuple[dict, dict]:
        return self.series, self.periodes


def deel_naam(naam: str, deel: int) -> str:
    return f"{naam}_d{deel}"


class Schaduw:
    """The parts' sums brought together and spread over every period level into the shadow
    table. The part-local ids are mapped onto ids of the whole (`_series_kaart`,
    `_periodes_kaart`); `_series`, `_periodes` and `_spreiding` (every period containing a sum's
    period, from periodes_van) turn them back into cells of every level."""

    def __init__(self, con: asyncpg.Connection, naam: str, delen: int = 1):
        self.con, self.naam, self.delen = con, naam, delen
        self.series: dict[tuple[str, str, str, str, str], int] = {}
        self.periodes: dict[tuple[str, str], int] = {}  # (periode_type, periode) of every level
        self.laagste: dict[str, int] = {}  # a sum's own period (day, month, quarter) -> its id
        self.kaarten: dict[str, list[tuple[int, int, int]]] = {"_series_kaart": [], "_periodes_kaart": []}

    def tabel(self, deel: str = "") -> str:
        return f'"{self.naam}{deel}"'

    async def maak(self) -> None:
        for deel in range(self.delen):
            await self.con.execute(
                f'CREATE UNLOGGED TABLE "{deel_naam(self.naam, deel)}" '
                "(serie int, periode int, aantal bigint, som bigint)"
            )

    def voeg_toe(self, deel: int, series: dict, periodes: dict) -> None:
        """The ids part `deel` used, mapped onto ids of the whole."""
        for key, lokaal in series.items():
            serie = self.series.setdefault(key, len(self.series))
            self.kaarten["_series_kaart"].append((deel, lokaal, serie))
        for code, lokaal in periodes.items():
            pid = self.laagste.get(code)
            if pid is None:
                pid = self.laagste[code] = self._periode_id(code)
            self.kaarten["_periodes_kaart"].append((deel, lokaal, pid))

    def _periode_id(self, code: str) -> int:
        return self.periodes.setdefault((_soort(code), code), len(self.periodes))

    def _spreiding(self) -> list[tuple[int, int]]:
        """(a sum's period, a period containing it), itself included."""
        rijen = []
        for code, pid in self.laagste.items():
            soort = _soort(code)
            niveaus = periodes_van(_eerste_dag(code), True)
            for sleutel in niveaus[[t for t, _ in niveaus].index(soort):]:
                rijen.append((pid, self.periodes.setdefault(sleutel, len(self.periodes))))
        return rijen

    async def schrijf(self, naam: str) -> int:
        """A new table like the projection holding every cell of every level (zero cells left
        out), written in its key order so its primary key is built fast. Returns its cells."""
        await self._sleutels()
        # Big aggregates and sorts: in memory (of the database server, for this connection).
        await self.con.execute("SET work_mem = '128MB'; SET maintenance_work_mem = '256MB'; SET jit = off")
        await self.con.execute(f"CREATE UNLOGGED TABLE {self.tabel('_basis')} AS {self._basis_sql()}")
        await self.con.execute(f"ANALYZE {self.tabel('_basis')}")
        await self.con.execute(f'CREATE TABLE "{naam}" (LIKE {KPI_CIJFERS} INCLUDING DEFAULTS)')
        status = await self.con.execute(self._vul_sql(naam))
        await self.con.execute(f'ALTER TABLE "{naam}" ADD CONSTRAINT "{naam}_pkey" PRIMARY KEY ({PK})')
        await self.con.execute(f'ANALYZE "{naam}"')
        await self.con.execute("RESET work_mem; RESET maintenance_work_mem; RESET jit")
        return int(status.split()[-1])

    async def _sleutels(self) -> None:
        spreiding = self._spreiding()
        for deel, kolommen, rijen in (
            ("_series", "id int, kpi text, gi text, gemeente text, dimensie text, waarde text",
             [(i, *k) for k, i in self.series.items()]),
            ("_periodes", "id int, periode_type text, periode text",
             [(i, *k) for k, i in self.periodes.items()]),
            ("_spreiding", "onder int, boven int", spreiding),
            ("_series_kaart", "deel int, lokaal int, id int", self.kaarten["_series_kaart"]),
            ("_periodes_kaart", "deel int, lokaal int, id int", self.kaarten["_periodes_kaart"]),
        ):
            await self.con.execute(f"CREATE UNLOGGED TABLE {self.tabel(deel)} ({kolommen})")
            await self.con.copy_records_to_table(f"{self.naam}{deel}", records=rijen)
            await self.con.execute(f"ANALYZE {self.tabel(deel)}")

    def _basis_sql(self) -> str:
        """Every part's sums with the ids of the whole, summed per serie and period."""
        delen = " UNION ALL ".join(
            f'SELECT {deel} AS deel, * FROM "{deel_naam(self.naam, deel)}"' for deel in range(self.delen)
        )
        return (
            "SELECT sk.id AS serie, pk.id AS periode, sum_int8(s.aantal) AS aantal, sum_int8(s.som) AS som "
            f"FROM ({delen}) s "
            f"JOIN {self.tabel('_series_kaart')} sk ON sk.deel = s.deel AND sk.lokaal = s.serie "
            f"JOIN {self.tabel('_periodes_kaart')} pk ON pk.deel = s.deel AND pk.lokaal = s.periode "
            "GROUP BY sk.id, pk.id"
        )

    def _vul_sql(self, naam: str) -> str:
        per_niveau = (
            "SELECT b.serie, sp.boven AS periode, sum_int8(b.aantal) AS aantal, sum_int8(b.som) AS som "
            f"FROM {self.tabel('_basis')} b JOIN {self.tabel('_spreiding')} sp ON sp.onder = b.periode "
            "GROUP BY b.serie, sp.boven"
        )
        series = (
            "SELECT *, row_number() OVER (ORDER BY kpi, gi, gemeente, dimensie, waarde) AS rang "
            f"FROM {self.tabel('_series')}"
        )
        periodes = (
            "SELECT *, row_number() OVER (ORDER BY periode_type, periode) AS rang "
            f"FROM {self.tabel('_periodes')}"
        )
        return (
            f'INSERT INTO "{naam}" ({PK}, aantal, som) '
            "SELECT p.periode_type, p.periode, r.kpi, r.gi, r.gemeente, r.dimensie, r.waarde, "
            f"x.aantal, x.som FROM ({per_niveau}) x JOIN ({series}) r ON r.id = x.serie "
            f"JOIN ({periodes}) p ON p.id = x.periode "
            "WHERE x.aantal <> 0 OR x.som <> 0 ORDER BY p.rang, r.rang"
        )

    async def ruim_op(self) -> None:
        delen = [f"_d{deel}" for deel in range(self.delen)]
        vast = ("_series", "_periodes", "_spreiding", "_basis", "_series_kaart", "_periodes_kaart")
        for deel in (*vast, *delen):
            await self.con.execute(f"DROP TABLE IF EXISTS {self.tabel(deel)}")


def _soort(code: str) -> str:
    return soort_van(code)


def _eerste_dag(code: str) -> date:
    return Periode(_soort(code), code).begin


def vergelijk_sql(schaduw: str) -> tuple[str, str]:
    """The number of differing cells (a cell differing in value counts once per side, as a cell
    on one side only), and the first 20 of them."""
    live = f"SELECT {VERGELIJK} FROM {KPI_CIJFERS} WHERE aantal <> 0 OR som <> 0"
    nieuw = f'SELECT {VERGELIJK} FROM "{schaduw}" WHERE aantal <> 0 OR som <> 0'
    on = " AND ".join(f"a.{c} = b.{c}" for c in SLEUTEL_KOLOMMEN)
    verschil = (
        f"FROM ({live}) a FULL JOIN ({nieuw}) b ON {on} "
        "WHERE (a.aantal IS DISTINCT FROM b.aantal OR a.som IS DISTINCT FROM b.som)"
    )
    kanten = (
        f"(SELECT 'live' AS kant, a.* {verschil} AND a.kpi IS NOT NULL) "
        f"UNION ALL (SELECT 'herberekend', b.* {verschil} AND b.kpi IS NOT NULL)"
    )
    return (
        f"SELECT coalesce(sum((a.kpi IS NOT NULL)::int + (b.kpi IS NOT NULL)::int), 0) {verschil}",
        f"SELECT * FROM ({kanten}) x ORDER BY 2, 3, 4 LIMIT 20",
    )


def wissel_sql(schaduw: str, suffix: str) -> list[str]:
    oud = f"{KPI_CIJFERS}_oud_{suffix}"
    return [
        f"ALTER TABLE {KPI_CIJFERS} RENAME TO {oud}",
        f'ALTER TABLE "{schaduw}" RENAME TO {KPI_CIJFERS}',
        f"DROP TABLE {oud}",
        f'ALTER TABLE {KPI_CIJFERS} RENAME CONSTRAINT "{schaduw}_pkey" TO {KPI_CIJFERS}_pkey',
        VERHOOG_VERSIE,
    ]

