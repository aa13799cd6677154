import json

import pytest

from contracts.events import EVENT_TYPES
from contracts.generate import ASYNCAPI, SCHEMA_DIR, stale
from contracts.topics import CAPACITY_SIGNALS, TOPICS


def _asyncapi():
    return json.loads(ASYNCAPI.read_text())


def test_checked_in_contracts_are_up_to_date():
    assert stale() == [], "run `python -m contracts.generate`"


def test_every_event_type_has_a_schema():
    for event_type, cls in EVENT_TYPES.items():
        schema = json.loads((SCHEMA_DIR / f"{event_type}.json").read_text())
        assert schema["$id"] == event_type
        assert set(schema["required"]) <= set(cls.model_fields)


def test_asyncapi_has_a_channel_per_topic():
    doc = _asyncapi()
    assert doc["asyncapi"].startswith("3.")
    channels = {c["address"]: c for c in doc["channels"].values()}
    assert set(channels) == {t.name for t in TOPICS}
    for event_type, cls in EVENT_TYPES.items():
        messages = channels[cls.topic.name]["messages"]
        assert cls.__name__ in messages
        assert doc["components"]["messages"][cls.__name__]["name"] == event_type


def test_capacity_signals_are_compacted():
    channel = next(c for c in _asyncapi()["channels"].values() if c["address"] == CAPACITY_SIGNALS.name)
    assert channel["bindings"]["kafka"]["topicConfiguration"]["cleanup.policy"] == ["compact"]


def test_the_agreed_ca_shares_of_every_year_add_up_and_cover_every_gi():
    from contracts.ca_verdeling import AFGESPROKEN_AANDELEN, afgesproken_aandelen
    from contracts.vocabulary import GI

    for jaar, aandelen in AFGESPROKEN_AANDELEN.items():
        assert set(aandelen) == set(GI) and abs(sum(aandelen.values()) - 1) < 1e-9, jaar
    assert afgesproken_aandelen(2025) == dict(AFGESPROKEN_AANDELEN[2024])  # kept until a new row
    assert afgesproken_aandelen(2030) == dict(AFGESPROKEN_AANDELEN[2026])
    with pytest.raises(LookupError):
        afgesproken_aandelen(2020)
