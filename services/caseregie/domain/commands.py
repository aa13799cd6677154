"""What caseregie is asked to do: one command per use case, built by a route from the validated
body and the verified caller (the GI's system or manager from the token), or by a job."""
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from contracts.vocabulary import (
    GI,
    AfwijzingReden,
    Jeugdhulpvorm,
    OverdrachtReden,
    Plaatsingsvorm,
    Sluitreden,
)
from runtime.identity import Principal


@dataclass(frozen=True)
class ReadCasus:
    caller: Principal
    casus_id: UUID


@dataclass(frozen=True)
class ListCasussen:
    caller: Principal
    status: str | None = None
    gemeente: str | None = None
    wachtend: bool | None = None
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class ReadWachtlijst:
    caller: Principal
    gemeente: str | None = None
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class AssignJeugdbeschermer:
    caller: Principal
    casus_id: UUID
    jeugdbeschermer_id: str
    naam: str


@dataclass(frozen=True)
class CloseCasus:
    caller: Principal
    casus_id: UUID
    reden: Sluitreden
    toelichting: str | None = None


@dataclass(frozen=True)
class RequestOverdracht:
    caller: Principal
    casus_id: UUID
    naar_gi: GI
    reden: str
    categorie: OverdrachtReden


@dataclass(frozen=True)
class ReadOverdracht:
    caller: Principal
    casus_id: UUID
    overdracht_id: UUID


@dataclass(frozen=True)
class ApproveOverdracht:
    caller: Principal
    casus_id: UUID
    overdracht_id: UUID


@dataclass(frozen=True)
class RejectOverdracht:
    """The free-text reason stays in caseregie; events carry its category."""

    caller: Principal
    casus_id: UUID
    overdracht_id: UUID
    reden: str
    categorie: AfwijzingReden = AfwijzingReden.OVERIG


# --- out-of-home placements and youth care of the case's children ----------------------------------

@dataclass(frozen=True)
class RecordUithuisplaatsing:
    """A placement of one of the case's children; with `einddatum`, one that has already ended."""

    caller: Principal
    casus_id: UUID
    kind_id: UUID
    vorm: Plaatsingsvorm
    in_netwerk: bool
    startdatum: date
    einddatum: date | None = None


@dataclass(frozen=True)
class EndUithuisplaatsing:
    caller: Principal
    casus_id: UUID
    plaatsing_id: UUID
    einddatum: date


@dataclass(frozen=True)
class ListUithuisplaatsingen:
    caller: Principal
    casus_id: UUID


@dataclass(frozen=True)
class ReadUithuisplaatsing:
    caller: Principal
    casus_id: UUID
    plaatsing_id: UUID


@dataclass(frozen=True)
class RecordJeugdhulp:
    caller: Principal
    casus_id: UUID
    kind_id: UUID
    vorm: Jeugdhulpvorm
    startdatum: date


@dataclass(frozen=True)
class ListJeugdhulp:
    caller: Principal
    casus_id: UUID


@dataclass(frozen=True)
class ReadJeugdhulp:
    caller: Principal
    casus_id: UUID
    jeugdhulp_id: UUID


@dataclass(frozen=True)
class CheckDrang:
    """Flag open drang cases past their limits."""


@dataclass(frozen=True)
class EraseExpired:
    """The personal data of cases closed more than the retention term ago erased, in batches."""


# --- webhooks: `gi` is the caller's GI, checked against the token by the route ------------------

@dataclass(frozen=True)
class RegisterWebhook:
    gi: GI
    url: str


@dataclass(frozen=True)
class ListWebhooks:
    gi: GI


@dataclass(frozen=True)
class ReadWebhook:
    gi: GI
    webhook_id: UUID


@dataclass(frozen=True)
class DeleteWebhook:
    gi: GI
    webhook_id: UUID


@dataclass(frozen=True)
class ListAfleveringen:
    gi: GI
    webhook_id: UUID
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class DeliverWebhooks:
    """Send what is due, batch after batch while batches come back full."""
