"""Who submitted each report (the token's organisation and subject): a local team and Veilig Thuis
see only their own reports. Reports from before identity keep no submitter: no local team sees
them, the RvdK once they are referred."""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.add_column("meldingen", sa.Column("organisatie", sa.String(100)))
    op.add_column("meldingen", sa.Column("ingediend_door", sa.String(200)))
    op.create_index("ix_meldingen_organisatie_ontvangen", "meldingen", ["organisatie", "ontvangen_op"])


def downgrade() -> None:
    op.drop_index("ix_meldingen_organisatie_ontvangen", "meldingen")
    op.drop_column("meldingen", "ingediend_door")
    op.drop_column("meldingen", "organisatie")
