"""Issue 9 §3: every list and every string a caller sends is bounded, in every service: `zorgen` and
`kenmerken` at most their vocabulary and each item once, families of at most 20 children and 10
parents; every string has a maximum length, every number a maximum."""
import copy
import importlib

import pytest
from fastapi.testclient import TestClient

from contracts.vocabulary import Kenmerk, Zorg
from runtime.http import nl_openapi
from runtime.service import build_app
from services.intake.bootstrap import SPEC as INTAKE
from tests import identity
from tests.fixtures import EXAMPLE_MELDING

SERVICES = ["intake", "triage", "caseregie", "capacity", "reporting"]
MiB = 1024 * 1024


@pytest.fixture(scope="module")
def intake():
    # A body limit high enough for the list bounds themselves to answer.
    app = build_app(INTAKE, INTAKE.settings_class.for_service("intake", 8001, max_body_bytes=8 * MiB))
    return TestClient(app, headers=identity.lokaal_team())


def _report(**changes) -> dict:
    report = copy.deepcopy(EXAMPLE_MELDING)
    report.update(changes)
    return report


def _problem(response) -> list[tuple[str, str]]:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return [(p["name"], p["code"]) for p in response.json()["invalidParams"]]


def test_200000_concerns_are_refused_by_the_vocabulary_bound(intake):
    response = intake.post("/v1/meldingen", json=_report(zorgen=["veiligheid"] * 200_000))
    assert _problem(response) == [("zorgen", "too_long")]


@pytest.mark.parametrize(("field", "vocabulary"), [("zorgen", Zorg), ("kenmerken", Kenmerk)])
def test_a_list_of_codes_holds_each_code_once(intake, field, vocabulary):
    every = [v.value for v in vocabulary]
    assert _problem(intake.post("/v1/meldingen", json=_report(**{field: [*every, every[0]]}))) == [
        (field, "too_long")]
    assert _problem(intake.post("/v1/meldingen", json=_report(**{field: [every[1], every[1]]}))) == [
        (field, "duplicate")]
    completion = intake.post("/v1/meldingen/00000000-0000-4000-8000-000000000001/aanvullingen",
                             json={field: [every[0], every[0]]})
    assert _problem(completion) == [(field, "duplicate")]


def test_a_family_is_at_most_20_children_and_10_parents(intake):
    report = _report()
    report["gezin"]["kinderen"] *= 21
    assert _problem(intake.post("/v1/meldingen", json=report)) == [("gezin.kinderen", "too_long")]
    report = _report()
    report["gezin"]["ouders"] *= 11
    assert _problem(intake.post("/v1/meldingen", json=report)) == [("gezin.ouders", "too_long")]


def test_every_string_is_bounded(intake):
    report = _report()
    report["melder"]["telefoon"] = "0" * 51
    report["gezin"]["kinderen"][0]["bsn"] = "1" * 10
    names = dict(_problem(intake.post("/v1/meldingen", json=report)))
    assert names == {"melder.telefoon": "string_too_long", "gezin.kinderen[0].bsn": "string_too_long"}


@pytest.fixture(scope="module")
def reporting():
    from services.reporting.bootstrap import SPEC as REPORTING

    return TestClient(build_app(REPORTING), headers=identity.regio())


@pytest.mark.parametrize("path", ["/v1/kpis", "/v1/kpis/export", "/v1/kpis/trends"])
def test_the_kpi_filter_names_each_kpi_of_the_catalogue_at_most_once(reporting, path):
    every = [k["id"] for k in reporting.get("/v1/kpis/catalogus").json()["kpis"]]
    assert _problem(reporting.get(path, params={"kpi": [*every, every[0]]})) == [("kpi", "too_long")]
    assert _problem(reporting.get(path, params={"kpi": [every[1], every[1]]})) == [("kpi", "duplicate")]
    assert _problem(reporting.get(path, params={"kpi": "k" * 51})) == [("kpi[0]", "string_too_long")]


# --- every operation of every service, from its OpenAPI document -----------------------------

def _documents():
    for name in SERVICES:
        spec = importlib.import_module(f"services.{name}.bootstrap").SPEC
        yield name, nl_openapi(build_app(spec), "1.0.0")


def _resolve(document: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _bounded_pattern(pattern: str) -> bool:
    return pattern.startswith("^") and pattern.endswith("$") and not any(q in pattern for q in "*+")


def _unbounded(document: dict, schema: dict, where: str, seen: frozenset = frozenset()):
    """Where in `schema` a caller could send something without a bound."""
    schema = _resolve(document, schema)
    if id(schema) in seen:
        return
    seen = seen | {id(schema)}
    for alternative in schema.get("anyOf", []) + schema.get("allOf", []) + schema.get("oneOf", []):
        yield from _unbounded(document, alternative, where, seen)
    kind = schema.get("type")
    if kind == "string" and not ("maxLength" in schema or "enum" in schema
                                 or schema.get("format") in ("uuid", "date", "date-time")
                                 or _bounded_pattern(schema.get("pattern", ""))):
        yield f"{where}: a string without maxLength"
    elif kind == "integer" and "maximum" not in schema:
        yield f"{where}: an integer without maximum"
    elif kind == "array":
        if "maxItems" not in schema:
            yield f"{where}: a list without maxItems"
        yield from _unbounded(document, schema.get("items", {}), f"{where}[]", seen)
    elif kind == "object":
        free = schema.get("additionalProperties")
        if free not in (None, False):
            # a map is bounded when its keys are (a bounded pattern) and so is their number
            names = schema.get("propertyNames", {})
            if "maxProperties" not in schema or not _bounded_pattern(names.get("pattern", "")):
                yield f"{where}: an object with free keys"
            elif isinstance(free, dict):
                yield from _unbounded(document, free, f"{where}{{}}", seen)
        for prop, sub in schema.get("properties", {}).items():
            yield from _unbounded(document, sub, f"{where}.{prop}", seen)


def test_every_request_field_of_every_operation_is_bounded():
    found = []
    for service, document in _documents():
        for path, operations in document["paths"].items():
            for method, op in operations.items():
                for param in op.get("parameters", []):
                    found += _unbounded(document, param["schema"],
                                        f"{service} {method.upper()} {path} {param['name']}")
                for content in op.get("requestBody", {}).get("content", {}).values():
                    where = f"{service} {method.upper()} {path} body"
                    found += _unbounded(document, content["schema"], where)
    assert found == []


def test_the_check_finds_an_unbounded_field():
    document = {"components": {"schemas": {"In": {"type": "object", "properties": {
        "naam": {"type": "string"}, "aantal": {"type": "integer"},
        "codes": {"type": "array", "items": {"type": "string", "maxLength": 3}}}}}}}
    assert sorted(_unbounded(document, {"$ref": "#/components/schemas/In"}, "body")) == [
        "body.aantal: an integer without maximum", "body.codes: a list without maxItems",
        "body.naam: a string without maxLength"]
