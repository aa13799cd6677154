"""Tables the runtime keeps in every service's own database."""
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID

metadata = sa.MetaData()

outbox = sa.Table(
    "outbox",
    metadata,
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
    # An event the broker cannot take (too large, refused): set aside with the reason so the
    # others go on; health reports it (runtime schema v2, see runtime/migrations.py).
    sa.Column("parked_at", sa.DateTime(timezone=True)),
    sa.Column("park_reason", sa.Text),
)
sa.Index("ix_outbox_unpublished", outbox.c.id, postgresql_where=outbox.c.published_at.is_(None))

processed_events = sa.Table(
    "processed_events",
    metadata,
    sa.Column("event_id", sa.String(64), primary_key=True),
    sa.Column("event_type", sa.String(200), nullable=False),
    sa.Column("topic", sa.String(200), nullable=False),
    sa.Column("outcome", sa.String(20), nullable=False),
    sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
)

dead_letters = sa.Table(
    "dead_letters",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("event_id", sa.String(64)),
    sa.Column("topic", sa.String(200), nullable=False),
    sa.Column("partition", sa.Integer, nullable=False),
    sa.Column("offset", sa.BigInteger, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("headers", JSONB, nullable=False),
    sa.Column("key", sa.Text),
    sa.Column("value", sa.Text),
    sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    # Runtime schema v5: how `value` holds the original bytes ('utf-8', 'base64' or 'none'; null for
    # letters written before v5), and the re-drives (runtime/operations.py): 'open' until one
    # succeeded ('herverwerkt'), with the last attempt's moment, outcome and reason.
    sa.Column("value_encoding", sa.String(10)),
    sa.Column("status", sa.String(20), nullable=False, server_default="open"),
    sa.Column("redrive_attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_redrive_at", sa.DateTime(timezone=True)),
    sa.Column("last_redrive_outcome", sa.String(20)),
    sa.Column("last_redrive_reason", sa.Text),
)
sa.Index("ix_dead_letters_status", dead_letters.c.status, dead_letters.c.id)

# The processing log (runtime/processing_log.py; runtime schema v3): append-only, hash-chained.
verwerkingen = sa.Table(
    "verwerkingen",
    metadata,
    sa.Column("volgnummer", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("tijdstip", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor_sub", sa.String(200), nullable=False),
    sa.Column("actor_rol", sa.String(50), nullable=False),
    sa.Column("actor_organisatie", sa.String(200), nullable=False),
    sa.Column("verwerkingsactiviteit", sa.String(100), nullable=False),
    sa.Column("kind_id", UUID(as_uuid=True)),
    sa.Column("gezin_id", UUID(as_uuid=True)),
    sa.Column("resource_type", sa.String(50), nullable=False),
    sa.Column("resource_id", sa.String(200), nullable=False),
    sa.Column("actie", sa.String(10), nullable=False),
    sa.Column("uitkomst", sa.String(10), nullable=False),
    sa.Column("trace_id", sa.String(32)),
    sa.Column("span_id", sa.String(16)),
    sa.Column("vorige_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)
sa.Index("ix_verwerkingen_kind_id", verwerkingen.c.kind_id)
sa.Index("ix_verwerkingen_gezin_id", verwerkingen.c.gezin_id)
sa.Index("ix_verwerkingen_actor_sub", verwerkingen.c.actor_sub)
sa.Index("ix_verwerkingen_tijdstip", verwerkingen.c.tijdstip)

# Records of a transaction before they are chained (runtime schema v4): a deferred trigger moves
# each into `verwerkingen` at COMMIT, so the chain's lock is held only during the commit itself.
verwerkingen_wachtrij = sa.Table(
    "verwerkingen_wachtrij",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    *(sa.Column(c.name, c.type, nullable=c.nullable) for c in verwerkingen.columns
      if c.name not in ("volgnummer", "vorige_hash", "hash")),
    sa.Column("inhoud", sa.Text, nullable=False),  # canonical JSON up to `"volgnummer":`
)

# The broker's mark (runtime/broker_watch.py) this service last worked against (runtime schema v6):
# one row. A service that was down while the broker was replaced finds another mark on the broker
# when it starts, and heals as the running ones did. `seen_at`: when it first worked against it
# (null for the mark a database with history got at v6, see runtime/migrations.py).
broker_mark = sa.Table(
    "broker_mark",
    metadata,
    sa.Column("id", sa.SmallInteger, sa.CheckConstraint("id = 1"), primary_key=True,
              autoincrement=False, server_default="1"),
    sa.Column("mark", sa.Text, nullable=False),
    sa.Column("seen_at", sa.DateTime(timezone=True)),
)

# A periodic job's last run (runtime/leases.py), written by the replica that ran it.
job_leases = sa.Table(
    "job_leases",
    metadata,
    sa.Column("job", sa.Text, primary_key=True),
    sa.Column("ran_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("holder", sa.Text, nullable=False),
)
