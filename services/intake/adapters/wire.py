"""intake's domain events in the wire contract (contracts.events): the one place they are
translated, by the unit of work as it publishes them."""
from dataclasses import asdict

from contracts import Event
from contracts import events as contract
from services.intake.domain import events

CONTRACTS: dict[type, type[Event]] = {
    events.MeldingReceived: contract.MeldingReceived,
    events.MeldingCompletionOverdue: contract.MeldingCompletionOverdue,
}


def to_contract(event: object) -> Event:
    """The contract event of a domain event (one that already is a contract event stays as it is)."""
    if isinstance(event, Event):
        return event
    return CONTRACTS[type(event)].model_validate(asdict(event))
