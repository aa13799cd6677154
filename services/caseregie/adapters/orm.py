import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID

metadata = sa.MetaData()

casussen = sa.Table(
    "casussen",
    metadata,
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
    # 0007: when its personal data were erased, past the retention term after closure
    sa.Column("gewist_op", sa.DateTime(timezone=True)),
)

casus_maatregelen = sa.Table(
    "casus_maatregelen",
    metadata,
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

casus_kinderen = sa.Table(
    "casus_kinderen",
    metadata,
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

overdrachten = sa.Table(
    "overdrachten",
    metadata,
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    sa.Column("casus_id", UUID(as_uuid=True), sa.ForeignKey("casussen.id"), nullable=False),
    sa.Column("van_gi", sa.String(10), nullable=False),
    sa.Column("naar_gi", sa.String(10), nullable=False),
    sa.Column("reden", sa.Text, nullable=False),
    sa.Column("categorie", sa.String(20), nullable=False, server_default="overig"),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("aangevraagd_op", sa.DateTime(timezone=True), nullable=False),
    sa.Column("afgerond_op", sa.DateTime(timezone=True)),
)

overdracht_besluiten = sa.Table(
    "overdracht_besluiten",
    metadata,
    sa.Column("overdracht_id", UUID(as_uuid=True), sa.ForeignKey("overdrachten.id"), primary_key=True),
    sa.Column("gi", sa.String(10), primary_key=True),
    sa.Column("besluit", sa.String(20), nullable=False),
    sa.Column("manager", sa.String(200), nullable=False),  # the deciding token's subject (sub)
    sa.Column("reden", sa.Text),
    sa.Column("besloten_op", sa.DateTime(timezone=True), nullable=False),
    sa.Column("manager_naam", sa.String(200)),  # the deciding token's naam, if it had one
    sa.Column("categorie", sa.String(30)),  # a rejection's reason category (0007)
)

drang_signalen = sa.Table(
    "drang_signalen",
    metadata,
    sa.Column("casus_id", UUID(as_uuid=True), sa.ForeignKey("casussen.id"), primary_key=True),
    sa.Column("termijn", sa.String(40), primary_key=True),
    sa.Column("startdatum", sa.Date, nullable=False),
    sa.Column("gesignaleerd_op", sa.DateTime(timezone=True), nullable=False),
)

# 0008: the out-of-home placements and youth care the case's GI records for a child of the case:
# pseudonymous ids, codes and dates only (nothing the retention term erases).
uithuisplaatsingen = sa.Table(
    "uithuisplaatsingen",
    metadata,
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    sa.Column("casus_id", UUID(as_uuid=True), sa.ForeignKey("casussen.id"), nullable=False),
    sa.Column("kind_id", UUID(as_uuid=True), nullable=False),
    sa.Column("vorm", sa.String(30), nullable=False),
    sa.Column("in_netwerk", sa.Boolean, nullable=False),
    sa.Column("startdatum", sa.Date, nullable=False),
    sa.Column("einddatum", sa.Date),
    sa.Column("geregistreerd_op", sa.DateTime(timezone=True), nullable=False),
    sa.Column("beeindigd_op", sa.DateTime(timezone=True)),
    sa.CheckConstraint("einddatum IS NULL OR einddatum >= startdatum", name="ck_uithuisplaatsingen_einde"),
)

jeugdhulptrajecten = sa.Table(
    "jeugdhulptrajecten",
    metadata,
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    sa.Column("casus_id", UUID(as_uuid=True), sa.ForeignKey("casussen.id"), nullable=False),
    sa.Column("kind_id", UUID(as_uuid=True), nullable=False),
    sa.Column("vorm", sa.String(30), nullable=False),
    sa.Column("startdatum", sa.Date, nullable=False),
    sa.Column("geregistreerd_op", sa.DateTime(timezone=True), nullable=False),
)

webhooks = sa.Table(
    "webhooks",
    metadata,
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    sa.Column("gi", sa.String(10), nullable=False),
    sa.Column("url", sa.Text, nullable=False),
    # The signing secret, Fernet-encrypted (adapters/webhook_client.py: SecretBox); never plain.
    sa.Column("versleuteld_geheim", sa.Text, nullable=False),
    sa.Column("aangemaakt_op", sa.DateTime(timezone=True), nullable=False),
)

webhook_afleveringen = sa.Table(
    "webhook_afleveringen",
    metadata,
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

# 0009, capacity's escalation plan: the region's escalations as caseregie reads them from
# capacity.escalaties (the measures in force order the waiting list), and the urgency of each
# report as the RvdK's advice carried it (AdviesIssued), so the waiting list can order by it.
regio_escalaties = sa.Table(
    "regio_escalaties",
    metadata,
    sa.Column("escalatie_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("niveau", sa.Integer, nullable=False),
    sa.Column("maatregelen", JSONB, nullable=False),
    sa.Column("tijdstip", sa.DateTime(timezone=True), nullable=False),
    sa.Column("beeindigd_op", sa.DateTime(timezone=True)),
)

melding_urgenties = sa.Table(
    "melding_urgenties",
    metadata,
    sa.Column("melding_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("urgentie", sa.String(10), nullable=False),
)

# The indexes the migrations made (one definition: the models match the migrations, tested).
sa.Index("ix_casussen_gi", casussen.c.gi, casussen.c.status, casussen.c.geopend_op)
# One family, one plan: at most one open case per family.
sa.Index("uq_casussen_open_gezin", casussen.c.gezin_id, unique=True,
         postgresql_where=sa.text("status = 'open'"))
sa.Index("ix_casus_maatregelen_casus", casus_maatregelen.c.casus_id)
sa.Index("ix_casus_kinderen_wachtend", casus_kinderen.c.wacht_sinds,
         postgresql_where=sa.text("jeugdbeschermer_id IS NULL"))
sa.Index("ix_casus_kinderen_drang", casus_kinderen.c.maatregel_start,
         postgresql_where=sa.text("maatregel = 'drang'"))
sa.Index("ix_overdrachten_casus", overdrachten.c.casus_id)
# Only one pending transfer per case.
sa.Index("uq_overdrachten_lopend", overdrachten.c.casus_id, unique=True,
         postgresql_where=sa.text("status = 'aangevraagd'"))
sa.Index("ix_uithuisplaatsingen_casus", uithuisplaatsingen.c.casus_id, uithuisplaatsingen.c.kind_id)
# One running placement per child of a case (the domain refuses any overlap; the case is locked).
sa.Index("uq_uithuisplaatsingen_lopend", uithuisplaatsingen.c.casus_id, uithuisplaatsingen.c.kind_id,
         unique=True,
         postgresql_where=sa.text("einddatum IS NULL"))
sa.Index("ix_jeugdhulptrajecten_casus", jeugdhulptrajecten.c.casus_id, jeugdhulptrajecten.c.kind_id)
sa.Index("ix_webhooks_gi", webhooks.c.gi)
sa.Index("ix_webhook_afleveringen_due", webhook_afleveringen.c.volgende_poging_op,
         postgresql_where=sa.text("afgeleverd_op IS NULL"))
