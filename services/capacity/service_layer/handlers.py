"""Use cases of capacity: staffing reports and case events change free capacity."""
from collections.abc import Callable
from datetime import UTC, datetime

from contracts.events import CasusAssigned, CasusClosed, CasusTransferred
from contracts.vocabulary import GI
from services.capacity.domain.model import GiCapaciteit
from services.capacity.service_layer.unit_of_work import CapacityUnitOfWork

Change = Callable[[GiCapaciteit], GiCapaciteit]


async def _change(uow: CapacityUnitOfWork, oorzaak: str, changes: dict[GI, Change]) -> list[GiCapaciteit]:
    async with uow:
        result = []
        for gi in sorted(changes):  # lock rows in one order: concurrent transfers never deadlock
            before = await uow.capaciteit.get_for_update(gi)
            after = changes[gi](before)
            if after.zichtbaar_anders_dan(before):
                await uow.capaciteit.save(after, oorzaak)
                uow.publish(after.signal())  # a signal only when something visible changed
            result.append(after)
        await uow.commit()
    return result


async def report_staffing(gi: GI, jeugdbeschermers: int, caseload_norm: int,
                          uow: CapacityUnitOfWork) -> GiCapaciteit:
    now = datetime.now(UTC)
    [after] = await _change(uow, "bezetting gemeld",
                            {gi: lambda c: c.bezetting(jeugdbeschermers, caseload_norm, now)})
    return after


def _children(aantal: int) -> Change:
    now = datetime.now(UTC)  # measurement time, so signals per GI stay in time order
    return lambda c: c.kinderen_erbij(aantal, now)


async def on_casus_assigned(event: CasusAssigned, uow: CapacityUnitOfWork) -> None:
    await _change(uow, f"casus {event.casus_id} toegewezen", {event.gi: _children(len(event.kinderen))})


async def on_casus_transferred(event: CasusTransferred, uow: CapacityUnitOfWork) -> None:
    n = len(event.kinderen)
    await _change(uow, f"casus {event.casus_id} overgedragen van {event.van_gi} naar {event.naar_gi}",
                  {event.van_gi: _children(-n), event.naar_gi: _children(n)})


async def on_casus_closed(event: CasusClosed, uow: CapacityUnitOfWork) -> None:
    await _change(uow, f"casus {event.casus_id} gesloten", {event.gi: _children(-len(event.kinderen))})


async def overview(uow: CapacityUnitOfWork) -> list[GiCapaciteit]:
    async with uow:
        return await uow.capaciteit.all()


async def historie(gi: GI, limit: int, uow: CapacityUnitOfWork) -> list[dict]:
    async with uow:
        return await uow.capaciteit.historie(gi, limit)
