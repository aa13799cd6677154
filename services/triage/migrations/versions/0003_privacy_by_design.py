"""Privacy by design: an override's reason category, the retention term, and no free text of the
RvdK left in the outbox.

- `adviezen.afwijking_categorie`: what the events carry of an override's reason (the RvdK's own
  words stay in `afwijking_reden`); overrides recorded before get 'overig'.
- `adviezen.gewist_op` and `gezinnen` (each family's latest closure, from `casus.closed`): the
  RvdK's free text is erased 20 years after the family's file closed.
- The outbox, sent again on republication: advice recorded before loses `afwijking_reden`, and
  an override's `reden` keeps only its generated part (before the RvdK's text)."""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0003"
down_revision = "0002"

ISSUED = "nl.jbketen.advies.issued.v1"


def upgrade() -> None:
    op.add_column("adviezen", sa.Column("afwijking_categorie", sa.String(30)))
    op.execute("UPDATE adviezen SET afwijking_categorie = 'overig' WHERE afwijking")
    op.add_column("adviezen", sa.Column("gewist_op", sa.DateTime(timezone=True)))
    op.create_index("ix_adviezen_gezin_id", "adviezen", ["gezin_id"])
    op.create_table(
        "gezinnen",
        sa.Column("gezin_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("laatst_gesloten_op", sa.DateTime(timezone=True), nullable=False),
    )
    op.execute(f"""UPDATE outbox SET data = jsonb_set(data - 'afwijking_reden', '{{reden}}',
                       to_jsonb(rtrim(split_part(data->>'reden', ':', 1), '.') || '.'))
                   WHERE event_type = '{ISSUED}' AND data ? 'afwijking_reden'
                     AND (data->>'afwijking')::boolean""")
    op.execute(f"UPDATE outbox SET data = data - 'afwijking_reden' "
               f"WHERE event_type = '{ISSUED}' AND data ? 'afwijking_reden'")


def downgrade() -> None:
    op.drop_table("gezinnen")
    op.drop_index("ix_adviezen_gezin_id", "adviezen")
    op.drop_column("adviezen", "gewist_op")
    op.drop_column("adviezen", "afwijking_categorie")
