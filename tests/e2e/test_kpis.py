"""The region's figures from the running chain, through HTTP and Kafka only: reports become
KPIs per GI and municipality, published with small counts suppressed, as CSV, as the quarterly
report (HTML and PDF), and a rebuild from the history (or a second reporting instance reading
the whole event stream) gives the same figures as the live projection."""

import asyncio
import csv
import io

import httpx
import pytest

from deploy.stack import Stack, database_url_for, free_port
from tests import identity
from tests.e2e.helpers import post_melding
from tests.fixtures import grey_area_melding, melding
from tests.infra import wait_until

pytestmark = pytest.mark.e2e

COUNTS = ("meldingen_ontvangen", "adviezen", "casussen_toegewezen")


async def kpis(client, **params) -> dict:
    r = await client.get("/v1/kpis", params=params, headers=identity.regio())
    assert r.status_code == 200, r.text
    return {k["kpi"]: k for k in r.json()["kpis"]}


async def threshold(client) -> int:
    r = await client.get("/v1/kpis", params={"kpi": "adviezen"}, headers=identity.regio())
    return r.json()["onderdrukkingsdrempel"]


def assert_suppressed_consistently(figures: dict, drempel: int) -> None:
    """Small per-municipality counts are hidden, and never one cell alone; every municipality is
    listed (null = suppressed, or for a median, share or mean: no observations)."""
    for k in figures.values():
        if k["per_gemeente"]:
            assert len(k["per_gemeente"]) == 13, k["kpi"]
        hidden = [g for g, v in k["per_gemeente"].items() if v is None]
        assert set(k["onderdrukt"]) <= set(hidden), k["kpi"]
        assert len(k["onderdrukt"]) != 1, k["kpi"]
        if k["soort"] in ("aantal", "stand"):
            assert hidden == k["onderdrukt"], k["kpi"]
            assert all(v is None or v == 0 or v >= drempel for v in k["per_gemeente"].values()), k["kpi"]


async def test_reports_become_suppressed_kpis_csv_report_and_rebuild_equals_live(http):
    reporting = http["reporting"]
    before = await kpis(reporting)
    for _ in range(6):
        await post_melding(http, melding())  # LVB: advised to WSS, Rotterdam
    for _ in range(2):
        await post_melding(http, grey_area_melding("GM0613"))  # Albrandswaard, a small municipality

    async def counted():
        now = await kpis(reporting)
        return (
            now
            if (
                now["meldingen_ontvangen"]["waarde"] >= before["meldingen_ontvangen"]["waarde"] + 8
                and now["adviezen"]["waarde"] >= before["adviezen"]["waarde"] + 8
            )
            else None
        )

    now = await wait_until(counted, timeout=60, interval=0.5)

    # Additive: the GIs (incl. 'onbekend') add up to the region for every count and stock.
    for k in now.values():
        if k["optelbaar"] and k["per_gi"]:
            assert sum(v for v in k["per_gi"].values()) == k["waarde"], k["kpi"]
    assert now["adviezen"]["per_gi"].get("WSS", 0) >= before["adviezen"]["per_gi"].get("WSS", 0) + 6

    # Published per municipality with the configured threshold (the stack may lower it).
    drempel = await threshold(reporting)
    assert_suppressed_consistently(now, drempel)
    albrandswaard = await kpis(reporting, gemeente="GM0613", kpi="meldingen_ontvangen")
    value = albrandswaard["meldingen_ontvangen"]["waarde"]
    assert value is None or value >= drempel

    # The catalogue says how each number is made.
    catalogus = (await reporting.get("/v1/kpis/catalogus", headers=identity.regio())).json()
    assert {k["id"] for k in catalogus["kpis"]} == set(now)

    # CSV export and the quarterly report of this quarter.
    regio = identity.regio()
    quarter = (await reporting.get("/v1/kpis", params={"periodeType": "kwartaal"}, headers=regio)).json()
    q = quarter["periode"]
    q_meldingen = next(k for k in quarter["kpis"] if k["kpi"] == "meldingen_ontvangen")
    export = await reporting.get("/v1/kpis/export", params={"periode": q, "kpi": "meldingen_ontvangen"},
                                 headers=regio)
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert (
        int(next(r for r in rows if r["gemeente"] == "regio" and r["gi"] == "alle")["waarde"])
        == q_meldingen["waarde"]
    )
    page = await reporting.get(f"/v1/rapportages/{q}", headers=regio)
    assert page.status_code == 200 and "Meldingen ontvangen" in page.text
    pdf = await reporting.get(f"/v1/rapportages/{q}/pdf", headers=regio)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    from pypdf import PdfReader

    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert f"Regio: {q_meldingen['waarde']:,}".replace(",", ".") in text
    # The dashboard's page is public (it holds no figures: it asks for a token); the figures are not.
    assert (await reporting.get("/v1/dashboard")).status_code == 200
    assert (await reporting.get("/v1/kpis")).status_code == 401
    assert (await reporting.get(f"/v1/rapportages/{q}", headers=identity.gi("WSS"))).status_code == 403

    # A rebuild from the stored history equals the live projection.
    # A rebuild is for operations, not for the region.
    assert (await reporting.post("/v1/kpis/herberekeningen", json={"vervangen": False},
                                 headers=regio)).status_code == 403
    beheer = identity.beheer()
    r = await reporting.post("/v1/kpis/herberekeningen", json={"vervangen": False}, headers=beheer)
    assert r.status_code == 202, r.text

    async def rebuilt():
        body = (await reporting.get(r.headers["Location"], headers=beheer)).json()
        return body if body["status"] != "bezig" else None

    result = await wait_until(rebuilt, timeout=60, interval=0.3)
    assert result["status"] == "gelijk", result


async def test_a_second_reporting_instance_reading_the_whole_stream_gets_the_same_figures(
    http, stack, database_server_url, database_prefix, kafka_bootstrap
):
    """The broker's history projected into a fresh database gives the live figures; this
    instance publishes with the default threshold (5), so small municipalities are hidden."""
    url = database_url_for(database_server_url, "reporting_tweede", database_prefix)
    tweede = Stack(database_server_url, kafka_bootstrap, ports={"reporting": free_port()},
                   issuer=identity.ISSUER,
                   env={"REPORTING_DATABASE_URL": url, "REPORTING_SUPPRESSION_THRESHOLD": "5",
                        "REPORTING_KAFKA_GROUP_ID": f"{database_prefix}-reporting-tweede"},
                   log_dir=stack.log_dir / "tweede")
    tweede.start("reporting")
    try:
        await asyncio.to_thread(tweede.wait_healthy, "reporting")
        async with httpx.AsyncClient(base_url=tweede.url("reporting"), timeout=10) as second:

            async def same():
                try:
                    a, b = await kpis(http["reporting"]), await kpis(second)
                except (httpx.HTTPError, AssertionError):
                    return False
                return (
                    all(
                        a[k]["waarde"] == b[k]["waarde"] and a[k]["per_gi"] == b[k]["per_gi"]
                        for k in COUNTS
                    )
                    and a["meldingen_ontvangen"]["waarde"] > 0
                )

            await wait_until(same, timeout=90, interval=0.5)
            figures = await kpis(second)
            assert await threshold(second) == 5
            assert_suppressed_consistently(figures, 5)
            # Albrandswaard had only the two reports of the test above (if any at all): hidden.
            albrandswaard = figures["meldingen_ontvangen"]["per_gemeente"].get("GM0613")
            assert albrandswaard is None or albrandswaard >= 5
    finally:
        tweede.stop_all()
