import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID

metadata = sa.MetaData()

# Every consumed event, minimised (no personal data), append-only: the projection's history.
# `sleutel` is a hash of the content, so the same fact delivered again is stored once.
event_historie = sa.Table(
    "event_historie",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("event_id", sa.String(64)),
    sa.Column("sleutel", sa.String(64), nullable=False, unique=True),
    sa.Column("event_type", sa.String(200), nullable=False),
    sa.Column("dossier", sa.Text, index=True),  # family (gezin_id) or 'escalatie:<id>'; null: via casus
    sa.Column("casus_id", UUID(as_uuid=False), index=True),
    sa.Column("tijdstip", sa.DateTime(timezone=True)),
    sa.Column("data", JSONB, nullable=False),
    sa.Column("vastgelegd_op", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
)

KPI_CIJFERS = "kpi_cijfers"
SLEUTEL_KOLOMMEN = ("periode_type", "periode", "kpi", "gi", "gemeente", "dimensie", "waarde")


def cijfer_tabel(name: str = KPI_CIJFERS, meta: sa.MetaData | None = None) -> sa.Table:
    """The projection: one row per KPI x period x GI x municipality x breakdown value."""
    return sa.Table(
        name,
        meta if meta is not None else metadata,
        sa.Column("periode_type", sa.String(10), primary_key=True),
        sa.Column("periode", sa.String(10), primary_key=True),
        sa.Column("kpi", sa.String(60), primary_key=True),
        sa.Column("gi", sa.String(10), primary_key=True),
        sa.Column("gemeente", sa.String(10), primary_key=True),
        sa.Column("dimensie", sa.String(40), primary_key=True),
        sa.Column("waarde", sa.String(60), primary_key=True),
        sa.Column("aantal", sa.BigInteger, nullable=False),
        sa.Column("som", sa.BigInteger, nullable=False),
    )


kpi_cijfers = cijfer_tabel()

# The projection's version (one row): bumped with every change of kpi_cijfers, in its transaction.
kpi_versie = sa.Table(
    "kpi_versie",
    metadata,
    sa.Column("id", sa.SmallInteger, primary_key=True),
    sa.Column("projectie", UUID(as_uuid=False), nullable=False),
    sa.Column("versie", sa.BigInteger, nullable=False),
)
VERHOOG_VERSIE = "UPDATE kpi_versie SET versie = versie + 1"

# Rebuilds of the projection from the history: when, what they found, whether they replaced it.
herberekeningen = sa.Table(
    "herberekeningen",
    metadata,
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("vervangen", sa.Boolean, nullable=False),
    sa.Column("catalogus_versie", sa.String(20), nullable=False),
    sa.Column("aangevraagd_op", sa.DateTime(timezone=True), nullable=False),
    sa.Column("klaar_op", sa.DateTime(timezone=True)),
    sa.Column("events", sa.BigInteger),
    sa.Column("dossiers", sa.BigInteger),
    sa.Column("cellen", sa.BigInteger),
    sa.Column("verschillen", sa.BigInteger),
    sa.Column("voorbeelden", JSONB),
    sa.Column("duur_s", sa.Float),
    sa.Column("fout", sa.Text),
)

# The GIs' readings (duidingen) of a quarter's figures: appended, never changed. `auteur` is the
# token's subject (kept for accountability, not shown), `auteur_naam` the name the token gave.
duidingen = sa.Table(
    "duidingen",
    metadata,
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    sa.Column("volgnummer", sa.BigInteger, sa.Identity(), nullable=False),  # the order they were written in
    sa.Column("kwartaal", sa.String(7), nullable=False, index=True),
    sa.Column("gi", sa.String(10), nullable=False),
    sa.Column("kpi", sa.String(60)),
    sa.Column("tekst", sa.Text, nullable=False),
    sa.Column("auteur", sa.Text, nullable=False),
    sa.Column("auteur_rol", sa.String(20), nullable=False),
    sa.Column("auteur_naam", sa.Text),
    sa.Column("geschreven_op", sa.DateTime(timezone=True), nullable=False),
    sa.Column("addendum", sa.Boolean, nullable=False),
)

# A quarter whose report is final: one row, once.
vaststellingen = sa.Table(
    "vaststellingen",
    metadata,
    sa.Column("kwartaal", sa.String(7), primary_key=True),
    sa.Column("vastgesteld_op", sa.DateTime(timezone=True), nullable=False),
    sa.Column("vastgesteld_door", sa.Text, nullable=False),
)
