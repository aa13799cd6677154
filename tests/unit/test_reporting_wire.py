"""Reporting's one translation of the wire contract: every contract event it projects becomes the
domain's own minimal record (its type and the fields kept), and nothing else of it gets through."""
from datetime import datetime

import pytest

from bench.historie import genereer
from contracts.events import event_class
from services.reporting.adapters import wire
from services.reporting.bootstrap import SPEC
from services.reporting.domain import minimalisatie
from services.reporting.domain.minimalisatie import BEWAARD, EVENT_TYPES, Feit

# One event of every type the KPIs are made of, as the chain sends it (full data, JSON-ready).
VOORBEELDEN = {}
for _type, _data in genereer(300, seed=3, escalaties=3):
    VOORBEELDEN.setdefault(_type, _data)


def _tijd(value):
    """A moment as a datetime (the contract writes UTC as 'Z', the generator as '+00:00')."""
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) and "T" in value else value
    except ValueError:
        return value


def test_every_type_the_domain_keeps_is_one_contract_event_of_that_type():
    assert tuple(wire.INCOMING) == EVENT_TYPES
    for event_type, kind in wire.INCOMING.items():
        assert kind.type == event_type and event_class(event_type) is kind
    assert set(SPEC.events) == set(wire.INCOMING.values())


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_the_fields_kept_are_fields_of_the_contract_event(event_type):
    assert set(BEWAARD[event_type]) <= set(wire.INCOMING[event_type].model_fields)


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_a_contract_event_becomes_the_domains_minimal_record(event_type):
    data = VOORBEELDEN[event_type]
    event = wire.INCOMING[event_type].model_validate(data)
    kept = wire.feit(event)
    assert isinstance(kept, Feit) and kept.event_type == event_type
    assert kept == minimalisatie.feit(event_type, event.model_dump(mode="json"))
    assert set(kept.data) == set(BEWAARD[event_type]) & set(event.model_dump())
    verwacht = minimalisatie.minimaliseer(event_type, data)
    # The chain's own data kept as it was (the contract fills in defaults of the fields it lacks).
    assert {k: _tijd(kept.data[k]) for k in verwacht} == {k: _tijd(v) for k, v in verwacht.items()}
    for kind in kept.data.get("kinderen", []):
        assert set(kind) == {"kind_id"}  # no age, nothing else of a child


def test_what_is_not_kept_does_not_get_through():
    data = VOORBEELDEN[minimalisatie.MELDING]
    event = wire.INCOMING[minimalisatie.MELDING].model_validate(data)
    kept = wire.feit(event).data
    dropped = set(event.model_dump()) - set(BEWAARD[minimalisatie.MELDING])
    assert dropped and not dropped & set(kept)
    assert all("leeftijd" not in kind for kind in kept["kinderen"])
