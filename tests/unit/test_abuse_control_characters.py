"""Issue 9 §3: NUL and the other control characters anywhere in a JSON body, a query or the path
are 400 naming the field, never 500, in every service; tab and line breaks pass only in free text."""
import copy
import importlib
import json
import os

import pytest
from fastapi.testclient import TestClient

from runtime.guards import forbidden_character
from runtime.service import build_app
from tests import identity
from tests.fixtures import EXAMPLE_MELDING

ID = "00000000-0000-4000-8000-000000000001"


def client(service: str) -> TestClient:
    # No lifespan: the guards answer before a database is needed.
    return TestClient(build_app(importlib.import_module(f"services.{service}.bootstrap").SPEC))


def _report(**changes) -> dict:
    report = copy.deepcopy(EXAMPLE_MELDING)
    report.update(changes)
    return report


def _child(**changes) -> dict:
    report = _report()
    report["gezin"]["kinderen"][0].update(changes)
    return report


# One body per service, each with a control character in a field, and the name the answer gives.
BODIES = [
    ("intake", "post", "/v1/meldingen", _child(voornaam="Sem\x00"), identity.lokaal_team(),
     "gezin.kinderen[0].voornaam"),
    ("intake", "post", f"/v1/meldingen/{ID}/aanvullingen", {"toelichting": "a\x1bb"},
     identity.lokaal_team(), "toelichting"),
    ("triage", "post", f"/v1/adviezen/{ID}/afwijking", {"gi": "WSS", "reden": "x\x7f"}, identity.rvdk(),
     "reden"),
    ("caseregie", "post", f"/v1/casussen/{ID}/overdrachten", {"naar_gi": "JBRR", "reden": "\x00"},
     identity.gi("WSS"), "reden"),
    ("capacity", "put", "/v1/gis/WSS/capaciteit",
     {"caseload_norm": 15, "teams": [{"expertise": "lvb", "jeugdbeschermers": 3}, {"expertise": "a\x00"}]},
     identity.gi("WSS"), "teams[1].expertise"),
    ("reporting", "post", "/v1/kpis/herberekeningen", {"vervangen": "\x00"}, identity.beheer(), "vervangen"),
]


@pytest.mark.parametrize(("service", "method", "path", "body", "caller", "field"), BODIES,
                         ids=[f"{b[0]} {b[5]}" for b in BODIES])
def test_a_control_character_in_a_body_is_400_naming_the_field(service, method, path, body, caller, field):
    response = getattr(client(service), method)(path, json=body, headers=caller)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["API-Version"]
    problem = response.json()
    assert [(p["name"], p["code"]) for p in problem["invalidParams"]] == [(field, "control_character")]
    assert problem["instance"] == path and field in problem["detail"]


QUERIES = [
    ("intake", "/v1/meldingen", {"status": "open\x00"}, identity.lokaal_team(), "status"),
    ("triage", "/v1/adviezen", {"status": "open", "gi": "W\x01SS"}, identity.rvdk(), "gi"),
    ("caseregie", "/v1/casussen", {"gemeente": "GM0599\n"}, identity.gi("WSS"), "gemeente"),
    ("capacity", "/v1/capaciteit", {"tijdstip": "\x00"}, identity.rvdk(), "tijdstip"),
    ("reporting", "/v1/kpis", {"kpi": ["meldingen_ontvangen", "x\x00"]}, identity.regio(), "kpi"),
]


@pytest.mark.parametrize(("service", "path", "params", "caller", "field"), QUERIES,
                         ids=[q[0] for q in QUERIES])
def test_a_control_character_in_a_query_is_400_naming_the_parameter(service, path, params, caller, field):
    response = client(service).get(path, params=params, headers=caller)
    assert response.status_code == 400, response.text
    invalid = [(p["name"], p["code"]) for p in response.json()["invalidParams"]]
    assert invalid == [(field, "control_character")]


def test_a_control_character_in_the_path_is_400():
    response = client("triage").get("/v1/doelgroepenbepaling/versies/1%00", headers=identity.rvdk())
    assert response.status_code == 400
    assert response.json()["invalidParams"][0]["name"] == "path"


@pytest.mark.parametrize("raw", [
    b'{"gemeente": "GM0599\\u0000"}',                      # escaped in JSON
    b'{"toelichting": "\\ud800"}',                          # a lone surrogate no database stores
    b'{"gemeente\\u0000": "GM0599"}',                      # in a key
    b'{"toelichting": "a\\u0085b"}',                        # a C1 control character
])
def test_escaped_control_characters_and_lone_surrogates_are_refused(raw):
    response = client("intake").post("/v1/meldingen", content=raw, headers={
        **identity.lokaal_team(), "Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert response.json()["invalidParams"][0]["code"] == "control_character"


def test_a_name_in_a_key_is_shown_escaped():
    response = client("intake").post("/v1/meldingen", content=b'{"a\\u0000b": 1}', headers={
        **identity.lokaal_team(), "Content-Type": "application/json"})
    assert response.json()["invalidParams"][0]["name"] == "a\\x00b"


def test_free_text_may_have_lines_and_tabs_but_a_name_may_not():
    lines = _report(gemeente="GM9999", toelichting="Eerste regel.\r\n\tTweede regel.")
    response = client("intake").post("/v1/meldingen", json=lines, headers=identity.veilig_thuis())
    assert response.status_code in (400, 403), response.text
    names = [p["name"] for p in response.json().get("invalidParams", [])]
    assert "toelichting" not in names  # the multi-line note passed; only the municipality is wrong

    for field in ("voornaam", "achternaam"):
        response = client("intake").post("/v1/meldingen", json=_child(**{field: "Sem\nJansen"}),
                                         headers=identity.lokaal_team())
        assert response.status_code == 400
        assert [(p["name"], p["code"]) for p in response.json()["invalidParams"]] == [
            (f"gezin.kinderen[0].{field}", "control_character")]


def test_a_deeply_nested_body_is_a_400_not_a_500():
    deep = b"[" * 100_000 + b"]" * 100_000
    response = client("intake").post("/v1/meldingen", content=deep, headers={
        **identity.lokaal_team(), "Content-Type": "application/json"})
    assert response.status_code == 400, response.text


def test_which_characters_are_control_characters():
    for char in ("\x00", "\x08", "\x0b", "\x1f", "\x7f", "\x80", "\x9f", "\ud800", "\udfff"):
        assert forbidden_character(f"a{char}b") == char and forbidden_character(char, True) == char
    for char in ("\t", "\n", "\r"):
        assert forbidden_character(char) == char and forbidden_character(char, True) is None
    for text in ("Zoë Ĳsselmeer 😀", "€ ‘quotes’ —", json.dumps({"a": 1}), os.sep):
        assert forbidden_character(text) is None
