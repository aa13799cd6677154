"""intake's domain events in the wire contract (contracts.events): the one place they are
translated, by the unit of work as it publishes them."""

from contracts import Event
from contracts import events as contract
from runtime.wire import Translation
from services.intake.domain import events

CONTRACTS: dict[type, type[Event]] = {
    events.MeldingReceived: contract.MeldingReceived,
    events.MeldingCompletionOverdue: contract.MeldingCompletionOverdue,
}

to_contract = Translation(CONTRACTS)  # what the unit of work publishes
