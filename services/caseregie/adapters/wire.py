"""caseregie's domain events in the wire contract (contracts.events) and back: the one place they are
translated. The unit of work publishes the domain's events in their contract form; a contract event
the bus hands a handler (a measure, a case event read back for the webhooks) becomes the domain's."""
from dataclasses import fields
from typing import Any

from pydantic import BaseModel

from contracts import Event
from contracts import events as contract
from runtime.wire import Translation
from services.caseregie.domain import events

CONTRACTS: dict[type, type[Event]] = {
    events.CasusAssigned: contract.CasusAssigned,
    events.JeugdbeschermerAssigned: contract.JeugdbeschermerAssigned,
    events.OverdrachtRequested: contract.OverdrachtRequested,
    events.OverdrachtApproved: contract.OverdrachtApproved,
    events.OverdrachtRejected: contract.OverdrachtRejected,
    events.CasusTransferred: contract.CasusTransferred,
    events.CasusClosed: contract.CasusClosed,
    events.DrangOverdue: contract.DrangOverdue,
    events.UithuisplaatsingStarted: contract.UithuisplaatsingStarted,
    events.UithuisplaatsingEnded: contract.UithuisplaatsingEnded,
    events.JeugdhulpStarted: contract.JeugdhulpStarted,
}

# The contract events (and the values in them) caseregie reads, and what its domain makes of them.
DOMAIN: dict[type[BaseModel], type] = {
    **{wire: domain for domain, wire in CONTRACTS.items()},
    contract.MaatregelImposed: events.MaatregelImposed,
    contract.Kind: events.Kind,
    contract.WachtendKind: events.WachtendKind,
}
to_contract = Translation(CONTRACTS)  # what the unit of work publishes


def to_domain(event: BaseModel) -> Any:
    """The domain's value of a contract event (or of a value in one), field by field."""
    domain = DOMAIN[type(event)]
    return domain(**{f.name: _domain(getattr(event, f.name)) for f in fields(domain)})


def _domain(value: Any) -> Any:
    if isinstance(value, list):
        return [_domain(item) for item in value]
    if isinstance(value, BaseModel):
        return to_domain(value)
    return value


def maatregel(event: contract.MaatregelImposed) -> events.MaatregelImposed:
    """The measure as caseregie's domain takes it in."""
    return to_domain(event)
