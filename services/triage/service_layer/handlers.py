"""Use cases of triage: decide the target group, propose the advice, let the RvdK confirm or
override it, record the measure, follow capacity."""
from collections.abc import Callable
from datetime import datetime
from uuid import UUID

from contracts.events import (
    CapacitySignal,
    CasusAssigned,
    CasusClosed,
    EscalationCleared,
    EscalationRaised,
    JeugdbeschermerAssigned,
    MeldingReceived,
)
from runtime.clock import Clock
from runtime.errors import NotFound
from runtime.identity import Principal
from runtime.processing_log import CREATE, READ, UPDATE, betrokkenen
from runtime.processing_register import Verwerkingsactiviteit
from services.triage.adapters import wire
from services.triage.adapters.verwerkingsactiviteiten import (
    ADVIES_INZIEN,
    ADVIES_VASTSTELLEN,
    ADVIES_VOORSTELLEN,
    DOELGROEP_BEPALEN,
    MAATREGEL_VASTLEGGEN,
)
from services.triage.domain.commands import (
    ApproveRegelset,
    ConfirmAdvies,
    EraseExpired,
    ImposeMaatregel,
    ListAdviezen,
    ListConsultaties,
    ListRegelsetVersies,
    ListRegelsetvoorstellen,
    ListRegioEscalaties,
    ListSimulatieIds,
    ListSimulaties,
    OverrideAdvies,
    ProposeRegelset,
    ReadAdvies,
    ReadBeschikbaarheid,
    ReadCaVerdeling,
    ReadConsultatie,
    ReadRegelset,
    ReadRegelsetvoorstel,
    ReadSimulatie,
    RecordConsultatieUren,
    RejectRegelset,
    RequestConsultatie,
    RunSimulatie,
)
from services.triage.domain.escalatie import RegioEscalatie, in_werking, na_beeindiging, na_verhoging
from services.triage.domain.events import AdviesIssued, MaatregelImposed
from services.triage.domain.model import GRIJS_GEBIED, Advies, bepaal_doelgroep
from services.triage.service_layer import bewaartermijn, consultaties, regelsetvoorstellen, simulaties
from services.triage.service_layer.regelsetvoorstellen import actieve_regelset
from services.triage.service_layer.unit_of_work import TriageUnitOfWork


def _log(uow: TriageUnitOfWork, advies: Advies, activity: Verwerkingsactiviteit, action: str,
         actor: Principal | None = None, resource: tuple[str, object] | None = None) -> None:
    """A processing of the children's data in the advice (written at commit); without an actor,
    triage itself (the consumer)."""
    uow.log_processing(activity=activity, action=action, actor=actor,
                       subjects=betrokkenen(advies.gezin_id, [k.kind_id for k in advies.kinderen]),
                       resource=resource or ("advies", advies.id))


async def on_melding_received(event: MeldingReceived, uow: TriageUnitOfWork, clock: Clock) -> None:
    """Decided by the version active in this transaction (TriageCompleted names it)."""
    melding = wire.melding(event)
    now = clock.now()
    async with uow:
        regelset = (await actieve_regelset(uow)).regelset
        besluit = bepaal_doelgroep(regelset, melding.zorgen, melding.kenmerken, melding.leeftijden,
                                   melding.kader)
        if not await uow.triage.add_triage(melding.melding_id, melding.gezin_id, melding.gemeente,
                                           besluit, now):
            return  # triaged before: a redelivered report gets no second proposal
        escalatie = in_werking(await uow.triage.open_escalaties(), GRIJS_GEBIED)
        advies = Advies.voorstel(melding, besluit, await uow.triage.vrije_plaatsen(), now, escalatie)
        uow.publish(besluit.completed_event(melding, now))
        _log(uow, advies, DOELGROEP_BEPALEN, CREATE, resource=("triage", melding.melding_id))
        _log(uow, advies, ADVIES_VOORSTELLEN, CREATE)
        if uow.auto_confirm:
            uow.publish(*advies.bevestig_automatisch(now))
            _log(uow, advies, ADVIES_VASTSTELLEN, UPDATE)
            _log(uow, advies, MAATREGEL_VASTLEGGEN, CREATE)
        await uow.triage.add_advies(advies)
        await uow.simulatie.leg_melding_vast(melding, besluit.grijs_gebied, now)
        await uow.commit()


async def on_capacity_signal(event: CapacitySignal, uow: TriageUnitOfWork) -> None:
    """The GI's free places for the next proposals, and the figure kept for the simulation."""
    async with uow:
        await uow.triage.update_beschikbaarheid(event.gi, event.vrije_plaatsen, event.tijdstip)
        await simulaties.leg_stand_vast(event, uow)
        await uow.commit()


async def on_escalation_raised(event: EscalationRaised, uow: TriageUnitOfWork) -> None:
    """The region's escalation (capacity) at its level, with the escalation plan's measures in force."""
    async with uow:
        huidig = await uow.triage.escalatie(event.escalatie_id, for_update=True)
        if (bijgewerkt := na_verhoging(huidig, wire.verhoging(event))) is not None:
            await uow.triage.sla_escalatie_op(bijgewerkt)
        await uow.simulatie.escalatie_gestart(event.escalatie_id, event.gestart_op)  # for the simulation
        await uow.commit()


async def on_escalation_cleared(event: EscalationCleared, uow: TriageUnitOfWork) -> None:
    """The escalation ended: its measures are no longer in force."""
    async with uow:
        huidig = await uow.triage.escalatie(event.escalatie_id, for_update=True)
        bijgewerkt = na_beeindiging(huidig, event.escalatie_id, event.hoogste_niveau, event.beeindigd_op)
        if bijgewerkt is not None:
            await uow.triage.sla_escalatie_op(bijgewerkt)
        await uow.commit()


# The advice changed at a moment: the domain event it publishes.
Change = Callable[[Advies, datetime], AdviesIssued | MaatregelImposed]


async def _change(advies_id: UUID, uow: TriageUnitOfWork, clock: Clock, change: Change,
                  activity: Verwerkingsactiviteit, action: str, actor: Principal) -> Advies:
    async with uow:
        advies = await uow.triage.get_advies(advies_id, for_update=True)
        if advies is None:
            raise NotFound(f"advies {advies_id} does not exist")
        uow.publish(change(advies, clock.now()))
        await uow.triage.save_advies(advies)
        _log(uow, advies, activity, action, actor)
        await uow.commit()
    return advies


async def confirm_advies(cmd: ConfirmAdvies, uow: TriageUnitOfWork, clock: Clock) -> Advies:
    return await _change(cmd.advies_id, uow, clock,
                         lambda a, now: a.bevestig(now, toelichting=cmd.toelichting),
                         ADVIES_VASTSTELLEN, UPDATE, cmd.caller)


async def override_advies(cmd: OverrideAdvies, uow: TriageUnitOfWork, clock: Clock) -> Advies:
    return await _change(cmd.advies_id, uow, clock,
                         lambda a, now: a.wijk_af(cmd.gi, cmd.reden, now, cmd.categorie),
                         ADVIES_VASTSTELLEN, UPDATE, cmd.caller)


async def impose_maatregel(cmd: ImposeMaatregel, uow: TriageUnitOfWork, clock: Clock) -> Advies:
    return await _change(cmd.advies_id, uow, clock, lambda a, now: a.leg_maatregel_op(
        cmd.maatregel, cmd.startdatum, now, gi=cmd.gi, raadsonderzoek=cmd.raadsonderzoek),
        MAATREGEL_VASTLEGGEN, CREATE, cmd.caller)


async def read_advies(cmd: ReadAdvies, uow: TriageUnitOfWork) -> Advies:
    """The advice; the read is logged, and committed, before it is returned."""
    async with uow:
        advies = await uow.triage.get_advies(cmd.advies_id)
        if advies is None:
            raise NotFound(f"advies {cmd.advies_id} does not exist")
        _log(uow, advies, ADVIES_INZIEN, READ, cmd.caller)
        await uow.commit()
    return advies


async def list_adviezen(cmd: ListAdviezen, uow: TriageUnitOfWork) -> tuple[list[Advies], int]:
    """A page of advice; each advice shown is logged as read before the page is returned."""
    async with uow:
        items, total = await uow.triage.adviezen(status=cmd.status, gi=cmd.gi, afwijking=cmd.afwijking,
                                                 melding_id=cmd.melding_id, limit=cmd.limit,
                                                 offset=cmd.offset)
        for advies in items:
            _log(uow, advies, ADVIES_INZIEN, READ, cmd.caller)
        await uow.commit()
    return items, total


async def beschikbaarheid(cmd: ReadBeschikbaarheid, uow: TriageUnitOfWork) -> list[dict]:
    async with uow:
        return await uow.triage.beschikbaarheid()


async def regio_escalaties(cmd: ListRegioEscalaties, uow: TriageUnitOfWork) -> list[RegioEscalatie]:
    """Open escalations, the latest raised first (the one whose grey-area measure applies)."""
    async with uow:
        return sorted(await uow.triage.open_escalaties(), key=lambda e: (e.tijdstip, str(e.escalatie_id)),
                      reverse=True)



COMMAND_HANDLERS = {
    ConfirmAdvies: confirm_advies,
    OverrideAdvies: override_advies,
    ImposeMaatregel: impose_maatregel,
    ReadAdvies: read_advies,
    ListAdviezen: list_adviezen,
    ReadBeschikbaarheid: beschikbaarheid,
    ListRegioEscalaties: regio_escalaties,
    RequestConsultatie: consultaties.request_consultatie,
    RecordConsultatieUren: consultaties.record_uren,
    ReadConsultatie: consultaties.read_consultatie,
    ListConsultaties: consultaties.list_consultaties,
    ReadCaVerdeling: consultaties.verdeling,
    EraseExpired: bewaartermijn.wis_alle_verlopen,
    ReadRegelset: regelsetvoorstellen.read_regelset,
    ListRegelsetVersies: regelsetvoorstellen.list_versies,
    ProposeRegelset: regelsetvoorstellen.propose_regelset,
    ApproveRegelset: regelsetvoorstellen.approve_regelset,
    RejectRegelset: regelsetvoorstellen.reject_regelset,
    ReadRegelsetvoorstel: regelsetvoorstellen.read_voorstel,
    ListRegelsetvoorstellen: regelsetvoorstellen.list_voorstellen,
    RunSimulatie: simulaties.run_simulatie,
    ReadSimulatie: simulaties.read_simulatie,
    ListSimulaties: simulaties.list_simulaties,
    ListSimulatieIds: simulaties.simulatie_ids,
}
EVENT_HANDLERS = {
    MeldingReceived: [on_melding_received],
    CapacitySignal: [on_capacity_signal],
    EscalationRaised: [on_escalation_raised],  # the escalation plan's grey-area measure
    EscalationCleared: [on_escalation_cleared],
    # The children's courses, for the what-if simulation; closures also start the retention term.
    CasusAssigned: [simulaties.on_casus_assigned],
    JeugdbeschermerAssigned: [simulaties.on_jeugdbeschermer_assigned],
    CasusClosed: [bewaartermijn.on_casus_closed],
}
