import json
import time
from collections.abc import AsyncIterator
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Query, Response
from fastapi.responses import StreamingResponse

from contracts.vocabulary import GI
from runtime.access import authenticated
from runtime.actualiteit import Actualiteit, actualiteit
from runtime.fields import Moment
from runtime.http import message_bus, service_settings
from runtime.identity import Principal
from runtime.messagebus import MessageBus
from services.capacity.adapters import wire
from services.capacity.domain.commands import (
    AcknowledgeEscalatie,
    ListEscalaties,
    ReadChangesAfter,
    ReadEscalatie,
    ReadGiCapaciteit,
    ReadHistorie,
    ReadOverzicht,
    ReadSnapshot,
    RebuildFromLog,
    ReportStaffing,
)
from services.capacity.domain.model import GiCapaciteit, Team
from services.capacity.entrypoints.schemas import (
    BevestigingIn,
    BevestigingOut,
    BezettingIn,
    CapaciteitOut,
    EscalatieDetailOut,
    EscalatieOut,
    EscalatiesPage,
    HerberekeningOut,
    HistorieRegel,
    Overzicht,
)
from services.capacity.service_layer.wijzigingen import WIJZIGINGEN
from services.capacity.settings import CapacitySettings

router = APIRouter(tags=["capaciteit"])
Bus = Annotated[MessageBus, Depends(message_bus)]
Caller = Annotated[Principal, Depends(authenticated)]
Settings = Annotated[CapacitySettings, Depends(service_settings)]


@router.put("/gis/{gi}/capaciteit", response_model=CapaciteitOut,
            responses={403: {"description": "Another GI's staffing: a GI reports only its own"}},
            summary="A GI reports its own staffing: youth protectors (per team), absence and caseload norm",
            description="Only for the token's own GI: `gi` in the path must be the token's organisation "
                        "(another GI is 403, naming `gi`).")
async def put_capaciteit(gi: GI, body: BezettingIn, caller: Caller, bus: Bus):
    teams = [Team(t.expertise, t.jeugdbeschermers, t.afwezig) for t in body.teams] if body.teams else None
    return CapaciteitOut.of(await bus.handle(ReportStaffing(
        caller, gi, caseload_norm=body.caseload_norm, jeugdbeschermers=body.jeugdbeschermers,
        afwezig=body.afwezig, teams=teams)))


@router.get("/gis/{gi}/capaciteit", response_model=CapaciteitOut, summary="Live capacity of one GI")
async def get_gi_capaciteit(gi: GI, bus: Bus):
    return CapaciteitOut.of(await bus.handle(ReadGiCapaciteit(gi)))


@router.get("/capaciteit", response_model=Overzicht,
            summary="Capacity of every GI and the region, live or at a past moment")
async def get_capaciteit(
    bus: Bus,
    actueel: Actualiteit = Depends(actualiteit),
    tijdstip: Annotated[Moment | None, Query(
        description="A past moment (ISO 8601 with time zone): the view as it was then.")] = None,
):
    caps = await bus.handle(ReadOverzicht(tijdstip))
    regio = {"plaatsen": sum(c.plaatsen for c in caps),
             "kinderen_in_zorg": sum(c.kinderen_in_zorg for c in caps),
             "vrije_plaatsen": sum(c.vrije_plaatsen for c in caps),
             "wachtend": sum(c.wachtend for c in caps),
             "langste_wachtdagen": max((c.langste_wachtdagen for c in caps), default=0)}
    return Overzicht(gis=[CapaciteitOut.of(c) for c in caps], regio=regio, tijdstip=tijdstip,
                     actualiteit=actueel)


@router.get("/gis/{gi}/capaciteit/historie", response_model=list[HistorieRegel],
            summary="Every visible change of a GI's capacity, newest first, with its cause")
async def get_historie(gi: GI, bus: Bus,
                       page_size: Annotated[int, Query(alias="pageSize", ge=1, le=1000)] = 100):
    return await bus.handle(ReadHistorie(gi, page_size))


@router.get(
    "/capaciteit/stream", response_class=StreamingResponse,
    summary="Live capacity as Server-Sent Events: a snapshot of every GI, then every change",
    description="Each event is `event: capaciteit` with an increasing `id` and a capacity signal as "
                "`data`. A client that reconnects with `Last-Event-ID` first receives every change "
                "after that id, then the live changes.",
    responses={200: {"description": "An endless stream of capacity events.",
                     "content": {"text/event-stream": {"schema": {"type": "string"}}}}},
)
async def stream_capaciteit(
    bus: Bus,
    settings: Settings,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=18,
                                                description="Resume after this event id.")] = None,
):
    last = (last_event_id or "").strip()
    after = int(last) if last.isascii() and last.isdigit() else None  # another id: from the start
    return StreamingResponse(_capaciteit_events(bus, settings, after), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


def _sse(history_id: int, figuur: GiCapaciteit, actueel: Actualiteit) -> str:
    signal = wire.to_contract(figuur.signal(wire.actualiteit(actueel)))
    data = json.dumps(signal.model_dump(mode="json"), separators=(",", ":"))
    return f"id: {history_id}\nevent: capaciteit\ndata: {data}\n\n"


async def _capaciteit_events(bus: MessageBus, settings: CapacitySettings,
                             after: int | None) -> AsyncIterator[str]:
    yield "retry: 1000\n\n"
    if after is None:
        latest, after, actueel = await bus.handle(ReadSnapshot())
        for history_id, figuur in latest:
            yield _sse(history_id, figuur, actueel)
    last_sent = time.monotonic()
    while True:
        seen = WIJZIGINGEN.versie  # before reading: a change committed meanwhile is not waited for
        changes, actueel = await bus.handle(ReadChangesAfter(after))
        for history_id, figuur in changes:
            yield _sse(history_id, figuur, actueel)
            after = history_id
        if changes:
            last_sent = time.monotonic()
            continue
        if time.monotonic() - last_sent >= settings.sse_keepalive_s:
            yield ": keepalive\n\n"
            last_sent = time.monotonic()
        await WIJZIGINGEN.wacht(seen, settings.sse_poll_interval_s)


@router.post("/capaciteit/herberekening", response_model=HerberekeningOut,
             summary="Rebuild the capacity view from the log of case events and staffing reports",
             description="Folds the log with the same rules as the live view and compares both; when "
                         "they differ, the log wins and the changes are published.")
async def post_herberekening(bus: Bus):
    result = await bus.handle(RebuildFromLog())
    return HerberekeningOut(**{**result, "live": [CapaciteitOut.of(c) for c in result["live"]],
                               "herberekend": [CapaciteitOut.of(c) for c in result["herberekend"]]})


@router.get("/escalaties", response_model=EscalatiesPage,
            summary="Regional capacity escalations, open and past, newest first")
async def get_escalaties(
    bus: Bus,
    status: Literal["open", "gesloten"] | None = None,
    page_size: Annotated[int, Query(alias="pageSize", ge=1, le=1000)] = 100,
):
    items, total, nu = await bus.handle(ListEscalaties(status, page_size))
    return EscalatiesPage(items=[EscalatieOut.of(e, nu) for e in items], total=total)


@router.get("/escalaties/{id}", response_model=EscalatieDetailOut,
            responses={404: {"description": "No escalation with this id"}},
            summary="One escalation with its plan: level, who was told when, who acknowledged, "
                    "measures in force")
async def get_escalatie(id: UUID, bus: Bus):
    return EscalatieDetailOut.van(await bus.handle(ReadEscalatie(id)))


@router.post(
    "/escalaties/{id}/bevestigingen", status_code=201, response_model=BevestigingOut,
    responses={200: {"description": "Already acknowledged at this level: the acknowledgement as recorded."},
               404: {"description": "No escalation with this id"},
               409: {"description": "The escalation has ended, is at another level than `niveau`, or the "
                                    "caller's party is not told at its level"}},
    summary="The RvdK, a GI or the region (GRJR) acknowledges the escalation at its current level",
    description="The party is the token's: `rvdk` for the RvdK, the GI itself for `gi` and `gi_manager`, "
                "`grjr` for `regio`. The first acknowledgement of a party at a level is 201 and publishes "
                "escalatie.bevestigd (time to acknowledge: bevestigd_op minus niveau_sinds); the same party "
                "again is 200 with the one recorded, and publishes nothing. An escalation whose level's "
                "parties have not all acknowledged within the plan's time goes up a level.")
async def post_bevestiging(id: UUID, body: BevestigingIn, response: Response, caller: Caller, bus: Bus):
    bevestiging, nieuw = await bus.handle(AcknowledgeEscalatie(caller, id, body.niveau))
    response.status_code = 201 if nieuw else 200
    return BevestigingOut.of(bevestiging)
