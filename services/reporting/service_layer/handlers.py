"""Projection of chain events into per-report facts, and the KPIs computed from them."""
from contracts.events import AdviesIssued, CasusAssigned, MeldingReceived
from services.reporting.domain.model import vorm
from services.reporting.service_layer.unit_of_work import ReportingUnitOfWork


async def _record(uow: ReportingUnitOfWork, melding_id, gemeente: str, **facts) -> None:
    async with uow:
        await uow.feiten.upsert(melding_id, gemeente, **facts)
        await uow.commit()


async def on_melding_received(event: MeldingReceived, uow: ReportingUnitOfWork) -> None:
    await _record(uow, event.melding_id, event.gemeente, urgentie=event.urgentie, kader=event.kader,
                  ontvangen_op=event.ontvangen_op)


async def on_advies_issued(event: AdviesIssued, uow: ReportingUnitOfWork) -> None:
    await _record(uow, event.melding_id, event.gemeente, doelgroep=event.doelgroep, gi=event.gi,
                  geadviseerd_op=event.geadviseerd_op)


async def on_casus_assigned(event: CasusAssigned, uow: ReportingUnitOfWork) -> None:
    await _record(uow, event.melding_id, event.gemeente, gi=event.gi, toegewezen_op=event.toegewezen_op)


async def kpis(uow: ReportingUnitOfWork, *, gemeente: str | None, gi: str | None) -> list[dict]:
    async with uow:
        return vorm(await uow.feiten.tellingen(gemeente=gemeente, gi=gi))
