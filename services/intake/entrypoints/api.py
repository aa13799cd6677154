from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response

from runtime.http import unit_of_work
from services.intake.domain.model import Melding
from services.intake.entrypoints.schemas import MeldingCreated, MeldingenPage, MeldingIn, MeldingOut
from services.intake.service_layer import handlers

router = APIRouter(tags=["meldingen"])
uow = unit_of_work


def _out(m: Melding) -> MeldingOut:
    return MeldingOut(
        id=m.id, status=m.status, gemeente=m.gemeente, urgentie=m.urgentie, kader=m.kader,
        ontvangen_op=m.ontvangen_op, doelgroep=m.doelgroep, geadviseerde_gi=m.geadviseerde_gi,
        toegewezen_gi=m.toegewezen_gi, casus_id=m.casus_id,
        stappen=[{"stap": s.stap, "tijdstip": s.tijdstip, "details": s.details} for s in m.stappen],
    )


@router.post("/meldingen", status_code=201, response_model=MeldingCreated,
             summary="Submit a care report (zorgmelding)")
async def post_melding(body: MeldingIn, request: Request, response: Response, uow=Depends(uow)):
    secret = request.app.state.runtime.settings.pseudonym_key.encode()
    melding = await handlers.receive_melding(body.model_dump(mode="json"), secret, uow)
    response.headers["Location"] = f"/v1/meldingen/{melding.id}"
    return MeldingCreated(id=melding.id, status=melding.status)


@router.get("/meldingen/{id}", response_model=MeldingOut, summary="A report and its path through the chain")
async def get_melding(id: UUID, uow=Depends(uow)):
    return _out(await handlers.get_melding(id, uow))


@router.get("/meldingen", response_model=MeldingenPage, summary="Reports, newest first")
async def list_meldingen(
    uow=Depends(uow),
    gemeente: Annotated[str | None, Query(pattern=r"^GM\d{4}$")] = None,
    status: Annotated[str | None, Query()] = None,
    page_size: Annotated[int, Query(alias="pageSize", ge=1, le=200)] = 50,
    page: Annotated[int, Query(ge=1)] = 1,
):
    items, total = await handlers.list_meldingen(
        uow, gemeente=gemeente, status=status, limit=page_size, offset=(page - 1) * page_size)
    return MeldingenPage(items=[_out(m) for m in items], total=total)
