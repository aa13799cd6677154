import copy

import pytest
from fastapi.testclient import TestClient

from runtime.service import build_app
from services.intake.bootstrap import SPEC
from tests import identity
from tests.fixtures import EXAMPLE_MELDING

VALID = EXAMPLE_MELDING


@pytest.fixture(scope="module")
def client():
    # As Veilig Thuis (any municipality); no `with`: the lifespan (database, broker) never runs
    return TestClient(build_app(SPEC), headers=identity.veilig_thuis())


def _with(**changes):
    report = copy.deepcopy(VALID)
    for path, value in changes.items():
        *parents, last = path.split("__")
        target = report
        for p in parents:
            target = target[int(p)] if p.isdigit() else target[p]
        target[int(last) if last.isdigit() else last] = value
    return report


@pytest.mark.parametrize(("report", "field"), [
    (_with(gemeente="GM9999"), "gemeente"),
    (_with(gezin__kinderen__0__bsn="111222334"), "gezin.kinderen[0].bsn"),
    (_with(gezin__kinderen=[]), "gezin.kinderen"),
    (_with(zorgen=["geldzorgen"]), "zorgen[0]"),
    (_with(zorgen=[]), "zorgen"),
    (_with(kenmerken=["lvb_ouder", "onbekend"]), "kenmerken[1]"),
    (_with(urgentie="morgen"), "urgentie"),
    (_with(gezin__kinderen__0__geboortedatum="2999-01-01"), "gezin.kinderen[0].geboortedatum"),
    (_with(gezin__kinderen__0__geboortedatum="1990-01-01"), "gezin.kinderen[0].geboortedatum"),
    (_with(onbekend_veld=1), "onbekend_veld"),
])
def test_invalid_report_is_a_problem_naming_the_field(client, report, field):
    response = client.post("/v1/meldingen", json=report)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["API-Version"] == "1.0.0"
    body = response.json()
    assert body["status"] == 400
    assert body["instance"] == "/v1/meldingen"
    assert [p["name"] for p in body["invalidParams"]] == [field]
    assert all(p["reason"] for p in body["invalidParams"])


def test_unknown_path_is_a_problem_too(client):
    response = client.get("/v1/bestaat-niet")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["API-Version"] == "1.0.0"


def test_openapi_is_served_without_database(client):
    response = client.get("/v1/openapi.json")
    assert response.status_code == 200
    assert response.headers["API-Version"] == "1.0.0"
    doc = response.json()
    assert doc["servers"] == [{"url": "/v1"}]
    assert "/meldingen" in doc["paths"]


def test_incomplete_regular_report_is_refused_listing_every_missing_field(client):
    report = _with(zorgen=[], gezin__kinderen=[
        {"voornaam": "Sem", "achternaam": "Jansen"},
        {"voornaam": "Noa", "achternaam": "Jansen", "geboortedatum": "2019-03-01"},
        {"voornaam": "Lot", "achternaam": "Jansen", "geboortedatum": None},
    ])
    response = client.post("/v1/meldingen", json=report)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    missing = ["gezin.kinderen[0].geboortedatum", "gezin.kinderen[2].geboortedatum", "zorgen"]
    assert [p["name"] for p in body["invalidParams"]] == missing
    assert {p["code"] for p in body["invalidParams"]} == {"missing"}
    assert all(name in body["detail"] for name in missing)
    assert body["instance"] == "/v1/meldingen"


def test_regular_report_without_family_names_the_children(client):
    report = {k: v for k, v in VALID.items() if k not in ("gezin", "zorgen")}
    body = client.post("/v1/meldingen", json=report).json()
    assert [p["name"] for p in body["invalidParams"]] == ["gezin.kinderen", "zorgen"]


@pytest.mark.parametrize(("drop", "field"), [
    ("gemeente", "gemeente"), ("melder", "melder"), ("urgentie", "urgentie"),
])
def test_urgent_report_still_needs_municipality_reporter_and_urgency(client, drop, field):
    report = {k: v for k, v in _with(urgentie="spoed", zorgen=[]).items() if k != drop}
    response = client.post("/v1/meldingen", json=report)
    assert response.status_code == 400
    assert [p["name"] for p in response.json()["invalidParams"]] == [field]


def test_urgent_report_still_needs_the_childrens_names(client):
    report = _with(urgentie="spoed", gezin__kinderen=[{"achternaam": "Jansen"}])
    response = client.post("/v1/meldingen", json=report)
    assert response.status_code == 400
    assert [p["name"] for p in response.json()["invalidParams"]] == ["gezin.kinderen[0].voornaam"]


@pytest.mark.parametrize(("aanvulling", "field"), [
    ({"zorgen": ["geldzorgen"]}, "zorgen[0]"),
    ({"gezin": {"kinderen": [{"voornaam": "A", "achternaam": "B", "bsn": "111222334"}]}},
     "gezin.kinderen[0].bsn"),
    ({"gezin": {"kinderen": [{"voornaam": "A", "achternaam": "B", "geboortedatum": "2999-01-01"}]}},
     "gezin.kinderen[0].geboortedatum"),
    ({"gemeente": "GM0599"}, "gemeente"),
])
def test_invalid_aanvulling_is_a_problem_naming_the_field(client, aanvulling, field):
    response = client.post("/v1/meldingen/3fa85f64-5717-4562-b3fc-2c963f66afa6/aanvullingen", json=aanvulling)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert [p["name"] for p in response.json()["invalidParams"]] == [field]


def test_openapi_documents_the_completion(client):
    paths = client.get("/v1/openapi.json").json()["paths"]
    responses = paths["/meldingen/{id}/aanvullingen"]["post"]["responses"]
    assert {"200", "400", "404", "409"} <= set(responses)


def test_a_local_team_reporting_for_another_municipality_is_a_problem_naming_gemeente(client):
    response = client.post("/v1/meldingen", json=_with(gemeente="GM0363"),
                           headers=identity.lokaal_team("GM0599"))
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert [p["name"] for p in response.json()["invalidParams"]] == ["gemeente"]
    assert "GM0599" in response.json()["detail"] and "GM0363" in response.json()["detail"]


def test_openapi_documents_who_sees_which_report(client):
    paths = client.get("/v1/openapi.json").json()["paths"]
    assert "403" in paths["/meldingen"]["post"]["responses"]
    for path, method in (("/meldingen/{id}", "get"), ("/meldingen/{id}/aanvullingen", "post")):
        assert "not one of yours" in paths[path][method]["responses"]["404"]["description"]
