"""Use cases of capacity: staffing reports and case events change the figures of the GIs; a visible
change is published as a capacity signal and the region's escalation is evaluated with it."""
from collections.abc import Iterable
from datetime import datetime

from contracts import Event
from contracts.events import (
    Actualiteit,
    CasusAssigned,
    CasusClosed,
    CasusTransferred,
    JeugdbeschermerAssigned,
)
from contracts.vocabulary import GI
from runtime.clock import Clock
from runtime.errors import Forbidden, InvalidInput
from runtime.identity import Principal
from services.capacity.adapters import wire
from services.capacity.domain.commands import (
    AcknowledgeEscalatie,
    CheckBevestigingen,
    DeliverKennisgevingen,
    ListEscalaties,
    ReadChangesAfter,
    ReadEscalatie,
    ReadGiCapaciteit,
    ReadHistorie,
    ReadOverzicht,
    ReadSnapshot,
    RebuildFromLog,
    RebuildIfLost,
    ReportStaffing,
    SendWeekcijfer,
    UpdateWaitingDays,
)
from services.capacity.domain.escalatie import Escalatie, Regiocijfers, beoordeel
from services.capacity.domain.events import EscalationRaised
from services.capacity.domain.model import (
    Bezetting,
    GiCapaciteit,
    bereken,
    feiten,
    herbereken,
    stand_op,
    verwerk,
)
from services.capacity.service_layer import escalaties
from services.capacity.service_layer.unit_of_work import CapacityUnitOfWork

HERBEREKENING = "herberekening uit het logboek"
WACHTDAGEN = "wachtdagen bijgewerkt"
STREAM_BATCH = 500


async def _werk_bij(uow: CapacityUnitOfWork, figuren: dict[GI, GiCapaciteit], gis: Iterable[GI],
                    oorzaak: str, nu: datetime, *, bezetting: dict[GI, Bezetting] | None = None,
                    altijd_beoordelen: bool = False) -> None:
    """Recompute the GIs' figures (with new staffing where given); store, record and publish
    those that differ visibly from the last published figure, then evaluate the region's
    escalation on the new figures, in the same transaction."""
    gis = sorted(set(gis))
    tellingen = await uow.kinderen.tellingen(gis)
    veranderd = False
    for gi in gis:
        staffing = (bezetting or {}).get(gi, figuren[gi].bezetting)
        nieuw = bereken(gi, staffing, tellingen.get(gi, {}), nu)
        if nieuw.zichtbaar_anders_dan(figuren[gi]):
            await uow.capaciteit.sla_figuur_op(nieuw, oorzaak)
            # A signal only when something visible changed.
            uow.publish(nieuw.signal(wire.actualiteit(uow.actualiteit())))
            figuren[gi] = nieuw
            veranderd = True
        elif staffing != figuren[gi].bezetting:
            figuren[gi] = figuren[gi].met_bezetting(staffing)
    uow.zichtbaar_gewijzigd |= veranderd
    if veranderd or altijd_beoordelen:
        await _beoordeel_escalatie(uow, figuren.values(), nu)


async def _beoordeel_escalatie(uow: CapacityUnitOfWork, figuren: Iterable[GiCapaciteit],
                               nu: datetime) -> None:
    """The region's escalation on the new figures; on a new level, its parties are told (the plan)."""
    figuren = list(figuren)
    open_ = await uow.escalaties.open()
    plan = escalaties.plan_van(uow.settings, open_)
    escalatie, event = beoordeel(open_, Regiocijfers.van(figuren), uow.drempels, nu, plan=plan)
    if event is not None:
        await uow.escalaties.save(escalatie)
        uow.publish(event)
        if isinstance(event, EscalationRaised):
            await escalaties.vertel(uow, escalatie, plan, event, nu, figuren)
        else:
            await escalaties.laat_vervallen(uow, escalatie, nu)


def _eigen_gi(principal: Principal, gi: GI) -> None:
    """A GI reports its own staffing only; nobody else (no other GI, not the RvdK) reports it."""
    if principal.gi != gi:
        raise Forbidden(f"only {gi} itself reports its staffing; your token is for "
                        f"{principal.organisatie} ({principal.rol})", field="gi")


async def report_staffing(cmd: ReportStaffing, uow: CapacityUnitOfWork, clock: Clock) -> GiCapaciteit:
    _eigen_gi(cmd.caller, cmd.gi)
    teams = list(cmd.teams) if cmd.teams is not None else None
    bezetting = Bezetting.melden(caseload_norm=cmd.caseload_norm, jeugdbeschermers=cmd.jeugdbeschermers,
                                 afwezig=cmd.afwezig, teams=teams)
    async with uow:
        figuren = await uow.capaciteit.vergrendel()
        await uow.log.bezetting(cmd.gi, bezetting)
        await uow.capaciteit.sla_bezetting_op(cmd.gi, bezetting)
        await _werk_bij(uow, figuren, [cmd.gi], "bezetting gemeld", clock.now(),
                        bezetting={cmd.gi: bezetting})
        await uow.commit()
    return figuren[cmd.gi]


async def _case_event(event: Event, oorzaak: str, uow: CapacityUnitOfWork, clock: Clock) -> None:
    async with uow:
        figuren = await uow.capaciteit.vergrendel()
        await uow.log.event(event, uow.incoming_event_id)
        facts = feiten(wire.casusgebeurtenis(event))
        standen = await uow.kinderen.get_many((f.casus_id, f.kind_id) for f in facts)
        gewijzigd, geraakt = {}, set()
        for feit in facts:
            voor = standen.get((feit.casus_id, feit.kind_id))
            na = verwerk(voor, feit)
            if na != voor:  # a duplicate or an older fact changes nothing
                standen[na.sleutel] = gewijzigd[na.sleutel] = na
                geraakt |= {na.gi} | ({voor.gi} if voor else set())
        await uow.kinderen.save(gewijzigd.values())
        # The measurement time, so that the signals of a GI stay in time order.
        await _werk_bij(uow, figuren, geraakt, oorzaak, clock.now())
        await uow.commit()


async def on_casus_assigned(event: CasusAssigned, uow: CapacityUnitOfWork, clock: Clock) -> None:
    await _case_event(event, f"casus {event.casus_id} toegewezen", uow, clock)


async def on_jeugdbeschermer_assigned(event: JeugdbeschermerAssigned, uow: CapacityUnitOfWork,
                                      clock: Clock) -> None:
    await _case_event(event, f"casus {event.casus_id}: vaste jeugdbeschermer toegewezen", uow, clock)


async def on_casus_transferred(event: CasusTransferred, uow: CapacityUnitOfWork, clock: Clock) -> None:
    await _case_event(
        event, f"casus {event.casus_id} overgedragen van {event.van_gi} naar {event.naar_gi}", uow, clock)


async def on_casus_closed(event: CasusClosed, uow: CapacityUnitOfWork, clock: Clock) -> None:
    await _case_event(event, f"casus {event.casus_id} gesloten", uow, clock)


async def update_waiting_days(cmd: UpdateWaitingDays, uow: CapacityUnitOfWork, clock: Clock) -> None:
    """Waiting days grow with time alone: recompute every GI (publishing only what changed) and
    evaluate the escalation, whose longest-wait condition also moves with time."""
    async with uow:
        figuren = await uow.capaciteit.vergrendel()
        await _werk_bij(uow, figuren, GI, WACHTDAGEN, clock.now(), altijd_beoordelen=True)
        await uow.commit()


async def rebuild_from_log(cmd: RebuildFromLog, uow: CapacityUnitOfWork, clock: Clock) -> dict:
    return await _rebuild(uow, clock)


async def _rebuild(uow: CapacityUnitOfWork, clock: Clock) -> dict:
    """Fold the log with the domain's fold and compare with the live state; when they differ,
    the log wins: the live state is replaced and the visible changes are published."""
    async with uow:
        figuren = await uow.capaciteit.vergrendel()
        nu = clock.now()
        log = await uow.log.alles()
        regio = herbereken(wire.logboek(log))
        herberekend = regio.figuren(nu)
        live_tellingen = await uow.kinderen.tellingen(GI)
        live = {gi: bereken(gi, figuren[gi].bezetting, live_tellingen.get(gi, {}), nu) for gi in GI}
        live_kinderen = {k.sleutel: k for k in await uow.kinderen.all()}

        verschillen = []
        for gi in GI:
            a, b = live[gi], herberekend[gi]
            if a.zichtbaar() != b.zichtbaar() or a.teams != b.teams:
                verschillen.append(f"{gi.value}: live {_kort(a)}, herberekend {_kort(b)}")
        anders = [k for k in set(live_kinderen) | set(regio.kinderen)
                  if live_kinderen.get(k) != regio.kinderen.get(k)]
        if anders:
            verschillen.append(f"{len(anders)} kind(eren) met een andere stand dan het logboek")

        bezetting = None
        if verschillen:  # the log wins
            await uow.kinderen.vervang(regio.kinderen.values())
            bezetting = {gi: regio.bezetting.get(gi, Bezetting()) for gi in GI}
            for gi, staffing in bezetting.items():
                await uow.capaciteit.sla_bezetting_op(gi, staffing)
        await _werk_bij(uow, figuren, GI, HERBEREKENING, nu, bezetting=bezetting, altijd_beoordelen=True)
        await uow.commit()
    return {"gelijk": not verschillen, "verschillen": verschillen, "gebeurtenissen": len(log),
            "live": [live[gi] for gi in GI], "herberekend": [herberekend[gi] for gi in GI], "tijdstip": nu}


def _kort(f: GiCapaciteit) -> str:
    return (f"{f.vrije_plaatsen} vrij, {f.kinderen_in_zorg} in zorg, {f.wachtend} wachtend, "
            f"{f.jeugdbeschermers} jeugdbeschermers ({f.afwezig} afwezig), norm {f.caseload_norm}")


async def rebuild_if_lost(cmd: RebuildIfLost, uow: CapacityUnitOfWork, clock: Clock) -> bool:
    """At start-up: a log but no live state (tables emptied, database restored from the log)."""
    async with uow:
        verloren = (await uow.log.aantal() > 0 and await uow.kinderen.aantal() == 0
                    and await uow.capaciteit.gemeld() == 0)
    if verloren:
        await _rebuild(uow, clock)
    return verloren


async def read_overzicht(cmd: ReadOverzicht, uow: CapacityUnitOfWork) -> list[GiCapaciteit]:
    return await _overview(uow, cmd.tijdstip)


async def _overview(uow: CapacityUnitOfWork, tijdstip: datetime | None = None) -> list[GiCapaciteit]:
    async with uow:
        if tijdstip is None:
            return await uow.capaciteit.all()
        if tijdstip.tzinfo is None:
            raise InvalidInput("a moment needs its time zone, e.g. 2026-03-01T12:00:00+01:00",
                               field="tijdstip")
        stand = stand_op(await uow.capaciteit.op_moment(tijdstip), tijdstip)
        return [stand[gi] for gi in GI]


async def read_gi_capaciteit(cmd: ReadGiCapaciteit, uow: CapacityUnitOfWork) -> GiCapaciteit:
    return next(c for c in await _overview(uow) if c.gi == cmd.gi)


async def read_historie(cmd: ReadHistorie, uow: CapacityUnitOfWork) -> list[dict]:
    async with uow:
        return await uow.capaciteit.historie(cmd.gi, cmd.limit)


Figuren = list[tuple[int, GiCapaciteit]]  # (history id, figure), oldest first


async def read_snapshot(cmd: ReadSnapshot, uow: CapacityUnitOfWork) -> tuple[Figuren, int, Actualiteit]:
    """Each GI's current figure with its history id, the id to continue after, and how current
    the figures are."""
    async with uow:
        latest, after = await uow.capaciteit.laatste_per_gi()
    return latest, after, uow.actualiteit()


async def read_changes_after(cmd: ReadChangesAfter, uow: CapacityUnitOfWork) -> tuple[Figuren, Actualiteit]:
    async with uow:
        changes = await uow.capaciteit.historie_na(cmd.history_id, STREAM_BATCH)
    return changes, uow.actualiteit()


async def list_escalaties(cmd: ListEscalaties, uow: CapacityUnitOfWork,
                          clock: Clock) -> tuple[list[Escalatie], int, datetime]:
    """A page of escalations, their total, and the moment their durations are counted to."""
    async with uow:
        items, total = await uow.escalaties.lijst(cmd.status, cmd.limit)
    return items, total, clock.now()


COMMAND_HANDLERS = {
    ReportStaffing: report_staffing,
    ReadGiCapaciteit: read_gi_capaciteit,
    ReadOverzicht: read_overzicht,
    ReadHistorie: read_historie,
    ReadSnapshot: read_snapshot,
    ReadChangesAfter: read_changes_after,
    RebuildFromLog: rebuild_from_log,
    RebuildIfLost: rebuild_if_lost,
    UpdateWaitingDays: update_waiting_days,
    ListEscalaties: list_escalaties,
    ReadEscalatie: escalaties.read_escalatie,
    AcknowledgeEscalatie: escalaties.acknowledge,
    CheckBevestigingen: escalaties.check_bevestigingen,
    SendWeekcijfer: escalaties.send_weekcijfer,
    DeliverKennisgevingen: escalaties.deliver,
}
EVENT_HANDLERS = {
    CasusAssigned: [on_casus_assigned],
    JeugdbeschermerAssigned: [on_jeugdbeschermer_assigned],
    CasusTransferred: [on_casus_transferred],
    CasusClosed: [on_casus_closed],
}
