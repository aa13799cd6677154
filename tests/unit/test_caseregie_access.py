"""caseregie through its HTTP API with tokens, over an in-memory unit of work: the GI comes from the
token only; another GI's case, transfer or webhook is 404; a `gi` in a query or body that names
another GI is 403 naming the field; lists hold only the token's GI; a transfer moves only after a
manager of each GI approved, each recorded with that manager's token subject."""
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient

from contracts.events import CasusTransferred, Kind, OverdrachtApproved, OverdrachtRequested
from contracts.vocabulary import GI
from runtime.identity import GI_MANAGER
from runtime.pseudonyms import keyed_id
from services.caseregie.adapters.repository import WebhookRepository
from services.caseregie.domain.model import OPEN
from services.caseregie.domain.webhooks import Webhook
from tests import identity
from tests.unit.test_caseregie_handlers import FakeCasusRepository, FakeUnitOfWork, app, bus, maatregel

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
WSS, JBRR, LJR = identity.gi("WSS"), identity.gi("JBRR"), identity.gi("LJR")


class ScopedCasusRepository(FakeCasusRepository):
    """Lists filtered by the GI the handler passes (the real query does the same in SQL)."""

    def __init__(self):
        super().__init__()
        self.asked: list[str] = []

    async def list(self, *, gi, status, gemeente, wachtend, limit, offset):
        self.asked.append(gi)
        found = [c for c in self.cases.values() if c.gi == gi]
        return found[offset:offset + limit], len(found)

    async def wachtlijst(self, *, gi, gemeente, limit, offset, op_urgentie=False):
        self.asked.append(gi)
        found = [(c, k) for c in self.cases.values() if c.gi == gi and c.status == OPEN
                 for k in c.kinderen if k.wachtend]
        return found[offset:offset + limit], len(found)

    async def maatregelen_in_regio(self):
        return set()


class FakeWebhookRepository(WebhookRepository):
    def __init__(self):
        super().__init__(None)
        self.hooks: dict = {}

    async def get(self, webhook_id):
        return self.hooks.get(webhook_id)

    async def list(self, *, gi):
        return [w for w in self.hooks.values() if gi is None or w.gi == gi]

    async def delete(self, webhook_id):
        self.hooks.pop(webhook_id, None)

    async def afleveringen(self, webhook_id, *, limit, offset):
        return [], 0


class ScopedUnitOfWork(FakeUnitOfWork):
    def __init__(self):
        super().__init__()
        self.casussen = ScopedCasusRepository()
        self.webhooks = FakeWebhookRepository()


@pytest.fixture
def api():
    uow = ScopedUnitOfWork()
    return TestClient(app(uow)), uow


async def case_at(uow, gi: GI):
    await bus(uow).handle(maatregel(uuid4(), gi, [Kind(kind_id=uuid4(), leeftijd=6)]))
    uow.published.clear()
    return next(c for c in uow.casussen.cases.values() if c.gi == gi)


def names(r) -> list[str]:
    return [p["name"] for p in r.json().get("invalidParams", [])]


# --- no token ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/v1/casussen"), ("GET", f"/v1/casussen/{uuid4()}"), ("GET", "/v1/wachtlijst"),
    ("POST", f"/v1/casussen/{uuid4()}/overdrachten/{uuid4()}/goedkeuringen"), ("GET", "/v1/webhooks"),
])
def test_without_a_token_nothing_answers(api, method, path):
    client, _ = api
    r = client.request(method, path, json={})
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
    assert r.headers["content-type"] == "application/problem+json"


# --- reading: only the token's own GI ------------------------------------------------------------

@pytest.mark.parametrize("params", [{}, {"gi": "JBRR"}, {"gi": "WSS"}])
async def test_another_gis_case_is_not_found_with_or_without_gi(api, params):
    client, uow = api
    casus = await case_at(uow, GI.WSS)
    assert client.get(f"/v1/casussen/{casus.id}", headers=WSS).status_code == 200
    r = client.get(f"/v1/casussen/{casus.id}", params=params, headers=JBRR)
    assert r.status_code == 404
    unknown = uuid4()
    nothing = client.get(f"/v1/casussen/{unknown}", params=params, headers=JBRR)
    same_words = nothing.json()["detail"].replace(str(unknown), str(casus.id))
    assert r.json()["detail"] == same_words  # nothing tells it apart from a case that does not exist


async def test_lists_hold_only_the_tokens_gi(api):
    client, uow = api
    wss, jbrr = await case_at(uow, GI.WSS), await case_at(uow, GI.JBRR)
    for path in ("/v1/casussen", "/v1/wachtlijst"):
        uow.casussen.asked.clear()
        page = client.get(path, headers=JBRR).json()
        ids = {item.get("casus_id", item.get("id")) for item in page["items"]}
        assert ids == {str(jbrr.id)} and page["total"] == 1 and str(wss.id) not in ids
        assert uow.casussen.asked == ["JBRR"]  # asked of the store, not filtered afterwards
        assert client.get(path, params={"gi": "JBRR"}, headers=JBRR).status_code == 200
        r = client.get(path, params={"gi": "WSS"}, headers=JBRR)
        assert r.status_code == 403 and names(r) == ["gi"]


# --- changing a case -------------------------------------------------------------------------------

async def test_a_body_gi_of_another_gi_is_refused_naming_the_field(api):
    client, uow = api
    casus = await case_at(uow, GI.WSS)
    r = client.post(f"/v1/casussen/{casus.id}/jeugdbeschermer", headers=WSS,
                    json={"gi": "JBRR", "jeugdbeschermer_id": "X-1", "naam": "X"})
    assert r.status_code == 403 and names(r) == ["gi"]
    r = client.post(f"/v1/casussen/{casus.id}/afsluiting", headers=WSS,
                    json={"gi": "JBRR", "reden": "afschaling"})
    assert r.status_code == 403 and names(r) == ["gi"]
    assert uow.published == [] and casus.jeugdbeschermer is None and casus.status == OPEN

    r = client.post(f"/v1/casussen/{casus.id}/jeugdbeschermer", headers=WSS,
                    json={"gi": "WSS", "jeugdbeschermer_id": "WSS-1", "naam": "P"})  # its own GI: fine
    assert r.status_code == 200, r.text
    r = client.post(f"/v1/casussen/{casus.id}/afsluiting", headers=WSS, json={"reden": "afschaling"})
    assert r.status_code == 200 and r.json()["status"] == "gesloten"  # no gi: the token's


async def test_another_gi_can_neither_change_nor_hand_over_the_case(api):
    client, uow = api
    casus = await case_at(uow, GI.WSS)
    path = f"/v1/casussen/{casus.id}"
    for sub, body in (("jeugdbeschermer", {"jeugdbeschermer_id": "X-1", "naam": "X"}),
                      ("afsluiting", {"reden": "afschaling"}),
                      ("overdrachten", {"naar_gi": "JBRR", "reden": "wij willen hem"})):
        assert client.post(f"{path}/{sub}", json=body, headers=JBRR).status_code == 404, sub
        assert client.post(f"{path}/{sub}", json={**body, "gi": "JBRR"}, headers=JBRR).status_code == 404
    assert uow.published == [] and casus.overdrachten == [] and casus.status == OPEN


# --- transfers --------------------------------------------------------------------------------------

async def requested(client, uow):
    casus = await case_at(uow, GI.WSS)
    r = client.post(f"/v1/casussen/{casus.id}/overdrachten", headers=WSS,
                    json={"naar_gi": "JBRR", "reden": "Gezin verhuist", "categorie": "verhuizing"})
    assert r.status_code == 201, r.text
    return casus, f"/v1/casussen/{casus.id}/overdrachten/{r.json()['id']}"


async def test_the_receiving_gi_reads_the_transfer_with_a_summary_but_not_the_case(api):
    client, uow = api
    casus, path = await requested(client, uow)
    seen = client.get(path, headers=JBRR)
    assert seen.status_code == 200
    summary = seen.json()["casus"]
    assert summary == {"gemeente": "GM0599", "gi": "WSS", "doelgroep": "lvb", "kinderen": [
        {"leeftijd": 6, "maatregel": "OTS", "maatregel_start": "2026-02-27"}]}
    assert client.get(path, headers=WSS).json()["casus"] == summary
    assert client.get(f"/v1/casussen/{casus.id}", headers=JBRR).status_code == 404
    assert client.get(path, headers=LJR).status_code == 404  # a third GI finds nothing


async def test_a_gi_system_cannot_approve_and_a_body_names_no_manager(api):
    client, uow = api
    casus, path = await requested(client, uow)
    assert client.post(f"{path}/goedkeuringen", json={}, headers=WSS).status_code == 403
    r = client.post(f"{path}/goedkeuringen", json={"manager": "M. Peters"},
                    headers=identity.gi_manager("WSS"))
    assert r.status_code == 400 and names(r) == ["manager"]
    r = client.post(f"{path}/afwijzingen", json={"manager": "M. Peters", "reden": "nee"},
                    headers=identity.gi_manager("WSS"))
    assert r.status_code == 400 and names(r) == ["manager"]
    assert casus.overdrachten[0].besluiten == [] and [type(e) for e in uow.published] == [OverdrachtRequested]


async def test_a_manager_cannot_approve_as_the_other_gi_and_a_third_gis_manager_finds_nothing(api):
    client, uow = api
    casus, path = await requested(client, uow)
    r = client.post(f"{path}/goedkeuringen", json={"gi": "JBRR"}, headers=identity.gi_manager("WSS"))
    assert r.status_code == 403 and names(r) == ["gi"]
    r = client.post(f"{path}/goedkeuringen", json={}, headers=identity.gi_manager("LJR"))
    assert r.status_code == 404
    r = client.post(f"{path}/afwijzingen", json={"reden": "nee"}, headers=identity.gi_manager("LJR"))
    assert r.status_code == 404
    assert casus.overdrachten[0].besluiten == [] and casus.gi == GI.WSS


async def test_the_case_moves_only_after_both_gis_managers_approved_each_named_by_its_token(api):
    client, uow = api
    casus, path = await requested(client, uow)
    r = client.post(f"{path}/goedkeuringen", json={}, headers=identity.gi_manager("WSS", naam="M. Peters"))
    assert r.status_code == 201, r.text
    assert [(g["gi"], g["manager"], g["manager_naam"]) for g in r.json()["goedkeuringen"]] == [
        ("WSS", "manager@WSS", "M. Peters")]
    assert casus.gi == GI.WSS and r.json()["status"] == "aangevraagd"
    other_wss_manager = identity.auth(GI_MANAGER, "WSS", sub="other@WSS")
    again = client.post(f"{path}/goedkeuringen", json={}, headers=other_wss_manager)
    assert again.status_code == 409 and casus.gi == GI.WSS  # WSS has decided; only JBRR is left

    r = client.post(f"{path}/goedkeuringen", json={"gi": "JBRR"}, headers=identity.gi_manager("JBRR"))
    assert r.status_code == 201, r.text
    assert [(g["gi"], g["manager"]) for g in r.json()["goedkeuringen"]] == [
        ("WSS", "manager@WSS"), ("JBRR", "manager@JBRR")]
    assert casus.gi == GI.JBRR and r.json()["status"] == "goedgekeurd"
    approved = [e for e in uow.published if isinstance(e, OverdrachtApproved)]
    assert [(e.gi, e.manager_id) for e in approved] == [  # events: the managers' pseudonyms
        (GI.WSS, keyed_id(uow.settings.pseudonym_secret, "manager", "manager@WSS")),
        (GI.JBRR, keyed_id(uow.settings.pseudonym_secret, "manager", "manager@JBRR"))]
    assert isinstance(uow.published[-1], CasusTransferred)
    assert client.get(path, headers=WSS).json()["casus"] is None  # decided: no summary any more
    assert client.get(f"/v1/casussen/{casus.id}", headers=WSS).status_code == 404  # not WSS's now
    assert client.get(f"/v1/casussen/{casus.id}", headers=JBRR).status_code == 200


async def test_a_rejection_is_recorded_with_the_rejecting_managers_subject(api):
    client, uow = api
    casus, path = await requested(client, uow)
    r = client.post(f"{path}/afwijzingen", json={"reden": "Geen plek"}, headers=identity.gi_manager("JBRR"))
    assert r.status_code == 201, r.text
    assert (r.json()["afwijzing"]["gi"], r.json()["afwijzing"]["manager"]) == ("JBRR", "manager@JBRR")
    assert casus.gi == GI.WSS and r.json()["status"] == "afgewezen"


# --- webhooks ----------------------------------------------------------------------------------------

def webhook_of(uow, gi: GI) -> Webhook:
    hook = Webhook(id=uuid4(), gi=gi, url=f"https://{gi.value.lower()}.example/hook", secret=None,
                   aangemaakt_op=NOW)
    uow.webhooks.hooks[hook.id] = hook
    return hook


def test_another_gis_webhook_is_not_found_and_stays(api):
    client, uow = api
    hook = webhook_of(uow, GI.WSS)
    path = f"/v1/webhooks/{hook.id}"
    assert client.get(path, headers=WSS).status_code == 200
    for method, sub in (("GET", ""), ("GET", "/afleveringen"), ("DELETE", "")):
        r = client.request(method, path + sub, headers=JBRR)
        assert r.status_code == 404, (method, sub)
        assert r.json()["detail"] == f"webhook {hook.id} not found"
    assert hook.id in uow.webhooks.hooks


def test_webhook_lists_hold_only_the_tokens_gi_and_registering_for_another_gi_is_refused(api):
    client, uow = api
    wss, jbrr = webhook_of(uow, GI.WSS), webhook_of(uow, GI.JBRR)
    assert [w["id"] for w in client.get("/v1/webhooks", headers=JBRR).json()] == [str(jbrr.id)]
    assert [w["id"] for w in client.get("/v1/webhooks", headers=WSS).json()] == [str(wss.id)]
    r = client.get("/v1/webhooks", params={"gi": "WSS"}, headers=JBRR)
    assert r.status_code == 403 and names(r) == ["gi"]
    r = client.post("/v1/webhooks", json={"gi": "WSS", "url": "https://wss.example/hook"}, headers=JBRR)
    assert r.status_code == 403 and names(r) == ["gi"]
    assert len(uow.webhooks.hooks) == 2
