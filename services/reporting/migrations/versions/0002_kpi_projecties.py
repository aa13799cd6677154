"""KPI projections: the minimised event history, the projected cells per period, and rebuilds.

Replaces melding_feiten: the figures are now computed from the event history.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.drop_table("melding_feiten")
    op.create_table(
        "event_historie",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("event_id", sa.String(64)),
        sa.Column("sleutel", sa.String(64), nullable=False, unique=True),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("dossier", sa.Text),
        sa.Column("casus_id", UUID(as_uuid=False)),
        sa.Column("tijdstip", sa.DateTime(timezone=True)),
        sa.Column("data", JSONB, nullable=False),
        sa.Column("vastgelegd_op", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index("ix_event_historie_dossier", "event_historie", ["dossier"])
    op.create_index("ix_event_historie_casus_id", "event_historie", ["casus_id"])
    op.create_table(
        "kpi_cijfers",
        sa.Column("periode_type", sa.String(10), primary_key=True),
        sa.Column("periode", sa.String(10), primary_key=True),
        sa.Column("kpi", sa.String(60), primary_key=True),
        sa.Column("gi", sa.String(10), primary_key=True),
        sa.Column("gemeente", sa.String(10), primary_key=True),
        sa.Column("dimensie", sa.String(40), primary_key=True),
        sa.Column("waarde", sa.String(60), primary_key=True),
        sa.Column("aantal", sa.BigInteger, nullable=False),
        sa.Column("som", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "herberekeningen",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("vervangen", sa.Boolean, nullable=False),
        sa.Column("catalogus_versie", sa.String(20), nullable=False),
        sa.Column("aangevraagd_op", sa.DateTime(timezone=True), nullable=False),
        sa.Column("klaar_op", sa.DateTime(timezone=True)),
        sa.Column("events", sa.BigInteger),
        sa.Column("dossiers", sa.BigInteger),
        sa.Column("cellen", sa.BigInteger),
        sa.Column("verschillen", sa.BigInteger),
        sa.Column("voorbeelden", JSONB),
        sa.Column("duur_s", sa.Float),
        sa.Column("fout", sa.Text),
    )


def downgrade() -> None:
    op.drop_table("herberekeningen")
    op.drop_table("kpi_cijfers")
    op.drop_table("event_historie")
