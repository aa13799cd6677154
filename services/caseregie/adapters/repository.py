from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, datetime
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.vocabulary import (
    GI,
    AfwijzingReden,
    Jeugdhulpvorm,
    Maatregel,
    OverdrachtReden,
    Plaatsingsvorm,
    Sluitreden,
)
from runtime import db
from services.caseregie.adapters.orm import (
    casus_kinderen,
    casus_maatregelen,
    casussen,
    drang_signalen,
    jeugdhulptrajecten,
    melding_urgenties,
    overdracht_besluiten,
    overdrachten,
    regio_escalaties,
    uithuisplaatsingen,
    webhook_afleveringen,
    webhooks,
)
from services.caseregie.adapters.webhook_client import SecretBox
from services.caseregie.domain.model import (
    GESLOTEN,
    GEWIST,
    OPEN,
    Besluit,
    Casus,
    CasusKind,
    CasusMaatregel,
    DrangSignaal,
    Jeugdbeschermer,
    Overdracht,
)
from services.caseregie.domain.plaatsingen import Jeugdhulp, Uithuisplaatsing
from services.caseregie.domain.webhooks import Aflevering, Webhook, body


def _jeugdbeschermer(row) -> Jeugdbeschermer | None:
    if row.jeugdbeschermer_id is None:
        return None
    return Jeugdbeschermer(id=row.jeugdbeschermer_id, naam=row.jeugdbeschermer_naam,
                           toegewezen_op=row.jeugdbeschermer_toegewezen_op)


def _jeugdbeschermer_values(jb: Jeugdbeschermer | None) -> dict:
    return {"jeugdbeschermer_id": jb.id if jb else None, "jeugdbeschermer_naam": jb.naam if jb else None,
            "jeugdbeschermer_toegewezen_op": jb.toegewezen_op if jb else None}


def _kind(row) -> CasusKind:
    return CasusKind(kind_id=row.kind_id, leeftijd=row.leeftijd, melding_id=row.melding_id,
                     maatregel_id=row.maatregel_id, maatregel=Maatregel(row.maatregel),
                     maatregel_start=row.maatregel_start, toegevoegd_op=row.toegevoegd_op,
                     wacht_sinds=row.wacht_sinds, wacht_tot=row.wacht_tot,
                     jeugdbeschermer=_jeugdbeschermer(row), urgentie=row._mapping.get("urgentie"))


def _maatregel(row) -> CasusMaatregel:
    return CasusMaatregel(maatregel_id=row.maatregel_id, melding_id=row.melding_id, advies_id=row.advies_id,
                          maatregel=Maatregel(row.maatregel), route=row.route,
                          raadsonderzoek=row.raadsonderzoek, startdatum=row.startdatum, gi=GI(row.gi),
                          gi_reden=row.gi_reden, opgelegd_op=row.opgelegd_op, ontvangen_op=row.ontvangen_op)


def _overdracht(row, besluiten: list[Besluit]) -> Overdracht:
    return Overdracht(id=row.id, casus_id=row.casus_id, van_gi=GI(row.van_gi), naar_gi=GI(row.naar_gi),
                      reden=row.reden, categorie=OverdrachtReden(row.categorie), status=row.status,
                      aangevraagd_op=row.aangevraagd_op, afgerond_op=row.afgerond_op, besluiten=besluiten)


def _besluit(row) -> Besluit:
    return Besluit(gi=GI(row.gi), besluit=row.besluit, manager=row.manager, besloten_op=row.besloten_op,
                   reden=row.reden, manager_naam=row.manager_naam,
                   categorie=AfwijzingReden(row.categorie) if row.categorie else None)


def _uithuisplaatsing(row) -> Uithuisplaatsing:
    return Uithuisplaatsing(id=row.id, kind_id=row.kind_id, vorm=Plaatsingsvorm(row.vorm),
                            in_netwerk=row.in_netwerk, startdatum=row.startdatum,
                            geregistreerd_op=row.geregistreerd_op, einddatum=row.einddatum,
                            beeindigd_op=row.beeindigd_op)


def _jeugdhulp(row) -> Jeugdhulp:
    return Jeugdhulp(id=row.id, kind_id=row.kind_id, vorm=Jeugdhulpvorm(row.vorm), startdatum=row.startdatum,
                     geregistreerd_op=row.geregistreerd_op)


def _van(kolom: sa.Column, *volgorde) -> sa.Select:
    """The rows whose `kolom` is one of the ids passed as `ids`, in `volgorde`."""
    ids = sa.bindparam("ids", type_=ARRAY(kolom.type))
    return sa.select(kolom.table).where(kolom == sa.any_(ids)).order_by(*volgorde)


# The statements of every case event, built once (values passed at execute).
_KINDEREN = _van(casus_kinderen.c.casus_id, casus_kinderen.c.toegevoegd_op, casus_kinderen.c.kind_id)
_MAATREGELEN = _van(casus_maatregelen.c.casus_id, casus_maatregelen.c.ontvangen_op)
_OVERDRACHTEN = _van(overdrachten.c.casus_id, overdrachten.c.aangevraagd_op)
_BESLUITEN = _van(overdracht_besluiten.c.overdracht_id, overdracht_besluiten.c.besloten_op)
_SIGNALEN = _van(drang_signalen.c.casus_id, drang_signalen.c.gesignaleerd_op, drang_signalen.c.termijn)
# In the order they happened: by start, a placement of a few hours before the one the child went on to.
_PLAATSINGEN = _van(uithuisplaatsingen.c.casus_id, uithuisplaatsingen.c.startdatum,
                    uithuisplaatsingen.c.einddatum.asc().nulls_last(), uithuisplaatsingen.c.geregistreerd_op,
                    uithuisplaatsingen.c.id)
_JEUGDHULP = _van(jeugdhulptrajecten.c.casus_id, jeugdhulptrajecten.c.startdatum,
                  jeugdhulptrajecten.c.geregistreerd_op, jeugdhulptrajecten.c.id)
_CASUS = sa.select(casussen).where(casussen.c.id == sa.bindparam("b_id"))
_CASUS_VOOR_UPDATE = _CASUS.with_for_update()
_HEEFT_MAATREGEL = sa.select(sa.exists().where(
    casus_maatregelen.c.maatregel_id == sa.bindparam("b_maatregel")))
_OPEN_VOOR_GEZIN = (sa.select(casussen)
                    .where(casussen.c.gezin_id == sa.bindparam("b_gezin"), casussen.c.status == OPEN)
                    .with_for_update())
_GEZIN_SLOT = sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtextextended(sa.bindparam("sleutel"), 0)))


class CasusRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    # --- loading ---------------------------------------------------------------------------

    async def _load(self, rows) -> list[Casus]:
        """Whole cases (children, measures, transfers, drang signals, placements and youth care) in
        a few queries."""
        ids = [r.id for r in rows]
        if not ids:
            return []
        kinderen, maatregelen, transfers, signalen = (defaultdict(list) for _ in range(4))
        plaatsingen, jeugdhulp = defaultdict(list), defaultdict(list)
        for r in await self.session.execute(_KINDEREN, {"ids": ids}):
            kinderen[r.casus_id].append(_kind(r))
        for r in await self.session.execute(_MAATREGELEN, {"ids": ids}):
            maatregelen[r.casus_id].append(_maatregel(r))
        transfer_rows = (await self.session.execute(_OVERDRACHTEN, {"ids": ids})).all()
        besluiten = defaultdict(list)
        if transfer_rows:
            for r in await self.session.execute(_BESLUITEN, {"ids": [t.id for t in transfer_rows]}):
                besluiten[r.overdracht_id].append(_besluit(r))
        for t in transfer_rows:
            transfers[t.casus_id].append(_overdracht(t, besluiten[t.id]))
        for r in await self.session.execute(_SIGNALEN, {"ids": ids}):
            signalen[r.casus_id].append(DrangSignaal(termijn=r.termijn, startdatum=r.startdatum,
                                                     gesignaleerd_op=r.gesignaleerd_op))
        for r in await self.session.execute(_PLAATSINGEN, {"ids": ids}):
            plaatsingen[r.casus_id].append(_uithuisplaatsing(r))
        for r in await self.session.execute(_JEUGDHULP, {"ids": ids}):
            jeugdhulp[r.casus_id].append(_jeugdhulp(r))
        return [Casus(id=r.id, gezin_id=r.gezin_id, gemeente=r.gemeente, gi=GI(r.gi), doelgroep=r.doelgroep,
                      status=r.status, geopend_op=r.geopend_op, kinderen=kinderen[r.id],
                      maatregelen=maatregelen[r.id], overdrachten=transfers[r.id],
                      drang_signalen=signalen[r.id], uithuisplaatsingen=plaatsingen[r.id],
                      jeugdhulp=jeugdhulp[r.id], jeugdbeschermer=_jeugdbeschermer(r),
                      gesloten_op=r.gesloten_op,
                      sluitreden=Sluitreden(r.sluitreden) if r.sluitreden else None,
                      toelichting=r.toelichting)
                for r in rows]

    async def _one(self, query, params: dict) -> Casus | None:
        row = (await self.session.execute(query, params)).first()
        return (await self._load([row]))[0] if row else None

    async def get(self, casus_id: UUID, *, for_update: bool = False) -> Casus | None:
        return await self._one(_CASUS_VOOR_UPDATE if for_update else _CASUS, {"b_id": casus_id})

    # --- the retention term -----------------------------------------------------------------

    async def past_retention(self, grens: datetime, limit: int) -> list[Casus]:
        """Cases closed before `grens` whose personal data are still there (locked, skipping rows
        another instance holds)."""
        rows = (await self.session.execute(
            sa.select(casussen).where(casussen.c.status == GESLOTEN, casussen.c.gesloten_op < grens,
                                      casussen.c.gewist_op.is_(None))
            .order_by(casussen.c.gesloten_op, casussen.c.id).limit(limit)
            .with_for_update(skip_locked=True))).all()
        return await self._load(rows)

    async def erase(self, casus_id: UUID, now: datetime) -> None:
        """Erase a case's personal data: the free text of its transfers, rejections and closure, and
        the names of its protectors and deciding managers. Codes, dates and pseudonymous ids stay
        (a transfer's reason keeps its category; the text, required, becomes GEWIST); placements and
        youth care hold only those, and stay."""
        await self.session.execute(sa.update(casussen).where(casussen.c.id == casus_id).values(
            toelichting=None, jeugdbeschermer_naam=None, gewist_op=now))
        await self.session.execute(sa.update(casus_kinderen).where(casus_kinderen.c.casus_id == casus_id)
                                   .values(jeugdbeschermer_naam=None))
        transfers = sa.select(overdrachten.c.id).where(overdrachten.c.casus_id == casus_id)
        await self.session.execute(sa.update(overdrachten).where(overdrachten.c.casus_id == casus_id)
                                   .values(reden=GEWIST))
        await self.session.execute(sa.update(overdracht_besluiten)
                                   .where(overdracht_besluiten.c.overdracht_id.in_(transfers))
                                   .values(reden=None, manager_naam=None))

    async def lock_gezin(self, gezin_id: UUID) -> None:
        """Serialise everything that opens or joins a family's case (until the transaction ends)."""
        await self.session.execute(_GEZIN_SLOT, {"sleutel": f"caseregie.gezin:{gezin_id}"})

    async def open_for_gezin(self, gezin_id: UUID) -> Casus | None:
        return await self._one(_OPEN_VOOR_GEZIN, {"b_gezin": gezin_id})

    async def has_maatregel(self, maatregel_id: UUID) -> bool:
        return await self.session.scalar(_HEEFT_MAATREGEL, {"b_maatregel": maatregel_id})

    async def get_overdracht(self, overdracht_id: UUID) -> Overdracht | None:
        row = (await self.session.execute(
            sa.select(overdrachten).where(overdrachten.c.id == overdracht_id))).first()
        return _overdracht(row, []) if row else None

    # --- saving ----------------------------------------------------------------------------

    async def _upsert(self, table: sa.Table, keys: tuple[str, ...], rows: list[dict]) -> None:
        await self.session.execute(db.upsert(table, keys, tuple(rows[0])), rows)

    async def save(self, c: Casus) -> None:
        """Write the whole case; children, measures, transfers and signals are upserted."""
        await self._upsert(casussen, ("id",), [{
            "id": c.id, "gezin_id": c.gezin_id, "gemeente": c.gemeente, "gi": c.gi, "doelgroep": c.doelgroep,
            "status": c.status, "geopend_op": c.geopend_op, "gesloten_op": c.gesloten_op,
            "sluitreden": c.sluitreden, "toelichting": c.toelichting,
            **_jeugdbeschermer_values(c.jeugdbeschermer)}])
        if c.maatregelen:
            await self.session.execute(db.insert_new(casus_maatregelen), [{
                "maatregel_id": m.maatregel_id, "casus_id": c.id, "melding_id": m.melding_id,
                "advies_id": m.advies_id, "maatregel": m.maatregel, "route": m.route,
                "raadsonderzoek": m.raadsonderzoek, "startdatum": m.startdatum, "gi": m.gi,
                "gi_reden": m.gi_reden, "opgelegd_op": m.opgelegd_op, "ontvangen_op": m.ontvangen_op,
            } for m in c.maatregelen])
        if c.kinderen:
            await self._upsert(casus_kinderen, ("casus_id", "kind_id"), [{
                "casus_id": c.id, "kind_id": k.kind_id, "leeftijd": k.leeftijd, "melding_id": k.melding_id,
                "maatregel_id": k.maatregel_id, "maatregel": k.maatregel,
                "maatregel_start": k.maatregel_start,
                "toegevoegd_op": k.toegevoegd_op, "wacht_sinds": k.wacht_sinds, "wacht_tot": k.wacht_tot,
                **_jeugdbeschermer_values(k.jeugdbeschermer),
            } for k in c.kinderen])
        if c.overdrachten:
            await self._upsert(overdrachten, ("id",), [{
                "id": o.id, "casus_id": c.id, "van_gi": o.van_gi, "naar_gi": o.naar_gi, "reden": o.reden,
                "categorie": o.categorie, "status": o.status, "aangevraagd_op": o.aangevraagd_op,
                "afgerond_op": o.afgerond_op,
            } for o in c.overdrachten])
            besluiten = [{"overdracht_id": o.id, "gi": b.gi, "besluit": b.besluit, "manager": b.manager,
                          "manager_naam": b.manager_naam, "reden": b.reden, "categorie": b.categorie,
                          "besloten_op": b.besloten_op}
                         for o in c.overdrachten for b in o.besluiten]
            if besluiten:
                await self.session.execute(db.insert_new(overdracht_besluiten), besluiten)
        if c.drang_signalen:
            await self.session.execute(db.insert_new(drang_signalen), [{
                "casus_id": c.id, "termijn": s.termijn, "startdatum": s.startdatum,
                "gesignaleerd_op": s.gesignaleerd_op} for s in c.drang_signalen])
        await self._save_plaatsingen(c)

    async def _save_plaatsingen(self, c: Casus) -> None:
        """Placements are upserted (their end is recorded later); youth care starts only added."""
        if c.uithuisplaatsingen:
            await self._upsert(uithuisplaatsingen, ("id",), [{
                "id": p.id, "casus_id": c.id, "kind_id": p.kind_id, "vorm": p.vorm,
                "in_netwerk": p.in_netwerk, "startdatum": p.startdatum, "einddatum": p.einddatum,
                "geregistreerd_op": p.geregistreerd_op, "beeindigd_op": p.beeindigd_op,
            } for p in c.uithuisplaatsingen])
        if c.jeugdhulp:
            await self.session.execute(db.insert_new(jeugdhulptrajecten), [{
                "id": j.id, "casus_id": c.id, "kind_id": j.kind_id, "vorm": j.vorm,
                "startdatum": j.startdatum, "geregistreerd_op": j.geregistreerd_op} for j in c.jeugdhulp])

    # --- queries ---------------------------------------------------------------------------

    async def list(self, *, gi: str, status: str | None, gemeente: str | None,
                   wachtend: bool | None, limit: int, offset: int) -> tuple[list[Casus], int]:
        """One GI's cases: the GI is always part of the query (access is enforced at the source)."""
        where = [casussen.c.gi == gi]
        if status:
            where.append(casussen.c.status == status)
        if gemeente:
            where.append(casussen.c.gemeente == gemeente)
        if wachtend is not None:
            waiting = sa.and_(casussen.c.status == OPEN, sa.exists().where(
                casus_kinderen.c.casus_id == casussen.c.id, casus_kinderen.c.jeugdbeschermer_id.is_(None)))
            where.append(waiting if wachtend else sa.not_(waiting))
        rows = (await self.session.execute(
            sa.select(casussen).where(*where).order_by(casussen.c.geopend_op.desc(), casussen.c.id)
            .limit(limit).offset(offset))).all()
        total = await self.session.scalar(sa.select(sa.func.count()).select_from(casussen).where(*where))
        return await self._load(rows), total

    async def wachtlijst(self, *, gi: str, gemeente: str | None, limit: int, offset: int,
                         op_urgentie: bool = False) -> tuple[list[tuple[Casus, CasusKind]], int]:
        """One GI's children of open cases without a fixed protector, longest waiting first; with
        `op_urgentie` (the escalation plan's measure) urgent reports first, then longest waiting."""
        where = [casussen.c.gi == gi, casussen.c.status == OPEN,
                 casus_kinderen.c.jeugdbeschermer_id.is_(None)]
        if gemeente:
            where.append(casussen.c.gemeente == gemeente)
        joined = casus_kinderen.join(casussen, casussen.c.id == casus_kinderen.c.casus_id)
        urgentie = (sa.select(melding_urgenties.c.urgentie)
                    .where(melding_urgenties.c.melding_id == casus_kinderen.c.melding_id)
                    .scalar_subquery().label("urgentie"))
        order = [casus_kinderen.c.wacht_sinds, casus_kinderen.c.casus_id, casus_kinderen.c.kind_id]
        if op_urgentie:
            order.insert(0, sa.case((urgentie == "spoed", 0), else_=1))
        rows = (await self.session.execute(
            sa.select(casus_kinderen, casussen.c.gi, casussen.c.gemeente, casussen.c.gezin_id,
                      casussen.c.doelgroep, casussen.c.status, casussen.c.geopend_op, urgentie)
            .select_from(joined).where(*where).order_by(*order)
            .limit(limit).offset(offset))).all()
        total = await self.session.scalar(sa.select(sa.func.count()).select_from(joined).where(*where))
        return [(Casus(id=r.casus_id, gezin_id=r.gezin_id, gemeente=r.gemeente, gi=GI(r.gi),
                       doelgroep=r.doelgroep, status=r.status, geopend_op=r.geopend_op), _kind(r))
                for r in rows], total

    async def maatregelen_in_regio(self) -> set[str]:
        """The escalation plan's measures in force: those of the region's open escalations."""
        rows = await self.session.execute(
            sa.select(regio_escalaties.c.maatregelen).where(regio_escalaties.c.beeindigd_op.is_(None)))
        return {m for (maatregelen,) in rows for m in maatregelen}

    async def sla_escalatie_op(self, escalatie_id: UUID, niveau: int, maatregelen: list[str],
                               tijdstip: datetime, beeindigd_op: datetime | None) -> None:
        """A raise newer than the one kept replaces it; an end is final."""
        e = regio_escalaties
        values = {"niveau": niveau, "maatregelen": maatregelen, "tijdstip": tijdstip,
                  "beeindigd_op": beeindigd_op}
        stmt = insert(e).values(escalatie_id=escalatie_id, **values)
        if beeindigd_op is None:
            await self.session.execute(stmt.on_conflict_do_update(
                index_elements=[e.c.escalatie_id],
                set_={k: v for k, v in values.items() if k != "beeindigd_op"},
                where=sa.and_(e.c.tijdstip < tijdstip, e.c.beeindigd_op.is_(None))))
        else:
            await self.session.execute(stmt.on_conflict_do_update(
                index_elements=[e.c.escalatie_id], set_={"beeindigd_op": beeindigd_op}))

    async def sla_urgentie_op(self, melding_id: UUID, urgentie: str) -> None:
        stmt = insert(melding_urgenties).values(melding_id=melding_id, urgentie=urgentie)
        await self.session.execute(stmt.on_conflict_do_nothing())

    async def drang_kandidaten(self, gestart_voor: date) -> list[UUID]:
        """Open cases with a child under a drang measure that started on or before the date and
        not yet both drang limits flagged."""
        flagged = (sa.select(sa.func.count()).select_from(drang_signalen)
                   .where(drang_signalen.c.casus_id == casussen.c.id).scalar_subquery())
        rows = await self.session.execute(
            sa.select(casussen.c.id).distinct()
            .join(casus_kinderen, casus_kinderen.c.casus_id == casussen.c.id)
            .where(casussen.c.status == OPEN, casus_kinderen.c.maatregel == "drang",
                   casus_kinderen.c.maatregel_start <= gestart_voor, flagged < 2))
        return list(rows.scalars())


def _webhook(row) -> Webhook:
    """Without its secret: only a delivery decrypts it (claim_due)."""
    return Webhook(id=row.id, gi=GI(row.gi), url=row.url, secret=None, aangemaakt_op=row.aangemaakt_op)


def _aflevering(row) -> Aflevering:
    return Aflevering(id=row.id, webhook_id=row.webhook_id, event_id=row.event_id, event_type=row.event_type,
                      bericht=json.loads(row.bericht), aangemaakt_op=row.aangemaakt_op,
                      volgende_poging_op=row.volgende_poging_op, pogingen=row.pogingen,
                      laatste_poging_op=row.laatste_poging_op, laatste_fout=row.laatste_fout,
                      afgeleverd_op=row.afgeleverd_op)


class WebhookRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def add(self, w: Webhook, box: SecretBox) -> None:
        await self.session.execute(insert(webhooks).values(
            id=w.id, gi=w.gi, url=w.url, versleuteld_geheim=box.encrypt(w.secret),
            aangemaakt_op=w.aangemaakt_op))

    async def get(self, webhook_id: UUID) -> Webhook | None:
        row = (await self.session.execute(sa.select(webhooks).where(webhooks.c.id == webhook_id))).first()
        return _webhook(row) if row else None

    async def delete(self, webhook_id: UUID) -> None:
        await self.session.execute(sa.delete(webhooks).where(webhooks.c.id == webhook_id))

    async def list(self, *, gi: str | None) -> list[Webhook]:
        query = sa.select(webhooks).order_by(webhooks.c.aangemaakt_op, webhooks.c.id)
        if gi:
            query = query.where(webhooks.c.gi == gi)
        return [_webhook(r) for r in await self.session.execute(query)]

    async def for_gis(self, gis: set[GI]) -> list[Webhook]:
        if not gis:
            return []
        rows = await self.session.execute(sa.select(webhooks).where(webhooks.c.gi.in_([str(g) for g in gis]))
                                          .order_by(webhooks.c.id))
        return [_webhook(r) for r in rows]

    async def add_afleveringen(self, afleveringen: list[Aflevering]) -> None:
        if afleveringen:
            await self.session.execute(db.insert_new(webhook_afleveringen), [{
                "webhook_id": a.webhook_id, "event_id": a.event_id, "event_type": a.event_type,
                "bericht": body(a.bericht), "aangemaakt_op": a.aangemaakt_op, "pogingen": a.pogingen,
                "volgende_poging_op": a.volgende_poging_op,
            } for a in afleveringen])

    async def afleveringen(self, webhook_id: UUID, *, limit: int, offset: int
                           ) -> tuple[list[Aflevering], int]:
        where = webhook_afleveringen.c.webhook_id == webhook_id
        rows = await self.session.execute(sa.select(webhook_afleveringen).where(where)
                                          .order_by(webhook_afleveringen.c.id.desc()).limit(limit).offset(offset))
        total = await self.session.scalar(
            sa.select(sa.func.count()).select_from(webhook_afleveringen).where(where))
        return [_aflevering(r) for r in rows], total

    async def claim_due(self, now: datetime, limit: int, box: SecretBox) -> list[tuple[Aflevering, Webhook]]:
        """Due deliveries, locked: another replica skips them until this transaction ends. Each
        webhook's secret decrypted (None when no configured key opens it)."""
        a, w = webhook_afleveringen, webhooks
        rows = await self.session.execute(
            sa.select(a, w.c.gi, w.c.url, w.c.versleuteld_geheim,
                      w.c.aangemaakt_op.label("webhook_aangemaakt_op"))
            .join(w, w.c.id == a.c.webhook_id)
            .where(a.c.afgeleverd_op.is_(None), a.c.volgende_poging_op <= now)
            .order_by(a.c.volgende_poging_op, a.c.id).limit(limit)
            .with_for_update(of=a, skip_locked=True))
        return [(_aflevering(r), Webhook(id=r.webhook_id, gi=GI(r.gi), url=r.url,
                                         secret=box.decrypt(r.versleuteld_geheim),
                                         aangemaakt_op=r.webhook_aangemaakt_op)) for r in rows]

    async def save_afleveringen(self, afleveringen: list[Aflevering]) -> None:
        a = webhook_afleveringen
        for x in afleveringen:
            await self.session.execute(sa.update(a).where(a.c.id == x.id).values(
                pogingen=x.pogingen, volgende_poging_op=x.volgende_poging_op,
                laatste_poging_op=x.laatste_poging_op, laatste_fout=x.laatste_fout,
                afgeleverd_op=x.afgeleverd_op))
