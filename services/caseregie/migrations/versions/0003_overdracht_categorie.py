"""A transfer's reason category, chosen by the requesting GI beside its free-text reason.

Transfers requested before this revision get 'overig'."""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.add_column("overdrachten",
                  sa.Column("categorie", sa.String(20), nullable=False, server_default="overig"))


def downgrade() -> None:
    op.drop_column("overdrachten", "categorie")
