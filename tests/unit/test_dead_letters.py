"""Dead letters without infrastructure: the stored record is the record that failed (its value's
encoding kept), an unusable one is refused before any transaction, every service lists and
re-drives them under one name for beheer only and never shows a payload, and the runtime schema
has every column the table describes."""
import importlib
import json
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from aiokafka.structs import ConsumerRecord

from contracts.events import CasusAssigned
from runtime import migrations, operations, tables
from runtime.consumer import EventConsumer, Unprocessable, _as_text, _printable, letter_record
from runtime.errors import Conflict, NotFound
from runtime.http import nl_openapi, status_of
from runtime.service import build_app
from tests.clock import pinned

SERVICES = ["intake", "triage", "caseregie", "capacity", "reporting"]
FAILED_AT = datetime(2026, 11, 25, 11, 0, tzinfo=UTC)
HEADERS = [("ce_specversion", b"1.0"), ("ce_id", b"e-1"), ("ce_source", b"test"),
           ("ce_type", CasusAssigned.type.encode())]


def stored(value: bytes | None, key: bytes | None = b"k", headers=HEADERS) -> ConsumerRecord:
    """What `_dead_letter` keeps of a record, turned back into a record."""
    text, encoding = _as_text(value)
    return letter_record(topic="t", partition=1, offset=7, key=_printable(key) if key else None,
                         headers={k: _printable(v) for k, v in headers}, value=text,
                         value_encoding=encoding)


@pytest.mark.parametrize("value", [b'{"casus_id": "x"}', "{\"naam\": \"Zoë\"}".encode(),
                                   b"\xff\xfe\x00binary", b"text with \x00 NUL", b"", None], ids=repr)
def test_a_stored_letter_gives_back_the_record_that_failed(value):
    record = stored(value)
    assert record.value == value
    assert (record.topic, record.partition, record.offset, record.key) == ("t", 1, 7, b"k")
    assert list(record.headers) == HEADERS


def test_a_letter_without_a_key_or_an_encoding_from_before_v5_is_read_as_text():
    assert stored(b"{}", key=None).key is None
    record = letter_record(topic="t", partition=0, offset=0, key=None, headers={}, value='{"a": 1}',
                           value_encoding=None)
    assert record.value == b'{"a": 1}'


class NoSessions:
    def __call__(self):
        raise AssertionError("an unusable record must be refused before a transaction is opened")


def consumer(handlers=None) -> EventConsumer:
    return EventConsumer(service="test", consumer=None, topics=["t"], sessions=NoSessions(),
                         uow_factory=lambda: None, handlers=handlers or {}, max_attempts=1,
                         retry_backoff_s=0, clock=pinned())


async def _handler(event, uow):
    raise AssertionError("never called")


@pytest.mark.parametrize("record, reason", [
    (ConsumerRecord("t", 0, 0, -1, 0, b"k", b"not json", None, 1, 8, ()), "missing CloudEvents headers"),
    (stored(b"not json"), "unreadable event"),
    (stored(b'{"casus_id": "Jan Jansen"}'), f"invalid {CasusAssigned.type} data: "),
])
async def test_an_unusable_record_is_refused_with_its_reason_and_nothing_opened(record, reason):
    with pytest.raises(Unprocessable, match=reason) as refused:
        await consumer({CasusAssigned.type: _handler}).redrive(record)
    assert "Jansen" not in str(refused.value)


async def test_an_event_the_service_does_not_handle_is_refused():
    with pytest.raises(Unprocessable, match=f"test does not handle {CasusAssigned.type} events"):
        await consumer().redrive(stored(b"{}"))


@pytest.fixture(scope="module", params=SERVICES)
def schema(request):
    spec = importlib.import_module(f"services.{request.param}.bootstrap").SPEC
    return nl_openapi(build_app(spec), "1.0.0")


def test_every_service_lists_and_re_drives_its_dead_letters_for_beheer_only(schema):
    paths = schema["paths"]
    assert "/deadletters" not in paths  # one name per idea: no old alias
    operations_ = [("get", "/dode-brieven"), ("get", "/dode-brieven/{id}"),
                   ("post", "/dode-brieven/{id}/herverwerking")]
    for method, path in operations_:
        assert paths[path][method]["x-rollen"] == ["beheer"], path
    assert {"404", "409"} <= set(paths["/dode-brieven/{id}/herverwerking"]["post"]["responses"])
    assert "404" in paths["/dode-brieven/{id}"]["get"]["responses"]
    parameters = {p["name"] for p in paths["/dode-brieven"]["get"]["parameters"]}
    assert parameters == {"pageSize", "page", "status"}


def test_a_dead_letter_shows_where_it_came_from_and_its_re_drives_but_never_the_payload(schema):
    letter = schema["components"]["schemas"]["DeadLetterOut"]["properties"]
    assert {"id", "event_id", "event_type", "topic", "partition", "offset", "reason", "failed_at",
            "status", "herverwerkingen", "laatste_herverwerking"} == set(letter)
    text = json.dumps(schema["components"]["schemas"]["DeadLetterOut"])
    for payload in ("value", "key", "headers", "data"):
        assert f'"{payload}"' not in text


def row(**changes) -> SimpleNamespace:
    values = dict(id=3, event_id="e-1", headers={"ce_type": CasusAssigned.type, "ce_source": "x"},
                  topic="t", partition=0, offset=9, reason="invalid", failed_at=FAILED_AT, status="open",
                  redrive_attempts=0, last_redrive_at=None, last_redrive_outcome=None,
                  last_redrive_reason=None, key="Jansen", value='{"naam": "Jansen"}', value_encoding="utf-8")
    return SimpleNamespace(**{**values, **changes})


def test_a_letter_answer_has_its_last_re_drive_and_no_payload():
    out = operations._out(row(redrive_attempts=2, last_redrive_at=FAILED_AT, last_redrive_outcome="mislukt",
                              last_redrive_reason="RuntimeError in handlers.py:3"))
    assert out.event_type == CasusAssigned.type and out.herverwerkingen == 2
    assert out.laatste_herverwerking.uitkomst == "mislukt"
    assert out.laatste_herverwerking.reden == "RuntimeError in handlers.py:3"
    assert "Jansen" not in out.model_dump_json()
    assert operations._out(row()).laatste_herverwerking is None


class OneRow:
    """Sessions whose every select answers `found` (None: nothing)."""

    def __init__(self, found):
        self.found = found

    def __call__(self):
        return self

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        return None

    async def execute(self, statement):
        return SimpleNamespace(first=lambda: self.found)


def runtime(found, consumer=None) -> SimpleNamespace:
    return SimpleNamespace(sessions=OneRow(found), consumer=consumer, spec=SimpleNamespace(name="x"),
                           clock=pinned())


async def test_an_unknown_letter_is_not_found():
    with pytest.raises(NotFound):
        await operations._redrive(runtime(None), 404)


async def test_a_letter_re_driven_already_is_refused_without_touching_the_consumer():
    done = row(status="herverwerkt", last_redrive_at=FAILED_AT)
    with pytest.raises(operations.AlreadyRedriven) as refused:
        await operations._redrive(runtime(done, consumer=NoSessions()), 3)
    assert status_of(refused.value) == 409


async def test_a_service_without_a_consumer_cannot_re_drive():
    with pytest.raises(Conflict, match="consumes no events"):
        await operations._redrive(runtime(row()), 3)


def test_the_runtime_schema_has_every_dead_letter_column():
    v1 = {"id", "event_id", "topic", "partition", "offset", "reason", "headers", "key", "value", "failed_at"}
    later = " ".join(s for _what, _applied, statements in migrations.RUNTIME_REVISIONS for s in statements)
    for column in set(tables.dead_letters.c.keys()) - v1:
        assert f"ALTER TABLE dead_letters ADD COLUMN IF NOT EXISTS {column} " in later, column
    assert "ix_dead_letters_status" in later
