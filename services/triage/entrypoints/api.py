from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response
from fastapi.responses import HTMLResponse

from contracts.escalatiedrempels import Drempels
from contracts.vocabulary import GI, ConsultatieCategorie
from runtime import processing_log_api
from runtime.access import authenticated, own_gi
from runtime.errors import InvalidInput
from runtime.fields import Page
from runtime.http import message_bus, voorkeur
from runtime.identity import Principal
from runtime.messagebus import MessageBus
from services.triage.adapters.verwerkingsactiviteiten import REGISTER
from services.triage.domain.commands import (
    ApproveRegelset,
    ConfirmAdvies,
    ImposeMaatregel,
    ListAdviezen,
    ListConsultaties,
    ListRegelsetVersies,
    ListRegelsetvoorstellen,
    ListRegioEscalaties,
    ListSimulatieIds,
    ListSimulaties,
    OverrideAdvies,
    ProposeRegelset,
    ReadAdvies,
    ReadBeschikbaarheid,
    ReadCaVerdeling,
    ReadConsultatie,
    ReadRegelset,
    ReadRegelsetvoorstel,
    ReadSimulatie,
    RecordConsultatieUren,
    RejectRegelset,
    RequestConsultatie,
    RunSimulatie,
)
from services.triage.domain.escalatie import in_werking
from services.triage.domain.model import GRIJS_GEBIED, AdviesStatus
from services.triage.domain.regelsetschema import regelset_schema
from services.triage.domain.regelsetvoorstel import VoorstelStatus
from services.triage.domain.simulatie import Bezettingswijziging
from services.triage.entrypoints import simulatie_weergave
from services.triage.entrypoints.schemas import (
    REGELSET_BODY,
    AdviesOut,
    AdviezenPage,
    AfwijkingIn,
    Beschikbaarheid,
    BevestigingIn,
    ConsultatieIn,
    ConsultatieOut,
    ConsultatiesPage,
    MaatregelIn,
    RegelsetAfwijzingIn,
    RegelsetGoedkeuringIn,
    RegelsetVersieOut,
    RegelsetvoorstellenPage,
    RegelsetvoorstelOut,
    RegioEscalatieOut,
    SimulatieIn,
    SimulatieOut,
    SimulatiesPage,
    UrenIn,
    VerdelingOut,
)

router = APIRouter()
HTML, JSON, SVG = "text/html", "application/json", "image/svg+xml"
# The caller, recorded as the actor of each processing of a child's data (runtime.processing_log).
Caller = Annotated[Principal, Depends(authenticated)]
Bus = Annotated[MessageBus, Depends(message_bus)]
NOT_FOUND = {404: {"description": "No such advice"}}
CONFLICT = {409: {"description": "Not possible in the advice's current status"}}


@router.get("/adviezen", response_model=AdviezenPage, tags=["adviezen"],
            summary="RvdK advice per report: proposals, confirmed and overridden advice, newest first")
async def list_adviezen(
    caller: Caller,
    bus: Bus,
    status: AdviesStatus | None = None,
    gi: Annotated[GI | None, Query(description="The advised GI (the proposed one while open).")] = None,
    afwijking: Annotated[bool | None, Query(description="true: only overridden advice.")] = None,
    melding_id: Annotated[UUID | None, Query(
        alias="meldingId", description="Only the advice on this report (the `id` of "
        "GET /v1/meldingen/{id} at intake; `melding_id=` is accepted too).")] = None,
    melding_id_snake: Annotated[UUID | None, Query(alias="melding_id", include_in_schema=False)] = None,
    page_size: Annotated[int, Query(alias="pageSize", ge=1, le=200)] = 50,
    page: Page = 1,
):
    items, total = await bus.handle(ListAdviezen(
        caller, status=status, gi=gi, afwijking=afwijking,
        melding_id=_one_melding_id(melding_id, melding_id_snake), limit=page_size,
        offset=(page - 1) * page_size))
    return AdviezenPage(items=[AdviesOut.of(a) for a in items], total=total)


def _one_melding_id(camel: UUID | None, snake: UUID | None) -> UUID | None:
    """`meldingId` (the NL API Design Rules' lower camelCase) or `melding_id`; both must agree."""
    if camel and snake and camel != snake:
        raise InvalidInput("meldingId and melding_id name different reports", field="meldingId")
    return camel or snake


@router.get("/adviezen/{id}", response_model=AdviesOut, tags=["adviezen"], responses=NOT_FOUND,
            summary="One advice with the ranking of the GIs and the reasons")
async def get_advies(id: UUID, caller: Caller, bus: Bus):
    return AdviesOut.of(await bus.handle(ReadAdvies(caller, id)))


@router.post("/adviezen/{id}/bevestiging", response_model=AdviesOut, tags=["adviezen"],
             responses={**NOT_FOUND, **CONFLICT}, summary="The RvdK confirms the proposed GI")
async def post_bevestiging(id: UUID, caller: Caller, bus: Bus, body: BevestigingIn | None = None):
    return AdviesOut.of(await bus.handle(ConfirmAdvies(caller, id, body.toelichting if body else None)))


@router.post("/adviezen/{id}/afwijking", response_model=AdviesOut, tags=["adviezen"],
             responses={**NOT_FOUND, **CONFLICT},
             summary="The RvdK advises another GI than proposed, with the reason")
async def post_afwijking(id: UUID, body: AfwijkingIn, caller: Caller, bus: Bus):
    return AdviesOut.of(await bus.handle(OverrideAdvies(caller, id, body.gi, body.reden, body.categorie)))


@router.post("/adviezen/{id}/maatregelen", status_code=201, response_model=AdviesOut, tags=["adviezen"],
             responses={**NOT_FOUND, **CONFLICT},
             summary="Record the measure the court imposed (or the JB-plein's drang decision)")
async def post_maatregel(id: UUID, body: MaatregelIn, response: Response, caller: Caller, bus: Bus):
    advies = await bus.handle(ImposeMaatregel(caller, id, body.maatregel, body.startdatum, body.gi,
                                              body.raadsonderzoek))
    response.headers["Location"] = f"/v1/adviezen/{id}"
    return AdviesOut.of(advies)


@router.get("/doelgroepenbepaling", tags=["doelgroepenbepaling"],
            summary="The active target-group ruleset, as the GIs agreed it",
            description="The newest version the managers of all three GIs approved (a proposal), unless a "
                        "ruleset file shipped with the code has a higher version. It decides every new "
                        "report; each decision names its version (`regelset_versie`).")
async def doelgroepenbepaling(bus: Bus) -> dict:
    return (await bus.handle(ReadRegelset())).bron


@router.get("/doelgroepenbepaling/schema", tags=["doelgroepenbepaling"],
            summary="The JSON Schema (2020-12) a ruleset, and so a proposal, must meet",
            description="Made of the same values the service checks a ruleset against; what a JSON Schema "
                        "cannot say (unique rule ids, known expertises, the fallback last, a new and higher "
                        "version) is named in its description and checked too.")
async def doelgroepenbepaling_schema() -> dict:
    return regelset_schema()


@router.get("/doelgroepenbepaling/versies", response_model=list[RegelsetVersieOut],
            tags=["doelgroepenbepaling"], summary="All versions of the target-group rules, oldest first",
            description="The files shipped with the code and the proposals all three GIs approved.")
async def doelgroepenbepaling_versies(bus: Bus):
    versies, actief = await bus.handle(ListRegelsetVersies())
    return [RegelsetVersieOut.of(v, actief) for v in versies]


@router.get("/doelgroepenbepaling/versies/{versie}", tags=["doelgroepenbepaling"],
            responses={404: {"description": "No such version"}},
            summary="One version of the target-group rules")
async def doelgroepenbepaling_versie(versie: Annotated[str, Path(max_length=50)], bus: Bus) -> dict:
    return (await bus.handle(ReadRegelset(versie))).bron


# --- proposed versions of the target-group rules --------------------------------------------------

VOORSTEL_ERRORS = {
    403: {"description": "Not a GI's manager, or a `gi` that is not the token's GI"},
    404: {"description": "No such proposal"},
    409: {"description": "The proposal is not open (activated, rejected or superseded), or this GI decided "
                         "on it already"},
}
VOORSTEL = ("A proposal is a complete ruleset (GET /v1/doelgroepenbepaling/schema) with a new version "
            "number higher than the active one. It takes effect at the moment the managers of JBRR, WSS and "
            "LJR have each approved it; one rejection ends it; each GI decides once. When it takes effect, "
            "open proposals made against the old version end (`vervallen`). Every step is an event on "
            "`triage.regelsets` (the RvdK reads `regelset.activated`).")
VoorstelId = Annotated[UUID, Path(alias="voorstelId")]


@router.post("/doelgroepenbepaling/voorstellen", status_code=201, response_model=RegelsetvoorstelOut,
             tags=["doelgroepenbepaling"],
             responses={400: {"description": "Not a valid ruleset: the problem is named"},
                        403: VOORSTEL_ERRORS[403],
                        409: {"description": "The version exists already, or is not higher than the active "
                                             "one"}},
             summary="A GI's manager proposes a new version of the target-group rules",
             description=VOORSTEL + " The answer shows its difference from the active version rule by rule.",
             openapi_extra={"requestBody": {"content": {"application/json": {"schema": REGELSET_BODY}}}})
async def post_regelsetvoorstel(
    body: Annotated[dict[str, Any], Body(description="The complete ruleset as it should become active.")],
    response: Response, caller: Caller, bus: Bus,
):
    voorstel = await bus.handle(ProposeRegelset(caller, body))
    response.headers["Location"] = f"/v1/doelgroepenbepaling/voorstellen/{voorstel.id}"
    return RegelsetvoorstelOut.of(voorstel)


@router.get("/doelgroepenbepaling/voorstellen", response_model=RegelsetvoorstellenPage,
            tags=["doelgroepenbepaling"], summary="Proposed versions of the target-group rules, newest first")
async def list_regelsetvoorstellen(
    bus: Bus,
    status: VoorstelStatus | None = None,
    page_size: Annotated[int, Query(alias="pageSize", ge=1, le=200)] = 50,
    page: Page = 1,
):
    items, total = await bus.handle(ListRegelsetvoorstellen(status, page_size, (page - 1) * page_size))
    return RegelsetvoorstellenPage(items=[RegelsetvoorstelOut.of(v) for v in items], total=total)


@router.get("/doelgroepenbepaling/voorstellen/{voorstelId}", response_model=RegelsetvoorstelOut,
            tags=["doelgroepenbepaling"], responses={404: VOORSTEL_ERRORS[404]},
            summary="One proposed version: its difference rule by rule, the approvals so far, its status")
async def get_regelsetvoorstel(voorstel_id: VoorstelId, bus: Bus):
    voorstel = await bus.handle(ReadRegelsetvoorstel(voorstel_id))
    return RegelsetvoorstelOut.of(voorstel, await bus.handle(ListSimulatieIds(voorstel_id)))


def _voor_eigen_gi(caller: Principal, gi: GI | None) -> None:
    own_gi(caller, gi)  # a `gi` naming another GI than the token's: 403 naming the field


@router.post("/doelgroepenbepaling/voorstellen/{voorstelId}/goedkeuringen", status_code=201,
             response_model=RegelsetvoorstelOut, tags=["doelgroepenbepaling"], responses=VOORSTEL_ERRORS,
             summary="A GI's manager approves a proposed version for its own GI; the third GI's approval "
                     "activates it",
             description=VOORSTEL)
async def post_regelset_goedkeuring(voorstel_id: VoorstelId, response: Response, caller: Caller, bus: Bus,
                                    body: RegelsetGoedkeuringIn | None = None):
    _voor_eigen_gi(caller, body.gi if body else None)
    response.headers["Location"] = f"/v1/doelgroepenbepaling/voorstellen/{voorstel_id}"
    return RegelsetvoorstelOut.of(await bus.handle(ApproveRegelset(caller, voorstel_id)))


@router.post("/doelgroepenbepaling/voorstellen/{voorstelId}/afwijzingen", status_code=201,
             response_model=RegelsetvoorstelOut, tags=["doelgroepenbepaling"], responses=VOORSTEL_ERRORS,
             summary="A GI's manager rejects a proposed version; the proposal ends, the active version stays",
             description=VOORSTEL + " The reason's category goes into the event; the manager's own words "
                                    "stay in triage.")
async def post_regelset_afwijzing(voorstel_id: VoorstelId, response: Response, caller: Caller, bus: Bus,
                                  body: RegelsetAfwijzingIn | None = None):
    body = body or RegelsetAfwijzingIn()
    _voor_eigen_gi(caller, body.gi)
    response.headers["Location"] = f"/v1/doelgroepenbepaling/voorstellen/{voorstel_id}"
    return RegelsetvoorstelOut.of(await bus.handle(
        RejectRegelset(caller, voorstel_id, body.categorie, body.toelichting)))


@router.get("/beschikbaarheid", response_model=list[Beschikbaarheid], tags=["adviezen"],
            summary="Free capacity per GI as last signalled by the capacity service")
async def beschikbaarheid(bus: Bus):
    return await bus.handle(ReadBeschikbaarheid())


@router.get("/regio-escalaties", response_model=list[RegioEscalatieOut], tags=["adviezen"],
            summary="The region's open escalations as triage applies them: the escalation plan's "
                    "measures in force, latest raised first")
async def regio_escalaties(bus: Bus):
    escalaties = await bus.handle(ListRegioEscalaties())
    grijs = in_werking(escalaties, GRIJS_GEBIED)
    return [RegioEscalatieOut.of(e, grijs) for e in escalaties]


# --- the what-if simulation ----------------------------------------------------------------------

SimulatieId = Annotated[UUID, Path(alias="simulatieId")]
SIMULATIE = ("A period of the past replayed through a candidate ruleset and/or changed staffing, in "
             "isolation: nothing is published and no live data changes; only the simulation is kept. "
             "The result compares per GI per month what really happened (`werkelijk`) with the scenario "
             "(`gesimuleerd`); `aannames` states what the model assumes.")


@router.post("/simulaties", status_code=201, response_model=SimulatieOut, tags=["simulaties"],
             responses={400: {"description": "An invalid period, candidate ruleset or proposal id: named"},
                        403: {"description": "Not a GI's manager, the RvdK or the region"}},
             summary="Run a what-if simulation over the chain's own history", description=SIMULATIE)
async def post_simulatie(body: SimulatieIn, response: Response, caller: Caller, bus: Bus):
    simulatie = await bus.handle(RunSimulatie(
        caller, body.periode.van, body.periode.tot, regelset=body.regelset, voorstel_id=body.voorstel_id,
        bezetting={gi: Bezettingswijziging(w.jeugdbeschermers_erbij, w.caseload_norm)
                   for gi, w in body.bezetting.per_gi().items()},
        drempels=Drempels(**body.drempels.model_dump()) if body.drempels else None))
    response.headers["Location"] = f"/v1/simulaties/{simulatie.id}"
    return SimulatieOut.of(simulatie)


@router.get("/simulaties", response_model=SimulatiesPage, tags=["simulaties"],
            summary="The simulations run, newest first")
async def list_simulaties(
    bus: Bus,
    voorstel_id: Annotated[UUID | None, Query(alias="voorstelId", description="Only those run for this "
                                                                              "ruleset proposal.")] = None,
    page_size: Annotated[int, Query(alias="pageSize", ge=1, le=200)] = 50,
    page: Page = 1,
):
    items, total = await bus.handle(ListSimulaties(voorstel_id, page_size, (page - 1) * page_size))
    return SimulatiesPage(items=[SimulatieOut.of(s) for s in items], total=total)


@router.get("/simulaties/{simulatieId}", response_model=SimulatieOut, tags=["simulaties"],
            responses={200: {"content": {HTML: {"schema": {"type": "string"}}}},
                       404: {"description": "No such simulation"}},
            summary="A simulation's result: JSON, or with `Accept: text/html` a page with its chart")
async def get_simulatie(request: Request, simulatie_id: SimulatieId, bus: Bus):
    simulatie = await bus.handle(ReadSimulatie(simulatie_id))
    if voorkeur(request, (JSON, HTML)) == HTML:
        return HTMLResponse(simulatie_weergave.pagina_html(simulatie))
    return SimulatieOut.of(simulatie)


@router.get("/simulaties/{simulatieId}/grafiek", response_class=Response, tags=["simulaties"],
            responses={200: {"content": {SVG: {"schema": {"type": "string"}}}},
                       404: {"description": "No such simulation"}},
            summary="A simulation's chart (SVG): per GI per month werkelijk (solid) and gesimuleerd (dashed)")
async def get_simulatie_grafiek(simulatie_id: SimulatieId, bus: Bus):
    return Response(simulatie_weergave.grafiek_svg(await bus.handle(ReadSimulatie(simulatie_id))),
                    media_type=SVG)


# --- consultation & advice (C&A) -----------------------------------------------------------------

CA_ERRORS = {403: {"description": "Another municipality than the token's, a `gi` that is not the token's "
                                  "GI, or a role that may not do this"},
             404: {"description": "No such request, or one the caller may not see (another GI's)"}}
Jaar = Annotated[int | None, Query(ge=1900, le=2999, description="The calendar year (the region's); "
                                   "default: the current one.")]


@router.post("/consultaties", status_code=201, response_model=ConsultatieOut, tags=["consultaties"],
             responses={403: CA_ERRORS[403]},
             summary="A local team asks for consultation & advice (C&A); triage routes it to a GI",
             description="Only a local team, for its own municipality. The question goes to the GI whose "
                         "expertise the factsheet (the active ruleset's expertise table) names for the "
                         "category; several: the one of them furthest below its agreed share; none: the GI "
                         "furthest below its agreed share of the year's C&A hours (tekort = agreed share x "
                         "all GIs' hours of the year - its own hours; largest wins; ties: larger share, "
                         "then JBRR, WSS, LJR). The answer and the event carry the reason.")
async def post_consultatie(body: ConsultatieIn, response: Response, caller: Caller, bus: Bus):
    consultatie = await bus.handle(RequestConsultatie(caller, body.gemeente, body.categorie, body.gezin_id))
    response.headers["Location"] = f"/v1/consultaties/{consultatie.id}"
    return ConsultatieOut.of(consultatie)


@router.get("/consultaties", response_model=ConsultatiesPage, tags=["consultaties"],
            responses={403: CA_ERRORS[403]},
            summary="C&A requests, newest first: a local team its municipality's, a GI those routed to "
                    "it, the region all (without the family's id)")
async def list_consultaties(
    caller: Caller,
    bus: Bus,
    gemeente: Annotated[str | None, Query(pattern=r"^GM\d{4}$")] = None,
    gi: Annotated[GI | None, Query(description="The GI the requests went to.")] = None,
    categorie: ConsultatieCategorie | None = None,
    page_size: Annotated[int, Query(alias="pageSize", ge=1, le=200)] = 50,
    page: Page = 1,
):
    own_gi(caller, gi)  # a GI filtering on another GI: 403 naming the field
    items, total, toont_gezin = await bus.handle(ListConsultaties(
        caller, gemeente=gemeente, gi=gi, categorie=categorie, limit=page_size,
        offset=(page - 1) * page_size))
    return ConsultatiesPage(items=[ConsultatieOut.of(c, toont_gezin) for c in items], total=total)


@router.get("/consultaties/verdeling", response_model=VerdelingOut, tags=["consultaties"],
            summary="The year's C&A hours and requests per GI against the region's agreed shares")
async def get_ca_verdeling(bus: Bus, jaar: Jaar = None):
    return VerdelingOut.of(await bus.handle(ReadCaVerdeling(jaar)))


@router.get("/consultaties/{id}", response_model=ConsultatieOut, tags=["consultaties"],
            responses={404: CA_ERRORS[404]},
            summary="One C&A request with its routing and the hours recorded")
async def get_consultatie(id: UUID, caller: Caller, bus: Bus):
    consultatie, toont_gezin = await bus.handle(ReadConsultatie(caller, id))
    return ConsultatieOut.of(consultatie, toont_gezin)


@router.post("/consultaties/{id}/uren", status_code=201, response_model=ConsultatieOut, tags=["consultaties"],
             responses=CA_ERRORS, summary="The GI the request went to records hours spent on it",
             description="Several registrations per request; each is one day's hours in quarters of an "
                         "hour, on a day from the request's to today. Another GI's request is 404.")
async def post_uren(id: UUID, body: UrenIn, response: Response, caller: Caller, bus: Bus):
    consultatie = await bus.handle(RecordConsultatieUren(caller, id, body.uren, body.datum))
    response.headers["Location"] = f"/v1/consultaties/{id}"
    return ConsultatieOut.of(consultatie)


# The processing log: register, records and chain check (role privacy), with their own tag.
router.routes.extend(processing_log_api.router(REGISTER).routes)
