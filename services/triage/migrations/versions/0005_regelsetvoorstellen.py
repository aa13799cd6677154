"""Proposed versions of the target-group rules and the GIs' decisions on them (issue 16).

- `regelset_voorstellen`: the ruleset as a GI's manager proposed it, the version it was made
  against and the difference rule by rule, its status, who proposed it and when, when it ended
  (activated, rejected, superseded) and, once all three GIs approved it, its `volgnummer`: the
  activated proposal with the highest number decides new reports (unless a shipped ruleset file
  has a higher version).
- `regelset_besluiten`: each GI's approval or rejection, one per GI per proposal (the primary key
  keeps a GI from deciding twice, also across replicas), with the manager's token subject and name,
  a rejection's category and its own words (these stay in triage)."""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    op.create_table(
        "regelset_voorstellen",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("versie", sa.String(20), nullable=False, unique=True),
        sa.Column("basis_versie", sa.String(20), nullable=False),
        sa.Column("regelset", JSONB, nullable=False),
        sa.Column("verschil", JSONB, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("voorgesteld_door", sa.String(10), nullable=False),
        sa.Column("indiener", sa.String(200), nullable=False),
        sa.Column("indiener_naam", sa.String(200)),
        sa.Column("voorgesteld_op", sa.DateTime(timezone=True), nullable=False),
        sa.Column("afgesloten_op", sa.DateTime(timezone=True)),
        sa.Column("volgnummer", sa.Integer, unique=True),
    )
    op.create_index("ix_regelset_voorstellen_status", "regelset_voorstellen", ["status"])
    op.create_table(
        "regelset_besluiten",
        sa.Column("voorstel_id", UUID(as_uuid=True), sa.ForeignKey("regelset_voorstellen.id"),
                  primary_key=True),
        sa.Column("gi", sa.String(10), primary_key=True),
        sa.Column("nummer", sa.SmallInteger, nullable=False),
        sa.Column("besluit", sa.String(20), nullable=False),
        sa.Column("manager", sa.String(200), nullable=False),
        sa.Column("manager_naam", sa.String(200)),
        sa.Column("categorie", sa.String(30)),
        sa.Column("toelichting", sa.Text),
        sa.Column("besloten_op", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("regelset_besluiten")
    op.drop_index("ix_regelset_voorstellen_status", "regelset_voorstellen")
    op.drop_table("regelset_voorstellen")
