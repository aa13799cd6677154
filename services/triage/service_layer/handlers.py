"""Use cases of triage: decide the target group, propose the advice, let the RvdK confirm or
override it, record the measure, follow capacity."""
from datetime import date
from uuid import UUID

from contracts.events import CapacitySignal, MeldingReceived
from contracts.vocabulary import GI, Maatregel
from runtime.errors import NotFound
from services.triage.adapters import regelsets
from services.triage.domain.model import Advies, bepaal_doelgroep
from services.triage.service_layer.unit_of_work import TriageUnitOfWork


async def on_melding_received(event: MeldingReceived, uow: TriageUnitOfWork) -> None:
    regelset = regelsets.active().regelset
    besluit = bepaal_doelgroep(regelset, event.zorgen, event.kenmerken,
                               [k.leeftijd for k in event.kinderen], event.kader)
    now = uow.clock.now()
    async with uow:
        if not await uow.triage.add_triage(event.melding_id, event.gezin_id, event.gemeente, besluit, now):
            return  # triaged before: a redelivered report gets no second proposal
        advies = Advies.voorstel(event, besluit, await uow.triage.vrije_plaatsen(), now)
        uow.publish(besluit.completed_event(event, now))
        if uow.auto_confirm:
            uow.publish(*advies.bevestig_automatisch(now))
        await uow.triage.add_advies(advies)
        await uow.commit()


async def on_capacity_signal(event: CapacitySignal, uow: TriageUnitOfWork) -> None:
    async with uow:
        await uow.triage.update_beschikbaarheid(event.gi, event.vrije_plaatsen, event.tijdstip)
        await uow.commit()


async def _change(advies_id: UUID, uow: TriageUnitOfWork, change) -> Advies:
    async with uow:
        advies = await uow.triage.get_advies(advies_id, for_update=True)
        if advies is None:
            raise NotFound(f"advies {advies_id} does not exist")
        uow.publish(change(advies, uow.clock.now()))
        await uow.triage.save_advies(advies)
        await uow.commit()
    return advies


async def confirm_advies(advies_id: UUID, toelichting: str | None, uow: TriageUnitOfWork) -> Advies:
    return await _change(advies_id, uow, lambda a, now: a.bevestig(now, toelichting=toelichting))


async def override_advies(advies_id: UUID, gi: GI, reden: str, uow: TriageUnitOfWork) -> Advies:
    return await _change(advies_id, uow, lambda a, now: a.wijk_af(gi, reden, now))


async def impose_maatregel(advies_id: UUID, maatregel: Maatregel, startdatum: date, gi: GI | None,
                           raadsonderzoek: bool | None, uow: TriageUnitOfWork) -> Advies:
    return await _change(advies_id, uow, lambda a, now: a.leg_maatregel_op(
        maatregel, startdatum, now, gi=gi, raadsonderzoek=raadsonderzoek))


async def get_advies(advies_id: UUID, uow: TriageUnitOfWork) -> Advies:
    async with uow:
        advies = await uow.triage.get_advies(advies_id)
    if advies is None:
        raise NotFound(f"advies {advies_id} does not exist")
    return advies


async def list_adviezen(uow: TriageUnitOfWork, **filters) -> tuple[list[Advies], int]:
    async with uow:
        return await uow.triage.adviezen(**filters)


async def beschikbaarheid(uow: TriageUnitOfWork) -> list[dict]:
    async with uow:
        return await uow.triage.beschikbaarheid()
