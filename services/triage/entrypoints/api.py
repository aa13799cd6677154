from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from contracts.vocabulary import GI
from runtime.http import unit_of_work
from services.triage.adapters import regelsets
from services.triage.service_layer import handlers

router = APIRouter()


class AdviesOut(BaseModel):
    id: UUID
    melding_id: UUID
    gemeente: str
    doelgroep: str
    gi: GI
    reden: str
    regel: str
    regelset_versie: str
    toelichting: str
    rangorde: list[dict]
    geadviseerd_op: datetime


class AdviezenPage(BaseModel):
    items: list[AdviesOut]
    total: int


class Beschikbaarheid(BaseModel):
    gi: GI
    vrije_plaatsen: int
    tijdstip: datetime


@router.get("/adviezen", response_model=AdviezenPage, tags=["adviezen"],
            summary="RvdK advice on the GI per report, with the reasons")
async def list_adviezen(
    uow=Depends(unit_of_work),
    gi: GI | None = None,
    page_size: Annotated[int, Query(alias="pageSize", ge=1, le=200)] = 50,
    page: Annotated[int, Query(ge=1)] = 1,
):
    items, total = await handlers.list_adviezen(uow, gi=gi, limit=page_size, offset=(page - 1) * page_size)
    return AdviezenPage(items=items, total=total)


@router.get("/doelgroepenbepaling", tags=["doelgroepenbepaling"],
            summary="The active target-group ruleset, as the GIs agreed it")
async def doelgroepenbepaling() -> dict:
    return regelsets.active()[1]


@router.get("/beschikbaarheid", response_model=list[Beschikbaarheid], tags=["adviezen"],
            summary="Free capacity per GI as last signalled by the capacity service")
async def beschikbaarheid(uow=Depends(unit_of_work)):
    return await handlers.beschikbaarheid(uow)
