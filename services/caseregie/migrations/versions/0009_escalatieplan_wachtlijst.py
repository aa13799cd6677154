"""capacity's escalation plan in caseregie: the region's escalations with their measures in force
(read from capacity.escalaties) and each report's urgency (read from the RvdK's advice), so the
waiting list orders by urgency and waiting days while that measure is in force."""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision = "0009"
down_revision = "0008"


def upgrade() -> None:
    op.create_table(
        "regio_escalaties",
        sa.Column("escalatie_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("niveau", sa.Integer, nullable=False),
        sa.Column("maatregelen", JSONB, nullable=False),
        sa.Column("tijdstip", sa.DateTime(timezone=True), nullable=False),
        sa.Column("beeindigd_op", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "melding_urgenties",
        sa.Column("melding_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("urgentie", sa.String(10), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("melding_urgenties")
    op.drop_table("regio_escalaties")
