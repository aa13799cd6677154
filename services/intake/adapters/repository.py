from datetime import datetime
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.adapters.orm import meldingen
from services.intake.domain.model import Melding, Stap


def _row(m: Melding) -> dict:
    return {
        "id": m.id, "gezin_id": m.gezin_id, "gemeente": m.gemeente, "urgentie": m.urgentie,
        "kader": m.kader, "zorgen": m.zorgen, "kenmerken": m.kenmerken, "gezin": m.gezin,
        "melder": m.melder, "toelichting": m.toelichting, "ontvangen_op": m.ontvangen_op,
        "status": m.status, "doelgroep": m.doelgroep, "geadviseerde_gi": m.geadviseerde_gi,
        "toegewezen_gi": m.toegewezen_gi, "casus_id": m.casus_id,
        "stappen": [{"stap": s.stap, "tijdstip": s.tijdstip.isoformat(), "details": s.details}
                    for s in m.stappen],
    }


def _melding(row) -> Melding:
    data = dict(row._mapping)
    data.pop("version")
    data["stappen"] = [Stap(s["stap"], datetime.fromisoformat(s["tijdstip"]), s["details"])
                       for s in data["stappen"]]
    return Melding(**data)


class MeldingRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def add(self, melding: Melding) -> None:
        await self.session.execute(insert(meldingen).values(_row(melding)))

    async def get(self, melding_id: UUID, *, for_update: bool = False) -> Melding | None:
        query = sa.select(meldingen).where(meldingen.c.id == melding_id)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        return _melding(row) if row else None

    async def save(self, melding: Melding) -> None:
        await self.session.execute(
            sa.update(meldingen).where(meldingen.c.id == melding.id)
            .values(**_row(melding), version=meldingen.c.version + 1)
        )

    async def list(self, *, gemeente: str | None, status: str | None, limit: int, offset: int
                   ) -> tuple[list[Melding], int]:
        where = []
        if gemeente:
            where.append(meldingen.c.gemeente == gemeente)
        if status:
            where.append(meldingen.c.status == status)
        rows = (await self.session.execute(
            sa.select(meldingen).where(*where).order_by(meldingen.c.ontvangen_op.desc())
            .limit(limit).offset(offset)
        )).all()
        total = await self.session.scalar(sa.select(sa.func.count()).select_from(meldingen).where(*where))
        return [_melding(r) for r in rows], total
