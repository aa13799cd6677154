import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID

metadata = sa.MetaData()

# Per GI: the reported staffing and the figure last published for it (one row per GI; every
# change locks all three rows, so changes are serialised and history ids follow commit order).
capaciteit = sa.Table(
    "capaciteit",
    metadata,
    sa.Column("gi", sa.String(10), primary_key=True),
    sa.Column("jeugdbeschermers", sa.Integer, nullable=False),
    sa.Column("caseload_norm", sa.Integer, nullable=False),
    sa.Column("kinderen_in_zorg", sa.Integer, nullable=False),
    sa.Column("bijgewerkt_op", sa.DateTime(timezone=True)),
    sa.Column("afwezig", sa.Integer, nullable=False, server_default="0"),
    sa.Column("teams", JSONB, nullable=False, server_default="[]"),
    sa.Column("wachtend", sa.Integer, nullable=False, server_default="0"),
    sa.Column("langste_wachtdagen", sa.Integer, nullable=False, server_default="0"),
    sa.Column("per_expertise", JSONB, nullable=False, server_default="[]"),
)

# Append-only: every visible change with the whole figure, so any past moment can be
# reconstructed and an SSE client can resume after the id it saw last.
capaciteit_historie = sa.Table(
    "capaciteit_historie",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("gi", sa.String(10), nullable=False),
    sa.Column("jeugdbeschermers", sa.Integer, nullable=False),
    sa.Column("caseload_norm", sa.Integer, nullable=False),
    sa.Column("kinderen_in_zorg", sa.Integer, nullable=False),
    sa.Column("vrije_plaatsen", sa.Integer, nullable=False),
    sa.Column("oorzaak", sa.String(200), nullable=False),
    sa.Column("tijdstip", sa.DateTime(timezone=True), nullable=False),
    sa.Column("afwezig", sa.Integer, nullable=False, server_default="0"),
    sa.Column("wachtend", sa.Integer, nullable=False, server_default="0"),
    sa.Column("langste_wachtdagen", sa.Integer, nullable=False, server_default="0"),
    sa.Column("per_expertise", JSONB, nullable=False, server_default="[]"),
    sa.Column("teams", JSONB, nullable=False, server_default="[]"),
)

# The state of each child of each case, folded from the case events (domain.model.KindStand).
kinderen = sa.Table(
    "kinderen",
    metadata,
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

# Append-only log of every consumed case event and staffing report: the history the view is
# rebuilt from (the broker is not: Tansu keeps nothing across a restart).
gebeurtenissen = sa.Table(
    "gebeurtenissen",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("soort", sa.String(200), nullable=False),  # CloudEvents type, or 'bezetting'
    sa.Column("event_id", sa.String(64)),
    sa.Column("gi", sa.String(10)),
    sa.Column("data", JSONB, nullable=False),
    sa.Column("vastgelegd_op", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
)

escalaties = sa.Table(
    "escalaties",
    metadata,
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    sa.Column("niveau", sa.Integer, nullable=False),
    sa.Column("redenen", JSONB, nullable=False),
    sa.Column("cijfers", JSONB, nullable=False),
    sa.Column("gestart_op", sa.DateTime(timezone=True), nullable=False),
    sa.Column("bijgewerkt_op", sa.DateTime(timezone=True), nullable=False),
    sa.Column("beeindigd_op", sa.DateTime(timezone=True)),
    sa.Column("cijfers_bij_einde", JSONB),
    # 0003, the escalation plan: its version, when the current level began, the measures in force.
    sa.Column("plan_versie", sa.String(20)),
    sa.Column("niveau_sinds", sa.DateTime(timezone=True)),
    sa.Column("maatregelen", JSONB, nullable=False, server_default="[]"),
)

# Who is told of an escalation, through which channel, when (domain/kennisgeving.py); a webhook or
# e-mail is tried until it goes out.
escalatie_kennisgevingen = sa.Table(
    "escalatie_kennisgevingen",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("escalatie_id", UUID(as_uuid=True), sa.ForeignKey("escalaties.id"), nullable=False),
    sa.Column("onderwerp", sa.String(40), nullable=False),  # "niveau 2", "week 2026-W48"
    sa.Column("niveau", sa.Integer, nullable=False),
    sa.Column("partij", sa.String(10), nullable=False),
    sa.Column("kanaal", sa.String(10), nullable=False),
    sa.Column("bericht", sa.Text, nullable=False),  # the JSON text of the message
    sa.Column("aangemaakt_op", sa.DateTime(timezone=True), nullable=False),
    sa.Column("volgende_poging_op", sa.DateTime(timezone=True)),
    sa.Column("pogingen", sa.Integer, nullable=False, server_default="0"),
    sa.Column("laatste_poging_op", sa.DateTime(timezone=True)),
    sa.Column("laatste_fout", sa.Text),
    sa.Column("verzonden_op", sa.DateTime(timezone=True)),
    sa.Column("vervallen_op", sa.DateTime(timezone=True)),  # 0004: not sent: the escalation ended first
    sa.UniqueConstraint("escalatie_id", "onderwerp", "partij", "kanaal"),
)

# Each party's acknowledgement of an escalation at a level (once).
escalatie_bevestigingen = sa.Table(
    "escalatie_bevestigingen",
    metadata,
    sa.Column("escalatie_id", UUID(as_uuid=True), sa.ForeignKey("escalaties.id"), primary_key=True),
    sa.Column("partij", sa.String(10), primary_key=True),
    sa.Column("niveau", sa.Integer, primary_key=True),
    sa.Column("bevestigd_op", sa.DateTime(timezone=True), nullable=False),
    sa.Column("rol", sa.String(20), nullable=False),
)

# The indexes the migrations made (one definition: the models match the migrations, tested).
sa.Index("ix_capaciteit_historie_gi_tijd", capaciteit_historie.c.gi, capaciteit_historie.c.tijdstip)
sa.Index("ix_kinderen_in_zorg", kinderen.c.gi, kinderen.c.expertise,
         postgresql_where=sa.text("gesloten_op IS NULL"))
# At most one open escalation.
sa.Index("uq_escalaties_open", sa.text("(beeindigd_op IS NULL)"), unique=True,
         postgresql_where=sa.text("beeindigd_op IS NULL"))
sa.Index("ix_escalaties_gestart", escalaties.c.gestart_op)
sa.Index("ix_escalatie_kennisgevingen_due", escalatie_kennisgevingen.c.volgende_poging_op,
         postgresql_where=sa.text("verzonden_op IS NULL"))
