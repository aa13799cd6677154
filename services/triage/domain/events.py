"""What triage decided, as triage's domain says it. Pure: the wire contract's events are made of
them in adapters/wire.py, when the unit of work publishes them."""
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from contracts.vocabulary import (
    GI,
    AfwijkingReden,
    ConsultatieCategorie,
    Maatregel,
    RegelsetAfwijzingReden,
    Urgentie,
)


@dataclass(frozen=True)
class Kind:
    """A child as triage knows it: a pseudonymous id and an age, never a name."""

    kind_id: UUID
    leeftijd: int


@dataclass(frozen=True)
class TriageCompleted:
    """The target-group rules decided which expertise the report needs."""

    melding_id: UUID
    gezin_id: UUID
    gemeente: str
    doelgroep: str
    expertise: str | None
    geschikte_gis: list[GI]
    regelset_versie: str
    regel: str
    toelichting: str
    besloten_op: datetime


@dataclass(frozen=True)
class AdviesIssued:
    """The RvdK's advice to the court on the GI, confirmed or overridden."""

    advies_id: UUID
    melding_id: UUID
    gezin_id: UUID
    gemeente: str
    urgentie: Urgentie
    doelgroep: str
    gi: GI
    reden: str
    voorgestelde_gi: GI
    afwijking: bool
    afwijking_categorie: AfwijkingReden | None
    bevestigd_door: str
    kinderen: list[Kind]
    geadviseerd_op: datetime


@dataclass(frozen=True)
class MaatregelImposed:
    """A measure starts: the court's ruling or a JB-plein drang decision."""

    maatregel_id: UUID
    melding_id: UUID
    advies_id: UUID
    gezin_id: UUID
    gemeente: str
    doelgroep: str
    maatregel: Maatregel
    route: str
    raadsonderzoek: bool
    startdatum: date
    gi: GI
    kinderen: list[Kind]
    opgelegd_op: datetime


@dataclass(frozen=True)
class ConsultatieRequested:
    """A local team asked for consultation & advice (C&A) and triage routed the question to a GI."""

    consultatie_id: UUID
    gemeente: str
    categorie: ConsultatieCategorie
    gezin_id: UUID | None
    gi: GI
    expertise: str | None
    reden: str  # generated: the factsheet's expertise or the shares compared, nothing personal
    aangevraagd_op: datetime


@dataclass(frozen=True)
class ConsultatieUrenRecorded:
    """The GI the question went to recorded hours spent on it."""

    consultatie_id: UUID
    registratie_id: UUID
    gemeente: str
    categorie: ConsultatieCategorie
    gi: GI
    uren: float
    datum: date
    geregistreerd_op: datetime


@dataclass(frozen=True)
class RegelsetProposed:
    """A GI's manager proposed a new version of the target-group rules."""

    voorstel_id: UUID
    versie: str
    basis_versie: str
    voorgesteld_door: GI
    regels_toegevoegd: list[str]
    regels_verwijderd: list[str]
    regels_gewijzigd: list[str]
    expertises_gewijzigd: list[str]
    voorgesteld_op: datetime


@dataclass(frozen=True)
class RegelsetApproved:
    """One GI's manager approved a proposed version (the manager stays in triage)."""

    voorstel_id: UUID
    versie: str
    gi: GI
    goedgekeurd_door: list[GI]
    goedgekeurd_op: datetime


@dataclass(frozen=True)
class RegelsetRejected:
    """One GI's manager rejected a proposed version: the proposal ends."""

    voorstel_id: UUID
    versie: str
    gi: GI
    categorie: RegelsetAfwijzingReden
    afgewezen_op: datetime


@dataclass(frozen=True)
class RegelsetActivated:
    """All three GIs approved: the version decides every new report from this moment."""

    voorstel_id: UUID
    versie: str
    vorige_versie: str
    goedgekeurd_door: list[GI]
    vervallen_voorstellen: list[UUID]
    geactiveerd_op: datetime
