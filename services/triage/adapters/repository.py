from datetime import date, datetime
from typing import NamedTuple
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.escalatiedrempels import Drempels
from contracts.vocabulary import (
    GI,
    AfwijkingReden,
    ConsultatieCategorie,
    Kader,
    Maatregel,
    RegelsetAfwijzingReden,
    Urgentie,
)
from runtime import db
from services.triage.adapters.orm import (
    adviezen,
    beschikbaarheid,
    ca_uren_per_jaar,
    capaciteit_historie,
    consultatie_uren,
    consultaties,
    gezinnen,
    kind_verlopen,
    maatregelen,
    regelset_besluiten,
    regelset_voorstellen,
    regio_escalaties,
    simulatie_meldingen,
    simulaties,
    triages,
)
from services.triage.domain.consultatie import Consultatie, Urenregistratie
from services.triage.domain.escalatie import RegioEscalatie
from services.triage.domain.events import Kind
from services.triage.domain.model import (
    Advies,
    AdviesStatus,
    Besluit,
    Maatregelbesluit,
    Melding,
    Rang,
    Regelset,
)
from services.triage.domain.regelsetvoorstel import (
    Beslissing,
    Expertisewijziging,
    Regelsetvoorstel,
    Regelwijziging,
    Veldwijziging,
    Verschil,
    VoorstelStatus,
)
from services.triage.domain.simulatie import (
    Aanmelding,
    Bezettingsmoment,
    Bezettingswijziging,
    Cijfers,
    Geschiedenis,
    GiMaand,
    Kindverloop,
    Maand,
    Periode,
    Simulatie,
    Stand,
)
from services.triage.domain.simulatie import Bezetting as SimBezetting


def _advies_row(a: Advies) -> dict:
    return {
        "id": a.id, "melding_id": a.melding_id, "gezin_id": a.gezin_id, "gemeente": a.gemeente,
        "urgentie": a.urgentie, "kader": a.kader,
        "kinderen": [{"kind_id": str(k.kind_id), "leeftijd": k.leeftijd} for k in a.kinderen],
        "doelgroep": a.doelgroep,
        "rangorde": [{"positie": r.positie, "gi": r.gi.value, "geschikt": r.geschikt,
                      "vrije_plaatsen": r.vrije_plaatsen, "reden": r.reden} for r in a.rangorde],
        "voorgestelde_gi": a.voorgestelde_gi, "reden": a.reden, "voorgesteld_op": a.voorgesteld_op,
        "status": a.status, "gi": a.gi, "afwijking": a.afwijking, "afwijking_reden": a.afwijking_reden,
        "rvdk_toelichting": a.rvdk_toelichting, "bevestigd_door": a.bevestigd_door,
        "geadviseerd_op": a.geadviseerd_op, "afwijking_categorie": a.afwijking_categorie,
    }


def _advies(row) -> Advies:
    maatregel = None
    if row.maatregel_id is not None:
        maatregel = Maatregelbesluit(
            id=row.maatregel_id, maatregel=Maatregel(row.maatregel), route=row.route,
            raadsonderzoek=row.raadsonderzoek, startdatum=row.startdatum, gi=GI(row.maatregel_gi),
            opgelegd_op=row.opgelegd_op)
    return Advies(
        id=row.id, melding_id=row.melding_id, gezin_id=row.gezin_id, gemeente=row.gemeente,
        urgentie=Urgentie(row.urgentie) if row.urgentie else None,
        kader=Kader(row.kader) if row.kader else None,
        kinderen=[Kind(UUID(k["kind_id"]), k["leeftijd"]) for k in row.kinderen], doelgroep=row.doelgroep,
        expertise=row.expertise, regel=row.regel, regelset_versie=row.regelset_versie,
        toelichting=row.toelichting,
        rangorde=[Rang(r["positie"], GI(r["gi"]), r["geschikt"], r["vrije_plaatsen"], r["reden"])
                  for r in row.rangorde],
        voorgestelde_gi=GI(row.voorgestelde_gi), reden=row.reden, voorgesteld_op=row.voorgesteld_op,
        status=AdviesStatus(row.status), gi=GI(row.gi) if row.gi else None, afwijking=row.afwijking,
        afwijking_reden=row.afwijking_reden, rvdk_toelichting=row.rvdk_toelichting,
        bevestigd_door=row.bevestigd_door, geadviseerd_op=row.geadviseerd_op, maatregel=maatregel,
        afwijking_categorie=AfwijkingReden(row.afwijking_categorie) if row.afwijking_categorie else None)


_ADVIES = (
    sa.select(adviezen, triages.c.expertise, triages.c.regel, triages.c.regelset_versie,
              triages.c.toelichting, maatregelen.c.id.label("maatregel_id"), maatregelen.c.maatregel,
              maatregelen.c.route, maatregelen.c.raadsonderzoek, maatregelen.c.startdatum,
              maatregelen.c.gi.label("maatregel_gi"), maatregelen.c.opgelegd_op)
    .join(triages, triages.c.melding_id == adviezen.c.melding_id)
    .outerjoin(maatregelen, maatregelen.c.advies_id == adviezen.c.id)
)


# The statements of every report and advice, built once (values passed at execute).
_TRIAGE = insert(triages).on_conflict_do_nothing().returning(triages.c.melding_id)
_NIEUW_ADVIES = insert(adviezen)
_MAATREGEL = insert(maatregelen).on_conflict_do_nothing(index_elements=[maatregelen.c.advies_id])
_OPEN_ESCALATIES = sa.select(regio_escalaties).where(regio_escalaties.c.beeindigd_op.is_(None))
_VRIJE_PLAATSEN = sa.select(beschikbaarheid)
_nieuwste = insert(beschikbaarheid)
_BESCHIKBAARHEID = _nieuwste.on_conflict_do_update(
    index_elements=[beschikbaarheid.c.gi],
    set_={"vrije_plaatsen": _nieuwste.excluded.vrije_plaatsen, "tijdstip": _nieuwste.excluded.tijdstip},
    where=beschikbaarheid.c.tijdstip < _nieuwste.excluded.tijdstip,
)


def _escalatie(row) -> RegioEscalatie:
    return RegioEscalatie(escalatie_id=row.escalatie_id, niveau=row.niveau,
                          escalatieplan_versie=row.escalatieplan_versie, maatregelen=tuple(row.maatregelen),
                          tijdstip=row.tijdstip, beeindigd_op=row.beeindigd_op)


class TriageRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def add_triage(self, melding_id: UUID, gezin_id: UUID, gemeente: str, besluit: Besluit,
                         besloten_op: datetime) -> bool:
        """False when this report was triaged before (the business key guards a replay)."""
        added = await self.session.scalar(_TRIAGE, dict(
            melding_id=melding_id, gezin_id=gezin_id, gemeente=gemeente, doelgroep=besluit.doelgroep,
            expertise=besluit.expertise, geschikte_gis=[g.value for g in besluit.geschikte_gis],
            regelset_versie=besluit.regelset_versie, regel=besluit.regel, toelichting=besluit.toelichting,
            besloten_op=besloten_op,
        ))
        return added is not None

    async def add_advies(self, advies: Advies) -> None:
        await self.session.execute(_NIEUW_ADVIES, _advies_row(advies))
        await self._add_maatregel(advies)

    async def get_advies(self, advies_id: UUID, *, for_update: bool = False) -> Advies | None:
        query = _ADVIES.where(adviezen.c.id == advies_id)
        if for_update:
            query = query.with_for_update(of=adviezen)
        row = (await self.session.execute(query)).first()
        return _advies(row) if row else None

    async def save_advies(self, advies: Advies) -> None:
        await self.session.execute(
            sa.update(adviezen).where(adviezen.c.id == advies.id).values(_advies_row(advies)))
        await self._add_maatregel(advies)

    async def _add_maatregel(self, advies: Advies) -> None:
        m = advies.maatregel
        if m is not None:
            await self.session.execute(_MAATREGEL, dict(
                id=m.id, advies_id=advies.id, maatregel=m.maatregel, route=m.route,
                raadsonderzoek=m.raadsonderzoek, startdatum=m.startdatum, gi=m.gi, opgelegd_op=m.opgelegd_op,
            ))

    async def adviezen(self, *, status: str | None, gi: str | None, afwijking: bool | None,
                       limit: int, offset: int, melding_id: UUID | None = None) -> tuple[list[Advies], int]:
        """Newest first. `gi` is the advised GI, or the proposed one while the advice is open."""
        where = []
        if melding_id:
            where.append(adviezen.c.melding_id == melding_id)
        if status:
            where.append(adviezen.c.status == status)
        if gi:
            where.append(sa.func.coalesce(adviezen.c.gi, adviezen.c.voorgestelde_gi) == gi)
        if afwijking is not None:
            where.append(adviezen.c.afwijking.is_(afwijking))
        rows = (await self.session.execute(
            _ADVIES.where(*where).order_by(adviezen.c.voorgesteld_op.desc(), adviezen.c.id)
            .limit(limit).offset(offset)
        )).all()
        total = await self.session.scalar(sa.select(sa.func.count()).select_from(adviezen).where(*where))
        return [_advies(r) for r in rows], total

    # --- the retention term -----------------------------------------------------------------

    async def gezin_gesloten(self, gezin_id: UUID, at: datetime) -> None:
        """Remember the family's latest closure (a late, older closure changes nothing)."""
        stmt = insert(gezinnen).values(gezin_id=gezin_id, laatst_gesloten_op=at)
        await self.session.execute(stmt.on_conflict_do_update(
            index_elements=[gezinnen.c.gezin_id],
            set_={"laatst_gesloten_op": sa.func.greatest(gezinnen.c.laatst_gesloten_op,
                                                          stmt.excluded.laatst_gesloten_op)}))

    async def past_retention(self, grens: datetime, limit: int) -> list[Advies]:
        """Advice not erased yet whose family's file closed before `grens`: no advice was proposed
        and no measure imposed for the family after its last closure (locked, skipping rows another
        instance holds)."""
        ander, latere_maatregel = adviezen.alias("ander"), maatregelen.alias("latere_maatregel")
        later = sa.exists().where(ander.c.gezin_id == adviezen.c.gezin_id, sa.or_(
            ander.c.voorgesteld_op > gezinnen.c.laatst_gesloten_op,
            sa.exists().where(latere_maatregel.c.advies_id == ander.c.id,
                              latere_maatregel.c.opgelegd_op > gezinnen.c.laatst_gesloten_op)))
        rows = (await self.session.execute(
            _ADVIES.join(gezinnen, gezinnen.c.gezin_id == adviezen.c.gezin_id)
            .where(adviezen.c.gewist_op.is_(None), gezinnen.c.laatst_gesloten_op < grens, ~later)
            .order_by(adviezen.c.id).limit(limit).with_for_update(of=adviezen, skip_locked=True)
        )).all()
        return [_advies(r) for r in rows]

    async def erase(self, advies_id: UUID, now: datetime) -> None:
        """Erase the RvdK's free text of an advice (the override's reason keeps its category)."""
        await self.session.execute(sa.update(adviezen).where(adviezen.c.id == advies_id).values(
            afwijking_reden=None, rvdk_toelichting=None, gewist_op=now))

    async def vrije_plaatsen(self) -> dict[GI, int]:
        rows = (await self.session.execute(_VRIJE_PLAATSEN)).all()
        return {GI(r.gi): r.vrije_plaatsen for r in rows}

    async def beschikbaarheid(self) -> list[dict]:
        rows = await self.session.execute(sa.select(beschikbaarheid).order_by(beschikbaarheid.c.gi))
        return [dict(r) for r in rows.mappings()]

    async def escalatie(self, escalatie_id: UUID, *, for_update: bool = False) -> RegioEscalatie | None:
        """The region's escalation as kept; `for_update` locks it until the transaction ends."""
        query = sa.select(regio_escalaties).where(regio_escalaties.c.escalatie_id == escalatie_id)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).one_or_none()
        return _escalatie(row) if row else None

    async def open_escalaties(self) -> list[RegioEscalatie]:
        return [_escalatie(r) for r in await self.session.execute(_OPEN_ESCALATIES)]

    async def sla_escalatie_op(self, e: RegioEscalatie) -> None:
        """Keep the escalation as the domain decided it (domain/escalatie.py: a newer raise
        replaces, an end is final). The events of one escalation share its key, so one consumer
        reads them in order; a second one only during a rebalance, with the same event."""
        values = {"niveau": e.niveau, "escalatieplan_versie": e.escalatieplan_versie,
                  "maatregelen": list(e.maatregelen), "tijdstip": e.tijdstip, "beeindigd_op": e.beeindigd_op}
        stmt = insert(regio_escalaties).values(escalatie_id=e.escalatie_id, **values)
        await self.session.execute(stmt.on_conflict_do_update(
            index_elements=[regio_escalaties.c.escalatie_id], set_=values))

    async def update_beschikbaarheid(self, gi: str, vrije_plaatsen: int, tijdstip: datetime) -> None:
        """Keep the newest signal per GI; an older one arriving late changes nothing."""
        await self.session.execute(
            _BESCHIKBAARHEID, {"gi": gi, "vrije_plaatsen": vrije_plaatsen, "tijdstip": tijdstip})


# --- consultation & advice (C&A) -----------------------------------------------------------------

_jaaruren = insert(ca_uren_per_jaar)
_JAARUREN = _jaaruren.on_conflict_do_update(
    index_elements=[ca_uren_per_jaar.c.gi, ca_uren_per_jaar.c.jaar],
    set_={"uren": ca_uren_per_jaar.c.uren + _jaaruren.excluded.uren})


def _consultatie(row, registraties: list[Urenregistratie]) -> Consultatie:
    return Consultatie(
        id=row.id, gemeente=row.gemeente, organisatie=row.organisatie,
        categorie=ConsultatieCategorie(row.categorie), gezin_id=row.gezin_id, gi=GI(row.gi),
        expertise=row.expertise, reden=row.reden, regelset_versie=row.regelset_versie,
        aangevraagd_op=row.aangevraagd_op, registraties=registraties, gewist_op=row.gewist_op)


class ConsultatieRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def add(self, c: Consultatie) -> None:
        await self.session.execute(insert(consultaties), dict(
            id=c.id, gemeente=c.gemeente, organisatie=c.organisatie, categorie=c.categorie.value,
            gezin_id=c.gezin_id, gi=c.gi.value, expertise=c.expertise, reden=c.reden,
            regelset_versie=c.regelset_versie, aangevraagd_op=c.aangevraagd_op,
            laatste_activiteit_op=c.aangevraagd_op))

    async def get(self, consultatie_id: UUID, *, for_update: bool = False) -> Consultatie | None:
        query = sa.select(consultaties).where(consultaties.c.id == consultatie_id)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        return (await self._met_registraties([row]))[0] if row else None

    async def _met_registraties(self, rows) -> list[Consultatie]:
        ids = [r.id for r in rows]
        per_id: dict[UUID, list[Urenregistratie]] = {i: [] for i in ids}
        if ids:
            for r in (await self.session.execute(
                    sa.select(consultatie_uren).where(consultatie_uren.c.consultatie_id.in_(ids))
                    .order_by(consultatie_uren.c.geregistreerd_op, consultatie_uren.c.id))).all():
                per_id[r.consultatie_id].append(
                    Urenregistratie(r.id, float(r.uren), r.datum, r.geregistreerd_op))
        return [_consultatie(r, per_id[r.id]) for r in rows]

    async def add_registratie(self, c: Consultatie, r: Urenregistratie) -> None:
        """The registration, the GI's hours of the year of its day, and the request's last
        activity (the retention term's start), in the caller's transaction."""
        await self.session.execute(insert(consultatie_uren), dict(
            id=r.id, consultatie_id=c.id, uren=r.uren, datum=r.datum, geregistreerd_op=r.geregistreerd_op))
        await self.session.execute(_JAARUREN, dict(gi=c.gi.value, jaar=r.datum.year, uren=r.uren))
        await self.session.execute(sa.update(consultaties).where(consultaties.c.id == c.id).values(
            laatste_activiteit_op=sa.func.greatest(consultaties.c.laatste_activiteit_op, r.geregistreerd_op)))

    async def uren_per_gi(self, jaar: int) -> dict[GI, float]:
        rows = await self.session.execute(sa.select(ca_uren_per_jaar).where(ca_uren_per_jaar.c.jaar == jaar))
        return {GI(r.gi): float(r.uren) for r in rows}

    async def aanvragen_per_gi(self, van: datetime, tot: datetime) -> dict[GI, int]:
        rows = await self.session.execute(
            sa.select(consultaties.c.gi, sa.func.count()).where(
                consultaties.c.aangevraagd_op >= van, consultaties.c.aangevraagd_op < tot)
            .group_by(consultaties.c.gi))
        return {GI(gi): n for gi, n in rows}

    async def lijst(self, *, gemeente: str | None, gi: str | None, categorie: str | None,
                   limit: int, offset: int) -> tuple[list[Consultatie], int]:
        """Newest first; the scope's filters are in the query."""
        where = []
        if gemeente:
            where.append(consultaties.c.gemeente == gemeente)
        if gi:
            where.append(consultaties.c.gi == gi)
        if categorie:
            where.append(consultaties.c.categorie == categorie)
        rows = (await self.session.execute(
            sa.select(consultaties).where(*where)
            .order_by(consultaties.c.aangevraagd_op.desc(), consultaties.c.id).limit(limit).offset(offset)
        )).all()
        total = await self.session.scalar(sa.select(sa.func.count()).select_from(consultaties).where(*where))
        return await self._met_registraties(rows), total

    async def past_retention(self, grens: datetime, limit: int) -> list[Consultatie]:
        """Requests that still hold a family id and had no activity since before `grens` (locked,
        skipping rows another instance holds)."""
        rows = (await self.session.execute(
            sa.select(consultaties).where(consultaties.c.gezin_id.is_not(None),
                                          consultaties.c.laatste_activiteit_op < grens)
            .order_by(consultaties.c.id).limit(limit).with_for_update(skip_locked=True))).all()
        return [_consultatie(r, []) for r in rows]

    async def erase(self, consultatie_id: UUID, now: datetime) -> None:
        await self.session.execute(sa.update(consultaties).where(consultaties.c.id == consultatie_id)
                                   .values(gezin_id=None, gewist_op=now))


# --- proposed ruleset versions -------------------------------------------------------------------

class Geactiveerd(NamedTuple):
    voorstel_id: UUID
    versie: str
    geactiveerd_op: datetime


# Read for every decision (which version is active may have changed on another replica): the
# newest activated proposal by its unique volgnummer, one index probe; built once.
_LAATST_GEACTIVEERD = (
    sa.select(regelset_voorstellen.c.id, regelset_voorstellen.c.versie, regelset_voorstellen.c.afgesloten_op)
    .where(regelset_voorstellen.c.volgnummer.is_not(None))
    .order_by(regelset_voorstellen.c.volgnummer.desc()).limit(1)
)
# One decision on the rules at a time, across replicas: a transaction-level advisory lock.
_REGELSET_SLOT = sa.select(sa.func.pg_advisory_xact_lock(0x7267_6c73))  # "rgls"


def _veldwijziging(v: Veldwijziging) -> dict:
    return {"veld": v.veld, "oud": v.oud, "nieuw": v.nieuw}


def _gis(gis) -> list[str] | None:
    return None if gis is None else [GI(g).value for g in gis]


def _verschil_json(v: Verschil) -> dict:
    return {
        "basis_versie": v.basis_versie,
        "regels": [{"regel": r.regel, "wijziging": r.wijziging, "positie_oud": r.positie_oud,
                    "positie_nieuw": r.positie_nieuw, "velden": [_veldwijziging(f) for f in r.velden]}
                   for r in v.regels],
        "expertises": [{"expertise": e.expertise, "wijziging": e.wijziging, "oud": _gis(e.oud),
                        "nieuw": _gis(e.nieuw)} for e in v.expertises],
        "velden": [_veldwijziging(f) for f in v.velden],
    }


def _verschil(d: dict) -> Verschil:
    def gis(g):
        return None if g is None else tuple(GI(x) for x in g)
    return Verschil(
        basis_versie=d["basis_versie"],
        regels=tuple(Regelwijziging(r["regel"], r["wijziging"], r["positie_oud"], r["positie_nieuw"],
                                    tuple(Veldwijziging(**f) for f in r["velden"])) for r in d["regels"]),
        expertises=tuple(Expertisewijziging(e["expertise"], e["wijziging"], gis(e["oud"]), gis(e["nieuw"]))
                         for e in d["expertises"]),
        velden=tuple(Veldwijziging(**f) for f in d["velden"]))


def _beslissing(row) -> Beslissing:
    return Beslissing(gi=GI(row.gi), besluit=row.besluit, manager=row.manager, manager_naam=row.manager_naam,
                      besloten_op=row.besloten_op,
                      categorie=RegelsetAfwijzingReden(row.categorie) if row.categorie else None,
                      toelichting=row.toelichting)


def _voorstel(row, besluiten: list[Beslissing]) -> Regelsetvoorstel:
    return Regelsetvoorstel(
        id=row.id, regelset=Regelset.from_dict(row.regelset), bron=row.regelset,
        verschil=_verschil(row.verschil), voorgesteld_door=GI(row.voorgesteld_door), indiener=row.indiener,
        indiener_naam=row.indiener_naam, voorgesteld_op=row.voorgesteld_op, status=VoorstelStatus(row.status),
        besluiten=besluiten, afgesloten_op=row.afgesloten_op, volgnummer=row.volgnummer)


class RegelsetRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def vergrendel(self) -> None:
        """Until the transaction ends, no other decision on the rules runs (on any replica)."""
        await self.session.execute(_REGELSET_SLOT)

    async def laatst_geactiveerd(self) -> Geactiveerd | None:
        row = (await self.session.execute(_LAATST_GEACTIVEERD)).first()
        return Geactiveerd(row.id, row.versie, row.afgesloten_op) if row else None

    async def bron(self, voorstel_id: UUID) -> dict:
        return await self.session.scalar(
            sa.select(regelset_voorstellen.c.regelset).where(regelset_voorstellen.c.id == voorstel_id))

    async def geactiveerde(self) -> list[tuple[Geactiveerd, dict]]:
        """Every activated proposal with its ruleset, in the order they took effect."""
        rows = (await self.session.execute(
            sa.select(regelset_voorstellen.c.id, regelset_voorstellen.c.versie,
                      regelset_voorstellen.c.afgesloten_op, regelset_voorstellen.c.regelset)
            .where(regelset_voorstellen.c.volgnummer.is_not(None))
            .order_by(regelset_voorstellen.c.volgnummer))).all()
        return [(Geactiveerd(r.id, r.versie, r.afgesloten_op), r.regelset) for r in rows]

    async def wis_namen(self, grens: datetime) -> int:
        """The managers' names of proposals closed before `grens`; returns how many proposals."""
        gesloten = sa.select(regelset_voorstellen.c.id).where(regelset_voorstellen.c.afgesloten_op < grens)
        await self.session.execute(
            sa.update(regelset_besluiten).where(regelset_besluiten.c.voorstel_id.in_(gesloten),
                                                regelset_besluiten.c.manager_naam.is_not(None))
            .values(manager_naam=None))
        gewist = await self.session.execute(
            sa.update(regelset_voorstellen).where(regelset_voorstellen.c.afgesloten_op < grens,
                                                  regelset_voorstellen.c.indiener_naam.is_not(None))
            .values(indiener_naam=None))
        return gewist.rowcount

    async def versies(self) -> set[str]:
        """The version of every proposal ever made: a number is never used twice."""
        return set(await self.session.scalars(sa.select(regelset_voorstellen.c.versie)))

    async def volgend_volgnummer(self) -> int:
        hoogste = await self.session.scalar(sa.select(sa.func.max(regelset_voorstellen.c.volgnummer)))
        return (hoogste or 0) + 1

    async def add(self, v: Regelsetvoorstel) -> None:
        await self.session.execute(insert(regelset_voorstellen), dict(
            id=v.id, versie=v.versie, basis_versie=v.basis_versie, regelset=v.bron,
            verschil=_verschil_json(v.verschil), status=v.status.value,
            voorgesteld_door=v.voorgesteld_door.value,
            indiener=v.indiener, indiener_naam=v.indiener_naam, voorgesteld_op=v.voorgesteld_op,
            afgesloten_op=v.afgesloten_op, volgnummer=v.volgnummer))
        await self._besluiten(v)

    async def save(self, v: Regelsetvoorstel) -> None:
        await self.session.execute(
            sa.update(regelset_voorstellen).where(regelset_voorstellen.c.id == v.id)
            .values(status=v.status.value, afgesloten_op=v.afgesloten_op, volgnummer=v.volgnummer))
        await self._besluiten(v)

    async def _besluiten(self, v: Regelsetvoorstel) -> None:
        """The decisions not stored yet (a decision is never changed)."""
        for nummer, b in enumerate(v.besluiten, start=1):
            await self.session.execute(insert(regelset_besluiten).on_conflict_do_nothing(), dict(
                voorstel_id=v.id, gi=b.gi.value, nummer=nummer, besluit=b.besluit, manager=b.manager,
                manager_naam=b.manager_naam, categorie=b.categorie.value if b.categorie else None,
                toelichting=b.toelichting, besloten_op=b.besloten_op))

    async def get(self, voorstel_id: UUID, *, for_update: bool = False) -> Regelsetvoorstel | None:
        query = sa.select(regelset_voorstellen).where(regelset_voorstellen.c.id == voorstel_id)
        if for_update:
            query = query.with_for_update()
        rows = (await self.session.execute(query)).all()
        return (await self._met_besluiten(rows))[0] if rows else None

    async def open_voorstellen(self) -> list[Regelsetvoorstel]:
        rows = (await self.session.execute(
            sa.select(regelset_voorstellen).where(regelset_voorstellen.c.status == VoorstelStatus.OPEN.value)
            .order_by(regelset_voorstellen.c.voorgesteld_op).with_for_update())).all()
        return await self._met_besluiten(rows)

    async def lijst(self, *, status: str | None, limit: int,
                    offset: int) -> tuple[list[Regelsetvoorstel], int]:
        """Newest first."""
        where = [regelset_voorstellen.c.status == status] if status else []
        rows = (await self.session.execute(
            sa.select(regelset_voorstellen).where(*where)
            .order_by(regelset_voorstellen.c.voorgesteld_op.desc(), regelset_voorstellen.c.id)
            .limit(limit).offset(offset))).all()
        total = await self.session.scalar(
            sa.select(sa.func.count()).select_from(regelset_voorstellen).where(*where))
        return await self._met_besluiten(rows), total

    async def _met_besluiten(self, rows) -> list[Regelsetvoorstel]:
        ids = [r.id for r in rows]
        per_id: dict[UUID, list[Beslissing]] = {i: [] for i in ids}
        if ids:
            for r in (await self.session.execute(
                    sa.select(regelset_besluiten).where(regelset_besluiten.c.voorstel_id.in_(ids))
                    .order_by(regelset_besluiten.c.nummer))).all():
                per_id[r.voorstel_id].append(_beslissing(r))
        return [_voorstel(r, per_id[r.id]) for r in rows]


# --- the what-if simulation: the history it replays, and the simulations -----------------------


def _bezetting_van(row) -> Bezettingsmoment:
    return Bezettingsmoment(row.tijdstip, GI(row.gi), SimBezetting(row.jeugdbeschermers, row.afwezig,
                                                                   row.caseload_norm))


def _verloop(row, grijs: set[UUID]) -> Kindverloop:
    return Kindverloop(casus_id=row.casus_id, kind_id=row.kind_id, gezin_id=row.gezin_id,
                       melding_id=row.melding_id, gi=GI(row.gi), toegewezen_op=row.toegewezen_op,
                       beschermer_op=row.beschermer_op, gesloten_op=row.gesloten_op,
                       grijs_gebied=row.melding_id in grijs)


def _cijfers_json(c: Cijfers) -> dict:
    return {"toegewezen": c.toegewezen, "grijs_gebied": c.grijs_gebied, "vrije_plaatsen": c.vrije_plaatsen,
            "wachtend": c.wachtend, "wachtdagen": c.wachtdagen}


def _simulatie_json(s: Simulatie) -> tuple[dict, dict]:
    scenario = {"periode": {"van": s.periode.van.isoformat(), "tot": s.periode.tot.isoformat()},
                "bezetting": {gi.value: {"jeugdbeschermers_erbij": w.jeugdbeschermers_erbij,
                                         "caseload_norm": w.caseload_norm} for gi, w in s.bezetting.items()},
                "drempels": vars(s.drempels)}
    resultaat = {"meldingen": s.meldingen, "maanden": [
        {"maand": m.maand, "escalaties_werkelijk": m.escalaties_werkelijk,
         "escalaties_gesimuleerd": m.escalaties_gesimuleerd,
         "gis": [{"gi": g.gi.value, "werkelijk": _cijfers_json(g.werkelijk),
                  "gesimuleerd": _cijfers_json(g.gesimuleerd)} for g in m.gis]} for m in s.maanden]}
    return scenario, resultaat


def _simulatie(row) -> Simulatie:
    scenario, resultaat = row.scenario, row.resultaat
    return Simulatie(
        id=row.id, periode=Periode(date.fromisoformat(scenario["periode"]["van"]),
                                   date.fromisoformat(scenario["periode"]["tot"])),
        regelset_versie=row.regelset_versie, voorstel_id=row.voorstel_id,
        bezetting={GI(gi): Bezettingswijziging(**w) for gi, w in scenario["bezetting"].items()},
        drempels=Drempels(**scenario["drempels"]), meldingen=resultaat["meldingen"],
        maanden=tuple(Maand(maand=m["maand"], escalaties_werkelijk=m["escalaties_werkelijk"],
                            escalaties_gesimuleerd=m["escalaties_gesimuleerd"],
                            gis=tuple(GiMaand(GI(g["gi"]), Cijfers(**g["werkelijk"]),
                                              Cijfers(**g["gesimuleerd"])) for g in m["gis"]))
                      for m in resultaat["maanden"]),
        aangevraagd_door=row.aangevraagd_door, aangemaakt_op=row.aangemaakt_op)


class SimulatieRepository:
    """Triage's record of the chain's history (from the events it reads) and the simulations run."""

    def __init__(self, session: AsyncSession):
        self.session = session

    async def leg_melding_vast(self, melding: Melding, grijs_gebied: bool, besloten_op: datetime) -> None:
        await self.session.execute(db.insert_new(simulatie_meldingen), dict(
            melding_id=melding.melding_id, gezin_id=melding.gezin_id, zorgen=list(melding.zorgen),
            kenmerken=list(melding.kenmerken), kader=melding.kader,
            kinderen=[{"kind_id": str(k.kind_id), "leeftijd": k.leeftijd} for k in melding.kinderen],
            grijs_gebied=grijs_gebied, besloten_op=besloten_op))

    async def casus_toegewezen(self, casus_id: UUID, melding_id: UUID, gezin_id: UUID, gi: GI,
                               kinderen: list[UUID], at: datetime) -> None:
        """Children came into care of a GI (a redelivery changes nothing)."""
        if kinderen:
            await self.session.execute(db.insert_new(kind_verlopen), [dict(
                casus_id=casus_id, kind_id=k, gezin_id=gezin_id, melding_id=melding_id, gi=gi.value,
                toegewezen_op=at) for k in kinderen])

    async def beschermer_toegewezen(self, casus_id: UUID, kinderen: list[UUID], at: datetime) -> None:
        """The first fixed protector of each child is the end of its wait."""
        await self.session.execute(
            sa.update(kind_verlopen).where(kind_verlopen.c.casus_id == casus_id,
                                           kind_verlopen.c.kind_id.in_(kinderen),
                                           kind_verlopen.c.beschermer_op.is_(None)).values(beschermer_op=at))

    async def casus_gesloten(self, casus_id: UUID, kinderen: list[UUID], at: datetime) -> None:
        await self.session.execute(
            sa.update(kind_verlopen).where(kind_verlopen.c.casus_id == casus_id,
                                           kind_verlopen.c.kind_id.in_(kinderen),
                                           kind_verlopen.c.gesloten_op.is_(None)).values(gesloten_op=at))

    async def leg_stand_vast(self, gi: GI, tijdstip: datetime, bezetting: SimBezetting, vrije_plaatsen: int,
                             wachtend: int) -> None:
        """One figure per GI per moment: a second one of the same moment is the later state."""
        values = dict(gi=gi.value, tijdstip=tijdstip, jeugdbeschermers=bezetting.jeugdbeschermers,
                      afwezig=bezetting.afwezig, caseload_norm=bezetting.caseload_norm,
                      vrije_plaatsen=vrije_plaatsen, wachtend=wachtend)
        await self.session.execute(db.upsert(capaciteit_historie, ("gi", "tijdstip"), tuple(values)),
                                   [values])

    async def escalatie_gestart(self, escalatie_id: UUID, gestart_op: datetime) -> None:
        await self.session.execute(
            sa.update(regio_escalaties).where(regio_escalaties.c.escalatie_id == escalatie_id,
                                              regio_escalaties.c.gestart_op.is_(None))
            .values(gestart_op=gestart_op))

    async def geschiedenis(self, periode: Periode) -> Geschiedenis:
        """What the period replays: the children in care at some moment of it, their reports, the
        published figures and staffing up to its end (from the last one before it), its escalations."""
        begin, eind = periode.begin, periode.eind
        rows = (await self.session.execute(sa.select(kind_verlopen).where(
            kind_verlopen.c.toegewezen_op < eind,
            sa.or_(kind_verlopen.c.gesloten_op.is_(None), kind_verlopen.c.gesloten_op >= begin)))).all()
        ids = {r.melding_id for r in rows if r.melding_id is not None and r.toegewezen_op >= begin}
        meldingen, grijs = {}, set()
        for chunk in _chunks(sorted(ids), 5000):
            for m in (await self.session.execute(sa.select(simulatie_meldingen)
                                                 .where(simulatie_meldingen.c.melding_id.in_(chunk)))).all():
                meldingen[m.melding_id] = Aanmelding(
                    melding_id=m.melding_id, gezin_id=m.gezin_id, zorgen=tuple(m.zorgen),
                    kenmerken=tuple(m.kenmerken), kader=m.kader,
                    kinderen=tuple(Kind(UUID(k["kind_id"]), k["leeftijd"]) for k in m.kinderen))
                if m.grijs_gebied:
                    grijs.add(m.melding_id)
        figuren = await self._figuren(begin, eind)
        gestart = regio_escalaties.c.gestart_op
        escalaties = tuple(await self.session.scalars(
            sa.select(gestart).where(gestart >= begin, gestart < eind).order_by(gestart)))
        return Geschiedenis(
            periode=periode, meldingen=meldingen, verlopen=tuple(_verloop(r, grijs) for r in rows),
            standen=tuple(Stand(r.tijdstip, GI(r.gi), r.vrije_plaatsen, r.wachtend) for r in figuren),
            bezetting=_bezettingswijzigingen(figuren), escalaties=escalaties)

    async def _figuren(self, begin: datetime, eind: datetime) -> list:
        """Each GI's last figure before `begin` and every one from it to `eind`, in time order."""
        h = capaciteit_historie.c
        rows = []
        for gi in GI:
            rows += (await self.session.execute(
                sa.select(capaciteit_historie).where(h.gi == gi.value, h.tijdstip < begin)
                .order_by(h.tijdstip.desc()).limit(1))).all()
        rows += (await self.session.execute(
            sa.select(capaciteit_historie).where(h.tijdstip >= begin, h.tijdstip < eind))).all()
        return sorted(rows, key=lambda r: (r.tijdstip, r.gi))

    async def add(self, s: Simulatie) -> None:
        scenario, resultaat = _simulatie_json(s)
        await self.session.execute(insert(simulaties), dict(
            id=s.id, voorstel_id=s.voorstel_id, regelset_versie=s.regelset_versie, scenario=scenario,
            resultaat=resultaat, aangevraagd_door=s.aangevraagd_door, aangemaakt_op=s.aangemaakt_op))

    async def get(self, simulatie_id: UUID) -> Simulatie | None:
        query = sa.select(simulaties).where(simulaties.c.id == simulatie_id)
        row = (await self.session.execute(query)).first()
        return _simulatie(row) if row else None

    async def lijst(self, *, voorstel_id: UUID | None, limit: int,
                    offset: int) -> tuple[list[Simulatie], int]:
        """Newest first."""
        where = [simulaties.c.voorstel_id == voorstel_id] if voorstel_id else []
        rows = (await self.session.execute(
            sa.select(simulaties).where(*where).order_by(simulaties.c.aangemaakt_op.desc(), simulaties.c.id)
            .limit(limit).offset(offset))).all()
        total = await self.session.scalar(sa.select(sa.func.count()).select_from(simulaties).where(*where))
        return [_simulatie(r) for r in rows], total

    async def ids_voor_voorstel(self, voorstel_id: UUID) -> list[UUID]:
        """The simulations run for a ruleset proposal, oldest first (ids only: no results read)."""
        return list(await self.session.scalars(
            sa.select(simulaties.c.id).where(simulaties.c.voorstel_id == voorstel_id)
            .order_by(simulaties.c.aangemaakt_op, simulaties.c.id)))


def _bezettingswijzigingen(figuren) -> tuple[Bezettingsmoment, ...]:
    """The staffing each figure carried, where it differs from the GI's figure before."""
    vorige: dict[str, tuple] = {}
    uit = []
    for r in figuren:
        staffing = (r.jeugdbeschermers, r.afwezig, r.caseload_norm)
        if vorige.get(r.gi) != staffing:
            uit.append(_bezetting_van(r))
            vorige[r.gi] = staffing
    return tuple(uit)


def _chunks(items: list, n: int):
    for i in range(0, len(items), n):
        yield items[i:i + n]
