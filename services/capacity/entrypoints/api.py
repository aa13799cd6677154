import json
import time
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from contracts.events import EscalatieCijfers
from contracts.vocabulary import GI
from runtime.access import authenticated
from runtime.actualiteit import Actualiteit, actualiteit
from runtime.fields import Moment
from runtime.http import unit_of_work
from runtime.identity import Principal
from services.capacity.adapters.wijzigingen import WIJZIGINGEN
from services.capacity.domain.escalatie import Escalatie
from services.capacity.domain.model import GiCapaciteit, Team
from services.capacity.service_layer import handlers

router = APIRouter(tags=["capaciteit"])


class TeamIn(BaseModel):
    expertise: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,49}$", max_length=50,
                           description="Expertise or area team, e.g. 'lvb', 'jeugdreclassering', 'algemeen'.")
    jeugdbeschermers: int = Field(ge=0, le=10000, description="Youth protectors in this team.")
    afwezig: int = Field(default=0, ge=0, le=10000, description="Of whom temporarily absent.")


class BezettingIn(BaseModel):
    jeugdbeschermers: int | None = Field(
        default=None, ge=0, le=10000,
        description="Youth protectors at work; required without teams, else the teams' sum.")
    caseload_norm: int = Field(ge=1, le=100, description="Children per youth protector.")
    afwezig: int | None = Field(default=None, ge=0, le=10000,
                                description="Youth protectors temporarily absent (with teams: their sum).")
    teams: list[TeamIn] | None = Field(default=None, max_length=100,
                                       description="Staffing per expertise or area team.")


class ExpertiseOut(BaseModel):
    expertise: str
    plaatsen: int
    kinderen_in_zorg: int
    vrije_plaatsen: int


class CapaciteitOut(BaseModel):
    gi: GI
    jeugdbeschermers: int
    afwezig: int
    caseload_norm: int
    plaatsen: int = Field(description="Norm slots: available youth protectors x caseload norm.")
    kinderen_in_zorg: int
    vrije_plaatsen: int
    wachtend: int = Field(description="Children in care without a fixed youth protector.")
    langste_wachtdagen: int
    per_expertise: list[ExpertiseOut]
    teams: list[TeamIn]
    bijgewerkt_op: datetime | None


class HistorieRegel(BaseModel):
    tijdstip: datetime
    oorzaak: str
    jeugdbeschermers: int
    afwezig: int
    caseload_norm: int
    kinderen_in_zorg: int
    vrije_plaatsen: int
    wachtend: int
    langste_wachtdagen: int


class Overzicht(BaseModel):
    gis: list[CapaciteitOut]
    regio: dict[str, int]
    tijdstip: datetime | None = Field(default=None, description="The past moment shown, if one was asked.")
    actualiteit: Actualiteit = Field(description="How current these figures are: while capacity catches "
                                                 "up on case events (after a restart) it says so here.")


class EscalatieOut(BaseModel):
    id: UUID
    status: Literal["open", "gesloten"]
    niveau: int = Field(description="Number of conditions met (1-3) at its highest.")
    redenen: list[str]
    cijfers: EscalatieCijfers = Field(description="The figures that raised it (at its level).")
    cijfers_bij_einde: EscalatieCijfers | None
    gestart_op: datetime
    beeindigd_op: datetime | None
    duur_seconden: int = Field(description="Until the end, or until now while open.")


class EscalatiesPage(BaseModel):
    items: list[EscalatieOut]
    total: int


class HerberekeningOut(BaseModel):
    gelijk: bool = Field(description="True when the view rebuilt from the log equals the live view.")
    verschillen: list[str]
    gebeurtenissen: int = Field(description="Log entries folded.")
    live: list[CapaciteitOut]
    herberekend: list[CapaciteitOut]
    tijdstip: datetime


def _out(c: GiCapaciteit) -> CapaciteitOut:
    return CapaciteitOut(
        gi=c.gi, jeugdbeschermers=c.jeugdbeschermers, afwezig=c.afwezig, caseload_norm=c.caseload_norm,
        plaatsen=c.plaatsen, kinderen_in_zorg=c.kinderen_in_zorg, vrije_plaatsen=c.vrije_plaatsen,
        wachtend=c.wachtend, langste_wachtdagen=c.langste_wachtdagen,
        per_expertise=[ExpertiseOut(expertise=e.expertise, plaatsen=e.plaatsen,
                                    kinderen_in_zorg=e.kinderen_in_zorg, vrije_plaatsen=e.vrije_plaatsen)
                       for e in c.per_expertise],
        teams=[TeamIn(expertise=t.expertise, jeugdbeschermers=t.jeugdbeschermers, afwezig=t.afwezig)
               for t in c.teams],
        bijgewerkt_op=c.bijgewerkt_op)


def _escalatie_out(e: Escalatie, nu: datetime) -> EscalatieOut:
    return EscalatieOut(id=e.id, status="open" if e.open else "gesloten", niveau=e.niveau,
                        redenen=list(e.redenen), cijfers=e.cijfers.contract(),
                        cijfers_bij_einde=e.cijfers_bij_einde.contract() if e.cijfers_bij_einde else None,
                        gestart_op=e.gestart_op, beeindigd_op=e.beeindigd_op, duur_seconden=int(e.duur_s(nu)))


@router.put("/gis/{gi}/capaciteit", response_model=CapaciteitOut,
            responses={403: {"description": "Another GI's staffing: a GI reports only its own"}},
            summary="A GI reports its own staffing: youth protectors (per team), absence and caseload norm",
            description="Only for the token's own GI: `gi` in the path must be the token's organisation "
                        "(another GI is 403, naming `gi`).")
async def put_capaciteit(gi: GI, body: BezettingIn, principal: Annotated[Principal, Depends(authenticated)],
                         uow=Depends(unit_of_work)):
    teams = [Team(t.expertise, t.jeugdbeschermers, t.afwezig) for t in body.teams] if body.teams else None
    return _out(await handlers.report_staffing(
        principal, gi, uow, caseload_norm=body.caseload_norm, jeugdbeschermers=body.jeugdbeschermers,
        afwezig=body.afwezig, teams=teams))


@router.get("/gis/{gi}/capaciteit", response_model=CapaciteitOut, summary="Live capacity of one GI")
async def get_gi_capaciteit(gi: GI, uow=Depends(unit_of_work)):
    return _out(await handlers.gi_capaciteit(gi, uow))


@router.get("/capaciteit", response_model=Overzicht,
            summary="Capacity of every GI and the region, live or at a past moment")
async def get_capaciteit(
    uow=Depends(unit_of_work),
    actueel: Actualiteit = Depends(actualiteit),
    tijdstip: Annotated[Moment | None, Query(
        description="A past moment (ISO 8601 with time zone): the view as it was then.")] = None,
):
    caps = await handlers.overview(uow, tijdstip)
    regio = {"plaatsen": sum(c.plaatsen for c in caps),
             "kinderen_in_zorg": sum(c.kinderen_in_zorg for c in caps),
             "vrije_plaatsen": sum(c.vrije_plaatsen for c in caps),
             "wachtend": sum(c.wachtend for c in caps),
             "langste_wachtdagen": max((c.langste_wachtdagen for c in caps), default=0)}
    return Overzicht(gis=[_out(c) for c in caps], regio=regio, tijdstip=tijdstip, actualiteit=actueel)


@router.get("/gis/{gi}/capaciteit/historie", response_model=list[HistorieRegel],
            summary="Every visible change of a GI's capacity, newest first, with its cause")
async def get_historie(gi: GI, uow=Depends(unit_of_work),
                       page_size: Annotated[int, Query(alias="pageSize", ge=1, le=1000)] = 100):
    return await handlers.historie(gi, page_size, uow)


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
    request: Request,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=18,
                                                description="Resume after this event id.")] = None,
):
    runtime = request.app.state.runtime
    last = (last_event_id or "").strip()
    after = int(last) if last.isascii() and last.isdigit() else None  # another id: from the start
    return StreamingResponse(_capaciteit_events(runtime, after), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


def _sse(history_id: int, figuur: GiCapaciteit, actueel: Actualiteit) -> str:
    data = json.dumps(figuur.signal(actueel).model_dump(mode="json"), separators=(",", ":"))
    return f"id: {history_id}\nevent: capaciteit\ndata: {data}\n\n"


async def _capaciteit_events(runtime, after: int | None) -> AsyncIterator[str]:
    poll = runtime.settings.sse_poll_interval_s
    keepalive = runtime.settings.sse_keepalive_s
    yield "retry: 1000\n\n"
    if after is None:
        uow = runtime.uow()
        latest, after = await handlers.snapshot(uow)
        actueel = uow.actualiteit()
        for history_id, figuur in latest:
            yield _sse(history_id, figuur, actueel)
    last_sent = time.monotonic()
    while True:
        seen = WIJZIGINGEN.versie  # before reading: a change committed meanwhile is not waited for
        uow = runtime.uow()
        changes = await handlers.changes_after(after, uow)
        actueel = uow.actualiteit()
        for history_id, figuur in changes:
            yield _sse(history_id, figuur, actueel)
            after = history_id
        if changes:
            last_sent = time.monotonic()
            continue
        if time.monotonic() - last_sent >= keepalive:
            yield ": keepalive\n\n"
            last_sent = time.monotonic()
        await WIJZIGINGEN.wacht(seen, poll)


@router.post("/capaciteit/herberekening", response_model=HerberekeningOut,
             summary="Rebuild the capacity view from the log of case events and staffing reports",
             description="Folds the log with the same rules as the live view and compares both; when "
                         "they differ, the log wins and the changes are published.")
async def post_herberekening(uow=Depends(unit_of_work)):
    result = await handlers.rebuild(uow)
    return HerberekeningOut(**{**result, "live": [_out(c) for c in result["live"]],
                               "herberekend": [_out(c) for c in result["herberekend"]]})


@router.get("/escalaties", response_model=EscalatiesPage,
            summary="Regional capacity escalations, open and past, newest first")
async def get_escalaties(
    uow=Depends(unit_of_work),
    status: Literal["open", "gesloten"] | None = None,
    page_size: Annotated[int, Query(alias="pageSize", ge=1, le=1000)] = 100,
):
    items, total = await handlers.escalaties(status, page_size, uow)
    nu = uow.clock.now()
    return EscalatiesPage(items=[_escalatie_out(e, nu) for e in items], total=total)
