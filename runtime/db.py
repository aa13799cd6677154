"""Database engine, per-service database creation and Alembic migrations on start."""
import asyncio
import ssl
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import asyncpg
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from runtime.settings import to_async_url

# libpq's TLS parameters; asyncpg takes none of them as a keyword, so they never reach it as such.
TLS_PARAMETERS = ("sslmode", "sslrootcert", "sslcert", "sslkey")
SSLMODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
INVALID_CATALOG_NAME = "3D000"  # SQLSTATE: the database does not exist


@dataclass(frozen=True)
class DatabaseTls:
    """TLS to PostgreSQL as libpq names it (DATABASE_SSLMODE etc., or the URL's query)."""

    sslmode: str = ""
    sslrootcert: str = ""
    sslcert: str = ""
    sslkey: str = ""


def split_tls(database_url: str) -> tuple[URL, DatabaseTls]:
    """The asyncpg URL without libpq's TLS parameters, and those parameters."""
    url = make_url(to_async_url(database_url))
    query = dict(url.query)
    tls = DatabaseTls(**{name: str(query.pop(name)) for name in TLS_PARAMETERS if name in query})
    return url.set(query=query), tls


def ssl_connect_args(tls: DatabaseTls) -> dict:
    """asyncpg's `ssl` connect argument for these settings. No sslmode: {} (asyncpg's default,
    as libpq's `prefer`). `require` encrypts without checking the server (with a root certificate it
    checks the chain, as libpq does); `verify-ca` checks the chain, `verify-full` the host name too,
    against `sslrootcert` or else the system's CAs. `sslcert`/`sslkey`: a client certificate."""
    mode = tls.sslmode
    if mode and mode not in SSLMODES:
        raise ValueError(f"sslmode {mode!r} is not one of {', '.join(SSLMODES)}")
    if not mode:
        if tls.sslrootcert or tls.sslcert or tls.sslkey:
            raise ValueError("a certificate is set for the database but no sslmode (DATABASE_SSLMODE)")
        return {}
    if mode == "disable":
        return {"ssl": False}
    if mode in ("allow", "prefer"):
        if tls.sslcert:
            raise ValueError(f"sslmode {mode} does not send a client certificate: use require or verify-*")
        return {"ssl": mode}
    return {"ssl": _ssl_context(tls)}


def _ssl_context(tls: DatabaseTls) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    verify = tls.sslmode in ("verify-ca", "verify-full") or bool(tls.sslrootcert)
    context.check_hostname = tls.sslmode == "verify-full"
    context.verify_mode = ssl.CERT_REQUIRED if verify else ssl.CERT_NONE
    if verify:
        if tls.sslrootcert:
            context.load_verify_locations(cafile=tls.sslrootcert)
        else:
            context.load_default_certs(ssl.Purpose.SERVER_AUTH)
    if tls.sslcert:
        context.load_cert_chain(tls.sslcert, tls.sslkey or None)
    return context


def _engine(database_url: str, **kwargs) -> AsyncEngine:
    """Every engine of the process. Its errors never show the SQL parameters (the personal data
    being written or searched for): `hide_parameters`."""
    url, tls = split_tls(database_url)
    connect_args = {**ssl_connect_args(tls), **kwargs.pop("connect_args", {})}
    return create_async_engine(url, connect_args=connect_args, hide_parameters=True, **kwargs)


def create_engine(database_url: str, **kwargs) -> AsyncEngine:
    """No ping before each checkout (a round trip per transaction): a connection the server
    dropped fails its statement as a disconnect, and SQLAlchemy then discards the whole pool, so
    the next transaction connects afresh."""
    return _engine(database_url, **kwargs)


# SQLSTATE classes of a server going away or not there yet: 57 (operator intervention: shutting
# down, starting up), 08 (connection exception), 53 (insufficient resources: too many connections).
_UNAVAILABLE_CLASSES = ("57", "08", "53")


def unavailable(exc: BaseException) -> bool:
    """True when `exc` (or what caused it) says the database cannot be reached right now, as opposed
    to a statement that failed: worth a 503 with Retry-After, and a retry later."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, DBAPIError) and exc.connection_invalidated:
            return True
        if isinstance(exc, OSError | TimeoutError | asyncpg.exceptions.ConnectionDoesNotExistError):
            return True
        sqlstate = getattr(exc, "sqlstate", None)
        if isinstance(sqlstate, str) and sqlstate[:2] in _UNAVAILABLE_CLASSES:
            return True
        exc = getattr(exc, "orig", None) or exc.__cause__ or exc.__context__
    return False


def session_factory(engine: AsyncEngine) -> async_sessionmaker:
    return async_sessionmaker(engine, expire_on_commit=False)


async def database_exists(database_url: str) -> bool:
    """Whether the URL's database answers; False only when the server says it does not exist."""
    engine = _engine(database_url, poolclass=NullPool)
    try:
        async with engine.connect():
            return True
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) == INVALID_CATALOG_NAME:
            return False
        raise
    finally:
        await engine.dispose()


async def ensure_database(database_url: str) -> None:
    """Create the URL's database on its server if it does not exist yet. A service that runs as a
    role of its own (no CREATEDB, no access to the server's other databases) finds its database
    made for it (deploy/postgres): then this only connects to it, never to `postgres`."""
    if await database_exists(database_url):
        return
    url = make_url(to_async_url(database_url))
    admin = _engine(url.set(database="postgres").render_as_string(hide_password=False),
                    isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            exists = await conn.scalar(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database}
            )
            if not exists:
                await _create_database(conn, url.database)
    finally:
        await admin.dispose()


async def _create_database(conn, name: str) -> None:
    """CREATE DATABASE, where another replica starting at the same moment may have just made it
    (duplicate datname, or 42P04): then it is there, as wanted."""
    try:
        await conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.DBAPIError:
        if not await conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}):
            raise


async def drop_databases(server_url: str, prefix: str) -> None:
    """Drop every `<prefix>_*` database on a server (test and benchmark clean-up)."""
    admin = _engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            names = (await conn.execute(sa.text(
                "SELECT datname FROM pg_database WHERE datname LIKE :p"), {"p": f"{prefix}\\_%"})).scalars()
            for name in list(names):
                await conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


def _upgrade(connection, script_location: str) -> None:
    config = Config()
    config.set_main_option("script_location", script_location)
    config.attributes["connection"] = connection
    # One advisory lock per database so that two starting replicas never migrate at once.
    connection.execute(sa.text("SELECT pg_advisory_xact_lock(7351044)"))
    command.upgrade(config, "head")


async def migrate(engine: AsyncEngine, script_location: Path) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(_upgrade, str(script_location))


def migrate_sync(database_url: str, script_location: Path) -> None:
    """Run a service's migrations from a synchronous caller (the launcher, the tests)."""

    async def run() -> None:
        await ensure_database(database_url)
        engine = create_engine(database_url)
        try:
            await migrate(engine, script_location)
        finally:
            await engine.dispose()

    asyncio.run(run())


# Rows are passed to these at execute (`session.execute(stmt, rows)`), not in `.values(rows)`: a
# statement with its rows inside is compiled again for every call; these compile once per table and
# shape and SQLAlchemy sends the rows as one multi-row INSERT.
@cache
def upsert(table: sa.Table, keys: tuple[str, ...], columns: tuple[str, ...]):
    """INSERT ... ON CONFLICT (keys) DO UPDATE SET the other columns."""
    stmt = insert(table)
    return stmt.on_conflict_do_update(index_elements=list(keys),
                                      set_={c: stmt.excluded[c] for c in columns if c not in keys})


@cache
def insert_new(table: sa.Table):
    """INSERT ... ON CONFLICT DO NOTHING: rows already there stay as they are."""
    return insert(table).on_conflict_do_nothing()
