"""A service's domain events in the wire contract (contracts.events). Each service declares in its
`adapters/wire.py` which contract class each of its domain events becomes; `Translation` turns one
into the other by that map, field by field, and its unit of work publishes through it."""
from collections.abc import Mapping
from dataclasses import asdict

from contracts import Event


class Translation:
    """Callable: the contract event of a domain event (a contract event stays as it is)."""

    def __init__(self, contracts: Mapping[type, type[Event]]):
        self.contracts = dict(contracts)

    def __call__(self, event: object) -> Event:
        if isinstance(event, Event):
            return event
        return self.contracts[type(event)].model_validate(asdict(event))
