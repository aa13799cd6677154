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

# The indexes the migrations made (one definition: the models match the migrations, tested).
sa.Index("ix_adviezen_status", adviezen.c.status)
sa.Index("ix_adviezen_voorgesteld_op", adviezen.c.voorgesteld_op)
sa.Index("ix_adviezen_gezin_id", adviezen.c.gezin_id)
