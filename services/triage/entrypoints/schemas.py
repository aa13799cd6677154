"""Request and response bodies of the triage API."""
from datetime import date, datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from contracts.events import Kind
from contracts.vocabulary import GI, AfwijkingReden, Kader, Maatregel, Urgentie
from runtime.fields import Datum, Text
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
