"""Out-of-home placements (uithuisplaatsingen) and youth care (jeugdhulptrajecten) of a case's
children, as the case's GI records them: pseudonymous ids, codes and dates only."""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    op.create_table(
        "uithuisplaatsingen",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("casus_id", UUID(as_uuid=True), sa.ForeignKey("casussen.id"), nullable=False),
        sa.Column("kind_id", UUID(as_uuid=True), nullable=False),
        sa.Column("vorm", sa.String(30), nullable=False),
        sa.Column("in_netwerk", sa.Boolean, nullable=False),
        sa.Column("startdatum", sa.Date, nullable=False),
        sa.Column("einddatum", sa.Date),
        sa.Column("geregistreerd_op", sa.DateTime(timezone=True), nullable=False),
        sa.Column("beeindigd_op", sa.DateTime(timezone=True)),
        sa.CheckConstraint("einddatum IS NULL OR einddatum >= startdatum",
                           name="ck_uithuisplaatsingen_einde"),
    )
    op.create_index("ix_uithuisplaatsingen_casus", "uithuisplaatsingen", ["casus_id", "kind_id"])
    op.create_index("uq_uithuisplaatsingen_lopend", "uithuisplaatsingen", ["casus_id", "kind_id"],
                    unique=True, postgresql_where=sa.text("einddatum IS NULL"))
    op.create_table(
        "jeugdhulptrajecten",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("casus_id", UUID(as_uuid=True), sa.ForeignKey("casussen.id"), nullable=False),
        sa.Column("kind_id", UUID(as_uuid=True), nullable=False),
        sa.Column("vorm", sa.String(30), nullable=False),
        sa.Column("startdatum", sa.Date, nullable=False),
        sa.Column("geregistreerd_op", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_jeugdhulptrajecten_casus", "jeugdhulptrajecten", ["casus_id", "kind_id"])


def downgrade() -> None:
    op.drop_table("jeugdhulptrajecten")
    op.drop_table("uithuisplaatsingen")
