from datetime import timedelta
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response

from runtime.access import authenticated
from runtime.fields import Page
from runtime.http import unit_of_work
from runtime.identity import Principal
from services.intake.domain.model import Melding
from services.intake.entrypoints import verwerkingen
from services.intake.entrypoints.schemas import (
    AanvullingIn,
    MeldingCreated,
    MeldingenPage,
    MeldingIn,
    MeldingOut,
)
from services.intake.service_layer import handlers

router = APIRouter(tags=["meldingen"])
uow = unit_of_work
NOT_FOUND = {404: {"description": "No such report, or not one of yours"}}


def _secret(request: Request) -> bytes:
    return request.app.state.runtime.settings.pseudonym_key.encode()


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
async def post_melding(body: MeldingIn, request: Request, response: Response, uow=Depends(uow),
                       principal: Principal = Depends(authenticated)):
    termijn = timedelta(seconds=request.app.state.runtime.settings.spoed_aanvultermijn_s)
    melding = await handlers.receive_melding(principal, body.model_dump(mode="json"), _secret(request),
                                             termijn, uow)
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
async def post_aanvulling(id: UUID, body: AanvullingIn, request: Request, uow=Depends(uow),
                          principal: Principal = Depends(authenticated)):
    aanvulling = {k: v for k, v in body.model_dump(mode="json").items() if v is not None}
    return _out(await handlers.complete_melding(principal, id, aanvulling, _secret(request), uow))


@router.get("/meldingen/{id}", response_model=MeldingOut, summary="A report and its path through the chain",
            description="A local team and Veilig Thuis read their own organisation's reports, the RvdK "
                        "the reports referred to it (complete, in the chain: status `received` or later).",
            responses=NOT_FOUND)
async def get_melding(id: UUID, uow=Depends(uow), principal: Principal = Depends(authenticated)):
    return _out(await handlers.get_melding(principal, id, uow))


@router.get("/meldingen", response_model=MeldingenPage, summary="Reports, newest first",
            description="Only the reports the caller may read: a local team's and Veilig Thuis's own, "
                        "for the RvdK the referred ones.")
async def list_meldingen(
    uow=Depends(uow),
    principal: Principal = Depends(authenticated),
    gemeente: Annotated[str | None, Query(pattern=r"^GM\d{4}$")] = None,
    status: Annotated[str | None, Query(max_length=30)] = None,
    page_size: Annotated[int, Query(alias="pageSize", ge=1, le=200)] = 50,
    page: Page = 1,
):
    items, total = await handlers.list_meldingen(
        principal, uow, gemeente=gemeente, status=status, limit=page_size, offset=(page - 1) * page_size)
    return MeldingenPage(items=[_out(m) for m in items], total=total)


# The processing log: register, records, chain check, and the search by BSN (role privacy); its
# routes keep their own tag (include_router would add this router's tag to them).
router.routes.extend(verwerkingen.router(_secret).routes)
