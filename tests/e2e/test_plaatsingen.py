"""Out-of-home placements and youth care, recorded by a GI's system on the running chain: a report
reaches a case at WSS; WSS's system places the child in a 24-hour crisis place, ends it and places
the child with family (netwerkpleegzorg) the same day, and records the start of youth care. The
events appear on caseregie.casussen, keyed by the case, with the pseudonymous child, the kind and
the dates and nothing personal; they are read back over GET, reach WSS's webhook, and the other
services reading the cases' topic go on past them (the case's closure after them still counts)."""
import json
from datetime import datetime

import pytest

from contracts.events import JeugdhulpStarted, UithuisplaatsingEnded, UithuisplaatsingStarted
from runtime.clock import local_date
from tests import identity
from tests.clock import TODAY
from tests.e2e.helpers import casus, counted_by_capacity, post_melding, until_status
from tests.fixtures import melding as report
from tests.infra import header, read_topic, wait_until

pytestmark = pytest.mark.e2e
CASUSSEN = "caseregie.casussen"
WSS = identity.gi("WSS")


async def _records(bootstrap, ce_type: str, casus_id: str, n: int) -> list:
    """The `n` records of a type for the case on the cases' topic (waiting until they are there)."""
    async def found():
        records = [r for r in await read_topic(bootstrap, CASUSSEN) if header(r, "ce_type") == ce_type
                   and json.loads(r.value)["casus_id"] == casus_id]
        return records if len(records) >= n else None
    records = await wait_until(found, timeout=20)
    assert len(records) == n, [json.loads(r.value) for r in records]
    return records


def _nothing_personal(record, body: dict) -> None:
    raw = record.value.decode()
    for child in body["gezin"]["kinderen"]:
        for value in (child["voornaam"], child["achternaam"], child["bsn"], child["geboortedatum"]):
            assert value not in raw, value
    assert body["melder"]["naam"] not in raw and body["toelichting"] not in raw
    assert record.key.decode() == json.loads(raw)["casus_id"]  # keyed by the case, like its other events


async def test_a_gi_records_placements_and_youth_care_and_the_chain_sees_them(http, kafka_bootstrap):
    hook = await http["caseregie"].post("/v1/webhooks", json={"url": "https://93.184.215.14/hook"},
                                        headers=WSS)
    assert hook.status_code == 201, hook.text
    body = report(kenmerken=["lvb_kind"])  # an LVB child: the case goes to WSS
    melding_id = await post_melding(http, body)
    assigned = await until_status(http, melding_id, "assigned")
    case = await casus(http, assigned["casus_id"], "WSS")
    casus_id, kind_id = case["id"], case["kinderen"][0]["kind_id"]
    start = case["maatregelen"][0]["startdatum"]
    plaatsingen = f"/v1/casussen/{casus_id}/uithuisplaatsingen"
    jeugdhulp = f"/v1/casussen/{casus_id}/jeugdhulptrajecten"

    crisis = {"kind_id": kind_id, "vorm": "crisisplek_24uurs", "in_netwerk": False, "startdatum": start}
    assert (await http["caseregie"].post(plaatsingen, json=crisis, headers=identity.gi("JBRR"))).status_code \
        == 404  # another GI's case does not exist for it
    assert (await http["caseregie"].post(plaatsingen, json=crisis,
                                         headers=identity.lokaal_team())).status_code == 403
    r = await http["caseregie"].post(plaatsingen, json=crisis, headers=WSS)
    assert r.status_code == 201, r.text
    eerste = r.json()
    netwerk = {"kind_id": kind_id, "vorm": "netwerkpleegzorg", "in_netwerk": True, "startdatum": str(TODAY)}
    assert (await http["caseregie"].post(plaatsingen, json=netwerk, headers=WSS)).status_code == 409
    r = await http["caseregie"].post(f"{plaatsingen}/{eerste['id']}/beeindiging", headers=WSS,
                                     json={"einddatum": str(TODAY)})
    assert r.status_code == 200, r.text
    eerste = r.json()
    r = await http["caseregie"].post(plaatsingen, json=netwerk, headers=WSS)
    assert r.status_code == 201, r.text
    tweede = r.json()
    hulp_body = {"kind_id": kind_id, "vorm": "ambulant", "startdatum": str(TODAY)}
    r = await http["caseregie"].post(jeugdhulp, json=hulp_body, headers=WSS)
    assert r.status_code == 201, r.text
    hulp = r.json()
    retry = await http["caseregie"].post(jeugdhulp, json=hulp_body, headers=WSS)
    assert retry.status_code == 200 and retry.json() == hulp  # a retry records nothing new

    # read back over GET
    assert (await http["caseregie"].get(plaatsingen, headers=WSS)).json() == [eerste, tweede]
    assert (await http["caseregie"].get(jeugdhulp, headers=WSS)).json() == [hulp]
    assert (await http["caseregie"].get(f"{plaatsingen}/{tweede['id']}", headers=WSS)).json() == tweede
    assert (await http["caseregie"].get(plaatsingen, headers=identity.gi("LJR"))).status_code == 404

    # the events on the cases' topic: exactly the recorded facts, nothing personal
    started = await _records(kafka_bootstrap, UithuisplaatsingStarted.type, casus_id, 2)
    (ended,) = await _records(kafka_bootstrap, UithuisplaatsingEnded.type, casus_id, 1)
    (hulp_started,) = await _records(kafka_bootstrap, JeugdhulpStarted.type, casus_id, 1)
    for record in (*started, ended, hulp_started):
        _nothing_personal(record, body)
    common = {"casus_id": casus_id, "gemeente": body["gemeente"], "gi": "WSS", "kind_id": kind_id}
    data = [json.loads(r.value) for r in (*started, ended, hulp_started)]
    recorded = [local_date(datetime.fromisoformat(d.pop("geregistreerd_op"))) for d in data]
    assert recorded == [TODAY] * 4  # recorded today, on the service's clock
    assert data == [
        *({**common, "plaatsing_id": p["id"], "gezin_id": case["gezin_id"], "vorm": p["vorm"],
           "in_netwerk": p["in_netwerk"], "startdatum": p["startdatum"]} for p in (eerste, tweede)),
        {**common, "plaatsing_id": eerste["id"], "vorm": "crisisplek_24uurs", "in_netwerk": False,
         "startdatum": start, "einddatum": str(TODAY)},
        {**common, "jeugdhulp_id": hulp["id"], "gezin_id": case["gezin_id"], "vorm": "ambulant",
         "startdatum": str(TODAY)}]

    # caseregie fans them out to WSS's webhook (read back from its own topic)
    async def delivered():
        page = (await http["caseregie"].get(f"/v1/webhooks/{hook.json()['id']}/afleveringen",
                                            params={"pageSize": 200}, headers=WSS)).json()
        types = {a["event_type"] for a in page["items"]}
        wanted = {UithuisplaatsingStarted.type, UithuisplaatsingEnded.type, JeugdhulpStarted.type}
        return wanted <= types
    assert await wait_until(delivered, timeout=20)

    # the services reading the cases' topic go on past the new types: the closure after them counts
    r = await http["caseregie"].post(f"/v1/casussen/{casus_id}/afsluiting", headers=WSS,
                                     json={"reden": "afschaling"})
    assert r.status_code == 200, r.text
    await wait_until(lambda: counted_by_capacity(http, "WSS", casus_id, "gesloten"), timeout=20)
    await until_status(http, melding_id, "closed")
