from datetime import date, datetime
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.ext.asyncio import AsyncSession

from runtime import db
from runtime.uow import BatchCache
from services.intake.adapters.orm import gezinnen, gezinssleutels, meldingen
from services.intake.domain.access import REFERRED, Scope
from services.intake.domain.gegevens import Gezin, Kind, Melder, Ouder
from services.intake.domain.model import Melding, Stap

FAMILY_LOCKS = 7351045  # advisory-lock namespace: reports of the same family are matched one at a time

# The statements of every report and status event, built once (values passed at execute):
# building them per call was a large part of the service's CPU per event.
_NIEUW = insert(meldingen)
_VOOR_UPDATE = sa.select(meldingen).where(meldingen.c.id == sa.bindparam("b_id")).with_for_update()
_CASUS_VOOR_UPDATE = (sa.select(meldingen).where(meldingen.c.casus_id == sa.bindparam("b_casus"))
                      .order_by(meldingen.c.id).with_for_update())
_SLEUTELS_VERGRENDELEN = sa.text(  # in one statement, in a fixed order (no deadlock between two)
    "SELECT count(pg_advisory_xact_lock(:space, k)) FROM "
    "(SELECT unnest(CAST(:locks AS integer[])) AS k ORDER BY 1) AS wanted")
_GEZINNEN_VAN_SLEUTELS = (
    sa.select(gezinssleutels.c.sleutel, gezinssleutels.c.gezin_id, gezinnen.c.laatst_gesloten_op)
    .select_from(gezinssleutels.outerjoin(gezinnen, gezinnen.c.gezin_id == gezinssleutels.c.gezin_id))
    .where(gezinssleutels.c.sleutel == sa.any_(
        sa.bindparam("b_sleutels", type_=ARRAY(PG_UUID(as_uuid=True))))))
_BEWAAR = (sa.update(meldingen).where(meldingen.c.id == sa.bindparam("b_id"))
           .values(version=meldingen.c.version + 1))


# --- the family and the reporter as JSON (the gezin and melder columns) ---------------------------
# One shape since the first version: every field of a child, parent and reporter a key (null when
# not given), a child's pseudonym as a string. A report whose personal data were erased keeps only
# the children's ids and ages ({"kind_id", "leeftijd"}; no age without a birth date), no parents,
# and the reporter's organisation. Rows are read leniently: a key left out is a field not given.

def _kind_json(kind: Kind, gewist: bool) -> dict:
    data = {} if gewist else {
        "voornaam": kind.voornaam, "achternaam": kind.achternaam, "bsn": kind.bsn,
        "geboortedatum": kind.geboortedatum.isoformat() if kind.geboortedatum else None}
    data["kind_id"] = str(kind.kind_id) if kind.kind_id else None
    if kind.leeftijd is not None:
        data["leeftijd"] = kind.leeftijd
    return data


def gezin_json(gezin: Gezin, *, gewist: bool = False) -> dict:
    """The family as stored: in full, or what an erased report keeps (`gewist`)."""
    return {"kinderen": [_kind_json(k, gewist) for k in gezin.kinderen],
            "ouders": [] if gewist else [{"voornaam": o.voornaam, "achternaam": o.achternaam, "bsn": o.bsn}
                                         for o in gezin.ouders]}


def _kind(data: dict) -> Kind:
    geboortedatum, kind_id = data.get("geboortedatum"), data.get("kind_id")
    return Kind(voornaam=data.get("voornaam"), achternaam=data.get("achternaam"),
                geboortedatum=date.fromisoformat(geboortedatum) if geboortedatum else None,
                bsn=data.get("bsn"), kind_id=UUID(str(kind_id)) if kind_id else None,
                leeftijd=data.get("leeftijd"))


def gezin_from_json(data: dict | None) -> Gezin:
    data = data or {}
    return Gezin(kinderen=tuple(_kind(k) for k in data.get("kinderen") or ()),
                 ouders=tuple(Ouder(voornaam=o.get("voornaam"), achternaam=o.get("achternaam"),
                                    bsn=o.get("bsn")) for o in data.get("ouders") or ()))


def melder_json(melder: Melder, *, gewist: bool = False) -> dict:
    """The reporter as stored: in full, or only the organisation once erased (`gewist`)."""
    if gewist:
        return {"organisatie": melder.organisatie}
    return {"organisatie": melder.organisatie, "naam": melder.naam, "telefoon": melder.telefoon,
            "email": melder.email}


def melder_from_json(data: dict | None) -> Melder:
    data = data or {}
    return Melder(organisatie=data.get("organisatie"), naam=data.get("naam"),
                  telefoon=data.get("telefoon"), email=data.get("email"))


# --- the report as a row -------------------------------------------------------------------------

def _row(m: Melding) -> dict:
    gewist = m.gewist_op is not None
    return {
        "id": m.id, "gezin_id": m.gezin_id, "gemeente": m.gemeente, "urgentie": m.urgentie,
        "kader": m.kader, "zorgen": m.zorgen, "kenmerken": m.kenmerken,
        "gezin": gezin_json(m.gezin, gewist=gewist), "melder": melder_json(m.melder, gewist=gewist),
        "toelichting": m.toelichting, "ontvangen_op": m.ontvangen_op,
        "status": m.status, "doelgroep": m.doelgroep, "geadviseerde_gi": m.geadviseerde_gi,
        "toegewezen_gi": m.toegewezen_gi, "casus_id": m.casus_id,
        "stappen": [{"stap": s.stap, "tijdstip": s.tijdstip.isoformat(), "details": s.details}
                    for s in m.stappen],
        "herhaald_beroep": m.herhaald_beroep, "aanvullen_voor": m.aanvullen_voor,
        "ontbrekend": m.ontbrekend, "maatregel": m.maatregel, "jeugdbeschermer": m.jeugdbeschermer,
        "te_laat_gesignaleerd_op": m.te_laat_gesignaleerd_op, "organisatie": m.organisatie,
        "ingediend_door": m.ingediend_door, "gewist_op": m.gewist_op,
    }


def _melding(row) -> Melding:
    data = dict(row._mapping)
    data.pop("version")
    data["gezin"], data["melder"] = gezin_from_json(data["gezin"]), melder_from_json(data["melder"])
    data["stappen"] = [Stap(s["stap"], datetime.fromisoformat(s["tijdstip"]), s["details"])
                       for s in data["stappen"]]
    return Melding(**data)


def _visible(scope: Scope) -> list:
    """The scope as SQL conditions: what a caller may not see never leaves the database."""
    where = []
    if scope.organisatie is not None:
        where.append(meldingen.c.organisatie == scope.organisatie)
    if scope.referred_only:
        where.append(meldingen.c.status.in_(REFERRED))
    return where


class MeldingenInBatch(BatchCache):
    """The reports a consumer's batch locked and wrote (each saved at once): an event of the
    batch about a report another one touched takes it from here instead of reading it again.
    Only a batch handled straight through has one (one transaction holding every row lock)."""

    def __init__(self) -> None:
        self.meldingen: dict[UUID, Melding] = {}


class MeldingRepository:
    def __init__(self, session: AsyncSession, batch: MeldingenInBatch | None = None):
        self.session = session
        self.batch = batch

    def _locked(self, found: list[Melding]) -> list[Melding]:
        if self.batch is not None:
            self.batch.meldingen.update((m.id, m) for m in found)
        return found

    async def add(self, melding: Melding) -> None:
        await self.session.execute(_NIEUW, _row(melding))

    async def get(self, melding_id: UUID, *, scope: Scope | None = None,
                  for_update: bool = False) -> Melding | None:
        """The report, if it is in the caller's `scope` (None: intake itself, following events)."""
        if scope is None and for_update:
            if self.batch is not None and melding_id in self.batch.meldingen:
                return self.batch.meldingen[melding_id]
            row = (await self.session.execute(_VOOR_UPDATE, {"b_id": melding_id})).first()
            return self._locked([_melding(row)])[0] if row else None
        query = sa.select(meldingen).where(meldingen.c.id == melding_id,
                                           *(_visible(scope) if scope else []))
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        return _melding(row) if row else None

    async def by_casus(self, casus_id: UUID, *, for_update: bool = False) -> list[Melding]:
        """Every report linked to a case (siblings reported separately share one)."""
        if for_update:
            rows = await self.session.execute(_CASUS_VOOR_UPDATE, {"b_casus": casus_id})
            return self._locked([_melding(r) for r in rows])
        query = sa.select(meldingen).where(meldingen.c.casus_id == casus_id).order_by(meldingen.c.id)
        return [_melding(r) for r in (await self.session.execute(query)).all()]

    async def overdue(self, now: datetime, limit: int) -> list[Melding]:
        """Incomplete reports past their completion deadline and not flagged yet (locked, so two
        instances never flag the same one)."""
        rows = (await self.session.execute(
            sa.select(meldingen)
            .where(meldingen.c.status == "incomplete", meldingen.c.te_laat_gesignaleerd_op.is_(None),
                   meldingen.c.aanvullen_voor < now)
            .order_by(meldingen.c.aanvullen_voor).limit(limit)
            .with_for_update(skip_locked=True)
        )).all()
        return [_melding(r) for r in rows]

    async def save(self, melding: Melding) -> None:
        values = _row(melding)
        values["b_id"] = values.pop("id")
        await self.session.execute(_BEWAAR, values)
        self._locked([melding])

    async def past_retention(self, grens: datetime, limit: int) -> list[Melding]:
        """Reports not erased yet whose family's file closed before `grens`: the family's last case
        closed then, no report of the family came in after it, and none is in a case still open.
        Locked, skipping rows another instance holds."""
        ander = meldingen.alias("ander")
        nog_lopend = sa.exists().where(
            ander.c.gezin_id == meldingen.c.gezin_id,
            sa.or_(ander.c.ontvangen_op > gezinnen.c.laatst_gesloten_op,
                   sa.and_(ander.c.casus_id.is_not(None), ander.c.status != "closed")))
        rows = (await self.session.execute(
            sa.select(meldingen).join(gezinnen, gezinnen.c.gezin_id == meldingen.c.gezin_id)
            .where(meldingen.c.gewist_op.is_(None), gezinnen.c.laatst_gesloten_op < grens, ~nog_lopend)
            .order_by(meldingen.c.id).limit(limit).with_for_update(of=meldingen, skip_locked=True)
        )).all()
        return [_melding(r) for r in rows]

    async def list(self, *, scope: Scope, gemeente: str | None, status: str | None, limit: int,
                   offset: int) -> tuple[list[Melding], int]:
        where = _visible(scope)
        if gemeente:
            where.append(meldingen.c.gemeente == gemeente)
        if status:
            where.append(meldingen.c.status == status)
        rows = (await self.session.execute(
            sa.select(meldingen).where(*where).order_by(meldingen.c.ontvangen_op.desc())
            .limit(limit).offset(offset)
        )).all()
        total = await self.session.scalar(sa.select(sa.func.count()).select_from(meldingen).where(*where))
        return [_melding(r) for r in rows], total


class GezinRepository:
    """Family keys (pseudonyms of BSNs) and the families' last closure."""

    def __init__(self, session: AsyncSession):
        self.session = session
        self._gesloten: dict[UUID, datetime | None] = {}  # closures read with the keys, this transaction

    async def find(self, sleutels: list[UUID]) -> dict[UUID, UUID]:
        """The families these keys are linked to. Locks the keys until the transaction ends, so two
        reports about one new family at the same moment still end up in one family. Each found
        family's last closure is read in the same statement (`last_closed` needs no other)."""
        if not sleutels:
            return {}
        locks = sorted({int.from_bytes(k.bytes[:4], "big", signed=True) for k in sleutels})
        # The locks first, in a statement of their own: the next one's snapshot then sees what a
        # report holding them committed.
        await self.session.execute(_SLEUTELS_VERGRENDELEN, {"space": FAMILY_LOCKS, "locks": locks})
        rows = (await self.session.execute(_GEZINNEN_VAN_SLEUTELS, {"b_sleutels": sleutels})).all()
        self._gesloten.update({r.gezin_id: r.laatst_gesloten_op for r in rows})
        return {r.sleutel: r.gezin_id for r in rows}

    async def link(self, sleutels: list[UUID], gezin_id: UUID, at: datetime) -> None:
        """Link the keys not linked yet to the family; existing links stay as they are."""
        if sleutels:
            await self.session.execute(db.insert_new(gezinssleutels), [
                {"sleutel": k, "gezin_id": gezin_id, "vastgelegd_op": at} for k in sleutels])

    async def closed(self, gezin_id: UUID, at: datetime) -> None:
        """Remember the family's latest closure (a late, older closure changes nothing)."""
        self._gesloten.pop(gezin_id, None)
        stmt = insert(gezinnen).values(gezin_id=gezin_id, laatst_gesloten_op=at)
        await self.session.execute(stmt.on_conflict_do_update(
            index_elements=[gezinnen.c.gezin_id],
            set_={"laatst_gesloten_op": sa.func.greatest(gezinnen.c.laatst_gesloten_op,
                                                          stmt.excluded.laatst_gesloten_op)}))

    async def forget_keys(self, gezin_ids: set[UUID]) -> None:
        """Past the retention term: the family is no longer found by its members' BSNs."""
        if gezin_ids:
            await self.session.execute(
                sa.delete(gezinssleutels).where(gezinssleutels.c.gezin_id.in_(gezin_ids)))

    async def last_closed(self, gezin_id: UUID) -> datetime | None:
        if gezin_id in self._gesloten:
            return self._gesloten[gezin_id]
        return await self.session.scalar(
            sa.select(gezinnen.c.laatst_gesloten_op).where(gezinnen.c.gezin_id == gezin_id))
