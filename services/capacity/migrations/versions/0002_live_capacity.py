"""Live capacity: absence and teams per expertise, per-child state (waiting list), the
append-only log of case events and staffing reports, and regional escalations.

Staffing reported before this migration is carried into the log, so a rebuild keeps it. The
children counted before had no per-child state and cannot be attributed; the per-child state
starts here (the first recompute after the upgrade publishes the figures it gives)."""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision = "0002"
down_revision = "0001"

GIS = ("JBRR", "WSS", "LJR")


def upgrade() -> None:
    for table in ("capaciteit", "capaciteit_historie"):
        op.add_column(table, sa.Column("afwezig", sa.Integer, nullable=False, server_default="0"))
        op.add_column(table, sa.Column("wachtend", sa.Integer, nullable=False, server_default="0"))
        op.add_column(table, sa.Column("langste_wachtdagen", sa.Integer, nullable=False,
                                       server_default="0"))
        op.add_column(table, sa.Column("per_expertise", JSONB, nullable=False, server_default="[]"))
        op.add_column(table, sa.Column("teams", JSONB, nullable=False, server_default="[]"))

    op.create_table(
        "kinderen",
        sa.Column("casus_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("kind_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("gi", sa.String(10), nullable=False),
        sa.Column("gi_op", sa.DateTime(timezone=True), nullable=False),
        sa.Column("gi_rang", sa.SmallInteger, nullable=False),
        sa.Column("expertise", sa.String(50)),
        sa.Column("wacht_sinds", sa.DateTime(timezone=True)),
        sa.Column("wacht_op", sa.DateTime(timezone=True)),
        sa.Column("wacht_rang", sa.SmallInteger),
        sa.Column("gesloten_op", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_kinderen_in_zorg", "kinderen", ["gi", "expertise"],
                    postgresql_where=sa.text("gesloten_op IS NULL"))

    op.create_table(
        "gebeurtenissen",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("soort", sa.String(200), nullable=False),
        sa.Column("event_id", sa.String(64)),
        sa.Column("gi", sa.String(10)),
        sa.Column("data", JSONB, nullable=False),
        sa.Column("vastgelegd_op", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
    )

    op.create_table(
        "escalaties",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("niveau", sa.Integer, nullable=False),
        sa.Column("redenen", JSONB, nullable=False),
        sa.Column("cijfers", JSONB, nullable=False),
        sa.Column("gestart_op", sa.DateTime(timezone=True), nullable=False),
        sa.Column("bijgewerkt_op", sa.DateTime(timezone=True), nullable=False),
        sa.Column("beeindigd_op", sa.DateTime(timezone=True)),
        sa.Column("cijfers_bij_einde", JSONB),
    )
    # At most one open escalation for the region.
    op.create_index("uq_escalaties_open", "escalaties", [sa.text("(beeindigd_op IS NULL)")], unique=True,
                    postgresql_where=sa.text("beeindigd_op IS NULL"))
    op.create_index("ix_escalaties_gestart", "escalaties", ["gestart_op"])

    # Reported staffing into the log, so a rebuild from the log keeps it.
    op.execute(sa.text("""
        INSERT INTO gebeurtenissen (soort, gi, data)
        SELECT 'bezetting', gi, jsonb_build_object(
                   'gi', gi, 'jeugdbeschermers', jeugdbeschermers, 'afwezig', 0,
                   'caseload_norm', caseload_norm, 'teams', '[]'::jsonb)
        FROM capaciteit WHERE caseload_norm >= 1 ORDER BY gi
    """))
    # Every GI has a row and a first history entry, so an SSE snapshot has an id for each.
    for gi in GIS:
        op.execute(sa.text("""
            INSERT INTO capaciteit (gi, jeugdbeschermers, caseload_norm, kinderen_in_zorg)
            VALUES (:gi, 0, 0, 0) ON CONFLICT (gi) DO NOTHING
        """).bindparams(gi=gi))
        op.execute(sa.text("""
            INSERT INTO capaciteit_historie (gi, jeugdbeschermers, caseload_norm, kinderen_in_zorg,
                                             vrije_plaatsen, oorzaak, tijdstip)
            SELECT gi, jeugdbeschermers, caseload_norm, kinderen_in_zorg,
                   jeugdbeschermers * caseload_norm - kinderen_in_zorg, 'beginstand', now()
            FROM capaciteit c WHERE gi = :gi
              AND NOT EXISTS (SELECT 1 FROM capaciteit_historie h WHERE h.gi = c.gi)
        """).bindparams(gi=gi))
