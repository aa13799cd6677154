"""The report as a local team sends it, validated at the edge (errors name the field).

Parts the target-group decision needs (children, their birth dates, concerns) may be left out
here: whether a report is complete enough is the domain's rule (an urgent report may be incomplete).
Each request model turns into the domain's own value (`to_domain`) for the command.
"""
from datetime import datetime
from enum import StrEnum
from typing import Annotated
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from contracts.bsn import is_valid_bsn
from contracts.vocabulary import GEMEENTEN, GI, MAX_LEEFTIJD, Kader, Kenmerk, Maatregel, Urgentie, Zorg
from runtime.fields import UNIQUE, Datum, Line, Text
from services.intake.domain import gegevens


def _bsn(bsn: str | None) -> str | None:
    if bsn is not None and not is_valid_bsn(bsn):
        raise ValueError("BSN fails the eleven-test (elfproef)")
    return bsn


def _codes(items: list[StrEnum] | None) -> tuple[str, ...] | None:
    return None if items is None else tuple(item.value for item in items)


def _code(item: StrEnum | None) -> str | None:
    return None if item is None else item.value


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Melder(Strict):
    organisatie: Line(200, min_length=1)
    naam: Line(200, min_length=1)
    telefoon: Line(50) | None = None
    email: Line(200) | None = None

    def to_domain(self) -> gegevens.Melder:
        return gegevens.Melder(organisatie=self.organisatie, naam=self.naam, telefoon=self.telefoon,
                               email=self.email)


class KindIn(Strict):
    voornaam: Line(100, min_length=1)
    achternaam: Line(100, min_length=1)
    geboortedatum: Datum | None = Field(
        default=None, description="Needed for a complete report; an urgent report may follow up with it. "
        f"Not in the future; the child is at most {MAX_LEEFTIJD} years old.")
    bsn: Annotated[Line(9) | None, AfterValidator(_bsn)] = None

    def to_domain(self) -> gegevens.Kind:
        return gegevens.Kind(voornaam=self.voornaam, achternaam=self.achternaam,
                             geboortedatum=self.geboortedatum, bsn=self.bsn)


class OuderIn(Strict):
    voornaam: Line(100) | None = None
    achternaam: Line(100, min_length=1)
    bsn: Annotated[Line(9) | None, AfterValidator(_bsn)] = None

    def to_domain(self) -> gegevens.Ouder:
        return gegevens.Ouder(voornaam=self.voornaam, achternaam=self.achternaam, bsn=self.bsn)


class GezinIn(Strict):
    kinderen: list[KindIn] = Field(
        default_factory=list, max_length=20,
        description="At least one child for a complete report; an urgent report may follow up with them.")
    ouders: list[OuderIn] = Field(default_factory=list, max_length=10)

    def to_domain(self) -> gegevens.Gezin:
        return gegevens.Gezin(kinderen=tuple(k.to_domain() for k in self.kinderen),
                              ouders=tuple(o.to_domain() for o in self.ouders))


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

    def to_domain(self) -> gegevens.Meldingsgegevens:
        return gegevens.Meldingsgegevens(
            gemeente=self.gemeente, melder=self.melder.to_domain(), urgentie=self.urgentie.value,
            kader=_code(self.kader), gezin=self.gezin.to_domain(), zorgen=_codes(self.zorgen),
            kenmerken=_codes(self.kenmerken), toelichting=self.toelichting)


class AanvullingIn(Strict):
    """Completion of an urgent report: the parts given replace those in the report."""

    gezin: GezinIn | None = Field(default=None, description="The whole family, replacing the reported one.")
    zorgen: Zorgen | None = None
    kenmerken: Kenmerken | None = None
    kader: Kader | None = None
    toelichting: Text(5000) | None = None

    def to_domain(self) -> gegevens.Aanvulling:
        """A part left out or null is not given (the report keeps its own)."""
        return gegevens.Aanvulling(
            gezin=None if self.gezin is None else self.gezin.to_domain(), zorgen=_codes(self.zorgen),
            kenmerken=_codes(self.kenmerken), kader=_code(self.kader), toelichting=self.toelichting)


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
