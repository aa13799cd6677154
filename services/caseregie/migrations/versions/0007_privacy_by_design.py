"""Privacy by design: a rejection's reason category, the retention marker, and no free text or
names left in the outbox.

- `overdracht_besluiten.categorie`: the reason category of a rejection (events carry it instead
  of the manager's text); rejections recorded before get 'overig'.
- `casussen.gewist_op`: when the personal data of a case closed past the retention term were
  erased (service_layer/bewaartermijn.py).
- The outbox, the durable record that is sent again on republication: events recorded before
  lose the free text of transfers and rejections and the managers' identities, and a protector's
  staff code becomes null (events now name managers and protectors by keyed-hash pseudonyms)."""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"

RETIRED = {
    "nl.jbketen.overdracht.requested.v1": ("reden",),
    "nl.jbketen.casus.transferred.v1": ("reden",),
    "nl.jbketen.overdracht.approved.v1": ("manager",),
    "nl.jbketen.overdracht.rejected.v1": ("manager", "reden"),
}


def upgrade() -> None:
    op.add_column("overdracht_besluiten", sa.Column("categorie", sa.String(30)))
    op.execute("UPDATE overdracht_besluiten SET categorie = 'overig' WHERE besluit = 'afgewezen'")
    op.add_column("casussen", sa.Column("gewist_op", sa.DateTime(timezone=True)))
    for event_type, fields in RETIRED.items():
        removed = " - ".join(f"'{f}'" for f in fields)
        op.execute(f"UPDATE outbox SET data = data - {removed} WHERE event_type = '{event_type}'")
    op.execute("UPDATE outbox SET data = jsonb_set(data, '{jeugdbeschermer_id}', 'null') "
               "WHERE event_type = 'nl.jbketen.jeugdbeschermer.assigned.v1'")


def downgrade() -> None:
    op.drop_column("casussen", "gewist_op")
    op.drop_column("overdracht_besluiten", "categorie")
