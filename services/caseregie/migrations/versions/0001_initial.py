"""Initial schema: casussen, overdrachten plus the runtime tables."""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

from runtime.migrations import create_runtime_tables_v1

revision = "0001"
down_revision = None


def upgrade() -> None:
    create_runtime_tables_v1()
    op.create_table(
        "casussen",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("melding_id", UUID(as_uuid=True), nullable=False, unique=True),
        sa.Column("gezin_id", UUID(as_uuid=True), nullable=False),
        sa.Column("gemeente", sa.String(6), nullable=False),
        sa.Column("gi", sa.String(10), nullable=False),
        sa.Column("doelgroep", sa.String(50), nullable=False),
        sa.Column("kinderen", JSONB, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("toegewezen_op", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_casussen_gi", "casussen", ["gi", "toegewezen_op"])
    op.create_table(
        "overdrachten",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("casus_id", UUID(as_uuid=True), sa.ForeignKey("casussen.id"), nullable=False),
        sa.Column("van_gi", sa.String(10), nullable=False),
        sa.Column("naar_gi", sa.String(10), nullable=False),
        sa.Column("reden", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("aangevraagd_op", sa.DateTime(timezone=True), nullable=False),
    )
