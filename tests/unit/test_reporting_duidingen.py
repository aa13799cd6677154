"""The GIs' readings (duidingen) of a quarter and the final marking: the domain's rules (after the
final marking a reading is an addendum, the readings before unchanged; once; only after the
quarter), over HTTP who may write what (a GI manager for the token's own GI only; a local team or
a GI system may not; an unknown KPI is 400) and how the author is shown; the report with its
readings (HTML, PDF) and the infographic (page, PDF, PNG) from given figures. The store is in
memory (a fake that subclasses the real repository); tests/integration checks the infographic's
numbers against GET /v1/kpis on real figures."""
import io
from copy import deepcopy
from datetime import datetime, timedelta
from html import escape
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from pypdf import PdfReader
from starlette.requests import Request

from contracts.vocabulary import GEMEENTEN
from runtime.errors import Conflict, InvalidInput
from runtime.http import voorkeur
from services.reporting.adapters import catalogus as catalogus_bron
from services.reporting.adapters.repository import DuidingRepository
from services.reporting.bootstrap import SPEC
from services.reporting.domain import infographic
from services.reporting.domain.cijfers import bereken
from services.reporting.domain.duiding import MAX_PER_GI, MAX_TEKST, Auteur, Kwartaalduidingen
from services.reporting.domain.periodes import KWARTAAL, Periode, huidige, kwartalen_tot
from services.reporting.entrypoints import infographic as ig
from services.reporting.entrypoints import weergave
from services.reporting.service_layer.herberekening import Achtergrond, Verdeling
from services.reporting.service_layer.rekenaar import Rekenaar
from services.reporting.service_layer.unit_of_work import ReportingUnitOfWork
from services.reporting.settings import ReportingSettings
from tests import identity
from tests.clock import PINNED_NOW, TODAY, pinned
from tests.fakes import InMemoryTransaction, bootstrap_test_app

NU = huidige(KWARTAAL, TODAY)  # running
VORIG = NU.vorige()  # ended
VOLGEND = huidige(KWARTAAL, NU.einde + timedelta(days=1))  # not begun
MANAGER = Auteur("manager-wss", "gi_manager", "P. de Vries")


# ---- the domain --------------------------------------------------------------------------------


def _schrijf(k: Kwartaalduidingen, tekst: str = "De wachtlijst daalt.", gi: str = "WSS",
             kpi: str | None = None, minuten: int = 0):
    return k.voeg_toe(duiding_id=uuid4(), gi=gi, kpi=kpi, tekst=tekst, auteur=MANAGER,
                      now=PINNED_NOW + timedelta(minutes=minuten), vandaag=TODAY)


def test_after_the_final_marking_a_reading_is_an_addendum_and_the_ones_before_stay_as_they_were():
    k = Kwartaalduidingen(VORIG)
    eerste = _schrijf(k, kpi="wachtlijst")
    tweede = _schrijf(k, gi="LJR")
    voor = deepcopy(k.duidingen)
    v = k.stel_vast(door="analist", now=PINNED_NOW + timedelta(minutes=5), vandaag=TODAY)
    assert (v.kwartaal, v.door) == (VORIG.code, "analist") and k.vastgesteld
    derde = _schrijf(k, "Aanvulling.", kpi="wachtlijst", minuten=10)
    assert (eerste.addendum, tweede.addendum, derde.addendum) == (False, False, True)
    assert derde.geschreven_op == PINNED_NOW + timedelta(minutes=10)
    assert k.duidingen[:2] == voor  # unchanged
    assert k.bij_kpi("wachtlijst") == [eerste, derde] and k.bij_kpi(None) == [tweede]


def test_a_report_is_marked_final_once_and_only_after_its_quarter():
    k = Kwartaalduidingen(VORIG)
    k.stel_vast(door="analist", now=PINNED_NOW, vandaag=TODAY)
    with pytest.raises(Conflict, match="marked final on"):
        k.stel_vast(door="analist", now=PINNED_NOW, vandaag=TODAY)
    with pytest.raises(Conflict, match="runs until"):
        Kwartaalduidingen(NU).stel_vast(door="analist", now=PINNED_NOW, vandaag=TODAY)
    # On the quarter's first day after it, it can.
    dag_na = VORIG.einde + timedelta(days=1)
    assert Kwartaalduidingen(VORIG).stel_vast(door="a", now=PINNED_NOW, vandaag=dag_na).kwartaal == VORIG.code
    with pytest.raises(InvalidInput) as fout:
        Kwartaalduidingen(VOLGEND).stel_vast(door="analist", now=PINNED_NOW, vandaag=TODAY)
    assert fout.value.field == "kwartaal"


def test_a_reading_of_the_running_quarter_is_allowed_of_one_not_begun_not():
    assert not _schrijf(Kwartaalduidingen(NU)).addendum
    with pytest.raises(InvalidInput) as fout:
        _schrijf(Kwartaalduidingen(VOLGEND))
    assert fout.value.field == "kwartaal"


@pytest.mark.parametrize("tekst", ["", "   \n\t", "x" * (MAX_TEKST + 1)])
def test_a_reading_needs_text_of_bounded_length(tekst):
    with pytest.raises(InvalidInput) as fout:
        _schrijf(Kwartaalduidingen(VORIG), tekst)
    assert fout.value.field == "tekst"


def test_one_gi_writes_a_bounded_number_of_readings_per_quarter():
    k = Kwartaalduidingen(VORIG)
    for i in range(MAX_PER_GI):
        _schrijf(k, f"lezing {i}")
    with pytest.raises(Conflict):
        _schrijf(k, "nog een")
    assert not _schrijf(k, gi="JBRR").addendum  # another GI still may


def test_the_author_is_shown_by_name_and_function_never_by_subject():
    assert MANAGER.getoond == "P. de Vries (manager)"
    assert Auteur("manager-ljr", "gi_manager").getoond == "manager"


# ---- over HTTP ---------------------------------------------------------------------------------


class FakeDuidingen(DuidingRepository):
    def __init__(self):
        super().__init__(None)
        self.kwartalen: dict[str, Kwartaalduidingen] = {}

    async def get(self, kwartaal, *, vergrendeld=False):
        return deepcopy(self.kwartalen.get(kwartaal.code, Kwartaalduidingen(kwartaal)))

    def _kwartaal(self, code: str) -> Kwartaalduidingen:
        return self.kwartalen.setdefault(code, Kwartaalduidingen(Periode(KWARTAAL, code)))

    async def voeg_toe(self, d):
        self._kwartaal(d.kwartaal).duidingen.append(d)

    async def stel_vast(self, v):
        self._kwartaal(v.kwartaal).vaststelling = v


class FakeReportingUnitOfWork(InMemoryTransaction, ReportingUnitOfWork):
    database = "in-memory"

    def __init__(self):
        super().__init__("reporting", ReportingSettings(), pinned())

    def bind(self, session) -> None:
        self.duidingen = FakeDuidingen()


@pytest.fixture
def client():
    uow = FakeReportingUnitOfWork()
    app = bootstrap_test_app(SPEC, uow, sessions=None, verdeling=Verdeling(), achtergrond=Achtergrond(),
                             rekenaar=Rekenaar())
    client = TestClient(app)
    client.uow = uow
    return client


PAD = f"/v1/rapportages/{VORIG.code}"
WSS = identity.gi_manager("WSS", naam="P. de Vries")


def _post(client, body, headers=WSS, kwartaal=VORIG.code):
    return client.post(f"/v1/rapportages/{kwartaal}/duidingen", json=body, headers=headers)


def test_a_gi_manager_writes_the_reading_of_the_tokens_own_gi(client):
    r = _post(client, {"kpi": "wachtlijst", "tekst": "De wachtlijst daalt.\nDoor extra instroom."})
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["gi"], body["gi_naam"], body["kpi"], body["addendum"]) == ("WSS", "WSS", "wachtlijst", False)
    assert (body["auteur"], body["auteur_naam"], body["auteur_rol"]) == (
        "P. de Vries (manager)", "P. de Vries", "gi_manager")
    assert "manager@WSS" not in r.text  # the subject is kept, not shown
    stored = client.uow.duidingen.kwartalen[VORIG.code].duidingen
    assert [(d.gi, d.auteur.sub, d.auteur.naam) for d in stored] == [("WSS", "manager@WSS", "P. de Vries")]
    # The same GI named in the body is fine; another GI is 403, and nothing is stored.
    assert _post(client, {"gi": "WSS", "tekst": "Ook goed."}).status_code == 201
    other = _post(client, {"gi": "JBRR", "tekst": "Voor een ander."})
    assert other.status_code == 403 and other.json()["invalidParams"][0]["name"] == "gi"
    assert len(client.uow.duidingen.kwartalen[VORIG.code].duidingen) == 2


@pytest.mark.parametrize("rol", ["lokaal_team", "gi", "regio", "rvdk", "veilig_thuis", "privacy", "beheer"])
def test_no_other_role_writes_a_reading(client, rol):
    r = _post(client, {"tekst": "Onze duiding."}, identity.caller(rol))
    assert r.status_code == 403 and r.json()["detail"] == f"role {rol} may not call post_duiding"
    assert client.uow.duidingen.kwartalen == {}


@pytest.mark.parametrize(("body", "field"), [
    ({"kpi": "geen_kpi", "tekst": "x"}, "kpi"),
    ({"tekst": ""}, "tekst"),
    ({"tekst": "   "}, "tekst"),
    ({"tekst": "x" * (MAX_TEKST + 1)}, "tekst"),
    ({"tekst": "nul\u0000teken"}, "tekst"),
    ({"kpi": "wacht\nlijst", "tekst": "x"}, "kpi"),
    ({"tekst": "x", "auteur": "iemand anders"}, "auteur"),
    ({}, "tekst"),
])
def test_bad_input_is_400_naming_the_field_and_nothing_is_stored(client, body, field):
    r = _post(client, body)
    assert r.status_code == 400, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert field in [p["name"] for p in r.json()["invalidParams"]]
    assert client.uow.duidingen.kwartalen == {}


def test_a_quarter_that_has_not_begun_is_400_and_one_that_is_no_quarter_too(client):
    for kwartaal in (VOLGEND.code, "2026-Q5", "3001-Q1"):
        r = _post(client, {"tekst": "Vooruit."}, kwartaal=kwartaal)
        assert r.status_code == 400, (kwartaal, r.text)
        lijst = client.get(f"/v1/rapportages/{kwartaal}/duidingen", headers=identity.regio())
        assert lijst.status_code == 400


def test_after_the_final_marking_a_new_reading_is_an_addendum(client):
    eerste = _post(client, {"tekst": "Voor de vaststelling."}).json()
    running = client.post(f"/v1/rapportages/{NU.code}/vaststelling", headers=identity.regio())
    assert running.status_code == 409
    v = client.post(f"{PAD}/vaststelling", headers=identity.regio())
    assert v.status_code == 201, v.text
    assert v.json()["kwartaal"] == VORIG.code
    assert datetime.fromisoformat(v.json()["vastgesteld_op"]) == PINNED_NOW
    assert client.post(f"{PAD}/vaststelling", headers=identity.regio()).status_code == 409
    tweede = _post(client, {"kpi": "meldingen_ontvangen", "tekst": "Na de vaststelling."}).json()
    assert (eerste["addendum"], tweede["addendum"]) == (False, True)
    lijst = client.get(f"{PAD}/duidingen", headers=identity.gi("LJR"))  # every GI reads every GI's
    assert lijst.status_code == 200
    body = lijst.json()
    assert body["vaststelling"]["kwartaal"] == VORIG.code
    assert [(d["id"], d["addendum"]) for d in body["items"]] == [(eerste["id"], False), (tweede["id"], True)]


def test_a_local_team_reads_only_its_own_municipalitys_infographic(client):
    other = client.get(f"{PAD}/infographics/GM0606", headers=identity.lokaal_team("GM0599"))
    assert other.status_code == 403 and other.json()["invalidParams"][0]["name"] == "gemeente"
    unknown = client.get(f"{PAD}/infographics/GM9999", headers=identity.regio())
    assert unknown.status_code == 404
    later = client.get(f"/v1/rapportages/{VOLGEND.code}/infographics/GM0599", headers=identity.regio())
    assert later.status_code == 400


# ---- what people read: the report with its readings, the infographic ---------------------------


def _rapport(duidingen, vaststelling=None) -> dict:
    """A quarterly report as the handler makes it (on no figures), with these readings."""
    cat = catalogus_bron.actief()
    kpis = bereken(cat, [], [], periode_type=KWARTAAL, periode=VORIG.code, peildatum=VORIG.einde,
                   onderdrukkingsdrempel=5, met_tabel=True)
    return {"kwartaal": VORIG.code, "begin": VORIG.begin.isoformat(), "einde": VORIG.einde.isoformat(),
            "peildatum": VORIG.einde.isoformat(), "onderdrukkingsdrempel": 5, "catalogus_versie": cat.versie,
            "regels": cat.bron.get("regels", {}), "parameters": cat.parameters, "gemeenten": GEMEENTEN,
            "kpis": [{**k, "vorig": 0, "definitie": cat.kpi(k["kpi"]).definitie,
                      "richting": cat.kpi(k["kpi"]).richting} for k in kpis],
            "vaststelling": vaststelling, "duidingen": duidingen}


def _lezingen() -> Kwartaalduidingen:
    k = Kwartaalduidingen(VORIG)
    _schrijf(k, "De wachtlijst daalt door extra instroom.", kpi="wachtlijst")
    _schrijf(k, "Ons kwartaal: stabiel.", gi="LJR")
    k.stel_vast(door="analist", now=PINNED_NOW + timedelta(minutes=5), vandaag=TODAY)
    _schrijf(k, "Aanvulling: het zet door.", kpi="wachtlijst", minuten=10)
    return k


def test_the_report_shows_each_reading_beside_its_kpi_with_gi_author_and_addendum():
    k = _lezingen()
    page = weergave.rapport_html(_rapport(k.duidingen, k.vaststelling))
    sectie = page[page.index("<h3 id='wachtlijst'>"):]
    sectie = sectie[:sectie.index("<h3 ", 1)]
    assert "De wachtlijst daalt door extra instroom." in sectie and "Aanvulling: het zet door." in sectie
    assert "WSS — P. de Vries (manager)" in sectie and "data-addendum='true'" in sectie
    assert sectie.count("class='duiding") == 2
    algemeen = page[page.index("<h2 id=\"duiding-gis\">"):page.index("<h2>Per KPI")]
    assert "LJ&amp;R — P. de Vries (manager)" in algemeen and "Ons kwartaal: stabiel." in algemeen
    assert "vastgesteld op" in page and "manager-wss" not in page  # the subject is never shown
    assert "duiding (2)" in page[page.index("id=\"samenvatting\""):]
    voorlopig = weergave.rapport_html(_rapport([]))
    assert "voorlopig: nog niet vastgesteld" in voorlopig and escape(weergave.GEEN_DUIDING) in voorlopig

    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(weergave.rapport_pdf(
        _rapport(k.duidingen, k.vaststelling)))).pages).replace("\n", " ")
    assert "De wachtlijst daalt door extra instroom." in text and "Aanvulling: het zet door." in text
    assert "WSS — P. de Vries (manager) · addendum van" in text and "vastgesteld op" in text


def _infographic(drempel: int = 5, duidingen: Kwartaalduidingen | None = None, zonder: tuple = ()) -> dict:
    """An infographic over five quarters of made-up published figures (Rotterdam has them, Albrandswaard
    suppressed), with the catalogue lacking the KPIs in `zonder`."""
    cat = catalogus_bron.actief()
    ids = [i for i in infographic.kpi_ids(cat.ids) if i not in zonder]
    kwartalen = kwartalen_tot(VORIG, 5)

    def kpi(i: str, n: int) -> dict:
        e = cat.kpi(i).eenheid
        return {"kpi": i, "eenheid": e, "per_gemeente": {"GM0599": 60.5 + n if e == "procent" else 10 * n + 7,
                                                         "GM0613": None}, "onderdrukt": ["GM0613"]}

    reeks = [{"periode": p.code, "kpis": [kpi(i, n) for i in ids]} for n, p in enumerate(kwartalen)]
    return {g: infographic.samenstellen(
        gemeente=g, gemeente_naam=GEMEENTEN[g], reeks=reeks, duidingen=duidingen or Kwartaalduidingen(VORIG),
        kpi_namen={k.id: k.naam for k in cat.kpis if k.id not in zonder},
        gi_namen={"WSS": "WSS", "LJR": "LJ&R"}, onderdrukkingsdrempel=drempel,
        richtingen={k.id: k.richting for k in cat.kpis}) for g in ("GM0599", "GM0613")}


def test_the_infographic_takes_the_published_values_and_their_trend_as_they_are():
    data = _infographic()
    rotterdam, albrandswaard = data["GM0599"], data["GM0613"]
    meldingen = rotterdam["cijfers"][0]
    assert (meldingen["kpi"], meldingen["waarde"]) == ("meldingen_ontvangen", 47)
    assert not meldingen["onderdrukt"]
    assert meldingen["vorig"] == {"waarde": 37, "onderdrukt": False}
    assert [p["waarde"] for p in meldingen["reeks"]] == [7, 17, 27, 37, 47]
    assert rotterdam["kwartalen"][-1] == VORIG.code and len(rotterdam["kwartalen"]) == 5
    assert all(c["waarde"] is None and c["onderdrukt"] for c in albrandswaard["cijfers"])
    # Placements are shown once the catalogue has them; until then listed as missing.
    placements = "uithuisplaatsingen_gestart" in catalogus_bron.actief().ids
    assert ("uithuisplaatsingen_gestart" in rotterdam["ontbreekt"]) != placements
    assert any(c["kpi"] == "uithuisplaatsingen_gestart" for c in rotterdam["cijfers"]) == placements
    zonder = _infographic(zonder=("uithuisplaatsingen_gestart", "kinderen_in_zorg"))["GM0599"]
    assert {"uithuisplaatsingen_gestart", "kinderen_in_zorg"} <= set(zonder["ontbreekt"])
    assert "kinderen_in_zorg" not in [c["kpi"] for c in zonder["cijfers"]]


def test_the_infographic_as_page_png_and_pdf_shows_suppression_trend_and_the_gis_reading_on_one_page():
    lezingen = _lezingen()
    for i in range(12):  # far more than one page holds
        _schrijf(lezingen, f"Lange duiding {i}: " + "de cijfers vragen om uitleg. " * 30, gi="JBRR")
    data = _infographic(duidingen=lezingen)
    rotterdam, albrandswaard = data["GM0599"], data["GM0613"]
    page = ig.html(rotterdam, png_url="/x/png", pdf_url="/x/pdf")
    assert "Jeugdbescherming in Rotterdam" in page and "<div class='v'>47</div>" in page
    assert "De wachtlijst daalt door extra instroom." in page and "addendum van" in page
    assert "P. de Vries" not in page and "manager" not in page  # the GI only, never its author
    assert "<div class='v'>×</div>" in ig.html(albrandswaard)
    # A KPI the catalogue lacks is a tile saying n.v.t.
    assert ("n.v.t." in page) == bool(rotterdam["ontbreekt"])
    assert "n.v.t." in ig.html(_infographic(zonder=("kinderen_in_zorg",))["GM0599"])

    pdf = PdfReader(io.BytesIO(ig.pdf(rotterdam)))
    assert len(pdf.pages) == 1
    text = pdf.pages[0].extract_text()
    assert "Jeugdbescherming in Rotterdam" in text and "Duiding door de GI's" in text
    assert "47" in text and "+10 t.o.v. vorig kwartaal" in text and "P. de Vries" not in text
    assert "zie de kwartaalrapportage" in text  # what does not fit is pointed to the report
    assert "×" in PdfReader(io.BytesIO(ig.pdf(albrandswaard))).pages[0].extract_text()

    beeld = Image.open(io.BytesIO(ig.png(rotterdam)))
    assert beeld.format == "PNG"
    assert beeld.size == (round(ig.BREED * ig.PNG_SCHAAL), round(ig.HOOG * ig.PNG_SCHAAL))
    # The header is the region's blue, the page below it white, and something is drawn on it.
    assert beeld.getpixel((5, 5)) == (0x15, 0x42, 0x73)
    assert beeld.getpixel((5, beeld.size[1] // 2)) == (255, 255, 255)
    assert len(beeld.crop((0, 200, beeld.size[0], 1600)).getcolors(maxcolors=1 << 20)) > 20


@pytest.mark.parametrize(("accept", "expected"), [
    (None, "text/html"),
    ("*/*", "text/html"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),
    ("application/json", "application/json"),
    ("image/png", "image/png"),
    ("image/*", "image/png"),
    ("application/pdf;q=0.9, image/png;q=0.5", "application/pdf"),
    ("text/html;q=0.1, application/json", "application/json"),
    ("text/csv", "text/html"),
    ("application/json;q=abc, image/png", "image/png"),
])
def test_the_media_type_is_chosen_by_accept(accept, expected):
    scope = {"type": "http", "headers": [(b"accept", accept.encode())] if accept else []}
    aanbod = ("text/html", "image/png", "application/pdf", "application/json")
    assert voorkeur(Request(scope), aanbod) == expected
