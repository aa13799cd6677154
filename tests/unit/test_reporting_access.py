"""Reporting gives aggregates to the region only and rebuilds to operations only: without a token
every operation is 401, with another role's token 403, before any figure is read. The dashboard's
page is public and holds no figures: it asks for a token and calls the API with it."""
import re
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from runtime.errors import Conflict
from runtime.identity import BEHEER, GI_MANAGER, GI_ROL, LOKAAL_TEAM, REGIO, ROLES
from services.reporting.bootstrap import SPEC
from services.reporting.domain.periodes import KWARTAAL, huidige
from services.reporting.entrypoints.policy import POLICY
from services.reporting.service_layer.herberekening import Achtergrond, Verdeling
from services.reporting.service_layer.rekenaar import Rekenaar
from services.reporting.service_layer.unit_of_work import ReportingUnitOfWork
from tests import identity
from tests.clock import TODAY, pinned
from tests.fakes import InMemoryTransaction, bootstrap_test_app

KW = huidige(KWARTAAL, TODAY).vorige().code
# Each operation of the policy (but the public dashboard page) with a request that is valid for it.
REQUESTS = {
    "get_kpis": ("GET", "/v1/kpis?periode=2026-Q3&kpi=meldingen_ontvangen", None),
    "export": ("GET", "/v1/kpis/export?periode=2026-Q3", None),
    "get_catalogus": ("GET", "/v1/kpis/catalogus", None),
    "definities": ("GET", "/v1/kpis/definities", None),
    "trends": ("GET", "/v1/kpis/trends?kpi=adviezen&kwartalen=4", None),
    "rapportage": ("GET", "/v1/rapportages/2026-Q3", None),
    "rapportage_pdf": ("GET", "/v1/rapportages/2026-Q3/pdf", None),
    # the new operations refuse a quarter that has not begun: the last one that has ended
    "list_duidingen": ("GET", f"/v1/rapportages/{KW}/duidingen", None),
    "post_duiding": ("POST", f"/v1/rapportages/{KW}/duidingen", {"tekst": "Onze duiding."}),
    "post_vaststelling": ("POST", f"/v1/rapportages/{KW}/vaststelling", None),
    # a local team's token (tests.identity.caller) is for GM0599: its own municipality's infographic
    "infographic": ("GET", f"/v1/rapportages/{KW}/infographics/GM0599", None),
    "infographic_png": ("GET", f"/v1/rapportages/{KW}/infographics/GM0599/png", None),
    "infographic_pdf": ("GET", f"/v1/rapportages/{KW}/infographics/GM0599/pdf", None),
    "herbereken": ("POST", "/v1/kpis/herberekeningen", {"vervangen": False}),
    "herberekeningen": ("GET", "/v1/kpis/herberekeningen", None),
    "get_herberekening": ("GET", "/v1/kpis/herberekeningen/00000000-0000-4000-8000-000000000001", None),
}
ALLOWED = {**dict.fromkeys(REQUESTS, frozenset({REGIO})),
           **dict.fromkeys(["herbereken", "herberekeningen", "get_herberekening"], frozenset({BEHEER})),
           # The GIs write their own reading (a manager) and read every GI's; the region marks final.
           "list_duidingen": {REGIO, GI_ROL, GI_MANAGER}, "post_duiding": {GI_MANAGER},
           # A municipality's one page: for the region and for that municipality's own local team.
           **dict.fromkeys(["infographic", "infographic_png", "infographic_pdf"],
                           frozenset({REGIO, LOKAAL_TEAM}))}
# The two that read the catalogue (a file), not the store: their caller gets the answer itself.
FROM_THE_CATALOGUE = {"get_catalogus", "definities"}


class ReachedTheStore(Conflict):
    """Raised by any use of the store (over HTTP: a 409 with this detail)."""


class UntouchableUnitOfWork(InMemoryTransaction, ReportingUnitOfWork):
    database = "untouchable"

    def __init__(self):
        super().__init__("reporting", None, pinned())  # the period is worked out before the store is opened

    async def __aenter__(self):
        raise ReachedTheStore("reached the store")


@pytest.fixture(scope="module")
def client():
    # no `with`: the lifespan (database, broker) never runs; nor does a rebuild (refused first)
    app = bootstrap_test_app(SPEC, UntouchableUnitOfWork(), sessions=None, verdeling=Verdeling(),
                             achtergrond=Achtergrond(), rekenaar=Rekenaar())
    return TestClient(app)


def _call(client, operation: str, headers: dict[str, str] | None = None):
    method, path, body = REQUESTS[operation]
    return client.request(method, path, json=body, headers=headers or {})


def test_every_operation_of_the_policy_is_tested_here():
    assert set(POLICY) == {*REQUESTS, "dashboard"}
    # The region reads aggregates, operations rebuild, GI managers write their GI's reading, a local
    # team reads its municipality's infographic; nobody else may call anything.
    assert {name: set(roles) for name, roles in POLICY.items() if name != "dashboard"} == ALLOWED


@pytest.mark.parametrize("operation", sorted(REQUESTS))
def test_without_a_token_every_operation_is_401(client, operation):
    response = _call(client, operation)
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("operation", sorted(REQUESTS))
@pytest.mark.parametrize("rol", ROLES)
def test_every_operation_refuses_the_other_roles(client, operation, rol):
    response = _call(client, operation, identity.caller(rol))
    if rol in ALLOWED[operation]:
        expected = 200 if operation in FROM_THE_CATALOGUE else 409  # 409: it got through to the store
        assert response.status_code == expected, response.text
    else:
        assert response.status_code == 403, response.text
        assert response.json()["detail"] == f"role {rol} may not call {operation}"


# --- the dashboard's page -------------------------------------------------------------------

FIGURE_PLACES = ("tegels", "trend", "verdeling", "verdeling-legenda", "wachtlijst", "wachtlijst-legenda",
                 "signalen", "gemeenten", "duidingen", "duiding-status")
# The one number the page shows: the legend's explanation of a 0 in the table.
LEGEND = "0 = niets geteld"


class _Page(HTMLParser):
    """The text a browser shows before any script runs, and what the figures' places hold."""

    VOID = frozenset({"meta", "link", "br", "hr", "img", "input", "source", "col", "area", "base", "wbr"})

    def __init__(self):
        super().__init__()
        self.text: list[str] = []
        self.ids: dict[str, str] = {}
        self.open: list[tuple[str, str | None]] = []  # the open elements: tag and id
        self.contents: dict[str, int] = dict.fromkeys(FIGURE_PLACES, 0)

    def _count(self) -> None:
        for _, place in self.open:
            if place in self.contents:
                self.contents[place] += 1

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self._count()
        if attrs.get("id"):
            self.ids[attrs["id"]] = tag
        if tag not in self.VOID:
            self.open.append((tag, attrs.get("id")))

    def handle_endtag(self, tag):
        while self.open and self.open.pop()[0] != tag:
            pass

    def handle_data(self, data):
        if any(tag in ("script", "style") for tag, _ in self.open) or not data.strip():
            return
        self._count()
        self.text.append(data)


def test_the_dashboard_page_is_public_and_holds_no_figures(client):
    response = client.get("/v1/dashboard?periode=2026-Q3")  # no token; the store is never read
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    page = _Page()
    page.feed(response.text)
    # The token prompt: a form with the token field and its button.
    assert page.ids["inlogformulier"] == "form" and page.ids["token"] == "textarea"
    assert re.search(r'<form id="inlogformulier">.*<button type="submit">', response.text, re.S)
    # No figure: the places the figures go are empty and no number is shown anywhere.
    assert page.contents == dict.fromkeys(FIGURE_PLACES, 0)
    assert LEGEND in "".join(page.text)
    assert re.findall(r"\d+", "".join(page.text).replace(LEGEND, "")) == []
    # The figures come from the API, with the token this tab keeps.
    assert "Authorization: `Bearer ${token()}`" in response.text
    assert "sessionStorage.setItem(TOKEN_KEY" in response.text


def test_the_check_sees_a_figure_in_the_page():
    page = _Page()
    page.feed('<div id="tegels"><div class="tile"><div class="v">1.234</div></div></div>'
              "<script>const x = 5;</script>")
    assert page.contents["tegels"] == 3 and re.findall(r"\d+", "".join(page.text)) == ["1", "234"]
