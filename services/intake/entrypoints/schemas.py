"""The report as a local team sends it, validated at the edge (errors name the field).

Parts the target-group decision needs (children, their birth dates, concerns) may be left out
here: whether a report is complete enough is the domain's rule (an urgent report may be incomplete).
"""
from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from contracts.bsn import is_valid_bsn
from contracts.vocabulary import GEMEENTEN, GI, MAX_LEEFTIJD, Kader, Kenmerk, Maatregel, Urgentie, Zorg
from runtime.fields import UNIQUE, Datum, Line, Text


def _bsn(bsn: str | None) -> str | None:
    if bsn is not None and not is_valid_bsn(bsn):
        raise ValueError("BSN fails the eleven-test (elfproef)")
    return bsn


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Melder(Strict):
    organisatie: Line(200, min_length=1)
    naam: Line(200, min_length=1)
    telefoon: Line(50) | None = None
    email: Line(200) | None = None


class KindIn(Strict):
    voornaam: Line(100, min_length=1)
    achternaam: Line(100, min_length=1)
    geboortedatum: Datum | None = Field(
        default=None, description="Needed for a complete report; an urgent report may follow up with it. "
        f"Not in the future; the child is at most {MAX_LEEFTIJD} years old.")
    bsn: Annotated[Line(9) | None, AfterValidator(_bsn)] = None


class OuderIn(Strict):
    voornaam: Line(100) | None = None
    achternaam: Line(100, min_length=1)
    bsn: Annotated[Line(9) | None, AfterValidator(_bsn)] = None


class GezinIn(Strict):
    kinderen: list[KindIn] = Field(
        default_factory=list, max_length=20,
        description="At least one child for a complete report; an urgent report may follow up with them.")
    ouders: list[OuderIn] = Field(default_factory=list, max_length=10)


# Each concern and characteristic at most once, so a list is never longer than its vocabulary.
Zorgen = Annotated[list[Zorg], Field(max_length=len(Zorg)), *UNIQUE]
Kenmerken = Annotated[list[Kenmerk], Field(max_length=len(Kenmerk)), *UNIQUE]


class MeldingIn(Strict):
    # Whether the caller may report for it (a local team: only its own) and whether it is one of
    # the region's is the domain's rule (domain/access.py): a team's other municipality is 403.
    gemeente: str = Field(pattern=r"^GM\d{4}$", description=(
        "CBS code of a municipality of the region: " + ", ".join(sorted(GEMEENTEN))
        + ". A local team reports for the municipality in its token only."))
    melder: Melder
    urgentie: Urgentie
    kader: Kader | None = None
    gezin: GezinIn = Field(default_factory=GezinIn)
    zorgen: Zorgen = Field(
        default_factory=list,
        description="At least one concern for a complete report; an urgent report may follow up with them.")
    kenmerken: Kenmerken = Field(default_factory=list)
    toelichting: Text(5000) | None = None


class AanvullingIn(Strict):
    """Completion of an urgent report: the parts given replace those in the report."""

    gezin: GezinIn | None = Field(default=None, description="The whole family, replacing the reported one.")
    zorgen: Zorgen | None = None
    kenmerken: Kenmerken | None = None
    kader: Kader | None = None
    toelichting: Text(5000) | None = None


class StapOut(BaseModel):
    stap: str = Field(description="incomplete, received, triaged, advised, measure, assigned, protector, "
                                  "transferred, closed; or the signals completion_overdue, drang_overdue")
    tijdstip: datetime
    details: dict


class MeldingCreated(BaseModel):
    id: UUID
    status: str = Field(description="received, or incomplete for an urgent report still to complete")
    herhaald_beroep: bool
    aanvullen_voor: datetime | None = Field(description="Completion deadline of an incomplete report.")
    ontbrekend: list[str] = Field(description="Fields an incomplete report still misses.")


class MeldingOut(BaseModel):
    id: UUID
    status: str = Field(description="The latest step in the chain: incomplete, received, triaged, advised, "
                                    "measure, assigned, protector, transferred or closed")
    gemeente: str
    urgentie: Urgentie
    kader: Kader | None
    ontvangen_op: datetime
    herhaald_beroep: bool = Field(description="The family's case closed less than 12 months before.")
    aanvullen_voor: datetime | None = Field(description="Completion deadline of an urgent report.")
    ontbrekend: list[str] = Field(description="Fields an incomplete report still misses.")
    doelgroep: str | None
    geadviseerde_gi: GI | None
    advies_id: UUID | None = Field(description="The RvdK advice on this report, once advised: "
                                               "GET /v1/adviezen/{id} at triage.")
    maatregel: Maatregel | None
    toegewezen_gi: GI | None = Field(description="The GI that has the case now (after any transfer).")
    casus_id: UUID | None
    jeugdbeschermer: str | None = Field(
        description="Pseudonymous id of the fixed youth protector, if any (who it is: ask the GI).")
    stappen: list[StapOut]


class MeldingenPage(BaseModel):
    items: list[MeldingOut]
    total: int
