"""The projection's version: one row, bumped in the same transaction as every change of the
projected cells, so a cached answer can be checked against the database on every request.

`projectie` is a random id of this database's projection (a cache never mixes databases);
`versie` counts its changes.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.create_table(
        "kpi_versie",
        sa.Column("id", sa.SmallInteger, primary_key=True),
        sa.Column(
            "projectie", UUID(as_uuid=False), nullable=False, server_default=sa.text("gen_random_uuid()")
        ),
        sa.Column("versie", sa.BigInteger, nullable=False, server_default="0"),
        sa.CheckConstraint("id = 1", name="kpi_versie_een_rij"),
    )
    op.execute("INSERT INTO kpi_versie (id) VALUES (1)")


def downgrade() -> None:
    op.drop_table("kpi_versie")
