"""Initial schema: triages, adviezen, beschikbaarheid plus the runtime tables."""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

from runtime.migrations import create_runtime_tables_v1

revision = "0001"
down_revision = None


def upgrade() -> None:
    create_runtime_tables_v1()
    op.create_table(
        "triages",
        sa.Column("melding_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("gezin_id", UUID(as_uuid=True), nullable=False),
        sa.Column("gemeente", sa.String(6), nullable=False),
        sa.Column("doelgroep", sa.String(50), nullable=False),
        sa.Column("vereiste_gi", sa.String(10)),
        sa.Column("regelset_versie", sa.String(20), nullable=False),
        sa.Column("regel", sa.String(50), nullable=False),
        sa.Column("toelichting", sa.Text, nullable=False),
        sa.Column("besloten_op", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "adviezen",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("melding_id", UUID(as_uuid=True), nullable=False, unique=True),
        sa.Column("gemeente", sa.String(6), nullable=False),
        sa.Column("doelgroep", sa.String(50), nullable=False),
        sa.Column("gi", sa.String(10), nullable=False),
        sa.Column("reden", sa.Text, nullable=False),
        sa.Column("rangorde", JSONB, nullable=False),
        sa.Column("geadviseerd_op", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "beschikbaarheid",
        sa.Column("gi", sa.String(10), primary_key=True),
        sa.Column("vrije_plaatsen", sa.Integer, nullable=False),
        sa.Column("tijdstip", sa.DateTime(timezone=True), nullable=False),
    )
