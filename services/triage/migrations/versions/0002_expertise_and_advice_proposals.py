"""Expertise-based target groups and advice proposals the RvdK confirms or overrides; measures.

triages: the rule now leads to an expertise and the GIs that have it (vereiste_gi goes).
adviezen: a proposal with a status (open -> bevestigd | afgeweken -> maatregel_opgelegd), the
children and framework of the report, the proposed GI and the final one, the override and its
reason. Advice recorded before this version was issued at once: it becomes 'bevestigd'.
maatregelen: the measure the court (or the JB-plein, for drang) imposed, at most one per advice.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision = "0002"
down_revision = "0001"

ALLE_GIS = '["JBRR", "WSS", "LJR"]'


def upgrade() -> None:
    op.add_column("triages", sa.Column("expertise", sa.String(50)))
    op.add_column("triages", sa.Column("geschikte_gis", JSONB))
    # Ruleset 2026.1 named a GI per target group: that group is the expertise, that GI has it.
    op.execute(f"""
        UPDATE triages SET
            expertise = CASE WHEN vereiste_gi IS NULL THEN NULL ELSE doelgroep END,
            geschikte_gis = CASE WHEN vereiste_gi IS NULL THEN '{ALLE_GIS}'::jsonb
                                 ELSE jsonb_build_array(vereiste_gi) END
    """)
    op.alter_column("triages", "geschikte_gis", nullable=False)

    for column in (
        sa.Column("gezin_id", UUID(as_uuid=True)),
        sa.Column("urgentie", sa.String(10)),
        sa.Column("kader", sa.String(10)),
        sa.Column("kinderen", JSONB),
        sa.Column("voorgestelde_gi", sa.String(10)),
        sa.Column("voorgesteld_op", sa.DateTime(timezone=True)),
        sa.Column("status", sa.String(20)),
        sa.Column("afwijking", sa.Boolean),
        sa.Column("afwijking_reden", sa.Text),
        sa.Column("rvdk_toelichting", sa.Text),
        sa.Column("bevestigd_door", sa.String(20)),
    ):
        op.add_column("adviezen", column)
    # Earlier advice was issued at once, without a proposal step; its children were not kept.
    op.execute("""
        UPDATE adviezen a SET
            gezin_id = t.gezin_id,
            kinderen = '[]'::jsonb,
            voorgestelde_gi = a.gi,
            voorgesteld_op = a.geadviseerd_op,
            status = 'bevestigd',
            afwijking = false,
            bevestigd_door = 'automatisch',
            rangorde = (
                SELECT coalesce(jsonb_agg(jsonb_build_object(
                    'positie', r.positie,
                    'gi', r.rang->>'gi',
                    'geschikt', t.vereiste_gi IS NULL OR coalesce((r.rang->>'vereiste_expertise')::boolean,
                                                                  false),
                    'vrije_plaatsen', r.rang->'vrije_plaatsen',
                    'reden', 'Voorstel van vóór regelset 2026.2: geen reden per GI vastgelegd.'
                ) ORDER BY r.positie), '[]'::jsonb)
                FROM jsonb_array_elements(a.rangorde) WITH ORDINALITY AS r(rang, positie)
            )
        FROM triages t
        WHERE t.melding_id = a.melding_id
    """)
    for name in ("gezin_id", "kinderen", "voorgestelde_gi", "voorgesteld_op", "status", "afwijking"):
        op.alter_column("adviezen", name, nullable=False)
    op.alter_column("adviezen", "gi", nullable=True)
    op.alter_column("adviezen", "geadviseerd_op", nullable=True)
    op.create_index("ix_adviezen_status", "adviezen", ["status"])
    op.create_index("ix_adviezen_voorgesteld_op", "adviezen", ["voorgesteld_op"])
    op.drop_column("triages", "vereiste_gi")

    op.create_table(
        "maatregelen",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("advies_id", UUID(as_uuid=True), sa.ForeignKey("adviezen.id"), nullable=False,
                  unique=True),
        sa.Column("maatregel", sa.String(10), nullable=False),
        sa.Column("route", sa.String(20), nullable=False),
        sa.Column("raadsonderzoek", sa.Boolean, nullable=False),
        sa.Column("startdatum", sa.Date, nullable=False),
        sa.Column("gi", sa.String(10), nullable=False),
        sa.Column("opgelegd_op", sa.DateTime(timezone=True), nullable=False),
    )
