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


# The runtime's tables after v1, in order: (what, a query that is true once it is applied, the
# statements). run_env applies the missing ones on every start, under the migration's advisory
# lock; runtime/tables.py describes the result.
RUNTIME_REVISIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("v2: parked outbox events",
     "SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
     "AND table_name = 'outbox' AND column_name = 'park_reason')",
     ("ALTER TABLE outbox ADD COLUMN IF NOT EXISTS parked_at TIMESTAMP WITH TIME ZONE",
      "ALTER TABLE outbox ADD COLUMN IF NOT EXISTS park_reason TEXT")),
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
