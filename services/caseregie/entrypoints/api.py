from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field

from contracts.events import Kind
from contracts.vocabulary import GI
from runtime.http import unit_of_work
from services.caseregie.domain.model import Casus
from services.caseregie.service_layer import handlers

router = APIRouter(tags=["casussen"])


class OverdrachtIn(BaseModel):
    naar_gi: GI = Field(description="The GI that should take over the case.")
    reden: str = Field(min_length=1, max_length=2000)


class OverdrachtOut(BaseModel):
    id: UUID
    casus_id: UUID
    van_gi: GI
    naar_gi: GI
    reden: str
    status: str
    aangevraagd_op: datetime


class CasusOut(BaseModel):
    id: UUID
    melding_id: UUID
    gezin_id: UUID
    gemeente: str
    gi: GI
    doelgroep: str
    kinderen: list[Kind]
    status: str
    toegewezen_op: datetime
    overdrachten: list[OverdrachtOut]


class CasussenPage(BaseModel):
    items: list[CasusOut]
    total: int


def _out(c: Casus) -> CasusOut:
    return CasusOut(**{**c.__dict__, "overdrachten": [o.__dict__ for o in c.overdrachten]})


@router.get("/casussen", response_model=CasussenPage, summary="Cases, filtered by GI or municipality")
async def list_casussen(
    uow=Depends(unit_of_work),
    gi: GI | None = None,
    gemeente: Annotated[str | None, Query(pattern=r"^GM\d{4}$")] = None,
    page_size: Annotated[int, Query(alias="pageSize", ge=1, le=200)] = 50,
    page: Annotated[int, Query(ge=1)] = 1,
):
    items, total = await handlers.list_casussen(uow, gi=gi, gemeente=gemeente, limit=page_size,
                                                offset=(page - 1) * page_size)
    return CasussenPage(items=[_out(c) for c in items], total=total)


@router.get("/casussen/{id}", response_model=CasusOut, summary="One case with its transfer requests")
async def get_casus(id: UUID, uow=Depends(unit_of_work)):
    return _out(await handlers.get_casus(id, uow))


@router.post("/casussen/{id}/overdrachten", status_code=201, response_model=OverdrachtOut,
             summary="Request a transfer (overdracht) of the case to another GI")
async def post_overdracht(id: UUID, body: OverdrachtIn, response: Response, uow=Depends(unit_of_work)):
    overdracht = await handlers.request_overdracht(id, body.naar_gi, body.reden, uow)
    response.headers["Location"] = f"/v1/casussen/{id}/overdrachten/{overdracht.id}"
    return OverdrachtOut(**overdracht.__dict__)
