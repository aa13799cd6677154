"""The declared policy, walked on the running chain: every operation of every OpenAPI document ×
every role × own and other organisation, each answer compared with what the policy says.

- a role the operation's policy does not name gets 403; one it names never gets 401 or 403 for
  its own organisation's resources (it may get 400, 404 or 409 from the operation itself);
- a resource of another organisation is 404 for an organisation-bound caller (a local team,
  Veilig Thuis, a GI) — it does not exist for them;
- an operation the policy does not name fails the walk (and tests/unit/test_identity.py).
"""
import importlib
import re
import uuid

import httpx
import pytest

from deploy.stack import SERVICES
from runtime.identity import ROLES
from tests import identity
from tests.e2e.helpers import melding as read_melding
from tests.e2e.helpers import post_melding, until_status
from tests.fixtures import melding

pytestmark = pytest.mark.e2e

# The same role in another organisation: another municipality's team, another Veilig Thuis
# office, another GI.
OTHER = {
    "lokaal_team": lambda: identity.lokaal_team("GM0606"),
    "veilig_thuis": lambda: identity.auth("veilig_thuis", "VT-ELDERS"),
    "gi": lambda: identity.gi("JBRR"),
    "gi_manager": lambda: identity.gi_manager("JBRR"),
}
# Operations on one organisation's resource, by the id in their path.
BOUND = {
    ("intake", "get_melding"): ("lokaal_team", "veilig_thuis"),
    ("caseregie", "get_casus"): ("gi", "gi_manager"),
    ("caseregie", "get_overdracht"): ("gi", "gi_manager"),
    ("caseregie", "get_webhook"): ("gi", "gi_manager"),
    ("caseregie", "get_afleveringen"): ("gi", "gi_manager"),
    ("triage", "get_consultatie"): ("lokaal_team", "gi", "gi_manager"),  # the team's, at WSS
}
STREAMS = {"stream_capaciteit"}  # endless; its access is checked with a first byte elsewhere


@pytest.fixture(scope="module")
async def resources(http):
    """One resource of each kind, owned by the GM0599 team, the RvdK and WSS (a C&A question of
    the team, routed to WSS)."""
    report = melding(gemeente="GM0599")  # LVB of a parent: a case at WSS
    melding_id = await post_melding(http, report)
    body = await until_status(http, melding_id, "assigned")
    vt_id = await post_melding(http, melding(gemeente="GM0599"), identity.veilig_thuis())
    await until_status(http, vt_id, "assigned")
    transfer = {"naar_gi": "LJR", "reden": "Capaciteit", "categorie": "capaciteit"}
    r = await http["caseregie"].post(f"/v1/casussen/{body['casus_id']}/overdrachten", json=transfer,
                                     headers=identity.gi("WSS"))
    assert r.status_code == 201, r.text
    hook = await http["caseregie"].post("/v1/webhooks", json={"url": "https://93.184.215.14/hook"},
                                        headers=identity.gi("WSS"))
    assert hook.status_code == 201, hook.text
    vraag = await http["triage"].post("/v1/consultaties", json={"gemeente": "GM0599", "categorie": "lvb"},
                                      headers=identity.lokaal_team("GM0599"))
    assert vraag.status_code == 201 and vraag.json()["gi"] == "WSS", vraag.text
    return {"melding": melding_id, "melding_vt": vt_id, "casus": body["casus_id"],
            "advies": (await read_melding(http, melding_id))["advies_id"], "overdracht": r.json()["id"],
            "webhook": hook.json()["id"], "consultatie": vraag.json()["id"]}


def _path(service: str, template: str, res: dict, role: str) -> str:
    ids = {"meldingen": res["melding_vt"] if role == "veilig_thuis" else res["melding"],
           "casussen": res["casus"], "adviezen": res["advies"], "webhooks": res["webhook"],
           "consultaties": res["consultatie"],
           "herberekeningen": str(uuid.uuid4())}
    values = {"overdrachtId": res["overdracht"], "gi": "WSS", "kwartaal": "2026-Q4", "versie": "2026.1"}

    def fill(match: re.Match) -> str:
        name = match.group(1)
        if name in values:
            return str(values[name])
        collection = template[: match.start()].strip("/").split("/")[-1]
        return str(ids.get(collection, uuid.uuid4()))

    return "/v1" + re.sub(r"\{([^}]+)\}", fill, template)


async def _call(client: httpx.AsyncClient, method: str, path: str, headers: dict) -> int:
    """An empty body for writes: an allowed caller then gets 400, a refused one 403 (access is
    decided before the body is read). A delete goes to an unknown id, so nothing is removed."""
    if method == "delete":
        path = path.rsplit("/", 1)[0] + f"/{uuid.uuid4()}"
    body = {} if method in ("post", "put") else None
    return (await client.request(method.upper(), path, json=body, headers=headers)).status_code


def _operations(document: dict):
    for template, ops in document["paths"].items():
        for method, op in ops.items():
            if op["operationId"] not in STREAMS and template != "/health":
                yield template, method, op


@pytest.mark.parametrize("service", list(SERVICES))
async def test_every_operation_answers_every_role_as_the_policy_says(http, resources, service):
    client = http[service]
    document = (await client.get("/v1/openapi.json")).json()
    policy = importlib.import_module(f"services.{service}.bootstrap").SPEC.policy
    wrong = []
    for template, method, op in _operations(document):
        name, allowed = op["operationId"], set(op.get("x-rollen") or [])
        if name not in policy and allowed != {"beheer"}:
            wrong.append(f"{name}: not in the policy")
        if op["security"] == [{}, {"bearer": []}]:
            continue  # public (the dashboard's page)
        for role in ROLES:
            path = _path(service, template, resources, role)
            status = await _call(client, method, path, identity.caller(role))
            expected_refusal = role not in allowed
            if (expected_refusal and status != 403) or (not expected_refusal and status in (401, 403)):
                wrong.append(f"{method.upper()} {template} as {role}: {status}")
    assert wrong == []


@pytest.mark.parametrize(("service", "name"), list(BOUND))
async def test_another_organisations_resource_does_not_exist(http, resources, service, name):
    client = http[service]
    document = (await client.get("/v1/openapi.json")).json()
    [(template, method)] = [(t, m) for t, m, op in _operations(document) if op["operationId"] == name]
    for role in BOUND[(service, name)]:
        path = _path(service, template, resources, role)
        assert await _call(client, method, path, identity.caller(role)) == 200, f"{name} as own {role}"
        assert await _call(client, method, path, OTHER[role]()) == 404, f"{name} as another {role}"
