"""The reporting service as a real process on a generated history: the API outputs (JSON, CSV,
catalogue, rebuild) for the region's token, the quarterly report as HTML and PDF, and the live
dashboard in a real headless Chromium (Debian's), driven over the DevTools protocol: the page
holds no figures, asks for a token, and shows the figures and opens the quarterly report (and its
PDF) only for a `regio` token. Screenshots are kept in test-artifacts/reporting/."""

import asyncio
import base64
import csv
import io
import json
import shutil
import subprocess
from datetime import date
from pathlib import Path
from uuid import uuid4

import httpx
import pytest
import websockets

from bench.historie import genereer
from contracts.vocabulary import GEMEENTEN
from deploy.stack import ROOT, Stack, database_url_for, free_port
from runtime import db
from services.reporting.bootstrap import SPEC
from services.reporting.domain.minimalisatie import minimaliseer
from services.reporting.entrypoints import weergave
from services.reporting.service_layer import handlers
from services.reporting.service_layer.unit_of_work import ReportingUnitOfWork
from tests import identity
from tests.clock import STACK_ENV, pinned
from tests.infra import wait_until

pytestmark = pytest.mark.integration

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts" / "reporting"
KWARTAAL = "2026-Q3"


async def _vul(sessions, events):
    for event_type, data in events:
        await handlers.projecteer(
            ReportingUnitOfWork(sessions, "reporting", clock=pinned()),
            event_type,
            minimaliseer(event_type, data),
        )


@pytest.fixture(scope="module")
async def service(database_server_url, database_prefix, kafka_bootstrap):
    url = database_url_for(database_server_url, f"reporting_{uuid4().hex[:6]}", database_prefix)
    await db.ensure_database(url)
    engine = db.create_engine(url)
    await db.migrate(engine, SPEC.migrations)
    sessions = db.session_factory(engine)
    await _vul(
        sessions, genereer(500, seed=21, begin=date(2025, 10, 1), eind=date(2026, 9, 30), escalaties=3)
    )
    stack = Stack(database_server_url, kafka_bootstrap, ports={"reporting": free_port()},
                  issuer=identity.ISSUER,
                  env={"REPORTING_DATABASE_URL": url, "REPORTING_DASHBOARD_REFRESH_S": "0.5",
                       "REPORTING_KAFKA_GROUP_ID": f"{database_prefix}-reporting-browser",
                       **STACK_ENV},
                  log_dir=ARTIFACTS)
    stack.start("reporting")
    try:
        await asyncio.to_thread(stack.wait_healthy, "reporting")
        async with httpx.AsyncClient(base_url=stack.url("reporting"), timeout=30,
                                     headers=identity.regio()) as client:
            client.sessions = sessions
            yield client
    finally:
        stack.stop_all()
        await engine.dispose()


# ---- a minimal DevTools client for Debian's chromium --------------------------------------------


class Pagina:
    def __init__(self, ws):
        self.ws = ws
        self.next_id = 0

    async def send(self, method: str, **params):
        self.next_id += 1
        await self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(await self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(message["error"])
                return message.get("result", {})

    async def js(self, expression: str):
        result = await self.send(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        return result["result"].get("value")

    async def screenshot(self, path: Path, full: bool = False) -> None:
        params = {"format": "png"}
        if full:
            size = await self.js(
                "[document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
            )
            params.update(
                captureBeyondViewport=True,
                clip={"x": 0, "y": 0, "width": size[0], "height": min(size[1], 6000), "scale": 1},
            )
        data = await self.send("Page.captureScreenshot", **params)
        path.write_bytes(base64.b64decode(data["data"]))  # noqa: ASYNC240 - test setup


@pytest.fixture
async def chromium(tmp_path):
    assert Path(CHROMIUM).exists(), (  # noqa: ASYNC240 - test setup
        "Debian's chromium is missing: `make test` installs it (apt-get install chromium)"
    )
    port = free_port()
    process = subprocess.Popen(  # noqa: ASYNC220 - test setup
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            f"--user-data-dir={tmp_path / 'profiel'}",
            f"--remote-debugging-port={port}",
            "--window-size=1280,1800",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    devtools = f"http://127.0.0.1:{port}"

    async def up():
        try:
            return (await httpx.AsyncClient().get(f"{devtools}/json/version", timeout=1)).status_code == 200
        except httpx.HTTPError:
            return False

    sockets = []
    try:
        await wait_until(up, timeout=30, interval=0.2)

        async def open_page(url: str) -> Pagina:
            async with httpx.AsyncClient() as c:
                target = (await c.put(f"{devtools}/json/new?about:blank", timeout=10)).json()
            ws = await websockets.connect(target["webSocketDebuggerUrl"], max_size=64 * 1024 * 1024)
            sockets.append(ws)
            page = Pagina(ws)
            await page.send(
                "Emulation.setDeviceMetricsOverride",
                width=1280,
                height=1800,
                deviceScaleFactor=1,
                mobile=False,
            )
            await page.send("Page.enable")
            await page.send("Page.navigate", url=url)
            await wait_until(lambda: page.js("document.readyState === 'complete'"), timeout=20)
            return page

        yield open_page
    finally:
        for ws in sockets:
            await ws.close()
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


# ---- the dashboard's token prompt ----------------------------------------------------------------

DASHBOARD = f"/v1/dashboard?periode={KWARTAAL}"


async def vraagt_token(page: Pagina) -> bool:
    return await page.js("document.getElementById('inloggen').classList.contains('open')")


async def inloggen(page: Pagina, token: str) -> None:
    """Type the token into the prompt and press its button, as a person would."""
    assert await vraagt_token(page)
    await page.js("document.getElementById('token').focus()")
    await page.send("Input.insertText", text=token)
    await page.js("document.querySelector('#inlogformulier button[type=submit]').click()")


async def ververst(page: Pagina, keer: int = 1) -> None:
    await wait_until(
        lambda: page.js(f"+document.getElementById('bijgewerkt').dataset.updates >= {keer}"), timeout=20
    )


async def api_calls(page: Pagina) -> list[str]:
    """Every request the page made to the API (resource timing: fetch calls included)."""
    return await page.js(
        "performance.getEntriesByType('resource').map(e => e.name)"
        ".filter(n => n.includes('/v1/kpis') || n.includes('/v1/rapportages'))"
    )


# ---- the API outputs -----------------------------------------------------------------------------


async def test_kpis_filters_csv_catalogue_and_suppression(service):
    r = await service.get("/v1/kpis", params={"periode": KWARTAAL})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (
        body["periode"] == KWARTAAL
        and body["periode_type"] == "kwartaal"
        and body["onderdrukkingsdrempel"] == 5
    )
    kpis = {k["kpi"]: k for k in body["kpis"]}
    catalogus = (await service.get("/v1/kpis/catalogus")).json()
    assert set(kpis) == {k["id"] for k in catalogus["kpis"]}
    assert {"definitie", "definition", "events", "eenheid", "uitsplitsingen", "optelbaar"} <= set(
        catalogus["kpis"][0]
    )
    meldingen = kpis["meldingen_ontvangen"]
    # Per GI the region is complete (GIs are not suppressed); small municipalities are, twice at least.
    assert sum(meldingen["per_gi"].values()) == meldingen["waarde"] > 0
    assert list(meldingen["per_gi"]) == ["JBRR", "WSS", "LJR", "onbekend"] and not meldingen["onderdrukt_gi"]
    assert list(meldingen["per_gemeente"]) == sorted(GEMEENTEN)  # all 13, always
    suppressed = [g for g, v in meldingen["per_gemeente"].items() if v is None]
    assert suppressed == meldingen["onderdrukt"]
    assert len(suppressed) != 1
    assert all(v is None or v == 0 or v >= 5 for v in meldingen["per_gemeente"].values())

    # Filters: a GI, a municipality, a month, one KPI.
    wss = (
        await service.get("/v1/kpis", params={"periode": KWARTAAL, "gi": "WSS", "kpi": "meldingen_ontvangen"})
    ).json()
    assert [k["kpi"] for k in wss["kpis"]] == ["meldingen_ontvangen"]
    # waarde is the GI's; per_gi stays the region's per GI (no municipality selected), all of them.
    assert wss["kpis"][0]["waarde"] == meldingen["per_gi"]["WSS"]
    assert wss["kpis"][0]["per_gi"] == meldingen["per_gi"]
    rotterdam = (await service.get("/v1/kpis", params={"periode": KWARTAAL, "gemeente": "GM0599"})).json()
    r_meldingen = next(k for k in rotterdam["kpis"] if k["kpi"] == "meldingen_ontvangen")
    assert r_meldingen["waarde"] == meldingen["per_gemeente"]["GM0599"]
    assert r_meldingen["per_gemeente"] == meldingen["per_gemeente"]  # the same suppressed table
    maand = (await service.get("/v1/kpis", params={"periode": "2026-08", "kpi": "adviezen"})).json()
    assert maand["periode_type"] == "maand" and maand["kpis"][0]["per_gemeente"] == {}
    per_maand = await service.get("/v1/kpis", params={"periode": "2026-08", "gemeente": "GM0599"})
    assert per_maand.status_code == 400 and per_maand.json()["invalidParams"][0]["name"] == "gemeente"

    # CSV, from the same suppressed table; also by content negotiation.
    export = await service.get("/v1/kpis/export", params={"periode": KWARTAAL})
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(export.text)))
    regio = next(
        r
        for r in rows
        if r["kpi"] == "meldingen_ontvangen" and r["gemeente"] == "regio" and r["gi"] == "alle"
    )
    assert int(regio["waarde"]) == meldingen["waarde"]
    for g in suppressed:
        row = next(
            r for r in rows if r["kpi"] == "meldingen_ontvangen" and r["gemeente"] == g and r["gi"] == "alle"
        )
        assert row["waarde"] == "" and row["onderdrukt"] == "ja"
    per_gemeente = {r["gemeente"]: r for r in rows if r["kpi"] == "meldingen_ontvangen" and r["gi"] == "alle"}
    assert set(per_gemeente) == {*GEMEENTEN, "regio"}
    for g, value in meldingen["per_gemeente"].items():
        assert per_gemeente[g]["waarde"] == ("" if value is None else str(value))
    negotiated = await service.get("/v1/kpis", params={"periode": KWARTAAL}, headers={"Accept": "text/csv"})
    assert negotiated.headers["content-type"].startswith("text/csv") and negotiated.text == export.text

    # Bad input is a problem naming the parameter.
    bad = await service.get("/v1/kpis", params={"periode": "2026-Q7"})
    assert bad.status_code == 400 and bad.headers["content-type"] == "application/problem+json"
    unknown = await service.get("/v1/kpis", params={"kpi": "geen_kpi"})
    assert unknown.status_code == 400 and unknown.json()["invalidParams"][0]["name"] == "kpi"


async def test_rebuild_over_http_equals_live(service):
    beheer = identity.beheer()
    refused = await service.post("/v1/kpis/herberekeningen", json={"vervangen": True})
    assert refused.status_code == 403  # the region reads figures; rebuilds are for operations
    r = await service.post("/v1/kpis/herberekeningen", json={"vervangen": True}, headers=beheer)
    assert r.status_code == 202, r.text
    location = r.headers["Location"]

    async def done():
        body = (await service.get(location, headers=beheer)).json()
        return body if body["status"] != "bezig" else None

    result = await wait_until(done, timeout=60, interval=0.2)
    assert result["status"] == "gelijk" and result["verschillen"] == 0 and result["events"] > 0
    rebuilds = (await service.get("/v1/kpis/herberekeningen", headers=beheer)).json()["items"]
    assert any(x["id"] == result["id"] for x in rebuilds)


async def _figures(service) -> dict:
    return {k["kpi"]: k for k in (await service.get("/v1/kpis", params={"periode": KWARTAAL})).json()["kpis"]}


async def test_quarterly_report_as_page_and_pdf(service):
    figures = await _figures(service)
    html = await service.get(f"/v1/rapportages/{KWARTAAL}")
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    pdf = await service.get(f"/v1/rapportages/{KWARTAAL}/pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    (ARTIFACTS / f"kwartaalrapportage-{KWARTAAL}.pdf").write_bytes(pdf.content)

    from pypdf import PdfReader

    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert f"Kwartaalrapportage jeugdbescherming Rotterdam Rijnmond — {KWARTAAL}" in text.replace("\n", " ")
    for kpi in ("meldingen_ontvangen", "casussen_toegewezen", "adviezen", "wachtlijst"):
        k = figures[kpi]
        assert f"Regio: {k['waarde']:,}".replace(",", ".") in text, kpi
        assert kpi in text  # each KPI's section with its definition
    assert "Definition" not in text and "Rekenregels" in text and "Rotterdam (GM0599)" in text


async def test_quarterly_report_opens_from_the_dashboard_with_its_pdf(service, chromium):
    """In the browser the report is opened from the dashboard with the region's token: the page and
    its PDF are fetched with it and shown from memory (blob URLs)."""
    figures = await _figures(service)
    page = await chromium(f"{service.base_url}{DASHBOARD}")
    await inloggen(page, identity.token("regio", "GRJR"))
    await ververst(page)
    assert await page.js("document.getElementById('rapport').dataset.kwartaal") == KWARTAAL
    await page.js("document.getElementById('rapport').click()")

    async def rapport_open():
        try:
            return await page.js("location.protocol === 'blob:' && document.readyState === 'complete'"
                                 " && !!document.getElementById('samenvatting')")
        except RuntimeError:  # between the two documents
            return False

    await wait_until(rapport_open, timeout=20, interval=0.1)
    samenvatting = await page.js(
        "[...document.querySelectorAll('#samenvatting tr')].slice(1)"
        ".map(r => [...r.cells].map(c => c.textContent))"
    )
    rows = {r[0]: r for r in samenvatting}
    assert rows["Meldingen ontvangen"][2] == f"{figures['meldingen_ontvangen']['waarde']:,}".replace(",", ".")
    tabellen = await page.js("document.querySelectorAll('table.gemeenten').length")
    assert tabellen >= 20
    # The page's PDF link is the PDF itself, fetched with the token: it opens without one.
    href, kop, grootte = await page.js(
        "(async () => { const a = document.querySelector('a.pdf');"
        " const b = new Uint8Array(await (await fetch(a.href)).arrayBuffer());"
        " return [a.href, String.fromCharCode(...b.slice(0, 5)), b.length]; })()"
    )
    assert href.startswith("blob:") and kop == "%PDF-" and grootte > 1000
    await page.screenshot(ARTIFACTS / f"kwartaalrapportage-{KWARTAAL}.png", full=True)


async def test_dashboard_updates_live_in_a_real_browser(service, chromium):
    page = await chromium(f"{service.base_url}{DASHBOARD}")
    await page.js("window.zelfdePagina = true")
    token = identity.token("regio", "GRJR", naam="Analist GRJR")
    await inloggen(page, token)
    await ververst(page)
    assert not await vraagt_token(page)
    assert await page.js("sessionStorage.getItem('jbketen-token')") == token  # this tab only
    assert await page.js("document.getElementById('gebruiker').textContent") == "Analist GRJR (GRJR)"
    api = await _figures(service)

    async def tegel(kpi):
        return await page.js(f"document.querySelector('.tile[data-kpi={kpi}] .v').textContent")

    assert await tegel("meldingen_ontvangen") == f"{api['meldingen_ontvangen']['waarde']:,}".replace(",", ".")
    # Charts are drawn: trend lines, a histogram, bars per GI, a row per municipality.
    assert await page.js("document.querySelectorAll('#trend path').length") == 3
    assert await page.js("document.querySelectorAll('#verdeling rect.bak').length") > 3
    assert await page.js("document.querySelectorAll('#wachtlijst rect').length") == 3
    rows = await page.js(
        "[...document.querySelectorAll('#gemeenten tr[data-gemeente]')]"
        ".map(r => [r.dataset.gemeente, r.cells[1].textContent])"
    )
    assert len(rows) == 13
    for gemeente, shown in rows:
        value = api["meldingen_ontvangen"]["per_gemeente"].get(gemeente, 0)
        assert shown == ("×" if value is None else f"{value:,}".replace(",", ".")), gemeente
    # The placements and C&A per GI, as the API has them.
    plaatsingen = await page.js(
        "[...document.querySelectorAll('#signalen tr[data-kpi=uithuisplaatsingen_gestart] td')]"
        ".map(c => c.textContent)")
    cijfer = api["uithuisplaatsingen_gestart"]
    assert plaatsingen[1] == f"{cijfer['waarde']:,}".replace(",", ".")
    assert await page.js("document.querySelector('#signalen tr[data-kpi=consultatie_uren]') !== null")
    await page.screenshot(ARTIFACTS / "dashboard.png")

    # New events arrive: the page shows them without a reload.
    before = api["meldingen_ontvangen"]["waarde"]
    extra = [
        e
        for e in genereer(40, seed=77, begin=date(2026, 8, 1), eind=date(2026, 9, 29), escalaties=0)
        if e[0] == "nl.jbketen.melding.received.v1"
    ]
    await _vul(service.sessions, extra)
    expected = f"{before + len(extra):,}".replace(",", ".")

    async def updated():
        return await tegel("meldingen_ontvangen") == expected

    await wait_until(updated, timeout=20, interval=0.2)
    assert await page.js("window.zelfdePagina === true")  # not reloaded
    await asyncio.sleep(0.1)
    await page.screenshot(ARTIFACTS / "dashboard-na-update.png")


async def test_dashboard_without_a_regio_token_asks_for_one_and_fetches_no_figures(service, chromium):
    # The page is the same template for anyone, without a token: no figure is in it.
    async with httpx.AsyncClient(base_url=service.base_url) as anonymous:
        shell = await anonymous.get(DASHBOARD)
        assert (await anonymous.get("/v1/kpis")).status_code == 401
    assert shell.status_code == 200 and shell.text == weergave.dashboard_html(0.5)

    page = await chromium(f"{service.base_url}{DASHBOARD}")
    assert await vraagt_token(page)
    await asyncio.sleep(1.5)  # three refresh periods
    assert await api_calls(page) == []
    assert await page.js("document.querySelectorAll('#tegels .tile, #gemeenten tr').length") == 0
    await page.screenshot(ARTIFACTS / "dashboard-inloggen.png")

    async def geweigerd(calls: int, melding: str) -> bool:
        return (len(await api_calls(page)) == calls
                and await page.js("document.getElementById('inlogfout').textContent") == melding)

    # A token of another role: the API refuses it, the page forgets it and asks again, naming the role.
    await inloggen(page, identity.token("gi", "WSS"))
    await wait_until(lambda: geweigerd(2, "Dit token heeft niet de rol regio."), timeout=10)
    assert await vraagt_token(page) and await page.js("sessionStorage.length") == 0
    # A token that is no token: asked again, saying so.
    await inloggen(page, "geen.geldig.token")
    await wait_until(lambda: geweigerd(4, "Het token is niet (meer) geldig."), timeout=10)
    assert await vraagt_token(page) and await page.js("sessionStorage.length") == 0
    await asyncio.sleep(1)
    assert len(await api_calls(page)) == 4  # nothing more while no token is held
    assert await page.js("document.querySelectorAll('#tegels .tile, #gemeenten tr').length") == 0
    assert await page.js("document.getElementById('bijgewerkt').dataset.updates") == "0"
    await page.screenshot(ARTIFACTS / "dashboard-andere-rol.png")


# ---- the GIs' readings in the report and on the dashboard; the infographic (issue 15 §3) ----------


@pytest.fixture(scope="module")
async def lezingen(service) -> dict:
    """Two GIs read the quarter (one a KPI, one its own figures); the region marks the report final;
    then one more reading, an addendum. Once for the module."""
    wss = identity.gi_manager("WSS", naam="P. de Vries")
    ljr = identity.gi_manager("LJR", naam="S. Jansen")
    pad = f"/v1/rapportages/{KWARTAAL}"
    eerste = await service.post(f"{pad}/duidingen", headers=wss, json={
        "kpi": "wachtlijst", "tekst": "De wachtlijst daalt: twaalf nieuwe jeugdbeschermers begonnen."})
    tweede = await service.post(f"{pad}/duidingen", headers=ljr, json={
        "tekst": "Een rustig kwartaal; de instroom uit Rotterdam-Zuid blijft hoog."})
    assert eerste.status_code == tweede.status_code == 201, (eerste.text, tweede.text)
    vastgesteld = await service.post(f"{pad}/vaststelling")
    assert vastgesteld.status_code == 201, vastgesteld.text
    assert (await service.post(f"{pad}/vaststelling")).status_code == 409
    addendum = await service.post(f"{pad}/duidingen", headers=wss, json={
        "kpi": "meldingen_ontvangen", "tekst": "Aanvulling: meer meldingen door de zomerperiode."})
    assert addendum.status_code == 201 and addendum.json()["addendum"] is True
    return {"wachtlijst": eerste.json(), "eigen": tweede.json(), "addendum": addendum.json()}


async def test_readings_appear_in_the_report_and_on_the_dashboard_in_a_real_browser(
        service, chromium, lezingen):
    figures = await _figures(service)
    rapport = await service.get(f"/v1/rapportages/{KWARTAAL}", headers={"Accept": "application/json"})
    assert rapport.status_code == 200 and rapport.headers["content-type"] == "application/json"
    body = rapport.json()
    assert body["vaststelling"]["kwartaal"] == KWARTAAL
    assert [(d["id"], d["gi"], d["kpi"], d["addendum"]) for d in body["duidingen"]] == [
        (lezingen["wachtlijst"]["id"], "WSS", "wachtlijst", False),
        (lezingen["eigen"]["id"], "LJR", None, False),
        (lezingen["addendum"]["id"], "WSS", "meldingen_ontvangen", True)]
    assert {k["kpi"]: k["waarde"] for k in body["kpis"]} == {i: k["waarde"] for i, k in figures.items()}

    page = await chromium(f"{service.base_url}{DASHBOARD}")
    await inloggen(page, identity.token("regio", "GRJR"))
    await ververst(page)
    await wait_until(lambda: page.js("document.querySelectorAll('#duidingen .duiding').length === 3"),
                     timeout=20)
    shown = await page.js("[...document.querySelectorAll('#duidingen .duiding')].map(d => [d.dataset.gi,"
                          " d.dataset.kpi, d.dataset.addendum, d.querySelector('.kop').textContent,"
                          " d.querySelector('p').textContent])")
    assert shown[0][:3] == ["WSS", "wachtlijst", "false"] and shown[0][4] == lezingen["wachtlijst"]["tekst"]
    assert shown[0][3].startswith("WSS — P. de Vries (manager) · Wachtlijst")
    assert shown[1][:3] == ["LJR", "", "false"] and "eigen cijfers" in shown[1][3]
    assert shown[2][2] == "true" and "addendum van" in shown[2][3]
    # Beside the figure it explains: in the tile of the waiting list.
    tegel = await page.js("document.querySelector('.tile[data-kpi=wachtlijst] .duiding').textContent")
    assert tegel == f"WSS: {lezingen['wachtlijst']['tekst']}"
    assert "vastgesteld op" in await page.js("document.getElementById('duiding-status').textContent")
    await page.screenshot(ARTIFACTS / "dashboard-duiding.png", full=True)

    # The report opened from the dashboard shows each reading beside its KPI.
    await page.js("document.getElementById('rapport').click()")

    async def rapport_open():
        try:
            return await page.js("location.protocol === 'blob:' && document.readyState === 'complete'"
                                 " && !!document.getElementById('duiding-gis')")
        except RuntimeError:  # between the two documents
            return False

    await wait_until(rapport_open, timeout=20, interval=0.1)
    bij_wachtlijst = await page.js("[...document.querySelectorAll('#duiding-wachtlijst .duiding')]"
                                   ".map(d => d.textContent)")
    assert len(bij_wachtlijst) == 1 and lezingen["wachtlijst"]["tekst"] in bij_wachtlijst[0]
    assert "WSS — P. de Vries (manager)" in bij_wachtlijst[0]
    bij_meldingen = await page.js("document.querySelector('#duiding-meldingen_ontvangen .duiding')"
                                  ".dataset.addendum")
    assert bij_meldingen == "true"
    # The section of the KPI holds its reading: between its heading and the next one.
    assert await page.js("document.getElementById('wachtlijst').compareDocumentPosition("
                         "document.getElementById('duiding-wachtlijst')) & Node.DOCUMENT_POSITION_FOLLOWING")
    eigen = await page.js("[...document.querySelectorAll('.duiding[data-gi=LJR]')].map(d => d.textContent)")
    assert len(eigen) == 1 and "LJ&R — S. Jansen (manager)" in eigen[0]
    assert "vastgesteld op" in await page.js("document.getElementById('status').textContent")
    await page.js("document.getElementById('duiding-gis').scrollIntoView()")
    await page.screenshot(ARTIFACTS / f"kwartaalrapportage-{KWARTAAL}-duiding.png")
    await page.screenshot(ARTIFACTS / f"kwartaalrapportage-{KWARTAAL}-met-duiding-volledig.png", full=True)


async def _infographic_page(chromium, service, gemeente: str, token: str):
    """The infographic's page, fetched by the browser itself with the token as its bearer header."""
    page = await chromium("about:blank")
    await page.send("Network.enable")
    await page.send("Network.setExtraHTTPHeaders", headers={"Authorization": f"Bearer {token}"})
    await page.send("Page.navigate",
                    url=f"{service.base_url}/v1/rapportages/{KWARTAAL}/infographics/{gemeente}")
    await wait_until(
        lambda: page.js("document.readyState === 'complete' && !!document.getElementById('cijfers')"),
        timeout=20)
    return page


@pytest.mark.parametrize("gemeente", ["GM0599", "GM0613"])  # Rotterdam, and Albrandswaard (small)
async def test_the_infographic_in_a_real_browser_and_as_png_and_pdf(service, chromium, lezingen, gemeente):
    from PIL import Image
    from pypdf import PdfReader

    from services.reporting.entrypoints import infographic as ig

    pad = f"/v1/rapportages/{KWARTAAL}/infographics/{gemeente}"
    data = (await service.get(pad, headers={"Accept": "application/json"})).json()
    api = {k["kpi"]: k for k in (await service.get(
        "/v1/kpis", params={"periode": KWARTAAL, "gemeente": gemeente})).json()["kpis"]}
    for c in data["cijfers"]:  # the numbers are GET /v1/kpis's for the municipality, suppression included
        k = api[c["kpi"]]
        assert (c["waarde"], c["onderdrukt"]) == (k["waarde"], gemeente in k["onderdrukt"]), c["kpi"]
    if gemeente == "GM0613":
        assert any(c["onderdrukt"] for c in data["cijfers"])

    page = await _infographic_page(chromium, service, gemeente, identity.token("regio", "GRJR"))
    tegels = await page.js("[...document.querySelectorAll('.tegel[data-kpi]')]"
                           ".map(t => [t.dataset.kpi, t.querySelector('.v').textContent])")
    assert tegels == [[c["kpi"], ig.waarde_tekst(c, c["eenheid"])] for c in data["cijfers"]]
    getoond = await page.js("[...document.querySelectorAll('#duidingen .duiding')].map(d => d.textContent)")
    # The GIs' readings of the infographic's figures and of their own figures as a whole.
    verwacht = [lezingen[x]["tekst"] for x in ("wachtlijst", "eigen", "addendum")]
    assert [d["tekst"] for d in data["duidingen"]] == verwacht
    assert all(d["tekst"] in tekst for d, tekst in zip(data["duidingen"], getoond, strict=True))
    assert "P. de Vries" not in await page.js("document.body.textContent")  # the GI only
    await page.screenshot(ARTIFACTS / f"infographic-{gemeente}-{KWARTAAL}.png", full=True)

    png = await service.get(pad, headers={"Accept": "image/png"})
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    grootte = (round(ig.BREED * ig.PNG_SCHAAL), round(ig.HOOG * ig.PNG_SCHAAL))
    assert Image.open(io.BytesIO(png.content)).size == grootte
    (ARTIFACTS / f"infographic-{gemeente}-{KWARTAAL}-gerenderd.png").write_bytes(png.content)
    pdf = await service.get(f"{pad}/pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert len(PdfReader(io.BytesIO(pdf.content)).pages) == 1
    (ARTIFACTS / f"infographic-{gemeente}-{KWARTAAL}.pdf").write_bytes(pdf.content)
    assert (await service.get(f"{pad}/png")).content == png.content

    # The municipality's own local team reads it too; another municipality's team does not.
    eigen = await service.get(pad, headers=identity.lokaal_team(gemeente))
    assert eigen.status_code == 200 and eigen.headers["content-type"].startswith("text/html")
    ander = await service.get(pad, headers=identity.lokaal_team("GM0606"))
    assert ander.status_code == 403
