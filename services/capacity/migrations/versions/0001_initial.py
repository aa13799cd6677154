"""Initial schema: capaciteit with its history plus the runtime tables."""
import sqlalchemy as sa
from alembic import op

from runtime.migrations import create_runtime_tables_v1

revision = "0001"
down_revision = None


def upgrade() -> None:
    create_runtime_tables_v1()
    op.create_table(
        "capaciteit",
        sa.Column("gi", sa.String(10), primary_key=True),
        sa.Column("jeugdbeschermers", sa.Integer, nullable=False),
        sa.Column("caseload_norm", sa.Integer, nullable=False),
        sa.Column("kinderen_in_zorg", sa.Integer, nullable=False),
        sa.Column("bijgewerkt_op", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "capaciteit_historie",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("gi", sa.String(10), nullable=False),
        sa.Column("jeugdbeschermers", sa.Integer, nullable=False),
        sa.Column("caseload_norm", sa.Integer, nullable=False),
        sa.Column("kinderen_in_zorg", sa.Integer, nullable=False),
        sa.Column("vrije_plaatsen", sa.Integer, nullable=False),
        sa.Column("oorzaak", sa.String(200), nullable=False),
        sa.Column("tijdstip", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_capaciteit_historie_gi_tijd", "capaciteit_historie", ["gi", "tijdstip"])
