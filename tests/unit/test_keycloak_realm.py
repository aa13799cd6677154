"""deploy/keycloak/jbketen-realm.json: a Keycloak realm whose access tokens carry exactly the
claims the services read (runtime/identity.py) as top-level claims, for every example user and
every machine caller. Without a Keycloak here, the realm's protocol mappers are evaluated the way
Keycloak evaluates them (the default client scopes of the client, then the client's own mappers;
a single-valued claim of a multi-valued source takes the first value), and the resulting claims
go through the services' own token check."""

import asyncio
import json
from datetime import timedelta

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from deploy.stack import ROOT
from runtime.identity import (
    GI_ROL,
    LOKAAL_TEAM,
    ROLES,
    RVDK,
    TokenVerifier,
    Unauthenticated,
    principal_from,
)
from tests.clock import pinned

REALM = json.loads((ROOT / "deploy" / "keycloak" / "jbketen-realm.json").read_text())
API = "jbketen"
ISSUER = "http://keycloak:8080/realms/jbketen"  # what docker-compose.yml's services trust
OUR_CLAIMS = {"sub", "rol", "organisatie", "gemeente", "naam", "aud"}
CLIENTS = {c["clientId"]: c for c in REALM["clients"]}
SCOPES = {s["name"]: s for s in REALM["clientScopes"]}
PEOPLE = [u for u in REALM["users"] if "serviceAccountClientId" not in u]
SERVICE_ACCOUNTS = {u["serviceAccountClientId"]: u for u in REALM["users"] if "serviceAccountClientId" in u}
MACHINES = {c: client for c, client in CLIENTS.items() if client.get("serviceAccountsEnabled")}
PORTAL = CLIENTS["jbketen-portaal"]


def mappers(client: dict) -> list[dict]:
    return [m for name in client["defaultClientScopes"] for m in SCOPES[name]["protocolMappers"]] + \
        client.get("protocolMappers", [])


def _first(values, multivalued: bool):
    values = list(values)
    return None if not values else values if multivalued else values[0]


def mapped_claim(mapper: dict, user: dict):
    """(claim name, value) that one mapper puts in the access token, or None."""
    kind, cfg = mapper["protocolMapper"], mapper["config"]
    if cfg.get("access.token.claim") != "true":
        return None
    multivalued = cfg.get("multivalued") == "true"
    if kind == "oidc-sub-mapper":
        return "sub", user["username"]  # the user's id; the username stands in for it here
    if kind == "oidc-audience-mapper":
        return "aud", cfg.get("included.client.audience") or cfg["included.custom.audience"]
    if kind == "oidc-usermodel-client-role-mapper":
        roles = user.get("clientRoles", {}).get(cfg["usermodel.clientRoleMapping.clientId"], [])
        return cfg["claim.name"], _first(roles, multivalued)
    if kind == "oidc-usermodel-attribute-mapper":
        values = user.get("attributes", {}).get(cfg["user.attribute"], [])
        return cfg["claim.name"], _first(values, multivalued)
    if kind == "oidc-hardcoded-claim-mapper":
        return cfg["claim.name"], cfg["claim.value"]
    raise AssertionError(f"mapper {mapper['name']}: type {kind} is not evaluated by this test")


def access_token_claims(client: dict, user: dict) -> dict:
    claims = {}
    for mapper in mappers(client):
        mapped = mapped_claim(mapper, user)
        if mapped and mapped[1] is not None:
            claims[mapped[0]] = mapped[1]
    return claims


def callers():
    """(client, user) of every example person (through the portal) and machine (its own client)."""
    yield from ((PORTAL, person) for person in PEOPLE)
    yield from ((client, SERVICE_ACCOUNTS[client_id]) for client_id, client in MACHINES.items())


def caller_id(caller) -> str:
    return f"{caller[0]['clientId']}/{caller[1]['username']}"


def test_the_realm_is_jbketen_and_enabled():
    assert REALM["realm"] == "jbketen" and REALM["enabled"] is True
    assert REALM["registrationAllowed"] is False  # nobody signs themselves up for a child's file
    assert REALM["defaultSignatureAlgorithm"] in ("RS256", "ES256")  # what TokenVerifier accepts


def test_every_role_of_the_services_exists_and_no_other():
    defined = {r["name"] for r in REALM["roles"]["client"][API]}
    assert defined == set(ROLES)


def test_every_example_user_and_system_holds_exactly_one_known_role():
    defined = {r["name"] for r in REALM["roles"]["client"][API]} & set(ROLES)
    for user in REALM["users"]:
        assert len(user["clientRoles"][API]) == 1 and user["clientRoles"][API][0] in defined, user["username"]
        assert not user.get("realmRoles"), user["username"]


def test_the_claims_are_exactly_ours_and_top_level():
    produced = {m["config"]["claim.name"] for m in mappers(PORTAL) if "claim.name" in m["config"]}
    kinds = {m["protocolMapper"] for m in mappers(PORTAL)}
    assert produced | {"sub", "aud"} == OUR_CLAIMS and {"oidc-sub-mapper", "oidc-audience-mapper"} <= kinds
    assert all("." not in name for name in produced), "a dotted claim name nests the claim in an object"
    for mapper in mappers(PORTAL):
        if "claim.name" in mapper["config"]:  # one string each, never a list
            assert mapper["config"]["jsonType.label"] == "String", mapper["name"]
            assert mapper["config"]["multivalued"] == "false", mapper["name"]


def test_every_client_gets_the_claims_and_the_audience():
    for client in CLIENTS.values():
        audiences = [m for m in mappers(client) if m["protocolMapper"] == "oidc-audience-mapper"]
        assert [m["config"]["included.client.audience"] for m in audiences] == [API], client["clientId"]
        assert audiences[0]["config"]["access.token.claim"] == "true"
    assert API in CLIENTS  # the audience names a client that exists (Keycloak checks it)
    assert REALM["defaultDefaultClientScopes"] == [API]  # a client added later gets the claims too


@pytest.mark.parametrize("caller", list(callers()), ids=caller_id)
def test_each_caller_yields_a_principal_the_services_accept(caller):
    client, user = caller
    claims = access_token_claims(client, user)
    assert set(claims) <= OUR_CLAIMS and claims["aud"] == API
    principal = principal_from(claims)
    assert principal.rol == user["clientRoles"][API][0]
    assert principal.organisatie == user["attributes"]["organisatie"][0]
    assert principal.naam == user["attributes"]["naam"][0]


@pytest.mark.parametrize("caller", list(callers()), ids=caller_id)
def test_a_signed_token_with_those_claims_passes_the_token_check(caller, tmp_path):
    """iss, aud, exp and iat as Keycloak sets them, RS256 as the realm signs: the services'
    TokenVerifier (as configured in docker-compose.yml) accepts the token."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key())) | {"kid": "k1", "alg": "RS256"}
    (tmp_path / "jwks.json").write_text(json.dumps({"keys": [jwk]}))
    clock = pinned()
    now = int(clock.timestamp())
    claims = access_token_claims(*caller) | {"iss": ISSUER, "iat": now, "exp": now + 300, "typ": "Bearer",
                                              "azp": caller[0]["clientId"]}
    token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})
    verifier = TokenVerifier(issuer=ISSUER, audience=API, clock=clock, jwks_file=str(tmp_path / "jwks.json"))
    principal = asyncio.run(verifier.verify(token))
    assert principal.sub == caller[1]["username"]
    late = TokenVerifier(issuer=ISSUER, audience=API, clock=pinned(clock.now() + timedelta(minutes=10)),
                         jwks_file=str(tmp_path / "jwks.json"))
    with pytest.raises(Unauthenticated, match="expired"):
        asyncio.run(late.verify(token))


def test_the_example_people_cover_the_roles_asked_for():
    principals = {u["username"]: principal_from(access_token_claims(PORTAL, u)) for u in PEOPLE}
    assert any(p.rol == LOKAAL_TEAM and p.gemeente == "GM0599" for p in principals.values())
    assert any(p.rol == "gi_manager" and p.organisatie == "WSS" for p in principals.values())
    assert {"regio", "privacy", "beheer"} <= {p.rol for p in principals.values()}


def test_gi_and_rvdk_systems_use_the_client_credentials_grant_only():
    assert {"gi-jbrr", "gi-wss", "gi-ljr", "rvdk-systeem"} <= set(MACHINES)
    for client_id, client in MACHINES.items():
        assert client["serviceAccountsEnabled"] is True, client_id
        assert client["standardFlowEnabled"] is False and client["implicitFlowEnabled"] is False, client_id
        assert client["directAccessGrantsEnabled"] is False, client_id
        assert client["publicClient"] is False and client["clientAuthenticatorType"] == "client-secret"
        assert client_id in SERVICE_ACCOUNTS, f"{client_id} has no service account user"
    gis = {c: principal_from(access_token_claims(MACHINES[c], SERVICE_ACCOUNTS[c])) for c in MACHINES}
    assert {c: (p.rol, p.gi) for c, p in gis.items() if p.rol == GI_ROL} == {
        "gi-jbrr": (GI_ROL, "JBRR"), "gi-wss": (GI_ROL, "WSS"), "gi-ljr": (GI_ROL, "LJR")}
    assert (gis["rvdk-systeem"].rol, gis["rvdk-systeem"].organisatie) == (RVDK, "RvdK")


def test_the_portal_is_a_browser_login_with_pkce():
    assert PORTAL["publicClient"] is True and PORTAL["standardFlowEnabled"] is True
    assert PORTAL["implicitFlowEnabled"] is False and PORTAL["directAccessGrantsEnabled"] is False
    assert PORTAL["serviceAccountsEnabled"] is False
    assert PORTAL["attributes"]["pkce.code.challenge.method"] == "S256"
    assert all(uri.startswith("http://localhost:") and uri != "*" for uri in PORTAL["redirectUris"])
    api = CLIENTS[API]  # the audience client: nobody logs in with it
    assert not any(api[flow] for flow in ("standardFlowEnabled", "implicitFlowEnabled",
                                          "directAccessGrantsEnabled", "serviceAccountsEnabled"))


def test_nobody_edits_their_own_organisation_and_every_attribute_is_declared():
    """Keycloak's user profile: an attribute it does not declare is dropped (unmanaged attributes
    are off), and one a user may edit in the account console would let them pick another
    organisation or municipality."""
    [component] = REALM["components"]["org.keycloak.userprofile.UserProfileProvider"]
    profile = json.loads(component["config"]["kc.user.profile.config"][0])
    declared = {a["name"]: a for a in profile["attributes"]}
    for name in ("organisatie", "gemeente", "naam"):
        assert declared[name]["permissions"]["edit"] == ["admin"], name
        assert declared[name]["multivalued"] is False, name
    assert profile.get("unmanagedAttributePolicy") in (None, "ADMIN_VIEW", "ADMIN_EDIT")
    for user in REALM["users"]:
        assert set(user.get("attributes", {})) <= set(declared), user["username"]


def test_the_claim_evaluation_follows_keycloak():
    """The evaluator above, on a user with two roles and no attributes: the first role (as
    Keycloak's single-valued claims), no claim for a missing attribute, unknown mapper types fail."""
    user = {"username": "u", "clientRoles": {API: ["gi", "regio"]}, "attributes": {}}
    claims = access_token_claims(PORTAL, user)
    assert claims["rol"] == "gi" and "organisatie" not in claims and claims["sub"] == "u"
    with pytest.raises(AssertionError, match="not evaluated"):
        mapped_claim({"name": "x", "protocolMapper": "oidc-script-mapper",
                      "config": {"access.token.claim": "true"}}, user)
