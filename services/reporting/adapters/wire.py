"""The events of the wire contract (contracts.events) reporting projects, as its domain keeps them:
the one place they are read. Reporting publishes no events of its own."""
from contracts import Event
from contracts import events as contract
from services.reporting.domain import minimalisatie
from services.reporting.domain.minimalisatie import Feit

# Per type the domain keeps: the contract event it comes as.
CONTRACTS: dict[str, type[Event]] = {
    minimalisatie.MELDING: contract.MeldingReceived,
    minimalisatie.TRIAGE: contract.TriageCompleted,
    minimalisatie.ADVIES: contract.AdviesIssued,
    minimalisatie.MAATREGEL: contract.MaatregelImposed,
    minimalisatie.TOEWIJZING: contract.CasusAssigned,
    minimalisatie.JEUGDBESCHERMER: contract.JeugdbeschermerAssigned,
    minimalisatie.OVERDRACHT_AANGEVRAAGD: contract.OverdrachtRequested,
    minimalisatie.OVERDRACHT_GOEDGEKEURD: contract.OverdrachtApproved,
    minimalisatie.OVERDRACHT_AFGEWEZEN: contract.OverdrachtRejected,
    minimalisatie.OVERGEDRAGEN: contract.CasusTransferred,
    minimalisatie.GESLOTEN: contract.CasusClosed,
    minimalisatie.DRANG: contract.DrangOverdue,
    minimalisatie.ESCALATIE: contract.EscalationRaised,
    minimalisatie.ESCALATIE_VOORBIJ: contract.EscalationCleared,
}


def feit(event: Event) -> Feit:
    """An incoming contract event as the domain keeps it: its type and its minimised data."""
    return minimalisatie.feit(event.type, event.model_dump(mode="json"))
