"""Use cases of capacity: staffing reports and case events change the figures of the GIs; a visible
change is published as a capacity signal and the region's escalation is evaluated with it."""
from collections.abc import Iterable
from datetime import datetime

from contracts import Event
from contracts.events import CasusAssigned, CasusClosed, CasusTransferred, JeugdbeschermerAssigned
from contracts.vocabulary import GI
from runtime.errors import Forbidden, InvalidInput
from runtime.identity import Principal
from services.capacity.domain.escalatie import Escalatie, Regiocijfers, beoordeel
from services.capacity.domain.model import (
    Bezetting,
    GiCapaciteit,
    Team,
    bereken,
    feiten,
    herbereken,
    stand_op,
    verwerk,
)
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
            uow.publish(nieuw.signal(uow.actualiteit()))  # a signal only when something visible changed
            figuren[gi] = nieuw
            veranderd = True
        elif staffing != figuren[gi].bezetting:
            figuren[gi] = figuren[gi].met_bezetting(staffing)
    uow.zichtbaar_gewijzigd |= veranderd
    if veranderd or altijd_beoordelen:
        await _beoordeel_escalatie(uow, figuren.values(), nu)


async def _beoordeel_escalatie(uow: CapacityUnitOfWork, figuren: Iterable[GiCapaciteit],
                               nu: datetime) -> None:
    escalatie, event = beoordeel(await uow.escalaties.open(), Regiocijfers.van(figuren), uow.drempels, nu)
    if event is not None:
        await uow.escalaties.save(escalatie)
        uow.publish(event)


def _eigen_gi(principal: Principal, gi: GI) -> None:
    """A GI reports its own staffing only; nobody else (no other GI, not the RvdK) reports it."""
    if principal.gi != gi:
        raise Forbidden(f"only {gi} itself reports its staffing; your token is for "
                        f"{principal.organisatie} ({principal.rol})", field="gi")


async def report_staffing(principal: Principal, gi: GI, uow: CapacityUnitOfWork, *, caseload_norm: int,
                          jeugdbeschermers: int | None = None, afwezig: int | None = None,
                          teams: list[Team] | None = None) -> GiCapaciteit:
    _eigen_gi(principal, gi)
    bezetting = Bezetting.melden(caseload_norm=caseload_norm, jeugdbeschermers=jeugdbeschermers,
                                 afwezig=afwezig, teams=teams)
    async with uow:
        figuren = await uow.capaciteit.vergrendel()
        await uow.log.bezetting(gi, bezetting)
        await uow.capaciteit.sla_bezetting_op(gi, bezetting)
        await _werk_bij(uow, figuren, [gi], "bezetting gemeld", uow.clock.now(), bezetting={gi: bezetting})
        await uow.commit()
    return figuren[gi]


async def _case_event(event: Event, oorzaak: str, uow: CapacityUnitOfWork) -> None:
    async with uow:
        figuren = await uow.capaciteit.vergrendel()
        await uow.log.event(event, uow.incoming_event_id)
        facts = feiten(event)
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
        await _werk_bij(uow, figuren, geraakt, oorzaak, uow.clock.now())
        await uow.commit()


async def on_casus_assigned(event: CasusAssigned, uow: CapacityUnitOfWork) -> None:
    await _case_event(event, f"casus {event.casus_id} toegewezen", uow)


async def on_jeugdbeschermer_assigned(event: JeugdbeschermerAssigned, uow: CapacityUnitOfWork) -> None:
    await _case_event(event, f"casus {event.casus_id}: vaste jeugdbeschermer toegewezen", uow)


async def on_casus_transferred(event: CasusTransferred, uow: CapacityUnitOfWork) -> None:
    await _case_event(
        event, f"casus {event.casus_id} overgedragen van {event.van_gi} naar {event.naar_gi}", uow)


async def on_casus_closed(event: CasusClosed, uow: CapacityUnitOfWork) -> None:
    await _case_event(event, f"casus {event.casus_id} gesloten", uow)


async def update_waiting_days(uow: CapacityUnitOfWork) -> None:
    """Waiting days grow with time alone: recompute every GI (publishing only what changed) and
    evaluate the escalation, whose longest-wait condition also moves with time."""
    async with uow:
        figuren = await uow.capaciteit.vergrendel()
        await _werk_bij(uow, figuren, GI, WACHTDAGEN, uow.clock.now(), altijd_beoordelen=True)
        await uow.commit()


async def rebuild(uow: CapacityUnitOfWork) -> dict:
    """Fold the log with the domain's fold and compare with the live state; when they differ,
    the log wins: the live state is replaced and the visible changes are published."""
    async with uow:
        figuren = await uow.capaciteit.vergrendel()
        nu = uow.clock.now()
        log = await uow.log.alles()
        regio = herbereken(log)
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


async def rebuild_if_lost(uow: CapacityUnitOfWork) -> bool:
    """At start-up: a log but no live state (tables emptied, database restored from the log)."""
    async with uow:
        verloren = (await uow.log.aantal() > 0 and await uow.kinderen.aantal() == 0
                    and await uow.capaciteit.gemeld() == 0)
    if verloren:
        await rebuild(uow)
    return verloren


async def overview(uow: CapacityUnitOfWork, tijdstip: datetime | None = None) -> list[GiCapaciteit]:
    async with uow:
        if tijdstip is None:
            return await uow.capaciteit.all()
        if tijdstip.tzinfo is None:
            raise InvalidInput("a moment needs its time zone, e.g. 2026-03-01T12:00:00+01:00",
                               field="tijdstip")
        stand = stand_op(await uow.capaciteit.op_moment(tijdstip), tijdstip)
        return [stand[gi] for gi in GI]


async def gi_capaciteit(gi: GI, uow: CapacityUnitOfWork) -> GiCapaciteit:
    return next(c for c in await overview(uow) if c.gi == gi)


async def historie(gi: GI, limit: int, uow: CapacityUnitOfWork) -> list[dict]:
    async with uow:
        return await uow.capaciteit.historie(gi, limit)


async def snapshot(uow: CapacityUnitOfWork) -> tuple[list[tuple[int, GiCapaciteit]], int]:
    """Each GI's current figure with its history id (oldest first) and the id to continue after."""
    async with uow:
        return await uow.capaciteit.laatste_per_gi()


async def changes_after(history_id: int, uow: CapacityUnitOfWork) -> list[tuple[int, GiCapaciteit]]:
    async with uow:
        return await uow.capaciteit.historie_na(history_id, STREAM_BATCH)


async def escalaties(status: str | None, limit: int, uow: CapacityUnitOfWork) -> tuple[list[Escalatie], int]:
    async with uow:
        return await uow.escalaties.lijst(status, limit)
