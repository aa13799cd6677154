"""The GIs' reading of the figures on the running chain, through HTTP (and the figures through
Kafka): a GI's manager adds a reading, it appears in the quarterly report (JSON and page) and in
what the dashboard reads; after the region marks the quarter's report final a new reading is an
addendum; a report flowing through the chain shows up in its municipality's infographic, whose
numbers are the municipality's published figures."""

import pytest

from services.reporting.domain.periodes import KWARTAAL, huidige
from tests import identity
from tests.clock import TODAY
from tests.e2e.helpers import post_melding
from tests.fixtures import melding
from tests.infra import wait_until

pytestmark = pytest.mark.e2e

NU = huidige(KWARTAAL, TODAY)  # running: the chain's events of the test fall in it
VORIG = NU.vorige()  # ended: its report can be marked final


async def _rapport(reporting, kwartaal: str) -> dict:
    r = await reporting.get(f"/v1/rapportages/{kwartaal}",
                            headers={**identity.regio(), "Accept": "application/json"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/json", r.text
    return r.json()


async def test_a_gis_reading_appears_in_the_report_and_the_dashboard_and_after_final_is_an_addendum(http):
    reporting = http["reporting"]
    pad = f"/v1/rapportages/{VORIG.code}"
    manager = identity.gi_manager("JBRR", naam="K. Bakker")
    r = await reporting.post(f"{pad}/duidingen", headers=manager, json={
        "kpi": "doorlooptijd_keten", "tekst": "De ketendoorlooptijd is korter door de nieuwe triage."})
    assert r.status_code == 201, r.text
    lezing = r.json()
    assert (lezing["gi"], lezing["auteur"], lezing["addendum"]) == ("JBRR", "K. Bakker (manager)", False)
    # A local team writes no reading; a GI writes only for itself.
    assert (await reporting.post(f"{pad}/duidingen", headers=identity.lokaal_team("GM0599"),
                                 json={"tekst": "Van de gemeente."})).status_code == 403
    assert (await reporting.post(f"{pad}/duidingen", headers=manager,
                                 json={"gi": "WSS", "tekst": "Namens een ander."})).status_code == 403
    assert (await reporting.post(f"{pad}/duidingen", headers=manager,
                                 json={"kpi": "bestaat_niet", "tekst": "x"})).status_code == 400

    rapport = await _rapport(reporting, VORIG.code)
    assert rapport["vaststelling"] is None
    assert [(d["id"], d["kpi"], d["gi"]) for d in rapport["duidingen"]] == [
        (lezing["id"], "doorlooptijd_keten", "JBRR")]
    page = await reporting.get(pad, headers=identity.regio())
    assert page.headers["content-type"].startswith("text/html") and lezing["tekst"] in page.text
    # What the dashboard reads (with the region's token) beside the figures.
    dashboard = await reporting.get(f"{pad}/duidingen", headers=identity.regio())
    assert [d["tekst"] for d in dashboard.json()["items"]] == [lezing["tekst"]]
    shell = await reporting.get(f"/v1/dashboard?periode={VORIG.code}")
    assert "/v1/rapportages/${kwartaal}/duidingen" in shell.text

    # Final: once; a new reading after it is an addendum, the one before unchanged.
    assert (await reporting.post(f"{pad}/vaststelling", headers=manager)).status_code == 403
    vastgesteld = await reporting.post(f"{pad}/vaststelling", headers=identity.regio())
    assert vastgesteld.status_code == 201, vastgesteld.text
    assert (await reporting.post(f"{pad}/vaststelling", headers=identity.regio())).status_code == 409
    r = await reporting.post(f"{pad}/duidingen", headers=manager, json={
        "kpi": "doorlooptijd_keten", "tekst": "Aanvulling: ook in december."})
    assert r.status_code == 201 and r.json()["addendum"] is True
    rapport = await _rapport(reporting, VORIG.code)
    assert rapport["vaststelling"]["kwartaal"] == VORIG.code
    assert [(d["tekst"], d["addendum"]) for d in rapport["duidingen"]] == [
        (lezing["tekst"], False), ("Aanvulling: ook in december.", True)]
    # The running quarter cannot be marked final yet.
    assert (await reporting.post(f"/v1/rapportages/{NU.code}/vaststelling",
                                 headers=identity.regio())).status_code == 409


async def test_a_report_through_the_chain_shows_in_its_municipalitys_infographic(http):
    """Once reporting counted the new reports (the region's figure, never suppressed), the
    municipality's infographic shows exactly its published figures: counted, or suppressed (×)
    where the whole table set of the run so far makes Rotterdam's count one to hide."""
    reporting = http["reporting"]
    pad = f"/v1/rapportages/{NU.code}/infographics/GM0599"
    json_ = {**identity.regio(), "Accept": "application/json"}

    async def kpis(**params) -> dict:
        r = await reporting.get("/v1/kpis", headers=identity.regio(), params={"periode": NU.code, **params})
        return {k["kpi"]: k for k in r.json()["kpis"]}

    regio_voor = (await kpis())["meldingen_ontvangen"]["waarde"] or 0
    r = await reporting.post(f"/v1/rapportages/{NU.code}/duidingen", headers=identity.gi_manager("WSS"),
                             json={"tekst": "Lopend kwartaal: meer meldingen van het wijkteam."})
    assert r.status_code == 201
    for _ in range(6):
        await post_melding(http, melding())  # Rotterdam

    async def geteld():
        if ((await kpis())["meldingen_ontvangen"]["waarde"] or 0) < regio_voor + 6:
            return None
        data, api = (await reporting.get(pad, headers=json_)).json(), await kpis(gemeente="GM0599")
        gelijk = all((c["waarde"], c["onderdrukt"]) == (k["waarde"], "GM0599" in k["onderdrukt"])
                     for c in data["cijfers"] for k in [api[c["kpi"]]])
        return data if gelijk else None

    data = await wait_until(geteld, timeout=60, interval=0.5)
    assert data["cijfers"][0]["kpi"] == "meldingen_ontvangen"
    assert "Lopend kwartaal: meer meldingen van het wijkteam." in [d["tekst"] for d in data["duidingen"]]
    png = await reporting.get(pad, headers={**identity.lokaal_team("GM0599"), "Accept": "image/png"})
    assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    pdf = await reporting.get(f"{pad}/pdf", headers=identity.regio())
    assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-"
