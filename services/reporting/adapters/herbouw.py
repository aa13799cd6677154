"""SQL of a rebuild: stream the history per dossier, fill a shadow table, compare, swap."""

import json
from collections.abc import AsyncIterator

import asyncpg

from services.reporting.adapters.orm import KPI_CIJFERS, SLEUTEL_KOLOMMEN
from services.reporting.domain.projectie import CelSleutel

KOLOMMEN = ("kpi", "periode_type", "periode", "gi", "gemeente", "dimensie", "waarde", "aantal", "som")
PK = ", ".join(SLEUTEL_KOLOMMEN)
VERGELIJK = ", ".join((*SLEUTEL_KOLOMMEN, "aantal", "som"))

# Every event up to `$1`, with its dossier: its own, its case's family, or 'casus:<id>'.
PER_DOSSIER = """
WITH koppeling AS (
    SELECT DISTINCT ON (casus_id) casus_id, dossier FROM event_historie
    WHERE casus_id IS NOT NULL AND dossier IS NOT NULL AND id <= $1
    ORDER BY casus_id, id)
SELECT coalesce(e.dossier, k.dossier, 'casus:' || e.casus_id::text) AS d, e.event_type, e.data::text
FROM event_historie e LEFT JOIN koppeling k ON k.casus_id = e.casus_id
WHERE e.id <= $1
ORDER BY d, e.id
"""


async def per_dossier(
    con: asyncpg.Connection, tot_id: int, prefetch: int = 20000
) -> AsyncIterator[tuple[str, list[tuple[str, dict]]]]:
    """(dossier, its events) for the whole history up to `tot_id`; needs an open transaction."""
    current, events = None, []
    loads = json.loads
    async for d, event_type, data in con.cursor(PER_DOSSIER, tot_id, prefetch=prefetch):
        if d != current:
            if current is not None:
                yield current, events
            current, events = d, []
        events.append((event_type, loads(data)))
    if current is not None:
        yield current, events


async def maak_schaduw(con: asyncpg.Connection, naam: str, cellen: dict[CelSleutel, list[int]]) -> int:
    """A new table like the projection, filled with the rebuilt cells (zero cells left out)."""
    await con.execute(f'CREATE TABLE "{naam}" (LIKE {KPI_CIJFERS} INCLUDING DEFAULTS)')
    records = [(*k, a, s) for k, (a, s) in cellen.items() if a or s]
    await con.copy_records_to_table(naam, records=records, columns=list(KOLOMMEN))
    await con.execute(f'ALTER TABLE "{naam}" ADD CONSTRAINT "{naam}_pkey" PRIMARY KEY ({PK})')
    await con.execute(f'ANALYZE "{naam}"')
    return len(records)


def vergelijk_sql(schaduw: str) -> tuple[str, str]:
    live = f"SELECT {VERGELIJK} FROM {KPI_CIJFERS} WHERE aantal <> 0 OR som <> 0"
    nieuw = f'SELECT {VERGELIJK} FROM "{schaduw}" WHERE aantal <> 0 OR som <> 0'
    verschillen = (
        f"(SELECT 'live' AS kant, * FROM ({live} EXCEPT ALL {nieuw}) a) "
        f"UNION ALL (SELECT 'herberekend', * FROM ({nieuw} EXCEPT ALL {live}) b)"
    )
    return (
        f"SELECT count(*) FROM ({verschillen}) x",
        f"SELECT * FROM ({verschillen}) x ORDER BY 2, 3, 4 LIMIT 20",
    )


def wissel_sql(schaduw: str, suffix: str) -> list[str]:
    oud = f"{KPI_CIJFERS}_oud_{suffix}"
    return [
        f"ALTER TABLE {KPI_CIJFERS} RENAME TO {oud}",
        f'ALTER TABLE "{schaduw}" RENAME TO {KPI_CIJFERS}',
        f"DROP TABLE {oud}",
        f'ALTER TABLE {KPI_CIJFERS} RENAME CONSTRAINT "{schaduw}_pkey" TO {KPI_CIJFERS}_pkey',
    ]
