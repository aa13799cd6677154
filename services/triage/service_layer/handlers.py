"""Use cases of triage: decide the target group, propose the advice, let the RvdK confirm or
override it, record the measure, follow capacity."""
from datetime import date
from uuid import UUID

from contracts.events import CapacitySignal, MeldingReceived
from contracts.vocabulary import GI, AfwijkingReden, Maatregel
from runtime.errors import NotFound
from runtime.identity import Principal
from runtime.processing_log import CREATE, READ, UPDATE, betrokkenen
from runtime.processing_register import Verwerkingsactiviteit
from services.triage.adapters import regelsets
from services.triage.adapters.verwerkingsactiviteiten import (
    ADVIES_INZIEN,
    ADVIES_VASTSTELLEN,
    ADVIES_VOORSTELLEN,
    DOELGROEP_BEPALEN,
    MAATREGEL_VASTLEGGEN,
)
from services.triage.domain.model import Advies, bepaal_doelgroep
from services.triage.service_layer.unit_of_work import TriageUnitOfWork


def _log(uow: TriageUnitOfWork, advies: Advies, activity: Verwerkingsactiviteit, action: str,
         actor: Principal | None = None, resource: tuple[str, object] | None = None) -> None:
    """A processing of the children's data in the advice (written at commit); without an actor,
    triage itself (the consumer)."""
    uow.log_processing(activity=activity, action=action, actor=actor,
                       subjects=betrokkenen(advies.gezin_id, [k.kind_id for k in advies.kinderen]),
                       resource=resource or ("advies", advies.id))


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
        _log(uow, advies, DOELGROEP_BEPALEN, CREATE, resource=("triage", event.melding_id))
        _log(uow, advies, ADVIES_VOORSTELLEN, CREATE)
        if uow.auto_confirm:
            uow.publish(*advies.bevestig_automatisch(now))
            _log(uow, advies, ADVIES_VASTSTELLEN, UPDATE)
            _log(uow, advies, MAATREGEL_VASTLEGGEN, CREATE)
        await uow.triage.add_advies(advies)
        await uow.commit()


async def on_capacity_signal(event: CapacitySignal, uow: TriageUnitOfWork) -> None:
    async with uow:
        await uow.triage.update_beschikbaarheid(event.gi, event.vrije_plaatsen, event.tijdstip)
        await uow.commit()


async def _change(advies_id: UUID, uow: TriageUnitOfWork, change, activity: Verwerkingsactiviteit,
                  action: str, actor: Principal | None) -> Advies:
    async with uow:
        advies = await uow.triage.get_advies(advies_id, for_update=True)
        if advies is None:
            raise NotFound(f"advies {advies_id} does not exist")
        uow.publish(change(advies, uow.clock.now()))
        await uow.triage.save_advies(advies)
        _log(uow, advies, activity, action, actor)
        await uow.commit()
    return advies


async def confirm_advies(advies_id: UUID, toelichting: str | None, uow: TriageUnitOfWork, *,
                         actor: Principal | None = None) -> Advies:
    return await _change(advies_id, uow, lambda a, now: a.bevestig(now, toelichting=toelichting),
                         ADVIES_VASTSTELLEN, UPDATE, actor)


async def override_advies(advies_id: UUID, gi: GI, reden: str, uow: TriageUnitOfWork,
                         categorie: AfwijkingReden = AfwijkingReden.OVERIG, *,
                         actor: Principal | None = None) -> Advies:
    """The RvdK's own words stay in triage; the event carries the reason's category."""
    return await _change(advies_id, uow, lambda a, now: a.wijk_af(gi, reden, now, categorie),
                         ADVIES_VASTSTELLEN, UPDATE, actor)


async def impose_maatregel(advies_id: UUID, maatregel: Maatregel, startdatum: date, gi: GI | None,
                           raadsonderzoek: bool | None, uow: TriageUnitOfWork, *,
                           actor: Principal | None = None) -> Advies:
    return await _change(advies_id, uow, lambda a, now: a.leg_maatregel_op(
        maatregel, startdatum, now, gi=gi, raadsonderzoek=raadsonderzoek), MAATREGEL_VASTLEGGEN, CREATE,
        actor)


async def get_advies(advies_id: UUID, uow: TriageUnitOfWork, *, actor: Principal | None = None) -> Advies:
    """The advice; the read is logged, and committed, before it is returned."""
    async with uow:
        advies = await uow.triage.get_advies(advies_id)
        if advies is None:
            raise NotFound(f"advies {advies_id} does not exist")
        _log(uow, advies, ADVIES_INZIEN, READ, actor)
        await uow.commit()
    return advies


async def list_adviezen(uow: TriageUnitOfWork, *, actor: Principal | None = None, **filters
                        ) -> tuple[list[Advies], int]:
    """A page of advice; each advice shown is logged as read before the page is returned."""
    async with uow:
        items, total = await uow.triage.adviezen(**filters)
        for advies in items:
            _log(uow, advies, ADVIES_INZIEN, READ, actor)
        await uow.commit()
    return items, total


async def beschikbaarheid(uow: TriageUnitOfWork) -> list[dict]:
    async with uow:
        return await uow.triage.beschikbaarheid()
