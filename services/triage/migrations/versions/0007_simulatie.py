"""The what-if simulation (issue 16 §2): what triage keeps of the chain's history to replay it
(pseudonymous: ids, categories, ages and moments; no names, no free text), and the simulations run.

- simulatie_meldingen: each triaged report's inputs of the target-group decision;
- kind_verlopen: each child's course in its case, from caseregie's events (assigned, protector, closed);
- capaciteit_historie: each GI's published figure over time, from capacity's signals;
- regio_escalaties.gestart_op: when the region's escalation opened;
- simulaties: the simulations, their scenario and their result."""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    op.create_table(
        "simulatie_meldingen",
        sa.Column("melding_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("gezin_id", UUID(as_uuid=True), nullable=False),
        sa.Column("zorgen", JSONB, nullable=False),
        sa.Column("kenmerken", JSONB, nullable=False),
        sa.Column("kader", sa.String(10)),
        sa.Column("kinderen", JSONB, nullable=False),
        sa.Column("grijs_gebied", sa.Boolean, nullable=False),
        sa.Column("besloten_op", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "kind_verlopen",
        sa.Column("casus_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("kind_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("gezin_id", UUID(as_uuid=True), nullable=False),
        sa.Column("melding_id", UUID(as_uuid=True)),
        sa.Column("gi", sa.String(10), nullable=False),
        sa.Column("toegewezen_op", sa.DateTime(timezone=True), nullable=False),
        sa.Column("beschermer_op", sa.DateTime(timezone=True)),
        sa.Column("gesloten_op", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_kind_verlopen_toegewezen_op", "kind_verlopen", ["toegewezen_op"])
    op.create_table(
        "capaciteit_historie",
        sa.Column("gi", sa.String(10), primary_key=True),
        sa.Column("tijdstip", sa.DateTime(timezone=True), primary_key=True),
        sa.Column("jeugdbeschermers", sa.Integer, nullable=False),
        sa.Column("afwezig", sa.Integer, nullable=False),
        sa.Column("caseload_norm", sa.Integer, nullable=False),
        sa.Column("vrije_plaatsen", sa.Integer, nullable=False),
        sa.Column("wachtend", sa.Integer, nullable=False),
    )
    op.add_column("regio_escalaties", sa.Column("gestart_op", sa.DateTime(timezone=True)))
    op.create_table(
        "simulaties",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("voorstel_id", UUID(as_uuid=True), sa.ForeignKey("regelset_voorstellen.id")),
        sa.Column("regelset_versie", sa.String(20), nullable=False),
        sa.Column("scenario", JSONB, nullable=False),
        sa.Column("resultaat", JSONB, nullable=False),
        sa.Column("aangevraagd_door", sa.String(100), nullable=False),
        sa.Column("aangemaakt_op", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_simulaties_voorstel_id", "simulaties", ["voorstel_id"])


def downgrade() -> None:
    op.drop_index("ix_simulaties_voorstel_id", table_name="simulaties")
    op.drop_table("simulaties")
    op.drop_column("regio_escalaties", "gestart_op")
    op.drop_table("capaciteit_historie")
    op.drop_index("ix_kind_verlopen_toegewezen_op", table_name="kind_verlopen")
    op.drop_table("kind_verlopen")
    op.drop_table("simulatie_meldingen")
