"""Request and response bodies of the triage API."""
from datetime import date, datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from contracts.events import Kind
from contracts.vocabulary import GI, AfwijkingReden, ConsultatieCategorie, Kader, Maatregel, Urgentie
from runtime.fields import Datum, Text
from services.triage.domain.consultatie import KWARTIER, MAX_UREN, Consultatie, Verdeling
from services.triage.domain.model import Advies, AdviesStatus


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
    actief: bool = Field(description="The newest version decides new reports.")


class Beschikbaarheid(BaseModel):
    gi: GI
    vrije_plaatsen: int
    tijdstip: datetime


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
