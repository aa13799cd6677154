"""Identity: every request carries a bearer JWT checked against the issuer's keys; no token, a
bad signature, an expired token, another issuer or audience, or claims that are not ours -> 401
with WWW-Authenticate: Bearer. A role the operation's policy does not name -> 403."""

import asyncio
import http.server
import importlib
import threading
from datetime import timedelta

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from deploy.identity import ensure_dev_issuer
from runtime.http import nl_openapi
from runtime.identity import ROLES, VERIFIED_TTL_S, TokenVerifier, Unauthenticated
from runtime.service import build_app
from services.triage.bootstrap import SPEC as TRIAGE
from tests import identity
from tests.clock import pinned, running

SERVICES = ("intake", "triage", "caseregie", "capacity", "reporting")


@pytest.fixture(scope="module")
def client():
    return TestClient(build_app(TRIAGE))  # no lifespan: the checks come before any database


def test_no_token_is_401_with_www_authenticate(client):
    r = client.get("/v1/adviezen")
    assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"
    assert r.headers["WWW-Authenticate"].startswith('Bearer realm="jbketen"')
    assert 'error="invalid_request"' in r.headers["WWW-Authenticate"]
    assert client.get("/v1/adviezen", headers={"Authorization": "Basic YTpi"}).status_code == 401


def _refused(client, token: str) -> str:
    r = client.get("/v1/adviezen", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401, r.text
    assert 'error="invalid_token"' in r.headers["WWW-Authenticate"]
    return r.json()["detail"]


def test_a_token_of_another_key_is_refused(client, tmp_path):
    stranger = ensure_dev_issuer(tmp_path / "stranger")
    assert "no key" in _refused(client, stranger.mint(rol="rvdk", organisatie="RvdK", clock=running()))
    # The same kid but another key: the signature does not verify.
    forged = jwt.encode(jwt.decode(identity.token("rvdk", "RvdK"), options={"verify_signature": False}),
                        stranger.private_key_file.read_bytes(), algorithm="ES256",
                        headers={"kid": identity.ISSUER.kid})
    assert "invalid token" in _refused(client, forged)


def test_an_expired_token_is_refused_beyond_the_leeway(client):
    assert "expired" in _refused(client, identity.token("rvdk", "RvdK", geldig_s=-60))
    # Within the leeway (30 s) it still counts: clocks of issuer and service differ a little.
    ok = client.get("/v1/adviezen/not-a-uuid", headers=identity.rvdk(geldig_s=-10))
    assert ok.status_code == 400


def test_another_issuer_audience_or_algorithm_is_refused(client):
    claims = jwt.decode(identity.token("rvdk", "RvdK"), options={"verify_signature": False})
    key = identity.ISSUER.private_key_file.read_bytes()
    headers = {"kid": identity.ISSUER.kid}
    for changed in ({"iss": "elsewhere"}, {"aud": "other"}):
        assert "invalid token" in _refused(client, jwt.encode({**claims, **changed}, key, "ES256", headers))
    assert "not accepted" in _refused(client, jwt.encode(claims, "secret", "HS256", headers))
    unsigned = jwt.encode(claims, None, algorithm="none")
    assert "not accepted" in _refused(client, unsigned)
    assert "not a JWT" in _refused(client, "abc.def")


def test_claims_must_be_ours(client):
    assert "unknown role" in _refused(client, identity.token("superuser", "X"))
    assert "municipality" in _refused(client, identity.token("lokaal_team", "WT-X"))
    without_sub = jwt.decode(identity.token("rvdk", "RvdK"), options={"verify_signature": False})
    del without_sub["sub"]
    token = jwt.encode(without_sub, identity.ISSUER.private_key_file.read_bytes(), "ES256",
                       {"kid": identity.ISSUER.kid})
    assert "sub" in _refused(client, token)


def test_a_role_the_policy_does_not_name_is_403(client):
    for headers in (identity.regio(), identity.gi("WSS"), identity.lokaal_team(), identity.beheer()):
        r = client.get("/v1/adviezen", headers=headers)
        assert r.status_code == 403 and r.headers["content-type"] == "application/problem+json"


def test_health_without_a_token_says_only_the_status(client):
    r = client.get("/v1/health")
    assert set(r.json()) == {"status"}
    assert set(client.get("/v1/health", headers=identity.rvdk()).json()) == {"status"}
    detailed = client.get("/v1/health", headers=identity.beheer()).json()
    assert {"status", "database", "service"} <= set(detailed)


def test_platform_operations_need_beheer_and_refuse_unknown_fields(client):
    url = "/v1/outbox/herpublicaties"
    assert client.post(url, json={}).status_code == 401
    assert client.post(url, json={}, headers=identity.rvdk()).status_code == 403
    r = client.post(url, json={"alles": True}, headers=identity.beheer())
    assert r.status_code == 400 and r.json()["invalidParams"][0]["name"] == "alles"


@pytest.mark.parametrize("service", SERVICES)
def test_every_operation_is_in_the_policy_and_declares_its_security(service):
    spec = importlib.import_module(f"services.{service}.bootstrap").SPEC
    names = {r.name for router in spec.routers for r in router.routes if isinstance(r, APIRoute)}
    assert names == set(spec.policy), "every operation is named in the policy, and nothing else"
    assert all(roles and (roles <= set(ROLES) or roles == {"*"}) for roles in spec.policy.values())
    document = nl_openapi(build_app(spec), "1.0.0")
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    for path, ops in document["paths"].items():
        for method, op in ops.items():
            roles = spec.policy.get(op["operationId"])
            if path == "/health" or roles == {"*"}:  # public
                assert op["security"] == [{}, {"bearer": []}], f"{method} {path}"
                continue
            assert op["security"] == [{"bearer": []}], f"{method} {path}"
            assert set(op["x-rollen"]) == set(roles or {"beheer"}), f"{method} {path}"
            assert {"401", "403"} <= set(op["responses"]), f"{method} {path}"


class _Jwks(http.server.BaseHTTPRequestHandler):
    body = b""
    hits = 0

    def do_GET(self):
        type(self).hits += 1
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


def test_an_oidc_providers_jwks_url_is_used_and_cached():
    """In production the keys come from the provider's JWKS URL (RS256 here, as Keycloak signs)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True) | {"kid": "kc1", "use": "sig"}
    _Jwks.body = jwt.api_jws.json.dumps({"keys": [jwk]}).encode()
    server = http.server.HTTPServer(("127.0.0.1", 0), _Jwks)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        clock = pinned()
        verifier = TokenVerifier(issuer="https://sso.example/realms/jbketen", audience="jbketen",
                                 clock=clock, jwks_url=f"http://127.0.0.1:{server.server_port}/certs")
        now = int(clock.timestamp())
        claims = {"iss": "https://sso.example/realms/jbketen", "aud": "jbketen", "sub": "svc-wss",
                  "iat": now, "exp": now + 300, "rol": "gi", "organisatie": "WSS"}
        token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "kc1"})
        principal = asyncio.run(verifier.verify(token))
        assert (principal.sub, principal.rol, principal.gi) == ("svc-wss", "gi", "WSS")
        asyncio.run(verifier.verify(token))
        assert _Jwks.hits == 1  # cached
        clock.advance(seconds=400)  # expiry is read on the service's clock
        with pytest.raises(Unauthenticated, match="expired"):
            asyncio.run(verifier.verify(token))
    finally:
        server.shutdown()


def test_a_service_without_a_key_source_does_not_start():
    with pytest.raises(ValueError, match="AUTH_JWKS"):
        TokenVerifier(issuer="x", audience="y", clock=pinned())


def test_the_token_command_prints_one_token_and_nothing_else(tmp_path, capsys):
    from deploy import token as command

    assert command.main(["--rol", "gi", "--organisatie", "WSS", "--data", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert printed.count("\n") == 1
    issuer = ensure_dev_issuer(tmp_path / "identity")
    claims = jwt.decode(printed.strip(), options={"verify_signature": False})
    assert (claims["rol"], claims["organisatie"], claims["iss"]) == ("gi", "WSS", issuer.issuer)
    assert (issuer.folder / "signing-key.pem").stat().st_mode & 0o077 == 0
    assert timedelta(seconds=claims["exp"] - claims["iat"]) == timedelta(hours=1)
    with pytest.raises(SystemExit):
        command.main(["--rol", "lokaal_team", "--organisatie", "WT", "--data", str(tmp_path)])


def test_a_token_seen_before_is_not_verified_again_for_a_minute_but_its_expiry_still_counts(monkeypatch):
    clock = pinned()
    verifier = TokenVerifier(issuer=identity.ISSUER.issuer, audience=identity.ISSUER.audience, clock=clock,
                             jwks_file=str(identity.ISSUER.jwks_file))
    decoded = []
    decode = jwt.decode
    monkeypatch.setattr("runtime.identity.jwt.decode", lambda *a, **k: decoded.append(1) or decode(*a, **k))
    token = identity.ISSUER.mint(rol="rvdk", organisatie="RvdK", geldig_s=3600, clock=clock)
    for _ in range(3):
        assert asyncio.run(verifier.verify(token)).rol == "rvdk"
    assert len(decoded) == 1  # the signature checked once
    clock.advance(seconds=VERIFIED_TTL_S + 1)
    asyncio.run(verifier.verify(token))
    assert len(decoded) == 2  # a minute on: checked again (a withdrawn key stops counting)
    brief = identity.ISSUER.mint(rol="rvdk", organisatie="RvdK", geldig_s=5, clock=clock)
    asyncio.run(verifier.verify(brief))
    clock.advance(seconds=40)  # beyond its expiry and the leeway, while it is still kept as checked
    with pytest.raises(Unauthenticated, match="expired"):
        asyncio.run(verifier.verify(brief))
    assert len(decoded) == 3
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(Unauthenticated, match="invalid token"):
        asyncio.run(verifier.verify(forged))  # another string: verified, and refused
