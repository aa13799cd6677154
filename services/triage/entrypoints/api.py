from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Response

from contracts.vocabulary import GI
from runtime import processing_log_api
from runtime.access import authenticated
from runtime.errors import InvalidInput, NotFound
from runtime.fields import Page
from runtime.http import message_bus
from runtime.identity import Principal
from runtime.messagebus import MessageBus
from services.triage.adapters import regelsets
from services.triage.adapters.verwerkingsactiviteiten import REGISTER
from services.triage.domain.commands import (
    ConfirmAdvies,
    ImposeMaatregel,
    ListAdviezen,
    OverrideAdvies,
    ReadAdvies,
    ReadBeschikbaarheid,
)
from services.triage.domain.model import AdviesStatus
from services.triage.entrypoints.schemas import (
    AdviesOut,
    AdviezenPage,
    AfwijkingIn,
    Beschikbaarheid,
    BevestigingIn,
    MaatregelIn,
    RegelsetVersieOut,
)

router = APIRouter()
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


def _versie(v: regelsets.Versie) -> RegelsetVersieOut:
    r = v.regelset
    return RegelsetVersieOut(versie=r.versie, geldig_vanaf=r.geldig_vanaf or None,
                             omschrijving=r.omschrijving, regels=len(r.regels),
                             actief=r.versie == regelsets.active().regelset.versie)


@router.get("/doelgroepenbepaling", tags=["doelgroepenbepaling"],
            summary="The active (newest) target-group ruleset, as the GIs agreed it")
async def doelgroepenbepaling() -> dict:
    return regelsets.active().bron


@router.get("/doelgroepenbepaling/versies", response_model=list[RegelsetVersieOut],
            tags=["doelgroepenbepaling"], summary="All versions of the target-group rules, oldest first")
async def doelgroepenbepaling_versies():
    return [_versie(v) for v in regelsets.versies().values()]


@router.get("/doelgroepenbepaling/versies/{versie}", tags=["doelgroepenbepaling"],
            responses={404: {"description": "No such version"}},
            summary="One version of the target-group rules")
async def doelgroepenbepaling_versie(versie: Annotated[str, Path(max_length=50)]) -> dict:
    gevonden = regelsets.versie(versie)
    if gevonden is None:
        raise NotFound(f"ruleset version {versie} does not exist; see /v1/doelgroepenbepaling/versies")
    return gevonden.bron


@router.get("/beschikbaarheid", response_model=list[Beschikbaarheid], tags=["adviezen"],
            summary="Free capacity per GI as last signalled by the capacity service")
async def beschikbaarheid(bus: Bus):
    return await bus.handle(ReadBeschikbaarheid())


# The processing log: register, records and chain check (role privacy), with their own tag.
router.routes.extend(processing_log_api.router(REGISTER).routes)
