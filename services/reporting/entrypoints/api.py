import math
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from runtime.access import authenticated, own_gi
from runtime.actualiteit import Actualiteit, actualiteit
from runtime.errors import Forbidden
from runtime.fields import UNIQUE, Line
from runtime.http import PREFIX, message_bus, service_settings, voorkeur
from runtime.identity import LOKAAL_TEAM, Principal
from runtime.messagebus import MessageBus
from services.reporting.domain.cijfers import GIS
from services.reporting.domain.commands import (
    AddDuiding,
    ExportKpis,
    ListDuidingen,
    ListHerberekeningen,
    ReadCatalogus,
    ReadHerberekening,
    ReadInfographic,
    ReadKpis,
    ReadKwartaalrapportage,
    ReadTrend,
    RequestHerberekening,
    StelKwartaalVast,
)
from services.reporting.entrypoints import infographic as infographic_weergave
from services.reporting.entrypoints import weergave
from services.reporting.entrypoints.schemas import (
    DuidingenOut,
    DuidingIn,
    DuidingOut,
    HerberekeningenOut,
    HerberekeningIn,
    HerberekeningOut,
    InfographicOut,
    KpisOut,
    RapportageOut,
    TrendOut,
    VaststellingOut,
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
HTML, JSON, PDF, PNG = "text/html", "application/json", "application/pdf", "image/png"
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
    response_model=RapportageOut,
    tags=["rapportages"],
    summary="The quarterly report (kwartaalrapportage) as a web page, or as JSON",
    description="A web page by default; `Accept: application/json` gives the same report as data: "
    "every KPI with its table per municipality and GI (suppressed), the GIs' readings (`duidingen`, "
    "each with its KPI, GI, author and whether it is an addendum) and whether the report is final "
    "(`vaststelling`). The page shows each reading beside the KPI it explains, the readings of a GI's "
    "own figures as a whole under 'Duiding door de GI's'.",
    responses={200: {"content": {HTML: {"schema": {"type": "string"}}}}},
)
async def rapportage(request: Request, kwartaal: Annotated[str, KWARTAAL], bus: Bus):
    rapport = await bus.handle(ReadKwartaalrapportage(kwartaal))
    if voorkeur(request, (HTML, JSON)) == JSON:
        return JSONResponse(RapportageOut.of(rapport).model_dump(mode="json"))
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


# ---- the GIs' readings, the final marking and the infographic ------------------------------------

GEMEENTE_PAD = Path(pattern=r"^GM\d{4}$", description="CBS code of a municipality of the region.")
_ERRORS = {403: "A `gi` that is not the token's GI, another municipality than a local team's own, or "
                "a role that may not do this",
           404: "Not a municipality of the region",
           409: "The report is final already, the quarter has not ended, or the GI wrote the most "
                "readings one GI may write for a quarter"}


def errors(*codes: int) -> dict:
    """Document the problem responses of a route (nl_openapi gives them the problem schema)."""
    return {code: {"description": _ERRORS[code]} for code in codes}


Caller = Annotated[Principal, Depends(authenticated)]


@router.get("/rapportages/{kwartaal}/duidingen", response_model=DuidingenOut, tags=["rapportages"],
            summary="The GIs' readings (duidingen) of a quarter's figures, oldest first",
            description="Every GI's readings, with the KPI each explains (null: the GI's own figures "
            "as a whole), who wrote it for which GI, and whether it is an addendum (written after the "
            "report was marked final). A quarter that has not begun is 400.")
async def list_duidingen(kwartaal: Annotated[str, KWARTAAL], bus: Bus):
    kd = await bus.handle(ListDuidingen(kwartaal))
    return DuidingenOut(kwartaal=kd.kwartaal.code, vaststelling=VaststellingOut.of(kd.vaststelling),
                        items=[DuidingOut.of(d) for d in kd.duidingen])


@router.post("/rapportages/{kwartaal}/duidingen", status_code=201, response_model=DuidingOut,
             tags=["rapportages"], responses=errors(403, 409),
             summary="Add the caller's GI's reading of a KPI, or of its own figures, for a quarter",
             description="A GI manager writes for the token's own GI. Once the quarter's report is "
             "final the reading is stored as an addendum; the readings before stay as they are. A KPI "
             "that is not in the catalogue, or a quarter that has not begun, is 400.")
async def post_duiding(kwartaal: Annotated[str, KWARTAAL], body: DuidingIn, principal: Caller, bus: Bus):
    if own_gi(principal, body.gi) is None:
        raise Forbidden(f"role {principal.rol} writes for no GI")
    return DuidingOut.of(await bus.handle(AddDuiding(principal, kwartaal, body.tekst, body.kpi)))


@router.post("/rapportages/{kwartaal}/vaststelling", status_code=201, response_model=VaststellingOut,
             tags=["rapportages"], responses=errors(409),
             summary="Mark the quarter's report final: readings added after it are addenda",
             description="Once per quarter, after the quarter has ended (a second time, or a quarter "
             "still running, is 409).")
async def post_vaststelling(kwartaal: Annotated[str, KWARTAAL], principal: Caller, bus: Bus):
    return VaststellingOut.of(await bus.handle(StelKwartaalVast(principal, kwartaal)))


INFOGRAPHIC_INHOUD = {HTML: {"schema": {"type": "string"}},
                      PNG: {"schema": {"type": "string", "format": "binary"}},
                      PDF: {"schema": {"type": "string", "format": "binary"}}}


@router.get("/rapportages/{kwartaal}/infographics/{gemeente}", response_model=InfographicOut,
            tags=["rapportages"], responses={200: {"content": INFOGRAPHIC_INHOUD}, **errors(403, 404)},
            summary="One page for a municipality's council: its figures of the quarter, their trend "
            "and the GIs' reading",
            description="Reports received, children in care, waiting for a fixed protector, coverage "
            "(protector within the norm), out-of-home placements (once the catalogue has them) and "
            "re-reports: the municipality's published figures, suppressed exactly as `GET /v1/kpis"
            "?gemeente=...` serves them, over the quarter and the four before it, with the GIs' "
            "readings (naming the GI only). A web page by default; `Accept: image/png`, "
            "`application/pdf` or `application/json` for the picture, the printable page or the data "
            "(also at `.../png` and `.../pdf`). A local team reads its own municipality's only.")
async def infographic(request: Request, kwartaal: Annotated[str, KWARTAAL],
                      gemeente: Annotated[str, GEMEENTE_PAD], principal: Caller, bus: Bus):
    return await _infographic(bus, principal, kwartaal, gemeente, voorkeur(request, (HTML, PNG, PDF, JSON)))


@router.get("/rapportages/{kwartaal}/infographics/{gemeente}/png", response_class=Response,
            tags=["rapportages"],
            responses={200: {"content": {PNG: INFOGRAPHIC_INHOUD[PNG]}}, **errors(403, 404)},
            summary="The municipality's infographic as a PNG picture")
async def infographic_png(kwartaal: Annotated[str, KWARTAAL], gemeente: Annotated[str, GEMEENTE_PAD],
                          principal: Caller, bus: Bus):
    return await _infographic(bus, principal, kwartaal, gemeente, PNG)


@router.get("/rapportages/{kwartaal}/infographics/{gemeente}/pdf", response_class=Response,
            tags=["rapportages"],
            responses={200: {"content": {PDF: INFOGRAPHIC_INHOUD[PDF]}}, **errors(403, 404)},
            summary="The municipality's infographic as a one-page PDF")
async def infographic_pdf(kwartaal: Annotated[str, KWARTAAL], gemeente: Annotated[str, GEMEENTE_PAD],
                          principal: Caller, bus: Bus):
    return await _infographic(bus, principal, kwartaal, gemeente, PDF)


async def _infographic(bus: MessageBus, principal: Principal, kwartaal: str, gemeente: str,
                       media: str) -> Response:
    if principal.is_a(LOKAAL_TEAM) and principal.gemeente != gemeente:
        raise Forbidden(f"your token is for {principal.gemeente}, not for {gemeente}", field="gemeente")
    data = await bus.handle(ReadInfographic(kwartaal, gemeente))
    naam = f"infographic-{gemeente}-{kwartaal}"
    basis = f"{PREFIX}/rapportages/{kwartaal}/infographics/{gemeente}"
    if media == JSON:
        return JSONResponse(InfographicOut(**data).model_dump(mode="json"))
    if media == HTML:
        return HTMLResponse(infographic_weergave.html(data, png_url=f"{basis}/png", pdf_url=f"{basis}/pdf"))
    inhoud = infographic_weergave.png(data) if media == PNG else infographic_weergave.pdf(data)
    extensie = "png" if media == PNG else "pdf"
    return Response(inhoud, media_type=media,
                    headers={"Content-Disposition": f'inline; filename="{naam}.{extensie}"'})


# A page for people, not part of the API contract: it reads the same /v1/kpis endpoints.
@router.get("/dashboard", response_class=HTMLResponse, include_in_schema=False)
async def dashboard(settings: Settings):
    return HTMLResponse(weergave.dashboard_html(settings.dashboard_refresh_s))
