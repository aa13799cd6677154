from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response

from runtime.access import authenticated
from runtime.fields import Page
from runtime.http import message_bus
from runtime.identity import Principal
from runtime.messagebus import MessageBus
from services.intake.domain.commands import CompleteMelding, ListMeldingen, ReadMelding, ReceiveMelding
from services.intake.domain.model import Melding
from services.intake.entrypoints import verwerkingen
from services.intake.entrypoints.schemas import (
    AanvullingIn,
    MeldingCreated,
    MeldingenPage,
    MeldingIn,
    MeldingOut,
)

router = APIRouter(tags=["meldingen"])
Bus = Annotated[MessageBus, Depends(message_bus)]
Caller = Annotated[Principal, Depends(authenticated)]
NOT_FOUND = {404: {"description": "No such report, or not one of yours"}}


def _out(m: Melding) -> MeldingOut:
    return MeldingOut(
        id=m.id, status=m.status, gemeente=m.gemeente, urgentie=m.urgentie, kader=m.kader,
        ontvangen_op=m.ontvangen_op, herhaald_beroep=m.herhaald_beroep, aanvullen_voor=m.aanvullen_voor,
        ontbrekend=m.ontbrekend, doelgroep=m.doelgroep, geadviseerde_gi=m.geadviseerde_gi,
        advies_id=m.advies_id, maatregel=m.maatregel, toegewezen_gi=m.toegewezen_gi, casus_id=m.casus_id,
        jeugdbeschermer=m.jeugdbeschermer,
        stappen=[{"stap": s.stap, "tijdstip": s.tijdstip, "details": s.details} for s in m.stappen],
    )


@router.post("/meldingen", status_code=201, response_model=MeldingCreated,
             summary="Submit a care report (zorgmelding)",
             description="A regular report must be complete (at least one child, every child's birth "
                         "date, at least one concern); an urgent one (spoed) is accepted incomplete and "
                         "must be completed before `aanvullen_voor`. A local team reports for the "
                         "municipality in its token, Veilig Thuis for any municipality of the region; "
                         "the report belongs to the caller's organisation.",
             responses={403: {"description": "Not your municipality (`gemeente`), or not your role"}})
async def post_melding(body: MeldingIn, response: Response, bus: Bus, caller: Caller):
    melding = await bus.handle(ReceiveMelding(caller, body.to_domain()))
    response.headers["Location"] = f"/v1/meldingen/{melding.id}"
    return MeldingCreated(id=melding.id, status=melding.status, herhaald_beroep=melding.herhaald_beroep,
                          aanvullen_voor=melding.aanvullen_voor, ontbrekend=melding.ontbrekend)


@router.post("/meldingen/{id}/aanvullingen", response_model=MeldingOut,
             summary="Complete an urgent report (spoedmelding)",
             description="The parts given replace those in the report. Once nothing is missing the "
                         "report enters the chain (status `received`); otherwise `ontbrekend` shows "
                         "what is still missing. Only the organisation that submitted the report "
                         "completes it.",
             responses={**NOT_FOUND,
                        409: {"description": "The report is complete already, or its deadline passed"}})
async def post_aanvulling(id: UUID, body: AanvullingIn, bus: Bus, caller: Caller):
    return _out(await bus.handle(CompleteMelding(caller, id, body.to_domain())))


@router.get("/meldingen/{id}", response_model=MeldingOut, summary="A report and its path through the chain",
            description="A local team and Veilig Thuis read their own organisation's reports, the RvdK "
                        "the reports referred to it (complete, in the chain: status `received` or later).",
            responses=NOT_FOUND)
async def get_melding(id: UUID, bus: Bus, caller: Caller):
    return _out(await bus.handle(ReadMelding(caller, id)))


@router.get("/meldingen", response_model=MeldingenPage, summary="Reports, newest first",
            description="Only the reports the caller may read: a local team's and Veilig Thuis's own, "
                        "for the RvdK the referred ones.")
async def list_meldingen(
    bus: Bus,
    caller: Caller,
    gemeente: Annotated[str | None, Query(pattern=r"^GM\d{4}$")] = None,
    status: Annotated[str | None, Query(max_length=30)] = None,
    page_size: Annotated[int, Query(alias="pageSize", ge=1, le=200)] = 50,
    page: Page = 1,
):
    items, total = await bus.handle(ListMeldingen(caller, gemeente, status, limit=page_size,
                                                  offset=(page - 1) * page_size))
    return MeldingenPage(items=[_out(m) for m in items], total=total)


# The processing log: register, records, chain check, and the search by BSN (role privacy); its
# routes keep their own tag (include_router would add this router's tag to them).
router.routes.extend(verwerkingen.router().routes)
