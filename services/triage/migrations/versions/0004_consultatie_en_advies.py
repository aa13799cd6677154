"""Consultation & advice (C&A): a local team's request routed to a GI, the hours the GI recorded on
it, and per GI per year the sum of those hours, which routing reads (kept in the same transaction as
each registration).

- `consultaties`: municipality, asking team, category, the optional pseudonymous family id (erased
  after the retention term: `gewist_op`), the GI, the factsheet's expertise, the generated reason,
  the ruleset version, when it was asked and its last activity (the start of the term).
- `consultatie_uren`: each registration (hours, the day they were spent).
- `ca_uren_per_jaar`: the hours per GI per year of the day they were spent."""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.create_table(
        "consultaties",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("gemeente", sa.String(6), nullable=False),
        sa.Column("organisatie", sa.String(100), nullable=False),
        sa.Column("categorie", sa.String(30), nullable=False),
        sa.Column("gezin_id", UUID(as_uuid=True)),
        sa.Column("gi", sa.String(10), nullable=False),
        sa.Column("expertise", sa.String(50)),
        sa.Column("reden", sa.String(500), nullable=False),
        sa.Column("regelset_versie", sa.String(20), nullable=False),
        sa.Column("aangevraagd_op", sa.DateTime(timezone=True), nullable=False),
        sa.Column("laatste_activiteit_op", sa.DateTime(timezone=True), nullable=False),
        sa.Column("gewist_op", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_consultaties_gi", "consultaties", ["gi"])
    op.create_index("ix_consultaties_gemeente", "consultaties", ["gemeente"])
    op.create_index("ix_consultaties_aangevraagd_op", "consultaties", ["aangevraagd_op"])
    op.create_table(
        "consultatie_uren",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("consultatie_id", UUID(as_uuid=True), sa.ForeignKey("consultaties.id"), nullable=False),
        sa.Column("uren", sa.Numeric(5, 2), nullable=False),
        sa.Column("datum", sa.Date, nullable=False),
        sa.Column("geregistreerd_op", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_consultatie_uren_consultatie_id", "consultatie_uren", ["consultatie_id"])
    op.create_table(
        "ca_uren_per_jaar",
        sa.Column("gi", sa.String(10), primary_key=True),
        sa.Column("jaar", sa.Integer, primary_key=True),
        sa.Column("uren", sa.Numeric(12, 2), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("ca_uren_per_jaar")
    op.drop_index("ix_consultatie_uren_consultatie_id", "consultatie_uren")
    op.drop_table("consultatie_uren")
    for name in ("ix_consultaties_aangevraagd_op", "ix_consultaties_gemeente", "ix_consultaties_gi"):
        op.drop_index(name, "consultaties")
    op.drop_table("consultaties")
