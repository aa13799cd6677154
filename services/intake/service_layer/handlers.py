"""Use cases of intake: receive and complete a report, follow it through the chain. The caller
(the verified Principal) decides which reports a use case may touch (domain/access.py)."""
from collections.abc import Callable
from datetime import datetime, timedelta
from uuid import UUID

from contracts.events import (
    AdviesIssued,
    CasusAssigned,
    CasusClosed,
    CasusTransferred,
    DrangOverdue,
    JeugdbeschermerAssigned,
    MaatregelImposed,
    TriageCompleted,
)
from runtime.clock import Clock, local_date
from runtime.errors import NotFound
from runtime.identity import Principal
from runtime.processing_log import CREATE, READ, UPDATE, Betrokkene, betrokkenen
from runtime.processing_register import Verwerkingsactiviteit
from services.intake.adapters.verwerkingsactiviteiten import (
    AANVULTERMIJN_BEWAKEN,
    KETENVERLOOP_BIJWERKEN,
    MELDING_AANVULLEN,
    MELDING_INZIEN,
    MELDING_ONTVANGEN,
)
from services.intake.domain.access import check_submission, completing_scope, reading_scope
from services.intake.domain.commands import (
    CompleteMelding,
    EraseExpired,
    FindBetrokkene,
    FlagOverdueCompletions,
    ListMeldingen,
    ReadMelding,
    ReceiveMelding,
)
from services.intake.domain.model import Melding, check_geboortedata, resolve_gezin_id
from services.intake.service_layer import bewaartermijn, verwerkingen
from services.intake.service_layer.unit_of_work import IntakeUnitOfWork
from services.intake.settings import IntakeSettings

OVERDUE_BATCH = 100


def _betrokkenen(melding: Melding) -> list[Betrokkene]:
    """The report's data subjects: each child (its pseudonymous id) with the family."""
    return betrokkenen(melding.gezin_id, [k.kind_id for k in melding.gezin.kinderen])


def _log(uow: IntakeUnitOfWork, melding: Melding, activity: Verwerkingsactiviteit, action: str,
         actor: Principal | None = None) -> None:
    """A processing of the report's personal data, in the processing log (written at commit);
    without an actor, intake itself (a consumer, a job)."""
    uow.log_processing(activity=activity, subjects=_betrokkenen(melding), resource=("melding", melding.id),
                       action=action, actor=actor)


async def receive_melding(cmd: ReceiveMelding, uow: IntakeUnitOfWork, settings: IntakeSettings,
                          clock: Clock) -> Melding:
    """A complete report enters the chain at once; an incomplete urgent one waits for completion.
    The report belongs to the caller's organisation."""
    report, secret = cmd.report, settings.pseudonym_secret
    check_submission(cmd.caller, report.gemeente)
    now = clock.now()
    check_geboortedata(report.gezin, local_date(now))
    melding = Melding.receive(report, secret, now, timedelta(seconds=settings.spoed_aanvultermijn_s),
                              organisatie=cmd.caller.organisatie, ingediend_door=cmd.caller.sub)
    async with uow:
        if melding.is_complete:
            await _enter_chain(melding, secret, now, uow)
        await uow.meldingen.add(melding)
        _log(uow, melding, MELDING_ONTVANGEN, CREATE, cmd.caller)
        await uow.commit()
    return melding


async def complete_melding(cmd: CompleteMelding, uow: IntakeUnitOfWork, settings: IntakeSettings,
                           clock: Clock) -> Melding:
    """Complete an urgent report of the caller's organisation; once nothing is missing, it enters
    the chain. Another organisation's report does not exist for the caller."""
    scope, secret = completing_scope(cmd.caller), settings.pseudonym_secret
    now = clock.now()
    check_geboortedata(cmd.aanvulling.gezin, local_date(now))
    async with uow:
        melding = await uow.meldingen.get(cmd.melding_id, scope=scope, for_update=True)
        if melding is None:
            raise NotFound(f"melding {cmd.melding_id} does not exist")
        melding.complete(cmd.aanvulling, secret, now)
        if melding.is_complete:
            await _enter_chain(melding, secret, now, uow)
        await uow.meldingen.save(melding)
        _log(uow, melding, MELDING_AANVULLEN, UPDATE, cmd.caller)
        await uow.commit()
    return melding


async def _enter_chain(melding: Melding, secret: bytes, now: datetime, uow: IntakeUnitOfWork) -> None:
    """Match the report to its family (earlier reports with the same BSNs), mark a re-report,
    and publish it. Only complete reports are linked, so an unfinished one claims no family."""
    keys = melding.family_keys(secret)
    known = resolve_gezin_id(keys, await uow.gezinnen.find(keys))
    gezin_id = known or melding.gezin_id
    await uow.gezinnen.link(keys, gezin_id, now)
    # A new family (the report's own new id) has no closure to look up.
    melding.join_family(gezin_id, await uow.gezinnen.last_closed(known) if known else None)
    uow.publish(melding.received_event())


async def flag_overdue_completions(cmd: FlagOverdueCompletions, uow: IntakeUnitOfWork, clock: Clock) -> int:
    """Flag (once) incomplete urgent reports whose completion deadline passed; one batch."""
    now = clock.now()
    async with uow:
        overdue = await uow.meldingen.overdue(now, OVERDUE_BATCH)
        for melding in overdue:
            if event := melding.flag_overdue(now):
                await uow.meldingen.save(melding)
                _log(uow, melding, AANVULTERMIJN_BEWAKEN, UPDATE)
                uow.publish(event)
        await uow.commit()
    return len(overdue)


async def read_melding(cmd: ReadMelding, uow: IntakeUnitOfWork) -> Melding:
    """A report the caller may read; any other is 404, whether it exists or not. The read is
    logged, and committed, before the report is returned."""
    scope = reading_scope(cmd.caller)
    async with uow:
        melding = await uow.meldingen.get(cmd.melding_id, scope=scope)
        if melding is None:
            raise NotFound(f"melding {cmd.melding_id} does not exist")
        _log(uow, melding, MELDING_INZIEN, READ, cmd.caller)
        await uow.commit()
    return melding


async def list_meldingen(cmd: ListMeldingen, uow: IntakeUnitOfWork) -> tuple[list[Melding], int]:
    """The reports the caller may read, filtered in the query itself; each report shown is logged
    as read (committed before the page is returned)."""
    scope = reading_scope(cmd.caller)
    async with uow:
        items, total = await uow.meldingen.list(scope=scope, gemeente=cmd.gemeente, status=cmd.status,
                                                limit=cmd.limit, offset=cmd.offset)
        for melding in items:
            _log(uow, melding, MELDING_INZIEN, READ, cmd.caller)
        await uow.commit()
    return items, total


async def _update(melding_id: UUID, uow: IntakeUnitOfWork, change: Callable[[Melding], None]) -> None:
    async with uow:
        melding = await uow.meldingen.get(melding_id, for_update=True)
        if melding is None:
            raise NotFound(f"event for unknown melding {melding_id}")
        change(melding)
        await uow.meldingen.save(melding)
        _log(uow, melding, KETENVERLOOP_BIJWERKEN, UPDATE)
        await uow.commit()


async def _update_casus(casus_id: UUID, uow: IntakeUnitOfWork, change: Callable[[Melding], None]) -> None:
    """Apply a case event to every report linked to the case. A case intake does not know (another
    family's, or one whose assignment it never saw) is ignored: the event is simply recorded."""
    async with uow:
        for melding in await uow.meldingen.by_casus(casus_id, for_update=True):
            change(melding)
            await uow.meldingen.save(melding)
            _log(uow, melding, KETENVERLOOP_BIJWERKEN, UPDATE)
        await uow.commit()


async def on_triage_completed(event: TriageCompleted, uow: IntakeUnitOfWork) -> None:
    await _update(event.melding_id, uow, lambda m: m.triaged(
        event.besloten_op, doelgroep=event.doelgroep, expertise=event.expertise, regel=event.regel,
        regelset_versie=event.regelset_versie, toelichting=event.toelichting))


async def on_advies_issued(event: AdviesIssued, uow: IntakeUnitOfWork) -> None:
    await _update(event.melding_id, uow, lambda m: m.advised(
        event.geadviseerd_op, gi=event.gi, reden=event.reden, afwijking=event.afwijking,
        afwijking_categorie=event.afwijking_categorie, advies_id=event.advies_id))


async def on_maatregel_imposed(event: MaatregelImposed, uow: IntakeUnitOfWork) -> None:
    await _update(event.melding_id, uow, lambda m: m.measure(
        event.opgelegd_op, maatregel=event.maatregel, route=event.route, startdatum=event.startdatum,
        gi=event.gi))


async def on_casus_assigned(event: CasusAssigned, uow: IntakeUnitOfWork) -> None:
    await _update(event.melding_id, uow, lambda m: m.assigned(
        event.toegewezen_op, gi=event.gi, casus_id=event.casus_id, nieuwe_casus=event.nieuwe_casus,
        gi_reden=event.gi_reden))


async def on_jeugdbeschermer_assigned(event: JeugdbeschermerAssigned, uow: IntakeUnitOfWork) -> None:
    await _update_casus(event.casus_id, uow, lambda m: m.protector(
        event.toegewezen_op, jeugdbeschermer_id=event.jeugdbeschermer_id and str(event.jeugdbeschermer_id),
        gi=event.gi))


async def on_casus_transferred(event: CasusTransferred, uow: IntakeUnitOfWork) -> None:
    await _update_casus(event.casus_id, uow, lambda m: m.transferred(
        event.overgedragen_op, van_gi=event.van_gi, naar_gi=event.naar_gi, categorie=event.categorie))


async def on_casus_closed(event: CasusClosed, uow: IntakeUnitOfWork) -> None:
    """The case's reports show the closure; the family's closure is remembered for re-reports."""
    async with uow:
        await uow.gezinnen.closed(event.gezin_id, event.gesloten_op)
        for melding in await uow.meldingen.by_casus(event.casus_id, for_update=True):
            melding.closed(event.gesloten_op, reden=event.reden)
            await uow.meldingen.save(melding)
            _log(uow, melding, KETENVERLOOP_BIJWERKEN, UPDATE)
        await uow.commit()


async def on_drang_overdue(event: DrangOverdue, uow: IntakeUnitOfWork) -> None:
    await _update_casus(event.casus_id, uow, lambda m: m.drang_overdue(
        event.gesignaleerd_op, termijn=event.termijn))



COMMAND_HANDLERS = {
    ReceiveMelding: receive_melding,
    CompleteMelding: complete_melding,
    ReadMelding: read_melding,
    ListMeldingen: list_meldingen,
    FlagOverdueCompletions: flag_overdue_completions,
    EraseExpired: bewaartermijn.wis_alle_verlopen,
    FindBetrokkene: verwerkingen.betrokkene_voor_bsn,
}
EVENT_HANDLERS = {
    TriageCompleted: [on_triage_completed],
    AdviesIssued: [on_advies_issued],
    MaatregelImposed: [on_maatregel_imposed],
    CasusAssigned: [on_casus_assigned],
    JeugdbeschermerAssigned: [on_jeugdbeschermer_assigned],
    CasusTransferred: [on_casus_transferred],
    CasusClosed: [on_casus_closed],
    DrangOverdue: [on_drang_overdue],
}
