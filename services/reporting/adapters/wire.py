"""The events of the wire contract (contracts.events) reporting projects, as its domain keeps them:
the one place they are read. Reporting publishes no events of its own."""
from contracts import Event
from contracts import events as contract
from services.reporting.domain import events, minimalisatie
from services.reporting.domain.events import Feit

# Reporting publishes no events: no domain event becomes a contract event.
CONTRACTS: dict[type, type[Event]] = {}

# Per type the domain keeps: the contract event it comes as (the consumed ones).
INCOMING: dict[str, type[Event]] = {
    events.MELDING: contract.MeldingReceived,
    events.TRIAGE: contract.TriageCompleted,
    events.ADVIES: contract.AdviesIssued,
    events.MAATREGEL: contract.MaatregelImposed,
    events.TOEWIJZING: contract.CasusAssigned,
    events.JEUGDBESCHERMER: contract.JeugdbeschermerAssigned,
    events.OVERDRACHT_AANGEVRAAGD: contract.OverdrachtRequested,
    events.OVERDRACHT_GOEDGEKEURD: contract.OverdrachtApproved,
    events.OVERDRACHT_AFGEWEZEN: contract.OverdrachtRejected,
    events.OVERGEDRAGEN: contract.CasusTransferred,
    events.GESLOTEN: contract.CasusClosed,
    events.DRANG: contract.DrangOverdue,
    events.ESCALATIE: contract.EscalationRaised,
    events.ESCALATIE_VOORBIJ: contract.EscalationCleared,
    events.ESCALATIE_BEVESTIGD: contract.EscalatieBevestigd,
    events.UITHUISPLAATSING: contract.UithuisplaatsingStarted,
    events.UITHUISPLAATSING_EINDE: contract.UithuisplaatsingEnded,
    events.JEUGDHULP: contract.JeugdhulpStarted,
    events.CONSULTATIE: contract.ConsultatieRequested,
    events.CONSULTATIE_UREN: contract.ConsultatieUrenRecorded,
}


def feit(event: Event) -> Feit:
    """An incoming contract event as the domain keeps it: its type and its minimised data."""
    return minimalisatie.feit(event.type, event.model_dump(mode="json"))
