"""End to end, over HTTP and Kafka: a ruleset version proposed by a GI's manager changes the next
triage decision once the managers of all three GIs approved it, and not before; the RvdK reads the
activation on triage.regelsets; a rejected proposal ends there."""
import json
from datetime import datetime

import pytest

from contracts.events import (
    RegelsetActivated,
    RegelsetApproved,
    RegelsetProposed,
    RegelsetRejected,
    TriageCompleted,
)
from contracts.topics import REGELSETS, TRIAGE
from tests import identity
from tests.e2e.helpers import events, post_melding, step, until_step
from tests.fixtures import melding as report
from tests.infra import header, read_topic, wait_until
from tests.unit.test_triage_regelsetvoorstellen import voorstel_bron

pytestmark = pytest.mark.e2e
VOORSTELLEN = "/v1/doelgroepenbepaling/voorstellen"
# Only this report is decided differently by 2026.3 (a parent's psychiatric problem: grey area in 2026.2).
PSYCHIATRIE = {"kenmerken": ["psychiatrie_ouder"]}


async def decided(http, kafka_bootstrap) -> tuple[dict, dict]:
    """A new report's target-group decision, as intake shows it and as triage published it."""
    melding_id = await post_melding(http, report(**PSYCHIATRIE))
    triaged = step(await until_step(http, melding_id, "triaged"), "triaged")["details"]
    [event] = await wait_until(lambda: events(kafka_bootstrap, TRIAGE.name, TriageCompleted.type,
                                              melding_id=melding_id))
    return triaged, event


async def approve(http, voorstel_id: str, gi: str) -> dict:
    r = await http["triage"].post(f"{VOORSTELLEN}/{voorstel_id}/goedkeuringen", json={},
                                  headers=identity.gi_manager(gi))
    assert r.status_code == 201, r.text
    return r.json()


async def test_a_version_approved_by_all_three_gis_decides_the_next_report_and_not_before(http,
                                                                                          kafka_bootstrap):
    rvdk = identity.rvdk()
    assert (await http["triage"].get("/v1/doelgroepenbepaling", headers=rvdk)).json()["versie"] == "2026.2"
    r = await http["triage"].post(VOORSTELLEN, json=voorstel_bron(), headers=identity.gi_manager("WSS"))
    assert r.status_code == 201, r.text
    voorstel = r.json()
    assert [(w["regel"], w["wijziging"]) for w in voorstel["verschil"]["regels"]] == [
        ("psychiatrie_ouder", "toegevoegd")]

    await approve(http, voorstel["id"], "WSS")
    assert (await approve(http, voorstel["id"], "LJR"))["ontbrekend"] == ["JBRR"]
    triaged, event = await decided(http, kafka_bootstrap)
    assert (triaged["regelset_versie"], triaged["doelgroep"]) == ("2026.2", "grijs_gebied")
    assert (event["regelset_versie"], event["doelgroep"]) == ("2026.2", "grijs_gebied")

    geactiveerd = await approve(http, voorstel["id"], "JBRR")
    assert geactiveerd["status"] == "geactiveerd" and geactiveerd["geactiveerd_op"]
    triaged, event = await decided(http, kafka_bootstrap)
    assert (triaged["regelset_versie"], triaged["doelgroep"], triaged["expertise"]) == (
        "2026.3", "psychiatrie_ouder", "psychiatrie_ouder")
    assert (event["regelset_versie"], event["regel"], event["geschikte_gis"]) == (
        "2026.3", "psychiatrie_ouder", ["LJR"])
    assert (await http["triage"].get("/v1/doelgroepenbepaling", headers=rvdk)).json()["versie"] == "2026.3"

    # The RvdK reads it on triage.regelsets: every step of the version, keyed by the version, in order.
    async def stappen():
        records = [r for r in await read_topic(kafka_bootstrap, REGELSETS.name)
                   if json.loads(r.value)["voorstel_id"] == voorstel["id"]]
        return records if len(records) == 5 else None
    records = await wait_until(stappen)
    assert [header(r, "ce_type") for r in records] == [
        RegelsetProposed.type, RegelsetApproved.type, RegelsetApproved.type, RegelsetApproved.type,
        RegelsetActivated.type]
    assert {r.key for r in records} == {b"2026.3"}
    activated = json.loads(records[-1].value)
    assert (activated["versie"], activated["vorige_versie"], activated["goedgekeurd_door"]) == (
        "2026.3", "2026.2", ["WSS", "LJR", "JBRR"])
    assert datetime.fromisoformat(activated["geactiveerd_op"]) == datetime.fromisoformat(
        geactiveerd["geactiveerd_op"])


async def test_a_rejected_version_ends_and_changes_nothing(http, kafka_bootstrap):
    actief = (await http["triage"].get("/v1/doelgroepenbepaling", headers=identity.rvdk())).json()
    bron = {**actief, "versie": "2026.9", "omschrijving": actief["omschrijving"] + " Voorstel."}
    voorstel = (await http["triage"].post(VOORSTELLEN, json=bron, headers=identity.gi_manager("LJR"))).json()
    await approve(http, voorstel["id"], "LJR")
    r = await http["triage"].post(f"{VOORSTELLEN}/{voorstel['id']}/afwijzingen",
                                  json={"categorie": "niet_afgestemd",
                                        "toelichting": "Eerst in het GI-overleg."},
                                  headers=identity.gi_manager("WSS"))
    assert r.status_code == 201 and r.json()["status"] == "afgewezen", r.text
    r = await http["triage"].post(f"{VOORSTELLEN}/{voorstel['id']}/goedkeuringen", json={},
                                  headers=identity.gi_manager("JBRR"))
    assert r.status_code == 409 and r.headers["content-type"] == "application/problem+json"
    [afgewezen] = await wait_until(lambda: events(kafka_bootstrap, REGELSETS.name, RegelsetRejected.type,
                                                  voorstel_id=voorstel["id"]))
    assert (afgewezen["gi"], afgewezen["categorie"]) == ("WSS", "niet_afgestemd")
    assert "GI-overleg" not in json.dumps(afgewezen)  # the manager's words stay in triage
    assert (await http["triage"].get("/v1/doelgroepenbepaling", headers=identity.rvdk())).json() == actief
