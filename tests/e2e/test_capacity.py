"""Live capacity as the RvdK, a GI system and the region see it: over HTTP, SSE and Kafka only.

The stack needs CAPACITY_ESCALATIE_WACHTEND_MAX set high (e.g. 1000) so that the waiting list
of the whole e2e run never escalates by itself: the escalation here is the region running out.
"""
import asyncio
import json
from contextlib import asynccontextmanager

import pytest

from contracts.events import CapacitySignal, EscalationCleared, EscalationRaised
from deploy.stack import SEED_CAPACITY
from tests import identity
from tests.e2e.helpers import casus, counted_by_capacity, events, post_melding, until_status
from tests.fixtures import melding
from tests.infra import read_topic, sse_events, wait_until

pytestmark = pytest.mark.e2e
GIS = {"JBRR", "WSS", "LJR"}
ESCALATIES = "capacity.escalaties"


@pytest.fixture(autouse=True)
async def seeded_staffing_afterwards(http):
    yield
    for gi, (protectors, norm) in SEED_CAPACITY.items():
        r = await http["capacity"].put(f"/v1/gis/{gi}/capaciteit", headers=identity.gi(gi),
                                       json={"jeugdbeschermers": protectors, "caseload_norm": norm})
        assert r.status_code == 200, r.text


async def figure(http, gi) -> dict:
    r = await http["capacity"].get(f"/v1/gis/{gi}/capaciteit", headers=identity.rvdk())
    assert r.status_code == 200, r.text
    return r.json()


async def put_staffing(http, gi, **body) -> dict:
    r = await http["capacity"].put(f"/v1/gis/{gi}/capaciteit", json=body, headers=identity.gi(gi))
    assert r.status_code == 200, r.text
    return r.json()


async def latest_signals(bootstrap) -> dict:
    return {r.key.decode(): json.loads(r.value) for r in await read_topic(bootstrap, "capacity.signals")}


VISIBLE = ("vrije_plaatsen", "plaatsen", "kinderen_in_zorg", "jeugdbeschermers", "afwezig", "caseload_norm",
           "wachtend", "langste_wachtdagen", "per_expertise")


def visible(figure_or_signal) -> dict:
    return {k: figure_or_signal[k] for k in VISIBLE}


async def test_late_subscriber_reads_the_current_capacity_of_every_gi(http, kafka_bootstrap):
    await put_staffing(http, "LJR", jeugdbeschermers=20, afwezig=2, caseload_norm=15)
    wss = await put_staffing(http, "WSS", caseload_norm=13, teams=[
        {"expertise": "lvb", "jeugdbeschermers": 20, "afwezig": 1},
        {"expertise": "algemeen", "jeugdbeschermers": 5}])
    assert (wss["jeugdbeschermers"], wss["afwezig"]) == (25, 1)
    assert {e["expertise"]: e["plaatsen"] for e in wss["per_expertise"]}["lvb"] == 19 * 13

    async def current():
        signals = await latest_signals(kafka_bootstrap)
        if set(signals) != GIS:
            return None
        for gi, signal in signals.items():
            if visible(signal) != visible(await figure(http, gi)):
                return None
        return signals
    signals = await wait_until(current)
    for signal in signals.values():
        CapacitySignal.model_validate(signal)
    assert signals["LJR"]["afwezig"] == 2 and signals["LJR"]["plaatsen"] == 18 * 15


async def test_invalid_staffing_is_refused_and_changes_nothing(http):
    before = await figure(http, "JBRR")
    r = await http["capacity"].put("/v1/gis/JBRR/capaciteit", headers=identity.gi("JBRR"),
                                   json={"jeugdbeschermers": 3, "afwezig": 5, "caseload_norm": 15})
    assert r.status_code == 400 and r.headers["content-type"] == "application/problem+json"
    assert "afwezig" in [p["name"] for p in r.json()["invalidParams"]]
    assert visible(await figure(http, "JBRR")) == visible(before)


# -- Server-Sent Events -------------------------------------------------------------------------

@asynccontextmanager
async def sse(http, last_event_id=None):
    headers = identity.rvdk() | ({"Last-Event-ID": str(last_event_id)} if last_event_id is not None else {})
    async with http["capacity"].stream("GET", "/v1/capaciteit/stream", headers=headers) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        yield sse_events(response)


async def next_event(stream, timeout=10.0) -> dict:
    return await asyncio.wait_for(anext(stream), timeout)


async def test_sse_snapshot_live_changes_and_resume_without_gaps(http):
    async with sse(http) as stream:
        snapshot = [await next_event(stream) for _ in range(3)]
        assert {e["data"]["gi"] for e in snapshot} == GIS
        assert all(e["event"] == "capaciteit" for e in snapshot)
        ids = [e["id"] for e in snapshot]
        assert ids == sorted(ids)
        for e in snapshot:
            assert visible(e["data"]) == visible(await figure(http, e["data"]["gi"]))

        await put_staffing(http, "LJR", jeugdbeschermers=21, caseload_norm=15)
        live = await next_event(stream)
        assert live["data"]["gi"] == "LJR" and live["data"]["jeugdbeschermers"] == 21
        assert live["id"] > ids[-1]
        CapacitySignal.model_validate(live["data"])

    # Disconnected: two changes happen, then the client resumes after the last id it saw.
    await put_staffing(http, "LJR", jeugdbeschermers=22, caseload_norm=15)
    await put_staffing(http, "JBRR", jeugdbeschermers=61, caseload_norm=15)
    async with sse(http, last_event_id=live["id"]) as stream:
        missed = [await next_event(stream) for _ in range(2)]
        assert [(e["data"]["gi"], e["data"]["jeugdbeschermers"]) for e in missed] == [
            ("LJR", 22), ("JBRR", 61)]
        assert live["id"] < missed[0]["id"] < missed[1]["id"]
        await put_staffing(http, "WSS", jeugdbeschermers=26, caseload_norm=13)
        after = await next_event(stream)
        assert (after["data"]["gi"], after["data"]["jeugdbeschermers"]) == ("WSS", 26)
        assert after["id"] > missed[1]["id"]


async def test_an_unchanged_report_sends_no_signal(http):
    current = await figure(http, "LJR")
    async with sse(http) as stream:
        for _ in range(3):
            await next_event(stream)
        await put_staffing(http, "LJR", jeugdbeschermers=current["jeugdbeschermers"],
                           afwezig=current["afwezig"], caseload_norm=current["caseload_norm"])
        await put_staffing(http, "LJR", jeugdbeschermers=current["jeugdbeschermers"] + 1,
                           caseload_norm=current["caseload_norm"])
        event = await next_event(stream)  # the unchanged report sent nothing
        assert event["data"]["jeugdbeschermers"] == current["jeugdbeschermers"] + 1


# -- the chain moves the numbers -----------------------------------------------------------------

async def test_case_events_move_children_in_care_and_the_waiting_list(http):
    wss, jbrr = await figure(http, "WSS"), await figure(http, "JBRR")
    body = await until_status(http, await post_melding(http, melding(kenmerken=["lvb_kind"])), "assigned")
    case = await casus(http, body["casus_id"], "WSS")
    assert case["gi"] == "WSS"
    n = len(case["kinderen"])
    await wait_until(lambda: counted_by_capacity(http, "WSS", case["id"], "toegewezen"))
    assigned = await figure(http, "WSS")
    assert assigned["kinderen_in_zorg"] == wss["kinderen_in_zorg"] + n
    assert assigned["wachtend"] == wss["wachtend"] + n
    assert assigned["vrije_plaatsen"] == wss["vrije_plaatsen"] - n
    lvb = {e["expertise"]: e for e in assigned["per_expertise"]}.get("lvb")
    assert lvb is None or lvb["kinderen_in_zorg"] >= n  # per expertise only when WSS reported teams

    r = await http["caseregie"].post(f"/v1/casussen/{case['id']}/jeugdbeschermer", headers=identity.gi("WSS"),
                                     json={"gi": "WSS", "jeugdbeschermer_id": "WSS-7", "naam": "P. de Boer"})
    assert r.status_code in (200, 201), r.text
    await wait_until(lambda: counted_by_capacity(http, "WSS", case["id"], "jeugdbeschermer"))
    assert (await figure(http, "WSS"))["wachtend"] == wss["wachtend"]

    r = await http["caseregie"].post(f"/v1/casussen/{case['id']}/overdrachten", headers=identity.gi("WSS"),
                                     json={"naar_gi": "JBRR", "reden": "Gezin verhuist naar Rotterdam-Zuid",
                                           "categorie": "verhuizing"})
    assert r.status_code == 201, r.text
    overdracht = r.json()["id"]
    for gi in ("WSS", "JBRR"):
        r = await http["caseregie"].post(f"/v1/casussen/{case['id']}/overdrachten/{overdracht}/goedkeuringen",
                                         json={"gi": gi}, headers=identity.gi_manager(gi))
        assert r.status_code in (200, 201), r.text
    await wait_until(lambda: counted_by_capacity(http, "JBRR", case["id"], "overgedragen"))
    moved_wss, moved_jbrr = await figure(http, "WSS"), await figure(http, "JBRR")
    assert moved_wss["kinderen_in_zorg"] == wss["kinderen_in_zorg"]
    assert moved_jbrr["kinderen_in_zorg"] == jbrr["kinderen_in_zorg"] + n
    assert moved_jbrr["wachtend"] == jbrr["wachtend"] + n  # a transfer clears the protector: waiting again

    r = await http["caseregie"].post(f"/v1/casussen/{case['id']}/afsluiting", headers=identity.gi("JBRR"),
                                     json={"reden": "afschaling"})
    assert r.status_code in (200, 201), r.text
    await wait_until(lambda: counted_by_capacity(http, "JBRR", case["id"], "gesloten"))
    closed = await figure(http, "JBRR")
    assert (closed["kinderen_in_zorg"], closed["wachtend"]) == (jbrr["kinderen_in_zorg"], jbrr["wachtend"])


# -- escalation ---------------------------------------------------------------------------------

async def escalaties(http, status) -> list[dict]:
    r = await http["capacity"].get("/v1/escalaties", params={"status": status}, headers=identity.regio())
    assert r.status_code == 200, r.text
    return r.json()["items"]


async def test_region_running_out_escalates_and_recovery_clears_it_without_flapping(http, kafka_bootstrap):
    assert await escalaties(http, "open") == [], (
        "an escalation is already open: the e2e stack needs CAPACITY_ESCALATIE_WACHTEND_MAX set high")
    for gi, (_, norm) in SEED_CAPACITY.items():
        await put_staffing(http, gi, jeugdbeschermers=0, caseload_norm=norm)

    [open_] = await wait_until(lambda: escalaties(http, "open"))
    assert open_["niveau"] >= 1 and open_["status"] == "open"
    assert any("Alle GI's" in reden for reden in open_["redenen"])
    assert set(open_["cijfers"]["gis_op_of_over_norm"]) == GIS
    raised = await wait_until(lambda: events(kafka_bootstrap, ESCALATIES, EscalationRaised.type,
                                             escalatie_id=open_["id"]))
    assert raised[0]["niveau"] == open_["niveau"] and raised[0]["redenen"]

    # One free slot at JBRR: no GI at its norm any more, but not recovered by the margin (3).
    jbrr = await figure(http, "JBRR")
    await put_staffing(http, "JBRR", jeugdbeschermers=1, caseload_norm=jbrr["kinderen_in_zorg"] + 1)
    assert (await figure(http, "JBRR"))["vrije_plaatsen"] == 1
    assert [e["id"] for e in await escalaties(http, "open")] == [open_["id"]]

    protectors, norm = SEED_CAPACITY["JBRR"]
    await put_staffing(http, "JBRR", jeugdbeschermers=protectors, caseload_norm=norm)
    assert await escalaties(http, "open") == []
    closed = next(e for e in await escalaties(http, "gesloten") if e["id"] == open_["id"])
    assert closed["beeindigd_op"] and closed["duur_seconden"] >= 0 and closed["cijfers_bij_einde"]
    cleared = await wait_until(lambda: events(kafka_bootstrap, ESCALATIES, EscalationCleared.type,
                                              escalatie_id=open_["id"]))
    assert cleared[0]["hoogste_niveau"] == open_["niveau"]
    raised = await events(kafka_bootstrap, ESCALATIES, EscalationRaised.type, escalatie_id=open_["id"])
    assert len(raised) == 1


# -- history --------------------------------------------------------------------------------------

async def test_the_view_at_a_past_moment_comes_from_the_history(http):
    await put_staffing(http, "LJR", jeugdbeschermers=30, caseload_norm=15)
    moment = (await figure(http, "LJR"))["bijgewerkt_op"]
    await asyncio.sleep(0.05)
    await put_staffing(http, "LJR", jeugdbeschermers=31, caseload_norm=15)

    then = (await http["capacity"].get("/v1/capaciteit", params={"tijdstip": moment},
                                       headers=identity.regio())).json()
    assert next(g for g in then["gis"] if g["gi"] == "LJR")["jeugdbeschermers"] == 30
    now = (await http["capacity"].get("/v1/capaciteit", headers=identity.gi("LJR"))).json()
    assert next(g for g in now["gis"] if g["gi"] == "LJR")["jeugdbeschermers"] == 31
    assert set(now["regio"]) >= {"vrije_plaatsen", "wachtend", "langste_wachtdagen"}


async def test_rebuild_from_the_log_equals_the_live_view(http):
    for caller in (identity.rvdk(), identity.gi("WSS"), identity.regio()):  # a rebuild is for operations
        r = await http["capacity"].post("/v1/capaciteit/herberekening", headers=caller)
        assert r.status_code == 403
    r = await http["capacity"].post("/v1/capaciteit/herberekening", headers=identity.beheer())
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["gelijk"] is True, body["verschillen"]
    assert body["gebeurtenissen"] > 0
    strip = [{k: v for k, v in f.items() if k != "bijgewerkt_op"} for f in body["live"]]
    assert strip == [{k: v for k, v in f.items() if k != "bijgewerkt_op"} for f in body["herberekend"]]


# -- who may report and read staffing -------------------------------------------------------------

async def test_only_the_gi_itself_reports_its_staffing(http):
    before = await figure(http, "WSS")
    zero = {"jeugdbeschermers": 0, "caseload_norm": 1}
    path = "/v1/gis/WSS/capaciteit"
    r = await http["capacity"].put(path, json=zero)
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
    for stranger in (identity.gi("JBRR"), identity.gi_manager("JBRR")):
        r = await http["capacity"].put(path, json=zero, headers=stranger)
        assert r.status_code == 403 and [p["name"] for p in r.json()["invalidParams"]] == ["gi"]
    for not_a_gi in (identity.rvdk(), identity.regio(), identity.beheer()):
        assert (await http["capacity"].put(path, json=zero, headers=not_a_gi)).status_code == 403
    assert visible(await figure(http, "WSS")) == visible(before)  # nobody but WSS set it to 0

    protectors, norm = SEED_CAPACITY["WSS"]
    r = await http["capacity"].put(path, json={"jeugdbeschermers": protectors + 1, "caseload_norm": norm},
                                   headers=identity.gi_manager("WSS"))
    assert r.status_code == 200 and r.json()["jeugdbeschermers"] == protectors + 1


async def test_capacity_is_read_by_the_rvdk_the_gis_and_the_region_only(http):
    for reader in (identity.rvdk(), identity.gi("LJR"), identity.gi_manager("WSS"), identity.regio()):
        for path in ("/v1/capaciteit", "/v1/gis/WSS/capaciteit", "/v1/gis/WSS/capaciteit/historie"):
            assert (await http["capacity"].get(path, headers=reader)).status_code == 200, path
    others = (identity.lokaal_team("GM0599"), identity.veilig_thuis(), identity.privacy(), identity.beheer())
    for other in others:
        assert (await http["capacity"].get("/v1/capaciteit", headers=other)).status_code == 403
    assert (await http["capacity"].get("/v1/capaciteit")).status_code == 401
