import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from contracts import Event, event_class
from contracts.vocabulary import GI
from runtime import db
from runtime.uow import BatchCache
from services.capacity.adapters.orm import (
    capaciteit,
    capaciteit_historie,
    escalatie_bevestigingen,
    escalatie_kennisgevingen,
    escalaties,
    gebeurtenissen,
    kinderen,
)
from services.capacity.domain.escalatie import Escalatie, Regiocijfers
from services.capacity.domain.kennisgeving import Bevestiging, Kennisgeving
from services.capacity.domain.model import (
    ALGEMEEN,
    Bezetting,
    ExpertiseFiguur,
    GiCapaciteit,
    KindStand,
    Telling,
    teams_as_dicts,
    teams_from_dicts,
)

BEZETTING = "bezetting"  # log entries of staffing reports; the others carry a CloudEvents type
_GIS = {gi.value for gi in GI}

# The statements of every case event and staffing report, built once (values passed at execute):
# building them per call was a large part of the service's CPU per event.
_VERGRENDEL = sa.select(capaciteit).order_by(capaciteit.c.gi).with_for_update()
_GI_BIJWERKEN = sa.update(capaciteit).where(capaciteit.c.gi == sa.bindparam("b_gi"))  # SET: what is passed
_HISTORIE = insert(capaciteit_historie).returning(capaciteit_historie.c.id)
_KINDEREN_VOOR_UPDATE = sa.text(
    "SELECT * FROM kinderen WHERE (casus_id, kind_id) IN "
    "(SELECT * FROM unnest(CAST(:casussen AS uuid[]), CAST(:kinderen AS uuid[]))) FOR UPDATE"
).columns(*kinderen.c)
_TELLINGEN = sa.text(
    "SELECT gi, coalesce(expertise, :algemeen) AS expertise, count(*) AS in_zorg, "
    "count(wacht_sinds) AS wachtend, min(wacht_sinds) AS oudste FROM kinderen "
    "WHERE gesloten_op IS NULL AND gi = ANY(CAST(:gis AS text[])) GROUP BY 1, 2"
)
_LOG = insert(gebeurtenissen)
_OPEN = sa.select(escalaties).where(escalaties.c.beeindigd_op.is_(None))


class FigurenInBatch(BatchCache):
    """Every GI's figure as a consumer's batch locked it and its events changed it since: the next
    case event of the batch needs no read (its transaction holds the rows' locks to the end, and
    the handlers change the figures only through the dictionary `vergrendel` hands out). Only a
    batch handled straight through has one."""

    def __init__(self) -> None:
        self.figuren: dict[GI, GiCapaciteit] | None = None


class CapaciteitRepository:
    def __init__(self, session: AsyncSession, batch: FigurenInBatch | None = None):
        self.session = session
        self.batch = batch

    async def vergrendel(self) -> dict[GI, GiCapaciteit]:
        """Lock every GI's row (in one order): changes serialise, so the region's escalation sees
        every change and history ids are handed out in commit order (SSE resume has no gaps)."""
        if self.batch is not None and self.batch.figuren is not None:
            return self.batch.figuren
        query = _VERGRENDEL
        rows = (await self.session.execute(query)).all()
        if len(rows) < len(GI):
            await self.session.execute(insert(capaciteit).values([
                {"gi": gi.value, "jeugdbeschermers": 0, "caseload_norm": 0, "kinderen_in_zorg": 0}
                for gi in GI]).on_conflict_do_nothing())
            rows = (await self.session.execute(query)).all()
        known = {GI(row.gi): _figuur(row) for row in rows if row.gi in _GIS}
        figuren = {gi: known.get(gi, GiCapaciteit(gi)) for gi in GI}
        if self.batch is not None:
            self.batch.figuren = figuren
        return figuren

    async def sla_bezetting_op(self, gi: GI, bezetting: Bezetting) -> None:
        await self.session.execute(_GI_BIJWERKEN, {
            "b_gi": gi.value, "jeugdbeschermers": bezetting.jeugdbeschermers, "afwezig": bezetting.afwezig,
            "caseload_norm": bezetting.caseload_norm, "teams": teams_as_dicts(bezetting.teams)})

    async def sla_figuur_op(self, figuur: GiCapaciteit, oorzaak: str) -> int:
        """Store a visibly changed figure and append it to the history; returns the history id."""
        values = _figuur_values(figuur)
        await self.session.execute(
            _GI_BIJWERKEN, {"b_gi": figuur.gi.value, **values, "bijgewerkt_op": figuur.bijgewerkt_op})
        return await self.session.scalar(_HISTORIE, {
            "gi": figuur.gi.value, **values, "vrije_plaatsen": figuur.vrije_plaatsen,
            "oorzaak": oorzaak[:200], "tijdstip": figuur.bijgewerkt_op})

    async def all(self) -> list[GiCapaciteit]:
        known = {row.gi: _figuur(row) for row in await self.session.execute(sa.select(capaciteit))}
        return [known.get(gi, GiCapaciteit(gi)) for gi in GI]

    async def historie(self, gi: GI, limit: int) -> list[dict]:
        h = capaciteit_historie
        rows = await self.session.execute(
            sa.select(h.c.tijdstip, h.c.oorzaak, h.c.jeugdbeschermers, h.c.afwezig, h.c.caseload_norm,
                      h.c.kinderen_in_zorg, h.c.vrije_plaatsen, h.c.wachtend, h.c.langste_wachtdagen)
            .where(h.c.gi == gi).order_by(h.c.id.desc()).limit(limit))
        return [dict(r) for r in rows.mappings()]

    async def historie_na(self, na_id: int, limit: int) -> list[tuple[int, GiCapaciteit]]:
        """History entries after an id, oldest first (what an SSE client missed)."""
        h = capaciteit_historie
        rows = await self.session.execute(sa.select(h).where(h.c.id > na_id).order_by(h.c.id).limit(limit))
        return [(row.id, _figuur(row, tijdstip=row.tijdstip)) for row in rows]

    async def laatste_per_gi(self) -> tuple[list[tuple[int, GiCapaciteit]], int]:
        """Each GI's latest history entry (oldest first) and the id to continue after: the highest
        of them, from the same statement, so nothing committed in between is skipped."""
        h = capaciteit_historie
        rows = await self.session.execute(
            sa.select(h).distinct(h.c.gi).order_by(h.c.gi, h.c.id.desc()))
        latest = sorted(((row.id, _figuur(row, tijdstip=row.tijdstip)) for row in rows if row.gi in _GIS),
                        key=lambda pair: pair[0])
        return latest, latest[-1][0] if latest else 0

    async def op_moment(self, tijdstip: datetime) -> list[GiCapaciteit]:
        """Per GI the last history entry at or before a moment."""
        h = capaciteit_historie
        rows = await self.session.execute(
            sa.select(h).where(h.c.tijdstip <= tijdstip).distinct(h.c.gi)
            .order_by(h.c.gi, h.c.tijdstip.desc(), h.c.id.desc()))
        return [_figuur(row, tijdstip=row.tijdstip) for row in rows if row.gi in _GIS]

    async def gemeld(self) -> int:
        return await self.session.scalar(
            sa.select(sa.func.count()).select_from(capaciteit).where(capaciteit.c.caseload_norm >= 1))


class KinderenRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def get_many(self, keys: Iterable[tuple[UUID, UUID]]) -> dict[tuple[UUID, UUID], KindStand]:
        keys = list(keys)
        if not keys:
            return {}
        rows = await self.session.execute(
            _KINDEREN_VOOR_UPDATE, {"casussen": [c for c, _ in keys], "kinderen": [k for _, k in keys]})
        return {(row.casus_id, row.kind_id): _kind(row) for row in rows}

    async def save(self, standen: Iterable[KindStand]) -> None:
        rows = [_kind_values(s) for s in standen]
        if not rows:
            return
        await self.session.execute(db.upsert(kinderen, ("casus_id", "kind_id"), tuple(rows[0])), rows)

    async def vervang(self, standen: Iterable[KindStand]) -> None:
        await self.session.execute(sa.delete(kinderen))
        rows = [_kind_values(s) for s in standen]
        for start in range(0, len(rows), 1000):
            await self.session.execute(insert(kinderen), rows[start:start + 1000])

    async def all(self) -> list[KindStand]:
        return [_kind(row) for row in await self.session.execute(sa.select(kinderen))]

    async def aantal(self) -> int:
        return await self.session.scalar(sa.select(sa.func.count()).select_from(kinderen))

    async def tellingen(self, gis: Iterable[GI]) -> dict[GI, dict[str, Telling]]:
        """Children in care per GI and expertise (as domain.model.tel counts them)."""
        gis = [gi.value for gi in gis]
        if not gis:
            return {}
        rows = await self.session.execute(_TELLINGEN, {"algemeen": ALGEMEEN, "gis": gis})
        result: dict[GI, dict[str, Telling]] = {}
        for row in rows:
            result.setdefault(GI(row.gi), {})[row.expertise] = Telling(row.in_zorg, row.wachtend, row.oudste)
        return result


class LogRepository:
    """The append-only log of consumed case events and staffing reports."""

    def __init__(self, session: AsyncSession):
        self.session = session

    async def event(self, event: Event, event_id: str | None) -> None:
        await self.session.execute(_LOG, {"soort": event.type, "event_id": event_id, "gi": None,
                                          "data": event.model_dump(mode="json")})

    async def bezetting(self, gi: GI, bezetting: Bezetting) -> None:
        await self.session.execute(insert(gebeurtenissen).values(
            soort=BEZETTING, gi=gi.value, data={"gi": gi.value, **bezetting.as_dict()}))

    async def alles(self) -> list[tuple[GI, Bezetting] | Event]:
        """The whole log in the order it was written."""
        g = gebeurtenissen
        result: list[tuple[GI, Bezetting] | Event] = []
        for row in await self.session.execute(sa.select(g.c.soort, g.c.gi, g.c.data).order_by(g.c.id)):
            if row.soort == BEZETTING:
                result.append((GI(row.gi), Bezetting.from_dict(row.data)))
            else:
                result.append(event_class(row.soort).model_validate(row.data))
        return result

    async def aantal(self) -> int:
        return await self.session.scalar(sa.select(sa.func.count()).select_from(gebeurtenissen))


class EscalatieRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def open(self) -> Escalatie | None:
        row = (await self.session.execute(_OPEN)).first()
        return _escalatie(row) if row else None

    async def get(self, escalatie_id: UUID) -> Escalatie | None:
        query = sa.select(escalaties).where(escalaties.c.id == escalatie_id)
        row = (await self.session.execute(query)).first()
        return _escalatie(row) if row else None

    async def save(self, e: Escalatie) -> None:
        values = {"niveau": e.niveau, "redenen": list(e.redenen), "cijfers": _cijfers_json(e.cijfers),
                  "gestart_op": e.gestart_op, "bijgewerkt_op": e.bijgewerkt_op,
                  "beeindigd_op": e.beeindigd_op,
                  "cijfers_bij_einde": _cijfers_json(e.cijfers_bij_einde) if e.cijfers_bij_einde else None,
                  "plan_versie": e.plan_versie, "niveau_sinds": e.niveau_sinds,
                  "maatregelen": list(e.maatregelen)}
        stmt = insert(escalaties).values(id=e.id, **values)
        await self.session.execute(stmt.on_conflict_do_update(index_elements=[escalaties.c.id], set_=values))

    async def lijst(self, status: str | None, limit: int) -> tuple[list[Escalatie], int]:
        where = []
        if status == "open":
            where.append(escalaties.c.beeindigd_op.is_(None))
        elif status == "gesloten":
            where.append(escalaties.c.beeindigd_op.is_not(None))
        rows = await self.session.execute(
            sa.select(escalaties).where(*where).order_by(escalaties.c.gestart_op.desc()).limit(limit))
        total = await self.session.scalar(sa.select(sa.func.count()).select_from(escalaties).where(*where))
        return [_escalatie(row) for row in rows], total


_K = escalatie_kennisgevingen
_K_STATE = ("pogingen", "volgende_poging_op", "laatste_poging_op", "laatste_fout", "verzonden_op",
            "vervallen_op")


class KennisgevingRepository:
    """Who is told of an escalation (domain/kennisgeving.py): one row per party, channel and subject."""

    def __init__(self, session: AsyncSession):
        self.session = session

    async def add(self, items: Iterable[Kennisgeving]) -> None:
        """New notifications; one already recorded (the same subject, party and channel) stays as it is."""
        rows = [_kennisgeving_values(k) for k in items]
        if rows:
            await self.session.execute(insert(_K).values(rows).on_conflict_do_nothing(
                index_elements=[_K.c.escalatie_id, _K.c.onderwerp, _K.c.partij, _K.c.kanaal]))

    async def voor(self, escalatie_id: UUID) -> list[Kennisgeving]:
        rows = await self.session.execute(
            sa.select(_K).where(_K.c.escalatie_id == escalatie_id).order_by(_K.c.id))
        return [_kennisgeving(r) for r in rows]

    async def onderwerpen(self, escalatie_id: UUID) -> set[str]:
        rows = await self.session.execute(
            sa.select(_K.c.onderwerp).distinct().where(_K.c.escalatie_id == escalatie_id))
        return set(rows.scalars())

    async def claim_due(self, nu: datetime, limit: int) -> list[Kennisgeving]:
        """Due webhook and e-mail notifications, locked (SKIP LOCKED: replicas never send one at once)."""
        rows = await self.session.execute(
            sa.select(_K).where(_K.c.verzonden_op.is_(None), _K.c.volgende_poging_op <= nu)
            .order_by(_K.c.volgende_poging_op, _K.c.id).limit(limit).with_for_update(skip_locked=True))
        return [_kennisgeving(r) for r in rows]

    async def save(self, items: Iterable[Kennisgeving]) -> None:
        for k in items:
            await self.session.execute(sa.update(_K).where(_K.c.id == k.id).values(
                {name: getattr(k, name) for name in _K_STATE}))


class BevestigingRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def voor(self, escalatie_id: UUID) -> list[Bevestiging]:
        b = escalatie_bevestigingen
        rows = await self.session.execute(
            sa.select(b).where(b.c.escalatie_id == escalatie_id).order_by(b.c.bevestigd_op, b.c.partij))
        return [Bevestiging(escalatie_id=r.escalatie_id, partij=r.partij, niveau=r.niveau,
                            bevestigd_op=r.bevestigd_op, rol=r.rol) for r in rows]

    async def add(self, bevestiging: Bevestiging) -> None:
        await self.session.execute(insert(escalatie_bevestigingen).values(
            escalatie_id=bevestiging.escalatie_id, partij=bevestiging.partij, niveau=bevestiging.niveau,
            bevestigd_op=bevestiging.bevestigd_op, rol=bevestiging.rol))


def _kennisgeving_values(k: Kennisgeving) -> dict[str, Any]:
    return {"escalatie_id": k.escalatie_id, "onderwerp": k.onderwerp, "niveau": k.niveau, "partij": k.partij,
            "kanaal": k.kanaal, "bericht": json.dumps(k.bericht, separators=(",", ":"), ensure_ascii=False),
            "aangemaakt_op": k.aangemaakt_op, **{name: getattr(k, name) for name in _K_STATE}}


def _kennisgeving(row) -> Kennisgeving:
    return Kennisgeving(escalatie_id=row.escalatie_id, onderwerp=row.onderwerp, niveau=row.niveau,
                        partij=row.partij, kanaal=row.kanaal, bericht=json.loads(row.bericht),
                        aangemaakt_op=row.aangemaakt_op, volgende_poging_op=row.volgende_poging_op,
                        pogingen=row.pogingen, laatste_poging_op=row.laatste_poging_op,
                        laatste_fout=row.laatste_fout, verzonden_op=row.verzonden_op,
                        vervallen_op=row.vervallen_op, id=row.id)


def _figuur_values(f: GiCapaciteit) -> dict[str, Any]:
    return {"jeugdbeschermers": f.jeugdbeschermers, "afwezig": f.afwezig, "caseload_norm": f.caseload_norm,
            "kinderen_in_zorg": f.kinderen_in_zorg, "wachtend": f.wachtend,
            "langste_wachtdagen": f.langste_wachtdagen, "teams": teams_as_dicts(f.teams),
            "per_expertise": [{"expertise": e.expertise, "plaatsen": e.plaatsen,
                               "kinderen_in_zorg": e.kinderen_in_zorg} for e in f.per_expertise]}


def _figuur(row, tijdstip: datetime | None = None) -> GiCapaciteit:
    return GiCapaciteit(
        gi=GI(row.gi), jeugdbeschermers=row.jeugdbeschermers, afwezig=row.afwezig,
        caseload_norm=row.caseload_norm, kinderen_in_zorg=row.kinderen_in_zorg, wachtend=row.wachtend,
        langste_wachtdagen=row.langste_wachtdagen,
        per_expertise=tuple(ExpertiseFiguur(e["expertise"], e["plaatsen"], e["kinderen_in_zorg"])
                            for e in row.per_expertise or ()),
        teams=teams_from_dicts(row.teams or ()),
        bijgewerkt_op=tijdstip if tijdstip is not None else row.bijgewerkt_op,
    )


def _kind_values(s: KindStand) -> dict[str, Any]:
    return {"casus_id": s.casus_id, "kind_id": s.kind_id, "gi": s.gi.value, "gi_op": s.gi_stempel[0],
            "gi_rang": s.gi_stempel[1], "expertise": s.expertise, "wacht_sinds": s.wacht_sinds,
            "wacht_op": s.wacht_stempel[0] if s.wacht_stempel else None,
            "wacht_rang": s.wacht_stempel[1] if s.wacht_stempel else None, "gesloten_op": s.gesloten_op}


def _kind(row) -> KindStand:
    return KindStand(casus_id=row.casus_id, kind_id=row.kind_id, gi=GI(row.gi),
                     gi_stempel=(row.gi_op, row.gi_rang), expertise=row.expertise,
                     wacht_sinds=row.wacht_sinds,
                     wacht_stempel=(row.wacht_op, row.wacht_rang) if row.wacht_op is not None else None,
                     gesloten_op=row.gesloten_op)


def _cijfers_json(c: Regiocijfers) -> dict[str, Any]:
    return {"vrije_plaatsen": {gi.value: vrij for gi, vrij in c.vrije_plaatsen},
            "gemeld": sorted(gi.value for gi in c.gemeld), "wachtend": c.wachtend,
            "langste_wachtdagen": c.langste_wachtdagen}


def _cijfers(data: dict[str, Any]) -> Regiocijfers:
    return Regiocijfers(vrije_plaatsen=tuple((gi, data["vrije_plaatsen"].get(gi.value, 0)) for gi in GI),
                        gemeld=frozenset(GI(gi) for gi in data["gemeld"]), wachtend=data["wachtend"],
                        langste_wachtdagen=data["langste_wachtdagen"])


def _escalatie(row) -> Escalatie:
    return Escalatie(id=row.id, niveau=row.niveau, redenen=tuple(row.redenen), cijfers=_cijfers(row.cijfers),
                     gestart_op=row.gestart_op, bijgewerkt_op=row.bijgewerkt_op,
                     beeindigd_op=row.beeindigd_op,
                     cijfers_bij_einde=_cijfers(row.cijfers_bij_einde) if row.cijfers_bij_einde else None,
                     plan_versie=row.plan_versie, niveau_sinds=row.niveau_sinds,
                     maatregelen=tuple(row.maatregelen or ()))
