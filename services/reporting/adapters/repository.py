from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.reporting.adapters.orm import melding_feiten
from services.reporting.domain.model import KPIS, ONBEKEND, Telling


class FeitenRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def upsert(self, melding_id: UUID, gemeente: str, **facts) -> None:
        """Set facts of one report; setting the same fact again (a redelivery) changes nothing."""
        stmt = insert(melding_feiten).values(melding_id=melding_id, gemeente=gemeente, **facts)
        await self.session.execute(stmt.on_conflict_do_update(
            index_elements=[melding_feiten.c.melding_id],
            set_={k: stmt.excluded[k] for k in facts}))

    async def tellingen(self, *, gemeente: str | None, gi: str | None) -> list[Telling]:
        f = melding_feiten.c
        gi_of = sa.func.coalesce(f.gi, ONBEKEND)
        where = []
        if gemeente:
            where.append(f.gemeente == gemeente)
        if gi:
            where.append(gi_of == gi)
        counts = [sa.func.count(getattr(f, kpi.mijlpaal)).label(kpi.id) for kpi in KPIS]
        rows = await self.session.execute(
            sa.select(f.gemeente, gi_of.label("gi"), *counts).where(*where).group_by(f.gemeente, gi_of))
        return [Telling(kpi.id, r.gemeente, r.gi, r._mapping[kpi.id])
                for r in rows for kpi in KPIS if r._mapping[kpi.id]]
