"""The processing log on the running chain (real PostgreSQL and broker, the five services in this
process): one record per read and per change of a child's data, with the caller (or the service
itself) as the actor, the activity from the register and the pseudonymous child and family; the
privacy officer's queries (by child, by BSN at intake, by actor, organisation and period).

Each test acts with token subjects and organisations of its own, so its records are found by them.
"""
from contextlib import asynccontextmanager
from datetime import timedelta
from uuid import uuid4

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from runtime import tables
from runtime.identity import GI_MANAGER, GI_ROL, LOKAAL_TEAM, PRIVACY, RVDK
from tests import identity
from tests.clock import TODAY
from tests.e2e.helpers import post_melding, until_status
from tests.fixtures import bsn, melding, sibling_melding
from tests.infra import wait_until

pytestmark = pytest.mark.integration
HEX32, HEX16 = 32, 16


def own(prefix: str) -> str:
    return f"{prefix}-{uuid4().hex[:8]}"


def team(sub: str, gemeente: str = "GM0599") -> dict[str, str]:
    """A local team of its own (organisation and person exist only in this test)."""
    return identity.auth(LOKAAL_TEAM, f"WT-{gemeente}-{sub}", gemeente=gemeente, sub=sub)


async def log(chain, service: str, **params) -> list[dict]:
    """The processing log of a service as the privacy officer reads it (newest first), every page."""
    items, page = [], 1
    while True:
        r = await chain[service].get("/v1/verwerkingen", params={"pageSize": 200, "page": page, **params},
                                     headers=identity.privacy())
        assert r.status_code == 200, r.text
        items += r.json()["items"]
        if len(items) >= r.json()["total"] or not r.json()["items"]:
            return items
        page += 1


async def until_logged(chain, service: str, activity: str, **params) -> list[dict]:
    async def found():
        return [v for v in await log(chain, service, **params) if v["verwerkingsactiviteit"] == activity]
    return await wait_until(found)


def summary(v: dict) -> tuple:
    return v["verwerkingsactiviteit"], v["actie"], v["resource"]["type"], v["actor"]["sub"]


async def seed(chain):
    for gi in ("JBRR", "WSS", "LJR"):
        r = await chain["capacity"].put(f"/v1/gis/{gi}/capaciteit", headers=identity.gi(gi),
                                        json={"jeugdbeschermers": 10, "caseload_norm": 15})
        assert r.status_code == 200, r.text


# --- intake ---------------------------------------------------------------------------------------

async def test_intake_logs_each_change_and_read_with_its_caller_and_one_record_per_child(chain):
    sub = own("a.jansen")
    caller = team(sub)
    report = melding()
    report["gezin"]["kinderen"].append({"voornaam": "Noor", "achternaam": "Jansen",
                                        "geboortedatum": "2019-02-01", "bsn": bsn()})
    melding_id = await post_melding(chain, report, caller)
    created = await log(chain, "intake", sub=sub)
    assert [summary(v) for v in created] == [("intake.melding-ontvangen.v1", "create", "melding", sub)] * 2
    assert {v["resource"]["id"] for v in created} == {melding_id}
    kinderen = {v["betrokkene"]["kind_id"] for v in created}
    [gezin] = {v["betrokkene"]["gezin_id"] for v in created}
    assert len(kinderen) == 2 and None not in kinderen and gezin is not None
    first = created[0]
    assert first["actor"] == {"sub": sub, "rol": LOKAAL_TEAM, "organisatie": f"WT-GM0599-{sub}"}
    assert len(first["trace_id"]) == HEX32 and len(first["span_id"]) == HEX16 and first["uitkomst"] == "ok"

    assert (await chain["intake"].get(f"/v1/meldingen/{melding_id}", headers=caller)).status_code == 200
    reads = (await log(chain, "intake", sub=sub))[:2]
    assert [summary(v) for v in reads] == [("intake.melding-inzien.v1", "read", "melding", sub)] * 2
    assert {v["betrokkene"]["kind_id"] for v in reads} == kinderen

    second = await post_melding(chain, melding(), caller)
    before = len(await log(chain, "intake", sub=sub))
    page = (await chain["intake"].get("/v1/meldingen", headers=caller)).json()
    assert {m["id"] for m in page["items"]} == {melding_id, second}
    listed = (await log(chain, "intake", sub=sub))[:-before]
    assert len(listed) == 3  # one record per child of each report shown: 2 + 1
    assert {v["resource"]["id"] for v in listed} == {melding_id, second}
    assert {v["verwerkingsactiviteit"] for v in listed} == {"intake.melding-inzien.v1"}


async def test_intake_logs_the_chain_updates_of_a_report_as_intake_itself(chain):
    await seed(chain)
    sub = own("team")
    melding_id = await post_melding(chain, melding(), team(sub))
    await until_status(chain, melding_id, "assigned")
    [created] = [v for v in await log(chain, "intake", sub=sub) if v["actie"] == "create"]
    kind_id = created["betrokkene"]["kind_id"]
    updates = await until_logged(chain, "intake", "intake.ketenverloop-bijwerken.v1", kindId=kind_id)
    assert {(v["actor"]["sub"], v["actor"]["rol"], v["actor"]["organisatie"]) for v in updates} == {
        ("intake", "systeem", "jbketen")}
    assert {v["actie"] for v in updates} == {"update"} and len(updates) >= 4  # triaged .. assigned
    assert {v["resource"]["id"] for v in updates} == {melding_id}
    # ... and each carries the trace of the event it followed, the trace the report started
    assert {v["trace_id"] for v in updates} == {created["trace_id"]}


async def test_the_privacy_officer_finds_a_childs_and_a_familys_records_by_bsn(chain):
    parent_bsn, sub = bsn(), own("team")
    first, second = sibling_melding(parent_bsn, "Sem"), sibling_melding(parent_bsn, "Lot")
    for report in (first, second):
        await post_melding(chain, report, team(sub))
    created = await log(chain, "intake", sub=sub)  # newest first
    kinderen = {v["betrokkene"]["kind_id"] for v in created}
    [gezin_id] = {v["betrokkene"]["gezin_id"] for v in created}
    assert len(kinderen) == 2

    officer = own("fg")

    async def search(body, caller=None):
        return await chain["intake"].post("/v1/verwerkingen/zoekopdrachten", json=body, params={
            "pageSize": 200}, headers=caller or identity.privacy(sub=officer))

    child = (await search({"bsn": first["gezin"]["kinderen"][0]["bsn"], "sub": sub})).json()["items"]
    assert created[-1]["betrokkene"]["kind_id"] in {v["betrokkene"]["kind_id"] for v in child}
    family = (await search({"bsn": parent_bsn, "sub": sub})).json()["items"]
    assert {v["betrokkene"]["kind_id"] for v in family} == kinderen  # a parent's BSN: the whole family
    assert (await search({"bsn": bsn()})).json() == {"items": [], "total": 0}
    refused = await search({"bsn": "123456789"})
    assert refused.status_code == 400 and [p["name"] for p in refused.json()["invalidParams"]] == ["bsn"]
    assert "123456789" not in refused.text
    for caller in (identity.lokaal_team(), identity.rvdk(), identity.beheer(), identity.regio()):
        assert (await search({"bsn": parent_bsn}, caller)).status_code == 403
    # the search itself is logged, under the pseudonyms (never the BSN)
    searches = await log(chain, "intake", sub=officer)
    assert [v["verwerkingsactiviteit"] for v in searches] == ["intake.verwerkingen-inzien.v1"] * 3
    eerste_kind = created[-1]["betrokkene"]["kind_id"]
    assert searches[2]["betrokkene"] == {"kind_id": eerste_kind, "gezin_id": gezin_id}
    assert searches[1]["betrokkene"]["gezin_id"] == gezin_id
    assert all(parent_bsn not in str(v) for v in searches)


async def test_the_privacy_officers_queries_filter_by_actor_organisation_and_period(chain):
    sub = own("team")
    caller = team(sub)
    ids = [await post_melding(chain, melding(), caller) for _ in range(3)]
    records = list(reversed(await log(chain, "intake", sub=sub)))  # oldest first
    assert [v["resource"]["id"] for v in records] == ids
    organisatie = f"WT-GM0599-{sub}"
    assert [v["volgnummer"] for v in await log(chain, "intake", organisatie=organisatie)] == [
        v["volgnummer"] for v in reversed(records)]
    van, tot = records[1]["tijdstip"], records[2]["tijdstip"]
    assert [v["resource"]["id"] for v in await log(chain, "intake", sub=sub, van=van, tot=tot)] == [ids[1]]
    kind = records[0]["betrokkene"]["kind_id"]
    assert {v["resource"]["id"] for v in await log(chain, "intake", kindId=kind, sub=sub)} == {ids[0]}
    everyone_else = [identity.auth(rol, "X", gemeente="GM0599") if rol == LOKAAL_TEAM
                     else identity.auth(rol, "WSS") for rol in (LOKAAL_TEAM, RVDK, GI_ROL, GI_MANAGER)]
    for service in ("intake", "triage", "caseregie"):
        for path in ("/v1/verwerkingen", "/v1/verwerkingen/integriteit"):
            for caller in [*everyone_else, identity.regio(), identity.beheer()]:
                assert (await chain[service].get(path, headers=caller)).status_code == 403, (service, path)
            assert (await chain[service].get(path)).status_code == 401


async def test_every_role_reads_the_register_of_processing_activities(chain):
    for service in ("intake", "triage", "caseregie"):
        for caller in (identity.regio(), identity.gi("WSS"), identity.privacy(), identity.lokaal_team()):
            r = await chain[service].get("/v1/verwerkingsactiviteiten", headers=caller)
            assert r.status_code == 200, r.text
            assert all(a["id"].startswith(f"{service}.") and a["grondslag"] and a["doel"] for a in r.json())
    ids = {a["id"] for a in (await chain["caseregie"].get("/v1/verwerkingsactiviteiten",
                                                           headers=identity.privacy())).json()}
    assert {"caseregie.casus-inzien.v1", "caseregie.verwerkingen-inzien.v1"} <= ids


# --- triage and caseregie ------------------------------------------------------------------------

@pytest.fixture
async def decided_by_the_rvdk(chain):
    """A report whose proposal the RvdK decides itself (auto-confirm off for this test)."""
    await seed(chain)
    settings = chain["triage"].app.state.runtime.settings
    settings.auto_confirm = False
    try:
        yield
    finally:
        settings.auto_confirm = True


async def open_advice(chain, melding_id, rvdk) -> dict:
    async def found():
        r = await chain["triage"].get("/v1/adviezen", params={"meldingId": melding_id}, headers=rvdk)
        return r.json()["items"] if r.json()["total"] else None
    return (await wait_until(found))[0]


async def test_triage_logs_the_proposal_and_the_rvdks_reads_and_decisions(chain, decided_by_the_rvdk):
    rvdk_sub = own("rvdk")
    rvdk = identity.rvdk(sub=rvdk_sub)
    melding_id = await post_melding(chain, melding(), team(own("team")))
    advies = await open_advice(chain, melding_id, rvdk)
    kind_id = advies["kinderen"][0]["kind_id"]
    system = await until_logged(chain, "triage", "triage.advies-voorstellen.v1", kindId=kind_id)
    assert [(v["actor"]["rol"], v["resource"]["id"]) for v in system] == [("systeem", advies["id"])]
    assert (await until_logged(chain, "triage", "triage.doelgroep-bepalen.v1", kindId=kind_id))[0][
        "resource"] == {"type": "triage", "id": melding_id}
    assert (await chain["triage"].get(f"/v1/adviezen/{advies['id']}", headers=rvdk)).status_code == 200
    r = await chain["triage"].post(f"/v1/adviezen/{advies['id']}/afwijking", headers=rvdk,
                                   json={"gi": "LJR", "reden": "Eerder contact met dit gezin"})
    assert r.status_code == 200, r.text
    r = await chain["triage"].post(f"/v1/adviezen/{advies['id']}/maatregelen", headers=rvdk, json={
        "maatregel": "drang", "startdatum": str(TODAY - timedelta(days=200))})
    assert r.status_code == 201, r.text
    assert [summary(v) for v in reversed(await log(chain, "triage", sub=rvdk_sub))] == [
        ("triage.advies-inzien.v1", "read", "advies", rvdk_sub),  # the list
        ("triage.advies-inzien.v1", "read", "advies", rvdk_sub),  # the advice itself
        ("triage.advies-vaststellen.v1", "update", "advies", rvdk_sub),
        ("triage.maatregel-vastleggen.v1", "create", "advies", rvdk_sub)]
    # caseregie opens the case, and flags the drang measure's passed limits at once
    opened = await until_logged(chain, "caseregie", "caseregie.casus-openen.v1", kindId=kind_id)
    assert [(v["actie"], v["actor"]["sub"]) for v in opened] == [("create", "caseregie")]
    flagged = await until_logged(chain, "caseregie", "caseregie.drang-signaleren.v1", kindId=kind_id)
    assert flagged[0]["resource"] == opened[0]["resource"]


async def until_case(chain, melding_id) -> tuple[str, str]:
    body = await until_status(chain, melding_id, "assigned")
    return body["casus_id"], body["toegewezen_gi"]


async def test_caseregie_logs_every_read_and_change_of_a_case(chain):
    await seed(chain)
    melding_id = await post_melding(chain, melding(), team(own("team")))
    casus_id, gi = await until_case(chain, melding_id)
    naar = "JBRR" if gi != "JBRR" else "LJR"
    gi_sub = own("systeem")
    caller = identity.gi(gi, sub=gi_sub)
    http = chain["caseregie"]
    casus = (await http.get(f"/v1/casussen/{casus_id}", headers=caller)).json()
    [kind] = casus["kinderen"]
    waiting = (await http.get("/v1/wachtlijst", headers=caller, params={"pageSize": 200})).json()
    assert kind["kind_id"] in {w["kind_id"] for w in waiting["items"]}
    listed = (await http.get("/v1/casussen", headers=caller, params={"pageSize": 200})).json()
    assert (await http.post(f"/v1/casussen/{casus_id}/jeugdbeschermer", headers=caller, json={
        "jeugdbeschermer_id": "JB-1", "naam": "J. Bakker"})).status_code == 200
    r = await http.post(f"/v1/casussen/{casus_id}/overdrachten", headers=caller,
                        json={"naar_gi": naar, "reden": "Gezin verhuist"})
    overdracht_id = r.json()["id"]
    assert (await http.get(f"/v1/casussen/{casus_id}/overdrachten/{overdracht_id}",
                           headers=caller)).status_code == 200
    managers = [own("manager"), own("manager")]
    for manager, manager_gi in zip(managers, (gi, naar), strict=True):
        r = await http.post(f"/v1/casussen/{casus_id}/overdrachten/{overdracht_id}/goedkeuringen", json={},
                            headers=identity.auth(GI_MANAGER, manager_gi, sub=manager, naam="M"))
        assert r.status_code == 201, r.text

    records = list(reversed(await log(chain, "caseregie", sub=gi_sub)))  # oldest first
    activities = [v["verwerkingsactiviteit"] for v in records]
    shown = sum(len(c["kinderen"]) for c in listed["items"])
    assert activities.count("caseregie.casus-inzien.v1") == 1 + shown
    assert activities.count("caseregie.wachtlijst-inzien.v1") == len(waiting["items"])
    about_this_case = [summary(v)[:3] for v in records if v["resource"]["id"] in (casus_id, overdracht_id)
                       and v["verwerkingsactiviteit"] != "caseregie.wachtlijst-inzien.v1"]
    assert about_this_case == [
        ("caseregie.casus-inzien.v1", "read", "casus"),  # GET /casussen/{id}
        ("caseregie.casus-inzien.v1", "read", "casus"),  # in the list
        ("caseregie.jeugdbeschermer-toewijzen.v1", "update", "casus"),
        ("caseregie.overdracht-aanvragen.v1", "create", "casus"),
        ("caseregie.overdracht-inzien.v1", "read", "overdracht")]
    assert {v["betrokkene"]["kind_id"] for v in records if v["resource"]["id"] == casus_id} == {
        kind["kind_id"]}
    decisions = [v for m in managers for v in await log(chain, "caseregie", sub=m)]
    assert [(v["verwerkingsactiviteit"], v["resource"]["id"], v["actor"]["rol"]) for v in decisions] == [
        ("caseregie.overdracht-beslissen.v1", overdracht_id, GI_MANAGER)] * 2
    closer = own("systeem")
    r = await http.post(f"/v1/casussen/{casus_id}/afsluiting", headers=identity.gi(naar, sub=closer),
                        json={"reden": "afschaling"})
    assert r.status_code == 200, r.text
    assert [summary(v) for v in await log(chain, "caseregie", sub=closer)] == [
        ("caseregie.casus-afsluiten.v1", "update", "casus", closer)]
    # the privacy officer's question about the child is answered, and itself logged
    about = await log(chain, "caseregie", kindId=kind["kind_id"])
    assert {"caseregie.casus-openen.v1", "caseregie.casus-inzien.v1",
            "caseregie.casus-afsluiten.v1"} <= {v["verwerkingsactiviteit"] for v in about}
    again = await log(chain, "caseregie", kindId=kind["kind_id"])
    assert again[0]["verwerkingsactiviteit"] == "caseregie.verwerkingen-inzien.v1"
    assert again[0]["actor"]["rol"] == PRIVACY and again[0]["betrokkene"]["kind_id"] == kind["kind_id"]


# --- no read without its record; append-only; a tampered chain is found ----------------------------

def engine(chain, service: str):
    return chain[service].app.state.runtime.engine


@asynccontextmanager
async def log_refuses(chain, service: str, sub: str):
    """The processing log of `service` cannot be written for this actor (a trigger refuses it)."""
    async with engine(chain, service).begin() as conn:
        await conn.execute(sa.text(
            "CREATE FUNCTION test_kapot() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION 'the processing log is unavailable'; END $$"))
        await conn.execute(sa.text(
            "CREATE TRIGGER test_kapot BEFORE INSERT ON verwerkingen FOR EACH ROW "
            f"WHEN (NEW.actor_sub = '{sub}') EXECUTE FUNCTION test_kapot()"))
    try:
        yield
    finally:
        async with engine(chain, service).begin() as conn:
            await conn.execute(sa.text("DROP TRIGGER test_kapot ON verwerkingen"))
            await conn.execute(sa.text("DROP FUNCTION test_kapot()"))


def refused_without_data(response, *secrets: str) -> None:
    assert response.status_code == 500, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert set(response.json()) <= {"type", "title", "status", "detail", "instance"}
    assert not [s for s in secrets if s in response.text]


async def test_a_read_or_change_whose_record_cannot_be_written_fails_and_shows_nothing(chain):
    await seed(chain)
    report = melding()
    team_sub = own("team")
    melding_id = await post_melding(chain, report, team(team_sub))
    casus_id, gi = await until_case(chain, melding_id)
    kind = report["gezin"]["kinderen"][0]
    kapot = own("kapot")
    async with log_refuses(chain, "intake", kapot):
        same_team = identity.auth(LOKAAL_TEAM, f"WT-GM0599-{team_sub}", gemeente="GM0599", sub=kapot)
        r = await chain["intake"].get(f"/v1/meldingen/{melding_id}", headers=same_team)
        refused_without_data(r, kind["voornaam"], kind["achternaam"], kind["bsn"], "assigned")
    gi_kapot = identity.gi(gi, sub=kapot)
    async with log_refuses(chain, "caseregie", kapot):
        r = await chain["caseregie"].get(f"/v1/casussen/{casus_id}", headers=gi_kapot)
        refused_without_data(r, "kinderen", "gezin_id", "maatregelen")
        r = await chain["caseregie"].get("/v1/casussen", headers=gi_kapot)
        refused_without_data(r, "items", casus_id)
        r = await chain["caseregie"].post(f"/v1/casussen/{casus_id}/jeugdbeschermer", headers=gi_kapot,
                                          json={"jeugdbeschermer_id": "JB-9", "naam": "K. Apot"})
        refused_without_data(r, "K. Apot")
    casus = (await chain["caseregie"].get(f"/v1/casussen/{casus_id}", headers=identity.gi(gi))).json()
    assert casus["jeugdbeschermer"] is None  # the change went with its record: neither was written
    assert await log(chain, "caseregie", sub=kapot) == [] and await log(chain, "intake", sub=kapot) == []


@pytest.mark.parametrize("statement", [
    "UPDATE verwerkingen SET actor_sub = 'iemand' WHERE volgnummer = (SELECT max(volgnummer) FROM v)",
    "DELETE FROM verwerkingen WHERE volgnummer = (SELECT max(volgnummer) FROM v)",
    "TRUNCATE verwerkingen",
])
async def test_the_database_refuses_to_change_or_remove_a_record(chain, statement):
    await post_melding(chain, melding(), team(own("team")))  # at least one record
    before = await integrity(chain, "intake")
    with pytest.raises(DBAPIError, match="append-only"):
        async with engine(chain, "intake").begin() as conn:
            await conn.execute(sa.text(statement.replace("FROM v)", "FROM verwerkingen)")))
    after = await integrity(chain, "intake")
    assert after["status"] == "ok" and after["records"] >= before["records"]


async def integrity(chain, service: str) -> dict:
    r = await chain[service].get("/v1/verwerkingen/integriteit", headers=identity.privacy())
    assert r.status_code == 200, r.text
    return r.json()


@asynccontextmanager
async def triggers_off(chain, service: str):
    """A superuser's connection that bypasses the append-only triggers (as an attacker would)."""
    async with engine(chain, service).begin() as conn:
        await conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
        yield conn


async def test_an_edited_or_deleted_record_is_found_by_the_chain_check(chain):
    sub = own("team")
    for _ in range(3):
        await post_melding(chain, melding(), team(sub))
    assert (await integrity(chain, "intake"))["status"] == "ok"
    newest, middle, oldest = await log(chain, "intake", sub=sub)
    volgnummer = middle["volgnummer"]
    try:
        async with triggers_off(chain, "intake") as conn:
            await conn.execute(sa.text("UPDATE verwerkingen SET actor_sub = 'iemand-anders' "
                                       "WHERE volgnummer = :n"), {"n": volgnummer})
        report = await integrity(chain, "intake")
        assert report["status"] == "gebroken" and report["breuk"]["volgnummer"] == volgnummer
        assert report["breuk"]["reden"] == "gewijzigd" and report["records"] == volgnummer - 1
    finally:
        async with triggers_off(chain, "intake") as conn:
            await conn.execute(sa.text("UPDATE verwerkingen SET actor_sub = :sub WHERE volgnummer = :n"),
                               {"sub": sub, "n": volgnummer})
    assert (await integrity(chain, "intake"))["status"] == "ok"  # restored, it matches its hash again

    async with engine(chain, "intake").connect() as conn:
        row = (await conn.execute(sa.text("SELECT * FROM verwerkingen WHERE volgnummer = :n"),
                                  {"n": volgnummer})).mappings().one()
    try:
        async with triggers_off(chain, "intake") as conn:
            await conn.execute(sa.text("DELETE FROM verwerkingen WHERE volgnummer = :n"), {"n": volgnummer})
        report = await integrity(chain, "intake")
        assert report["status"] == "gebroken"
        assert (report["breuk"]["volgnummer"], report["breuk"]["reden"]) == (volgnummer + 1, "ontbrekend")
    finally:
        async with engine(chain, "intake").begin() as conn:
            await conn.execute(sa.insert(tables.verwerkingen).values(dict(row)))
    assert (await integrity(chain, "intake"))["status"] == "ok"
    assert oldest["volgnummer"] < volgnummer < newest["volgnummer"]
