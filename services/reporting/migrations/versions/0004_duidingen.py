"""The GIs' readings (duidingen) of a quarter's figures and the final marking (vaststelling) of a
quarter's report (issue 15 §3).

`duidingen` is appended to, never changed: a reading written after the final marking is an
addendum (`addendum`, with its `geschreven_op`). `vaststellingen` has one row per final quarter.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.create_table(
        "duidingen",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("volgnummer", sa.BigInteger, sa.Identity(), nullable=False),
        sa.Column("kwartaal", sa.String(7), nullable=False),
        sa.Column("gi", sa.String(10), nullable=False),
        sa.Column("kpi", sa.String(60)),
        sa.Column("tekst", sa.Text, nullable=False),
        sa.Column("auteur", sa.Text, nullable=False),
        sa.Column("auteur_rol", sa.String(20), nullable=False),
        sa.Column("auteur_naam", sa.Text),
        sa.Column("geschreven_op", sa.DateTime(timezone=True), nullable=False),
        sa.Column("addendum", sa.Boolean, nullable=False),
    )
    op.create_index("ix_duidingen_kwartaal", "duidingen", ["kwartaal"])
    op.create_table(
        "vaststellingen",
        sa.Column("kwartaal", sa.String(7), primary_key=True),
        sa.Column("vastgesteld_op", sa.DateTime(timezone=True), nullable=False),
        sa.Column("vastgesteld_door", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("vaststellingen")
    op.drop_index("ix_duidingen_kwartaal", table_name="duidingen")
    op.drop_table("duidingen")
