"""Use cases of triage: decide the target group, advise the GI, follow capacity."""
from datetime import UTC, datetime
from uuid import uuid4

from contracts.events import AdviesIssued, CapacitySignal, MeldingReceived, TriageCompleted
from services.triage.adapters import regelsets
from services.triage.domain.model import adviseer, bepaal_doelgroep
from services.triage.service_layer.unit_of_work import TriageUnitOfWork


async def on_melding_received(event: MeldingReceived, uow: TriageUnitOfWork) -> None:
    regelset, _ = regelsets.active()
    besluit = bepaal_doelgroep(regelset, event.zorgen, event.kenmerken,
                               [k.leeftijd for k in event.kinderen])
    now = datetime.now(UTC)
    async with uow:
        added = await uow.triage.add_triage(
            melding_id=event.melding_id, gezin_id=event.gezin_id, gemeente=event.gemeente,
            doelgroep=besluit.doelgroep, vereiste_gi=besluit.vereiste_gi,
            regelset_versie=besluit.regelset_versie, regel=besluit.regel,
            toelichting=besluit.toelichting, besloten_op=now)
        if not added:
            return
        advies = adviseer(besluit, await uow.triage.vrije_plaatsen())
        advies_id = uuid4()
        await uow.triage.add_advies(
            id=advies_id, melding_id=event.melding_id, gemeente=event.gemeente,
            doelgroep=besluit.doelgroep, gi=advies.gi, reden=advies.reden, rangorde=advies.rangorde,
            geadviseerd_op=now)
        uow.publish(
            TriageCompleted(
                melding_id=event.melding_id, gezin_id=event.gezin_id, gemeente=event.gemeente,
                doelgroep=besluit.doelgroep, vereiste_gi=besluit.vereiste_gi,
                regelset_versie=besluit.regelset_versie, regel=besluit.regel,
                toelichting=besluit.toelichting, besloten_op=now),
            AdviesIssued(
                advies_id=advies_id, melding_id=event.melding_id, gezin_id=event.gezin_id,
                gemeente=event.gemeente, urgentie=event.urgentie, doelgroep=besluit.doelgroep,
                gi=advies.gi, reden=advies.reden, kinderen=event.kinderen, geadviseerd_op=now),
        )
        await uow.commit()


async def on_capacity_signal(event: CapacitySignal, uow: TriageUnitOfWork) -> None:
    async with uow:
        await uow.triage.update_beschikbaarheid(event.gi, event.vrije_plaatsen, event.tijdstip)
        await uow.commit()


async def list_adviezen(uow: TriageUnitOfWork, *, gi: str | None, limit: int, offset: int):
    async with uow:
        return await uow.triage.adviezen(gi=gi, limit=limit, offset=offset)


async def beschikbaarheid(uow: TriageUnitOfWork) -> list[dict]:
    async with uow:
        return await uow.triage.beschikbaarheid()
