"""The runtime's mechanisms with the real services in one process, on real Postgres and Kafka."""
import json

import pytest
import sqlalchemy as sa

from contracts.events import CasusAssigned, MeldingReceived
from runtime import tables
from services.intake.domain.model import Melding
from tests.clock import PINNED_NOW
from tests.fixtures import EXAMPLE_MELDING, melding
from tests.infra import header, produce, read_topic, wait_until

pytestmark = pytest.mark.integration


def runtime(chain, name):
    return chain[name].app.state.runtime


async def seed(chain, capacity=None):
    for gi, (protectors, norm) in (capacity or {"JBRR": (10, 15), "WSS": (10, 13), "LJR": (10, 15)}).items():
        r = await chain["capacity"].put(f"/v1/gis/{gi}/capaciteit",
                                        json={"jeugdbeschermers": protectors, "caseload_norm": norm})
        assert r.status_code == 200, r.text


async def assigned(chain, melding_id) -> dict:
    async def check():
        body = (await chain["intake"].get(f"/v1/meldingen/{melding_id}")).json()
        return body if body["status"] == "assigned" else None
    return await wait_until(check)


async def free_slots(chain, gi: str) -> int:
    r = await chain["capacity"].get(f"/v1/gis/{gi}/capaciteit")
    return r.json()["vrije_plaatsen"]


async def test_report_spans_share_one_trace_across_services(chain, spans):
    await seed(chain)
    spans.clear()
    r = await chain["intake"].post("/v1/meldingen", json=melding())
    assert r.status_code == 201
    melding_id = r.json()["id"]
    await assigned(chain, melding_id)
    post_span = next(s for s in spans.get_finished_spans() if s.name == "POST /v1/meldingen")

    def services_in_trace():
        return {s.instrumentation_scope.name for s in spans.get_finished_spans()
                if s.context.trace_id == post_span.context.trace_id}

    everyone = {"intake", "triage", "caseregie", "capacity", "reporting"}
    await wait_until(lambda: everyone <= services_in_trace())
    consume_spans = [s for s in spans.get_finished_spans()
                     if s.context.trace_id == post_span.context.trace_id and s.name.startswith("consume")]
    assert all(s.parent is not None for s in consume_spans)


async def test_outbox_publishes_binary_cloudevents_without_personal_data(chain, kafka_bootstrap):
    r = await chain["intake"].post("/v1/meldingen", json=EXAMPLE_MELDING)
    melding_id = r.json()["id"]
    await assigned(chain, melding_id)
    records = await read_topic(kafka_bootstrap, MeldingReceived.topic.name)
    record = next(r for r in records if json.loads(r.value)["melding_id"] == melding_id)
    assert record.key.decode() == melding_id
    assert header(record, "ce_specversion") == "1.0"
    assert header(record, "ce_type") == MeldingReceived.type
    assert header(record, "ce_source") == "intake"
    assert header(record, "ce_subject") == melding_id
    assert header(record, "ce_id") and header(record, "ce_time")
    assert header(record, "content-type") == "application/json"
    assert header(record, "traceparent").startswith("00-")
    text = record.value.decode()
    for personal in ("Sem", "Jansen", "111222333", "010-1234567", "de Vries", "veiligheid thuis",
                     "2016-04-12", "Kim"):
        assert personal not in text
    MeldingReceived.model_validate_json(record.value)


async def test_rolled_back_change_leaves_no_state_and_no_event(chain):
    rt = runtime(chain, "intake")
    report = melding()
    m = Melding.receive(report, b"k", PINNED_NOW)
    async with rt.engine.connect() as conn:
        outbox_before = await conn.scalar(sa.select(sa.func.count()).select_from(tables.outbox))
    with pytest.raises(RuntimeError):
        async with rt.uow() as uow:
            await uow.meldingen.add(m)
            uow.publish(m.received_event())
            raise RuntimeError("crash before commit")
    async with rt.uow() as uow:
        assert await uow.meldingen.get(m.id) is None
    async with rt.engine.connect() as conn:
        assert await conn.scalar(sa.select(sa.func.count()).select_from(tables.outbox)) == outbox_before


async def test_redelivered_event_changes_nothing(chain, kafka_bootstrap):
    r = await chain["intake"].post("/v1/meldingen", json=melding())
    melding_id = r.json()["id"]
    await assigned(chain, melding_id)
    consumer = runtime(chain, "capacity").consumer
    await wait_until(lambda: consumer.processed >= 1)
    before = await free_slots(chain, "WSS")
    records = await read_topic(kafka_bootstrap, CasusAssigned.topic.name)
    original = next(r for r in records if header(r, "ce_type") == CasusAssigned.type
                    and json.loads(r.value)["melding_id"] == melding_id)
    seen = consumer.processed
    await produce(kafka_bootstrap, original.topic, original.value, original.key, list(original.headers))
    await wait_until(lambda: consumer.processed > seen)
    assert await free_slots(chain, "WSS") == before
    kpis = (await chain["reporting"].get("/v1/kpis", params={"gi": "WSS"})).json()["kpis"]
    assigned_count = next(k for k in kpis if k["kpi"] == "casussen_toegewezen")["waarde"]
    async with runtime(chain, "reporting").engine.connect() as conn:
        distinct = await conn.scalar(sa.text(
            "SELECT count(DISTINCT data->>'melding_id') FROM event_historie "
            "WHERE event_type = 'nl.jbketen.casus.assigned.v1' AND data->>'gi' = 'WSS'"))
    assert assigned_count == distinct


async def test_poison_events_are_dead_lettered_and_the_consumer_carries_on(chain, kafka_bootstrap):
    topic = CasusAssigned.topic.name
    consumer = runtime(chain, "capacity").consumer
    dead_before = consumer.dead_lettered
    await produce(kafka_bootstrap, topic, b"not json at all", b"x")
    await produce(kafka_bootstrap, topic, b'{"casus_id": "nope"}', b"y", [
        ("ce_specversion", b"1.0"), ("ce_id", b"poison-1"), ("ce_source", b"test"),
        ("ce_type", CasusAssigned.type.encode()), ("ce_time", b"2026-01-01T00:00:00+00:00")])
    await wait_until(lambda: consumer.dead_lettered >= dead_before + 2)

    letters = await wait_until(lambda: _letters(kafka_bootstrap))
    reasons = [json.loads(r.value)["reason"] for r in letters]
    assert any("missing CloudEvents headers" in reason for reason in reasons)
    assert any("invalid nl.jbketen.casus.assigned.v1 data" in reason for reason in reasons)
    poison = next(json.loads(r.value) for r in letters if json.loads(r.value)["event_id"] == "poison-1")
    assert poison["topic"] == topic and poison["value"] == '{"casus_id": "nope"}'

    before = await free_slots(chain, "WSS")
    r = await chain["intake"].post("/v1/meldingen", json=melding())
    await assigned(chain, r.json()["id"])
    await wait_until(lambda: _free_below(chain, "WSS", before))


async def _letters(bootstrap):
    return [r for r in await read_topic(bootstrap, "capacity.deadletter")
            if header(r, "ce_type") == "nl.jbketen.deadletter.v1"]


async def _free_below(chain, gi, before):
    return await free_slots(chain, gi) < before


async def test_grey_area_report_goes_to_gi_with_most_free_capacity(chain):
    await seed(chain, {"JBRR": (1, 15), "WSS": (1, 13), "LJR": (50, 15)})
    await wait_until(lambda: _triage_sees(chain, "LJR", 750 - 0))
    report = melding(kenmerken=[])
    r = await chain["intake"].post("/v1/meldingen", json=report)
    body = await assigned(chain, r.json()["id"])
    assert body["toegewezen_gi"] == "LJR"
    advice = next(s for s in body["stappen"] if s["stap"] == "advised")
    assert "meeste vrije plaatsen" in advice["details"]["reden"]


async def _triage_sees(chain, gi, at_least):
    rows = (await chain["triage"].get("/v1/beschikbaarheid")).json()
    return any(row["gi"] == gi and row["vrije_plaatsen"] >= at_least - 50 for row in rows)


async def test_health_shows_consumer_lag_going_back_to_zero(chain):
    r = await chain["intake"].post("/v1/meldingen", json=melding())
    await assigned(chain, r.json()["id"])

    async def caught_up():
        report = (await chain["capacity"].get("/v1/health")).json()
        return report if report["consumer"]["lag"] == 0 else None
    report = await wait_until(caught_up)
    assert report["status"] == "up" and report["consumer"]["joined"] is True
    assert report["database"] == "up" and report["outbox_backlog"] >= 0


async def test_republished_outbox_restores_the_topic_and_changes_nothing(chain, kafka_bootstrap):
    await seed(chain)
    before = await chain["capacity"].get("/v1/capaciteit")
    signals = await read_topic(kafka_bootstrap, "capacity.signals")
    first_id = header(signals[0], "ce_id")
    triage = runtime(chain, "triage").consumer
    seen = triage.processed

    r = await chain["capacity"].post("/v1/outbox/herpublicaties", json={})
    assert r.status_code == 202 and r.json()["herpubliceerd"] >= len(signals)

    async def resent():
        ids = [header(s, "ce_id") for s in await read_topic(kafka_bootstrap, "capacity.signals")]
        return ids.count(first_id) == 2
    await wait_until(resent)
    await wait_until(lambda: triage.processed >= seen + len(signals))  # seen again, deduplicated
    assert (await chain["capacity"].get("/v1/capaciteit")).json() == before.json()
    assert (await chain["capacity"].get("/v1/health")).json()["outbox_backlog"] == 0
