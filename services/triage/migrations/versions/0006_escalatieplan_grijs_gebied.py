"""capacity's escalation plan in triage: the region's escalations with their plan version and the
measures in force (read from capacity.escalaties), so that while `grijs_gebied_meeste_vrije_plaatsen`
is in force a grey-area proposal puts a GI without a known capacity figure after every GI with one."""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    op.create_table(
        "regio_escalaties",
        sa.Column("escalatie_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("niveau", sa.Integer, nullable=False),
        sa.Column("escalatieplan_versie", sa.String(20)),
        sa.Column("maatregelen", JSONB, nullable=False),
        sa.Column("tijdstip", sa.DateTime(timezone=True), nullable=False),
        sa.Column("beeindigd_op", sa.DateTime(timezone=True)),
    )


def downgrade() -> None:
    op.drop_table("regio_escalaties")
