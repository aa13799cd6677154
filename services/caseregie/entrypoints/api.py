"""caseregie's REST API. Every operation works for the caller's GI, taken from the token: a `gi`
in a query or body may only repeat it (another GI is 403, naming the field); another GI's case,
transfer or webhook does not exist for the caller (404); lists hold only the caller's GI's items,
filtered in the query itself."""
from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from contracts.vocabulary import GI, AfwijzingReden, Maatregel, OverdrachtReden, Sluitreden
from runtime import processing_log_api
from runtime.access import authenticated, own_gi
from runtime.errors import Forbidden
from runtime.fields import Line, Page, Text
from runtime.http import unit_of_work
from runtime.identity import Principal
from services.caseregie.adapters.verwerkingsactiviteiten import REGISTER
from services.caseregie.domain.model import AANGEVRAAGD, Besluit, Casus, CasusKind, Overdracht
from services.caseregie.domain.webhooks import Aflevering, Webhook
from services.caseregie.service_layer import handlers, webhooks
from services.caseregie.settings import DRANG_CHECK_INTERVAL_S

router = APIRouter(tags=["casussen"])
webhooks_router = APIRouter(tags=["webhooks"])

Gemeente = Annotated[str | None, Query(pattern=r"^GM\d{4}$")]
PageSize = Annotated[int, Query(alias="pageSize", ge=1, le=200)]
OverdrachtId = Annotated[UUID, Path(alias="overdrachtId")]
GI_VELD = ("Optional: the token decides for which GI the caller acts. When given, it must be the "
           "token's own GI (another GI is 403).")
GiQuery = Annotated[GI | None, Query(description=GI_VELD)]
Caller = Annotated[Principal, Depends(authenticated)]

_ERRORS = {403: "A `gi` that is not the token's GI, or a role that may not do this",
           404: "Not found: it does not exist, or it is another GI's case, transfer or webhook",
           409: "Conflict with the state of the case or transfer"}


def errors(*codes: int) -> dict:
    """Document the problem responses of a route (nl_openapi gives them the problem schema)."""
    return {code: {"description": _ERRORS[code]} for code in codes}


# --- bodies -------------------------------------------------------------------------------------

class OverdrachtIn(BaseModel):
    naar_gi: GI = Field(description="The GI that should take over the case.")
    reden: Text(2000, min_length=1) = Field(
        description="The reason in the GI's own words: it stays in caseregie (both GIs read it here), "
                    "events carry only `categorie`.")
    categorie: OverdrachtReden = Field(
        default=OverdrachtReden.OVERIG,
        description="The reason category the requesting GI chooses; the region's figures count transfers "
                    "per category ('overig' when left out).")


class JeugdbeschermerIn(BaseModel):
    gi: GI | None = Field(default=None, description=GI_VELD)
    jeugdbeschermer_id: Line(100, min_length=1) = Field(description="The GI's own staff code.")
    naam: Line(200, min_length=1)


class AfsluitingIn(BaseModel):
    gi: GI | None = Field(default=None, description=GI_VELD)
    reden: Sluitreden
    toelichting: Text(2000) | None = None


BESLISSER = ("The manager is the caller: the decision is recorded with the token's subject (`sub`) "
             "and name (`naam`) for the token's GI; a body never names a manager (unknown fields are "
             "refused).")


class GoedkeuringIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"description": BESLISSER})

    gi: GI | None = Field(default=None, description=GI_VELD)


class AfwijzingIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"description": BESLISSER})

    gi: GI | None = Field(default=None, description=GI_VELD)
    reden: Text(2000, min_length=1) = Field(
        description="The reason in the manager's own words: it stays in caseregie, events carry only "
                    "`categorie`.")
    categorie: AfwijzingReden = Field(
        default=AfwijzingReden.OVERIG,
        description="The rejection's reason category, chosen by the manager ('overig' when left out).")


class WebhookIn(BaseModel):
    gi: GI | None = Field(default=None, description=GI_VELD + " The webhook receives that GI's case events.")
    url: str = Field(min_length=1, max_length=2000, description="An http or https URL of the GI's system.")


# --- views --------------------------------------------------------------------------------------

MANAGER = ("Who decided: the subject (`sub`) of the manager's token (for decisions recorded before "
           "tokens, the name given then).")
MANAGER_NAAM = "The name the manager's token gave (`naam`), if any."


class GoedkeuringOut(BaseModel):
    gi: GI = Field(description="The GI whose manager approved.")
    manager: str = Field(description=MANAGER)
    manager_naam: str | None = Field(description=MANAGER_NAAM)
    goedgekeurd_op: datetime


class AfwijzingOut(BaseModel):
    gi: GI = Field(description="The GI whose manager rejected.")
    manager: str = Field(description=MANAGER)
    manager_naam: str | None = Field(description=MANAGER_NAAM)
    reden: str
    categorie: AfwijzingReden | None = Field(description="The rejection's reason category.")
    afgewezen_op: datetime


class OverdrachtOut(BaseModel):
    id: UUID
    casus_id: UUID
    van_gi: GI
    naar_gi: GI
    reden: str
    categorie: OverdrachtReden = Field(description="The reason category the requesting GI chose.")
    status: str = Field(description="'aangevraagd', 'goedgekeurd' (both GIs approved) or 'afgewezen'.")
    aangevraagd_op: datetime
    afgerond_op: datetime | None
    goedkeuringen: list[GoedkeuringOut]
    afwijzing: AfwijzingOut | None


class OverdrachtKindOut(BaseModel):
    leeftijd: int
    maatregel: Maatregel
    maatregel_start: date


class OverdrachtCasusOut(BaseModel):
    """What both managers need to decide on a transfer, and no more: no names, no protector."""

    gemeente: str
    gi: GI = Field(description="The GI the case is at now.")
    doelgroep: str
    kinderen: list[OverdrachtKindOut]


class OverdrachtDetailOut(OverdrachtOut):
    casus: OverdrachtCasusOut | None = Field(description=(
        "While the transfer awaits decisions: the case summary the managers of both GIs decide on "
        "(the receiving GI does not read the case itself until it has moved). Null once decided."))


class JeugdbeschermerOut(BaseModel):
    id: str
    naam: str
    toegewezen_op: datetime


class KindOut(BaseModel):
    kind_id: UUID
    leeftijd: int
    melding_id: UUID
    maatregel: Maatregel
    maatregel_start: date
    wacht_sinds: datetime = Field(description="Start of the current wait for a fixed protector.")
    wachtend: bool = Field(description="True while the child has no fixed protector.")
    wachtdagen: int = Field(description="Days waited: so far while waiting, else until the protector came.")
    jeugdbeschermer: JeugdbeschermerOut | None


class MaatregelOut(BaseModel):
    maatregel_id: UUID
    melding_id: UUID
    maatregel: Maatregel
    route: str
    raadsonderzoek: bool
    startdatum: date
    gi: GI = Field(description="The GI the measure named.")
    gi_reden: str | None = Field(description="Why the case is at another GI than the measure named.")
    opgelegd_op: datetime


DRANG_SIGNALEN = (
    "The drang limits this case has passed, each flagged once with a drang.overdue event: "
    "3 months without RvdK investigation, and 6 months (calendar months from the start date, "
    "Europe/Amsterdam). A limit already passed when the measure is recorded is flagged at once, in the "
    "same transaction as the case. A limit passed later is flagged by a check every "
    f"{DRANG_CHECK_INTERVAL_S:g} seconds ({DRANG_CHECK_INTERVAL_S / 60:g} minutes, the default of the "
    "setting CASEREGIE_DRANG_CHECK_INTERVAL_S) that also runs when the service starts: at most that long "
    "after the start of the day the limit passes.")


class DrangSignaalOut(BaseModel):
    termijn: str = Field(description="'3_maanden_zonder_raadsonderzoek' or '6_maanden'.")
    startdatum: date
    gesignaleerd_op: datetime


class CasusOut(BaseModel):
    id: UUID
    gezin_id: UUID
    melding_id: UUID = Field(description="The report whose measure opened the case.")
    melding_ids: list[UUID]
    gemeente: str
    gi: GI
    doelgroep: str
    status: str = Field(description="'open' or 'gesloten'.")
    geopend_op: datetime
    gesloten_op: datetime | None
    sluitreden: Sluitreden | None
    toelichting: str | None
    jeugdbeschermer: JeugdbeschermerOut | None
    wachtend: bool = Field(description="Open with at least one child waiting for a fixed protector.")
    kinderen: list[KindOut]
    maatregelen: list[MaatregelOut]
    overdrachten: list[OverdrachtOut]
    drang_signalen: list[DrangSignaalOut] = Field(description=DRANG_SIGNALEN)


class CasussenPage(BaseModel):
    items: list[CasusOut]
    total: int


class WachtendKindOut(BaseModel):
    casus_id: UUID
    kind_id: UUID
    leeftijd: int
    gemeente: str
    gi: GI
    maatregel: Maatregel
    wacht_sinds: datetime
    wachtdagen: int


class WachtlijstPage(BaseModel):
    items: list[WachtendKindOut]
    total: int


class WebhookOut(BaseModel):
    id: UUID
    gi: GI
    url: str
    aangemaakt_op: datetime


class NieuwWebhookOut(WebhookOut):
    secret: str = Field(description="Signing secret (Standard Webhooks, 'whsec_...'); shown only now.")


class AfleveringOut(BaseModel):
    id: int
    event_id: str
    event_type: str
    status: str = Field(description="'wachtend', 'nieuwe_poging' (failed, tried again) or 'afgeleverd'.")
    pogingen: int
    aangemaakt_op: datetime
    laatste_poging_op: datetime | None
    volgende_poging_op: datetime | None
    laatste_fout: str | None
    afgeleverd_op: datetime | None


class AfleveringenPage(BaseModel):
    items: list[AfleveringOut]
    total: int


def _overdracht(o: Overdracht) -> OverdrachtOut:
    def goed(b: Besluit) -> GoedkeuringOut:
        return GoedkeuringOut(gi=b.gi, manager=b.manager, manager_naam=b.manager_naam,
                              goedgekeurd_op=b.besloten_op)

    af = o.afwijzing
    return OverdrachtOut(
        id=o.id, casus_id=o.casus_id, van_gi=o.van_gi, naar_gi=o.naar_gi, reden=o.reden,
        categorie=o.categorie, status=o.status, aangevraagd_op=o.aangevraagd_op, afgerond_op=o.afgerond_op,
        goedkeuringen=[goed(b) for b in o.goedkeuringen],
        afwijzing=AfwijzingOut(gi=af.gi, manager=af.manager, manager_naam=af.manager_naam, reden=af.reden,
                               categorie=af.categorie, afgewezen_op=af.besloten_op) if af else None)


def _overdracht_detail(o: Overdracht, c: Casus) -> OverdrachtDetailOut:
    samenvatting = OverdrachtCasusOut(
        gemeente=c.gemeente, gi=c.gi, doelgroep=c.doelgroep,
        kinderen=[OverdrachtKindOut(leeftijd=k.leeftijd, maatregel=k.maatregel,
                                    maatregel_start=k.maatregel_start) for k in c.kinderen],
    ) if o.status == AANGEVRAAGD else None
    return OverdrachtDetailOut(**_overdracht(o).model_dump(), casus=samenvatting)


def _gi(principal: Principal, requested: GI | None = None) -> GI:
    """The caller's GI (from the token); a `gi` in the request naming another GI is 403."""
    gi = own_gi(principal, requested)
    if gi is None:  # the policy lets only GI roles in; never read everything for a stranger
        raise Forbidden(f"role {principal.rol} works for no GI")
    return GI(gi)


def _jb(jb) -> JeugdbeschermerOut | None:
    return JeugdbeschermerOut(**jb.__dict__) if jb else None


def _kind(k: CasusKind, now: datetime) -> KindOut:
    return KindOut(kind_id=k.kind_id, leeftijd=k.leeftijd, melding_id=k.melding_id, maatregel=k.maatregel,
                   maatregel_start=k.maatregel_start, wacht_sinds=k.wacht_sinds, wachtend=k.wachtend,
                   wachtdagen=k.wachtdagen(now), jeugdbeschermer=_jb(k.jeugdbeschermer))


def _out(c: Casus, now: datetime) -> CasusOut:
    return CasusOut(
        id=c.id, gezin_id=c.gezin_id, melding_id=c.melding_ids[0], melding_ids=c.melding_ids,
        gemeente=c.gemeente, gi=c.gi, doelgroep=c.doelgroep, status=c.status, geopend_op=c.geopend_op,
        gesloten_op=c.gesloten_op, sluitreden=c.sluitreden, toelichting=c.toelichting,
        jeugdbeschermer=_jb(c.jeugdbeschermer), wachtend=c.wachtend,
        kinderen=[_kind(k, now) for k in c.kinderen],
        maatregelen=[MaatregelOut(**{k: v for k, v in m.__dict__.items() if k in MaatregelOut.model_fields})
                     for m in c.maatregelen],
        overdrachten=[_overdracht(o) for o in c.overdrachten],
        drang_signalen=[DrangSignaalOut(**s.__dict__) for s in c.drang_signalen])


def _webhook(w: Webhook) -> WebhookOut:
    return WebhookOut(id=w.id, gi=w.gi, url=w.url, aangemaakt_op=w.aangemaakt_op)


def _aflevering(a: Aflevering) -> AfleveringOut:
    return AfleveringOut(id=a.id, event_id=a.event_id, event_type=a.event_type, status=a.status,
                         pogingen=a.pogingen, aangemaakt_op=a.aangemaakt_op,
                         laatste_poging_op=a.laatste_poging_op,
                         volgende_poging_op=None if a.afgeleverd_op else a.volgende_poging_op,
                         laatste_fout=a.laatste_fout, afgeleverd_op=a.afgeleverd_op)


# --- cases --------------------------------------------------------------------------------------

@router.get("/casussen", response_model=CasussenPage,
            summary="The caller's GI's cases, newest first")
async def list_casussen(
    principal: Caller,
    uow=Depends(unit_of_work),
    gi: GiQuery = None,
    status: Literal["open", "gesloten"] | None = None,
    gemeente: Gemeente = None,
    wachtend: Annotated[bool | None, Query(description="Only cases where a child waits (true) or none does.")
                        ] = None,
    page_size: PageSize = 50,
    page: Page = 1,
):
    _gi(principal, gi)
    items, total = await handlers.list_casussen(uow, principal, status=status, gemeente=gemeente,
                                                wachtend=wachtend, limit=page_size,
                                                offset=(page - 1) * page_size)
    return CasussenPage(items=[_out(c, uow.clock.now()) for c in items], total=total)


@router.get("/casussen/{id}", response_model=CasusOut, responses=errors(404),
            summary="One case: children, waiting days, protector, measures, transfers, drang signals",
            description="Only the case's own GI reads it; to anyone else it does not exist (404). The "
                        "receiving GI of a pending transfer reads that transfer, with the case summary it "
                        "needs to decide, at `/casussen/{id}/overdrachten/{overdrachtId}`.")
async def get_casus(id: UUID, principal: Caller, uow=Depends(unit_of_work)):
    return _out(await handlers.get_casus(id, uow, principal), uow.clock.now())


@router.post("/casussen/{id}/jeugdbeschermer", response_model=CasusOut, responses=errors(403, 404, 409),
             summary="The case's GI assigns the fixed youth protector to every child of the case",
             description="Every child of the case gets this protector (one plan, one protector). A child "
                         "that joins the case later waits (it is on the waiting list) until the GI calls "
                         "this again; children that already have this protector are left as they are, so a "
                         "repeated call changes nothing. Another GI's case is 404, a `gi` that is not the "
                         "token's GI 403, a closed case 409.")
async def post_jeugdbeschermer(id: UUID, body: JeugdbeschermerIn, principal: Caller,
                               uow=Depends(unit_of_work)):
    _gi(principal, body.gi)
    casus = await handlers.assign_jeugdbeschermer(id, principal, body.jeugdbeschermer_id, body.naam, uow)
    return _out(casus, uow.clock.now())


@router.post("/casussen/{id}/afsluiting", response_model=CasusOut, responses=errors(403, 404, 409),
             summary="The case's GI closes the case (e.g. afschaling to the local team)")
async def post_afsluiting(id: UUID, body: AfsluitingIn, principal: Caller, uow=Depends(unit_of_work)):
    _gi(principal, body.gi)
    casus = await handlers.close_casus(id, principal, body.reden, body.toelichting, uow)
    return _out(casus, uow.clock.now())


@router.get("/wachtlijst", response_model=WachtlijstPage,
            summary="The caller's GI's children still waiting for a fixed protector, longest waiting first")
async def get_wachtlijst(principal: Caller, uow=Depends(unit_of_work), gi: GiQuery = None,
                         gemeente: Gemeente = None, page_size: PageSize = 50, page: Page = 1):
    _gi(principal, gi)
    items, total = await handlers.wachtlijst(uow, principal, gemeente=gemeente, limit=page_size,
                                             offset=(page - 1) * page_size)
    now = uow.clock.now()
    return WachtlijstPage(total=total, items=[WachtendKindOut(
        casus_id=c.id, kind_id=k.kind_id, leeftijd=k.leeftijd, gemeente=c.gemeente, gi=c.gi,
        maatregel=k.maatregel, wacht_sinds=k.wacht_sinds, wachtdagen=k.wachtdagen(now)) for c, k in items])


# --- transfers ----------------------------------------------------------------------------------

@router.post("/casussen/{id}/overdrachten", status_code=201, response_model=OverdrachtOut,
             responses=errors(404, 409),
             summary="The case's GI requests a transfer (overdracht) of the case to another GI")
async def post_overdracht(id: UUID, body: OverdrachtIn, response: Response, principal: Caller,
                          uow=Depends(unit_of_work)):
    overdracht = await handlers.request_overdracht(id, principal, body.naar_gi, body.reden, body.categorie,
                                                   uow)
    response.headers["Location"] = f"/v1/casussen/{id}/overdrachten/{overdracht.id}"
    return _overdracht(overdracht)


@router.get("/casussen/{id}/overdrachten/{overdrachtId}", response_model=OverdrachtDetailOut,
            responses=errors(404),
            summary="One transfer with the decisions of both GIs",
            description="For the sending and the receiving GI (and the case's current GI); to any other "
                        "GI it does not exist (404). While it awaits decisions it carries the case summary "
                        "both managers decide on.")
async def get_overdracht(id: UUID, overdracht_id: OverdrachtId, principal: Caller, uow=Depends(unit_of_work)):
    return _overdracht_detail(*await handlers.get_overdracht(id, overdracht_id, uow, principal))


@router.post("/casussen/{id}/overdrachten/{overdrachtId}/goedkeuringen", status_code=201,
             response_model=OverdrachtOut, responses=errors(403, 404, 409),
             summary="A manager of one of the two GIs approves for its own GI; the case moves once both have",
             description=BESLISSER + " Only a `gi_manager` of the sending or the receiving GI; one manager "
                         "never decides for both GIs.")
async def post_goedkeuring(id: UUID, overdracht_id: OverdrachtId, body: GoedkeuringIn, principal: Caller,
                           uow=Depends(unit_of_work)):
    _gi(principal, body.gi)
    return _overdracht(await handlers.approve_overdracht(id, overdracht_id, principal, uow))


@router.post("/casussen/{id}/overdrachten/{overdrachtId}/afwijzingen", status_code=201,
             response_model=OverdrachtOut, responses=errors(403, 404, 409),
             summary="A manager of one of the two GIs rejects; the transfer ends and the case stays",
             description=BESLISSER + " Only a `gi_manager` of the sending or the receiving GI.")
async def post_afwijzing(id: UUID, overdracht_id: OverdrachtId, body: AfwijzingIn, principal: Caller,
                         uow=Depends(unit_of_work)):
    _gi(principal, body.gi)
    return _overdracht(await handlers.reject_overdracht(id, overdracht_id, principal, body.reden, uow,
                                                        categorie=body.categorie))


# --- webhooks -----------------------------------------------------------------------------------

WEBHOOK_DESCRIPTION = (
    "Every case event concerning the GI (assigned, protector, transfer requested/approved/rejected/moved "
    "— to both GIs —, closed, drang overdue) is POSTed as JSON {id, type, time, subject, data}, signed as "
    "Standard Webhooks do: headers webhook-id (the event id), webhook-timestamp and webhook-signature "
    "'v1,' + base64(HMAC-SHA256(key, id.timestamp.body)), the key being the base64-decoded part of the "
    "secret after 'whsec_'. A 2xx acknowledges; anything else is tried again with exponential backoff. "
    "The secret is shown only in this response.")


@webhooks_router.post("/webhooks", status_code=201, response_model=NieuwWebhookOut,
                      summary="Register a URL of the caller's GI's system for that GI's case events",
                      description=WEBHOOK_DESCRIPTION)
async def post_webhook(body: WebhookIn, response: Response, principal: Caller, uow=Depends(unit_of_work)):
    webhook = await webhooks.register(_gi(principal, body.gi), body.url, uow)
    response.headers["Location"] = f"/v1/webhooks/{webhook.id}"
    return NieuwWebhookOut(**_webhook(webhook).model_dump(), secret=webhook.secret)


@webhooks_router.get("/webhooks", response_model=list[WebhookOut], summary="The caller's GI's webhooks")
async def list_webhooks(principal: Caller, uow=Depends(unit_of_work), gi: GiQuery = None):
    return [_webhook(w) for w in await webhooks.list_webhooks(uow, gi=_gi(principal, gi))]


@webhooks_router.get("/webhooks/{id}", response_model=WebhookOut, responses=errors(404),
                      summary="One of the caller's GI's webhooks (without its secret)")
async def get_webhook(id: UUID, principal: Caller, uow=Depends(unit_of_work)):
    return _webhook(await webhooks.get(id, uow, gi=_gi(principal)))


@webhooks_router.delete("/webhooks/{id}", status_code=204, response_class=Response,
                        responses=errors(404),
                        summary="Remove one of the caller's GI's webhooks and its pending deliveries")
async def delete_webhook(id: UUID, principal: Caller, uow=Depends(unit_of_work)):
    await webhooks.delete(id, uow, gi=_gi(principal))
    return Response(status_code=204)


@webhooks_router.get("/webhooks/{id}/afleveringen", response_model=AfleveringenPage,
                     responses=errors(404),
                     summary="Deliveries to one of the caller's GI's webhooks, newest first, with attempts "
                             "and the last error")
async def get_afleveringen(id: UUID, principal: Caller, uow=Depends(unit_of_work), page_size: PageSize = 50,
                           page: Page = 1):
    items, total = await webhooks.afleveringen(id, uow, gi=_gi(principal), limit=page_size,
                                               offset=(page - 1) * page_size)
    return AfleveringenPage(items=[_aflevering(a) for a in items], total=total)


# The processing log: register, records and chain check (role privacy), with their own tag
# (include_router would add this router's tag to them).
router.routes.extend(processing_log_api.router(REGISTER).routes)
