"""The what-if simulation over HTTP (triage): run, read as JSON, as a page with its chart and as SVG,
listed per proposal and linked from it; bad input is a problem naming the field; only the GIs'
managers, the RvdK and the region may run and read them."""
from datetime import date

import pytest
from fastapi.testclient import TestClient

from contracts.vocabulary import GI
from runtime.identity import REGIO, Principal
from services.triage.bootstrap import SPEC
from services.triage.domain.commands import RunSimulatie
from services.triage.domain.simulatie import Bezettingswijziging
from tests import identity
from tests.clock import TODAY
from tests.fakes import bootstrap_test_app
from tests.unit.test_triage_regelsetvoorstellen import VOORSTELLEN, voorstel_bron
from tests.unit.test_triage_service import FakeRepository, FakeUnitOfWork, bus
from tests.unit.test_triage_simulatie import Historie, bezetting, op

SIMULATIES = "/v1/simulaties"
JAN_FEB = {"van": "2026-01-01", "tot": "2026-02-28"}


@pytest.fixture
def api():
    """History in January 2026 (before every moment the suite is pinned to): two reports at JBRR."""
    uow = FakeUnitOfWork(FakeRepository())
    h = Historie()
    h.melding(op(5), "JBRR", duur_dagen=10)
    h.melding(op(6), "JBRR", kinderen=2)
    uow.simulatie_store.historie = h.geschiedenis(bezetting(JBRR=(1, 2), WSS=(1, 2), LJR=(1, 2)))
    return TestClient(bootstrap_test_app(SPEC, uow)), uow


def test_a_simulation_is_run_and_read_as_data_as_a_page_and_as_a_chart(api):
    client, _ = api
    body = {"periode": JAN_FEB, "bezetting": {"WSS": {"jeugdbeschermers_erbij": 2}},
            "drempels": {"wachtend_max": 40}}
    r = client.post(SIMULATIES, json=body, headers=identity.regio())
    assert r.status_code == 201, r.text
    sim = r.json()
    assert r.headers["Location"] == f"{SIMULATIES}/{sim['id']}"
    assert [m["maand"] for m in sim["maanden"]] == ["2026-01", "2026-02"]
    assert sim["bezetting"] == {"WSS": {"jeugdbeschermers_erbij": 2, "caseload_norm": None}}
    assert sim["drempels"]["wachtend_max"] == 40 and sim["meldingen"] == 2 and sim["aannames"]
    [jbrr] = [g for g in sim["maanden"][0]["gis"] if g["gi"] == "JBRR"]
    assert jbrr["werkelijk"]["toegewezen"] == 3 and jbrr["werkelijk"]["grijs_gebied_aandeel"] == 1.0
    assert client.get(f"{SIMULATIES}/{sim['id']}", headers=identity.rvdk()).json() == sim

    html = {**identity.gi_manager("LJR"), "Accept": "text/html"}
    page = client.get(f"{SIMULATIES}/{sim['id']}", headers=html)
    assert page.headers["content-type"].startswith("text/html")
    assert "<svg" in page.text and "2026-01" in page.text and "werkelijk" in page.text
    chart = client.get(f"{SIMULATIES}/{sim['id']}/grafiek", headers=identity.regio())
    assert chart.headers["content-type"].startswith("image/svg+xml")
    assert chart.text.count("<polyline") == 4 * 6  # four panels, per GI werkelijk and gesimuleerd


def test_a_proposal_lists_the_simulations_run_for_it(api):
    client, _ = api
    voorstel = client.post(VOORSTELLEN, json=voorstel_bron(), headers=identity.gi_manager("WSS")).json()
    ids = [client.post(SIMULATIES, json={"periode": JAN_FEB, "voorstel_id": voorstel["id"]},
                       headers=identity.gi_manager(gi)).json()["id"] for gi in ("JBRR", "LJR")]
    client.post(SIMULATIES, json={"periode": JAN_FEB}, headers=identity.regio())  # not for the proposal
    gelezen = client.get(f"{VOORSTELLEN}/{voorstel['id']}", headers=identity.rvdk()).json()
    assert [s["id"] for s in gelezen["simulaties"]] == ids
    assert gelezen["simulaties"][0]["href"] == f"{SIMULATIES}/{ids[0]}"
    lijst = client.get(SIMULATIES, params={"voorstelId": voorstel["id"]}, headers=identity.regio()).json()
    assert lijst["total"] == 2 and {s["regelset_versie"] for s in lijst["items"]} == {"2026.3"}


@pytest.mark.parametrize(("body", "field"), [
    ({"periode": {"van": "2026-02-01", "tot": "2026-01-01"}}, "periode.tot"),
    ({"periode": {"van": "2026-01-01", "tot": TODAY.isoformat()}}, "periode.tot"),
    ({"periode": {"van": "2020-01-01", "tot": "2025-12-31"}}, "periode"),
    ({"periode": {"van": "0001-01-01", "tot": "0001-01-31"}}, "periode.van"),
    ({"periode": JAN_FEB, "regelset": {"versie": "2099.1", "geldig_vanaf": "2027-01-01", "expertises": {},
                                       "regels": []}}, "regelset.expertises"),
    ({"periode": JAN_FEB, "voorstel_id": "00000000-0000-0000-0000-000000000001"}, "voorstel_id"),
    ({"periode": JAN_FEB, "bezetting": {"NIDOS": {"jeugdbeschermers_erbij": 1}}}, "bezetting.NIDOS"),
])
def test_bad_input_is_a_problem_naming_the_field_and_nothing_is_kept(api, body, field):
    client, uow = api
    r = client.post(SIMULATIES, json=body, headers=identity.regio())
    assert r.status_code == 400, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert field in r.text
    assert uow.simulatie_store.simulaties == {}


def test_only_the_gis_managers_the_rvdk_and_the_region_run_and_read_simulations(api):
    client, _ = api
    for headers in (identity.lokaal_team(), identity.gi("WSS"), identity.privacy()):
        assert client.post(SIMULATIES, json={"periode": JAN_FEB}, headers=headers).status_code == 403
        assert client.get(SIMULATIES, headers=headers).status_code == 403
    assert client.post(SIMULATIES, json={"periode": JAN_FEB}).status_code == 401
    missing = "00000000-0000-0000-0000-000000000002"
    assert client.get(f"{SIMULATIES}/{missing}", headers=identity.regio()).status_code == 404


def test_a_period_without_any_history_gives_empty_figures_and_logs_nothing():
    """Found by schemathesis: a period long before any history (nobody's data read, nothing to log)."""
    uow = FakeUnitOfWork(FakeRepository())
    client = TestClient(bootstrap_test_app(SPEC, uow))
    r = client.post(SIMULATIES, json={"periode": {"van": "2000-01-01", "tot": "2000-01-01"}},
                    headers=identity.regio())
    assert r.status_code == 201, r.text
    [maand] = r.json()["maanden"]
    assert maand["maand"] == "2000-01" and r.json()["meldingen"] == 0
    assert all(g["werkelijk"] == g["gesimuleerd"] for g in maand["gis"])
    assert maand["gis"][0]["werkelijk"]["vrije_plaatsen"] is None
    assert uow.verwerkingen == []


def test_a_period_must_lie_before_today():
    assert date.fromisoformat(JAN_FEB["tot"]) < TODAY  # the suite's moments all lie after it


async def test_running_a_simulation_publishes_nothing_and_keeps_only_itself():
    """Isolation through the bus: no event, no change to the history it read, one simulation kept."""
    uow = FakeUnitOfWork(FakeRepository())
    h = Historie()
    h.melding(op(5), "JBRR", duur_dagen=10)
    uow.simulatie_store.historie = historie = h.geschiedenis(bezetting(JBRR=(1, 2), WSS=(1, 2), LJR=(1, 2)))
    adviezen = dict(uow.triage.adviezen)
    simulatie = await bus(uow).handle(RunSimulatie(
        Principal(sub="regio", rol=REGIO, organisatie="GRJR"), date(2026, 1, 1), date(2026, 2, 28),
        regelset=voorstel_bron("2099.1"), bezetting={GI.WSS: Bezettingswijziging(jeugdbeschermers_erbij=4)}))
    assert uow.published == [] and uow.transactions == [[]]  # one commit (its own row), no event
    assert uow.simulatie_store.historie is historie and uow.triage.adviezen == adviezen
    assert list(uow.simulatie_store.simulaties) == [simulatie.id]
    store = uow.simulatie_store
    assert (store.meldingen, store.verlopen, store.standen) == ({}, {}, [])  # nothing added to the history
    [gelezen] = uow.verwerkingen  # the log's record of the one child whose course it read
    assert (gelezen.activiteit, gelezen.actie) == ("triage.simulatie.v1", "read")
