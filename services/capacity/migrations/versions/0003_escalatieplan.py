"""The escalation plan: an escalation's plan version, when its level began and the measures in
force; who was told through which channel and when; each party's acknowledgement."""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.add_column("escalaties", sa.Column("plan_versie", sa.String(20)))
    op.add_column("escalaties", sa.Column("niveau_sinds", sa.DateTime(timezone=True)))
    op.add_column("escalaties", sa.Column("maatregelen", JSONB, nullable=False, server_default="[]"))
    op.create_table(
        "escalatie_kennisgevingen",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("escalatie_id", UUID(as_uuid=True), sa.ForeignKey("escalaties.id"), nullable=False),
        sa.Column("onderwerp", sa.String(40), nullable=False),
        sa.Column("niveau", sa.Integer, nullable=False),
        sa.Column("partij", sa.String(10), nullable=False),
        sa.Column("kanaal", sa.String(10), nullable=False),
        sa.Column("bericht", sa.Text, nullable=False),
        sa.Column("aangemaakt_op", sa.DateTime(timezone=True), nullable=False),
        sa.Column("volgende_poging_op", sa.DateTime(timezone=True)),
        sa.Column("pogingen", sa.Integer, nullable=False, server_default="0"),
        sa.Column("laatste_poging_op", sa.DateTime(timezone=True)),
        sa.Column("laatste_fout", sa.Text),
        sa.Column("verzonden_op", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("escalatie_id", "onderwerp", "partij", "kanaal"),
    )
    op.create_index("ix_escalatie_kennisgevingen_due", "escalatie_kennisgevingen", ["volgende_poging_op"],
                    postgresql_where=sa.text("verzonden_op IS NULL"))
    op.create_table(
        "escalatie_bevestigingen",
        sa.Column("escalatie_id", UUID(as_uuid=True), sa.ForeignKey("escalaties.id"), primary_key=True),
        sa.Column("partij", sa.String(10), primary_key=True),
        sa.Column("niveau", sa.Integer, primary_key=True),
        sa.Column("bevestigd_op", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rol", sa.String(20), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("escalatie_bevestigingen")
    op.drop_index("ix_escalatie_kennisgevingen_due", table_name="escalatie_kennisgevingen")
    op.drop_table("escalatie_kennisgevingen")
    for column in ("maatregelen", "niveau_sinds", "plan_versie"):
        op.drop_column("escalaties", column)
