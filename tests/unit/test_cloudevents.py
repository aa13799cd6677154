import json
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from contracts.events import CapacitySignal, MeldingReceived
from runtime.cloudevents import CloudEvent, EnvelopeError
from tests.clock import PINNED_NOW

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
EVENT = CapacitySignal(gi="WSS", vrije_plaatsen=3, plaatsen=48, kinderen_in_zorg=45, jeugdbeschermers=4,
                       caseload_norm=12, tijdstip=datetime(2026, 3, 1, tzinfo=UTC))


def test_headers_carry_the_attributes():
    ce = CloudEvent.wrap(EVENT, "capacity", PINNED_NOW, traceparent=TRACEPARENT)
    headers = dict(ce.headers())
    assert headers == {
        "ce_specversion": b"1.0", "ce_id": ce.id.encode(), "ce_source": b"capacity",
        "ce_type": b"nl.jbketen.capacity.signal.v1", "ce_subject": b"WSS",
        "ce_time": ce.time.isoformat().encode(), "content-type": b"application/json",
        "traceparent": TRACEPARENT.encode(),
    }
    assert "traceparent" not in dict(CloudEvent.wrap(EVENT, "capacity", PINNED_NOW).headers())


def test_round_trip():
    event = MeldingReceived(melding_id=uuid4(), gezin_id=uuid4(), gemeente="GM0599", urgentie="spoed",
                            kinderen=[{"kind_id": uuid4(), "leeftijd": 4}], zorgen=["veiligheid"],
                            kenmerken=[], ontvangen_op=datetime(2026, 3, 1, tzinfo=UTC))
    ce = CloudEvent.wrap(event, "intake", PINNED_NOW, traceparent=TRACEPARENT)
    assert ce.key == str(event.melding_id)
    assert ce.topic == "intake.meldingen"
    back = CloudEvent.from_record(ce.topic, ce.key.encode(), ce.value(), ce.headers())
    assert back == ce
    assert MeldingReceived.model_validate(back.data) == event


def _record(value=b'{"a": 1}', **overrides):
    headers = {"ce_specversion": "1.0", "ce_id": "1", "ce_source": "test", "ce_type": "t", **overrides}
    return ("topic", b"k", value, [(k, v.encode()) for k, v in headers.items() if v is not None])


@pytest.mark.parametrize("missing", ["ce_id", "ce_source", "ce_type", "ce_specversion"])
def test_missing_header(missing):
    with pytest.raises(EnvelopeError, match=missing):
        CloudEvent.from_record(*_record(**{missing: None}))


@pytest.mark.parametrize(("value", "headers"), [
    (b'{"a": 1}', {"ce_specversion": "0.3"}),
    (b"not json", {}),
    (b"", {}),
    (None, {}),
    (b"[1, 2]", {}),
    (json.dumps("text").encode(), {}),
    (b'{"a": 1}', {"ce_time": "yesterday"}),
])
def test_invalid_record(value, headers):
    with pytest.raises(EnvelopeError):
        CloudEvent.from_record(*_record(value, **headers))


def test_null_header_value_is_an_envelope_error():
    topic, key, value, headers = _record()
    with pytest.raises(EnvelopeError, match="ce_type"):
        CloudEvent.from_record(topic, key, value, [*headers[:-1], ("ce_type", None)])


def test_minimal_record_is_accepted():
    ce = CloudEvent.from_record(*_record())
    assert (ce.id, ce.source, ce.type, ce.data, ce.key, ce.subject, ce.traceparent) == (
        "1", "test", "t", {"a": 1}, "k", "", None)
