"""Consultation & advice (C&A) on the running chain, over HTTP and Kafka: a local team's question in
a category the factsheet names goes to that GI; the GIs record hours; an unnamed category goes to
the GI furthest below its agreed share of the year's hours; the events on triage.consultaties carry
the reason and nothing personal; the hours show in the year's distribution."""
import asyncio
from datetime import date, datetime, timedelta
from uuid import uuid4

import pytest

from contracts.events import ConsultatieRequested, ConsultatieUrenRecorded
from contracts.topics import CONSULTATIES
from runtime.clock import REGION_TZ
from tests import identity
from tests.clock import running
from tests.e2e.helpers import events
from tests.infra import wait_until

pytestmark = pytest.mark.e2e
TEAM = identity.lokaal_team("GM0599")


async def _not_at_the_years_end() -> None:
    """The routing reads the hours of the year of the request: a test that records hours and then
    asks must not straddle New Year (the edge moments start at 23:30 on 31 December)."""
    now = running().now().astimezone(REGION_TZ)
    new_year = datetime(now.year + 1, 1, 1, tzinfo=REGION_TZ)
    if new_year - now < timedelta(seconds=90):
        await asyncio.sleep((new_year - now).total_seconds() + 1)


def year_of(consultatie: dict) -> int:
    return datetime.fromisoformat(consultatie["aangevraagd_op"]).astimezone(REGION_TZ).year


async def ask(http, categorie: str, gezin_id: str | None = None, headers=TEAM) -> dict:
    body = {"gemeente": "GM0599", "categorie": categorie, **({"gezin_id": gezin_id} if gezin_id else {})}
    r = await http["triage"].post("/v1/consultaties", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


async def record(http, consultatie: dict, uren: float) -> dict:
    day = datetime.fromisoformat(consultatie["aangevraagd_op"]).astimezone(REGION_TZ).date()
    r = await http["triage"].post(f"/v1/consultaties/{consultatie['id']}/uren",
                                  json={"uren": uren, "datum": day.isoformat()},
                                  headers=identity.gi(consultatie["gi"]))
    assert r.status_code == 201, r.text
    return r.json()


async def verdeling(http, jaar: int) -> dict[str, dict]:
    r = await http["triage"].get("/v1/consultaties/verdeling", params={"jaar": jaar},
                                 headers=identity.regio())
    assert r.status_code == 200, r.text
    return {g["gi"]: g for g in r.json()["gis"]}


async def test_a_question_goes_to_the_factsheets_gi_or_to_the_one_furthest_below_its_share(
        http, kafka_bootstrap):
    await _not_at_the_years_end()
    gezin = str(uuid4())
    lvb = await ask(http, "lvb", gezin)
    assert (lvb["gi"], lvb["expertise"], lvb["gezin_id"]) == ("WSS", "lvb", gezin)
    assert "alleen WSS" in lvb["reden"]
    jaar = year_of(lvb)
    before = await verdeling(http, jaar)

    # Make the state deterministic: JBRR and WSS spend hours, LJR none.
    scheiding = await ask(http, "complexe_scheiding")
    assert scheiding["gi"] == "JBRR"
    await record(http, scheiding, 20)
    await record(http, lvb, 6)
    after = await record(http, lvb, 4)  # several registrations on one request
    assert after["uren"] == 10 and len(after["registraties"]) == 2
    standen = await verdeling(http, jaar)
    assert standen["JBRR"]["uren"] == before["JBRR"]["uren"] + 20
    assert standen["WSS"]["uren"] == before["WSS"]["uren"] + 10
    assert standen["JBRR"]["aanvragen"] == before["JBRR"]["aanvragen"] + 1
    furthest = max(standen.values(), key=lambda g: g["tekort_uren"])
    assert furthest["gi"] == "LJR" and furthest["tekort_uren"] > 0  # what the distribution shows

    opvoeding = await ask(http, "opvoeding")
    assert year_of(opvoeding) == jaar
    assert (opvoeding["gi"], opvoeding["expertise"]) == ("LJR", None)
    assert "noemt geen expertise" in opvoeding["reden"] and f"C&A-uren van {jaar}" in opvoeding["reden"]
    assert "LJR 25%" in opvoeding["reden"]

    async def published():
        found = {e["consultatie_id"]: e for e in await events(kafka_bootstrap, CONSULTATIES.name,
                                                              ConsultatieRequested.type)}
        hours = [e for e in await events(kafka_bootstrap, CONSULTATIES.name, ConsultatieUrenRecorded.type)
                 if e["consultatie_id"] in (lvb["id"], scheiding["id"])]
        ids = {lvb["id"], scheiding["id"], opvoeding["id"]}
        return (found, hours) if ids <= set(found) and len(hours) == 3 else None

    requested, hours = await wait_until(published)
    assert (requested[lvb["id"]]["gi"], requested[lvb["id"]]["reden"]) == ("WSS", lvb["reden"])
    assert (requested[opvoeding["id"]]["gi"], requested[opvoeding["id"]]["expertise"]) == ("LJR", None)
    assert requested[opvoeding["id"]]["reden"] == opvoeding["reden"]
    # nothing personal: the contract's fields only, the family by its pseudonym, no team or person
    assert set(requested[lvb["id"]]) == set(ConsultatieRequested.model_fields)
    assert requested[lvb["id"]]["gezin_id"] == gezin and requested[opvoeding["id"]]["gezin_id"] is None
    assert all("WT-" not in str(v) and "@" not in str(v) for e in requested.values() for v in e.values())
    assert sorted((e["gi"], e["uren"]) for e in hours) == [("JBRR", 20), ("WSS", 4), ("WSS", 6)]
    assert all(set(e) == set(ConsultatieUrenRecorded.model_fields) for e in hours)
    assert {date.fromisoformat(e["datum"]).year for e in hours} == {jaar}


async def test_only_the_own_team_asks_and_only_the_requests_gi_records(http):
    r = await http["triage"].post("/v1/consultaties", json={"gemeente": "GM0599", "categorie": "overig"},
                                  headers=identity.lokaal_team("GM0606"))
    assert r.status_code == 403
    r = await http["triage"].post("/v1/consultaties", headers=TEAM,
                                  json={"gemeente": "GM0599", "categorie": "overig", "vraag": "Vader slaat"})
    assert r.status_code == 400
    verslaving = await ask(http, "verslaving")  # LJR
    path = f"/v1/consultaties/{verslaving['id']}"
    day = datetime.fromisoformat(verslaving["aangevraagd_op"]).astimezone(REGION_TZ).date().isoformat()
    other = await http["triage"].post(f"{path}/uren", json={"uren": 1, "datum": day},
                                      headers=identity.gi("WSS"))
    assert other.status_code == 404
    assert (await http["triage"].get(path, headers=identity.gi("WSS"))).status_code == 404
    assert (await http["triage"].get(path, headers=identity.lokaal_team("GM0606"))).status_code == 404
    mine = await http["triage"].get(path, headers=identity.gi("LJR"))
    assert mine.status_code == 200 and mine.json()["uren"] == 0
    gezin = str(uuid4())
    eigen = await ask(http, "radicalisering_en_eer", gezin)  # JBRR

    async def listed(headers, **params) -> dict[str, str | None]:
        r = await http["triage"].get("/v1/consultaties", params=params, headers=headers)
        assert r.status_code == 200, r.text
        return {c["id"]: c["gezin_id"] for c in r.json()["items"]}

    assert verslaving["id"] in await listed(identity.gi("LJR"))
    assert verslaving["id"] not in await listed(identity.gi("JBRR"))
    assert (await listed(identity.gi("JBRR")))[eigen["id"]] == gezin
    assert (await listed(TEAM, categorie="radicalisering_en_eer"))[eigen["id"]] == gezin
    assert eigen["id"] not in await listed(identity.lokaal_team("GM0606"))
    assert (await listed(identity.regio(), gi="JBRR"))[eigen["id"]] is None  # the region: no family
