"""The chain's rules: cases open on the measure and hold several children and measures (one family,
one plan), the fixed protector per child, closure, transfer decisions of both GIs, drang signals,
and webhooks of the GI systems with their deliveries.

Replaces the 0001 tables casussen and overdrachten (no production data existed)."""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.drop_table("overdrachten")
    op.drop_table("casussen")

    op.create_table(
        "casussen",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("gezin_id", UUID(as_uuid=True), nullable=False),
        sa.Column("gemeente", sa.String(6), nullable=False),
        sa.Column("gi", sa.String(10), nullable=False),
        sa.Column("doelgroep", sa.String(50), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("geopend_op", sa.DateTime(timezone=True), nullable=False),
        sa.Column("gesloten_op", sa.DateTime(timezone=True)),
        sa.Column("sluitreden", sa.String(40)),
        sa.Column("toelichting", sa.Text),
        sa.Column("jeugdbeschermer_id", sa.String(100)),
        sa.Column("jeugdbeschermer_naam", sa.String(200)),
        sa.Column("jeugdbeschermer_toegewezen_op", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_casussen_gi", "casussen", ["gi", "status", "geopend_op"])
    # One family, one plan: at most one open case per family.
    op.create_index("uq_casussen_open_gezin", "casussen", ["gezin_id"], unique=True,
                    postgresql_where=sa.text("status = 'open'"))

    op.create_table(
        "casus_maatregelen",
        sa.Column("maatregel_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("casus_id", UUID(as_uuid=True), sa.ForeignKey("casussen.id"), nullable=False),
        sa.Column("melding_id", UUID(as_uuid=True), nullable=False),
        sa.Column("advies_id", UUID(as_uuid=True), nullable=False),
        sa.Column("maatregel", sa.String(20), nullable=False),
        sa.Column("route", sa.String(20), nullable=False),
        sa.Column("raadsonderzoek", sa.Boolean, nullable=False),
        sa.Column("startdatum", sa.Date, nullable=False),
        sa.Column("gi", sa.String(10), nullable=False),
        sa.Column("gi_reden", sa.Text),
        sa.Column("opgelegd_op", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ontvangen_op", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_casus_maatregelen_casus", "casus_maatregelen", ["casus_id"])

    op.create_table(
        "casus_kinderen",
        sa.Column("casus_id", UUID(as_uuid=True), sa.ForeignKey("casussen.id"), primary_key=True),
        sa.Column("kind_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("leeftijd", sa.Integer, nullable=False),
        sa.Column("melding_id", UUID(as_uuid=True), nullable=False),
        sa.Column("maatregel_id", UUID(as_uuid=True), sa.ForeignKey("casus_maatregelen.maatregel_id"),
                  nullable=False),
        sa.Column("maatregel", sa.String(20), nullable=False),
        sa.Column("maatregel_start", sa.Date, nullable=False),
        sa.Column("toegevoegd_op", sa.DateTime(timezone=True), nullable=False),
        sa.Column("wacht_sinds", sa.DateTime(timezone=True), nullable=False),
        sa.Column("wacht_tot", sa.DateTime(timezone=True)),
        sa.Column("jeugdbeschermer_id", sa.String(100)),
        sa.Column("jeugdbeschermer_naam", sa.String(200)),
        sa.Column("jeugdbeschermer_toegewezen_op", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_casus_kinderen_wachtend", "casus_kinderen", ["wacht_sinds"],
                    postgresql_where=sa.text("jeugdbeschermer_id IS NULL"))
    op.create_index("ix_casus_kinderen_drang", "casus_kinderen", ["maatregel_start"],
                    postgresql_where=sa.text("maatregel = 'drang'"))

    op.create_table(
        "overdrachten",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("casus_id", UUID(as_uuid=True), sa.ForeignKey("casussen.id"), nullable=False),
        sa.Column("van_gi", sa.String(10), nullable=False),
        sa.Column("naar_gi", sa.String(10), nullable=False),
        sa.Column("reden", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("aangevraagd_op", sa.DateTime(timezone=True), nullable=False),
        sa.Column("afgerond_op", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_overdrachten_casus", "overdrachten", ["casus_id"])
    # Only one pending transfer per case.
    op.create_index("uq_overdrachten_lopend", "overdrachten", ["casus_id"], unique=True,
                    postgresql_where=sa.text("status = 'aangevraagd'"))

    op.create_table(
        "overdracht_besluiten",
        sa.Column("overdracht_id", UUID(as_uuid=True), sa.ForeignKey("overdrachten.id"), primary_key=True),
        sa.Column("gi", sa.String(10), primary_key=True),
        sa.Column("besluit", sa.String(20), nullable=False),
        sa.Column("manager", sa.String(200), nullable=False),
        sa.Column("reden", sa.Text),
        sa.Column("besloten_op", sa.DateTime(timezone=True), nullable=False),
    )

    op.create_table(
        "drang_signalen",
        sa.Column("casus_id", UUID(as_uuid=True), sa.ForeignKey("casussen.id"), primary_key=True),
        sa.Column("termijn", sa.String(40), primary_key=True),
        sa.Column("startdatum", sa.Date, nullable=False),
        sa.Column("gesignaleerd_op", sa.DateTime(timezone=True), nullable=False),
    )

    op.create_table(
        "webhooks",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("gi", sa.String(10), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("secret", sa.String(100), nullable=False),
        sa.Column("aangemaakt_op", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_webhooks_gi", "webhooks", ["gi"])

    op.create_table(
        "webhook_afleveringen",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("webhook_id", UUID(as_uuid=True), sa.ForeignKey("webhooks.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(200), nullable=False),
        # The exact JSON text sent (and signed), so its key order never changes.
        sa.Column("bericht", sa.Text, nullable=False),
        sa.Column("aangemaakt_op", sa.DateTime(timezone=True), nullable=False),
        sa.Column("pogingen", sa.Integer, nullable=False, server_default="0"),
        sa.Column("volgende_poging_op", sa.DateTime(timezone=True), nullable=False),
        sa.Column("laatste_poging_op", sa.DateTime(timezone=True)),
        sa.Column("laatste_fout", sa.Text),
        sa.Column("afgeleverd_op", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("webhook_id", "event_id"),
    )
    op.create_index("ix_webhook_afleveringen_due", "webhook_afleveringen", ["volgende_poging_op"],
                    postgresql_where=sa.text("afgeleverd_op IS NULL"))
