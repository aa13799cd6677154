import sqlalchemy as sa

metadata = sa.MetaData()

capaciteit = sa.Table(
    "capaciteit",
    metadata,
    sa.Column("gi", sa.String(10), primary_key=True),
    sa.Column("jeugdbeschermers", sa.Integer, nullable=False),
    sa.Column("caseload_norm", sa.Integer, nullable=False),
    sa.Column("kinderen_in_zorg", sa.Integer, nullable=False),
    sa.Column("bijgewerkt_op", sa.DateTime(timezone=True)),
)

# Append-only: every visible change, so any past moment can be reconstructed.
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
)
