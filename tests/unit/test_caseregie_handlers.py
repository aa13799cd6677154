"""The service layer over an in-memory unit of work: measures open or join the family's case once;
a transfer keeps the reason category its requesting GI chose, through the API and both events."""
from datetime import UTC, date, datetime
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient

from contracts.events import (
    CasusAssigned,
    CasusTransferred,
    Kind,
    MaatregelImposed,
    OverdrachtApproved,
    OverdrachtRequested,
)
from contracts.vocabulary import GI, Maatregel, OverdrachtReden
from runtime.identity import GI_MANAGER, GI_ROL, Principal
from runtime.messagebus import MessageBus
from services.caseregie.adapters.repository import CasusRepository, WebhookRepository
from services.caseregie.bootstrap import DEPENDENCIES, SPEC
from services.caseregie.domain.commands import ApproveOverdracht, RequestOverdracht
from services.caseregie.domain.model import GOEDGEKEURD, OPEN
from services.caseregie.service_layer.unit_of_work import CaseregieUnitOfWork
from services.caseregie.settings import CaseregieSettings
from tests import identity
from tests.clock import pinned
from tests.fakes import InMemoryTransaction, bootstrap_test_app, bootstrap_test_bus

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class FakeCasusRepository(CasusRepository):
    def __init__(self):
        super().__init__(None)
        self.cases, self.locked = {}, []

    async def lock_gezin(self, gezin_id):
        self.locked.append(gezin_id)

    async def has_maatregel(self, maatregel_id):
        return any(m.maatregel_id == maatregel_id for c in self.cases.values() for m in c.maatregelen)

    async def open_for_gezin(self, gezin_id):
        return next((c for c in self.cases.values() if c.gezin_id == gezin_id and c.status == OPEN), None)

    async def save(self, casus):
        self.cases[casus.id] = casus

    async def get(self, casus_id, for_update=False):
        return self.cases.get(casus_id)


class FakeUnitOfWork(InMemoryTransaction, CaseregieUnitOfWork):
    def __init__(self, clock=None):
        super().__init__("caseregie", CaseregieSettings(), clock or pinned(NOW))  # the suite's pseudonym key

    def bind(self, session) -> None:
        self.casussen, self.webhooks = FakeCasusRepository(), WebhookRepository(None)


OWN = DEPENDENCIES  # the real resolver and client: no test here reaches a webhook target


def bus(uow: FakeUnitOfWork) -> MessageBus:
    return bootstrap_test_bus(SPEC, uow, uow.settings, uow.clock, **OWN)


def app(uow: FakeUnitOfWork):
    return bootstrap_test_app(SPEC, uow, **OWN)


def gi_systeem(gi: GI) -> Principal:
    return Principal(sub=f"systeem@{gi}", rol=GI_ROL, organisatie=gi)


def manager(gi: GI, naam: str | None = None) -> Principal:
    return Principal(sub=f"manager@{gi}", rol=GI_MANAGER, organisatie=gi, naam=naam)


def maatregel(gezin_id, gi, kinderen) -> MaatregelImposed:
    return MaatregelImposed(
        maatregel_id=uuid4(), melding_id=uuid4(), advies_id=uuid4(), gezin_id=gezin_id, gemeente="GM0599",
        doelgroep="lvb", maatregel=Maatregel.OTS, route="rechtbank", raadsonderzoek=True,
        startdatum=date(2026, 2, 27), gi=gi, kinderen=kinderen, opgelegd_op=NOW)


async def test_measures_of_one_family_end_up_in_one_case_and_a_replay_changes_nothing():
    uow, gezin = FakeUnitOfWork(), uuid4()
    first = maatregel(gezin, GI.WSS, [Kind(kind_id=uuid4(), leeftijd=6)])
    await bus(uow).handle(first)
    second = maatregel(gezin, GI.JBRR, [Kind(kind_id=uuid4(), leeftijd=2)])
    await bus(uow).handle(second)

    (casus,) = uow.casussen.cases.values()
    assert casus.gi == GI.WSS and len(casus.kinderen) == 2
    assert [type(e) for e in uow.published] == [CasusAssigned, CasusAssigned]
    assert [e.nieuwe_casus for e in uow.published] == [True, False]
    assert all(e.casus_id == casus.id and e.gi == GI.WSS for e in uow.published)
    assert uow.casussen.locked == [gezin, gezin]

    await bus(uow).handle(second)  # the same measure again
    assert len(uow.published) == 2 and len(casus.kinderen) == 2 and len(uow.casussen.cases) == 1
    assert uow.commits == 3  # committed, so the event id is recorded as handled


async def test_another_family_gets_its_own_case():
    uow = FakeUnitOfWork()
    await bus(uow).handle(maatregel(uuid4(), GI.WSS, [Kind(kind_id=uuid4(), leeftijd=6)]))
    await bus(uow).handle(maatregel(uuid4(), GI.WSS, [Kind(kind_id=uuid4(), leeftijd=6)]))
    assert len(uow.casussen.cases) == 2 and [e.nieuwe_casus for e in uow.published] == [True, True]


# --- transfers: the reason category -------------------------------------------------------------

async def _case(uow, gi=GI.JBRR):
    await bus(uow).handle(maatregel(uuid4(), gi, [Kind(kind_id=uuid4(), leeftijd=6)]))
    uow.published.clear()
    return next(iter(uow.casussen.cases.values()))


async def test_the_chosen_category_is_stored_and_carried_in_both_transfer_events():
    uow = FakeUnitOfWork()
    casus = await _case(uow)
    overdracht = await bus(uow).handle(RequestOverdracht(
        gi_systeem(GI.JBRR), casus.id, GI.WSS, "Gezin verhuist", OverdrachtReden.VERHUIZING))
    assert overdracht.categorie == OverdrachtReden.VERHUIZING
    assert uow.casussen.cases[casus.id].overdrachten == [overdracht]
    (requested,) = uow.published
    assert isinstance(requested, OverdrachtRequested)
    assert requested.categorie == OverdrachtReden.VERHUIZING and overdracht.reden == "Gezin verhuist"
    assert "Gezin verhuist" not in requested.model_dump_json()  # the text stays in caseregie

    await bus(uow).handle(ApproveOverdracht(manager(GI.WSS), casus.id, overdracht.id))
    await bus(uow).handle(ApproveOverdracht(manager(GI.JBRR), casus.id, overdracht.id))
    assert [type(e) for e in uow.published] == [
        OverdrachtRequested, OverdrachtApproved, OverdrachtApproved, CasusTransferred]
    transferred = uow.published[-1]
    assert transferred.categorie == OverdrachtReden.VERHUIZING
    assert "Gezin verhuist" not in transferred.model_dump_json()
    assert overdracht.status == GOEDGEKEURD and overdracht.categorie == OverdrachtReden.VERHUIZING


@pytest.fixture
def api():
    uow = FakeUnitOfWork()
    return TestClient(app(uow), headers=identity.gi("JBRR")), uow


async def test_the_category_is_optional_in_the_request_and_defaults_to_overig(api):
    client, uow = api
    casus = await _case(uow)
    r = client.post(f"/v1/casussen/{casus.id}/overdrachten", json={"naar_gi": "LJR", "reden": "Anders"})
    assert r.status_code == 201, r.text
    assert r.json()["categorie"] == "overig"
    (requested,) = uow.published
    assert requested.categorie == OverdrachtReden.OVERIG
    assert casus.overdrachten[0].categorie == OverdrachtReden.OVERIG


async def test_the_category_is_shown_in_the_transfer_views(api):
    client, uow = api
    casus = await _case(uow)
    r = client.post(f"/v1/casussen/{casus.id}/overdrachten",
                    json={"naar_gi": "WSS", "reden": "Wachtlijst te lang", "categorie": "capaciteit"})
    assert r.status_code == 201, r.text
    assert r.json()["categorie"] == "capaciteit" and r.json()["reden"] == "Wachtlijst te lang"
    assert uow.published[0].categorie == OverdrachtReden.CAPACITEIT
    assert client.get(f"/v1/casussen/{casus.id}").json()["overdrachten"][0]["categorie"] == "capaciteit"


async def test_an_unknown_category_is_a_problem_naming_the_field(api):
    client, uow = api
    casus = await _case(uow)
    r = client.post(f"/v1/casussen/{casus.id}/overdrachten",
                    json={"naar_gi": "WSS", "reden": "x", "categorie": "onbekend"})
    assert r.status_code == 400
    assert [p["name"] for p in r.json()["invalidParams"]] == ["categorie"]
    assert casus.overdrachten == [] and uow.published == []
