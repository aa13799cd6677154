"""The report as a local team sends it, validated at the edge (errors name the field)."""
from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from contracts.events import MAX_LEEFTIJD
from contracts.vocabulary import GI, Kader, Kenmerk, Urgentie, Zorg
from services.intake.domain.model import age_on, is_known_gemeente, is_valid_bsn


def _gemeente(code: str) -> str:
    if not is_known_gemeente(code):
        raise ValueError(f"unknown municipality code {code!r}: use a CBS code of the region")
    return code


def _bsn(bsn: str | None) -> str | None:
    if bsn is not None and not is_valid_bsn(bsn):
        raise ValueError("BSN fails the eleven-test (elfproef)")
    return bsn


def _geboortedatum(day: date) -> date:
    if day > date.today():
        raise ValueError("birth date lies in the future")
    if age_on(day, date.today()) > MAX_LEEFTIJD:
        raise ValueError(f"a child in the chain is at most {MAX_LEEFTIJD} years old")
    return day


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Melder(Strict):
    organisatie: str = Field(min_length=1, max_length=200)
    naam: str = Field(min_length=1, max_length=200)
    telefoon: str | None = Field(default=None, max_length=50)
    email: str | None = Field(default=None, max_length=200)


class KindIn(Strict):
    voornaam: str = Field(min_length=1, max_length=100)
    achternaam: str = Field(min_length=1, max_length=100)
    geboortedatum: Annotated[date, AfterValidator(_geboortedatum)]
    bsn: Annotated[str | None, AfterValidator(_bsn)] = None


class OuderIn(Strict):
    voornaam: str | None = Field(default=None, max_length=100)
    achternaam: str = Field(min_length=1, max_length=100)
    bsn: Annotated[str | None, AfterValidator(_bsn)] = None


class GezinIn(Strict):
    kinderen: list[KindIn] = Field(min_length=1, max_length=20)
    ouders: list[OuderIn] = Field(default_factory=list, max_length=10)


class MeldingIn(Strict):
    gemeente: Annotated[str, AfterValidator(_gemeente)]
    melder: Melder
    urgentie: Urgentie
    kader: Kader | None = None
    gezin: GezinIn
    zorgen: list[Zorg] = Field(min_length=1)
    kenmerken: list[Kenmerk] = Field(default_factory=list)
    toelichting: str | None = Field(default=None, max_length=5000)


class StapOut(BaseModel):
    stap: str
    tijdstip: datetime
    details: dict


class MeldingCreated(BaseModel):
    id: UUID
    status: str


class MeldingOut(BaseModel):
    id: UUID
    status: str = Field(description="received, triaged, advised or assigned")
    gemeente: str
    urgentie: Urgentie
    kader: Kader | None
    ontvangen_op: datetime
    doelgroep: str | None
    geadviseerde_gi: GI | None
    toegewezen_gi: GI | None
    casus_id: UUID | None
    stappen: list[StapOut]


class MeldingenPage(BaseModel):
    items: list[MeldingOut]
    total: int
