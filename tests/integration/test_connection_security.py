"""The connection settings against real PostgreSQL servers: each service as its own role made by
deploy/postgres/init-roles.sh (owner of its own database, no way into another's), and TLS to a
server that speaks it (this test starts one with a CA of its own): require encrypts, verify-full
checks the certificate and the host name, a client certificate authenticates."""

import os
import pwd
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from deploy.stack import ROOT, free_port
from runtime import db
from services.intake.bootstrap import SPEC as INTAKE
from tests.unit.test_connection_settings import Pki, make_pki

pytestmark = pytest.mark.integration
INIT_ROLES = ROOT / "deploy" / "postgres" / "init-roles.sh"


async def scalar(url: str, query: str):
    engine = db.create_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.scalar(sa.text(query))
    finally:
        await engine.dispose()


# --- one role per service --------------------------------------------------------------------


def run_init_roles(server_url: str, databases: str) -> None:
    url = make_url(server_url)
    # A socket directory (the embedded server) comes as ?host=...; a TCP server as host:port.
    host = url.host or url.query.get("host") or "127.0.0.1"
    port = str(url.port or url.query.get("port") or 5432)
    env = {"PATH": os.environ["PATH"], "PGHOST": host, "PGPORT": port,
           "POSTGRES_USER": url.username or "postgres", "PGPASSWORD": url.password or "",
           "JBKETEN_DATABASES": databases}
    subprocess.run(["bash", str(INIT_ROLES)], env=env, check=True, capture_output=True, timeout=60)


@pytest.fixture
def service_roles(database_server_url):
    if not shutil.which("psql"):
        pytest.skip("init-roles.sh needs psql")
    names = [f"t{uuid.uuid4().hex[:6]}_{service}" for service in ("intake", "triage")]
    yield names
    admin = make_url(database_server_url).set(database="postgres").render_as_string(hide_password=False)
    statements = [f'DROP DATABASE IF EXISTS "jbketen_{n}" WITH (FORCE)' for n in names]
    statements += [f'DROP ROLE IF EXISTS "{n}"' for n in names]
    subprocess.run(["psql", admin, "-q", *[arg for s in statements for arg in ("-c", s)]],
                   check=True, capture_output=True)


def as_role(server_url: str, role: str, database: str) -> str:
    return make_url(server_url).set(username=role, password=f"{role}-pw", database=database) \
        .render_as_string(hide_password=False)


async def test_each_service_owns_its_database_as_its_own_unprivileged_role(database_server_url,
                                                                           service_roles):
    mine, other = service_roles
    run_init_roles(database_server_url, f"{mine}:{mine}-pw {other}:{other}-pw")
    run_init_roles(database_server_url, f"{mine}:{mine}-pw")  # again: changes nothing, fails nothing
    admin = make_url(database_server_url).set(database="postgres").render_as_string(hide_password=False)
    flags = await scalar(admin, "SELECT row(rolsuper, rolcreatedb, rolcreaterole, rolreplication, "
                                f"rolbypassrls, rolcanlogin)::text FROM pg_roles WHERE rolname = '{mine}'")
    assert flags == "(f,f,f,f,f,t)"
    assert await scalar(admin, f"SELECT pg_get_userbyid(datdba) FROM pg_database "
                               f"WHERE datname = 'jbketen_{mine}'") == mine
    url = as_role(database_server_url, mine, f"jbketen_{mine}")
    await db.ensure_database(url)  # finds it: never needs the server's `postgres` database
    await db.migrate(engine := db.create_engine(url), INTAKE.migrations)
    await engine.dispose()
    assert await scalar(url, "SELECT count(*) FROM pg_tables WHERE tableowner = current_user") > 0
    with pytest.raises(DBAPIError, match="permission denied for database"):
        await scalar(as_role(database_server_url, mine, f"jbketen_{other}"), "SELECT 1")
    with pytest.raises(DBAPIError, match="permission denied to create database"):
        await db.ensure_database(as_role(database_server_url, mine, f"jbketen_{mine}_nieuw"))


# --- TLS -------------------------------------------------------------------------------------


def _server_user() -> str | None:
    """The operating-system user a test server runs as: ourselves, or `postgres` when we are root."""
    if os.geteuid() != 0:
        return pwd.getpwuid(os.geteuid()).pw_name
    try:
        return pwd.getpwnam("postgres").pw_name
    except KeyError:
        return None


def _supports_ssl(binary: Path) -> bool:
    config = binary.parent / "pg_config"
    if not config.exists():
        return True  # no pg_config to ask: let the server say so at start
    flags = subprocess.run([str(config), "--configure"], capture_output=True, text=True).stdout
    return "--with-openssl" in flags or "--with-ssl=openssl" in flags


HBA = """
hostssl all {superuser} 127.0.0.1/32 trust
hostssl all {superuser} 127.0.0.2/32 trust
hostssl jbketen_intake intake 127.0.0.1/32 cert
host    all all 0.0.0.0/0 reject
"""


@contextmanager
def tls_server(folder: Path, pki: Pki) -> Iterator[int]:
    """A PostgreSQL server on 127.0.0.1 and 127.0.0.2 that speaks TLS only (its certificate for
    `localhost`/127.0.0.1 from the test CA). `intake` may reach only its own database, and only with
    a client certificate of that CA."""
    initdb = shutil.which("initdb")
    user = _server_user()
    if not initdb or user is None or not _supports_ssl(Path(os.path.realpath(initdb))):
        pytest.skip("needs a PostgreSQL build with OpenSSL (initdb, postgres) and a user to run it as")
    data = folder / "data"
    account = pwd.getpwnam(user)
    folder.chmod(0o755)
    as_user = account.pw_uid if os.geteuid() == 0 else None
    subprocess.run(["install", "-d", "-o", user, "-m", "700", str(data)], check=True)
    subprocess.run([initdb, "-D", str(data), "-U", user, "--auth=trust"], check=True, capture_output=True,
                   user=as_user)
    for source in (pki.cert, pki.key, pki.ca):
        subprocess.run(["install", "-o", user, "-m", "600", str(source), str(data / source.name)], check=True)
    (data / "pg_hba.conf").write_text(HBA.format(superuser=user))
    port = free_port()
    server = subprocess.Popen(
        [str(Path(os.path.realpath(initdb)).parent / "postgres"), "-D", str(data), "-p", str(port),
         "-c", "listen_addresses=127.0.0.1,127.0.0.2", "-c", "unix_socket_directories=", "-c", "ssl=on",
         "-c", f"ssl_cert_file={pki.cert.name}", "-c", f"ssl_key_file={pki.key.name}",
         "-c", f"ssl_ca_file={pki.ca.name}"],
        user=as_user, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_for(port, server)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=20)


def _wait_for(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"the TLS server stopped: {server.stderr.read().decode()[-2000:]}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                time.sleep(0.2)  # accepting connections a moment after the port opens
                return
        time.sleep(0.05)
    raise TimeoutError(f"no TLS server on port {port}")


@pytest.fixture(scope="module")
def tls():
    """(port, pki, server's superuser) of a TLS-only server; under the repo, not /tmp, so the
    server's own user can read its files."""
    folder = ROOT / ".data" / "test" / f"tls-{uuid.uuid4().hex[:8]}"
    folder.mkdir(parents=True)
    pki = make_pki(folder / "pki", client="intake")
    for path in folder.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    try:
        with tls_server(folder, pki) as port:
            yield port, pki, _server_user()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


SSL_IN_USE = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"


async def test_require_encrypts_and_plain_tcp_is_refused(tls):
    port, _, superuser = tls
    url = f"postgresql://{superuser}@127.0.0.1:{port}/postgres"
    assert await scalar(f"{url}?sslmode=require", SSL_IN_USE) is True
    with pytest.raises(DBAPIError, match="no encryption"):
        await scalar(f"{url}?sslmode=disable", "SELECT 1")


async def test_verify_full_checks_the_certificate_and_the_host_name(tls, tmp_path):
    port, pki, superuser = tls
    good = f"postgresql://{superuser}@127.0.0.1:{port}/postgres?sslmode=verify-full&sslrootcert={pki.ca}"
    assert await scalar(good, SSL_IN_USE) is True
    stranger = make_pki(tmp_path / "stranger")
    with pytest.raises(Exception, match="certificate verify failed"):
        await scalar(good.replace(str(pki.ca), str(stranger.ca)), "SELECT 1")
    other_name = f"postgresql://{superuser}@127.0.0.2:{port}/postgres?sslrootcert={pki.ca}"
    with pytest.raises(Exception, match="certificate verify failed"):
        await scalar(f"{other_name}&sslmode=verify-full", "SELECT 1")  # not the certificate's name
    assert await scalar(f"{other_name}&sslmode=verify-ca", SSL_IN_USE) is True


async def test_a_client_certificate_from_the_settings_authenticates(tls, monkeypatch):
    """As a service in production: its own role, its own database made for it beforehand, TLS with
    a client certificate from DATABASE_SSL*; it starts (ensure_database, migrations) without ever
    reaching the server's `postgres` database, which this server does not let it into."""
    port, pki, superuser = tls
    admin = f"postgresql://{superuser}@127.0.0.1:{port}/postgres?sslmode=require"
    engine = db.create_engine(admin, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(sa.text("CREATE ROLE intake LOGIN"))
        await conn.execute(sa.text("CREATE DATABASE jbketen_intake OWNER intake"))
    await engine.dispose()
    for key in [k for k in os.environ if k.startswith(("DATABASE_", "INTAKE_"))]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("INTAKE_DATABASE_URL", f"postgresql://intake@127.0.0.1:{port}/jbketen_intake")
    monkeypatch.setenv("DATABASE_SSLMODE", "verify-full")
    monkeypatch.setenv("DATABASE_SSLROOTCERT", str(pki.ca))
    settings = INTAKE.settings_class.for_service("intake", 8001)
    with pytest.raises(DBAPIError, match="certificate"):  # `cert` authentication without one
        await scalar(settings.database_url, "SELECT 1")
    monkeypatch.setenv("INTAKE_DATABASE_SSLCERT", str(pki.client_cert))
    monkeypatch.setenv("INTAKE_DATABASE_SSLKEY", str(pki.client_key))
    settings = INTAKE.settings_class.for_service("intake", 8001)
    assert await scalar(settings.database_url, "SELECT current_user") == "intake"
    with pytest.raises(DBAPIError, match="rejects connection"):
        await scalar(settings.database_url.replace("/jbketen_intake", "/postgres"), "SELECT 1")
    await db.ensure_database(settings.database_url)
    await db.migrate(engine := db.create_engine(settings.database_url), INTAKE.migrations)
    await engine.dispose()
    owned = "SELECT count(*) FROM pg_tables WHERE tableowner = 'intake'"
    assert await scalar(settings.database_url, owned) > 0
