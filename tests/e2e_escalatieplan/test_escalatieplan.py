"""An escalation walks its plan's levels and channels, and is acknowledged (issue 16 §3), over HTTP,
Kafka, a signed-webhook receiver and a real SMTP server only: every GI at its norm opens it at level
1 and its parties are told (event, signed webhook, e-mail); without every acknowledgement it rises
to level 2 after the plan's (short) time and level 2's parties are told; they acknowledge;
GET /v1/escalaties/{id} shows the plan version, the level, who was told when, who acknowledged and
the measures in force; caseregie's waiting list follows the measure: urgent first; and triage's
advice follows level 2's grey-area measure: the GI with the most free slots, over the norm."""
import base64
import email
import hashlib
import hmac
import json

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from contracts.events import AdviesIssued, EscalatieBevestigd, EscalationRaised
from contracts.vocabulary import GI
from tests import identity
from tests.e2e.helpers import events, post_melding, until_status
from tests.e2e_escalatieplan.conftest import ADRESSEN, PLAN_VERSIE, SECRETS
from tests.fixtures import grey_area_melding, melding
from tests.infra import end_offsets, wait_until

pytestmark = pytest.mark.e2e
ESCALATIES = "capacity.escalaties"
WACHTLIJST_MAATREGEL = "wachtenden_op_urgentie_en_wachtdagen"
GRIJS_GEBIED_MAATREGEL = "grijs_gebied_meeste_vrije_plaatsen"


def verified(secret: str, headers: dict, body: bytes) -> bool:
    """As README "Verifying a webhook" tells a receiver."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(hmac.compare_digest(sig, expected) for sig in headers["webhook-signature"].split())


async def escalatie(http, escalatie_id) -> dict:
    r = await http["capacity"].get(f"/v1/escalaties/{escalatie_id}", headers=identity.regio())
    assert r.status_code == 200, r.text
    return r.json()


async def wachtlijst(http, gi="WSS") -> dict:
    r = await http["caseregie"].get("/v1/wachtlijst", headers=identity.gi(gi))
    assert r.status_code == 200, r.text
    return r.json()


def webhooks_at(receiver, niveau: int) -> dict[str, tuple[dict, dict]]:
    """Per party, the (headers, message) of its webhook for a level."""
    found = {}
    for path, headers, body in receiver.received:
        message = json.loads(body)
        if message["data"]["niveau"] == niveau:
            partij = path.strip("/")
            assert verified(SECRETS[partij], headers, body), f"{partij}'s webhook is not signed"
            found[partij] = (headers, message)
    return found


def mails_at(mailbox, niveau: int) -> dict[str, email.message.Message]:
    box, _ = mailbox
    found = {}
    for recipients, content in box.messages:
        message = email.message_from_bytes(content)
        if f"niveau {niveau}" in message["Subject"]:
            found.update({r: message for r in recipients})
    return found


async def acknowledge(http, escalatie_id, caller, **body) -> dict:
    r = await http["capacity"].post(f"/v1/escalaties/{escalatie_id}/bevestigingen", json=body, headers=caller)
    assert r.status_code == 201, r.text
    return r.json()


async def _waits(http, casus_id) -> bool:
    return casus_id in {i["casus_id"] for i in (await wachtlijst(http))["items"]}


async def test_an_escalation_walks_its_levels_and_channels_and_is_acknowledged(
        http, kafka_bootstrap, database_prefix, receiver, mailbox):
    # Two children wait at WSS (LVB): a regular report first, an urgent one after it. Two families
    # are two keys on two partitions, so the urgent report is posted only once the regular child
    # waits: the order they started waiting in is then the order they were reported in.
    regulier = await post_melding(http, melding(urgentie="regulier"))
    casus_regulier = (await until_status(http, regulier, "assigned"))["casus_id"]
    await wait_until(lambda: _waits(http, casus_regulier))
    spoed = await post_melding(http, melding(urgentie="spoed"))
    casus_spoed = (await until_status(http, spoed, "assigned"))["casus_id"]

    async def both_waiting():
        page = await wachtlijst(http)
        ids = [i["casus_id"] for i in page["items"]]
        return page if {casus_regulier, casus_spoed} <= set(ids) and all(
            i["urgentie"] for i in page["items"] if i["casus_id"] in (casus_regulier, casus_spoed)) else None
    page = await wait_until(both_waiting)
    ids = [i["casus_id"] for i in page["items"]]
    assert page["volgorde"] == "wachtdagen" and ids.index(casus_regulier) < ids.index(casus_spoed)

    # Every GI at its norm: the escalation opens at level 1 with the plan's version.
    for gi in ("JBRR", "WSS", "LJR"):
        r = await http["capacity"].put(f"/v1/gis/{gi}/capaciteit", headers=identity.gi(gi),
                                       json={"jeugdbeschermers": 0, "caseload_norm": 15})
        assert r.status_code == 200, r.text

    async def open_escalation():
        r = await http["capacity"].get("/v1/escalaties", params={"status": "open"}, headers=identity.rvdk())
        return r.json()["items"]
    [open_] = await wait_until(open_escalation)
    escalatie_id = open_["id"]
    assert (open_["niveau"], open_["escalatieplan_versie"], open_["maatregelen"]) == (1, PLAN_VERSIE, [])

    # Level 1 told: the event on Kafka, signed webhooks to the RvdK and JBRR, an e-mail to WSS.
    [raised_1] = await wait_until(lambda: events(kafka_bootstrap, ESCALATIES, EscalationRaised.type,
                                                 escalatie_id=escalatie_id))
    assert raised_1["escalatieplan_versie"] == PLAN_VERSIE and raised_1["niveau"] == 1
    hooks = await wait_until(lambda: (found := webhooks_at(receiver, 1)) and len(found) == 2 and found)
    assert {p: m["subject"] for p, (_, m) in hooks.items()} == {"rvdk": escalatie_id, "JBRR": escalatie_id}
    assert {m["type"] for _, m in hooks.values()} == {EscalationRaised.type}
    mails = await wait_until(lambda: mails_at(mailbox, 1))
    assert set(mails) == {ADRESSEN["WSS"]}
    text = mails[ADRESSEN["WSS"]].get_payload(decode=True).decode()
    assert f"/v1/escalaties/{escalatie_id}/bevestigingen" in text and "niveau 1" in text
    assert (await wachtlijst(http))["volgorde"] == "wachtdagen"  # no measure at level 1

    # Only the RvdK acknowledges: after the plan's time it rises to level 2.
    first = await acknowledge(http, escalatie_id, identity.rvdk(), niveau=1)
    assert (first["partij"], first["niveau"]) == ("rvdk", 1)
    again = await http["capacity"].post(f"/v1/escalaties/{escalatie_id}/bevestigingen", json={},
                                        headers=identity.rvdk())
    assert again.status_code == 200 and again.json() == first
    level_1 = await escalatie(http, escalatie_id)
    assert level_1["openstaand"] == ["JBRR", "WSS", "LJR"] and level_1["ophogen_op"]

    async def at_level_2():
        body = await escalatie(http, escalatie_id)
        return body if body["niveau"] == 2 else None
    level_2 = await wait_until(at_level_2, timeout=40)
    assert set(level_2["maatregelen"]) == {WACHTLIJST_MAATREGEL, GRIJS_GEBIED_MAATREGEL}
    assert "niet bevestigd binnen" in level_2["redenen"][-1] and "JBRR, WSS, LJR" in level_2["redenen"][-1]
    raised = await wait_until(lambda: events(kafka_bootstrap, ESCALATIES, EscalationRaised.type,
                                             escalatie_id=escalatie_id, niveau=2))
    assert raised[0]["maatregelen"] == level_2["maatregelen"]
    hooks_2 = await wait_until(lambda: (found := webhooks_at(receiver, 2)) and len(found) == 2 and found)
    assert set(hooks_2) == {"rvdk", "JBRR"}
    assert hooks_2["rvdk"][0]["webhook-id"] != hooks["rvdk"][0]["webhook-id"]
    mails_2 = await wait_until(lambda: (found := mails_at(mailbox, 2)) and len(found) == 3 and found)
    assert set(mails_2) == set(ADRESSEN.values())

    # Level 2's parties acknowledge, each as its own token's party.
    for caller in (identity.rvdk(), identity.gi("JBRR"), identity.gi_manager("WSS"), identity.gi("LJR"),
                   identity.regio()):
        await acknowledge(http, escalatie_id, caller)

    async def six_acknowledgements():
        found = await events(kafka_bootstrap, ESCALATIES, EscalatieBevestigd.type, escalatie_id=escalatie_id)
        return found if len(found) >= 6 else None
    acknowledged = await wait_until(six_acknowledgements)
    assert sorted((e["partij"], e["niveau"]) for e in acknowledged) == sorted(
        [("rvdk", 1), ("rvdk", 2), ("JBRR", 2), ("WSS", 2), ("LJR", 2), ("grjr", 2)])
    assert all(e["bevestigd_op"] >= e["niveau_sinds"] for e in acknowledged)

    body = await escalatie(http, escalatie_id)
    assert (body["escalatieplan_versie"], body["niveau"], body["status"]) == (PLAN_VERSIE, 2, "open")
    assert body["openstaand"] == [] and body["ophogen_op"] is None
    assert sorted((b["partij"], b["niveau"]) for b in body["bevestigingen"]) == sorted(
        [("rvdk", 1), ("rvdk", 2), ("JBRR", 2), ("WSS", 2), ("LJR", 2), ("grjr", 2)])
    assert {m["code"] for m in body["maatregelen_in_werking"]} == set(level_2["maatregelen"])
    told = await wait_until(lambda: _all_sent(http, escalatie_id), timeout=20)
    assert {(k["partij"], k["kanaal"], k["niveau"]) for k in told} >= {
        ("rvdk", "webhook", 1), ("JBRR", "webhook", 1), ("WSS", "email", 1), ("LJR", "event", 1),
        ("rvdk", "email", 2), ("grjr", "email", 2), ("grjr", "event", 2)}
    assert all(k["verzonden_op"] for k in told)

    # The waiting list follows the measure: the urgent child first.
    async def by_urgency():
        page = await wachtlijst(http)
        return page if page["volgorde"] == "urgentie_en_wachtdagen" else None
    page = await wait_until(by_urgency)
    ids = [i["casus_id"] for i in page["items"]]
    assert ids.index(casus_spoed) < ids.index(casus_regulier)
    assert page["items"][0]["urgentie"] == "spoed"

    # Level 2 lists the grey-area measure: once triage has read the raise and the GIs' figures (all
    # at or over their norm), a grey-area report's advice goes to the GI with the most free slots
    # (ties by the fixed order), and its reason names the measure and the escalation.
    assert GRIJS_GEBIED_MAATREGEL in level_2["maatregelen"]
    await wait_until(lambda: handled_by(kafka_bootstrap, f"{database_prefix}-triage", ESCALATIES))
    figures = await wait_until(lambda: same_figures(http))
    assert all(vrij <= 0 for vrij in figures.values())
    most_free = min(GI, key=lambda gi: (-figures[gi], list(GI).index(gi))).value
    grijs = await post_melding(http, grey_area_melding())
    [issued] = await wait_until(lambda: events(kafka_bootstrap, "rvdk.adviezen", AdviesIssued.type,
                                               melding_id=grijs))
    assert issued["doelgroep"] == "grijs_gebied"
    assert (issued["voorgestelde_gi"], issued["gi"]) == (most_free, most_free)
    assert issued["reden"].endswith(
        f"Escalatieplan {PLAN_VERSIE}, maatregel grijs gebied: de GI met de meeste vrije plaatsen, ook boven "
        f"de norm (escalatie {escalatie_id}).")


async def _all_sent(http, escalatie_id):
    body = await escalatie(http, escalatie_id)
    return body["kennisgevingen"] if all(k["status"] == "verzonden" for k in body["kennisgevingen"]) else None


async def handled_by(bootstrap, group, topic) -> bool:
    """The consumer group committed every record now on the topic: it handled them all (a
    consumer commits a batch's offsets once its transaction committed). Asked as a member-less
    consumer of the group: it never subscribes, so it never joins nor commits."""
    ends = await end_offsets(bootstrap, topic)
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await reader.start()
    try:
        done = {p: await reader.committed(TopicPartition(topic, p)) for p in ends}
    finally:
        await reader.stop()
    return all((done[p] or 0) >= end for p, end in ends.items())


async def same_figures(http) -> dict[GI, int] | None:
    """Every GI's free slots as triage knows them, once they are capacity's."""
    live = (await http["capacity"].get("/v1/capaciteit", headers=identity.rvdk())).json()
    known = (await http["triage"].get("/v1/beschikbaarheid", headers=identity.rvdk())).json()
    capacity = {GI(c["gi"]): c["vrije_plaatsen"] for c in live["gis"]}
    triage = {GI(b["gi"]): b["vrije_plaatsen"] for b in known}
    return triage if len(triage) == len(GI) and triage == capacity else None
