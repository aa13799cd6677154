"""What capacity has to say, as its domain says it: a GI's figure changed visibly, the region's
escalation opened, went up or ended. Pure: the wire contract these become is made of them in
adapters/wire.py, when the unit of work publishes them."""
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from contracts.vocabulary import GI


@dataclass(frozen=True)
class ExpertiseCapaciteit:
    """The figure of one expertise or area team of a GI."""

    expertise: str
    plaatsen: int
    kinderen_in_zorg: int
    vrije_plaatsen: int


@dataclass(frozen=True)
class Actualiteit:
    """How current a figure is: up to which moment it includes the case events, and how many it
    had not read yet (None: not known yet)."""

    bijgewerkt_tot: datetime | None
    achterstand: int | None
    bijgewerkt: bool


@dataclass(frozen=True)
class CapacitySignal:
    """A GI's figure, published whenever something visible of it changed."""

    gi: GI
    vrije_plaatsen: int
    plaatsen: int
    kinderen_in_zorg: int
    jeugdbeschermers: int
    afwezig: int
    caseload_norm: int
    wachtend: int
    langste_wachtdagen: int
    per_expertise: list[ExpertiseCapaciteit]
    tijdstip: datetime
    actualiteit: Actualiteit | None = None


@dataclass(frozen=True)
class EscalatieCijfers:
    """The region's figures an escalation is about."""

    vrije_plaatsen_regio: int
    gis_op_of_over_norm: list[GI]
    wachtend: int
    langste_wachtdagen: int


@dataclass(frozen=True)
class EscalationRaised:
    """The region is running out: an escalation opened, or its level went up (same id)."""

    escalatie_id: UUID
    niveau: int
    redenen: list[str]
    cijfers: EscalatieCijfers
    gestart_op: datetime
    tijdstip: datetime
    escalatieplan_versie: str | None = None
    maatregelen: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class EscalatieBevestigd:
    """A party acknowledged an escalation at its level (time-to-acknowledge: bevestigd_op minus
    niveau_sinds)."""

    escalatie_id: UUID
    partij: str
    niveau: int
    niveau_sinds: datetime
    bevestigd_op: datetime
    gestart_op: datetime


@dataclass(frozen=True)
class GiWeekcijfer:
    gi: GI
    vrije_plaatsen: int
    wachtend: int
    langste_wachtdagen: int


@dataclass(frozen=True)
class EscalatieWeekcijfer:
    """The week's figures for the region (GRJR) while an escalation with that measure is open."""

    escalatie_id: UUID
    week: str  # ISO week in the region's calendar, e.g. 2026-W48
    per_gi: list[GiWeekcijfer]
    tijdstip: datetime


@dataclass(frozen=True)
class EscalationCleared:
    """Capacity recovered past the thresholds by their margins: the escalation ends."""

    escalatie_id: UUID
    hoogste_niveau: int
    cijfers: EscalatieCijfers
    gestart_op: datetime
    beeindigd_op: datetime
