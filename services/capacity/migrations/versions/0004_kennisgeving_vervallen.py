"""A level's notification not yet sent when its escalation ended is not sent any more: when it
lapsed (vervallen_op)."""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.add_column("escalatie_kennisgevingen", sa.Column("vervallen_op", sa.DateTime(timezone=True)))


def downgrade() -> None:
    op.drop_column("escalatie_kennisgevingen", "vervallen_op")
