"""Database engine, per-service database creation and Alembic migrations on start."""
import asyncio
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from runtime.settings import to_async_url


def create_engine(database_url: str, **kwargs) -> AsyncEngine:
    return create_async_engine(to_async_url(database_url), pool_pre_ping=True, **kwargs)


def session_factory(engine: AsyncEngine) -> async_sessionmaker:
    return async_sessionmaker(engine, expire_on_commit=False)


async def ensure_database(database_url: str) -> None:
    """Create the URL's database on its server if it does not exist yet."""
    url = make_url(to_async_url(database_url))
    admin = create_async_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            exists = await conn.scalar(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database}
            )
            if not exists:
                await conn.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
    finally:
        await admin.dispose()


async def drop_databases(server_url: str, prefix: str) -> None:
    """Drop every `<prefix>_*` database on a server (test and benchmark clean-up)."""
    admin = create_async_engine(to_async_url(server_url), isolation_level="AUTOCOMMIT")
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
