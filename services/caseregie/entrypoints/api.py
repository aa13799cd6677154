"""caseregie's REST API. Every operation works for the caller's GI, taken from the token: a `gi`
in a query or body may only repeat it (another GI is 403, naming the field); another GI's case,
transfer or webhook does not exist for the caller (404); lists hold only the caller's GI's items,
filtered in the query itself."""
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Response

from contracts.vocabulary import GI
from runtime import processing_log_api
from runtime.access import authenticated, own_gi
from runtime.clock import Clock
from runtime.errors import Forbidden
from runtime.fields import Page
from runtime.http import message_bus, service_clock
from runtime.identity import Principal
from runtime.messagebus import MessageBus
from services.caseregie.adapters.verwerkingsactiviteiten import REGISTER
from services.caseregie.domain.commands import (
    ApproveOverdracht,
    AssignJeugdbeschermer,
    CloseCasus,
    DeleteWebhook,
    EndUithuisplaatsing,
    ListAfleveringen,
    ListCasussen,
    ListJeugdhulp,
    ListUithuisplaatsingen,
    ListWebhooks,
    ReadCasus,
    ReadJeugdhulp,
    ReadOverdracht,
    ReadUithuisplaatsing,
    ReadWachtlijst,
    ReadWebhook,
    RecordJeugdhulp,
    RecordUithuisplaatsing,
    RegisterWebhook,
    RejectOverdracht,
    RequestOverdracht,
)
from services.caseregie.entrypoints.schemas import (
    BESLISSER,
    GI_VELD,
    AfleveringenPage,
    AfleveringOut,
    AfsluitingIn,
    AfwijzingIn,
    BeeindigingIn,
    CasusOut,
    CasussenPage,
    GoedkeuringIn,
    JeugdbeschermerIn,
    JeugdhulpIn,
    JeugdhulpOut,
    NieuwWebhookOut,
    OverdrachtDetailOut,
    OverdrachtIn,
    OverdrachtOut,
    UithuisplaatsingIn,
    UithuisplaatsingOut,
    WachtendKindOut,
    WachtlijstPage,
    WebhookIn,
    WebhookOut,
)

router = APIRouter(tags=["casussen"])
webhooks_router = APIRouter(tags=["webhooks"])

Gemeente = Annotated[str | None, Query(pattern=r"^GM\d{4}$")]
PageSize = Annotated[int, Query(alias="pageSize", ge=1, le=200)]
OverdrachtId = Annotated[UUID, Path(alias="overdrachtId")]
PlaatsingId = Annotated[UUID, Path(alias="plaatsingId")]
JeugdhulpId = Annotated[UUID, Path(alias="jeugdhulpId")]
GiQuery = Annotated[GI | None, Query(description=GI_VELD)]
Caller = Annotated[Principal, Depends(authenticated)]
Bus = Annotated[MessageBus, Depends(message_bus)]
Now = Annotated[Clock, Depends(service_clock)]  # what waiting days in a response are counted up to

_ERRORS = {403: "A `gi` that is not the token's GI, or a role that may not do this",
           404: "Not found: it does not exist, or it is another GI's case, transfer or webhook",
           409: "Conflict with the state of the case, transfer or placement"}


def errors(*codes: int) -> dict:
    """Document the problem responses of a route (nl_openapi gives them the problem schema)."""
    return {code: {"description": _ERRORS[code]} for code in codes}


def _gi(principal: Principal, requested: GI | None = None) -> GI:
    """The caller's GI (from the token); a `gi` in the request naming another GI is 403."""
    gi = own_gi(principal, requested)
    if gi is None:  # the policy lets only GI roles in; never read everything for a stranger
        raise Forbidden(f"role {principal.rol} works for no GI")
    return GI(gi)


# --- cases --------------------------------------------------------------------------------------

@router.get("/casussen", response_model=CasussenPage,
            summary="The caller's GI's cases, newest first")
async def list_casussen(
    principal: Caller,
    bus: Bus,
    clock: Now,
    gi: GiQuery = None,
    status: Literal["open", "gesloten"] | None = None,
    gemeente: Gemeente = None,
    wachtend: Annotated[bool | None, Query(description="Only cases where a child waits (true) or none does.")
                        ] = None,
    page_size: PageSize = 50,
    page: Page = 1,
):
    _gi(principal, gi)
    items, total = await bus.handle(ListCasussen(principal, status, gemeente, wachtend, limit=page_size,
                                                 offset=(page - 1) * page_size))
    return CasussenPage(items=[CasusOut.of(c, clock.now()) for c in items], total=total)


@router.get("/casussen/{id}", response_model=CasusOut, responses=errors(404),
            summary="One case: children, waiting days, protector, measures, transfers, drang signals",
            description="Only the case's own GI reads it; to anyone else it does not exist (404). The "
                        "receiving GI of a pending transfer reads that transfer, with the case summary it "
                        "needs to decide, at `/casussen/{id}/overdrachten/{overdrachtId}`.")
async def get_casus(id: UUID, principal: Caller, bus: Bus, clock: Now):
    return CasusOut.of(await bus.handle(ReadCasus(principal, id)), clock.now())


@router.post("/casussen/{id}/jeugdbeschermer", response_model=CasusOut, responses=errors(403, 404, 409),
             summary="The case's GI assigns the fixed youth protector to every child of the case",
             description="Every child of the case gets this protector (one plan, one protector). A child "
                         "that joins the case later waits (it is on the waiting list) until the GI calls "
                         "this again; children that already have this protector are left as they are, so a "
                         "repeated call changes nothing. Another GI's case is 404, a `gi` that is not the "
                         "token's GI 403, a closed case 409.")
async def post_jeugdbeschermer(id: UUID, body: JeugdbeschermerIn, principal: Caller, bus: Bus, clock: Now):
    _gi(principal, body.gi)
    casus = await bus.handle(AssignJeugdbeschermer(principal, id, body.jeugdbeschermer_id, body.naam))
    return CasusOut.of(casus, clock.now())


@router.post("/casussen/{id}/afsluiting", response_model=CasusOut, responses=errors(403, 404, 409),
             summary="The case's GI closes the case (e.g. afschaling to the local team)")
async def post_afsluiting(id: UUID, body: AfsluitingIn, principal: Caller, bus: Bus, clock: Now):
    _gi(principal, body.gi)
    casus = await bus.handle(CloseCasus(principal, id, body.reden, body.toelichting))
    return CasusOut.of(casus, clock.now())


@router.get("/wachtlijst", response_model=WachtlijstPage,
            summary="The caller's GI's children still waiting for a fixed protector, longest waiting first",
            description="While the region's escalation has the escalation plan's measure "
                        "`wachtenden_op_urgentie_en_wachtdagen` in force, urgent reports (spoed) come first, "
                        "then the longest waiting; `volgorde` says which order the page is in.")
async def get_wachtlijst(principal: Caller, bus: Bus, clock: Now, gi: GiQuery = None,
                         gemeente: Gemeente = None, page_size: PageSize = 50, page: Page = 1):
    _gi(principal, gi)
    items, total, volgorde = await bus.handle(ReadWachtlijst(principal, gemeente, limit=page_size,
                                                             offset=(page - 1) * page_size))
    now = clock.now()
    return WachtlijstPage(total=total, volgorde=volgorde, items=[WachtendKindOut(
        casus_id=c.id, kind_id=k.kind_id, leeftijd=k.leeftijd, gemeente=c.gemeente, gi=c.gi,
        maatregel=k.maatregel, urgentie=k.urgentie, wacht_sinds=k.wacht_sinds, wachtdagen=k.wachtdagen(now))
        for c, k in items])


# --- transfers ----------------------------------------------------------------------------------

@router.post("/casussen/{id}/overdrachten", status_code=201, response_model=OverdrachtOut,
             responses=errors(404, 409),
             summary="The case's GI requests a transfer (overdracht) of the case to another GI")
async def post_overdracht(id: UUID, body: OverdrachtIn, response: Response, principal: Caller, bus: Bus):
    overdracht = await bus.handle(RequestOverdracht(principal, id, body.naar_gi, body.reden, body.categorie))
    response.headers["Location"] = f"/v1/casussen/{id}/overdrachten/{overdracht.id}"
    return OverdrachtOut.of(overdracht)


@router.get("/casussen/{id}/overdrachten/{overdrachtId}", response_model=OverdrachtDetailOut,
            responses=errors(404),
            summary="One transfer with the decisions of both GIs",
            description="For the sending and the receiving GI (and the case's current GI); to any other "
                        "GI it does not exist (404). While it awaits decisions it carries the case summary "
                        "both managers decide on.")
async def get_overdracht(id: UUID, overdracht_id: OverdrachtId, principal: Caller, bus: Bus):
    return OverdrachtDetailOut.of(*await bus.handle(ReadOverdracht(principal, id, overdracht_id)))


@router.post("/casussen/{id}/overdrachten/{overdrachtId}/goedkeuringen", status_code=201,
             response_model=OverdrachtOut, responses=errors(403, 404, 409),
             summary="A manager of one of the two GIs approves for its own GI; the case moves once both have",
             description=BESLISSER + " Only a `gi_manager` of the sending or the receiving GI; one manager "
                         "never decides for both GIs.")
async def post_goedkeuring(id: UUID, overdracht_id: OverdrachtId, body: GoedkeuringIn, principal: Caller,
                           bus: Bus):
    _gi(principal, body.gi)
    return OverdrachtOut.of(await bus.handle(ApproveOverdracht(principal, id, overdracht_id)))


@router.post("/casussen/{id}/overdrachten/{overdrachtId}/afwijzingen", status_code=201,
             response_model=OverdrachtOut, responses=errors(403, 404, 409),
             summary="A manager of one of the two GIs rejects; the transfer ends and the case stays",
             description=BESLISSER + " Only a `gi_manager` of the sending or the receiving GI.")
async def post_afwijzing(id: UUID, overdracht_id: OverdrachtId, body: AfwijzingIn, principal: Caller,
                         bus: Bus):
    _gi(principal, body.gi)
    return OverdrachtOut.of(await bus.handle(RejectOverdracht(principal, id, overdracht_id, body.reden,
                                                              body.categorie)))


# --- out-of-home placements and youth care -----------------------------------------------------

NIEUW_OF_HERHAALD = ("201 with the new record; the very same record sent again (a retry: same child, kind "
                     "and dates) answers 200 with the one already recorded, and publishes nothing.")
ALS_HERHAALD = {200: {"description": "Already recorded (a retry): the record as it is."}}


@router.post("/casussen/{id}/uithuisplaatsingen", status_code=201, response_model=UithuisplaatsingOut,
             responses={**ALS_HERHAALD, **errors(403, 404, 409)},
             summary="The case's GI records an out-of-home placement of one of the case's children",
             description="Publishes uithuisplaatsing.started (and, with an einddatum, uithuisplaatsing.ended "
                         "right after it) on the cases' topic: the pseudonymous child, the kind, the network "
                         "and the dates, nothing personal. A child is in one place at a time: a placement "
                         "overlapping another of the child's is 409 (end the running one; the next may start "
                         "on the day it ended). A child that is not the case's is 400 naming `kind_id`. "
                         + NIEUW_OF_HERHAALD)
async def post_uithuisplaatsing(id: UUID, body: UithuisplaatsingIn, response: Response, principal: Caller,
                                bus: Bus):
    _gi(principal, body.gi)
    plaatsing, nieuw = await bus.handle(RecordUithuisplaatsing(
        principal, id, body.kind_id, body.vorm, body.in_netwerk, body.startdatum, body.einddatum))
    response.status_code = 201 if nieuw else 200
    response.headers["Location"] = f"/v1/casussen/{id}/uithuisplaatsingen/{plaatsing.id}"
    return UithuisplaatsingOut.of(id, plaatsing)


@router.get("/casussen/{id}/uithuisplaatsingen", response_model=list[UithuisplaatsingOut],
            responses=errors(404), summary="The placements of the case's children, by start date")
async def list_uithuisplaatsingen(id: UUID, principal: Caller, bus: Bus):
    return [UithuisplaatsingOut.of(id, p) for p in await bus.handle(ListUithuisplaatsingen(principal, id))]


@router.get("/casussen/{id}/uithuisplaatsingen/{plaatsingId}", response_model=UithuisplaatsingOut,
            responses=errors(404), summary="One placement of a child of the case")
async def get_uithuisplaatsing(id: UUID, plaatsing_id: PlaatsingId, principal: Caller, bus: Bus):
    return UithuisplaatsingOut.of(id, await bus.handle(ReadUithuisplaatsing(principal, id, plaatsing_id)))


@router.post("/casussen/{id}/uithuisplaatsingen/{plaatsingId}/beeindiging",
             response_model=UithuisplaatsingOut, responses=errors(403, 404, 409),
             summary="The case's GI records the end of a running placement",
             description="Publishes uithuisplaatsing.ended. Ending it again on the same day (a retry) "
                         "answers the placement as it is and publishes nothing; a placement that already "
                         "ended on another day is 409.")
async def post_beeindiging(id: UUID, plaatsing_id: PlaatsingId, body: BeeindigingIn, principal: Caller,
                           bus: Bus):
    _gi(principal, body.gi)
    plaatsing = await bus.handle(EndUithuisplaatsing(principal, id, plaatsing_id, body.einddatum))
    return UithuisplaatsingOut.of(id, plaatsing)


@router.post("/casussen/{id}/jeugdhulptrajecten", status_code=201, response_model=JeugdhulpOut,
             responses={**ALS_HERHAALD, **errors(403, 404, 409)},
             summary="The case's GI records that youth care started for one of the case's children",
             description="Publishes jeugdhulp.started on the cases' topic (the pseudonymous child, the kind "
                         "and the date). A child that is not the case's is 400 naming `kind_id`. "
                         + NIEUW_OF_HERHAALD)
async def post_jeugdhulp(id: UUID, body: JeugdhulpIn, response: Response, principal: Caller, bus: Bus):
    _gi(principal, body.gi)
    jeugdhulp, nieuw = await bus.handle(RecordJeugdhulp(principal, id, body.kind_id, body.vorm,
                                                        body.startdatum))
    response.status_code = 201 if nieuw else 200
    response.headers["Location"] = f"/v1/casussen/{id}/jeugdhulptrajecten/{jeugdhulp.id}"
    return JeugdhulpOut.of(id, jeugdhulp)


@router.get("/casussen/{id}/jeugdhulptrajecten", response_model=list[JeugdhulpOut], responses=errors(404),
            summary="The youth care started for the case's children, by start date")
async def list_jeugdhulp(id: UUID, principal: Caller, bus: Bus):
    return [JeugdhulpOut.of(id, j) for j in await bus.handle(ListJeugdhulp(principal, id))]


@router.get("/casussen/{id}/jeugdhulptrajecten/{jeugdhulpId}", response_model=JeugdhulpOut,
            responses=errors(404), summary="One start of youth care of a child of the case")
async def get_jeugdhulp(id: UUID, jeugdhulp_id: JeugdhulpId, principal: Caller, bus: Bus):
    return JeugdhulpOut.of(id, await bus.handle(ReadJeugdhulp(principal, id, jeugdhulp_id)))


# --- webhooks -----------------------------------------------------------------------------------

WEBHOOK_DESCRIPTION = (
    "Every case event concerning the GI (assigned, protector, transfer requested/approved/rejected/moved "
    "— to both GIs —, closed, drang overdue, placement started/ended, youth care started) is POSTed as "
    "JSON {id, type, time, subject, data}, signed as Standard Webhooks do: headers webhook-id (the event "
    "id), webhook-timestamp and webhook-signature "
    "'v1,' + base64(HMAC-SHA256(key, id.timestamp.body)), the key being the base64-decoded part of the "
    "secret after 'whsec_'. A 2xx acknowledges; anything else is tried again with exponential backoff. "
    "The secret is shown only in this response.")


@webhooks_router.post("/webhooks", status_code=201, response_model=NieuwWebhookOut,
                      summary="Register a URL of the caller's GI's system for that GI's case events",
                      description=WEBHOOK_DESCRIPTION)
async def post_webhook(body: WebhookIn, response: Response, principal: Caller, bus: Bus):
    webhook = await bus.handle(RegisterWebhook(_gi(principal, body.gi), body.url))
    response.headers["Location"] = f"/v1/webhooks/{webhook.id}"
    return NieuwWebhookOut.of(webhook)


@webhooks_router.get("/webhooks", response_model=list[WebhookOut], summary="The caller's GI's webhooks")
async def list_webhooks(principal: Caller, bus: Bus, gi: GiQuery = None):
    return [WebhookOut.of(w) for w in await bus.handle(ListWebhooks(_gi(principal, gi)))]


@webhooks_router.get("/webhooks/{id}", response_model=WebhookOut, responses=errors(404),
                      summary="One of the caller's GI's webhooks (without its secret)")
async def get_webhook(id: UUID, principal: Caller, bus: Bus):
    return WebhookOut.of(await bus.handle(ReadWebhook(_gi(principal), id)))


@webhooks_router.delete("/webhooks/{id}", status_code=204, response_class=Response,
                        responses=errors(404),
                        summary="Remove one of the caller's GI's webhooks and its pending deliveries")
async def delete_webhook(id: UUID, principal: Caller, bus: Bus):
    await bus.handle(DeleteWebhook(_gi(principal), id))
    return Response(status_code=204)


@webhooks_router.get("/webhooks/{id}/afleveringen", response_model=AfleveringenPage,
                     responses=errors(404),
                     summary="Deliveries to one of the caller's GI's webhooks, newest first, with attempts "
                             "and the last error")
async def get_afleveringen(id: UUID, principal: Caller, bus: Bus, page_size: PageSize = 50, page: Page = 1):
    items, total = await bus.handle(ListAfleveringen(_gi(principal), id, limit=page_size,
                                                     offset=(page - 1) * page_size))
    return AfleveringenPage(items=[AfleveringOut.of(a) for a in items], total=total)


# The processing log: register, records and chain check (role privacy), with their own tag
# (include_router would add this router's tag to them).
router.routes.extend(processing_log_api.router(REGISTER).routes)
