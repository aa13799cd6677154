"""What triage is asked to do: one command per use case, built by a route from the validated body
and the verified caller (the actor of each processing of a child's data), or by a job."""
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from contracts.escalatiedrempels import Drempels
from contracts.vocabulary import GI, AfwijkingReden, ConsultatieCategorie, Maatregel, RegelsetAfwijzingReden
from runtime.identity import Principal
from services.triage.domain.model import AdviesStatus
from services.triage.domain.regelsetvoorstel import VoorstelStatus
from services.triage.domain.simulatie import Bezettingswijziging


@dataclass(frozen=True)
class ConfirmAdvies:
    caller: Principal
    advies_id: UUID
    toelichting: str | None = None


@dataclass(frozen=True)
class OverrideAdvies:
    """The RvdK's own words (`reden`) stay in triage; the event carries the reason's category."""

    caller: Principal
    advies_id: UUID
    gi: GI
    reden: str
    categorie: AfwijkingReden = AfwijkingReden.OVERIG


@dataclass(frozen=True)
class ImposeMaatregel:
    caller: Principal
    advies_id: UUID
    maatregel: Maatregel
    startdatum: date
    gi: GI | None = None
    raadsonderzoek: bool | None = None


@dataclass(frozen=True)
class ReadAdvies:
    caller: Principal
    advies_id: UUID


@dataclass(frozen=True)
class ListAdviezen:
    caller: Principal
    status: AdviesStatus | None = None
    gi: GI | None = None
    afwijking: bool | None = None
    melding_id: UUID | None = None
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class ReadBeschikbaarheid:
    """Free capacity per GI as last signalled."""


@dataclass(frozen=True)
class ListRegioEscalaties:
    """The region's open escalations as triage applies them (the plan's measures in force)."""


@dataclass(frozen=True)
class EraseExpired:
    """The RvdK's free text of advice, and consultation requests' family ids, past their retention
    terms erased, in batches."""


@dataclass(frozen=True)
class RequestConsultatie:
    """A local team's question for consultation & advice: codes and a pseudonym, no free text."""

    caller: Principal
    gemeente: str
    categorie: ConsultatieCategorie
    gezin_id: UUID | None = None


@dataclass(frozen=True)
class RecordConsultatieUren:
    caller: Principal
    consultatie_id: UUID
    uren: float
    datum: date


@dataclass(frozen=True)
class ReadConsultatie:
    caller: Principal
    consultatie_id: UUID


@dataclass(frozen=True)
class ListConsultaties:
    caller: Principal
    gemeente: str | None = None
    gi: GI | None = None
    categorie: ConsultatieCategorie | None = None
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class ReadCaVerdeling:
    """The year's C&A hours per GI against the agreed shares (None: the current year)."""

    jaar: int | None = None


# --- the target-group rules and proposed versions of them ----------------------------------------


@dataclass(frozen=True)
class ReadRegelset:
    """One version of the rules as agreed; None: the active one."""

    versie: str | None = None


@dataclass(frozen=True)
class ListRegelsetVersies:
    """Every version: the shipped files and the proposals the GIs activated."""


@dataclass(frozen=True)
class ProposeRegelset:
    """A GI's manager proposes a complete ruleset as the next version."""

    caller: Principal
    regelset: dict


@dataclass(frozen=True)
class ApproveRegelset:
    caller: Principal
    voorstel_id: UUID


@dataclass(frozen=True)
class RejectRegelset:
    """The manager's own words (`toelichting`) stay in triage; the event carries the category."""

    caller: Principal
    voorstel_id: UUID
    categorie: RegelsetAfwijzingReden = RegelsetAfwijzingReden.OVERIG
    toelichting: str | None = None


@dataclass(frozen=True)
class ReadRegelsetvoorstel:
    voorstel_id: UUID


@dataclass(frozen=True)
class ListRegelsetvoorstellen:
    status: VoorstelStatus | None = None
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class RunSimulatie:
    """A what-if over a past period: a candidate ruleset (given whole, or a proposal's), changed
    staffing per GI, or both; neither: the model against what really happened."""

    caller: Principal
    van: date
    tot: date
    regelset: dict | None = None
    voorstel_id: UUID | None = None
    bezetting: Mapping[GI, Bezettingswijziging] = field(default_factory=dict)
    drempels: Drempels | None = None


@dataclass(frozen=True)
class ReadSimulatie:
    simulatie_id: UUID


@dataclass(frozen=True)
class ListSimulatieIds:
    """The simulations run for a ruleset proposal (its links), oldest first."""

    voorstel_id: UUID


@dataclass(frozen=True)
class ListSimulaties:
    voorstel_id: UUID | None
    limit: int
    offset: int
