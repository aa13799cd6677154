from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.vocabulary import GI
from services.triage.adapters.orm import adviezen, beschikbaarheid, triages


class TriageRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def add_triage(self, **values) -> bool:
        """False when this report was triaged before (the business key guards a replay)."""
        added = await self.session.scalar(
            insert(triages).values(**values).on_conflict_do_nothing().returning(triages.c.melding_id))
        return added is not None

    async def add_advies(self, **values) -> None:
        await self.session.execute(insert(adviezen).values(**values))

    async def adviezen(self, *, gi: str | None, limit: int, offset: int) -> tuple[list[dict], int]:
        where = [adviezen.c.gi == gi] if gi else []
        rows = (await self.session.execute(
            sa.select(adviezen, triages.c.regel, triages.c.regelset_versie, triages.c.toelichting)
            .join(triages, triages.c.melding_id == adviezen.c.melding_id)
            .where(*where).order_by(adviezen.c.geadviseerd_op.desc()).limit(limit).offset(offset)
        )).mappings().all()
        total = await self.session.scalar(sa.select(sa.func.count()).select_from(adviezen).where(*where))
        return [dict(r) for r in rows], total

    async def vrije_plaatsen(self) -> dict[GI, int]:
        rows = (await self.session.execute(sa.select(beschikbaarheid))).all()
        return {GI(r.gi): r.vrije_plaatsen for r in rows}

    async def beschikbaarheid(self) -> list[dict]:
        rows = await self.session.execute(sa.select(beschikbaarheid).order_by(beschikbaarheid.c.gi))
        return [dict(r) for r in rows.mappings()]

    async def update_beschikbaarheid(self, gi: str, vrije_plaatsen: int, tijdstip: datetime) -> None:
        """Keep the newest signal per GI; an older one arriving late changes nothing."""
        stmt = insert(beschikbaarheid).values(gi=gi, vrije_plaatsen=vrije_plaatsen, tijdstip=tijdstip)
        await self.session.execute(stmt.on_conflict_do_update(
            index_elements=[beschikbaarheid.c.gi],
            set_={"vrije_plaatsen": stmt.excluded.vrije_plaatsen, "tijdstip": stmt.excluded.tijdstip},
            where=beschikbaarheid.c.tijdstip < stmt.excluded.tijdstip,
        ))
