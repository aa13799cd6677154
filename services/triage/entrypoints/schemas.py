"""Request and response bodies of the triage API."""
from collections.abc import Iterable
from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from contracts.escalatiedrempels import Drempels
from contracts.events import Kind
from contracts.vocabulary import (
    GI,
    AfwijkingReden,
    ConsultatieCategorie,
    Kader,
    Maatregel,
    RegelsetAfwijzingReden,
    Urgentie,
)
from runtime.fields import Datum, Text
from services.triage.adapters.regelsets import Versie
from services.triage.domain.consultatie import KWARTIER, MAX_UREN, Consultatie, Verdeling
from services.triage.domain.escalatie import RegioEscalatie
from services.triage.domain.model import Advies, AdviesStatus
from services.triage.domain.regelsetschema import regelset_schema
from services.triage.domain.regelsetvoorstel import (
    Beslissing,
    Expertisewijziging,
    Regelsetvoorstel,
    Regelwijziging,
    Veldwijziging,
    Verschil,
    VoorstelStatus,
)
from services.triage.domain.simulatie import AANNAMES, Cijfers, Simulatie


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class BevestigingIn(Strict):
    toelichting: Text(2000) | None = Field(default=None,
                                          description="Optional note of the RvdK, kept with the advice.")


class AfwijkingIn(Strict):
    gi: GI = Field(description="The GI the RvdK advises instead of the proposed one.")
    reden: Text(2000, min_length=1) = Field(
        description="Why the RvdK overrides the proposal, in its own words: kept in triage, never in an "
                    "event (events carry `categorie`).")
    categorie: AfwijkingReden = Field(
        default=AfwijkingReden.OVERIG,
        description="The override's reason category ('overig' when left out); the events carry it.")


class MaatregelIn(Strict):
    maatregel: Maatregel = Field(description="OTS, voogdij or JR (court), or drang (JB-plein, no court).")
    startdatum: Datum = Field(description="Start of the measure; at most a year ahead.")
    gi: GI | None = Field(default=None, description="The GI that runs it; default: the advised GI.")
    raadsonderzoek: bool | None = Field(
        default=None, description="Whether the RvdK investigated; default true, false for drang.")


class RangOut(BaseModel):
    positie: int
    gi: GI
    geschikt: bool = Field(description="Has the required expertise (every GI in a grey area).")
    vrije_plaatsen: int | None = Field(description="Free slots as last signalled; null if unknown.")
    reden: str


class MaatregelOut(BaseModel):
    id: UUID
    maatregel: Maatregel
    route: str = Field(description="'rechtbank' (court ruling) or 'jb_plein' (drang, no court).")
    raadsonderzoek: bool
    startdatum: date
    gi: GI
    opgelegd_op: datetime


class AdviesOut(BaseModel):
    id: UUID
    melding_id: UUID
    gemeente: str
    urgentie: Urgentie | None
    kader: Kader | None
    kinderen: list[Kind]
    doelgroep: str
    expertise: str | None = Field(description="Expertise the target group needs; null in a grey area.")
    regel: str
    regelset_versie: str
    toelichting: str = Field(description="Explanation of the target-group rule that fired.")
    rangorde: list[RangOut] = Field(description="All GIs: expertise first, then free capacity.")
    voorgestelde_gi: GI
    reden: str = Field(description="Why the proposal ranks its GI first.")
    status: AdviesStatus
    gi: GI | None = Field(description="The GI advised to the court, once confirmed or overridden.")
    afwijking: bool
    afwijking_reden: str | None
    afwijking_categorie: AfwijkingReden | None = Field(description="The override's reason category.")
    rvdk_toelichting: str | None
    bevestigd_door: str | None = Field(description="'rvdk', or 'automatisch' in auto-confirm mode.")
    voorgesteld_op: datetime
    geadviseerd_op: datetime | None
    maatregel: MaatregelOut | None

    @classmethod
    def of(cls, a: Advies) -> "AdviesOut":
        return cls(**{**a.__dict__, "kinderen": [k.__dict__ for k in a.kinderen],
                      "rangorde": [r.__dict__ for r in a.rangorde],
                      "maatregel": a.maatregel.__dict__ if a.maatregel else None})


class AdviezenPage(BaseModel):
    items: list[AdviesOut]
    total: int


class RegelsetVersieOut(BaseModel):
    versie: str
    geldig_vanaf: date | None
    omschrijving: str
    regels: int = Field(description="Number of rules.")
    actief: bool = Field(description="This version decides new reports: the newest proposal all three GIs "
                                     "approved, unless a shipped file has a higher version.")
    herkomst: str = Field(description="'bestand': shipped with the code (the baseline); 'voorstel': a "
                                      "proposal the managers of all three GIs approved.")
    voorstel_id: UUID | None = Field(description="The proposal it was (null for a file).")
    geactiveerd_op: datetime | None = Field(description="When the third GI approved it (null for a file).")

    @classmethod
    def of(cls, v: Versie, actieve_versie: str) -> "RegelsetVersieOut":
        r = v.regelset
        return cls(versie=r.versie, geldig_vanaf=r.geldig_vanaf or None, omschrijving=r.omschrijving,
                   regels=len(r.regels), actief=r.versie == actieve_versie,
                   herkomst="bestand" if v.voorstel_id is None else "voorstel", voorstel_id=v.voorstel_id,
                   geactiveerd_op=v.geactiveerd_op)


# --- proposed versions of the target-group rules -------------------------------------------------

GI_VELD = ("Optional: the token decides for which GI the manager decides. When given, it must be the "
           "token's own GI (another GI is 403).")
BESLISSER = ("The manager is the caller: the decision is recorded with the token's subject (`sub`) and name "
             "(`naam`) for the token's GI; a body never names a manager (unknown fields are refused).")


class RegelsetGoedkeuringIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"description": BESLISSER})

    gi: GI | None = Field(default=None, description=GI_VELD)


class RegelsetAfwijzingIn(Strict):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True,
                              json_schema_extra={"description": BESLISSER})

    gi: GI | None = Field(default=None, description=GI_VELD)
    categorie: RegelsetAfwijzingReden = Field(
        default=RegelsetAfwijzingReden.OVERIG,
        description="The rejection's reason category ('overig' when left out); the event carries it.")
    toelichting: Text(2000) | None = Field(
        default=None, description="Why, in the manager's own words: kept in triage, never in an event.")


class VeldwijzigingOut(BaseModel):
    veld: str = Field(description="doelgroep, expertise, als, toelichting or positie (a rule's place, when "
                                  "its order among the rules both versions have changed); omschrijving or "
                                  "geldig_vanaf for the ruleset itself.")
    oud: Any = Field(description="The value in the active version; null: not there (an added rule).")
    nieuw: Any = Field(description="The value in the proposal; null: not there any more (a removed rule).")

    @classmethod
    def of(cls, v: Veldwijziging) -> "VeldwijzigingOut":
        return cls(veld=v.veld, oud=v.oud, nieuw=v.nieuw)


class RegelwijzigingOut(BaseModel):
    regel: str = Field(description="The rule's id.")
    wijziging: str = Field(description="'toegevoegd', 'verwijderd' or 'gewijzigd'.")
    positie_oud: int | None = Field(description="Its place in the active version (1: first); null if added.")
    positie_nieuw: int | None = Field(description="Its place in the proposal; null if removed.")
    velden: list[VeldwijzigingOut] = Field(description="The fields that differ (all of them for an added or "
                                                       "removed rule).")

    @classmethod
    def of(cls, r: Regelwijziging) -> "RegelwijzigingOut":
        return cls(regel=r.regel, wijziging=r.wijziging, positie_oud=r.positie_oud,
                   positie_nieuw=r.positie_nieuw, velden=[VeldwijzigingOut.of(v) for v in r.velden])


class ExpertisewijzigingOut(BaseModel):
    expertise: str
    wijziging: str = Field(description="'toegevoegd', 'verwijderd' or 'gewijzigd' (held by other GIs).")
    oud: list[GI] | None = Field(description="The GIs that have it in the active version's factsheet.")
    nieuw: list[GI] | None = Field(description="The GIs that have it in the proposal's factsheet.")

    @classmethod
    def of(cls, e: Expertisewijziging) -> "ExpertisewijzigingOut":
        return cls(expertise=e.expertise, wijziging=e.wijziging, oud=e.oud and list(e.oud),
                   nieuw=e.nieuw and list(e.nieuw))


class VerschilOut(BaseModel):
    basis_versie: str = Field(description="The version the proposal changes: the active one when proposed.")
    regels: list[RegelwijzigingOut] = Field(description="Rule by rule, in the proposal's order; removed "
                                                        "rules last. Rules that did not change are left out.")
    expertises: list[ExpertisewijzigingOut] = Field(description="The factsheet's changes.")
    velden: list[VeldwijzigingOut] = Field(description="omschrijving and geldig_vanaf, when they changed.")

    @classmethod
    def of(cls, v: Verschil) -> "VerschilOut":
        return cls(basis_versie=v.basis_versie, regels=[RegelwijzigingOut.of(r) for r in v.regels],
                   expertises=[ExpertisewijzigingOut.of(e) for e in v.expertises],
                   velden=[VeldwijzigingOut.of(f) for f in v.velden])


class GoedkeuringOut(BaseModel):
    gi: GI
    manager: str = Field(description="The approving manager: the token's subject (`sub`).")
    manager_naam: str | None = Field(description="The name the manager's token gave, if any.")
    goedgekeurd_op: datetime

    @classmethod
    def of(cls, b: Beslissing) -> "GoedkeuringOut":
        return cls(gi=b.gi, manager=b.manager, manager_naam=b.manager_naam, goedgekeurd_op=b.besloten_op)


class RegelsetAfwijzingOut(BaseModel):
    gi: GI
    manager: str = Field(description="The rejecting manager: the token's subject (`sub`).")
    manager_naam: str | None = Field(description="The name the manager's token gave, if any.")
    categorie: RegelsetAfwijzingReden
    toelichting: str | None
    afgewezen_op: datetime

    @classmethod
    def of(cls, b: Beslissing) -> "RegelsetAfwijzingOut":
        return cls(gi=b.gi, manager=b.manager, manager_naam=b.manager_naam, categorie=b.categorie,
                   toelichting=b.toelichting, afgewezen_op=b.besloten_op)


class SimulatieLink(BaseModel):
    id: UUID
    href: str = Field(description="GET it for the result (`Accept: text/html`: the page with the chart).")


class RegelsetvoorstelOut(BaseModel):
    id: UUID
    versie: str
    basis_versie: str = Field(description="The active version when it was proposed: what it changes.")
    status: VoorstelStatus = Field(description="'open' (waiting for the GIs), 'geactiveerd' (all three "
                                               "approved: it took effect at `geactiveerd_op`), 'afgewezen' "
                                               "(one GI rejected) or 'vervallen' (another version took "
                                               "effect first; propose again against it).")
    geldig_vanaf: date
    omschrijving: str
    voorgesteld_door: GI = Field(description="The GI whose manager proposed it.")
    indiener: str = Field(description="The proposing manager: the token's subject (`sub`).")
    indiener_naam: str | None
    voorgesteld_op: datetime
    verschil: VerschilOut = Field(description="The difference from the version it changes, rule by rule.")
    goedkeuringen: list[GoedkeuringOut] = Field(description="In the order the GIs approved.")
    ontbrekend: list[GI] = Field(description="The GIs whose approval it still needs (while open).")
    afwijzing: RegelsetAfwijzingOut | None
    geactiveerd_op: datetime | None = Field(description="When the third GI approved: from then on it decided "
                                                        "every new report.")
    afgesloten_op: datetime | None = Field(description="When it was activated, rejected or superseded.")
    regelset: dict[str, Any] = Field(description="The ruleset as proposed (its schema: "
                                                 "GET /v1/doelgroepenbepaling/schema).")
    simulaties: list[SimulatieLink] = Field(
        default_factory=list, description="The what-if simulations run for it (POST /v1/simulaties with "
                                          "its `voorstel_id`), oldest first; only in GET of the proposal.")

    @classmethod
    def of(cls, v: Regelsetvoorstel, simulaties: Iterable[UUID] = ()) -> "RegelsetvoorstelOut":
        afwijzing = v.afwijzing
        return cls(
            id=v.id, versie=v.versie, basis_versie=v.basis_versie, status=v.status,
            geldig_vanaf=v.regelset.geldig_vanaf, omschrijving=v.regelset.omschrijving,
            voorgesteld_door=v.voorgesteld_door, indiener=v.indiener, indiener_naam=v.indiener_naam,
            voorgesteld_op=v.voorgesteld_op, verschil=VerschilOut.of(v.verschil),
            goedkeuringen=[GoedkeuringOut.of(b) for b in v.besluiten if b is not afwijzing],
            ontbrekend=v.ontbrekend, afwijzing=RegelsetAfwijzingOut.of(afwijzing) if afwijzing else None,
            geactiveerd_op=v.geactiveerd_op, afgesloten_op=v.afgesloten_op, regelset=v.bron,
            simulaties=[SimulatieLink(id=i, href=f"/v1/simulaties/{i}") for i in simulaties])


class RegelsetvoorstellenPage(BaseModel):
    items: list[RegelsetvoorstelOut]
    total: int


class Beschikbaarheid(BaseModel):
    gi: GI
    vrije_plaatsen: int
    tijdstip: datetime


class RegioEscalatieOut(BaseModel):
    escalatie_id: UUID = Field(description="The escalation at capacity: GET /v1/escalaties/{id} there.")
    niveau: int
    escalatieplan_versie: str | None
    maatregelen: list[str] = Field(description="The plan's measures in force at its level.")
    grijs_gebied_maatregel: bool = Field(
        description="Whether triage applies `grijs_gebied_meeste_vrije_plaatsen` now: grey-area proposals "
                    "to the GI with the most free places, a GI without a figure last (the latest raised "
                    "escalation with the measure decides).")
    sinds: datetime = Field(description="When its current level was raised.")

    @classmethod
    def of(cls, e: RegioEscalatie, in_werking: RegioEscalatie | None) -> "RegioEscalatieOut":
        return cls(escalatie_id=e.escalatie_id, niveau=e.niveau, escalatieplan_versie=e.escalatieplan_versie,
                   maatregelen=list(e.maatregelen), grijs_gebied_maatregel=in_werking is e, sinds=e.tijdstip)


# --- consultation & advice (C&A) -----------------------------------------------------------------

GEMEENTECODE = r"^GM\d{4}$"


class ConsultatieIn(Strict):
    """Codes and a pseudonym only: no field for free text, and no other field is accepted."""

    gemeente: str = Field(pattern=GEMEENTECODE, description="CBS code of the local team's own municipality.")
    categorie: ConsultatieCategorie = Field(
        description="The question's category. Where the factsheet (the expertise table of the active "
                    "target-group ruleset) names an expertise of the same code, a GI with that expertise "
                    "answers; otherwise the GI furthest below its agreed share of the year's C&A hours.")
    gezin_id: UUID | None = Field(default=None, description="Pseudonymous id of the family, if known "
                                  "(the `gezin_id` intake gave the family); never a name or a BSN.")


class UrenIn(Strict):
    uren: float = Field(gt=0, le=MAX_UREN, multiple_of=KWARTIER,
                        description="Hours spent on one day, in quarters of an hour (0.25 to 24).")
    datum: Datum = Field(description="The day the hours were spent: not before the request, not in the "
                                     "future. The hours count in this day's year.")


class UrenregistratieOut(BaseModel):
    id: UUID
    uren: float
    datum: date
    geregistreerd_op: datetime


class ConsultatieOut(BaseModel):
    id: UUID
    gemeente: str
    categorie: ConsultatieCategorie
    gezin_id: UUID | None = Field(description="The family's pseudonymous id; null when none was given, after "
                                              "the retention term, and for the region.")
    gi: GI = Field(description="The GI the question went to.")
    expertise: str | None = Field(description="The factsheet's expertise that decided; null: the shares did.")
    reden: str = Field(description="Why this GI, generated (no personal data).")
    regelset_versie: str = Field(description="The ruleset whose factsheet was read.")
    aangevraagd_op: datetime
    uren: float = Field(description="All hours recorded on it.")
    registraties: list[UrenregistratieOut]

    @classmethod
    def of(cls, c: Consultatie, toont_gezin: bool = True) -> "ConsultatieOut":
        return cls(id=c.id, gemeente=c.gemeente, categorie=c.categorie,
                   gezin_id=c.gezin_id if toont_gezin else None, gi=c.gi, expertise=c.expertise,
                   reden=c.reden, regelset_versie=c.regelset_versie, aangevraagd_op=c.aangevraagd_op,
                   uren=c.uren, registraties=[r.__dict__ for r in c.registraties])


class ConsultatiesPage(BaseModel):
    items: list[ConsultatieOut]
    total: int


class VerdelingGiOut(BaseModel):
    gi: GI
    afgesproken_aandeel: float | None = Field(description="The region's agreed share of the year's hours "
                                                          "(null: none agreed for that year).")
    uren: float = Field(description="The GI's C&A hours of the year (by the day they were spent).")
    aandeel: float | None = Field(description="Its share of all GIs' hours of the year; null without hours.")
    tekort_uren: float = Field(description="afgesproken_aandeel x totaal_uren - uren: how far below its "
                                           "share (negative: above it). The largest gets the next question "
                                           "the factsheet names no expertise for.")
    aanvragen: int = Field(description="Requests routed to it in the year (by the day asked).")


class VerdelingOut(BaseModel):
    jaar: int
    totaal_uren: float
    gis: list[VerdelingGiOut]

    @classmethod
    def of(cls, v: Verdeling) -> "VerdelingOut":
        totaal = sum(s.uren for s in v.standen)
        return cls(jaar=v.jaar, totaal_uren=totaal, gis=[VerdelingGiOut(
            gi=s.gi, afgesproken_aandeel=s.afgesproken_aandeel if v.aandelen_bekend else None, uren=s.uren,
            aandeel=round(s.uren / totaal, 4) if totaal else None, tekort_uren=s.tekort,
            aanvragen=v.aanvragen.get(s.gi, 0)) for s in v.standen])


# --- the what-if simulation ---------------------------------------------------------------------


class PeriodeIn(Strict):
    van: date = Field(description="The first day (the region's calendar).")
    tot: date = Field(description="The last day, inclusive; before today.")


class BezettingswijzigingIn(Strict):
    jeugdbeschermers_erbij: int = Field(default=0, ge=-1000, le=1000,
                                        description="Youth protectors more (negative: fewer) than the GI "
                                                    "really reported, throughout the period.")
    caseload_norm: int | None = Field(default=None, ge=1, le=100,
                                      description="Another caseload norm throughout the period.")


class DrempelsIn(Strict):
    """The region's escalation thresholds (default: the agreed ones, contracts/escalatiedrempels.py)."""

    wachtend_max: int = Field(default=Drempels.wachtend_max, ge=0, le=1_000_000)
    wachtdagen_max: int = Field(default=Drempels.wachtdagen_max, ge=0, le=1_000_000)
    marge_wachtend: int = Field(default=Drempels.marge_wachtend, ge=0, le=1_000_000)
    marge_wachtdagen: int = Field(default=Drempels.marge_wachtdagen, ge=0, le=1_000_000)
    herstel_vrije_plaatsen: int = Field(default=Drempels.herstel_vrije_plaatsen, ge=0, le=1_000_000)


class BezettingIn(Strict):
    """Changed staffing per GI (a GI not named keeps its real staffing)."""

    JBRR: BezettingswijzigingIn | None = None
    WSS: BezettingswijzigingIn | None = None
    LJR: BezettingswijzigingIn | None = None

    def per_gi(self) -> dict[GI, BezettingswijzigingIn]:
        return {gi: w for gi in GI if (w := getattr(self, gi.value)) is not None}


# A ruleset in a body as documented: the ruleset's own JSON Schema (the service checks it with
# Regelset.from_dict); a proposal's body, and a simulation's candidate.
REGELSET_BODY = {k: v for k, v in regelset_schema().items() if not k.startswith("$")}
KANDIDAAT = WithJsonSchema({"anyOf": [REGELSET_BODY, {"type": "null"}]})


class SimulatieIn(Strict):
    periode: PeriodeIn
    regelset: Annotated[dict[str, Any] | None, KANDIDAAT] = Field(
        default=None, description="A candidate ruleset, complete (its schema: GET /v1/doelgroepenbepaling/"
                                  "schema); without it and without `voorstel_id`: the active version.")
    voorstel_id: UUID | None = Field(default=None, description="Replay a ruleset proposal's version; the "
                                                               "proposal lists the simulations run for it.")
    bezetting: BezettingIn = Field(default_factory=BezettingIn)
    drempels: DrempelsIn | None = None


class CijfersOut(BaseModel):
    toegewezen: int = Field(description="Children assigned to the GI in the month.")
    grijs_gebied: int = Field(description="Of them, children whose report fell in the grey area.")
    grijs_gebied_aandeel: float | None = Field(description="grijs_gebied / toegewezen (null: none assigned).")
    vrije_plaatsen: int | None = Field(description="Free places at the month's end (null: no figure).")
    wachtend: int | None = Field(description="Children waiting for a fixed protector at the month's end.")
    wachtdagen: int = Field(description="Calendar days the GI's children waited within the month.")

    @classmethod
    def of(cls, c: Cijfers) -> "CijfersOut":
        aandeel = round(c.grijs_gebied / c.toegewezen, 4) if c.toegewezen else None
        return cls(toegewezen=c.toegewezen, grijs_gebied=c.grijs_gebied, grijs_gebied_aandeel=aandeel,
                   vrije_plaatsen=c.vrije_plaatsen, wachtend=c.wachtend, wachtdagen=c.wachtdagen)


class GiMaandOut(BaseModel):
    gi: GI
    werkelijk: CijfersOut = Field(description="What the chain really did.")
    gesimuleerd: CijfersOut = Field(description="What the scenario would have done.")


class EscalatiesOut(BaseModel):
    werkelijk: int = Field(description="Regional escalations opened in the month.")
    gesimuleerd: int = Field(description="Regional escalations the scenario would have opened.")


class MaandOut(BaseModel):
    maand: str = Field(description="YYYY-MM (the region's calendar; cut to the period).")
    escalaties: EscalatiesOut
    gis: list[GiMaandOut]


class SimulatieOut(BaseModel):
    id: UUID
    periode: PeriodeIn
    regelset_versie: str = Field(description="The ruleset version replayed.")
    voorstel_id: UUID | None
    bezetting: dict[GI, BezettingswijzigingIn]
    drempels: DrempelsIn
    meldingen: int = Field(description="Reports replayed (those whose case started in the period).")
    maanden: list[MaandOut]
    aannames: list[str] = Field(description="What the model assumes where the history cannot tell.")
    aangevraagd_door: str = Field(description="The organisation that asked (a GI, the RvdK, the region).")
    aangemaakt_op: datetime

    @classmethod
    def of(cls, s: Simulatie) -> "SimulatieOut":
        return cls(
            id=s.id, periode=PeriodeIn(van=s.periode.van, tot=s.periode.tot),
            regelset_versie=s.regelset_versie, voorstel_id=s.voorstel_id,
            bezetting={gi: BezettingswijzigingIn(jeugdbeschermers_erbij=w.jeugdbeschermers_erbij,
                                                 caseload_norm=w.caseload_norm)
                       for gi, w in s.bezetting.items()},
            drempels=DrempelsIn(**vars(s.drempels)), meldingen=s.meldingen,
            maanden=[MaandOut(maand=m.maand,
                              escalaties=EscalatiesOut(werkelijk=m.escalaties_werkelijk,
                                                       gesimuleerd=m.escalaties_gesimuleerd),
                              gis=[GiMaandOut(gi=g.gi, werkelijk=CijfersOut.of(g.werkelijk),
                                              gesimuleerd=CijfersOut.of(g.gesimuleerd)) for g in m.gis])
                     for m in s.maanden],
            aannames=list(AANNAMES), aangevraagd_door=s.aangevraagd_door, aangemaakt_op=s.aangemaakt_op)


class SimulatiesPage(BaseModel):
    items: list[SimulatieOut]
    total: int
