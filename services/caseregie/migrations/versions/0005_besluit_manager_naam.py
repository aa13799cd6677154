"""Transfer decisions are recorded with the deciding manager's token: `manager` holds the token's
subject (`sub`), the new `manager_naam` the name the token gave. Decisions recorded before this
revision keep the name that was typed in the request as `manager` and have no `manager_naam`."""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    op.add_column("overdracht_besluiten", sa.Column("manager_naam", sa.String(200)))


def downgrade() -> None:
    op.drop_column("overdracht_besluiten", "manager_naam")
