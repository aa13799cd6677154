"""Every table has one definition: a service's models (adapters/orm.py) and the runtime's tables
are what its migrations build. Autogenerate, run against a database migrated from nothing, finds
no difference (tables, columns, types, nullability, indexes); a model changed without a migration,
or a migration without its model, fails here."""
import importlib

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from deploy.stack import SERVICES, database_url_for
from runtime import db, tables
from runtime.migrations import comparable

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("service", list(SERVICES))
async def test_autogenerate_finds_nothing_between_the_models_and_the_migrations(
        database_server_url, database_prefix, service):
    spec = importlib.import_module(f"services.{service}.bootstrap").SPEC
    orm = importlib.import_module(f"services.{service}.adapters.orm")
    url = database_url_for(database_server_url, f"models_{service}", database_prefix)
    await db.ensure_database(url)
    engine = db.create_engine(url)
    try:
        await db.migrate(engine, spec.migrations)
        async with engine.connect() as conn:
            differences = await conn.run_sync(lambda sync: compare_metadata(
                MigrationContext.configure(sync, opts={"compare_type": True, "include_object": comparable}),
                [orm.metadata, tables.metadata]))
    finally:
        await engine.dispose()
    assert differences == [], differences
