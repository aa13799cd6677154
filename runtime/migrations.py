"""Alembic glue shared by every service's migrations folder."""
import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects.postgresql import JSONB


def run_env() -> None:
    """Body of each service's migrations/env.py: run online on the connection we pass in.

    After the service's own migrations, the runtime's later revisions of its tables
    (RUNTIME_REVISIONS) are applied in the same transaction, so every service has them without
    a migration of its own."""
    connection = context.config.attributes["connection"]
    context.configure(connection=connection, transactional_ddl=True)
    with context.begin_transaction():
        context.run_migrations()
        upgrade_runtime_tables(connection)


# v3: the processing log (runtime/processing_log.py). The database refuses UPDATE, DELETE and
# TRUNCATE on it (triggers); verwerkingen_kop() takes the chain lock, then reads the chain's head in
# a fresh snapshot (a VOLATILE function's statements each get one), so appends are one at a time.
CHAIN_LOCK = 7351046  # advisory-lock key of the processing log's chain (7351044: migrations)
PROCESSING_LOG_V3 = (
    """CREATE TABLE verwerkingen (
        volgnummer BIGINT PRIMARY KEY,
        tijdstip TIMESTAMP WITH TIME ZONE NOT NULL,
        actor_sub VARCHAR(200) NOT NULL,
        actor_rol VARCHAR(50) NOT NULL,
        actor_organisatie VARCHAR(200) NOT NULL,
        verwerkingsactiviteit VARCHAR(100) NOT NULL,
        kind_id UUID,
        gezin_id UUID,
        resource_type VARCHAR(50) NOT NULL,
        resource_id VARCHAR(200) NOT NULL,
        actie VARCHAR(10) NOT NULL CHECK (actie IN ('read', 'create', 'update', 'delete', 'erase')),
        uitkomst VARCHAR(10) NOT NULL CHECK (uitkomst IN ('ok', 'error')),
        trace_id VARCHAR(32),
        span_id VARCHAR(16),
        vorige_hash VARCHAR(64) NOT NULL,
        hash VARCHAR(64) NOT NULL)""",
    "CREATE INDEX ix_verwerkingen_kind_id ON verwerkingen (kind_id)",
    "CREATE INDEX ix_verwerkingen_gezin_id ON verwerkingen (gezin_id)",
    "CREATE INDEX ix_verwerkingen_actor_sub ON verwerkingen (actor_sub)",
    "CREATE INDEX ix_verwerkingen_tijdstip ON verwerkingen (tijdstip)",
    f"""CREATE OR REPLACE FUNCTION verwerkingen_kop()
        RETURNS TABLE (kop_volgnummer BIGINT, kop_hash VARCHAR) LANGUAGE plpgsql VOLATILE AS $$
        BEGIN
            PERFORM pg_advisory_xact_lock({CHAIN_LOCK});
            RETURN QUERY SELECT v.volgnummer, CAST(v.hash AS VARCHAR) FROM verwerkingen v
                ORDER BY v.volgnummer DESC LIMIT 1;
            IF NOT FOUND THEN
                RETURN QUERY SELECT CAST(0 AS BIGINT), CAST(repeat('0', 64) AS VARCHAR);
            END IF;
        END $$""",
    """CREATE OR REPLACE FUNCTION verwerkingen_alleen_toevoegen() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'verwerkingen is append-only: % is refused', TG_OP;
        END $$""",
    "CREATE TRIGGER verwerkingen_alleen_toevoegen BEFORE UPDATE OR DELETE ON verwerkingen "
    "FOR EACH ROW EXECUTE FUNCTION verwerkingen_alleen_toevoegen()",
    "CREATE TRIGGER verwerkingen_niet_legen BEFORE TRUNCATE ON verwerkingen "
    "FOR EACH STATEMENT EXECUTE FUNCTION verwerkingen_alleen_toevoegen()",
)

# The runtime's tables after v1, in order: (what, a query that is true once it is applied, the
# statements). run_env applies the missing ones on every start, under the migration's advisory
# lock; runtime/tables.py describes the result.
RUNTIME_REVISIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("v2: parked outbox events",
     "SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
     "AND table_name = 'outbox' AND column_name = 'park_reason')",
     ("ALTER TABLE outbox ADD COLUMN IF NOT EXISTS parked_at TIMESTAMP WITH TIME ZONE",
      "ALTER TABLE outbox ADD COLUMN IF NOT EXISTS park_reason TEXT")),
    ("v3: the processing log (verwerkingen), append-only and hash-chained",
     "SELECT to_regclass('verwerkingen') IS NOT NULL",
     PROCESSING_LOG_V3),
)


def upgrade_runtime_tables(connection) -> None:
    """Bring the runtime tables of v1 (create_runtime_tables_v1) up to runtime/tables.py."""
    has_outbox = connection.execute(sa.text("SELECT to_regclass('outbox') IS NOT NULL")).scalar()
    if not has_outbox:  # a service whose first migration has not created them (none today)
        return
    for _what, applied, statements in RUNTIME_REVISIONS:
        if not connection.execute(sa.text(applied)).scalar():
            for statement in statements:
                connection.execute(sa.text(statement))


def create_runtime_tables_v1() -> None:
    """Outbox, processed-event ledger and dead letters, frozen as of runtime schema v1.

    Every service's first migration calls this; later changes to runtime/tables.py are
    RUNTIME_REVISIONS, which run_env applies after the service's own migrations.
    """
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("event_id", sa.String(64), nullable=False, unique=True),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", JSONB, nullable=False),
        sa.Column("headers", JSONB, nullable=False, server_default="{}"),
        sa.Column("traceparent", sa.String(100)),
        sa.Column("published_at", sa.DateTime(timezone=True)),
    )
    op.create_index(
        "ix_outbox_unpublished", "outbox", ["id"], postgresql_where=sa.text("published_at IS NULL")
    )
    op.create_table(
        "processed_events",
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
    )
    op.create_table(
        "dead_letters",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("event_id", sa.String(64)),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("partition", sa.Integer, nullable=False),
        sa.Column("offset", sa.BigInteger, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("headers", JSONB, nullable=False),
        sa.Column("key", sa.Text),
        sa.Column("value", sa.Text),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
    )
