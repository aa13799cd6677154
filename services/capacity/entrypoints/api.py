from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from contracts.vocabulary import GI
from runtime.http import unit_of_work
from services.capacity.domain.model import GiCapaciteit
from services.capacity.service_layer import handlers

router = APIRouter(tags=["capaciteit"])


class BezettingIn(BaseModel):
    jeugdbeschermers: int = Field(ge=0, le=10000, description="Youth protectors at work.")
    caseload_norm: int = Field(ge=1, le=100, description="Children per youth protector.")


class CapaciteitOut(BaseModel):
    gi: GI
    jeugdbeschermers: int
    caseload_norm: int
    plaatsen: int = Field(description="Norm slots: youth protectors x caseload norm.")
    kinderen_in_zorg: int
    vrije_plaatsen: int
    bijgewerkt_op: datetime | None


class HistorieRegel(BaseModel):
    tijdstip: datetime
    oorzaak: str
    jeugdbeschermers: int
    caseload_norm: int
    kinderen_in_zorg: int
    vrije_plaatsen: int


class Overzicht(BaseModel):
    gis: list[CapaciteitOut]
    regio: dict[str, int]


def _out(c: GiCapaciteit) -> CapaciteitOut:
    return CapaciteitOut(gi=c.gi, jeugdbeschermers=c.jeugdbeschermers, caseload_norm=c.caseload_norm,
                         plaatsen=c.plaatsen, kinderen_in_zorg=c.kinderen_in_zorg,
                         vrije_plaatsen=c.vrije_plaatsen, bijgewerkt_op=c.bijgewerkt_op)


@router.put("/gis/{gi}/capaciteit", response_model=CapaciteitOut,
            summary="A GI reports its staffing: youth protectors and caseload norm")
async def put_capaciteit(gi: GI, body: BezettingIn, uow=Depends(unit_of_work)):
    return _out(await handlers.report_staffing(gi, body.jeugdbeschermers, body.caseload_norm, uow))


@router.get("/gis/{gi}/capaciteit", response_model=CapaciteitOut, summary="Live capacity of one GI")
async def get_gi_capaciteit(gi: GI, uow=Depends(unit_of_work)):
    return next(_out(c) for c in await handlers.overview(uow) if c.gi == gi)


@router.get("/capaciteit", response_model=Overzicht, summary="Live capacity of every GI and the region")
async def get_capaciteit(uow=Depends(unit_of_work)):
    caps = await handlers.overview(uow)
    regio = {"plaatsen": sum(c.plaatsen for c in caps),
             "kinderen_in_zorg": sum(c.kinderen_in_zorg for c in caps),
             "vrije_plaatsen": sum(c.vrije_plaatsen for c in caps)}
    return Overzicht(gis=[_out(c) for c in caps], regio=regio)


@router.get("/gis/{gi}/capaciteit/historie", response_model=list[HistorieRegel],
            summary="Every visible change of a GI's capacity, newest first, with its cause")
async def get_historie(gi: GI, uow=Depends(unit_of_work),
                       page_size: Annotated[int, Query(alias="pageSize", ge=1, le=1000)] = 100):
    return await handlers.historie(gi, page_size, uow)
