from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.events import Kind
from contracts.vocabulary import GI
from services.caseregie.adapters.orm import casussen, overdrachten
from services.caseregie.domain.model import Casus, Overdracht


def _casus(row, transfers: list[Overdracht]) -> Casus:
    return Casus(id=row.id, melding_id=row.melding_id, gezin_id=row.gezin_id, gemeente=row.gemeente,
                 gi=GI(row.gi), doelgroep=row.doelgroep,
                 kinderen=[Kind.model_validate(k) for k in row.kinderen], status=row.status,
                 toegewezen_op=row.toegewezen_op, overdrachten=transfers)


def _overdracht(row) -> Overdracht:
    return Overdracht(id=row.id, casus_id=row.casus_id, van_gi=GI(row.van_gi), naar_gi=GI(row.naar_gi),
                      reden=row.reden, status=row.status, aangevraagd_op=row.aangevraagd_op)


class CasusRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def add(self, casus: Casus) -> bool:
        """False when the report already has a case (a replayed advice creates nothing)."""
        added = await self.session.scalar(insert(casussen).values(
            id=casus.id, melding_id=casus.melding_id, gezin_id=casus.gezin_id, gemeente=casus.gemeente,
            gi=casus.gi, doelgroep=casus.doelgroep,
            kinderen=[k.model_dump(mode="json") for k in casus.kinderen],
            status=casus.status, toegewezen_op=casus.toegewezen_op,
        ).on_conflict_do_nothing().returning(casussen.c.id))
        return added is not None

    async def get(self, casus_id: UUID, *, for_update: bool = False) -> Casus | None:
        query = sa.select(casussen).where(casussen.c.id == casus_id)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        if row is None:
            return None
        rows = await self.session.execute(
            sa.select(overdrachten).where(overdrachten.c.casus_id == casus_id)
            .order_by(overdrachten.c.aangevraagd_op))
        return _casus(row, [_overdracht(r) for r in rows])

    async def add_overdracht(self, o: Overdracht) -> None:
        await self.session.execute(insert(overdrachten).values(
            id=o.id, casus_id=o.casus_id, van_gi=o.van_gi, naar_gi=o.naar_gi, reden=o.reden,
            status=o.status, aangevraagd_op=o.aangevraagd_op))

    async def list(self, *, gi: str | None, gemeente: str | None, limit: int, offset: int
                   ) -> tuple[list[Casus], int]:
        where = []
        if gi:
            where.append(casussen.c.gi == gi)
        if gemeente:
            where.append(casussen.c.gemeente == gemeente)
        rows = (await self.session.execute(
            sa.select(casussen).where(*where).order_by(casussen.c.toegewezen_op.desc())
            .limit(limit).offset(offset))).all()
        total = await self.session.scalar(sa.select(sa.func.count()).select_from(casussen).where(*where))
        return [_casus(r, []) for r in rows], total
