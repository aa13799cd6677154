"""A local team, the RvdK and a GI system drive the running chain from outside, each with its own
token (tests/identity.py)."""
import base64
import json

import pytest

from contracts.events import CapacitySignal, CasusAssigned, MeldingReceived, OverdrachtRequested
from contracts.topics import TOPICS
from tests import identity
from tests.e2e.helpers import casus, post_melding
from tests.e2e.helpers import melding as read_melding
from tests.fixtures import EXAMPLE_MELDING, grey_area_melding, melding
from tests.infra import end_offsets, header, produce, read_topic, wait_until

pytestmark = pytest.mark.e2e


async def until_assigned(http, melding_id, caller: dict[str, str] | None = None) -> dict:
    """The report as its submitter (or `caller`) reads it, once it is a case."""
    async def check():
        body = await read_melding(http, melding_id, caller)
        return body if body["status"] == "assigned" else None
    return await wait_until(check)


async def capacity(http, gi) -> dict:
    return (await http["capacity"].get(f"/v1/gis/{gi}/capaciteit", headers=identity.rvdk())).json()


async def kpi(http, name, **params) -> dict:
    body = (await http["reporting"].get("/v1/kpis", params=params, headers=identity.regio())).json()
    return next(k for k in body["kpis"] if k["kpi"] == name)


async def total(http, caller) -> int:
    r = await http["intake"].get("/v1/meldingen", headers=caller)
    assert r.status_code == 200, r.text
    return r.json()["total"]


async def latest_signals(bootstrap) -> dict:
    return {r.key.decode(): json.loads(r.value) for r in await read_topic(bootstrap, "capacity.signals")}


async def test_example_report_becomes_a_wss_case_with_capacity_and_kpis(http, kafka_bootstrap):
    wss_before = (await capacity(http, "WSS"))["vrije_plaatsen"]
    received = await kpi(http, "meldingen_ontvangen")
    assigned = await kpi(http, "casussen_toegewezen")

    team = identity.lokaal_team("GM0599")
    r = await http["intake"].post("/v1/meldingen", json=EXAMPLE_MELDING, headers=team)
    assert r.status_code == 201, r.text
    melding_id = r.json()["id"]
    assert r.headers["Location"] == f"/v1/meldingen/{melding_id}"
    body = await until_assigned(http, melding_id, team)
    await wait_until(lambda: _counted_by_capacity(http, "WSS", body["casus_id"]))

    assert body["doelgroep"] == "lvb"
    assert body["geadviseerde_gi"] == "WSS" and body["toegewezen_gi"] == "WSS"
    assert [s["stap"] for s in body["stappen"]] == ["received", "triaged", "advised", "measure", "assigned"]
    cases = (await http["caseregie"].get("/v1/casussen", params={"gi": "WSS"},
                                         headers=identity.gi("WSS"))).json()["items"]
    assert any(c["melding_id"] == melding_id and c["id"] == body["casus_id"] for c in cases)
    # The RvdK reads the report referred to it; another municipality's team does not see it.
    referred = await http["intake"].get(f"/v1/meldingen/{melding_id}", headers=identity.rvdk())
    assert referred.status_code == 200 and referred.json()["casus_id"] == body["casus_id"]
    other = await http["intake"].get(f"/v1/meldingen/{melding_id}", headers=identity.lokaal_team("GM0606"))
    assert other.status_code == 404

    assert (await capacity(http, "WSS"))["vrije_plaatsen"] == wss_before - 1
    overview = (await http["capacity"].get("/v1/capaciteit", headers=identity.rvdk())).json()
    assert next(g for g in overview["gis"] if g["gi"] == "WSS")["vrije_plaatsen"] == wss_before - 1
    signal = await wait_until(lambda: _signal_is(kafka_bootstrap, "WSS", wss_before - 1))
    assert set(signal) >= {"gi", "vrije_plaatsen", "tijdstip"}

    async def counted():
        r, a = await kpi(http, "meldingen_ontvangen"), await kpi(http, "casussen_toegewezen")
        return (r["waarde"] == received["waarde"] + 1
                and a["waarde"] == assigned["waarde"] + 1
                and a["per_gi"].get("WSS", 0) == (assigned["per_gi"].get("WSS") or 0) + 1
                and "GM0599" in r["per_gemeente"] and "GM0599" in a["per_gemeente"])
    await wait_until(counted)
    # Counted for GM0599, but shown only from the suppression threshold on (no child recognisable).
    figures = await kpi(http, "meldingen_ontvangen")
    drempel = (await http["reporting"].get("/v1/kpis", headers=identity.regio())).json()[
        "onderdrukkingsdrempel"]
    gm0599 = figures["per_gemeente"]["GM0599"]
    assert (gm0599 is None and "GM0599" in figures["onderdrukt"]) or gm0599 >= drempel


async def _free_is(http, gi, value):
    return (await capacity(http, gi))["vrije_plaatsen"] == value


async def _signal_is(bootstrap, gi, value):
    signal = (await latest_signals(bootstrap)).get(gi)
    return signal if signal and signal["vrije_plaatsen"] == value else None


async def test_grey_area_follows_live_capacity(http, kafka_bootstrap):
    for gi, protectors in (("JBRR", 5), ("WSS", 5), ("LJR", 80)):
        r = await http["capacity"].put(f"/v1/gis/{gi}/capaciteit", headers=identity.gi(gi),
                                       json={"jeugdbeschermers": protectors, "caseload_norm": 15})
        assert r.status_code == 200, r.text
    await wait_until(lambda: _triage_knows(http, "LJR", 80 * 15))
    first = await until_assigned(http, await post_melding(http, grey_area_melding()))
    assert first["toegewezen_gi"] == "LJR"
    assert "grijs gebied" in first["stappen"][2]["details"]["reden"].lower()

    r = await http["capacity"].put("/v1/gis/JBRR/capaciteit", headers=identity.gi("JBRR"),
                                   json={"jeugdbeschermers": 200, "caseload_norm": 15})
    assert r.status_code == 200, r.text
    await wait_until(lambda: _triage_knows(http, "JBRR", 200 * 15))
    second = await until_assigned(http, await post_melding(http, grey_area_melding()))
    assert second["toegewezen_gi"] == "JBRR"


async def _triage_knows(http, gi, at_least):
    rows = (await http["triage"].get("/v1/beschikbaarheid", headers=identity.rvdk())).json()
    return any(r["gi"] == gi and r["vrije_plaatsen"] >= at_least - 20 for r in rows)


@pytest.mark.parametrize(("change", "field"), [
    ({"gemeente": "GM9999"}, "gemeente"),
    ({"gezin": {"kinderen": [{"voornaam": "A", "achternaam": "B", "geboortedatum": "2015-01-01",
                              "bsn": "123456789"}]}}, "gezin.kinderen[0].bsn"),
    ({"gezin": {"kinderen": [], "ouders": []}}, "gezin.kinderen"),
    ({"zorgen": ["onbekende_zorg"]}, "zorgen[0]"),
])
async def test_invalid_report_is_refused_and_nothing_is_stored_or_published(
        http, kafka_bootstrap, change, field):
    vt = identity.veilig_thuis()  # reports for any municipality: every refusal here is about the input
    total_before = await total(http, vt)
    offsets_before = await end_offsets(kafka_bootstrap, MeldingReceived.topic.name)

    r = await http["intake"].post("/v1/meldingen", json=melding(**change), headers=vt)

    assert r.status_code == 400
    assert r.headers["content-type"] == "application/problem+json"
    assert r.headers["API-Version"]
    problem = r.json()
    assert problem["status"] == 400 and problem["title"] and field in problem["detail"]
    assert field in [p["name"] for p in problem["invalidParams"]]
    assert await total(http, vt) == total_before
    assert await end_offsets(kafka_bootstrap, MeldingReceived.topic.name) == offsets_before


async def test_a_local_team_reporting_for_another_municipality_is_refused_and_nothing_is_stored(
        http, kafka_bootstrap):
    team = identity.lokaal_team("GM0599")
    total_before = await total(http, team)
    offsets_before = await end_offsets(kafka_bootstrap, MeldingReceived.topic.name)
    r = await http["intake"].post("/v1/meldingen", json=melding(gemeente="GM0363"), headers=team)
    assert r.status_code == 403 and r.headers["content-type"] == "application/problem+json"
    assert [p["name"] for p in r.json()["invalidParams"]] == ["gemeente"]
    assert await total(http, team) == total_before
    assert await end_offsets(kafka_bootstrap, MeldingReceived.topic.name) == offsets_before


async def test_no_personal_data_leaves_intake(http, kafka_bootstrap):
    melding_id = await post_melding(http, EXAMPLE_MELDING)
    await until_assigned(http, melding_id)
    for topic in TOPICS:
        for record in await read_topic(kafka_bootstrap, topic.name):
            text = record.value.decode()
            for personal in ("Jansen", "111222333", "010-1234567", "de Vries", "Zorgen over", "2016-04-12"):
                assert personal not in text, f"{personal!r} on {topic.name}"


async def test_redelivered_case_event_is_not_counted_twice(http, kafka_bootstrap):
    melding_id = await post_melding(http, melding())
    await until_assigned(http, melding_id)
    records = await read_topic(kafka_bootstrap, CasusAssigned.topic.name)
    original = next(r for r in records if header(r, "ce_type") == CasusAssigned.type
                    and json.loads(r.value)["melding_id"] == melding_id)
    await wait_until(lambda: _counted_by_capacity(http, "WSS", json.loads(original.value)["casus_id"]))
    wss = (await capacity(http, "WSS"))["vrije_plaatsen"]
    await wait_until(lambda: _caught_up(http["reporting"]))
    assigned = (await kpi(http, "casussen_toegewezen"))["waarde"]

    await produce(kafka_bootstrap, original.topic, original.value, original.key, list(original.headers))
    # A marker event behind the duplicate on the same partition: once it is handled, so was the duplicate.
    marker = await until_assigned(http, await post_melding(http, melding()))
    await wait_until(lambda: _free_is(http, "WSS", wss - 1))
    assert marker["toegewezen_gi"] == "WSS"
    await wait_until(lambda: _kpi_is(http, "casussen_toegewezen", assigned + 1))


async def _counted_by_capacity(http, gi, casus_id):
    history = (await http["capacity"].get(f"/v1/gis/{gi}/capaciteit/historie",
                                          headers=identity.rvdk())).json()
    return any(casus_id in entry["oorzaak"] for entry in history)


async def _caught_up(client) -> bool:
    consumer = (await client.get("/v1/health", headers=identity.beheer())).json()["consumer"]
    return consumer["lag"] == 0


async def _kpi_is(http, name, value):
    return (await kpi(http, name))["waarde"] == value


async def test_poison_event_goes_to_the_dead_letter_topic_and_the_chain_carries_on(http, kafka_bootstrap):
    await produce(kafka_bootstrap, CasusAssigned.topic.name, b"\x00garbage", b"poison-key")
    letters = await wait_until(lambda: _dead_letters(kafka_bootstrap, "capacity", "poison-key"))
    letter = json.loads(letters[0].value)
    assert letter["reason"] and letter["topic"] == CasusAssigned.topic.name
    assert letter["consumer"] == "capacity"
    assert letter["value_encoding"] == "base64"
    assert base64.b64decode(letter["value"]) == b"\x00garbage"
    assert await wait_until(lambda: _dead_letters(kafka_bootstrap, "reporting", "poison-key"))

    body = await until_assigned(http, await post_melding(http, melding()))
    await wait_until(lambda: _counted_by_capacity(http, "WSS", body["casus_id"]))


async def _dead_letters(bootstrap, service, key):
    return [r for r in await read_topic(bootstrap, f"{service}.deadletter") if r.key == key.encode()]


async def test_overdracht_request_is_recorded_and_published(http, kafka_bootstrap):
    body = await until_assigned(http, await post_melding(http, melding()))
    casus_id = body["casus_id"]

    wss = identity.gi("WSS")
    same = await http["caseregie"].post(f"/v1/casussen/{casus_id}/overdrachten", headers=wss,
                                        json={"naar_gi": "WSS", "reden": "x"})
    assert same.status_code == 400 and same.headers["content-type"] == "application/problem+json"

    r = await http["caseregie"].post(f"/v1/casussen/{casus_id}/overdrachten", headers=wss,
                                     json={"naar_gi": "JBRR", "reden": "Gezin verhuist naar Rotterdam-Zuid",
                                           "categorie": "verhuizing"})
    assert r.status_code == 201, r.text
    overdracht = r.json()
    assert overdracht["van_gi"] == "WSS" and overdracht["status"] == "aangevraagd"
    assert overdracht["categorie"] == "verhuizing"
    case = await casus(http, casus_id, "WSS")
    assert case["gi"] == "WSS" and case["overdrachten"][0]["id"] == overdracht["id"]
    assert case["overdrachten"][0]["categorie"] == "verhuizing"  # stored with the transfer

    async def published():
        return [json.loads(r.value) for r in await read_topic(kafka_bootstrap, OverdrachtRequested.topic.name)
                if header(r, "ce_type") == OverdrachtRequested.type
                and json.loads(r.value)["overdracht_id"] == overdracht["id"]]
    event = (await wait_until(published))[0]
    assert event["naar_gi"] == "JBRR" and event["categorie"] == "verhuizing"
    assert "reden" not in event and "Rotterdam-Zuid" not in json.dumps(event)  # the text stays in caseregie


async def test_late_subscriber_reads_current_capacity_of_every_gi(http, kafka_bootstrap):
    signals = await latest_signals(kafka_bootstrap)
    assert set(signals) == {"JBRR", "WSS", "LJR"}
    for gi, signal in signals.items():
        assert signal["vrije_plaatsen"] == (await capacity(http, gi))["vrije_plaatsen"]
        CapacitySignal.model_validate(signal)


async def test_every_response_carries_the_api_version_and_openapi_is_published(http):
    for client in http.values():
        r = await client.get("/v1/openapi.json")
        assert r.status_code == 200 and r.headers["API-Version"] == "1.0.0"
        assert r.json()["servers"] == [{"url": "/v1"}]
        missing = await client.get("/v1/does-not-exist")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"
        assert missing.headers["API-Version"] == "1.0.0"
