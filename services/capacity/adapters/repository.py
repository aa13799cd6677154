import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.vocabulary import GI
from services.capacity.adapters.orm import capaciteit, capaciteit_historie
from services.capacity.domain.model import GiCapaciteit


class CapaciteitRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def get_for_update(self, gi: GI) -> GiCapaciteit:
        """Lock the GI's row so concurrent case events and staffing reports serialise per GI."""
        await self.session.execute(insert(capaciteit).values(
            gi=gi, jeugdbeschermers=0, caseload_norm=0, kinderen_in_zorg=0).on_conflict_do_nothing())
        row = (await self.session.execute(
            sa.select(capaciteit).where(capaciteit.c.gi == gi).with_for_update())).one()
        return _capaciteit(row)

    async def save(self, cap: GiCapaciteit, oorzaak: str) -> None:
        values = {"jeugdbeschermers": cap.jeugdbeschermers, "caseload_norm": cap.caseload_norm,
                  "kinderen_in_zorg": cap.kinderen_in_zorg}
        await self.session.execute(sa.update(capaciteit).where(capaciteit.c.gi == cap.gi)
                                   .values(**values, bijgewerkt_op=cap.bijgewerkt_op))
        await self.session.execute(insert(capaciteit_historie).values(
            gi=cap.gi, **values, vrije_plaatsen=cap.vrije_plaatsen, oorzaak=oorzaak,
            tijdstip=cap.bijgewerkt_op))

    async def historie(self, gi: GI, limit: int) -> list[dict]:
        h = capaciteit_historie
        rows = await self.session.execute(
            sa.select(h.c.tijdstip, h.c.oorzaak, h.c.jeugdbeschermers, h.c.caseload_norm,
                      h.c.kinderen_in_zorg, h.c.vrije_plaatsen)
            .where(h.c.gi == gi).order_by(h.c.id.desc()).limit(limit))
        return [dict(r) for r in rows.mappings()]

    async def all(self) -> list[GiCapaciteit]:
        known = {row.gi: _capaciteit(row) for row in await self.session.execute(sa.select(capaciteit))}
        return [known.get(gi, GiCapaciteit(gi)) for gi in GI]


def _capaciteit(row) -> GiCapaciteit:
    return GiCapaciteit(gi=GI(row.gi), jeugdbeschermers=row.jeugdbeschermers,
                        caseload_norm=row.caseload_norm, kinderen_in_zorg=row.kinderen_in_zorg,
                        bijgewerkt_op=row.bijgewerkt_op)
