"""Use cases of caseregie: open or join the family's case on a measure, the fixed protector,
closure, transfers decided by both GIs, the drang limits, and the out-of-home placements and youth
care the case's GI records for its children."""
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar
from uuid import UUID

from contracts.events import AdviesIssued, EscalationCleared, EscalationRaised, MaatregelImposed
from contracts.vocabulary import GI, EscalatieMaatregel
from runtime.clock import Clock, local_date
from runtime.errors import Forbidden, NotFound
from runtime.identity import GI_MANAGER, Principal
from runtime.processing_log import CREATE, READ, UPDATE, Betrokkene, betrokkenen
from runtime.processing_register import Verwerkingsactiviteit
from runtime.pseudonyms import keyed_id
from services.caseregie.adapters import wire
from services.caseregie.adapters.verwerkingsactiviteiten import (
    CASUS_AFSLUITEN,
    CASUS_INZIEN,
    CASUS_OPENEN,
    DRANG_SIGNALEREN,
    JEUGDBESCHERMER_TOEWIJZEN,
    JEUGDHULP_INZIEN,
    JEUGDHULP_REGISTREREN,
    OVERDRACHT_AANVRAGEN,
    OVERDRACHT_BESLISSEN,
    OVERDRACHT_INZIEN,
    UITHUISPLAATSING_REGISTREREN,
    UITHUISPLAATSINGEN_INZIEN,
    WACHTLIJST_INZIEN,
)
from services.caseregie.domain.commands import (
    ApproveOverdracht,
    AssignJeugdbeschermer,
    CheckDrang,
    CloseCasus,
    DeleteWebhook,
    DeliverWebhooks,
    EndUithuisplaatsing,
    EraseExpired,
    ListAfleveringen,
    ListCasussen,
    ListJeugdhulp,
    ListUithuisplaatsingen,
    ListWebhooks,
    ReadCasus,
    ReadJeugdhulp,
    ReadOverdracht,
    ReadUithuisplaatsing,
    ReadWachtlijst,
    ReadWebhook,
    RecordJeugdhulp,
    RecordUithuisplaatsing,
    RegisterWebhook,
    RejectOverdracht,
    RequestOverdracht,
)
from services.caseregie.domain.events import CasusEvent
from services.caseregie.domain.model import Casus, CasusKind, Overdracht, wijs_maatregel_toe
from services.caseregie.domain.plaatsingen import Jeugdhulp, Uithuisplaatsing
from services.caseregie.domain.webhooks import WEBHOOK_EVENTS
from services.caseregie.service_layer import bewaartermijn, webhooks
from services.caseregie.service_layer.unit_of_work import CaseregieUnitOfWork
from services.caseregie.settings import CaseregieSettings

# 3 calendar months are never fewer than 89 days: older drang measures are worth a closer look.
DRANG_VOORSELECTIE = timedelta(days=85)


def _log(uow: CaseregieUnitOfWork, casus: Casus, activity: Verwerkingsactiviteit, action: str,
         actor: Principal | None = None, *, resource: tuple[str, object] | None = None,
         subjects: list[Betrokkene] | None = None) -> None:
    """A processing of the case's children's data (written at commit): by default every child of
    the case, the case as the resource; without an actor, caseregie itself (consumer, job)."""
    uow.log_processing(
        activity=activity, action=action, actor=actor, resource=resource or ("casus", casus.id),
        subjects=subjects or betrokkenen(casus.gezin_id, [k.kind_id for k in casus.kinderen]))


async def on_maatregel_imposed(event: MaatregelImposed, uow: CaseregieUnitOfWork, clock: Clock) -> None:
    """One family, one plan: the children join the family's open case, else a new case opens.

    A drang limit the case has already passed (a drang decision recorded late) is flagged at once,
    in the same transaction; limits passed later are found by `check_drang`."""
    maatregel = wire.maatregel(event)
    async with uow:
        await uow.casussen.lock_gezin(event.gezin_id)
        if not await uow.casussen.has_maatregel(event.maatregel_id):  # a replayed measure changes nothing
            now = clock.now()
            open_casus = await uow.casussen.open_for_gezin(event.gezin_id)
            casus, assigned = wijs_maatregel_toe(open_casus, maatregel, now)
            flags = casus.signaleer_drang(local_date(now), now)
            await uow.casussen.save(casus)
            uow.publish(*([assigned] if assigned is not None else []), *flags)
            _log(uow, casus, CASUS_OPENEN, CREATE if open_casus is None else UPDATE,
                 subjects=betrokkenen(event.gezin_id, [k.kind_id for k in event.kinderen]))
            if flags:
                _log(uow, casus, DRANG_SIGNALEREN, UPDATE)
        await uow.commit()


async def _load(casus_id: UUID, uow: CaseregieUnitOfWork, *, for_update: bool = False) -> Casus:
    casus = await uow.casussen.get(casus_id, for_update=for_update)
    if casus is None:
        raise NotFound(f"casus {casus_id} not found")
    return casus


def _eigen(casus: Casus, principal: Principal) -> None:
    casus.zichtbaar_voor(principal.gi)


def _pseudoniem(settings: CaseregieSettings, soort: str, wie: str) -> UUID:
    """How events name a person of a GI (a manager, a protector): a keyed hash under the service's
    pseudonym key; who it is stays in caseregie."""
    return keyed_id(settings.pseudonym_secret, soort, wie)


def _gi(principal: Principal) -> GI:
    """The GI the caller works for: everything caseregie shows is scoped to it."""
    if principal.gi is None:
        raise Forbidden(f"role {principal.rol} works for no GI; only a GI's systems use caseregie")
    return GI(principal.gi)


# A domain change at a moment: the events it publishes.
Change = Callable[[Casus, datetime], list[CasusEvent]]


async def _change(casus_id: UUID, uow: CaseregieUnitOfWork, clock: Clock, principal: Principal,
                  change: Change, toegang: Callable[[Casus, Principal], object] = _eigen, *,
                  activity: Verwerkingsactiviteit, action: str = UPDATE,
                  resource: tuple[str, object] | None = None) -> Casus:
    """Lock the case, check the caller may act on it (`toegang`: by default only the case's own GI),
    apply a domain change, save it, publish its events and log the processing (`activity`), in one
    transaction."""
    async with uow:
        casus = await _load(casus_id, uow, for_update=True)
        toegang(casus, principal)
        events = change(casus, clock.now())
        await uow.casussen.save(casus)
        uow.publish(*events)
        _log(uow, casus, activity, action, principal, resource=resource)
        await uow.commit()
    return casus


async def read_casus(cmd: ReadCasus, uow: CaseregieUnitOfWork) -> Casus:
    """The case, for its own GI only; to anyone else it does not exist (404). The read is logged,
    and committed, before the case is returned."""
    async with uow:
        casus = await _load(cmd.casus_id, uow)
        _eigen(casus, cmd.caller)
        _log(uow, casus, CASUS_INZIEN, READ, cmd.caller)
        await uow.commit()
    return casus


async def list_casussen(cmd: ListCasussen, uow: CaseregieUnitOfWork) -> tuple[list[Casus], int]:
    """The caller's GI's cases only: the filter is applied in the query, never afterwards. Each
    case shown is logged as read before the page is returned."""
    async with uow:
        items, total = await uow.casussen.list(gi=_gi(cmd.caller), status=cmd.status, gemeente=cmd.gemeente,
                                               wachtend=cmd.wachtend, limit=cmd.limit, offset=cmd.offset)
        for casus in items:
            _log(uow, casus, CASUS_INZIEN, READ, cmd.caller)
        await uow.commit()
    return items, total


# The waiting list's order: longest waiting first; while the region's escalation plan has the
# measure in force (an open escalation read from capacity.escalaties), urgent reports first.
WACHTDAGEN = "wachtdagen"
URGENTIE_EN_WACHTDAGEN = "urgentie_en_wachtdagen"


async def wachtlijst(cmd: ReadWachtlijst, uow: CaseregieUnitOfWork
                     ) -> tuple[list[tuple[Casus, CasusKind]], int, str]:
    """The caller's GI's waiting children only (filtered in the query), and the order they are in;
    each child shown is logged as read before the page is returned."""
    async with uow:
        op_urgentie = (EscalatieMaatregel.WACHTENDEN_OP_URGENTIE_EN_WACHTDAGEN
                       in await uow.casussen.maatregelen_in_regio())
        items, total = await uow.casussen.wachtlijst(gi=_gi(cmd.caller), gemeente=cmd.gemeente,
                                                     limit=cmd.limit, offset=cmd.offset,
                                                     op_urgentie=op_urgentie)
        for casus, kind in items:
            _log(uow, casus, WACHTLIJST_INZIEN, READ, cmd.caller,
                 subjects=[Betrokkene(kind_id=kind.kind_id, gezin_id=casus.gezin_id)])
        await uow.commit()
    return items, total, URGENTIE_EN_WACHTDAGEN if op_urgentie else WACHTDAGEN


async def on_escalation_raised(event: EscalationRaised, uow: CaseregieUnitOfWork) -> None:
    """The region's escalation (capacity): its level and the escalation plan's measures in force."""
    async with uow:
        await uow.casussen.sla_escalatie_op(event.escalatie_id, event.niveau, list(event.maatregelen),
                                            event.tijdstip, None)
        await uow.commit()


async def on_escalation_cleared(event: EscalationCleared, uow: CaseregieUnitOfWork) -> None:
    async with uow:
        await uow.casussen.sla_escalatie_op(event.escalatie_id, event.hoogste_niveau, [], event.beeindigd_op,
                                            event.beeindigd_op)
        await uow.commit()


async def on_advies_issued(event: AdviesIssued, uow: CaseregieUnitOfWork) -> None:
    """The report's urgency, for the waiting list's order under the escalation plan's measure."""
    async with uow:
        await uow.casussen.sla_urgentie_op(event.melding_id, event.urgentie.value)
        await uow.commit()


async def assign_jeugdbeschermer(cmd: AssignJeugdbeschermer, uow: CaseregieUnitOfWork, clock: Clock,
                                 settings: CaseregieSettings) -> Casus:
    """Every child of the case gets the protector; nothing is published when they all had it."""
    def assign(casus: Casus, now: datetime) -> list[CasusEvent]:
        pseudoniem = _pseudoniem(settings, "jeugdbeschermer", f"{casus.gi}:{cmd.jeugdbeschermer_id.strip()}")
        assigned = casus.wijs_jeugdbeschermer_toe(_gi(cmd.caller), cmd.jeugdbeschermer_id, cmd.naam, now,
                                                  pseudoniem)
        return [assigned] if assigned is not None else []
    return await _change(cmd.casus_id, uow, clock, cmd.caller, assign, activity=JEUGDBESCHERMER_TOEWIJZEN)


async def close_casus(cmd: CloseCasus, uow: CaseregieUnitOfWork, clock: Clock) -> Casus:
    """Close the case; placements still running end on the closing day (published before the
    closure)."""
    def close(casus: Casus, now: datetime) -> list[CasusEvent]:
        closed = casus.sluit(_gi(cmd.caller), cmd.reden, cmd.toelichting, now)
        return [*casus.beeindig_lopende_plaatsingen(now), closed]
    return await _change(cmd.casus_id, uow, clock, cmd.caller, close, activity=CASUS_AFSLUITEN)


async def request_overdracht(cmd: RequestOverdracht, uow: CaseregieUnitOfWork, clock: Clock) -> Overdracht:
    """Only the case's own GI asks to hand it over."""
    def request(casus: Casus, now: datetime) -> list[CasusEvent]:
        _, requested = casus.vraag_overdracht(cmd.naar_gi, cmd.reden, cmd.categorie, now)
        return [requested]
    casus = await _change(cmd.casus_id, uow, clock, cmd.caller, request, activity=OVERDRACHT_AANVRAGEN,
                          action=CREATE)
    return casus.overdrachten[-1]


async def read_overdracht(cmd: ReadOverdracht, uow: CaseregieUnitOfWork) -> tuple[Overdracht, Casus]:
    """The transfer for its sending and receiving GI (and the case's current GI), with the case
    it is about: the route shows the receiving GI only the summary it needs to decide. The read
    is logged, and committed, before it is returned."""
    async with uow:
        casus = await _load(cmd.casus_id, uow)
        overdracht = casus.overdracht_voor(cmd.overdracht_id, cmd.caller.gi)
        _log(uow, casus, OVERDRACHT_INZIEN, READ, cmd.caller, resource=("overdracht", overdracht.id))
        await uow.commit()
    return overdracht, casus


def _beslisser(principal: Principal) -> tuple[GI, str, str | None]:
    """Who decides on a transfer: a manager of a GI, named by the token only (sub and naam)."""
    if not principal.is_a(GI_MANAGER):
        raise Forbidden(f"only a GI's manager decides on a transfer, not role {principal.rol}")
    return _gi(principal), principal.sub, principal.naam


def _partij(overdracht_id: UUID) -> Callable[[Casus, Principal], object]:
    return lambda casus, principal: casus.overdracht_voor(overdracht_id, principal.gi)


async def approve_overdracht(cmd: ApproveOverdracht, uow: CaseregieUnitOfWork, clock: Clock,
                             settings: CaseregieSettings) -> Overdracht:
    """The caller's GI approves, recorded with the caller's token subject; the case moves once
    both GIs' managers have approved."""
    gi, manager, naam = _beslisser(cmd.caller)
    manager_id = _pseudoniem(settings, "manager", manager)
    casus = await _change(cmd.casus_id, uow, clock, cmd.caller, lambda c, now: c.keur_overdracht_goed(
        cmd.overdracht_id, gi, manager, now, naam, manager_id), toegang=_partij(cmd.overdracht_id),
        activity=OVERDRACHT_BESLISSEN, resource=("overdracht", cmd.overdracht_id))
    return casus.overdracht(cmd.overdracht_id)


async def reject_overdracht(cmd: RejectOverdracht, uow: CaseregieUnitOfWork, clock: Clock,
                            settings: CaseregieSettings) -> Overdracht:
    """The free-text reason stays in caseregie; events carry its category."""
    gi, manager, naam = _beslisser(cmd.caller)
    manager_id = _pseudoniem(settings, "manager", manager)
    casus = await _change(cmd.casus_id, uow, clock, cmd.caller, lambda c, now: [c.wijs_overdracht_af(
        cmd.overdracht_id, gi, manager, cmd.reden, now, naam, cmd.categorie, manager_id)],
        toegang=_partij(cmd.overdracht_id), activity=OVERDRACHT_BESLISSEN,
        resource=("overdracht", cmd.overdracht_id))
    return casus.overdracht(cmd.overdracht_id)


async def check_drang(cmd: CheckDrang, uow_factory: Callable[[], CaseregieUnitOfWork], clock: Clock) -> int:
    """Flag open drang cases past their limits; one transaction per case. Returns the flags raised."""
    async with uow_factory() as uow:
        now = clock.now()
        vandaag = local_date(now)
        kandidaten = await uow.casussen.drang_kandidaten(vandaag - DRANG_VOORSELECTIE)
    raised = 0
    for casus_id in kandidaten:
        async with uow_factory() as uow:
            casus = await uow.casussen.get(casus_id, for_update=True)
            events = casus.signaleer_drang(vandaag, now) if casus else []
            if events:
                await uow.casussen.save(casus)
                uow.publish(*events)
                _log(uow, casus, DRANG_SIGNALEREN, UPDATE)
                await uow.commit()
                raised += len(events)
    return raised


# --- out-of-home placements and youth care ---------------------------------------------------------

# A placement or youth care: an item about one child of the case.
T = TypeVar("T", Uithuisplaatsing, Jeugdhulp)


async def _registreer(casus_id: UUID, uow: CaseregieUnitOfWork, clock: Clock, principal: Principal,
                      change: Callable[[Casus, datetime], tuple[T, list[CasusEvent]]], *,
                      activity: Verwerkingsactiviteit, action: str, soort: str) -> tuple[T, bool]:
    """Lock the case, record a placement or youth care of one child (only the case's own GI),
    publish its events and log the processing of that child's data, in one transaction. Returns
    the item and whether it is new (False: a retry found it recorded, nothing published)."""
    async with uow:
        casus = await _load(casus_id, uow, for_update=True)
        _eigen(casus, principal)
        item, events = change(casus, clock.now())
        await uow.casussen.save(casus)
        uow.publish(*events)
        _log(uow, casus, activity, action, principal, resource=(soort, item.id),
             subjects=[Betrokkene(kind_id=item.kind_id, gezin_id=casus.gezin_id)])
        await uow.commit()
    return item, bool(events)


async def record_uithuisplaatsing(cmd: RecordUithuisplaatsing, uow: CaseregieUnitOfWork, clock: Clock
                                  ) -> tuple[Uithuisplaatsing, bool]:
    return await _registreer(cmd.casus_id, uow, clock, cmd.caller, lambda c, now: c.plaats_uit(
        _gi(cmd.caller), cmd.kind_id, cmd.vorm, cmd.in_netwerk, cmd.startdatum, cmd.einddatum, now),
        activity=UITHUISPLAATSING_REGISTREREN, action=CREATE, soort="uithuisplaatsing")


async def end_uithuisplaatsing(cmd: EndUithuisplaatsing, uow: CaseregieUnitOfWork, clock: Clock
                               ) -> Uithuisplaatsing:
    plaatsing, _ = await _registreer(cmd.casus_id, uow, clock, cmd.caller, lambda c, now: (
        c.beeindig_uithuisplaatsing(_gi(cmd.caller), cmd.plaatsing_id, cmd.einddatum, now)),
        activity=UITHUISPLAATSING_REGISTREREN, action=UPDATE, soort="uithuisplaatsing")
    return plaatsing


async def record_jeugdhulp(cmd: RecordJeugdhulp, uow: CaseregieUnitOfWork, clock: Clock
                           ) -> tuple[Jeugdhulp, bool]:
    return await _registreer(cmd.casus_id, uow, clock, cmd.caller, lambda c, now: c.start_jeugdhulp(
        _gi(cmd.caller), cmd.kind_id, cmd.vorm, cmd.startdatum, now),
        activity=JEUGDHULP_REGISTREREN, action=CREATE, soort="jeugdhulp")


async def _lees(casus_id: UUID, uow: CaseregieUnitOfWork, principal: Principal,
                kies: Callable[[Casus], list[T]], activity: Verwerkingsactiviteit, soort: str) -> list[T]:
    """Items of the case's children for the case's own GI only, each read logged for its child
    (a read finding none logs the case's children: it tells they have none) before returning."""
    async with uow:
        casus = await _load(casus_id, uow)
        _eigen(casus, principal)
        items = kies(casus)
        for item in items:
            _log(uow, casus, activity, READ, principal, resource=(soort, item.id),
                 subjects=[Betrokkene(kind_id=item.kind_id, gezin_id=casus.gezin_id)])
        if not items:
            _log(uow, casus, activity, READ, principal)
        await uow.commit()
    return items


async def list_uithuisplaatsingen(cmd: ListUithuisplaatsingen, uow: CaseregieUnitOfWork
                                  ) -> list[Uithuisplaatsing]:
    return await _lees(cmd.casus_id, uow, cmd.caller, lambda c: list(c.uithuisplaatsingen),
                       UITHUISPLAATSINGEN_INZIEN, "uithuisplaatsing")


async def read_uithuisplaatsing(cmd: ReadUithuisplaatsing, uow: CaseregieUnitOfWork) -> Uithuisplaatsing:
    (found,) = await _lees(cmd.casus_id, uow, cmd.caller, lambda c: [c.uithuisplaatsing(cmd.plaatsing_id)],
                           UITHUISPLAATSINGEN_INZIEN, "uithuisplaatsing")
    return found


async def list_jeugdhulp(cmd: ListJeugdhulp, uow: CaseregieUnitOfWork) -> list[Jeugdhulp]:
    return await _lees(cmd.casus_id, uow, cmd.caller, lambda c: list(c.jeugdhulp), JEUGDHULP_INZIEN,
                       "jeugdhulp")


async def read_jeugdhulp(cmd: ReadJeugdhulp, uow: CaseregieUnitOfWork) -> Jeugdhulp:
    (found,) = await _lees(cmd.casus_id, uow, cmd.caller, lambda c: [c.jeugdhulptraject(cmd.jeugdhulp_id)],
                           JEUGDHULP_INZIEN, "jeugdhulp")
    return found



COMMAND_HANDLERS = {
    ReadCasus: read_casus,
    ListCasussen: list_casussen,
    ReadWachtlijst: wachtlijst,
    AssignJeugdbeschermer: assign_jeugdbeschermer,
    CloseCasus: close_casus,
    RequestOverdracht: request_overdracht,
    ReadOverdracht: read_overdracht,
    ApproveOverdracht: approve_overdracht,
    RejectOverdracht: reject_overdracht,
    RecordUithuisplaatsing: record_uithuisplaatsing,
    EndUithuisplaatsing: end_uithuisplaatsing,
    ListUithuisplaatsingen: list_uithuisplaatsingen,
    ReadUithuisplaatsing: read_uithuisplaatsing,
    RecordJeugdhulp: record_jeugdhulp,
    ListJeugdhulp: list_jeugdhulp,
    ReadJeugdhulp: read_jeugdhulp,
    CheckDrang: check_drang,
    EraseExpired: bewaartermijn.wis_alle_verlopen,
    RegisterWebhook: webhooks.register,
    ListWebhooks: webhooks.list_webhooks,
    ReadWebhook: webhooks.get,
    DeleteWebhook: webhooks.delete,
    ListAfleveringen: webhooks.afleveringen,
    DeliverWebhooks: webhooks.deliver_webhooks,
}
# Cases open on the measure (no longer on the advice). caseregie also reads its own topic to fan
# every case event out to the webhooks of the GIs it concerns.
EVENT_HANDLERS = {
    MaatregelImposed: [on_maatregel_imposed],
    AdviesIssued: [on_advies_issued],
    EscalationRaised: [on_escalation_raised],
    EscalationCleared: [on_escalation_cleared],
    **{wire.CONTRACTS[event]: [webhooks.on_casus_event] for event in WEBHOOK_EVENTS},
}
