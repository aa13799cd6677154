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
)
