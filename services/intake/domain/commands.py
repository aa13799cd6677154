"""What intake is asked to do: one command per use case, built by an entrypoint (a route from the
validated body and the verified caller, a job) and handled through the message bus."""
from dataclasses import dataclass
from uuid import UUID

from runtime.identity import Principal
from services.intake.domain.gegevens import Aanvulling, Meldingsgegevens


@dataclass(frozen=True)
class ReceiveMelding:
    """A report submitted by `caller`, as the edge validated it (schemas.MeldingIn)."""

    caller: Principal
    report: Meldingsgegevens


@dataclass(frozen=True)
class CompleteMelding:
    """The parts of an urgent report given in an aanvulling (schemas.AanvullingIn; parts not given: None)."""

    caller: Principal
    melding_id: UUID
    aanvulling: Aanvulling


@dataclass(frozen=True)
class ReadMelding:
    caller: Principal
    melding_id: UUID


@dataclass(frozen=True)
class ListMeldingen:
    caller: Principal
    gemeente: str | None = None
    status: str | None = None
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class FlagOverdueCompletions:
    """One batch of incomplete urgent reports past their deadline, flagged once each."""


@dataclass(frozen=True)
class EraseExpired:
    """The personal data of every report past the retention term erased, in batches."""


@dataclass(frozen=True)
class FindBetrokkene:
    """The pseudonyms a BSN stands for (the privacy officer's search); the BSN is never kept."""

    bsn: str
