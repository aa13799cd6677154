"""Use cases of capacity: staffing reports and case events change free capacity."""
from collections.abc import Callable
from datetime import UTC, datetime

from contracts.events import CasusAssigned
from contracts.vocabulary import GI
from services.capacity.domain.model import GiCapaciteit
from services.capacity.service_layer.unit_of_work import CapacityUnitOfWork


async def _change(uow: CapacityUnitOfWork, gi: GI, oorzaak: str,
                  change: Callable[[GiCapaciteit], GiCapaciteit]) -> GiCapaciteit:
    async with uow:
        before = await uow.capaciteit.get_for_update(gi)
        after = change(before)
        if after.zichtbaar_anders_dan(before):
            await uow.capaciteit.save(after, oorzaak)
            uow.publish(after.signal())  # a signal only when something visible changed
        await uow.commit()
    return after


async def report_staffing(gi: GI, jeugdbeschermers: int, caseload_norm: int,
                          uow: CapacityUnitOfWork) -> GiCapaciteit:
    now = datetime.now(UTC)
    return await _change(uow, gi, "bezetting gemeld",
                         lambda c: c.bezetting(jeugdbeschermers, caseload_norm, now))


async def on_casus_assigned(event: CasusAssigned, uow: CapacityUnitOfWork) -> None:
    now = datetime.now(UTC)  # measurement time, so signals per GI stay in time order
    await _change(uow, event.gi, f"casus {event.casus_id} toegewezen",
                  lambda c: c.kinderen_erbij(len(event.kinderen), now))


async def overview(uow: CapacityUnitOfWork) -> list[GiCapaciteit]:
    async with uow:
        return await uow.capaciteit.all()


async def historie(gi: GI, limit: int, uow: CapacityUnitOfWork) -> list[dict]:
    async with uow:
        return await uow.capaciteit.historie(gi, limit)
