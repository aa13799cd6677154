"""Use cases of the escalation plan: tell the parties of a level, record acknowledgements, raise an
escalation nobody acknowledged in time, send the week's figure to GRJR, and deliver the
notifications (webhooks and e-mail) with retries. Every change of an escalation takes the same
lock as the figures (`uow.capaciteit.vergrendel`), so it serialises with their evaluation."""
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path

from runtime.clock import Clock
from runtime.errors import NotFound
from services.capacity.adapters import escalatieplannen, wire
from services.capacity.adapters.kennisgeving_kanalen import Kanalen
from services.capacity.domain import kennisgeving as kg
from services.capacity.domain.commands import (
    AcknowledgeEscalatie,
    CheckBevestigingen,
    DeliverKennisgevingen,
    ReadEscalatie,
    SendWeekcijfer,
)
from services.capacity.domain.escalatie import Escalatie, ophogen
from services.capacity.domain.escalatieplan import EMAIL, EVENT, GRJR, WEBHOOK, Escalatieplan, partij_van
from services.capacity.domain.events import EscalationRaised
from services.capacity.domain.model import GiCapaciteit
from services.capacity.service_layer.unit_of_work import CapacityUnitOfWork
from services.capacity.settings import CapacitySettings

OpenKanalen = Callable[[CapacitySettings, Clock], Kanalen]


def plan_van(settings: CapacitySettings | None, escalatie: Escalatie | None = None) -> Escalatieplan:
    """An open escalation's own plan version; the active plan for a new one."""
    folder = Path(settings.escalatieplan_map) if getattr(settings, "escalatieplan_map", "") else None
    args = (folder,) if folder else ()
    if escalatie is None:
        return escalatieplannen.actief(*args)
    return escalatieplannen.versie(escalatie.plan_versie, *args)


def _ingesteld(settings: CapacitySettings | None) -> Callable[[str, str], bool]:
    webhooks = settings.webhook_doelen() if settings else {}
    adressen = settings.email_adressen() if settings else {}
    return lambda partij, kanaal: (kanaal == EVENT or (kanaal == WEBHOOK and partij in webhooks)
                                   or (kanaal == EMAIL and partij in adressen))


async def vertel(uow: CapacityUnitOfWork, escalatie: Escalatie, plan: Escalatieplan,
                 event: EscalationRaised, nu: datetime, figuren: Iterable[GiCapaciteit]) -> None:
    """Every party of the level the escalation reached, through each of its channels; and when the
    level puts the weekly figure in force, this week's figure to GRJR at once."""
    contract = wire.to_contract(event)
    data = contract.model_dump(mode="json")

    def bericht(partij: str) -> dict:
        return kg.bericht(f"{escalatie.id}.niveau-{escalatie.niveau}.{partij}", contract.type, nu,
                          escalatie.id, data)
    uow.wake_after_commit(DeliverKennisgevingen)  # sent now, not at the job's next interval
    await uow.kennisgevingen.add(kg.kennisgevingen(
        plan.te_vertellen(escalatie.niveau), escalatie, kg.niveau_onderwerp(escalatie.niveau), bericht,
        _ingesteld(uow.settings), nu))
    await weekcijfer(uow, escalatie, figuren, nu)


async def laat_vervallen(uow: CapacityUnitOfWork, escalatie: Escalatie, nu: datetime) -> None:
    """The escalation ended: its levels' notices not sent yet lapse (kg.vervalt), in this transaction."""
    vervallen = [k for k in await uow.kennisgevingen.voor(escalatie.id) if kg.vervalt(k, nu)]
    await uow.kennisgevingen.save(vervallen)


async def _open_escalatie(uow: CapacityUnitOfWork, escalatie_id) -> Escalatie:
    escalatie = await uow.escalaties.get(escalatie_id)
    if escalatie is None:
        raise NotFound(f"escalation {escalatie_id} not found")
    return escalatie


async def acknowledge(cmd: AcknowledgeEscalatie, uow: CapacityUnitOfWork,
                      clock: Clock) -> tuple[kg.Bevestiging, bool]:
    """The caller's party acknowledges the escalation at its level; (the acknowledgement, new?)."""
    async with uow:
        await uow.capaciteit.vergrendel()
        escalatie = await _open_escalatie(uow, cmd.escalatie_id)
        plan = plan_van(uow.settings, escalatie)
        eerder = await uow.bevestigingen.voor(escalatie.id)
        bevestiging, event = kg.bevestig(escalatie, plan, partij_van(cmd.caller), cmd.niveau, cmd.caller.rol,
                                         eerder, clock.now())
        if event is None:
            return bevestiging, False
        await uow.bevestigingen.add(bevestiging)
        uow.publish(event)
        await uow.commit()
    return bevestiging, True


async def check_bevestigingen(cmd: CheckBevestigingen, uow: CapacityUnitOfWork, clock: Clock) -> bool:
    """An open escalation whose level's parties did not all acknowledge in time goes up a level
    (its parties are told). True when it went up."""
    async with uow:
        figuren = await uow.capaciteit.vergrendel()
        escalatie = await uow.escalaties.open()
        if escalatie is None:
            return False
        plan = plan_van(uow.settings, escalatie)
        bevestigd = kg.bevestigd_op_niveau(await uow.bevestigingen.voor(escalatie.id), escalatie.niveau)
        nu = clock.now()
        hoger, event = ophogen(escalatie, plan, bevestigd, nu)
        if event is None:
            return False
        await uow.escalaties.save(hoger)
        uow.publish(event)
        await vertel(uow, hoger, plan, event, nu, figuren.values())
        await uow.commit()
    return True


async def send_weekcijfer(cmd: SendWeekcijfer, uow: CapacityUnitOfWork, clock: Clock) -> bool:
    """While an open escalation has the weekly-figure measure in force: the week's figures to GRJR
    through its channels at that level, once per ISO week. True when this run sent it."""
    async with uow:
        figuren = await uow.capaciteit.vergrendel()
        escalatie = await uow.escalaties.open()
        if not await weekcijfer(uow, escalatie, figuren.values(), clock.now()):
            return False
        await uow.commit()
    return True


async def weekcijfer(uow: CapacityUnitOfWork, escalatie: Escalatie | None, figuren: Iterable[GiCapaciteit],
                     nu: datetime) -> bool:
    """In the caller's transaction: this week's figures to GRJR, unless sent this week or the measure
    is not in force (False). Also at once when a level puts the measure in force (vertel)."""
    event = kg.weekcijfer(escalatie, figuren, nu)
    onderwerp = kg.week_onderwerp(kg.iso_week(nu))
    if event is None or onderwerp in await uow.kennisgevingen.onderwerpen(escalatie.id):
        return False
    plan = plan_van(uow.settings, escalatie)
    kanalen = plan.niveau(escalatie.niveau).kanalen_van(GRJR)
    contract = wire.to_contract(event)
    data = contract.model_dump(mode="json")
    uow.wake_after_commit(DeliverKennisgevingen)  # sent now, not at the job's next interval
    await uow.kennisgevingen.add(kg.kennisgevingen(
        [(GRJR, kanaal) for kanaal in kanalen], escalatie, onderwerp,
        lambda partij: kg.bericht(f"{escalatie.id}.{event.week}.{partij}", contract.type, nu,
                                  escalatie.id, data),
        _ingesteld(uow.settings), nu))
    if EVENT in kanalen:
        uow.publish(event)
    return True


async def deliver(cmd: DeliverKennisgevingen, uow_factory: Callable[[], CapacityUnitOfWork], clock: Clock,
                  settings: CapacitySettings, kanalen: OpenKanalen) -> int:
    """Send the due webhook and e-mail notifications, batch after batch while they come back full."""
    sent = 0
    async with kanalen(settings, clock) as open_kanalen:
        while (batch := await _deliver_batch(uow_factory(), open_kanalen, clock, settings)) > 0:
            sent += batch
            if batch < settings.kennisgeving_batch_size:
                break
    return sent


async def _deliver_batch(uow: CapacityUnitOfWork, open_kanalen: Kanalen, clock: Clock,
                         settings: CapacitySettings) -> int:
    async with uow:
        due = await uow.kennisgevingen.claim_due(clock.now(), settings.kennisgeving_batch_size)
        if not due:
            return 0
        for k in due:
            try:
                fout = await open_kanalen.verstuur(k)
            except Exception as exc:  # whatever the receiver did, try again later
                fout = f"{type(exc).__name__}: {exc}"
            k.poging(clock.now(), fout, settings.kennisgeving_retry_base_s, settings.kennisgeving_retry_max_s)
        await uow.kennisgevingen.save(due)
        if retries := [k.volgende_poging_op for k in due if k.verzonden_op is None and k.volgende_poging_op]:
            uow.wake_after_commit(DeliverKennisgevingen, at=min(retries))  # the first retry, when due
        await uow.commit()
    return len(due)


async def read_escalatie(cmd: ReadEscalatie, uow: CapacityUnitOfWork, clock: Clock) -> dict:
    """An escalation with its plan: who was told when, who acknowledged, the measures in force."""
    async with uow:
        escalatie = await _open_escalatie(uow, cmd.escalatie_id)
        kennisgevingen = await uow.kennisgevingen.voor(escalatie.id)
        bevestigingen = await uow.bevestigingen.voor(escalatie.id)
    plan = plan_van(uow.settings, escalatie)
    bevestigd = kg.bevestigd_op_niveau(bevestigingen, escalatie.niveau)
    openstaand = [p for p in plan.niveau(escalatie.niveau).partijen if p not in bevestigd]
    ophogen_op = plan.ophogen_op(escalatie.niveau, escalatie.op_niveau_sinds)
    return {"escalatie": escalatie, "plan": plan, "kennisgevingen": kennisgevingen,
            "bevestigingen": bevestigingen, "openstaand": openstaand,
            "ophogen_op": ophogen_op if escalatie.open and openstaand else None, "nu": clock.now()}
