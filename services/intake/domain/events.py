"""What happened to a report, as intake's domain says it. Pure: the wire contract these become
(contracts.events) is made of them in adapters/wire.py, when the unit of work publishes them."""
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


@dataclass(frozen=True)
class KindInMelding:
    """A child of a report as the chain may know it: a pseudonymous id and an age, never a name."""

    kind_id: UUID
    leeftijd: int


@dataclass(frozen=True)
class MeldingReceived:
    """A complete report entered the chain."""

    melding_id: UUID
    gezin_id: UUID
    gemeente: str
    urgentie: str
    kader: str | None
    zorgen: list[str]
    kenmerken: list[str]
    kinderen: list[KindInMelding]
    herhaald_beroep: bool
    ontvangen_op: datetime


@dataclass(frozen=True)
class MeldingCompletionOverdue:
    """An urgent report still incomplete after its deadline (flagged once)."""

    melding_id: UUID
    gemeente: str
    ontvangen_op: datetime
    aanvullen_voor: datetime
    ontbrekend: list[str]
    gesignaleerd_op: datetime
