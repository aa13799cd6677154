"""Issue 9 §3 on a real caseregie (its app, migrations and PostgreSQL) and real sockets: webhook
targets inside our network are refused at registration and at every delivery (a name that now
resolves to 127.0.0.1 is never sent to), the connection goes to the checked address with the
name in Host and TLS, redirects are not followed, and the signing secret is shown once and
stored only encrypted."""
import asyncio
import dataclasses
import ssl
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
import sqlalchemy as sa
import uvicorn
from alembic import command
from alembic.config import Config
from cryptography import x509
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from contracts.vocabulary import GI
from deploy.stack import database_url_for, free_port
from runtime import db
from runtime.db import drop_databases
from runtime.service import build_app, service_bus
from services.caseregie.adapters.webhook_client import SecretBox, WebhookClient
from services.caseregie.bootstrap import DEPENDENCIES as CASEREGIE_OWN
from services.caseregie.bootstrap import SPEC as CASEREGIE
from services.caseregie.domain import webhooks as wh
from services.caseregie.domain.commands import RegisterWebhook
from services.caseregie.domain.webhooks import Aflevering
from services.caseregie.entrypoints import jobs
from services.caseregie.service_layer import webhooks
from services.caseregie.service_layer.unit_of_work import CaseregieUnitOfWork
from tests import identity
from tests.clock import PINNED_NOW, pinned, running
from tests.infra import unique_prefix, wait_until
from tests.integration.conftest import settings_for

pytestmark = pytest.mark.integration

KEY = Fernet.generate_key().decode()
PUBLIC = "93.184.215.14"  # a global address; never connected to
WSS = identity.gi("WSS")


def hosts(table: dict[str, str]):
    """A hosts-file resolver, as a rebinding DNS server would answer at that moment."""
    async def resolve(host, port):
        return [table[host]]
    return resolve


def certificate(directory: Path, name: str) -> tuple[Path, Path]:
    """A self-signed certificate for `name`: (certificate file, key file)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    start = PINNED_NOW - timedelta(days=1)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(start)
            .not_valid_after(start + timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = directory / f"{name}.pem", directory / f"{name}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


class Receiver:
    """A GI's system on 127.0.0.1 over TLS for `rebind.example`; /redirect points at /admin, which
    stands for another service's admin endpoint."""

    def __init__(self, directory: Path | None):
        self.hits: list[tuple[str, str]] = []  # (path, Host header)
        self.port = free_port()
        tls = {}
        if directory:  # else plain http
            self.cert, key = certificate(directory, "rebind.example")
            tls = {"ssl_certfile": str(self.cert), "ssl_keyfile": str(key)}

        async def record(request: Request) -> Response:
            self.hits.append((request.url.path, request.headers["host"]))
            if request.url.path == "/redirect":
                return Response(status_code=307, headers={"location": "/admin"})
            return Response(status_code=204)

        app = Starlette(routes=[Route(p, record, methods=["POST"]) for p in ("/hook", "/redirect", "/admin")])
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port,
                                                    log_level="warning", **tls))

    def client(self, resolve) -> WebhookClient:
        """caseregie's client, trusting the receiver's self-signed certificate."""
        trusted = ssl.create_default_context(cafile=str(self.cert))
        return WebhookClient(5, transport=httpx.AsyncHTTPTransport(verify=trusted), resolve=resolve)


async def serving(receiver: Receiver):
    task = asyncio.create_task(receiver.server.serve())
    await wait_until(lambda: receiver.server.started)
    yield receiver
    receiver.server.should_exit = True
    await task


@pytest.fixture(scope="module")
async def receiver(tmp_path_factory):
    async for served in serving(Receiver(tmp_path_factory.mktemp("receiver"))):
        yield served


@pytest.fixture(scope="module")
async def plain_receiver():
    async for served in serving(Receiver(None)):
        yield served


@pytest.fixture(scope="module")
async def caseregie(database_server_url, kafka_bootstrap):
    """caseregie alone on its own database: no consumer and no periodic jobs, so the test drives
    every delivery round itself. Production settings: https only, no private targets."""
    prefix = unique_prefix()
    spec = dataclasses.replace(CASEREGIE, events={}, background=[])
    settings = settings_for("caseregie", database_server_url, kafka_bootstrap, prefix, webhook_secret_key=KEY)
    app = build_app(spec, settings, clock=running())
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://caseregie") as c:
            c.runtime = app.state.runtime
            c.prefix = prefix
            yield c
    await drop_databases(database_server_url, prefix)


def uow(runtime, *, minutes: float, **settings) -> CaseregieUnitOfWork:
    """A unit of work on caseregie's database, `minutes` after the service's now (so retries are
    due, however long the suite has run), with settings."""
    later = pinned(moment=runtime.clock.now(), minutes=minutes)
    return CaseregieUnitOfWork(runtime.sessions, "caseregie", clock=later,
                               settings=runtime.settings.model_copy(update=settings))


async def deliver(runtime, client: WebhookClient, *, minutes: float, **settings) -> None:
    unit = uow(runtime, minutes=minutes, **settings)
    async with client:
        await webhooks.deliver(unit, client.post, unit.clock, unit.settings)


async def hook_with_a_delivery(caseregie, url: str) -> str:
    """A webhook registered while its name resolved to a public address, with one delivery due."""
    runtime = caseregie.runtime
    at_registration = hosts({httpx.URL(url).host: PUBLIC})
    hook = await runtime.bus.handle(RegisterWebhook(GI.WSS, url), resolve=at_registration)
    await add_delivery(runtime, hook)
    return str(hook.id)


async def add_delivery(runtime, hook) -> None:
    now = runtime.clock.now()
    async with runtime.uow() as u:
        bericht = wh.bericht(f"evt-{hook.id}", "nl.jbketen.casus.closed.v1", now, "c", {"casus_id": "c"})
        await u.webhooks.add_afleveringen([Aflevering.voor(hook, bericht, now)])
        await u.commit()


async def delivery(caseregie, hook_id: str) -> dict:
    page = (await caseregie.get(f"/v1/webhooks/{hook_id}/afleveringen", headers=WSS)).json()
    (item,) = page["items"]
    return item


@pytest.mark.parametrize("url", [
    "https://127.0.0.1/hook", "https://[::1]/hook", "https://[::ffff:127.0.0.1]/hook", "https://0.0.0.0/hook",
    "https://10.0.0.5/hook", "https://172.16.0.5/hook", "https://192.168.1.5/hook",
    "https://169.254.169.254/latest/meta-data/", "https://100.64.0.5/hook", "https://224.0.0.5/hook",
    "https://localhost/hook", "http://gi.example/hook", "https://user:pw@gi.example/hook",
])
async def test_registration_refuses_a_forbidden_target_with_a_problem_naming_url(caseregie, url):
    r = await caseregie.post("/v1/webhooks", json={"gi": "WSS", "url": url}, headers=WSS)
    assert r.status_code == 400, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert [p["name"] for p in r.json()["invalidParams"]] == ["url"]


async def test_the_secret_is_shown_once_and_stored_only_encrypted(caseregie):
    r = await caseregie.post("/v1/webhooks", json={"gi": "WSS", "url": f"https://{PUBLIC}/hook"}, headers=WSS)
    assert r.status_code == 201, r.text
    hook_id, secret = r.json()["id"], r.json()["secret"]
    assert secret.startswith("whsec_")
    for path in (f"/v1/webhooks/{hook_id}", "/v1/webhooks", f"/v1/webhooks/{hook_id}/afleveringen"):
        answer = await caseregie.get(path, headers=WSS)
        assert answer.status_code == 200 and "secret" not in answer.text and secret[6:] not in answer.text
    async with caseregie.runtime.engine.connect() as conn:
        row = (await conn.execute(sa.text("SELECT row_to_json(w)::text AS text, versleuteld_geheim "
                                          "FROM webhooks w WHERE id = :id"), {"id": hook_id})).one()
        everything = await conn.scalar(sa.text(
            "SELECT string_agg(t::text, ' ') FROM (SELECT row_to_json(o) AS t FROM outbox o) x"))
    assert secret[6:] not in row.text and secret[6:] not in (everything or "")
    assert SecretBox([KEY]).decrypt(row.versleuteld_geheim) == secret


async def test_a_name_that_now_resolves_to_loopback_is_refused_at_every_delivery(caseregie, receiver):
    runtime = caseregie.runtime
    hook_id = await hook_with_a_delivery(caseregie, f"https://rebind.example:{receiver.port}/hook")
    loopback = hosts({"rebind.example": "127.0.0.1"})  # the name's answer now: the receiver's address

    await deliver(runtime, receiver.client(loopback), minutes=10)
    await deliver(runtime, receiver.client(loopback), minutes=20)  # retried like any failure, refused again
    item = await delivery(caseregie, hook_id)
    assert (item["status"], item["pogingen"]) == (wh.NIEUWE_POGING, 2)
    assert item["laatste_fout"].startswith("refused: ") and "127.0.0.1" in item["laatste_fout"]
    assert "loopback" in item["laatste_fout"]
    assert receiver.hits == []  # never sent

    # The same delivery with the development setting reaches the receiver: the refusal above was the
    # address check, and the connection goes to the checked address with the name in Host and TLS.
    await deliver(runtime, receiver.client(loopback), minutes=30, webhook_allow_private=True)
    assert (await delivery(caseregie, hook_id))["status"] == wh.AFGELEVERD
    assert receiver.hits == [("/hook", f"rebind.example:{receiver.port}")]


async def test_a_redirect_is_not_followed(caseregie, receiver):
    receiver.hits.clear()
    hook_id = await hook_with_a_delivery(caseregie, f"https://rebind.example:{receiver.port}/redirect")
    await deliver(caseregie.runtime, receiver.client(hosts({"rebind.example": "127.0.0.1"})), minutes=10,
                  webhook_allow_private=True)
    item = await delivery(caseregie, hook_id)
    assert item["status"] == wh.NIEUWE_POGING
    assert item["laatste_fout"] == "HTTP 307: redirect to /admin not followed"
    assert receiver.hits == [("/redirect", f"rebind.example:{receiver.port}")]  # /admin never


async def test_the_certificate_is_checked_for_the_name_not_the_pinned_address(caseregie, receiver):
    receiver.hits.clear()
    hook_id = await hook_with_a_delivery(caseregie, f"https://other.example:{receiver.port}/hook")
    await deliver(caseregie.runtime, receiver.client(hosts({"other.example": "127.0.0.1"})), minutes=10,
                  webhook_allow_private=True)
    item = await delivery(caseregie, hook_id)
    assert item["status"] == wh.NIEUWE_POGING and "ConnectError" in item["laatste_fout"]
    assert "certificate" in item["laatste_fout"].lower() and receiver.hits == []


async def test_the_periodic_job_sends_to_a_local_http_receiver_only_with_the_development_settings(
        caseregie, plain_receiver):
    """What `make up` and the e2e suite rely on (CASEREGIE_WEBHOOK_ALLOW_HTTP/_PRIVATE), through
    the job the service runs, with the system's resolver and client."""
    runtime = caseregie.runtime
    dev = {"webhook_allow_http": True, "webhook_allow_private": True}
    url = f"http://127.0.0.1:{plain_receiver.port}/hook"
    unit = uow(runtime, minutes=0, **dev)
    hook = await runtime.bus.handle(RegisterWebhook(GI.WSS, url), uow=unit, settings=unit.settings)
    await add_delivery(runtime, hook)

    def service(minutes, **settings):
        """The job's view of the service: its bus, `minutes` later, with these settings."""
        def unit():
            return uow(runtime, minutes=minutes, **settings)
        return SimpleNamespace(bus=service_bus(CASEREGIE, unit, unit().settings, unit().clock,
                                               **CASEREGIE_OWN))
    await jobs.deliver_webhooks(service(10))  # production settings
    item = await delivery(caseregie, str(hook.id))
    assert item["status"] == wh.NIEUWE_POGING and "https" in item["laatste_fout"]
    await jobs.deliver_webhooks(service(20, webhook_allow_http=True))  # http, but still no loopback
    assert "loopback" in (await delivery(caseregie, str(hook.id)))["laatste_fout"]
    assert plain_receiver.hits == []
    await jobs.deliver_webhooks(service(30, **dev))
    assert (await delivery(caseregie, str(hook.id)))["status"] == wh.AFGELEVERD
    assert plain_receiver.hits == [("/hook", f"127.0.0.1:{plain_receiver.port}")]


def _upgrade(connection, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(CASEREGIE.migrations))
    config.attributes["connection"] = connection
    if revision.startswith("-"):
        command.downgrade(config, revision[1:])
    else:
        command.upgrade(config, revision)


async def test_the_migration_encrypts_existing_secrets(database_server_url, caseregie, monkeypatch):
    monkeypatch.setenv("CASEREGIE_WEBHOOK_SECRET_KEY", KEY)  # the key the service's settings name
    url = database_url_for(database_server_url, "migratie", caseregie.prefix)
    await db.ensure_database(url)
    engine = db.create_engine(url)
    secret = wh.nieuw_geheim()
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_upgrade, "0005")
            await conn.execute(sa.text(
                "INSERT INTO webhooks (id, gi, url, secret, aangemaakt_op) VALUES "
                "(gen_random_uuid(), 'WSS', 'https://gi.example/hook', :secret, :at)"),
                {"secret": secret, "at": PINNED_NOW})
            await conn.run_sync(_upgrade, "head")
            row = (await conn.execute(sa.text("SELECT row_to_json(w)::text AS text, versleuteld_geheim "
                                              "FROM webhooks w"))).one()
            assert secret[6:] not in row.text and '"secret"' not in row.text
            assert SecretBox([KEY]).decrypt(row.versleuteld_geheim) == secret
            await conn.run_sync(_upgrade, "-0005")
            assert await conn.scalar(sa.text("SELECT secret FROM webhooks")) == secret
    finally:
        await engine.dispose()
