"""Initial schema: melding_feiten plus the runtime tables."""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

from runtime.migrations import create_runtime_tables_v1

revision = "0001"
down_revision = None


def upgrade() -> None:
    create_runtime_tables_v1()
    op.create_table(
        "melding_feiten",
        sa.Column("melding_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("gemeente", sa.String(6), nullable=False),
        sa.Column("urgentie", sa.String(20)),
        sa.Column("kader", sa.String(20)),
        sa.Column("doelgroep", sa.String(50)),
        sa.Column("gi", sa.String(10)),
        sa.Column("ontvangen_op", sa.DateTime(timezone=True)),
        sa.Column("geadviseerd_op", sa.DateTime(timezone=True)),
        sa.Column("toegewezen_op", sa.DateTime(timezone=True)),
    )
