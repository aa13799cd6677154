"""triage's domain values in the wire contract (contracts.events) and back: the one place they are
translated. Outgoing: the unit of work publishes each domain event as its contract event.
Incoming: a handler turns a consumed contract event into the domain's own input value."""

from contracts import Event
from contracts import events as contract
from runtime.wire import Translation
from services.triage.domain import events
from services.triage.domain.escalatie import RegioEscalatie
from services.triage.domain.model import Melding

CONTRACTS: dict[type, type[Event]] = {
    events.TriageCompleted: contract.TriageCompleted,
    events.AdviesIssued: contract.AdviesIssued,
    events.MaatregelImposed: contract.MaatregelImposed,
    events.ConsultatieRequested: contract.ConsultatieRequested,
    events.ConsultatieUrenRecorded: contract.ConsultatieUrenRecorded,
    events.RegelsetProposed: contract.RegelsetProposed,
    events.RegelsetApproved: contract.RegelsetApproved,
    events.RegelsetRejected: contract.RegelsetRejected,
    events.RegelsetActivated: contract.RegelsetActivated,
}
to_contract = Translation(CONTRACTS)  # what the unit of work publishes


def kind(kind: contract.Kind) -> events.Kind:
    return events.Kind(kind_id=kind.kind_id, leeftijd=kind.leeftijd)


def melding(event: contract.MeldingReceived) -> Melding:
    """What triage needs of a received report."""
    return Melding(
        melding_id=event.melding_id, gezin_id=event.gezin_id, gemeente=event.gemeente,
        urgentie=event.urgentie, kader=event.kader, zorgen=list(event.zorgen),
        kenmerken=list(event.kenmerken), kinderen=[kind(k) for k in event.kinderen])


def verhoging(event: contract.EscalationRaised) -> RegioEscalatie:
    """The region's escalation at the level raised, with its plan's measures in force."""
    return RegioEscalatie(escalatie_id=event.escalatie_id, niveau=event.niveau,
                          escalatieplan_versie=event.escalatieplan_versie,
                          maatregelen=tuple(event.maatregelen), tijdstip=event.tijdstip)
