"""What capacity is asked to do: one command per use case, built by an entrypoint (a route from the
validated body and the verified caller, a job, the live stream) and handled through the message bus."""
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from uuid import UUID

from contracts.vocabulary import GI
from runtime.identity import Principal
from services.capacity.domain.model import Team


@dataclass(frozen=True)
class ReportStaffing:
    """A GI reports its own staffing (`caller` must be that GI): per team, or in total."""

    caller: Principal
    gi: GI
    caseload_norm: int
    jeugdbeschermers: int | None = None
    afwezig: int | None = None
    teams: Sequence[Team] | None = None


@dataclass(frozen=True)
class ReadGiCapaciteit:
    gi: GI


@dataclass(frozen=True)
class ReadOverzicht:
    """Every GI's capacity, live or (with `tijdstip`) as it was at a past moment."""

    tijdstip: datetime | None = None


@dataclass(frozen=True)
class ReadHistorie:
    gi: GI
    limit: int = 100


@dataclass(frozen=True)
class ReadSnapshot:
    """Each GI's current figure with its history id, for a live stream that starts."""


@dataclass(frozen=True)
class ReadChangesAfter:
    """The visible changes after a history id, for a live stream that goes on (or resumes)."""

    history_id: int


@dataclass(frozen=True)
class RebuildFromLog:
    """Fold the log of case events and staffing reports and compare with the live view; the log wins."""


@dataclass(frozen=True)
class RebuildIfLost:
    """At start-up and after: rebuild when there is a log but no live state."""


@dataclass(frozen=True)
class UpdateWaitingDays:
    """Waiting days grow with time alone: recompute every GI and evaluate the escalation."""


@dataclass(frozen=True)
class ListEscalaties:
    status: Literal["open", "gesloten"] | None = None
    limit: int = 100


@dataclass(frozen=True)
class ReadEscalatie:
    escalatie_id: UUID


@dataclass(frozen=True)
class AcknowledgeEscalatie:
    """The caller's party (the RvdK, its own GI, or GRJR) acknowledges the escalation at its level;
    `niveau`, when given, must be the current level."""

    caller: Principal
    escalatie_id: UUID
    niveau: int | None = None


@dataclass(frozen=True)
class CheckBevestigingen:
    """Raise an open escalation whose level's parties did not all acknowledge it in time."""


@dataclass(frozen=True)
class SendWeekcijfer:
    """The week's figures to GRJR while an open escalation has that measure in force (once a week)."""


@dataclass(frozen=True)
class DeliverKennisgevingen:
    """Send the due webhook and e-mail notifications of escalations."""
