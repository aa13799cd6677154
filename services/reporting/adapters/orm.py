import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import UUID

metadata = sa.MetaData()

# One row of facts per report, filled in as its events arrive (in any order).
melding_feiten = sa.Table(
    "melding_feiten",
    metadata,
    sa.Column("melding_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("gemeente", sa.String(6), nullable=False),
    sa.Column("urgentie", sa.String(20)),
    sa.Column("kader", sa.String(20)),
    sa.Column("doelgroep", sa.String(50)),
    sa.Column("gi", sa.String(10)),
    sa.Column("ontvangen_op", sa.DateTime(timezone=True)),
    sa.Column("geadviseerd_op", sa.DateTime(timezone=True)),
    sa.Column("toegewezen_op", sa.DateTime(timezone=True)),
)
