"""Kafka and PostgreSQL connections take TLS and SASL (SCRAM or OAUTHBEARER) from the settings:
the aiokafka keyword arguments of producer, consumer and admin client, the client-credentials
token provider for OAUTHBEARER, and asyncpg's `ssl` connect argument. The defaults stay what
`make up` has always used: plaintext, no extra arguments at all."""

import base64
import ipaddress
import os
import ssl
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pydantic import ValidationError
from sqlalchemy import event

from runtime import db, kafka
from runtime.kafka import ClientCredentialsTokenProvider, TokenError
from runtime.settings import ServiceSettings
from tests.clock import PINNED_NOW


@dataclass(frozen=True)
class Pki:
    ca: Path
    cert: Path  # for `localhost` and 127.0.0.1, signed by the CA: a server's or a client's
    key: Path
    client_cert: Path | None = None  # for a client named `client` (its CN), signed by the CA
    client_key: Path | None = None


def _write(folder: Path, name: str, cert: x509.Certificate, key) -> tuple[Path, Path]:
    cert_file, key_file = folder / f"{name}.pem", folder / f"{name}-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_file.chmod(0o600)
    return cert_file, key_file


def make_pki(folder: Path, client: str | None = None) -> Pki:
    """A CA and the certificates it signed, as PEM files (valid around the suite's moment)."""
    folder.mkdir(parents=True, exist_ok=True)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"jbketen test CA {folder.name}")])
    start, end = PINNED_NOW - timedelta(days=1), PINNED_NOW + timedelta(days=3650)

    def signed(subject: x509.Name, key, *extensions) -> x509.Certificate:
        builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(ca_name)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(start).not_valid_after(end))
        for extension, critical in extensions:
            builder = builder.add_extension(extension, critical=critical)
        return builder.sign(ca_key, hashes.SHA256())

    ca = signed(ca_name, ca_key, (x509.BasicConstraints(ca=True, path_length=None), True))
    ca_file = folder / "ca.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    key = ec.generate_private_key(ec.SECP256R1())
    localhost = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    san = x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                       x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
    cert, key_file = _write(folder, "server", signed(localhost, key, (san, False)), key)
    client_files = (None, None)
    if client:
        client_key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, client)])
        client_files = _write(folder, f"client-{client}", signed(subject, client_key), client_key)
    return Pki(ca_file, cert, key_file, *client_files)


@pytest.fixture
def pki(tmp_path) -> Pki:
    return make_pki(tmp_path / "pki")


@pytest.fixture
def clean_env(monkeypatch):
    """No connection settings from the test process's environment."""
    for key in list(os.environ):
        if key.startswith(("KAFKA_", "DATABASE_", "INTAKE_", "AUTH_")):
            monkeypatch.delenv(key)
    return monkeypatch


def settings(**values) -> ServiceSettings:
    return ServiceSettings.for_service("intake", 8001, **values)


# --- Kafka ---------------------------------------------------------------------------------------


def test_the_default_is_plaintext_with_no_extra_arguments(clean_env):
    s = settings()
    assert s.kafka_security_protocol == "PLAINTEXT"
    assert kafka.security(s) == {}
    assert s.database_url == "postgresql://postgres@127.0.0.1:5432/jbketen_intake"
    assert db.ssl_connect_args(db.split_tls(s.database_url)[1]) == {}


def test_scram_over_tls_from_the_environment(clean_env, pki):
    clean_env.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    clean_env.setenv("KAFKA_SASL_MECHANISM", "SCRAM-SHA-256")
    clean_env.setenv("INTAKE_KAFKA_SASL_USERNAME", "intake")
    clean_env.setenv("INTAKE_KAFKA_SASL_PASSWORD", "s3cret")
    clean_env.setenv("KAFKA_SSL_CAFILE", str(pki.ca))
    s = settings()
    assert "s3cret" not in repr(s)  # a secret, never in a log line of the settings
    kwargs = kafka.security(s)
    context = kwargs.pop("ssl_context")
    assert kwargs == {"security_protocol": "SASL_SSL", "sasl_mechanism": "SCRAM-SHA-256",
                      "sasl_plain_username": "intake", "sasl_plain_password": "s3cret"}
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname is True
    assert [c["subject"] for c in context.get_ca_certs()] == [((("commonName", "jbketen test CA pki"),),)]


def test_tls_with_a_client_certificate_and_no_sasl(clean_env, pki):
    s = settings(kafka_security_protocol="SSL", kafka_ssl_certfile=str(pki.cert),
                 kafka_ssl_keyfile=str(pki.key))
    kwargs = kafka.security(s)
    assert set(kwargs) == {"security_protocol", "ssl_context"} and kwargs["security_protocol"] == "SSL"
    with pytest.raises(ssl.SSLError):  # the key must belong to the certificate: it was loaded
        kafka.security(settings(kafka_security_protocol="SSL", kafka_ssl_certfile=str(pki.ca),
                                kafka_ssl_keyfile=str(pki.key)))


def test_oauthbearer_gets_a_client_credentials_token_provider(clean_env):
    s = settings(kafka_security_protocol="SASL_SSL", kafka_sasl_mechanism="OAUTHBEARER",
                 kafka_sasl_oauth_client_id="kafka-intake", kafka_sasl_oauth_client_secret="x",
                 auth_issuer="https://id.example/realms/jbketen")
    kwargs = kafka.security(s)
    assert kwargs["sasl_mechanism"] == "OAUTHBEARER"
    assert isinstance(kwargs["sasl_oauth_token_provider"], ClientCredentialsTokenProvider)


@pytest.mark.parametrize(("values", "message"), [
    ({"kafka_security_protocol": "SASL_PLAINTEXT"}, "needs KAFKA_SASL_USERNAME"),
    ({"kafka_security_protocol": "SASL_SSL", "kafka_sasl_username": "intake"}, "needs KAFKA_SASL_USERNAME"),
    ({"kafka_sasl_username": "intake", "kafka_sasl_password": "pw"}, "KAFKA_SECURITY_PROTOCOL is PLAINTEXT"),
    ({"kafka_ssl_cafile": "/ca.pem"}, "KAFKA_SECURITY_PROTOCOL is PLAINTEXT"),
    ({"kafka_security_protocol": "SASL_PLAINTEXT", "kafka_sasl_username": "i", "kafka_sasl_password": "p",
      "kafka_ssl_cafile": "/ca.pem"}, "KAFKA_SSL_"),
    ({"kafka_security_protocol": "SSL", "kafka_ssl_keyfile": "/key.pem"}, "needs KAFKA_SSL_CERTFILE"),
    ({"kafka_security_protocol": "SASL_SSL", "kafka_sasl_mechanism": "OAUTHBEARER"}, "CLIENT_ID"),
    ({"kafka_security_protocol": "SASL_SSL", "kafka_sasl_mechanism": "OAUTHBEARER",
      "kafka_sasl_oauth_client_id": "c", "kafka_sasl_oauth_client_secret": "s"}, "TOKEN_URL or an OIDC"),
])
def test_settings_that_would_connect_with_less_security_than_named_are_refused(clean_env, values, message):
    with pytest.raises(ValueError, match=message):
        kafka.security(settings(**values))


@pytest.mark.parametrize("values", [{"kafka_security_protocol": "SASL_SCRAM"},
                                    {"kafka_sasl_mechanism": "PLAIN"}, {"database_sslmode": "on"}])
def test_unknown_protocols_mechanisms_and_modes_are_refused_at_start(clean_env, values):
    with pytest.raises(ValidationError):
        settings(**values)


async def test_producer_consumer_and_admin_client_take_the_same_security(clean_env, pki):
    s = settings(kafka_security_protocol="SASL_SSL", kafka_sasl_mechanism="SCRAM-SHA-512",
                 kafka_sasl_username="intake", kafka_sasl_password="pw", kafka_ssl_cafile=str(pki.ca))
    clients = [kafka.producer(s), kafka.consumer(s), kafka.admin_client(s)]
    assert [type(c) for c in clients] == [AIOKafkaProducer, AIOKafkaConsumer, AIOKafkaAdminClient]
    for client in clients:
        inner = client.client if isinstance(client, AIOKafkaProducer) else client._client
        assert (inner._security_protocol, inner._sasl_mechanism) == ("SASL_SSL", "SCRAM-SHA-512")
        assert (inner._sasl_plain_username, inner._sasl_plain_password) == ("intake", "pw")
        assert isinstance(inner._ssl_context, ssl.SSLContext)
    plain = kafka.producer(settings())
    assert (plain.client._security_protocol, plain.client._ssl_context) == ("PLAINTEXT", None)
    for client in [*clients[:2], plain]:
        await client.stop()
    await clients[2].close()


# --- the OAUTHBEARER token provider --------------------------------------------------------------


class FakeProvider:
    """An OIDC provider's discovery document and token endpoint (RFC 6749 §4.4)."""

    def __init__(self, expires_in: int = 300, status: int = 200):
        self.requests: list[httpx.Request] = []
        self.expires_in, self.status = expires_in, status

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path.endswith("/.well-known/openid-configuration"):
            return httpx.Response(200, json={"token_endpoint": "https://id.example/token"})
        if self.status != 200:
            return httpx.Response(self.status, json={"error": "invalid_client"})
        return httpx.Response(200, json={"access_token": f"token-{len(self.requests)}",
                                         "token_type": "Bearer", "expires_in": self.expires_in})


class Ticks:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def provider(fake: FakeProvider, ticks: Ticks | None = None, **kwargs) -> ClientCredentialsTokenProvider:
    kwargs = {"token_url": "https://id.example/token", **kwargs}
    return ClientCredentialsTokenProvider(client_id="kafka-intake", client_secret="s3cr3t/=", scope="kafka",
                                          transport=httpx.MockTransport(fake), monotonic=ticks or Ticks(),
                                          **kwargs)


async def test_the_token_comes_from_the_client_credentials_grant():
    fake = FakeProvider()
    assert await provider(fake).token() == "token-1"
    [request] = fake.requests
    assert (request.method, str(request.url)) == ("POST", "https://id.example/token")
    assert parse_qs(request.content.decode()) == {"grant_type": ["client_credentials"], "scope": ["kafka"]}
    user, _, password = base64.b64decode(request.headers["authorization"].split()[1]).decode().partition(":")
    assert (user, password) == ("kafka-intake", "s3cr3t%2F%3D")  # form-encoded first (RFC 6749 §2.3.1)
    assert "s3cr3t" not in request.content.decode()


async def test_the_token_is_reused_until_most_of_its_lifetime_has_passed():
    fake, ticks = FakeProvider(expires_in=300), Ticks()
    tokens = provider(fake, ticks)
    assert [await tokens.token(), await tokens.token()] == ["token-1", "token-1"]
    ticks.now += 300 * kafka.TOKEN_REFRESH_AT - 1
    assert await tokens.token() == "token-1"
    ticks.now += 1
    assert await tokens.token() == "token-2" and len(fake.requests) == 2


async def test_the_token_endpoint_is_found_from_the_issuer():
    fake = FakeProvider()
    tokens = provider(fake, token_url="", issuer="https://id.example/realms/jbketen/")
    assert await tokens.token() == "token-2"
    assert [str(r.url) for r in fake.requests] == [
        "https://id.example/realms/jbketen/.well-known/openid-configuration", "https://id.example/token"]


async def test_a_refused_client_is_a_token_error_that_names_the_reason():
    with pytest.raises(TokenError, match="HTTP 401 invalid_client"):
        await provider(FakeProvider(status=401)).token()


# --- PostgreSQL ----------------------------------------------------------------------------------


def test_database_tls_settings_travel_in_the_url_under_libpq_names(clean_env, pki):
    clean_env.setenv("DATABASE_SSLMODE", "verify-full")
    clean_env.setenv("INTAKE_DATABASE_SSLROOTCERT", str(pki.ca))
    clean_env.setenv("INTAKE_DATABASE_URL", "postgresql://intake:p%40ss@db.example:5432/jbketen_intake")
    s = settings()
    url, tls = db.split_tls(s.database_url)
    assert tls == db.DatabaseTls(sslmode="verify-full", sslrootcert=str(pki.ca))
    assert (url.drivername, url.username, url.password, url.host, dict(url.query)) == (
        "postgresql+asyncpg", "intake", "p@ss", "db.example", {})


def test_libpq_parameters_in_the_url_work_and_the_settings_win(clean_env):
    s = settings(database_url="postgresql://u@h/d?sslmode=require&application_name=x",
                 database_sslmode="verify-ca")
    url, tls = db.split_tls(s.database_url)
    assert tls.sslmode == "verify-ca" and dict(url.query) == {"application_name": "x"}
    assert db.split_tls("postgresql://u@h/d?sslmode=require")[1].sslmode == "require"


@pytest.mark.parametrize(("mode", "verify", "hostname"), [
    ("require", ssl.CERT_NONE, False), ("verify-ca", ssl.CERT_REQUIRED, False),
    ("verify-full", ssl.CERT_REQUIRED, True)])
def test_asyncpg_gets_an_ssl_context_for_each_mode(mode, verify, hostname, pki):
    context = db.ssl_connect_args(db.DatabaseTls(sslmode=mode))["ssl"]
    assert isinstance(context, ssl.SSLContext)
    assert (context.verify_mode, context.check_hostname) == (verify, hostname)
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2
    pinned = db.ssl_connect_args(db.DatabaseTls(sslmode=mode, sslrootcert=str(pki.ca)))["ssl"]
    assert pinned.verify_mode == ssl.CERT_REQUIRED  # as libpq: a root certificate is checked
    assert [c["subject"] for c in pinned.get_ca_certs()] == [((("commonName", "jbketen test CA pki"),),)]


def test_plain_modes_and_client_certificates(pki):
    assert db.ssl_connect_args(db.DatabaseTls(sslmode="disable")) == {"ssl": False}
    assert db.ssl_connect_args(db.DatabaseTls(sslmode="prefer")) == {"ssl": "prefer"}
    with_cert = db.DatabaseTls(sslmode="verify-full", sslrootcert=str(pki.ca), sslcert=str(pki.cert),
                               sslkey=str(pki.key))
    assert isinstance(db.ssl_connect_args(with_cert)["ssl"], ssl.SSLContext)
    with pytest.raises(ssl.SSLError):  # a key that is not the certificate's: the chain was loaded
        db.ssl_connect_args(db.DatabaseTls(sslmode="require", sslcert=str(pki.ca), sslkey=str(pki.key)))
    with pytest.raises(ValueError, match="no sslmode"):
        db.ssl_connect_args(db.DatabaseTls(sslrootcert=str(pki.ca)))
    with pytest.raises(ValueError, match="does not send a client certificate"):
        db.ssl_connect_args(db.DatabaseTls(sslmode="prefer", sslcert=str(pki.cert)))
    with pytest.raises(ValueError, match="not one of"):
        db.ssl_connect_args(db.DatabaseTls(sslmode="on"))


async def test_the_engine_hands_the_ssl_argument_to_asyncpg():
    engine = db.create_engine("postgresql://u@127.0.0.1:1/d?sslmode=verify-full")
    seen = {}

    @event.listens_for(engine.sync_engine, "do_connect")
    def capture(dialect, record, cargs, cparams):
        seen.update(cparams)
        raise RuntimeError("captured")

    with pytest.raises(RuntimeError, match="captured"):
        async with engine.connect():
            pass
    await engine.dispose()
    assert "sslmode" not in seen and isinstance(seen["ssl"], ssl.SSLContext)
    assert seen["ssl"].check_hostname is True
