"""The runtime's mechanisms with the real services in one process, on real Postgres and Kafka; and
who sees which report, enforced in intake's own queries."""
import json
from datetime import datetime
from uuid import uuid4

import pytest
import sqlalchemy as sa

from contracts.events import CasusAssigned, MeldingReceived
from runtime import tables
from runtime.identity import LOKAAL_TEAM, VEILIG_THUIS
from services.intake.domain.model import Melding
from tests import identity
from tests.clock import PINNED_NOW
from tests.e2e import helpers
from tests.e2e.helpers import post_melding, until_status
from tests.fixtures import EXAMPLE_MELDING, melding
from tests.infra import header, produce, read_topic, wait_until
from tests.unit.test_intake_model import gegevens

pytestmark = pytest.mark.integration


def runtime(chain, name):
    return chain[name].app.state.runtime


async def seed(chain, capacity=None):
    for gi, (protectors, norm) in (capacity or {"JBRR": (10, 15), "WSS": (10, 13), "LJR": (10, 15)}).items():
        r = await chain["capacity"].put(f"/v1/gis/{gi}/capaciteit", headers=identity.gi(gi),
                                        json={"jeugdbeschermers": protectors, "caseload_norm": norm})
        assert r.status_code == 200, r.text


async def assigned(chain, melding_id) -> dict:
    """The report as its submitter reads it, once it is a case."""
    return await until_status(chain, melding_id, "assigned")


async def free_slots(chain, gi: str) -> int:
    r = await chain["capacity"].get(f"/v1/gis/{gi}/capaciteit", headers=identity.rvdk())
    return r.json()["vrije_plaatsen"]


async def test_report_spans_share_one_trace_across_services(chain, spans):
    await seed(chain)
    spans.clear()
    melding_id = await post_melding(chain, melding())
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
    melding_id = await post_melding(chain, EXAMPLE_MELDING)
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
    m = Melding.receive(gegevens(report), b"k", PINNED_NOW)
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
    melding_id = await post_melding(chain, melding())
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

    async def counted_once() -> bool:
        """The KPI counts each assignment once: equal to the distinct reports in reporting's history
        (reporting may still be catching up; a double count would never become equal)."""
        kpis = (await chain["reporting"].get("/v1/kpis", params={"gi": "WSS"},
                                             headers=identity.regio())).json()["kpis"]
        assigned_count = next(k for k in kpis if k["kpi"] == "casussen_toegewezen")["waarde"]
        async with runtime(chain, "reporting").engine.connect() as conn:
            distinct = await conn.scalar(sa.text(
                "SELECT count(DISTINCT data->>'melding_id') FROM event_historie "
                "WHERE event_type = 'nl.jbketen.casus.assigned.v1' AND data->>'gi' = 'WSS'"))
        return assigned_count == distinct

    assert await wait_until(counted_once, timeout=15)


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
    await assigned(chain, await post_melding(chain, melding()))
    await wait_until(lambda: _free_below(chain, "WSS", before))


async def _letters(bootstrap):
    return [r for r in await read_topic(bootstrap, "capacity.deadletter")
            if header(r, "ce_type") == "nl.jbketen.deadletter.v1"]


async def _free_below(chain, gi, before):
    return await free_slots(chain, gi) < before


async def test_grey_area_report_goes_to_gi_with_most_free_capacity(chain):
    await seed(chain, {"JBRR": (1, 15), "WSS": (1, 13), "LJR": (50, 15)})
    await wait_until(lambda: _triage_sees(chain, "LJR", 750 - 0))
    body = await assigned(chain, await post_melding(chain, melding(kenmerken=[])))
    assert body["toegewezen_gi"] == "LJR"
    advice = next(s for s in body["stappen"] if s["stap"] == "advised")
    assert "meeste vrije plaatsen" in advice["details"]["reden"]


async def _triage_sees(chain, gi, at_least):
    rows = (await chain["triage"].get("/v1/beschikbaarheid", headers=identity.rvdk())).json()
    return any(row["gi"] == gi and row["vrije_plaatsen"] >= at_least - 50 for row in rows)


async def test_health_shows_consumer_lag_going_back_to_zero(chain):
    await assigned(chain, await post_melding(chain, melding()))

    async def caught_up():
        report = (await chain["capacity"].get("/v1/health", headers=identity.beheer())).json()
        return report if report["consumer"]["lag"] == 0 else None
    report = await wait_until(caught_up)
    assert report["status"] == "up" and report["consumer"]["joined"] is True
    assert report["database"] == "up" and report["outbox_backlog"] >= 0


async def test_republished_outbox_restores_the_topic_and_changes_nothing(chain, kafka_bootstrap):
    await seed(chain)
    before = await chain["capacity"].get("/v1/capaciteit", headers=identity.rvdk())
    signals = await read_topic(kafka_bootstrap, "capacity.signals")
    first_id = header(signals[0], "ce_id")
    triage = runtime(chain, "triage").consumer
    seen = triage.processed

    r = await chain["capacity"].post("/v1/outbox/herpublicaties", json={}, headers=identity.beheer())
    assert r.status_code == 202 and r.json()["herpubliceerd"] >= len(signals)

    async def resent():
        ids = [header(s, "ce_id") for s in await read_topic(kafka_bootstrap, "capacity.signals")]
        return ids.count(first_id) == 2
    await wait_until(resent)
    await wait_until(lambda: triage.processed >= seen + len(signals))  # seen again, deduplicated
    assert (await chain["capacity"].get("/v1/capaciteit", headers=identity.rvdk())).json() == before.json()
    health = await chain["capacity"].get("/v1/health", headers=identity.beheer())
    assert health.json()["outbox_backlog"] == 0


# --- who sees which report ------------------------------------------------------------------------
# Each test makes organisations of its own, so their lists hold exactly what the test submitted.

def team(gemeente: str = "GM0599") -> dict[str, str]:
    """A local team of `gemeente` that exists only in this test."""
    return identity.auth(LOKAAL_TEAM, f"WT-{gemeente}-{uuid4().hex[:8]}", gemeente=gemeente)


def veilig_thuis() -> dict[str, str]:
    return identity.auth(VEILIG_THUIS, f"VT-{uuid4().hex[:8]}")


OUTSIDERS = {"gi": identity.gi("WSS"), "gi_manager": identity.gi_manager("WSS"),
             "regio": identity.regio(), "beheer": identity.beheer(), "privacy": identity.privacy()}
SPOED = {"urgentie": "spoed", "zorgen": []}
AANVULLING = {"zorgen": ["veiligheid"]}


async def listed(chain, caller, **params) -> tuple[set[str], int]:
    r = await chain["intake"].get("/v1/meldingen", params={"pageSize": 200, **params}, headers=caller)
    assert r.status_code == 200, r.text
    return {m["id"] for m in r.json()["items"]}, r.json()["total"]


async def read(chain, melding_id, caller):
    return await chain["intake"].get(f"/v1/meldingen/{melding_id}", headers=caller)


async def complete(chain, melding_id, caller):
    return await chain["intake"].post(f"/v1/meldingen/{melding_id}/aanvullingen", json=AANVULLING,
                                      headers=caller)


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return response.json()


async def test_a_local_team_reports_for_its_own_municipality_only(chain):
    own = team("GM0599")
    for elsewhere in ("GM0363", "GM0606"):  # outside the region, and a neighbour in it
        r = await chain["intake"].post("/v1/meldingen", json=melding(gemeente=elsewhere), headers=own)
        assert [p["name"] for p in assert_problem(r, 403)["invalidParams"]] == ["gemeente"]
    assert await listed(chain, own) == (set(), 0)
    submitted = await post_melding(chain, melding(), own)
    assert await listed(chain, own) == ({submitted}, 1)


async def test_a_local_team_reads_and_completes_only_its_own_reports(chain):
    own, same_municipality, neighbour = team("GM0599"), team("GM0599"), team("GM0606")
    regulier = await post_melding(chain, melding(), own)
    spoed = await post_melding(chain, melding(**SPOED), own)
    for other in (same_municipality, neighbour):
        for melding_id in (regulier, spoed):
            assert_problem(await read(chain, melding_id, other), 404)
        assert_problem(await complete(chain, spoed, other), 404)
        assert await listed(chain, other) == (set(), 0)
        assert await listed(chain, other, gemeente="GM0599") == (set(), 0)
    assert (await helpers.melding(chain, spoed))["status"] == "incomplete"  # nothing changed
    assert await listed(chain, own) == ({regulier, spoed}, 2)
    assert await listed(chain, own, status="incomplete") == ({spoed}, 1)
    assert await listed(chain, own, gemeente="GM0606") == (set(), 0)
    r = await complete(chain, spoed, own)
    assert r.status_code == 200 and r.json()["status"] == "received"


async def test_veilig_thuis_reports_for_any_municipality_and_reads_only_its_own(chain):
    vt, other_vt, gm0599 = veilig_thuis(), veilig_thuis(), team("GM0599")
    ids = [await post_melding(chain, melding(gemeente=g), vt) for g in ("GM0599", "GM0606", "GM1924")]
    outside = await chain["intake"].post("/v1/meldingen", json=melding(gemeente="GM0363"), headers=vt)
    assert [p["name"] for p in assert_problem(outside, 400)["invalidParams"]] == ["gemeente"]
    team_report = await post_melding(chain, melding(), gm0599)
    assert [(await helpers.melding(chain, i))["gemeente"] for i in ids] == ["GM0599", "GM0606", "GM1924"]
    assert_problem(await read(chain, ids[0], gm0599), 404)  # in the team's municipality, not its own
    assert_problem(await read(chain, ids[0], other_vt), 404)
    assert_problem(await read(chain, team_report, vt), 404)
    assert await listed(chain, vt) == (set(ids), 3)
    assert await listed(chain, vt, gemeente="GM0606") == ({ids[1]}, 1)
    assert await listed(chain, gm0599) == ({team_report}, 1)
    assert await listed(chain, other_vt) == (set(), 0)


async def test_the_rvdk_reads_the_reports_referred_to_it_only(chain):
    own, rvdk = team(), identity.rvdk()
    regulier = await post_melding(chain, melding(), own)
    spoed = await post_melding(chain, melding(**SPOED), own)
    assert (await read(chain, regulier, rvdk)).json()["id"] == regulier
    assert_problem(await read(chain, spoed, rvdk), 404)
    ids, _ = await listed(chain, rvdk)
    assert regulier in ids and spoed not in ids
    assert await listed(chain, rvdk, status="incomplete") == (set(), 0)
    assert_problem(await complete(chain, spoed, rvdk), 403)
    assert (await complete(chain, spoed, own)).status_code == 200
    assert (await read(chain, spoed, rvdk)).status_code == 200  # referred now
    assert spoed in (await listed(chain, rvdk))[0]


async def test_every_other_role_is_refused_every_intake_operation(chain):
    own = team()
    regulier = await post_melding(chain, melding(), own)
    spoed = await post_melding(chain, melding(**SPOED), own)
    calls = [("post", "/v1/meldingen", melding()), ("get", "/v1/meldingen", None),
             ("get", f"/v1/meldingen/{regulier}", None),
             ("post", f"/v1/meldingen/{spoed}/aanvullingen", AANVULLING)]
    for rol, caller in OUTSIDERS.items():
        for method, path, body in calls:
            r = await chain["intake"].request(method, path, json=body, headers=caller)
            assert r.status_code == 403, (rol, method, path, r.text)
    for method, path, body in calls:
        r = await chain["intake"].request(method, path, json=body)
        assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")
    assert (await helpers.melding(chain, spoed))["status"] == "incomplete"
    assert await listed(chain, own) == ({regulier, spoed}, 2)


async def test_no_other_organisation_ever_sees_a_childs_name(chain):
    own = team()
    personal = ["Zoë-Lieke", "Brandsma-Okafor", "R. Visser-Bakker", "Onrustig thuis bij oma"]
    reports = [melding(toelichting=personal[3]), melding(toelichting=personal[3], **SPOED)]
    for report in reports:
        report["gezin"]["kinderen"][0].update(voornaam=personal[0], achternaam=personal[1])
        report["melder"]["naam"] = personal[2]
    ids = [await post_melding(chain, report, own) for report in reports]
    others = [team(), team("GM0606"), veilig_thuis(), identity.rvdk(), *OUTSIDERS.values()]
    answers = []
    for caller in others:
        answers.append(await chain["intake"].get("/v1/meldingen", headers=caller))
        for melding_id in ids:
            answers += [await read(chain, melding_id, caller), await complete(chain, melding_id, caller)]
    assert any(a.status_code == 200 and a.json().get("id") == ids[0] for a in answers)  # the RvdK's
    bsn = reports[0]["gezin"]["kinderen"][0]["bsn"]
    for answer in answers:
        assert answer.status_code in (200, 403, 404)
        for secret in [*personal, bsn]:
            assert secret not in answer.text, (secret, answer.request.url, answer.text)


async def test_capacity_says_how_current_its_figures_are(chain):
    melding_id = await post_melding(chain, melding())
    body = await assigned(chain, melding_id)
    consumer = runtime(chain, "capacity").consumer

    async def caught_up():  # the chain runs on after the assignment (protector, signals): read
        last = consumer.last_event_time  # until no event came in between reading and comparing
        r = await chain["capacity"].get("/v1/capaciteit", headers=identity.rvdk())
        block = r.json()["actualiteit"]
        return block if (block["bijgewerkt"] and block["bijgewerkt_tot"] and last is not None
                         and last == consumer.last_event_time) else None

    block = await wait_until(caught_up)
    assert block["achterstand"] == 0
    assert block["bijgewerkt_tot"] == consumer.last_event_time.isoformat().replace("+00:00", "Z")
    assert await consumer.lag() == 0

    async def kpis_current():
        r = await chain["reporting"].get("/v1/kpis", headers=identity.regio())
        return r.json()["actualiteit"] if r.json()["actualiteit"]["bijgewerkt"] else None

    reporting = await wait_until(kpis_current)
    assert reporting["achterstand"] == 0 and reporting["bijgewerkt_tot"] is not None
    assert body["status"]


async def test_a_capacity_signal_says_up_to_which_event_it_is_complete(chain, kafka_bootstrap):
    await seed(chain)
    await assigned(chain, await post_melding(chain, melding()))
    cases = await read_topic(kafka_bootstrap, "caseregie.casussen")
    case_times = {_moment(header(r, "ce_time")) for r in cases}

    async def caused_by_case_events():
        signals = [json.loads(s.value) for s in await read_topic(kafka_bootstrap, "capacity.signals")]
        return [s for s in signals if _moment(s["actualiteit"]["bijgewerkt_tot"]) in case_times]

    for signal in await wait_until(caused_by_case_events):  # what was still to read behind its batch
        behind = signal["actualiteit"]["achterstand"]  # null while a partition's end is not known yet
        assert behind is None or behind >= 0
        assert signal["actualiteit"]["bijgewerkt"] is (behind == 0)
    consumer = runtime(chain, "capacity").consumer
    await wait_until(lambda: consumer.progress().bijgewerkt and consumer.last_event_time)
    r = await chain["capacity"].put("/v1/gis/WSS/capaciteit", headers=identity.gi("WSS"),
                                    json={"jeugdbeschermers": 11, "caseload_norm": 13})
    assert r.status_code == 200, r.text

    async def staffing_signal():
        signals = [json.loads(s.value) for s in await read_topic(kafka_bootstrap, "capacity.signals")]
        return next((s for s in signals if s["gi"] == "WSS" and s["jeugdbeschermers"] == 11), None)

    progress = (await wait_until(staffing_signal))["actualiteit"]  # a request: as far as the consumer got
    assert progress["bijgewerkt"] is True and progress["achterstand"] == 0
    assert _moment(progress["bijgewerkt_tot"]) == consumer.last_event_time


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None
