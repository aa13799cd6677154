"""Issue 8, items 3 and 4, from outside: a drang limit already due is flagged at once; a sibling's
reason is in casus.assigned; transfer decisions name both GIs on the topic; the RvdK goes from a
report to its advice."""
import pytest

from contracts.events import CasusAssigned, DrangOverdue, OverdrachtApproved, OverdrachtRejected
from runtime.pseudonyms import keyed_id
from services.caseregie.domain.model import plus_maanden
from tests import identity
from tests.clock import TODAY
from tests.conftest import TEST_PSEUDONYM_ENV
from tests.e2e.helpers import casus, events, melding, post_melding, step, until_status
from tests.fixtures import bsn, grey_area_melding, sibling_melding
from tests.fixtures import melding as report
from tests.infra import wait_until

pytestmark = pytest.mark.e2e
CASUSSEN = "caseregie.casussen"
BOTH_LIMITS = {"3_maanden_zonder_raadsonderzoek", "6_maanden"}


async def open_advice(http, melding_id) -> dict | None:
    page = (await http["triage"].get("/v1/adviezen", params={"meldingId": melding_id},
                                     headers=identity.rvdk())).json()
    return page["items"][0] if page["items"] else None


async def test_a_drang_decision_eight_months_old_is_flagged_as_soon_as_the_case_exists(
        http, stack, kafka_bootstrap):
    # caseregie at its production interval: its periodic check ran at start and not again for an hour.
    stack.restart("caseregie", CASEREGIE_DRANG_CHECK_INTERVAL_S="3600")
    stack.restart("triage", AUTO_CONFIRM="false")
    try:
        melding_id = await post_melding(http, grey_area_melding())
        advice = await wait_until(lambda: open_advice(http, melding_id))
        r = await http["triage"].post(f"/v1/adviezen/{advice['id']}/bevestiging", json={},
                                      headers=identity.rvdk())
        assert r.status_code in (200, 201), r.text
        besluit = {"maatregel": "drang", "startdatum": plus_maanden(TODAY, -8).isoformat(),
                   "raadsonderzoek": False}
        r = await http["triage"].post(f"/v1/adviezen/{advice['id']}/maatregelen", json=besluit,
                                      headers=identity.rvdk())
        assert r.status_code in (200, 201), r.text

        body = await until_status(http, melding_id, "assigned")
        case = await casus(http, body["casus_id"], body["toegewezen_gi"])  # flagged with the case itself
        assert {s["termijn"] for s in case["drang_signalen"]} == BOTH_LIMITS
        flags = await events(kafka_bootstrap, CASUSSEN, DrangOverdue.type, casus_id=case["id"])
        assert {f["termijn"] for f in flags} == BOTH_LIMITS
    finally:
        stack.restart("triage", AUTO_CONFIRM="true")
        stack.restart("caseregie")


async def test_the_rvdk_goes_from_a_report_to_its_advice(http):
    melding_id = await post_melding(http, report())
    body = await until_status(http, melding_id, "assigned")
    assert body["advies_id"] and step(body, "advised")["details"]["advies_id"] == body["advies_id"]
    rvdk = identity.rvdk()
    for name in ("meldingId", "melding_id"):
        page = (await http["triage"].get("/v1/adviezen", params={name: melding_id}, headers=rvdk)).json()
        assert page["total"] == 1 and [a["id"] for a in page["items"]] == [body["advies_id"]]
        assert page["items"][0]["melding_id"] == melding_id
    other = (await http["triage"].get("/v1/adviezen", params={"meldingId": body["casus_id"]},
                                      headers=rvdk)).json()
    assert (other["total"], other["items"]) == (0, [])
    advice = (await http["triage"].get(f"/v1/adviezen/{body['advies_id']}", headers=rvdk)).json()
    assert advice["melding_id"] == melding_id


async def test_a_sibling_joining_at_another_gi_has_the_reason_in_casus_assigned(http, kafka_bootstrap):
    parent = bsn()
    first_id = await post_melding(http, sibling_melding(parent, "Sem", kenmerken=["complexe_scheiding"]))
    first = await until_status(http, first_id, "assigned")
    assert first["toegewezen_gi"] == "JBRR"
    second_id = await post_melding(http, sibling_melding(parent, "Lotte", kenmerken=["lvb_kind"]))
    second = await until_status(http, second_id, "assigned")
    assert second["casus_id"] == first["casus_id"] and second["toegewezen_gi"] == "JBRR"

    reden = "Eén gezin, één plan: het gezin heeft al een open casus bij JBRR; de maatregel noemde WSS."
    (joined,) = await wait_until(lambda: events(kafka_bootstrap, CASUSSEN, CasusAssigned.type,
                                                melding_id=second_id))
    assert joined["gi_reden"] == reden and joined["nieuwe_casus"] is False
    case = await casus(http, first["casus_id"], "JBRR")
    assert [m["gi_reden"] for m in case["maatregelen"]] == [None, reden]
    assert step(await melding(http, second_id), "assigned")["details"]["gi_reden"] == reden


async def test_transfer_decisions_on_the_topic_name_both_gis(http, kafka_bootstrap):
    body = await until_status(http, await post_melding(http, report(kenmerken=["lvb_kind"])), "assigned")
    casus_id = body["casus_id"]
    r = await http["caseregie"].post(f"/v1/casussen/{casus_id}/overdrachten", headers=identity.gi("WSS"),
                                     json={"naar_gi": "JBRR", "reden": "Gezin verhuist",
                                           "categorie": "verhuizing"})
    assert r.status_code == 201, r.text
    path = f"/v1/casussen/{casus_id}/overdrachten/{r.json()['id']}"
    assert (await http["caseregie"].post(f"{path}/goedkeuringen", json={"gi": "WSS"},
                                         headers=identity.gi_manager("WSS"))).status_code == 201
    assert (await http["caseregie"].post(f"{path}/afwijzingen", json={"reden": "Geen plek in het team"},
                                         headers=identity.gi_manager("JBRR"))).status_code == 201

    overdracht_id = r.json()["id"]
    for event_type, gi in ((OverdrachtApproved.type, "WSS"), (OverdrachtRejected.type, "JBRR")):
        (decision,) = await wait_until(lambda t=event_type: events(kafka_bootstrap, CASUSSEN, t,
                                                                   overdracht_id=overdracht_id))
        assert (decision["gi"], decision["van_gi"], decision["naar_gi"]) == (gi, "WSS", "JBRR")
        # the deciding manager as a pseudonym: a keyed hash of the token's subject, never the subject
        assert "manager" not in decision and decision["manager_id"] == str(
            keyed_id(TEST_PSEUDONYM_ENV["PSEUDONYM_KEY"].encode(), "manager", f"manager@{gi}"))
