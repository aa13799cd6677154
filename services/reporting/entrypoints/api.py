import math
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from runtime.actualiteit import Actualiteit, actualiteit
from runtime.fields import UNIQUE, Line
from runtime.http import PREFIX, message_bus, service_settings
from runtime.messagebus import MessageBus
from services.reporting.domain.cijfers import GIS
from services.reporting.domain.commands import (
    ExportKpis,
    ListHerberekeningen,
    ReadCatalogus,
    ReadHerberekening,
    ReadKpis,
    ReadKwartaalrapportage,
    ReadTrend,
    RequestHerberekening,
)
from services.reporting.entrypoints import weergave
from services.reporting.entrypoints.schemas import (
    HerberekeningenOut,
    HerberekeningIn,
    HerberekeningOut,
    KpisOut,
    TrendOut,
)
from services.reporting.service_layer import handlers
from services.reporting.settings import ReportingSettings

router = APIRouter(tags=["kpis"])
Bus = Annotated[MessageBus, Depends(message_bus)]

GEMEENTE = Query(pattern=r"^GM\d{4}$", description="CBS code of a municipality of the region.")
GI = Query(pattern=f"^({'|'.join(GIS)})$", description="A GI, or 'onbekend' (not yet advised).")
PERIODE = Query(
    pattern=r"^(\d{4}(-Q[1-4]|-\d{2}(-\d{2})?)?|totaal)$",
    description="2026-Q4, 2026-11, 2026 or 2026-11-03; default all time.",
)
PERIODE_TYPE = Query(alias="periodeType", description="Without `periode`: the running period of this type.")
PeriodeType = Literal["dag", "maand", "kwartaal", "jaar", "totaal"]
KWARTAAL = Path(pattern=r"^\d{4}-Q[1-4]$", description="The quarter, e.g. 2026-Q4.")
CSV = {"text/csv": {"schema": {"type": "string"}}}
# The repeatable `kpi` filter: each KPI of the catalogue at most once, so never longer than it.
MAX_KPIS = len(handlers.catalogus()["kpis"])
KpiIds = Annotated[list[Line(50, min_length=1)], Query(max_length=MAX_KPIS), *UNIQUE]
KPI_ALLE = Query(description=f"KPI ids (repeatable, each once, at most {MAX_KPIS}); default all.")
KPI_TREND = Query(
    description=f"KPI ids (repeatable, each once, at most {MAX_KPIS}); default reports received."
)




Settings = Annotated[ReportingSettings, Depends(service_settings)]


def max_stale(request: Request) -> float | None:
    """The request's `Cache-Control: max-stale[=seconds]` (RFC 9111 §5.2.1.2): how stale an answer
    the caller accepts (no value: any); None when it does not say (it gets the current answer)."""
    for directive in request.headers.get("cache-control", "").split(","):
        name, _, value = directive.strip().partition("=")
        if name.lower() == "max-stale":
            try:
                return float(value.strip('"')) if value else math.inf
            except ValueError:
                return None
    return None


@router.get(
    "/kpis",
    response_model=KpisOut,
    responses={200: {"content": CSV}},
    summary="Uniform KPIs for the region, per GI and municipality, for a period",
    description="Filters combine: `gi` and `gemeente` select the slice, `periode` the period. "
    "Figures per municipality are published per quarter, per year and for all time (`gemeente` with "
    "a day or month is refused); small counts are suppressed over all views together, see the "
    "catalogue's `regels.onderdrukking`. Send `Accept: text/csv` for the CSV export. With "
    "`Cache-Control: max-stale[=seconds]` (as the dashboard sends) a request that finds the figures "
    "changed and not yet recomputed gets, after 25 ms, the last figures for the same question "
    "(computed at most that long ago) with the `actualiteit` they are current to; without it, "
    "always the current figures.",
)
async def get_kpis(
    request: Request,
    bus: Bus,
    actueel: Actualiteit = Depends(actualiteit),
    kpi: Annotated[KpiIds | None, KPI_ALLE] = None,
    gemeente: Annotated[str | None, GEMEENTE] = None,
    gi: Annotated[str | None, GI] = None,
    periode: Annotated[str | None, PERIODE] = None,
    periode_type: Annotated[PeriodeType | None, PERIODE_TYPE] = None,
):
    if "text/csv" in request.headers.get("accept", ""):
        return await export(request, bus, kpi, gemeente, gi, periode, periode_type)
    antwoord = await bus.handle(ReadKpis(kpi, gi, gemeente, periode, periode_type,
                                         max_oud_s=max_stale(request), actualiteit=actueel))
    p = antwoord.periode
    return KpisOut(periode_type=p.type, periode=p.code, onderdrukkingsdrempel=antwoord.onderdrukkingsdrempel,
                   kpis=antwoord.kpis, actualiteit=antwoord.actualiteit)


@router.get(
    "/kpis/export",
    response_class=Response,
    responses={200: {"content": CSV}},
    summary="The KPIs as CSV: one row per KPI x municipality x GI (with totals)",
)
async def export(
    request: Request,
    bus: Bus,
    kpi: Annotated[KpiIds | None, KPI_ALLE] = None,
    gemeente: Annotated[str | None, GEMEENTE] = None,
    gi: Annotated[str | None, GI] = None,
    periode: Annotated[str | None, PERIODE] = None,
    periode_type: Annotated[PeriodeType | None, PERIODE_TYPE] = None,
) -> Response:
    p, rows = await bus.handle(ExportKpis(kpi, gemeente, periode, periode_type, max_oud_s=max_stale(request)))
    return Response(
        weergave.csv(rows, gemeente=gemeente, gi=gi),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="kpis-{p.code}.csv"'},
    )


@router.get("/kpis/catalogus", summary="The KPI catalogue: how each number is made")
async def get_catalogus(bus: Bus) -> dict:
    return await bus.handle(ReadCatalogus())


@router.get("/kpis/definities", summary="The KPI definitions (the catalogue's list; see /kpis/catalogus)")
async def definities(bus: Bus) -> list[dict]:
    return (await bus.handle(ReadCatalogus()))["kpis"]


@router.get("/kpis/trends", response_model=TrendOut, summary="KPIs per quarter, oldest first")
async def trends(
    bus: Bus,
    kpi: Annotated[KpiIds | None, KPI_TREND] = None,
    kwartalen: Annotated[int, Query(ge=1, le=40)] = 8,
    tot: Annotated[
        str | None, Query(pattern=r"^\d{4}-Q[1-4]$", description="Last quarter; default now.")
    ] = None,
):
    reeks = await bus.handle(ReadTrend(kpi or ["meldingen_ontvangen"], kwartalen=kwartalen, tot=tot))
    return TrendOut(kwartalen=reeks)


@router.post(
    "/kpis/herberekeningen",
    status_code=202,
    response_model=HerberekeningOut,
    summary="Rebuild the projection from the full event history, compare with live, swap",
    responses={
        202: {"headers": {"Location": {"description": "The rebuild's status.", "schema": {"type": "string"}}}}
    },
)
async def herbereken(bus: Bus, body: Annotated[HerberekeningIn, Body()] = HerberekeningIn()):
    record = await bus.handle(RequestHerberekening(body.vervangen))
    return JSONResponse(
        HerberekeningOut.of(record).model_dump(mode="json"),
        status_code=202,
        headers={"Location": f"{PREFIX}/kpis/herberekeningen/{record['id']}"},
    )


@router.get("/kpis/herberekeningen", response_model=HerberekeningenOut, summary="Recent rebuilds")
async def herberekeningen(bus: Bus):
    return HerberekeningenOut(items=[HerberekeningOut.of(r) for r in await bus.handle(ListHerberekeningen())])


@router.get(
    "/kpis/herberekeningen/{herberekening_id}",
    response_model=HerberekeningOut,
    summary="One rebuild: status, differences found, whether it replaced the live projection",
    responses={404: {"description": "No such rebuild"}},
)
async def get_herberekening(herberekening_id: UUID, bus: Bus):
    return HerberekeningOut.of(await bus.handle(ReadHerberekening(herberekening_id)))


@router.get(
    "/rapportages/{kwartaal}",
    response_class=HTMLResponse,
    tags=["rapportages"],
    summary="The quarterly report (kwartaalrapportage) as a web page",
    responses={200: {"content": {"text/html": {"schema": {"type": "string"}}}}},
)
async def rapportage(kwartaal: Annotated[str, KWARTAAL], bus: Bus):
    rapport = await bus.handle(ReadKwartaalrapportage(kwartaal))
    return HTMLResponse(weergave.rapport_html(rapport, pdf_url=f"{PREFIX}/rapportages/{kwartaal}/pdf"))


@router.get(
    "/rapportages/{kwartaal}/pdf",
    response_class=Response,
    tags=["rapportages"],
    summary="The quarterly report as PDF",
    responses={200: {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}},
)
async def rapportage_pdf(kwartaal: Annotated[str, KWARTAAL], bus: Bus):
    rapport = await bus.handle(ReadKwartaalrapportage(kwartaal))
    return Response(
        weergave.rapport_pdf(rapport),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="kwartaalrapportage-{kwartaal}.pdf"'},
    )


# A page for people, not part of the API contract: it reads the same /v1/kpis endpoints.
@router.get("/dashboard", response_class=HTMLResponse, include_in_schema=False)
async def dashboard(settings: Settings):
    return HTMLResponse(weergave.dashboard_html(settings.dashboard_refresh_s))
