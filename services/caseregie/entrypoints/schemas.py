"""Request and response bodies of the caseregie API."""
from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from contracts.vocabulary import (
    GI,
    AfwijzingReden,
    Jeugdhulpvorm,
    Maatregel,
    OverdrachtReden,
    Plaatsingsvorm,
    Sluitreden,
    Urgentie,
)
from runtime.fields import Line, Text
from services.caseregie.domain.model import AANGEVRAAGD, Besluit, Casus, CasusKind, Overdracht
from services.caseregie.domain.plaatsingen import Jeugdhulp, Uithuisplaatsing
from services.caseregie.domain.webhooks import Aflevering, Webhook
from services.caseregie.settings import DRANG_CHECK_INTERVAL_S

GI_VELD = ("Optional: the token decides for which GI the caller acts. When given, it must be the "
           "token's own GI (another GI is 403).")


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


DATUMS = ("Dates are the region's calendar days (Europe/Amsterdam): never in the future, never before "
          "the case's measures began; a closed case takes history up to its closing day only.")
KIND_ID = "The pseudonymous id of one of the case's children (as the case shows it)."


class UithuisplaatsingIn(BaseModel):
    """No name, address or free text: the placement's kind, network and dates are all it holds."""

    model_config = ConfigDict(extra="forbid")

    gi: GI | None = Field(default=None, description=GI_VELD)
    kind_id: UUID = Field(description=KIND_ID)
    vorm: Plaatsingsvorm
    in_netwerk: bool = Field(description="Placed within the family's own network (beweging van nul): "
                                         "always true for netwerkpleegzorg, never for bestandspleegzorg.")
    startdatum: date = Field(description="The day the child was placed. " + DATUMS)
    einddatum: date | None = Field(default=None, description=(
        "Only for a placement that has already ended: the day the child left (on or after startdatum). "
        "Required on a closed case."))


class BeeindigingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    gi: GI | None = Field(default=None, description=GI_VELD)
    einddatum: date = Field(description="The day the child left the placement (went home, or moved on "
                                        "to its next placement, which may start that same day). " + DATUMS)


class JeugdhulpIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    gi: GI | None = Field(default=None, description=GI_VELD)
    kind_id: UUID = Field(description=KIND_ID)
    vorm: Jeugdhulpvorm
    startdatum: date = Field(description="The day the youth care started. " + DATUMS)


# --- views --------------------------------------------------------------------------------------

MANAGER = ("Who decided: the subject (`sub`) of the manager's token (for decisions recorded before "
           "tokens, the name given then).")
MANAGER_NAAM = "The name the manager's token gave (`naam`), if any."


class GoedkeuringOut(BaseModel):
    gi: GI = Field(description="The GI whose manager approved.")
    manager: str = Field(description=MANAGER)
    manager_naam: str | None = Field(description=MANAGER_NAAM)
    goedgekeurd_op: datetime

    @classmethod
    def of(cls, b: Besluit) -> "GoedkeuringOut":
        return cls(gi=b.gi, manager=b.manager, manager_naam=b.manager_naam, goedgekeurd_op=b.besloten_op)


class AfwijzingOut(BaseModel):
    gi: GI = Field(description="The GI whose manager rejected.")
    manager: str = Field(description=MANAGER)
    manager_naam: str | None = Field(description=MANAGER_NAAM)
    reden: str
    categorie: AfwijzingReden | None = Field(description="The rejection's reason category.")
    afgewezen_op: datetime

    @classmethod
    def of(cls, b: Besluit) -> "AfwijzingOut":
        return cls(gi=b.gi, manager=b.manager, manager_naam=b.manager_naam, reden=b.reden,
                   categorie=b.categorie, afgewezen_op=b.besloten_op)


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

    @classmethod
    def of(cls, o: Overdracht) -> "OverdrachtOut":
        return cls(
            id=o.id, casus_id=o.casus_id, van_gi=o.van_gi, naar_gi=o.naar_gi, reden=o.reden,
            categorie=o.categorie, status=o.status, aangevraagd_op=o.aangevraagd_op,
            afgerond_op=o.afgerond_op,
            goedkeuringen=[GoedkeuringOut.of(b) for b in o.goedkeuringen],
            afwijzing=AfwijzingOut.of(o.afwijzing) if o.afwijzing else None)


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

    @classmethod
    def of(cls, o: Overdracht, c: Casus) -> "OverdrachtDetailOut":
        samenvatting = OverdrachtCasusOut(
            gemeente=c.gemeente, gi=c.gi, doelgroep=c.doelgroep,
            kinderen=[OverdrachtKindOut(leeftijd=k.leeftijd, maatregel=k.maatregel,
                                        maatregel_start=k.maatregel_start) for k in c.kinderen],
        ) if o.status == AANGEVRAAGD else None
        return cls(**OverdrachtOut.of(o).model_dump(), casus=samenvatting)


class JeugdbeschermerOut(BaseModel):
    id: str
    naam: str
    toegewezen_op: datetime


def _jeugdbeschermer(jb) -> JeugdbeschermerOut | None:
    return JeugdbeschermerOut(**jb.__dict__) if jb else None


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

    @classmethod
    def of(cls, k: CasusKind, now: datetime) -> "KindOut":
        return cls(kind_id=k.kind_id, leeftijd=k.leeftijd, melding_id=k.melding_id, maatregel=k.maatregel,
                   maatregel_start=k.maatregel_start, wacht_sinds=k.wacht_sinds, wachtend=k.wachtend,
                   wachtdagen=k.wachtdagen(now), jeugdbeschermer=_jeugdbeschermer(k.jeugdbeschermer))


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

    @classmethod
    def of(cls, c: Casus, now: datetime) -> "CasusOut":
        return cls(
            id=c.id, gezin_id=c.gezin_id, melding_id=c.melding_ids[0], melding_ids=c.melding_ids,
            gemeente=c.gemeente, gi=c.gi, doelgroep=c.doelgroep, status=c.status, geopend_op=c.geopend_op,
            gesloten_op=c.gesloten_op, sluitreden=c.sluitreden, toelichting=c.toelichting,
            jeugdbeschermer=_jeugdbeschermer(c.jeugdbeschermer), wachtend=c.wachtend,
            kinderen=[KindOut.of(k, now) for k in c.kinderen],
            maatregelen=[MaatregelOut(**{k: v for k, v in m.__dict__.items()
                                         if k in MaatregelOut.model_fields})
                         for m in c.maatregelen],
            overdrachten=[OverdrachtOut.of(o) for o in c.overdrachten],
            drang_signalen=[DrangSignaalOut(**s.__dict__) for s in c.drang_signalen])


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
    urgentie: Urgentie | None = Field(description="The report's urgency, as the RvdK's advice carried it "
                                                  "(null for cases recorded before caseregie read it).")
    wacht_sinds: datetime
    wachtdagen: int


class WachtlijstPage(BaseModel):
    items: list[WachtendKindOut]
    total: int
    volgorde: Literal["wachtdagen", "urgentie_en_wachtdagen"] = Field(
        description="Longest waiting first, or (the escalation plan's measure in force) urgent first, "
                    "then longest waiting.")


class WebhookOut(BaseModel):
    id: UUID
    gi: GI
    url: str
    aangemaakt_op: datetime

    @classmethod
    def of(cls, w: Webhook) -> "WebhookOut":
        return cls(id=w.id, gi=w.gi, url=w.url, aangemaakt_op=w.aangemaakt_op)


class NieuwWebhookOut(WebhookOut):
    secret: str = Field(description="Signing secret (Standard Webhooks, 'whsec_...'); shown only now.")

    @classmethod
    def of(cls, w: Webhook) -> "NieuwWebhookOut":
        return cls(**WebhookOut.of(w).model_dump(), secret=w.secret)


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

    @classmethod
    def of(cls, a: Aflevering) -> "AfleveringOut":
        return cls(id=a.id, event_id=a.event_id, event_type=a.event_type, status=a.status,
                   pogingen=a.pogingen, aangemaakt_op=a.aangemaakt_op, laatste_poging_op=a.laatste_poging_op,
                   volgende_poging_op=None if a.afgeleverd_op else a.volgende_poging_op,
                   laatste_fout=a.laatste_fout, afgeleverd_op=a.afgeleverd_op)


class AfleveringenPage(BaseModel):
    items: list[AfleveringOut]
    total: int


class UithuisplaatsingOut(BaseModel):
    id: UUID
    casus_id: UUID
    kind_id: UUID
    vorm: Plaatsingsvorm
    in_netwerk: bool
    startdatum: date
    einddatum: date | None = Field(description="The day the child left; null while the placement runs.")
    lopend: bool = Field(description="True while the placement runs (no einddatum).")
    geregistreerd_op: datetime = Field(description="When the GI recorded the placement.")
    beeindigd_op: datetime | None = Field(description="When the GI recorded its end.")

    @classmethod
    def of(cls, casus_id: UUID, p: Uithuisplaatsing) -> "UithuisplaatsingOut":
        return cls(id=p.id, casus_id=casus_id, kind_id=p.kind_id, vorm=p.vorm, in_netwerk=p.in_netwerk,
                   startdatum=p.startdatum, einddatum=p.einddatum, lopend=p.lopend,
                   geregistreerd_op=p.geregistreerd_op, beeindigd_op=p.beeindigd_op)


class JeugdhulpOut(BaseModel):
    id: UUID
    casus_id: UUID
    kind_id: UUID
    vorm: Jeugdhulpvorm
    startdatum: date
    geregistreerd_op: datetime = Field(description="When the GI recorded the start.")

    @classmethod
    def of(cls, casus_id: UUID, j: Jeugdhulp) -> "JeugdhulpOut":
        return cls(id=j.id, casus_id=casus_id, kind_id=j.kind_id, vorm=j.vorm, startdatum=j.startdatum,
                   geregistreerd_op=j.geregistreerd_op)
