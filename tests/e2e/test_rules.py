"""The chain's rules, driven from outside as local teams, the RvdK and GI systems would."""
import asyncio
import base64
import hashlib
import hmac
import json
from datetime import timedelta

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from contracts.events import (
    CasusAssigned,
    CasusTransferred,
    DrangOverdue,
    MeldingCompletionOverdue,
    OverdrachtApproved,
    OverdrachtRejected,
)
from deploy.stack import free_port
from runtime.pseudonyms import keyed_id
from tests import identity
from tests.clock import TODAY
from tests.conftest import TEST_PSEUDONYM_ENV
from tests.e2e.helpers import (
    capacity,
    casus,
    counted_by_capacity,
    events,
    melding,
    post_melding,
    step,
    until_status,
    until_step,
)
from tests.fixtures import bsn, grey_area_melding, sibling_melding
from tests.fixtures import melding as report
from tests.infra import wait_until

pytestmark = pytest.mark.e2e
CASUSSEN = "caseregie.casussen"


async def assigned_case(http, report_body) -> tuple[dict, dict]:
    melding_id = await post_melding(http, report_body)
    body = await until_status(http, melding_id, "assigned")
    return body, await casus(http, body["casus_id"], body["toegewezen_gi"])


def other_gi(*gis: str) -> str:
    return next(g for g in ("JBRR", "WSS", "LJR") if g not in gis)


async def test_lvb_family_ends_at_wss_with_the_rule_and_reason_visible(http):
    body, case = await assigned_case(http, report(kenmerken=["lvb_kind"]))
    assert case["gi"] == "WSS" and body["toegewezen_gi"] == "WSS"
    triaged = step(body, "triaged")["details"]
    assert triaged["regel"] == "lvb" and triaged["regelset_versie"] and triaged["toelichting"]
    assert step(body, "advised")["details"]["gi"] == "WSS"
    assert "WSS" in step(body, "advised")["details"]["reden"]
    assert step(body, "measure")["details"]["maatregel"] == "OTS"
    assert [s["stap"] for s in body["stappen"]][:5] == ["received", "triaged", "advised", "measure",
                                                        "assigned"]
    ruleset = (await http["triage"].get("/v1/doelgroepenbepaling", headers=identity.rvdk())).json()
    assert ruleset["versie"] == triaged["regelset_versie"]


async def test_criminal_behaviour_goes_to_a_gi_with_juvenile_probation(http):
    body, case = await assigned_case(http, report(kenmerken=[], zorgen=["crimineel_gedrag"], kader="straf"))
    triaged = step(body, "triaged")["details"]
    assert triaged["expertise"] == "jeugdreclassering"
    assert case["gi"] in {"JBRR", "LJR"}
    assert step(body, "measure")["details"]["maatregel"] == "JR"


async def test_two_siblings_reported_separately_share_one_case(http, kafka_bootstrap):
    parent = bsn()
    first, case = await assigned_case(http, sibling_melding(parent, "Sem", kenmerken=[]))
    second_id = await post_melding(http, sibling_melding(parent, "Lotte", kenmerken=["lvb_kind"]))
    second = await until_status(http, second_id, "assigned")

    assert second["casus_id"] == first["casus_id"]
    case = await casus(http, first["casus_id"], first["toegewezen_gi"])
    assert len(case["kinderen"]) == 2 and case["gi"] == first["toegewezen_gi"]
    assert second["toegewezen_gi"] == case["gi"]  # one family, one plan: not WSS for the LVB sibling
    joined = await wait_until(lambda: events(kafka_bootstrap, CASUSSEN, CasusAssigned.type,
                                             melding_id=second_id))
    assert joined[0]["nieuwe_casus"] is False and joined[0]["casus_id"] == first["casus_id"]


async def test_protector_waiting_list_and_refusal_for_another_gi(http):
    body, case = await assigned_case(http, report())
    gi, casus_id = case["gi"], case["id"]
    other = other_gi(gi)
    waiting = (await http["caseregie"].get("/v1/wachtlijst", params={"gi": gi},
                                           headers=identity.gi(gi))).json()
    assert any(w["casus_id"] == casus_id for w in _items(waiting))

    path = f"/v1/casussen/{casus_id}/jeugdbeschermer"
    protector = {"jeugdbeschermer_id": "X-1", "naam": "X"}
    foreign = await http["caseregie"].post(path, json=protector, headers=identity.gi(other))
    assert foreign.status_code == 404  # another GI's case does not exist for it
    assert foreign.headers["content-type"] == "application/problem+json"
    named = await http["caseregie"].post(path, json={**protector, "gi": other}, headers=identity.gi(gi))
    assert named.status_code == 403 and [p["name"] for p in named.json()["invalidParams"]] == ["gi"]

    r = await http["caseregie"].post(path, headers=identity.gi(gi),
                                     json={"gi": gi, "jeugdbeschermer_id": "WSS-0042", "naam": "J. Bakker"})
    assert r.status_code in (200, 201), r.text
    waiting = (await http["caseregie"].get("/v1/wachtlijst", headers=identity.gi(gi))).json()
    assert not any(w["casus_id"] == casus_id for w in _items(waiting))
    status = await until_step(http, body["id"], "protector")
    # the protector as a pseudonym (keyed hash of the GI and staff code); caseregie keeps the code
    assert step(status, "protector")["details"]["jeugdbeschermer_id"] == str(
        keyed_id(TEST_PSEUDONYM_ENV["PSEUDONYM_KEY"].encode(), "jeugdbeschermer", f"{gi}:WSS-0042"))


def _items(page):
    return page["items"] if isinstance(page, dict) else page


async def _decide(http, casus_id, overdracht_id, kind, caller, **body) -> int:
    r = await http["caseregie"].post(f"/v1/casussen/{casus_id}/overdrachten/{overdracht_id}/{kind}",
                                     json=body, headers=caller)
    return r.status_code


OK = (200, 201)


async def _per_categorie(http, kpi: str) -> dict[str, int]:
    """The region's count of `kpi` (all time) per reason category, from reporting."""
    r = await http["reporting"].get("/v1/kpis", params={"kpi": kpi}, headers=identity.regio())
    assert r.status_code == 200, r.text
    (figure,) = r.json()["kpis"]
    return figure["uitsplitsingen"].get("reden", {})


async def test_transfer_moves_only_with_both_managers(http, kafka_bootstrap):
    body, case = await assigned_case(http, report())
    casus_id, van = case["id"], case["gi"]
    naar = "JBRR" if van != "JBRR" else "LJR"
    await wait_until(lambda: counted_by_capacity(http, van, casus_id))
    await http["caseregie"].post(f"/v1/casussen/{casus_id}/jeugdbeschermer", headers=identity.gi(van),
                                 json={"jeugdbeschermer_id": "P-1", "naam": "P"})
    free_van, free_naar = await capacity(http, van), await capacity(http, naar)
    kpis = ("overdrachten_aangevraagd", "overdrachten_uitgevoerd")
    before = {k: (await _per_categorie(http, k)).get("expertise", 0) for k in kpis}

    r = await http["caseregie"].post(f"/v1/casussen/{casus_id}/overdrachten", headers=identity.gi(van),
                                     json={"naar_gi": naar, "reden": "Specialistische LVB-hulp nodig",
                                           "categorie": "expertise"})
    assert r.status_code == 201
    assert r.json()["categorie"] == "expertise"
    overdracht_id = r.json()["id"]

    approve = "goedkeuringen"
    third = identity.gi_manager(other_gi(van, naar))
    assert await _decide(http, casus_id, overdracht_id, approve, third) == 404
    assert await _decide(http, casus_id, overdracht_id, approve, identity.gi(van)) == 403  # not a manager
    assert await _decide(http, casus_id, overdracht_id, approve, identity.gi_manager(van), gi=naar) == 403
    assert await _decide(http, casus_id, overdracht_id, approve, identity.gi_manager(van)) in OK
    assert await _decide(http, casus_id, overdracht_id, approve, identity.gi_manager(van)) == 409
    after_one = await casus(http, casus_id, van)
    assert after_one["gi"] == van and after_one["jeugdbeschermer"]  # one approval changes nothing

    assert await _decide(http, casus_id, overdracht_id, approve, identity.gi_manager(naar)) in OK
    moved = await casus(http, casus_id, naar)
    assert moved["gi"] == naar and not moved["jeugdbeschermer"]
    assert all(k["wachtdagen"] == 0 for k in moved["kinderen"])
    assert [(g["gi"], g["manager"]) for g in moved["overdrachten"][0]["goedkeuringen"]] == [
        (van, f"manager@{van}"), (naar, f"manager@{naar}")]  # the tokens' subjects
    approvals = await wait_until(lambda: _approvals(kafka_bootstrap, overdracht_id, 2))
    key = TEST_PSEUDONYM_ENV["PSEUDONYM_KEY"].encode()  # events: the managers' pseudonyms only
    assert {(a["gi"], a["manager_id"]) for a in approvals} == {
        (gi, str(keyed_id(key, "manager", f"manager@{gi}"))) for gi in (van, naar)}
    transferred = await wait_until(lambda: events(kafka_bootstrap, CASUSSEN, CasusTransferred.type,
                                                  casus_id=casus_id))
    assert {e["categorie"] for e in transferred} == {"expertise"}  # the requesting GI's choice
    await wait_until(lambda: counted_by_capacity(http, naar, casus_id, "overgedragen"))
    assert await capacity(http, van) == free_van + 1 and await capacity(http, naar) == free_naar - 1
    status = await until_step(http, body["id"], "transferred")
    assert status["toegewezen_gi"] == naar

    async def counted_per_category():  # the region's figures count the transfer under its category
        now = {k: (await _per_categorie(http, k)).get("expertise", 0) for k in kpis}
        return all(now[k] >= before[k] + 1 for k in kpis)
    assert await wait_until(counted_per_category, timeout=30)


async def _approvals(bootstrap, overdracht_id, count):
    found = await events(bootstrap, CASUSSEN, OverdrachtApproved.type, overdracht_id=overdracht_id)
    return found if len(found) == count else None


async def test_rejected_transfer_never_moves_the_case(http, kafka_bootstrap):
    _, case = await assigned_case(http, report())
    casus_id, van = case["id"], case["gi"]
    naar = "JBRR" if van != "JBRR" else "WSS"
    overdracht_id = (await http["caseregie"].post(f"/v1/casussen/{casus_id}/overdrachten",
                                                  json={"naar_gi": naar, "reden": "r"},
                                                  headers=identity.gi(van))).json()["id"]
    viewed = await http["caseregie"].get(f"/v1/casussen/{casus_id}/overdrachten/{overdracht_id}",
                                         headers=identity.gi(naar))  # the receiver reads what it decides on
    assert viewed.json()["categorie"] == "overig"  # no category chosen: 'overig'
    assert viewed.json()["casus"]["gi"] == van and viewed.json()["casus"]["kinderen"]
    assert await _decide(http, casus_id, overdracht_id, "afwijzingen", identity.gi_manager(naar),
                         reden="Geen capaciteit") in OK
    assert await _decide(http, casus_id, overdracht_id, "goedkeuringen", identity.gi_manager(van)) == 409
    assert (await casus(http, casus_id, van))["gi"] == van
    assert await wait_until(lambda: events(kafka_bootstrap, CASUSSEN, OverdrachtRejected.type,
                                           overdracht_id=overdracht_id))


async def test_closed_case_makes_a_new_report_a_re_report(http):
    parent = bsn()
    _, case = await assigned_case(http, sibling_melding(parent, "Noor"))
    r = await http["caseregie"].post(f"/v1/casussen/{case['id']}/afsluiting", headers=identity.gi(case["gi"]),
                                     json={"gi": case["gi"], "reden": "afschaling"})
    assert r.status_code in (200, 201), r.text
    await wait_until(lambda: counted_by_capacity(http, case["gi"], case["id"], "gesloten"))

    async def re_report():
        melding_id = await post_melding(http, sibling_melding(parent, "Noor"))
        return (await melding(http, melding_id))["herhaald_beroep"]
    assert await wait_until(re_report, timeout=10, interval=0.5)


async def test_regular_incomplete_report_is_refused_with_what_is_missing(http):
    body = report(zorgen=[])
    del body["gezin"]["kinderen"][0]["geboortedatum"]
    r = await http["intake"].post("/v1/meldingen", json=body, headers=identity.lokaal_team(body["gemeente"]))
    assert r.status_code == 400
    names = {p["name"] for p in r.json()["invalidParams"]}
    assert {"zorgen", "gezin.kinderen[0].geboortedatum"} <= names


async def test_urgent_report_is_accepted_incomplete_completed_or_flagged(http, kafka_bootstrap):
    incomplete = report(urgentie="spoed", zorgen=[])
    del incomplete["gezin"]["kinderen"][0]["geboortedatum"]

    completed_id = await post_melding(http, incomplete)
    first = await melding(http, completed_id)
    assert first["status"] == "incomplete" and first["aanvullen_voor"] and first["ontbrekend"]
    gezin = dict(incomplete["gezin"])
    gezin["kinderen"] = [{**gezin["kinderen"][0], "geboortedatum": "2014-02-02"}]
    team = identity.lokaal_team(incomplete["gemeente"])
    r = await http["intake"].post(f"/v1/meldingen/{completed_id}/aanvullingen",
                                  json={"gezin": gezin, "zorgen": ["veiligheid"]}, headers=team)
    assert r.status_code in (200, 201), r.text
    await until_status(http, completed_id, "assigned")

    late_id = await post_melding(http, incomplete)
    await until_step(http, late_id, "completion_overdue")
    assert await wait_until(lambda: events(kafka_bootstrap, "intake.meldingen",
                                           MeldingCompletionOverdue.type, melding_id=late_id))
    r = await http["intake"].post(f"/v1/meldingen/{late_id}/aanvullingen",
                                  json={"gezin": gezin, "zorgen": ["veiligheid"]}, headers=team)
    assert r.status_code == 409


class WebhookReceiver:
    """A GI's system: acknowledges only from the second attempt on, to exercise retries."""

    def __init__(self):
        self.received: list[tuple[dict, bytes]] = []
        self.attempts = 0
        self.port = free_port()

        async def hook(request: Request) -> Response:
            self.attempts += 1
            if self.attempts == 1:
                return Response(status_code=503)
            self.received.append((dict(request.headers), await request.body()))
            return Response(status_code=204)

        app = Starlette(routes=[Route("/hook", hook, methods=["POST"])])
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port,
                                                    log_level="warning"))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"


def signature_valid(secret: str, headers: dict, body: bytes) -> bool:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(part.removeprefix("v1,") == expected for part in headers["webhook-signature"].split())


async def test_webhook_receives_signed_case_events_with_retries(http):
    receiver = WebhookReceiver()
    task = asyncio.create_task(receiver.server.serve())
    try:
        await wait_until(lambda: receiver.server.started)
        r = await http["caseregie"].post("/v1/webhooks", json={"url": receiver.url},
                                         headers=identity.gi("WSS"))
        assert r.status_code == 201, r.text
        secret = r.json()["secret"]

        _, case = await assigned_case(http, report(kenmerken=["lvb_kind"]))
        assert case["gi"] == "WSS"

        def delivered():
            return [(h, b) for h, b in receiver.received
                    if json.loads(b)["type"] == CasusAssigned.type
                    and json.loads(b)["data"]["casus_id"] == case["id"]]
        headers, raw = (await wait_until(delivered, timeout=20))[0]
        assert signature_valid(secret, headers, raw)
        assert not signature_valid("whsec_" + base64.b64encode(b"x" * 32).decode(), headers, raw)
        assert receiver.attempts >= 2  # the first attempt failed and was retried
    finally:
        receiver.server.should_exit = True
        await task


async def test_rvdk_confirms_overrides_and_records_the_measure(http, stack, kafka_bootstrap):
    stack.restart("triage", AUTO_CONFIRM="false")
    rvdk = identity.rvdk()
    try:
        first_id = await post_melding(http, grey_area_melding())
        second_id = await post_melding(http, report(kenmerken=["lvb_ouder"]))

        async def open_advice(melding_id):
            page = (await http["triage"].get("/v1/adviezen", params={"status": "open"}, headers=rvdk)).json()
            return next((a for a in page["items"] if a["melding_id"] == melding_id), None)
        first = await wait_until(lambda: open_advice(first_id))
        second = await wait_until(lambda: open_advice(second_id))
        assert first["rangorde"] and first["voorgestelde_gi"]

        r = await http["triage"].post(f"/v1/adviezen/{first['id']}/bevestiging", json={}, headers=rvdk)
        assert r.status_code in (200, 201), r.text
        again = await http["triage"].post(f"/v1/adviezen/{first['id']}/bevestiging", json={}, headers=rvdk)
        assert again.status_code == 409

        no_reason = await http["triage"].post(f"/v1/adviezen/{second['id']}/afwijking", json={"gi": "LJR"},
                                              headers=rvdk)
        assert no_reason.status_code == 400
        r = await http["triage"].post(f"/v1/adviezen/{second['id']}/afwijking", headers=rvdk,
                                      json={"gi": "LJR", "reden": "Broer al bij LJ&R in begeleiding",
                                            "categorie": "continuiteit"})
        assert r.status_code in (200, 201), r.text
        assert (r.json()["afwijking_reden"], r.json()["afwijking_categorie"]) == (
            "Broer al bij LJ&R in begeleiding", "continuiteit")  # triage keeps the RvdK's own words
        advised = await until_status(http, second_id, "advised")
        details = step(advised, "advised")["details"]
        assert details["gi"] == "LJR" and details["afwijking"] is True
        assert details["afwijking_categorie"] == "continuiteit"  # the chain learns the category only
        assert "Broer" not in json.dumps(details)
        overrides = (await http["triage"].get("/v1/adviezen", params={"afwijking": "true"},
                                              headers=rvdk)).json()
        assert any(a["id"] == second["id"] for a in overrides["items"])

        r = await http["triage"].post(f"/v1/adviezen/{second['id']}/maatregelen", headers=rvdk,
                                      json={"maatregel": "OTS", "startdatum": TODAY.isoformat()})
        assert r.status_code in (200, 201), r.text
        body = await until_status(http, second_id, "assigned")
        assert body["toegewezen_gi"] == "LJR" and step(body, "measure")["details"]["maatregel"] == "OTS"

        start = (TODAY - timedelta(days=200)).isoformat()
        drang_besluit = {"maatregel": "drang", "startdatum": start, "raadsonderzoek": False}
        r = await http["triage"].post(f"/v1/adviezen/{first['id']}/maatregelen", json=drang_besluit,
                                      headers=rvdk)
        assert r.status_code in (200, 201), r.text
        drang = await until_status(http, first_id, "assigned")
        flags = await wait_until(lambda: events(kafka_bootstrap, CASUSSEN, DrangOverdue.type,
                                                casus_id=drang["casus_id"]))
        await wait_until(lambda: _two_flags(kafka_bootstrap, drang["casus_id"]))
        assert {f["termijn"] for f in flags} <= {"3_maanden_zonder_raadsonderzoek", "6_maanden"}
        await until_step(http, first_id, "drang_overdue")
    finally:
        stack.restart("triage", AUTO_CONFIRM="true")


async def _two_flags(bootstrap, casus_id):
    flags = await events(bootstrap, CASUSSEN, DrangOverdue.type, casus_id=casus_id)
    return {f["termijn"] for f in flags} == {"3_maanden_zonder_raadsonderzoek", "6_maanden"}


async def test_grey_area_proposal_ranks_by_capacity(http):
    melding_id = await post_melding(http, grey_area_melding())
    body = await until_status(http, melding_id, "assigned")
    page = (await http["triage"].get("/v1/adviezen", headers=identity.rvdk())).json()
    advice = next(a for a in page["items"] if a["melding_id"] == melding_id)
    free = [r["vrije_plaatsen"] for r in advice["rangorde"]]
    assert free == sorted(free, reverse=True)
    assert advice["gi"] == body["toegewezen_gi"] == advice["rangorde"][0]["gi"]


# --- organisation-scoped access: the doors found open from outside -------------------------------

def _names(r) -> list[str]:
    return [p["name"] for p in r.json().get("invalidParams", [])]


async def wss_case(http) -> dict:
    _, case = await assigned_case(http, report(kenmerken=["lvb_kind"]))
    assert case["gi"] == "WSS"
    return case


async def test_without_a_token_caseregie_answers_401(http):
    case = await wss_case(http)
    calls = [("GET", "/v1/casussen", None), ("GET", f"/v1/casussen/{case['id']}", None),
             ("GET", "/v1/wachtlijst", None), ("GET", "/v1/webhooks", None),
             ("POST", f"/v1/casussen/{case['id']}/overdrachten", {"naar_gi": "JBRR", "reden": "r"})]
    for method, path, body in calls:
        r = await http["caseregie"].request(method, path, json=body)
        assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer"), path
    assert (await casus(http, case["id"], "WSS"))["overdrachten"] == []


async def test_a_case_of_wss_is_not_found_for_jbrr_with_or_without_gi(http):
    case = await wss_case(http)
    for params in ({}, {"gi": "JBRR"}, {"gi": "WSS"}):
        r = await http["caseregie"].get(f"/v1/casussen/{case['id']}", params=params,
                                        headers=identity.gi("JBRR"))
        assert r.status_code == 404, params
    r = await http["caseregie"].get("/v1/casussen", params={"gi": "WSS"}, headers=identity.gi("JBRR"))
    assert r.status_code == 403 and _names(r) == ["gi"]


async def test_lists_show_only_the_tokens_own_gi(http):
    case = await wss_case(http)  # open, its child waiting: on WSS's lists only
    for path in ("/v1/casussen", "/v1/wachtlijst"):
        for gi in ("JBRR", "WSS"):
            page = (await http["caseregie"].get(path, params={"pageSize": 200},
                                                headers=identity.gi(gi))).json()
            assert {item["gi"] for item in page["items"]} <= {gi}, (path, gi)
            ids = {item.get("casus_id") or item["id"] for item in page["items"]}
            assert (case["id"] in ids) == (gi == "WSS"), (path, gi)


async def test_no_stranger_moves_a_case_only_both_gis_managers_do(http):
    case = await wss_case(http)
    post = http["caseregie"].post
    transfers = f"/v1/casussen/{case['id']}/overdrachten"
    body = {"naar_gi": "JBRR", "reden": "Gezin verhuist", "categorie": "verhuizing"}
    assert (await post(transfers, json=body)).status_code == 401
    assert (await post(transfers, json=body, headers=identity.gi("JBRR"))).status_code == 404
    r = await post(transfers, json=body, headers=identity.gi("WSS"))
    assert r.status_code == 201, r.text
    approve = f"{transfers}/{r.json()['id']}/goedkeuringen"

    assert (await post(approve, json={})).status_code == 401
    assert (await post(approve, json={}, headers=identity.gi("WSS"))).status_code == 403  # not a manager
    as_jbrr = await post(approve, json={"gi": "JBRR"}, headers=identity.gi_manager("WSS"))
    assert as_jbrr.status_code == 403 and _names(as_jbrr) == ["gi"]
    named = await post(approve, json={"manager": "JBRR's manager"}, headers=identity.gi_manager("WSS"))
    assert named.status_code == 400 and _names(named) == ["manager"]
    wss = identity.gi_manager("WSS", naam="M. Peters")
    assert (await post(approve, json={}, headers=wss)).status_code == 201
    assert (await post(approve, json={}, headers=wss)).status_code == 409  # WSS has decided
    assert (await casus(http, case["id"], "WSS"))["gi"] == "WSS"

    jbrr = identity.gi_manager("JBRR", naam="S. Amrani")
    assert (await post(approve, json={}, headers=jbrr)).status_code == 201
    moved = await casus(http, case["id"], "JBRR")
    assert moved["gi"] == "JBRR"
    approvals = moved["overdrachten"][0]["goedkeuringen"]
    assert [(g["gi"], g["manager"], g["manager_naam"]) for g in approvals] == [
        ("WSS", "manager@WSS", "M. Peters"), ("JBRR", "manager@JBRR", "S. Amrani")]
    gone = await http["caseregie"].get(f"/v1/casussen/{case['id']}", headers=identity.gi("WSS"))
    assert gone.status_code == 404  # moved: no longer WSS's


async def test_webhooks_are_only_the_tokens_own_gis(http):
    wss, jbrr = identity.gi("WSS"), identity.gi("JBRR")
    url = f"http://127.0.0.1:{free_port()}/hook"
    r = await http["caseregie"].post("/v1/webhooks", json={"url": url}, headers=wss)
    assert r.status_code == 201, r.text
    assert r.json()["gi"] == "WSS"
    hook = r.json()["id"]
    try:
        listed = {g: [w["id"] for w in (await http["caseregie"].get("/v1/webhooks", headers=identity.gi(g))
                                         ).json()] for g in ("WSS", "JBRR")}
        assert hook in listed["WSS"] and hook not in listed["JBRR"]
        for method, sub in (("GET", ""), ("GET", "/afleveringen"), ("DELETE", "")):
            r = await http["caseregie"].request(method, f"/v1/webhooks/{hook}{sub}", headers=jbrr)
            assert r.status_code == 404, (method, sub)
        r = await http["caseregie"].post("/v1/webhooks", json={"gi": "WSS", "url": url}, headers=jbrr)
        assert r.status_code == 403 and _names(r) == ["gi"]
    finally:
        assert (await http["caseregie"].delete(f"/v1/webhooks/{hook}", headers=wss)).status_code == 204
