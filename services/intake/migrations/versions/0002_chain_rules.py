"""The chain's rules: family keys and closures, re-reports, urgent completion, the whole path."""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.add_column("meldingen", sa.Column("herhaald_beroep", sa.Boolean, nullable=False,
                                         server_default=sa.false()))
    op.add_column("meldingen", sa.Column("aanvullen_voor", sa.DateTime(timezone=True)))
    op.add_column("meldingen", sa.Column("ontbrekend", JSONB, nullable=False, server_default="[]"))
    op.add_column("meldingen", sa.Column("maatregel", sa.String(20)))
    op.add_column("meldingen", sa.Column("jeugdbeschermer", sa.String(100)))
    op.add_column("meldingen", sa.Column("te_laat_gesignaleerd_op", sa.DateTime(timezone=True)))
    op.create_index("ix_meldingen_casus_id", "meldingen", ["casus_id"],
                    postgresql_where=sa.text("casus_id IS NOT NULL"))
    op.create_index("ix_meldingen_onvolledig", "meldingen", ["aanvullen_voor"],
                    postgresql_where=sa.text("status = 'incomplete' AND te_laat_gesignaleerd_op IS NULL"))
    op.create_table(
        "gezinssleutels",
        sa.Column("sleutel", UUID(as_uuid=True), primary_key=True),
        sa.Column("gezin_id", UUID(as_uuid=True), nullable=False),
        sa.Column("vastgelegd_op", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_gezinssleutels_gezin_id", "gezinssleutels", ["gezin_id"])
    op.create_table(
        "gezinnen",
        sa.Column("gezin_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("laatst_gesloten_op", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("gezinnen")
    op.drop_table("gezinssleutels")
    op.drop_index("ix_meldingen_onvolledig", "meldingen")
    op.drop_index("ix_meldingen_casus_id", "meldingen")
    for column in ("te_laat_gesignaleerd_op", "jeugdbeschermer", "maatregel", "ontbrekend",
                   "aanvullen_voor", "herhaald_beroep"):
        op.drop_column("meldingen", column)
