"""What intake is asked to do: one command per use case, built by an entrypoint (a route from the
validated body and the verified caller, a job) and handled through the message bus."""
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from runtime.identity import Principal


@dataclass(frozen=True)
class ReceiveMelding:
    """A report submitted by `caller`, in the JSON form the edge validated (schemas.MeldingIn)."""

    caller: Principal
    report: Mapping[str, Any]


@dataclass(frozen=True)
class CompleteMelding:
    """The parts of an urgent report given in an aanvulling (schemas.AanvullingIn, unset parts left out)."""

    caller: Principal
    melding_id: UUID
    aanvulling: Mapping[str, Any]


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
