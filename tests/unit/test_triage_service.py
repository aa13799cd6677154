"""Triage's handlers over an in-memory repository, its settings and its API edge (no database)."""
import copy
import dataclasses
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient

from contracts.events import AdviesIssued, Kind, MaatregelImposed, MeldingReceived, TriageCompleted
from contracts.vocabulary import GI
from runtime.messagebus import MessageBus
from runtime.service import build_app
from services.triage.adapters.repository import (
    Geactiveerd,
    RegelsetRepository,
    SimulatieRepository,
    TriageRepository,
)
from services.triage.bootstrap import SPEC
from services.triage.domain.model import AdviesStatus
from services.triage.domain.regelsetvoorstel import VoorstelStatus
from services.triage.domain.simulatie import Geschiedenis
from services.triage.service_layer.unit_of_work import TriageUnitOfWork
from services.triage.settings import TriageSettings
from tests import identity
from tests.clock import PINNED_NOW, pinned
from tests.fakes import InMemoryTransaction, bootstrap_test_app, bootstrap_test_bus


class FakeRepository(TriageRepository):
    def __init__(self):
        super().__init__(None)
        self.triages: dict = {}
        self.adviezen: dict = {}
        self.capaciteit = {GI.JBRR: 3, GI.WSS: 1, GI.LJR: 8}
        self.escalaties: dict = {}  # id -> RegioEscalatie, as the table keeps it

    async def add_triage(self, melding_id, gezin_id, gemeente, besluit, besloten_op) -> bool:
        if melding_id in self.triages:
            return False
        self.triages[melding_id] = besluit
        return True

    async def add_advies(self, advies) -> None:
        self.adviezen[advies.id] = advies

    async def vrije_plaatsen(self):
        return dict(self.capaciteit)

    async def escalatie(self, escalatie_id, *, for_update=False):
        return self.escalaties.get(escalatie_id)

    async def open_escalaties(self):
        return [e for e in self.escalaties.values() if e.open]

    async def sla_escalatie_op(self, e) -> None:
        self.escalaties[e.escalatie_id] = e


class FakeRegelsets(RegelsetRepository):
    """Proposed ruleset versions as the real tables hold them (copies in, copies out)."""

    def __init__(self):
        super().__init__(None)
        self.rows: dict = {}
        self.vergrendeld = 0
        self.gelezen = 0  # how often a decision asked which version is active

    async def vergrendel(self):
        self.vergrendeld += 1

    def _geactiveerd(self) -> list:
        return sorted((v for v in self.rows.values() if v.volgnummer), key=lambda v: v.volgnummer)

    async def laatst_geactiveerd(self):
        self.gelezen += 1
        if not (geactiveerd := self._geactiveerd()):
            return None
        v = geactiveerd[-1]
        return Geactiveerd(v.id, v.versie, v.afgesloten_op)

    async def bron(self, voorstel_id):
        return copy.deepcopy(self.rows[voorstel_id].bron) if voorstel_id in self.rows else None

    async def geactiveerde(self):
        return [(Geactiveerd(v.id, v.versie, v.afgesloten_op), copy.deepcopy(v.bron))
                for v in self._geactiveerd()]

    async def wis_namen(self, grens):
        gesloten = [v for v in self.rows.values() if v.afgesloten_op and v.afgesloten_op < grens]
        for v in gesloten:
            v.indiener_naam = None
            v.besluiten = [dataclasses.replace(b, manager_naam=None) for b in v.besluiten]
        return len(gesloten)

    async def versies(self):
        return {v.versie for v in self.rows.values()}

    async def volgend_volgnummer(self):
        return max((v.volgnummer for v in self._geactiveerd()), default=0) + 1

    async def add(self, v):
        self.rows[v.id] = copy.deepcopy(v)

    async def save(self, v):
        self.rows[v.id] = copy.deepcopy(v)

    async def get(self, voorstel_id, *, for_update=False):
        return copy.deepcopy(self.rows.get(voorstel_id))

    async def open_voorstellen(self):
        return [copy.deepcopy(v) for v in self.rows.values() if v.status == VoorstelStatus.OPEN]

    async def lijst(self, *, status, limit, offset):
        found = sorted((v for v in self.rows.values() if status is None or v.status == status),
                       key=lambda v: v.voorgesteld_op, reverse=True)
        return copy.deepcopy(found[offset:offset + limit]), len(found)


class FakeSimulaties(SimulatieRepository):
    """What triage keeps for the what-if simulation, in memory."""

    def __init__(self):
        self.meldingen: dict = {}
        self.standen: list = []
        self.verlopen: dict = {}
        self.escalaties: dict = {}
        self.simulaties: dict = {}
        self.historie = None  # the Geschiedenis a simulation reads (its period set to the one asked)

    async def geschiedenis(self, periode):
        if self.historie is None:
            return Geschiedenis(periode, {}, (), (), (), ())
        return dataclasses.replace(self.historie, periode=periode)

    async def leg_melding_vast(self, melding, grijs_gebied, besloten_op):
        self.meldingen.setdefault(melding.melding_id, (melding, grijs_gebied, besloten_op))

    async def leg_stand_vast(self, gi, tijdstip, bezetting, vrije_plaatsen, wachtend):
        self.standen.append((gi, tijdstip, bezetting, vrije_plaatsen, wachtend))

    async def casus_toegewezen(self, casus_id, melding_id, gezin_id, gi, kinderen, at):
        for kind in kinderen:
            self.verlopen.setdefault((casus_id, kind), {"gi": gi, "toegewezen_op": at})

    async def beschermer_toegewezen(self, casus_id, kinderen, at):
        for kind in kinderen:
            self.verlopen.get((casus_id, kind), {}).setdefault("beschermer_op", at)

    async def casus_gesloten(self, casus_id, kinderen, at):
        for kind in kinderen:
            self.verlopen.get((casus_id, kind), {}).setdefault("gesloten_op", at)

    async def escalatie_gestart(self, escalatie_id, gestart_op):
        self.escalaties.setdefault(escalatie_id, gestart_op)

    async def add(self, s):
        self.simulaties[s.id] = s

    async def get(self, simulatie_id):
        return self.simulaties.get(simulatie_id)

    async def ids_voor_voorstel(self, voorstel_id):
        return [s.id for s in self.simulaties.values() if s.voorstel_id == voorstel_id]  # oldest first

    async def lijst(self, *, voorstel_id, limit, offset):
        found = [s for s in reversed(self.simulaties.values())  # newest first
                 if voorstel_id is None or s.voorstel_id == voorstel_id]
        return found[offset:offset + limit], len(found)


class FakeUnitOfWork(InMemoryTransaction, TriageUnitOfWork):
    def __init__(self, repository, settings=None, regelsets=None, simulaties=None):
        self.repository = repository
        self.regelset_store = regelsets or FakeRegelsets()
        self.simulatie_store = simulaties or FakeSimulaties()
        super().__init__("triage", settings, pinned())

    def bind(self, session) -> None:
        self.triage = self.repository
        self.regelsets = self.regelset_store
        self.simulatie = self.simulatie_store


def bus(uow: FakeUnitOfWork) -> MessageBus:
    return bootstrap_test_bus(SPEC, uow, uow.settings, uow.clock)


def melding(**changes) -> MeldingReceived:
    values = dict(melding_id=uuid4(), gezin_id=uuid4(), gemeente="GM0599", urgentie="spoed", kader=None,
                  kinderen=[Kind(kind_id=uuid4(), leeftijd=15)], zorgen=["veiligheid"], kenmerken=[],
                  ontvangen_op=PINNED_NOW)
    return MeldingReceived(**{**values, **changes})


async def test_a_report_gets_a_triage_decision_and_an_open_proposal():
    uow = FakeUnitOfWork(FakeRepository())
    event = melding(zorgen=["crimineel_gedrag"])
    await bus(uow).handle(event)
    [completed] = uow.published
    assert isinstance(completed, TriageCompleted)
    assert (completed.doelgroep, completed.expertise, completed.geschikte_gis) == (
        "jeugdcriminaliteit", "jeugdreclassering", [GI.JBRR, GI.LJR])
    [advies] = uow.triage.adviezen.values()
    assert advies.status == AdviesStatus.OPEN and advies.voorgestelde_gi == GI.LJR
    assert [(k.kind_id, k.leeftijd) for k in advies.kinderen] == [
        (k.kind_id, k.leeftijd) for k in event.kinderen]
    # The decision's inputs are kept for the what-if simulation, not in grey area here.
    kept, grijs, _ = uow.simulatie.meldingen[event.melding_id]
    assert (kept.zorgen, kept.kenmerken, grijs) == (["crimineel_gedrag"], [], False)


async def test_a_redelivered_report_gets_no_second_proposal():
    uow = FakeUnitOfWork(FakeRepository())
    event = melding()
    await bus(uow).handle(event)
    await bus(uow).handle(event)
    assert len(uow.triage.adviezen) == 1
    assert len(uow.published) == 1 and uow.commits == 1


async def test_auto_confirm_publishes_advice_and_measure_in_the_same_transaction():
    uow = FakeUnitOfWork(FakeRepository(), settings=TriageSettings(auto_confirm=True))
    await bus(uow).handle(melding(kader="straf", kenmerken=["lvb_kind"]))
    completed, issued, imposed = uow.published
    assert uow.commits == 1
    assert isinstance(completed, TriageCompleted) and completed.doelgroep == "lvb"
    assert isinstance(issued, AdviesIssued) and (issued.gi, issued.bevestigd_door) == (GI.WSS, "automatisch")
    assert isinstance(imposed, MaatregelImposed) and (imposed.maatregel, imposed.gi) == ("JR", GI.WSS)
    [advies] = uow.triage.adviezen.values()
    assert advies.status == AdviesStatus.MAATREGEL_OPGELEGD


def test_auto_confirm_is_off_unless_set(monkeypatch):
    monkeypatch.delenv("AUTO_CONFIRM", raising=False)
    monkeypatch.delenv("TRIAGE_AUTO_CONFIRM", raising=False)
    assert SPEC.settings_class is TriageSettings
    assert TriageSettings.for_service("triage", 8002).auto_confirm is False
    assert FakeUnitOfWork(FakeRepository()).auto_confirm is False  # no settings: the RvdK decides
    monkeypatch.setenv("AUTO_CONFIRM", "true")
    assert TriageSettings.for_service("triage", 8002).auto_confirm is True
    monkeypatch.setenv("TRIAGE_AUTO_CONFIRM", "false")  # the service's own prefix wins
    settings = TriageSettings.for_service("triage", 8002)
    assert settings.auto_confirm is False
    assert FakeUnitOfWork(FakeRepository(), settings).auto_confirm is False


# --- the API edge, without a database ------------------------------------------------------------

@pytest.fixture(scope="module")
def client():
    # As the RvdK, over the fake unit of work; no `with`: the lifespan (database, broker) never runs
    return TestClient(bootstrap_test_app(SPEC, FakeUnitOfWork(FakeRepository())), headers=identity.rvdk())


def test_active_ruleset_and_its_versions(client):
    active = client.get("/v1/doelgroepenbepaling")
    assert active.status_code == 200 and active.headers["API-Version"] == "1.0.0"
    assert active.json()["versie"] == "2026.2" and "expertises" in active.json()
    versies = client.get("/v1/doelgroepenbepaling/versies").json()
    assert [(v["versie"], v["actief"]) for v in versies] == [("2026.1", False), ("2026.2", True)]
    assert versies[1]["regels"] == 6 and versies[1]["geldig_vanaf"] == "2026-12-01"
    assert client.get("/v1/doelgroepenbepaling/versies/2026.1").json()["regels"][0]["gi"] == "WSS"


def test_unknown_ruleset_version_is_a_problem(client):
    response = client.get("/v1/doelgroepenbepaling/versies/2020.1")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


ID = uuid4()


@pytest.mark.parametrize(("path", "body", "field"), [
    (f"/v1/adviezen/{ID}/afwijking", {"gi": "LJR", "reden": "   "}, "reden"),
    (f"/v1/adviezen/{ID}/afwijking", {"gi": "LJR"}, "reden"),
    (f"/v1/adviezen/{ID}/afwijking", {"gi": "NIDOS", "reden": "x"}, "gi"),
    (f"/v1/adviezen/{ID}/maatregelen", {"maatregel": "taakstraf", "startdatum": "2026-12-01"}, "maatregel"),
    (f"/v1/adviezen/{ID}/maatregelen", {"maatregel": "OTS"}, "startdatum"),
    (f"/v1/adviezen/{ID}/maatregelen", {"maatregel": "OTS", "startdatum": "2026-12-01", "gi": "X"}, "gi"),
    (f"/v1/adviezen/{ID}/bevestiging", {"toelichting": "ok", "door": "ik"}, "door"),
])
def test_invalid_bodies_are_problems_naming_the_field(client, path, body, field):
    response = client.post(path, json=body)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert [p["name"] for p in response.json()["invalidParams"]] == [field]


@pytest.mark.parametrize("query", ["status=klaar", "gi=NIDOS", "afwijking=misschien", "pageSize=0"])
def test_invalid_filters_are_problems(client, query):
    assert client.get(f"/v1/adviezen?{query}").status_code == 400


# --- who may call what (the advice is the RvdK's; the rules are public to the chain) ---------------

OTHERS = {"lokaal_team": identity.lokaal_team("GM0599"), "veilig_thuis": identity.veilig_thuis(),
          "gi": identity.gi("WSS"), "gi_manager": identity.gi_manager("WSS"), "regio": identity.regio(),
          "privacy": identity.privacy(), "beheer": identity.beheer()}
RVDK_ONLY = [
    ("get", "/v1/adviezen", None),
    ("get", f"/v1/adviezen/{ID}", None),
    ("post", f"/v1/adviezen/{ID}/bevestiging", {"toelichting": "akkoord"}),
    ("post", f"/v1/adviezen/{ID}/afwijking", {"gi": "LJR", "reden": "expertise"}),
    ("post", f"/v1/adviezen/{ID}/maatregelen", {"maatregel": "OTS", "startdatum": "2026-12-01"}),
    ("get", "/v1/beschikbaarheid", None),
]
RULES = ["/v1/doelgroepenbepaling", "/v1/doelgroepenbepaling/versies",
         "/v1/doelgroepenbepaling/versies/2026.1"]


@pytest.mark.parametrize("rol", OTHERS)
@pytest.mark.parametrize(("method", "path", "body"), RVDK_ONLY)
def test_advice_measures_and_availability_are_the_rvdks_only(client, rol, method, path, body):
    response = client.request(method, path, json=body, headers=OTHERS[rol])
    assert response.status_code == 403, response.text
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("rol", ["lokaal_team", "veilig_thuis", "gi", "gi_manager", "regio"])
def test_the_rules_are_readable_by_every_chain_partner(client, rol):
    for path in RULES:
        assert client.get(path, headers=OTHERS[rol]).status_code == 200


@pytest.mark.parametrize("rol", ["privacy", "beheer"])
def test_the_rules_are_not_for_privacy_or_operations(client, rol):
    for path in RULES:
        assert client.get(path, headers=OTHERS[rol]).status_code == 403


@pytest.mark.parametrize(("method", "path", "body"), [*RVDK_ONLY, *(("get", p, None) for p in RULES)])
def test_every_triage_operation_needs_a_token(method, path, body):
    response = TestClient(build_app(SPEC)).request(method, path, json=body)
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")
