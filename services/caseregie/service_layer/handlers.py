"""Use cases of caseregie: open the case at the advised GI, request transfers."""
from datetime import UTC, datetime
from uuid import UUID

from contracts.events import AdviesIssued
from contracts.vocabulary import GI
from runtime.errors import NotFound
from services.caseregie.domain.model import Casus, Overdracht
from services.caseregie.service_layer.unit_of_work import CaseregieUnitOfWork


async def on_advies_issued(event: AdviesIssued, uow: CaseregieUnitOfWork) -> None:
    casus = Casus.from_advies(event, datetime.now(UTC))
    async with uow:
        if await uow.casussen.add(casus):
            uow.publish(casus.assigned_event())
            await uow.commit()


async def get_casus(casus_id: UUID, uow: CaseregieUnitOfWork) -> Casus:
    async with uow:
        casus = await uow.casussen.get(casus_id)
    if casus is None:
        raise NotFound(f"casus {casus_id} does not exist")
    return casus


async def list_casussen(uow: CaseregieUnitOfWork, **filters) -> tuple[list[Casus], int]:
    async with uow:
        return await uow.casussen.list(**filters)


async def request_overdracht(casus_id: UUID, naar_gi: GI, reden: str, uow: CaseregieUnitOfWork
                             ) -> Overdracht:
    async with uow:
        casus = await uow.casussen.get(casus_id, for_update=True)
        if casus is None:
            raise NotFound(f"casus {casus_id} does not exist")
        overdracht, event = casus.vraag_overdracht(naar_gi, reden, datetime.now(UTC))
        await uow.casussen.add_overdracht(overdracht)
        uow.publish(event)
        await uow.commit()
    return overdracht
