"""Issue 9 §3: page numbers, page sizes, periods, dates and moments out of range are 400
problems naming the parameter, never 500 (an offset past 64 bits, year 0, a 13th month, ...)."""
import importlib
from datetime import date

import pytest
from fastapi.testclient import TestClient

from runtime.errors import InvalidInput
from runtime.fields import MAX_PAGE
from runtime.http import nl_openapi
from runtime.service import build_app
from services.reporting.domain.periodes import Periode, kwartalen_tot, lees_periode
from tests import identity

TODAY = date(2026, 11, 25)
HUGE = "9223372036854775807"


def client(service: str) -> TestClient:
    # No lifespan: parameters are checked before a database is needed.
    return TestClient(build_app(importlib.import_module(f"services.{service}.bootstrap").SPEC))


def _invalid(response) -> list[str]:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return [p["name"] for p in response.json()["invalidParams"]]


LISTS = [
    ("intake", "/v1/meldingen", identity.lokaal_team()),
    ("triage", "/v1/adviezen", identity.rvdk()),
    ("caseregie", "/v1/casussen", identity.gi("WSS")),
    ("caseregie", "/v1/wachtlijst", identity.gi("WSS")),
    ("caseregie", "/v1/webhooks/00000000-0000-4000-8000-000000000001/afleveringen", identity.gi("WSS")),
]


@pytest.mark.parametrize(("service", "path", "caller"), LISTS, ids=[f"{s} {p}" for s, p, _ in LISTS])
@pytest.mark.parametrize(("params", "field"), [
    ({"page": HUGE}, "page"), ({"page": str(MAX_PAGE + 1)}, "page"), ({"page": "0"}, "page"),
    ({"page": "1e9"}, "page"), ({"pageSize": HUGE}, "pageSize"), ({"pageSize": "0"}, "pageSize"),
])
def test_a_page_out_of_range_is_400(service, path, caller, params, field):
    assert _invalid(client(service).get(path, params=params, headers=caller)) == [field]


def test_every_page_parameter_of_every_service_has_a_maximum_that_keeps_the_offset_small():
    for service in ("intake", "triage", "caseregie", "capacity", "reporting"):
        document = nl_openapi(build_app(importlib.import_module(f"services.{service}.bootstrap").SPEC), "1")
        for path, operations in document["paths"].items():
            for op in operations.values():
                params = {p["name"]: p["schema"] for p in op.get("parameters", [])}
                if "page" in params:
                    assert params["page"]["maximum"] <= MAX_PAGE, f"{service} {path}"
                    assert params["pageSize"]["maximum"] * params["page"]["maximum"] < 2**31, path
                if "pageSize" in params:
                    assert params["pageSize"]["maximum"] <= 1000, f"{service} {path}"


@pytest.mark.parametrize("periode", ["0000", "0000-Q1", "0001-01", "1899", "3000", "9999-12", "9999-Q4",
                                     "2026-13", "2026-00", "2026-Q5", "2026-Q0", "2026-02-30", "0000-01-01",
                                     "١٩٩٩", "2026-1", "totaal2"])
def test_a_period_out_of_range_is_400_naming_periode(periode):
    response = client("reporting").get("/v1/kpis", params={"periode": periode}, headers=identity.regio())
    assert _invalid(response) == ["periode"]
    with pytest.raises(InvalidInput) as refused:
        lees_periode(periode, None, TODAY)
    assert refused.value.field == "periode"


@pytest.mark.parametrize("tot", ["0000-Q1", "9999-Q4", "2026-Q5"])
def test_the_last_quarter_of_a_trend_out_of_range_is_400_naming_tot(tot):
    response = client("reporting").get("/v1/kpis/trends", params={"tot": tot}, headers=identity.regio())
    assert _invalid(response) == ["tot"]


@pytest.mark.parametrize("kwartaal", ["0000-Q1", "9999-Q4"])
def test_a_quarterly_report_out_of_range_is_400(kwartaal):
    response = client("reporting").get(f"/v1/rapportages/{kwartaal}", headers=identity.regio())
    assert response.status_code == 400, response.text


def test_the_edges_of_the_years_still_compute():
    first, last = lees_periode("1900-Q1", None, TODAY), lees_periode("2999-12", None, TODAY)
    assert kwartalen_tot(first, 40)[0] == Periode("kwartaal", "1890-Q2")
    assert (first.vorige().code, last.einde) == ("1899-Q4", date(2999, 12, 31))
    assert lees_periode("2026-02-28", None, TODAY).type == "dag"


@pytest.mark.parametrize("tijdstip", ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00",
                                      "2026-11-25T12:00:00", "1899-12-31T12:00:00+00:00"])
def test_a_moment_out_of_range_or_without_offset_is_400(tijdstip):
    response = client("capacity").get("/v1/capaciteit", params={"tijdstip": tijdstip},
                                      headers=identity.rvdk())
    assert _invalid(response) == ["tijdstip"]


def test_a_resume_id_longer_than_a_bigint_is_400():
    response = client("capacity").get("/v1/capaciteit/stream", headers={
        **identity.rvdk(), "Last-Event-ID": "9" * 19})
    assert _invalid(response) == ["Last-Event-ID"]


@pytest.mark.parametrize("startdatum", ["0001-01-01", "1899-12-31", "9999-12-31"])
def test_a_measure_dated_outside_the_era_is_400(startdatum):
    response = client("triage").post("/v1/adviezen/00000000-0000-4000-8000-000000000001/maatregelen",
                                     json={"maatregel": "OTS", "startdatum": startdatum},
                                     headers=identity.rvdk())
    assert _invalid(response) == ["startdatum"]


def test_a_birth_date_outside_the_era_is_400():
    from tests.fixtures import melding

    report = melding()
    report["gezin"]["kinderen"][0]["geboortedatum"] = "0001-01-01"
    response = client("intake").post("/v1/meldingen", json=report, headers=identity.lokaal_team())
    assert _invalid(response) == ["gezin.kinderen[0].geboortedatum"]
