"""Use cases of intake: receive a report, follow it through the chain."""
from datetime import UTC, datetime
from uuid import UUID

from contracts.events import AdviesIssued, CasusAssigned, TriageCompleted
from runtime.errors import NotFound
from services.intake.domain.model import Melding
from services.intake.service_layer.unit_of_work import IntakeUnitOfWork


async def receive_melding(report: dict, secret: bytes, uow: IntakeUnitOfWork) -> Melding:
    melding = Melding.receive(report, secret, datetime.now(UTC))
    async with uow:
        await uow.meldingen.add(melding)
        uow.publish(melding.received_event())
        await uow.commit()
    return melding


async def get_melding(melding_id: UUID, uow: IntakeUnitOfWork) -> Melding:
    async with uow:
        melding = await uow.meldingen.get(melding_id)
    if melding is None:
        raise NotFound(f"melding {melding_id} does not exist")
    return melding


async def list_meldingen(uow: IntakeUnitOfWork, *, gemeente: str | None, status: str | None,
                         limit: int, offset: int) -> tuple[list[Melding], int]:
    async with uow:
        return await uow.meldingen.list(gemeente=gemeente, status=status, limit=limit, offset=offset)


async def _update(melding_id: UUID, uow: IntakeUnitOfWork, change) -> None:
    async with uow:
        melding = await uow.meldingen.get(melding_id, for_update=True)
        if melding is None:
            raise NotFound(f"event for unknown melding {melding_id}")
        change(melding)
        await uow.meldingen.save(melding)
        await uow.commit()


async def on_triage_completed(event: TriageCompleted, uow: IntakeUnitOfWork) -> None:
    await _update(event.melding_id, uow, lambda m: m.triaged(
        event.doelgroep, event.regel, event.toelichting, event.besloten_op))


async def on_advies_issued(event: AdviesIssued, uow: IntakeUnitOfWork) -> None:
    await _update(event.melding_id, uow, lambda m: m.advised(event.gi, event.reden, event.geadviseerd_op))


async def on_casus_assigned(event: CasusAssigned, uow: IntakeUnitOfWork) -> None:
    await _update(event.melding_id, uow, lambda m: m.assigned(event.gi, event.casus_id, event.toegewezen_op))
