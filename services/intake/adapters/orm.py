import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID

metadata = sa.MetaData()

meldingen = sa.Table(
    "meldingen",
    metadata,
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    sa.Column("gezin_id", UUID(as_uuid=True), nullable=False),
    sa.Column("gemeente", sa.String(6), nullable=False),
    sa.Column("urgentie", sa.String(20), nullable=False),
    sa.Column("kader", sa.String(20)),
    sa.Column("zorgen", JSONB, nullable=False),
    sa.Column("kenmerken", JSONB, nullable=False),
    sa.Column("gezin", JSONB, nullable=False),
    sa.Column("melder", JSONB, nullable=False),
    sa.Column("toelichting", sa.Text),
    sa.Column("ontvangen_op", sa.DateTime(timezone=True), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("doelgroep", sa.String(50)),
    sa.Column("geadviseerde_gi", sa.String(10)),
    sa.Column("toegewezen_gi", sa.String(10)),
    sa.Column("casus_id", UUID(as_uuid=True)),
    sa.Column("stappen", JSONB, nullable=False),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    # 0002
    sa.Column("herhaald_beroep", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("aanvullen_voor", sa.DateTime(timezone=True)),
    sa.Column("ontbrekend", JSONB, nullable=False, server_default="[]"),
    sa.Column("maatregel", sa.String(20)),
    sa.Column("jeugdbeschermer", sa.String(100)),
    sa.Column("te_laat_gesignaleerd_op", sa.DateTime(timezone=True)),
    # 0003: who submitted it (from the token)
    sa.Column("organisatie", sa.String(100)),
    sa.Column("ingediend_door", sa.String(200)),
    # 0004: when its personal data were erased, past the retention term
    sa.Column("gewist_op", sa.DateTime(timezone=True)),
)

# One family across reports: keyed-hash pseudonym of a child's or parent's BSN -> the family.
gezinssleutels = sa.Table(
    "gezinssleutels",
    metadata,
    sa.Column("sleutel", UUID(as_uuid=True), primary_key=True),
    sa.Column("gezin_id", UUID(as_uuid=True), nullable=False),
    sa.Column("vastgelegd_op", sa.DateTime(timezone=True), nullable=False),
)

# What intake knows about a family beyond its reports: when its last case closed.
gezinnen = sa.Table(
    "gezinnen",
    metadata,
    sa.Column("gezin_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("laatst_gesloten_op", sa.DateTime(timezone=True), nullable=False),
)

# The indexes the migrations made (one definition: the models match the migrations, tested).
sa.Index("ix_meldingen_gemeente_ontvangen", meldingen.c.gemeente, meldingen.c.ontvangen_op)
sa.Index("ix_meldingen_organisatie_ontvangen", meldingen.c.organisatie, meldingen.c.ontvangen_op)
sa.Index("ix_meldingen_gezin_id", meldingen.c.gezin_id)
sa.Index("ix_meldingen_casus_id", meldingen.c.casus_id, postgresql_where=sa.text("casus_id IS NOT NULL"))
sa.Index("ix_meldingen_onvolledig", meldingen.c.aanvullen_voor,
         postgresql_where=sa.text("status = 'incomplete' AND te_laat_gesignaleerd_op IS NULL"))
sa.Index("ix_gezinssleutels_gezin_id", gezinssleutels.c.gezin_id)
