from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from runtime.http import unit_of_work
from services.reporting.domain.model import KPIS
from services.reporting.service_layer import handlers

router = APIRouter(tags=["kpis"])


class KpiOut(BaseModel):
    kpi: str
    naam: str
    name: str
    waarde: int
    per_gemeente: dict[str, int] = Field(description="Per CBS municipality code; sums to waarde.")
    per_gi: dict[str, int] = Field(description="Per GI ('onbekend' until advised); sums to waarde.")


class KpisOut(BaseModel):
    kpis: list[KpiOut]


@router.get("/kpis", response_model=KpisOut, summary="Uniform KPIs for the region, per GI and municipality")
async def get_kpis(
    uow=Depends(unit_of_work),
    gemeente: Annotated[str | None, Query(pattern=r"^GM\d{4}$")] = None,
    gi: Annotated[str | None, Query(pattern=r"^(JBRR|WSS|LJR|onbekend)$")] = None,
):
    return KpisOut(kpis=await handlers.kpis(uow, gemeente=gemeente, gi=gi))


@router.get("/kpis/definities", summary="How each KPI is defined")
async def definities() -> list[dict]:
    return [k.__dict__ for k in KPIS]
