import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID

metadata = sa.MetaData()

triages = sa.Table(
    "triages",
    metadata,
    sa.Column("melding_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("gezin_id", UUID(as_uuid=True), nullable=False),
    sa.Column("gemeente", sa.String(6), nullable=False),
    sa.Column("doelgroep", sa.String(50), nullable=False),
    sa.Column("expertise", sa.String(50)),
    sa.Column("geschikte_gis", JSONB, nullable=False),
    sa.Column("regelset_versie", sa.String(20), nullable=False),
    sa.Column("regel", sa.String(50), nullable=False),
    sa.Column("toelichting", sa.Text, nullable=False),
    sa.Column("besloten_op", sa.DateTime(timezone=True), nullable=False),
)

adviezen = sa.Table(
    "adviezen",
    metadata,
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    sa.Column("melding_id", UUID(as_uuid=True), nullable=False, unique=True),
    sa.Column("gezin_id", UUID(as_uuid=True), nullable=False),
    sa.Column("gemeente", sa.String(6), nullable=False),
    sa.Column("urgentie", sa.String(10)),
    sa.Column("kader", sa.String(10)),
    sa.Column("kinderen", JSONB, nullable=False),
    sa.Column("doelgroep", sa.String(50), nullable=False),
    sa.Column("rangorde", JSONB, nullable=False),
    sa.Column("voorgestelde_gi", sa.String(10), nullable=False),
    sa.Column("reden", sa.Text, nullable=False),
    sa.Column("voorgesteld_op", sa.DateTime(timezone=True), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("gi", sa.String(10)),
    sa.Column("afwijking", sa.Boolean, nullable=False),
    sa.Column("afwijking_reden", sa.Text),
    sa.Column("rvdk_toelichting", sa.Text),
    sa.Column("bevestigd_door", sa.String(20)),
    sa.Column("geadviseerd_op", sa.DateTime(timezone=True)),
    # 0003: an override's reason category; when the personal data were erased (retention)
    sa.Column("afwijking_categorie", sa.String(30)),
    sa.Column("gewist_op", sa.DateTime(timezone=True)),
)

maatregelen = sa.Table(
    "maatregelen",
    metadata,
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    sa.Column("advies_id", UUID(as_uuid=True), sa.ForeignKey("adviezen.id"), nullable=False, unique=True),
    sa.Column("maatregel", sa.String(10), nullable=False),
    sa.Column("route", sa.String(20), nullable=False),
    sa.Column("raadsonderzoek", sa.Boolean, nullable=False),
    sa.Column("startdatum", sa.Date, nullable=False),
    sa.Column("gi", sa.String(10), nullable=False),
    sa.Column("opgelegd_op", sa.DateTime(timezone=True), nullable=False),
)

# 0003: each family's latest closure (from casus.closed), for the retention term.
gezinnen = sa.Table(
    "gezinnen",
    metadata,
    sa.Column("gezin_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("laatst_gesloten_op", sa.DateTime(timezone=True), nullable=False),
)

beschikbaarheid = sa.Table(
    "beschikbaarheid",
    metadata,
    sa.Column("gi", sa.String(10), primary_key=True),
    sa.Column("vrije_plaatsen", sa.Integer, nullable=False),
    sa.Column("tijdstip", sa.DateTime(timezone=True), nullable=False),
)

# 0004: consultation & advice (C&A): the local teams' requests, routed to a GI, the hours each GI
# recorded on them, and per GI per year the sum of those hours (what routing reads).
consultaties = sa.Table(
    "consultaties",
    metadata,
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    sa.Column("gemeente", sa.String(6), nullable=False),
    sa.Column("organisatie", sa.String(100), nullable=False),
    sa.Column("categorie", sa.String(30), nullable=False),
    sa.Column("gezin_id", UUID(as_uuid=True)),  # pseudonymous, optional; erased after the term
    sa.Column("gi", sa.String(10), nullable=False),
    sa.Column("expertise", sa.String(50)),
    sa.Column("reden", sa.String(500), nullable=False),
    sa.Column("regelset_versie", sa.String(20), nullable=False),
    sa.Column("aangevraagd_op", sa.DateTime(timezone=True), nullable=False),
    sa.Column("laatste_activiteit_op", sa.DateTime(timezone=True), nullable=False),
    sa.Column("gewist_op", sa.DateTime(timezone=True)),
)

consultatie_uren = sa.Table(
    "consultatie_uren",
    metadata,
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    sa.Column("consultatie_id", UUID(as_uuid=True), sa.ForeignKey("consultaties.id"), nullable=False),
    sa.Column("uren", sa.Numeric(5, 2), nullable=False),
    sa.Column("datum", sa.Date, nullable=False),
    sa.Column("geregistreerd_op", sa.DateTime(timezone=True), nullable=False),
)

ca_uren_per_jaar = sa.Table(
    "ca_uren_per_jaar",
    metadata,
    sa.Column("gi", sa.String(10), primary_key=True),
    sa.Column("jaar", sa.Integer, primary_key=True),
    sa.Column("uren", sa.Numeric(12, 2), nullable=False),
)

# 0005: proposed versions of the target-group rules (the ruleset as proposed, its difference from
# the version it was made against) and each GI's decision on them. The activated proposal with the
# highest `volgnummer` decides new reports, unless a shipped file has a higher version.
regelset_voorstellen = sa.Table(
    "regelset_voorstellen",
    metadata,
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    sa.Column("versie", sa.String(20), nullable=False, unique=True),
    sa.Column("basis_versie", sa.String(20), nullable=False),
    sa.Column("regelset", JSONB, nullable=False),
    sa.Column("verschil", JSONB, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("voorgesteld_door", sa.String(10), nullable=False),
    sa.Column("indiener", sa.String(200), nullable=False),  # the proposing manager's token subject
    sa.Column("indiener_naam", sa.String(200)),
    sa.Column("voorgesteld_op", sa.DateTime(timezone=True), nullable=False),
    sa.Column("afgesloten_op", sa.DateTime(timezone=True)),
    sa.Column("volgnummer", sa.Integer, unique=True),  # set when it took effect: 1, 2, ...
)

regelset_besluiten = sa.Table(
    "regelset_besluiten",
    metadata,
    sa.Column("voorstel_id", UUID(as_uuid=True), sa.ForeignKey("regelset_voorstellen.id"), primary_key=True),
    sa.Column("gi", sa.String(10), primary_key=True),  # one decision per GI per proposal
    sa.Column("nummer", sa.SmallInteger, nullable=False),  # 1, 2, 3: the order the GIs decided in
    sa.Column("besluit", sa.String(20), nullable=False),
    sa.Column("manager", sa.String(200), nullable=False),  # the deciding manager's token subject
    sa.Column("manager_naam", sa.String(200)),
    sa.Column("categorie", sa.String(30)),
    sa.Column("toelichting", sa.Text),  # a rejection's own words: never in an event
    sa.Column("besloten_op", sa.DateTime(timezone=True), nullable=False),
)

# 0006, capacity's escalation plan: the region's escalations as triage reads them from
# capacity.escalaties (the plan version and the measures in force at the level last raised); the
# grey-area measure changes the advice proposal while its escalation is open.
regio_escalaties = sa.Table(
    "regio_escalaties",
    metadata,
    sa.Column("escalatie_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("niveau", sa.Integer, nullable=False),
    sa.Column("escalatieplan_versie", sa.String(20)),
    sa.Column("maatregelen", JSONB, nullable=False),
    sa.Column("tijdstip", sa.DateTime(timezone=True), nullable=False),
    sa.Column("beeindigd_op", sa.DateTime(timezone=True)),
    sa.Column("gestart_op", sa.DateTime(timezone=True)),  # 0007: when it opened (the simulation's history)
)

# 0007, the what-if simulation: the history triage keeps to replay (pseudonymous) and the simulations.
simulatie_meldingen = sa.Table(
    "simulatie_meldingen",
    metadata,
    sa.Column("melding_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("gezin_id", UUID(as_uuid=True), nullable=False),
    sa.Column("zorgen", JSONB, nullable=False),
    sa.Column("kenmerken", JSONB, nullable=False),
    sa.Column("kader", sa.String(10)),
    sa.Column("kinderen", JSONB, nullable=False),
    sa.Column("grijs_gebied", sa.Boolean, nullable=False),
    sa.Column("besloten_op", sa.DateTime(timezone=True), nullable=False),
)

kind_verlopen = sa.Table(
    "kind_verlopen",
    metadata,
    sa.Column("casus_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("kind_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("gezin_id", UUID(as_uuid=True), nullable=False),
    sa.Column("melding_id", UUID(as_uuid=True)),
    sa.Column("gi", sa.String(10), nullable=False),
    sa.Column("toegewezen_op", sa.DateTime(timezone=True), nullable=False),
    sa.Column("beschermer_op", sa.DateTime(timezone=True)),
    sa.Column("gesloten_op", sa.DateTime(timezone=True)),
)

capaciteit_historie = sa.Table(
    "capaciteit_historie",
    metadata,
    sa.Column("gi", sa.String(10), primary_key=True),
    sa.Column("tijdstip", sa.DateTime(timezone=True), primary_key=True),
    sa.Column("jeugdbeschermers", sa.Integer, nullable=False),
    sa.Column("afwezig", sa.Integer, nullable=False),
    sa.Column("caseload_norm", sa.Integer, nullable=False),
    sa.Column("vrije_plaatsen", sa.Integer, nullable=False),
    sa.Column("wachtend", sa.Integer, nullable=False),
)

simulaties = sa.Table(
    "simulaties",
    metadata,
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    sa.Column("voorstel_id", UUID(as_uuid=True), sa.ForeignKey("regelset_voorstellen.id")),
    sa.Column("regelset_versie", sa.String(20), nullable=False),
    sa.Column("scenario", JSONB, nullable=False),
    sa.Column("resultaat", JSONB, nullable=False),
    sa.Column("aangevraagd_door", sa.String(100), nullable=False),
    sa.Column("aangemaakt_op", sa.DateTime(timezone=True), nullable=False),
)

# The indexes the migrations made (one definition: the models match the migrations, tested).
sa.Index("ix_adviezen_status", adviezen.c.status)
sa.Index("ix_adviezen_voorgesteld_op", adviezen.c.voorgesteld_op)
sa.Index("ix_adviezen_gezin_id", adviezen.c.gezin_id)
sa.Index("ix_consultaties_gi", consultaties.c.gi)
sa.Index("ix_consultaties_gemeente", consultaties.c.gemeente)
sa.Index("ix_consultaties_aangevraagd_op", consultaties.c.aangevraagd_op)
sa.Index("ix_consultatie_uren_consultatie_id", consultatie_uren.c.consultatie_id)
sa.Index("ix_regelset_voorstellen_status", regelset_voorstellen.c.status)
sa.Index("ix_kind_verlopen_toegewezen_op", kind_verlopen.c.toegewezen_op)
sa.Index("ix_simulaties_voorstel_id", simulaties.c.voorstel_id)
