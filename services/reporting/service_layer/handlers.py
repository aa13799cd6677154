"""Live projection of the chain's events into KPI cells, and the figures read from them."""

import asyncio
import time
from datetime import date, datetime
from typing import Any, NamedTuple, TypeVar
from uuid import uuid4

from sqlalchemy.ext.asyncio import async_sessionmaker

from contracts import Event
from contracts.vocabulary import GEMEENTEN, GI_NAMEN
from runtime.clock import Clock
from runtime.errors import InvalidInput, NotFound
from services.reporting.adapters import catalogus as catalogus_bron
from services.reporting.adapters import wire
from services.reporting.adapters.repository import CijferBuffer, DossierStand, HistorieRepository
from services.reporting.domain import duiding, infographic
from services.reporting.domain.cijfers import PER_GEMEENTE, bereken
from services.reporting.domain.commands import (
    AddDuiding,
    ExportKpis,
    ListDuidingen,
    ListHerberekeningen,
    ReadCatalogus,
    ReadHerberekening,
    ReadInfographic,
    ReadKpis,
    ReadKwartaalrapportage,
    ReadTrend,
    RequestHerberekening,
    StelKwartaalVast,
)
from services.reporting.domain.duiding import Duiding, Kwartaalduidingen, Vaststelling
from services.reporting.domain.minimalisatie import dossier_van, inhoud_sleutel
from services.reporting.domain.model import Catalogus
from services.reporting.domain.periodes import (
    KWARTAAL,
    Periode,
    kwartalen_tot,
    lees_periode,
)
from services.reporting.domain.projectie import CelSleutel, dossiers_cellen, verschil
from services.reporting.service_layer import herberekening
from services.reporting.service_layer.cache import Lru
from services.reporting.service_layer.rekenaar import KpiVraag, Rekenaar, lees, momentopname
from services.reporting.service_layer.unit_of_work import ReportingUnitOfWork
from services.reporting.settings import ReportingSettings

TIJDSTIP_VELDEN = (
    "ontvangen_op",
    "besloten_op",
    "geadviseerd_op",
    "opgelegd_op",
    "toegewezen_op",
    "aangevraagd_op",
    "goedgekeurd_op",
    "afgewezen_op",
    "overgedragen_op",
    "gesloten_op",
    "gesignaleerd_op",
    "beeindigd_op",
    "tijdstip",
    "geregistreerd_op",
)

# Computed answers, per version of the projection (its id and counter, read in the request's
# snapshot): a cache entry is never served for another version.
_ANTWOORDEN = Lru(256)
IN_DIT_PROCES = Rekenaar()


async def on_event(event: Event, uow: ReportingUnitOfWork) -> None:
    """Every event the KPIs are made from goes through the same projection."""
    await projecteer(uow, *wire.feit(event), event_id=uow.event_id)


async def geraakte_dossiers(historie: HistorieRepository, event_type: str, data: dict,
                            stand: DossierStand | None = None) -> set[str]:
    """The dossier the event belongs to and, for a case that gets its family, the case's
    provisional dossier 'casus:<id>' (whose events now move to the family). A case's family,
    once known, does not change: the batch keeps what it found."""
    dossier = dossier_van(event_type, data)
    casus = data.get("casus_id")
    if dossier is None:
        if stand is not None and casus in stand.families:
            dossier = stand.families[casus]
        else:
            dossier = await historie.dossier_van_casus(casus)
            if dossier is not None and stand is not None:
                stand.families[casus] = dossier
            dossier = dossier or f"casus:{casus}"
    return {dossier, f"casus:{casus}"} if casus and not dossier.startswith("casus:") else {dossier}


def _cellen(dossiers: dict[str, list[tuple[str, dict]]], catalogus: Catalogus) -> dict[CelSleutel, list[int]]:
    return dossiers_cellen(dossiers.values(), catalogus.norm_dagen)


def _met_het_nieuwe(
    voor: dict[str, tuple[list, frozenset[str]]], event_type: str, data: dict
) -> dict[str, list[tuple[str, dict]]] | None:
    """The touched dossiers after the new event, in memory, when the event only joins one of
    them as its newest event: it has no case, or no family of its own, or its case was in its
    family's dossier already. None when it links a case to a family anew (the dossiers regroup)."""
    eigen, casus = dossier_van(event_type, data), data.get("casus_id")
    if eigen is None:
        if casus is None or len(voor) != 1:
            return None
        (doel,) = voor
    elif casus is None or str(casus) in voor[eigen][1]:
        doel = eigen
    else:
        return None
    na = {d: events for d, (events, _) in voor.items()}
    na[doel] = [*na[doel], (event_type, data)]
    return na


async def projecteer(
    uow: ReportingUnitOfWork,
    event_type: str,
    data: dict,
    *,
    event_id: str | None = None,
    catalogus: Catalogus | None = None,
) -> bool:
    """Store the (minimised) event and move the projection from the dossier's old contributions
    to its new ones. A fact stored before (same content) changes nothing. Returns whether the
    event was new."""
    catalogus = catalogus or catalogus_bron.actief()
    async with uow:
        # In a consumer's batch (one transaction, its locks held to the end) what the batch read
        # and changed is kept: a dossier its events touch again is not read again.
        stand = uow.batch_buffer("dossiers", DossierStand)
        await _projectie_gedeeld(uow, stand)
        geraakt = await _vergrendeld(uow, event_type, data, stand)
        voor = {d: await _dossier(uow, d, stand) for d in geraakt}
        oud = _cellen({d: events for d, (events, _) in voor.items()}, catalogus)
        if not await _bewaard(uow, event_type, data, event_id):
            await uow.commit()
            return False
        na = _met_het_nieuwe(voor, event_type, data)
        if na is None:  # the dossiers regroup: read them again
            gelezen = {d: await uow.historie.laad_met_casussen(d) for d in geraakt}
            na = {d: events for d, (events, _) in gelezen.items()}
        else:
            gelezen = {d: (events, voor[d][1]) for d, events in na.items()}
        if stand is not None:
            stand.dossiers.update(gelezen)
        delta = verschil(oud, _cellen(na, catalogus))
        # In a consumer's batch the changes of all its events are added up and written once.
        if (buffer := uow.batch_buffer("cijfers", lambda: CijferBuffer(uow.cijfers))) is not None:
            buffer.add(delta)
        else:
            await uow.cijfers.pas_toe(delta)
        await uow.commit()
        return True


async def _projectie_gedeeld(uow: ReportingUnitOfWork, stand: DossierStand | None) -> None:
    """The projection's shared lock (a rebuild swaps it in under the exclusive one), once a batch."""
    if stand is None or not stand.gedeeld:
        await uow.historie.projectie_gedeeld()
        if stand is not None:
            stand.gedeeld = True


async def _dossier(uow: ReportingUnitOfWork, dossier: str, stand: DossierStand | None
                   ) -> tuple[list[tuple[str, dict]], frozenset[str]]:
    if stand is not None and dossier in stand.dossiers:
        return stand.dossiers[dossier]
    return await uow.historie.laad_met_casussen(dossier)


async def _vergrendeld(uow: ReportingUnitOfWork, event_type: str, data: dict,
                       stand: DossierStand | None = None) -> set:
    """The dossiers the event touches, locked; placed again under the locks (a replica may just
    have given the case its family). Dossiers the batch locked before are placed under their
    locks already."""
    geraakt = await geraakte_dossiers(uow.historie, event_type, data, stand)
    nieuw = geraakt - stand.vergrendeld if stand is not None else geraakt
    if not nieuw:
        return geraakt
    await uow.historie.vergrendel(nieuw)
    opnieuw = await geraakte_dossiers(uow.historie, event_type, data, stand) - geraakt
    if opnieuw:
        await uow.historie.vergrendel(opnieuw)
        geraakt |= opnieuw
    if stand is not None:
        stand.vergrendeld |= geraakt
    return geraakt


async def _bewaard(uow: ReportingUnitOfWork, event_type: str, data: dict, event_id: str | None) -> bool:
    """The (minimised) event stored; False when the same fact was stored before."""
    tijdstip = next((data[f] for f in TIJDSTIP_VELDEN if data.get(f)), None)
    stored = await uow.historie.bewaar(
        event_id=event_id, sleutel=inhoud_sleutel(event_type, data), event_type=event_type,
        dossier=dossier_van(event_type, data), casus_id=data.get("casus_id"),
        tijdstip=datetime.fromisoformat(tijdstip) if tijdstip else None, data=data)
    return stored is not None


# ---- reading the figures -----------------------------------------------------------------------


def _kpi_ids(catalogus: Catalogus, gevraagd: list[str] | None) -> list[str] | None:
    if not gevraagd:
        return None
    onbekend = [k for k in gevraagd if k not in catalogus.ids]
    if onbekend:
        raise InvalidInput(f"unknown KPI {', '.join(onbekend)}; see GET /v1/kpis/catalogus", field="kpi")
    return gevraagd


def _opgeslagen(catalogus: Catalogus, ids: list[str] | None) -> list[str] | None:
    """The stored KPIs the requested ones are computed from."""
    if ids is None:
        return None
    needed = set(ids)
    for k in ids:
        kpi = catalogus.kpi(k)
        needed |= {x for x in (kpi.teller, kpi.noemer, kpi.basis) if x}
    return sorted(needed)


def periode(code: str | None, periode_type: str | None, vandaag: date) -> Periode:
    return lees_periode(code, periode_type, vandaag)


def controleer_gemeente(gemeente: str | None, periode: Periode, onderdrukkingsdrempel: int) -> None:
    """A municipality of the region, at a level published per municipality."""
    if not gemeente:
        return
    if gemeente not in GEMEENTEN:
        raise InvalidInput(f"{gemeente} is not a municipality of the region", field="gemeente")
    if onderdrukkingsdrempel > 1 and periode.type not in PER_GEMEENTE:
        raise InvalidInput(
            "figures per municipality are published per quarter, per year and for all time, "
            f"not per {periode.type}",
            field="gemeente",
        )


async def kpis(
    uow: ReportingUnitOfWork,
    *,
    periode: Periode,
    onderdrukkingsdrempel: int,
    kpi: list[str] | None = None,
    gi: str | None = None,
    gemeente: str | None = None,
    met_tabel: bool = False,
    rekenaar: Rekenaar = IN_DIT_PROCES,
) -> list[dict]:
    """The published figures of one period. Cached per version of the projection: a repeated
    request reads only the version; the answer is shared, so callers must not change it. A new
    version's answer is computed where `rekenaar` computes (the service: a worker process)."""
    catalogus = catalogus_bron.actief()
    controleer_gemeente(gemeente, periode, onderdrukkingsdrempel)
    ids = _kpi_ids(catalogus, kpi)
    stored = _opgeslagen(catalogus, ids)
    vraag = KpiVraag(catalogus.versie, periode, periode.peildatum(uow.clock.today()), onderdrukkingsdrempel,
                     tuple(ids or ()), gi, gemeente, met_tabel)
    async with uow:
        versie = await momentopname(uow.session, uow.cijfers)
        if (antwoord := _ANTWOORDEN.get((versie, *vraag))) is not None:
            return antwoord
    versie, antwoord = await rekenaar.antwoord(uow, vraag, stored, catalogus)
    _ANTWOORDEN.put((versie, *vraag), antwoord)
    return antwoord


# A caller that accepts a stale answer (HTTP `Cache-Control: max-stale`, as the dashboard sends)
# waits this long for the answer of the current version; if computing it takes longer (after a
# change, over a large history) it gets the last answer computed for the same question, if that
# is no older than it accepts, with the actualiteit it was computed at, while the computation goes
# on for the requests after it. Any other caller always gets the current answer.
WACHTTIJD_S = 0.025
_LAATSTE = Lru(256)  # question -> (answer, actualiteit, when computed) last computed, any version
_BEZIG: dict[tuple, asyncio.Task] = {}  # question -> its computation in flight (one at a time)
A = TypeVar("A")  # the actualiteit block (the entrypoint's)


async def kpis_binnen(
    uow: ReportingUnitOfWork, actueel: A | None, *, max_oud_s: float | None = None,
    wachttijd_s: float = WACHTTIJD_S, rekenaar: Rekenaar = IN_DIT_PROCES, **vraag
) -> tuple[list[dict], A | None]:
    """`kpis(**vraag)`: (the answer, the actualiteit it is current to). `max_oud_s`: None, the
    current answer; else within `wachttijd_s` the last answer computed at most that long ago
    (`math.inf`: any) while the current one is computed."""
    # Per database (one per process in service, one per test database in tests).
    sleutel = (uow.database, catalogus_bron.actief().versie, uow.clock.today())
    sleutel += tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in vraag.items()))
    taak = _BEZIG.get(sleutel)
    if taak is None:
        taak = _BEZIG[sleutel] = asyncio.create_task(_bereken(uow, actueel, sleutel, vraag, rekenaar))
        taak.add_done_callback(lambda t: (_BEZIG.pop(sleutel, None), t.cancelled() or t.exception()))
    vorig = _LAATSTE.get(sleutel) if max_oud_s is not None else None
    if vorig is None or time.monotonic() - vorig[2] > max_oud_s:  # nothing to fall back on
        return await asyncio.shield(taak)
    try:
        return await asyncio.wait_for(asyncio.shield(taak), wachttijd_s)
    except TimeoutError:
        return vorig[0], vorig[1]


async def _bereken(uow: ReportingUnitOfWork, actueel: A, sleutel: tuple, vraag: dict,
                   rekenaar: Rekenaar) -> tuple[list[dict], A]:
    antwoord = await kpis(uow, rekenaar=rekenaar, **vraag)
    _LAATSTE.put(sleutel, (antwoord, actueel, time.monotonic()))
    return antwoord, actueel


async def trend(
    uow: ReportingUnitOfWork, *, kpi: list[str], kwartalen: int, onderdrukkingsdrempel: int,
    tot: Periode | None = None,
) -> list[dict]:
    """The KPIs per quarter for the last `kwartalen` quarters (oldest first), region and per GI."""
    catalogus = catalogus_bron.actief()
    ids = _kpi_ids(catalogus, kpi)
    stored = _opgeslagen(catalogus, ids)
    today = uow.clock.today()
    reeks = kwartalen_tot(tot or lees_periode(None, KWARTAAL, today), kwartalen)
    async with uow:
        versie = await momentopname(uow.session, uow.cijfers)
        familie, rijen = await lees(uow.cijfers, versie, reeks, stored, onderdrukkingsdrempel)
        standen = {p.code: await uow.cijfers.standen(p.peildatum(today), stored) for p in reeks}
    return [
        {
            "periode": p.code,
            "kpis": bereken(
                catalogus,
                rijen[p.code],
                standen[p.code],
                periode_type=KWARTAAL,
                periode=p.code,
                peildatum=p.peildatum(today),
                onderdrukkingsdrempel=onderdrukkingsdrempel,
                kpis=ids,
                familie=familie,
            ),
        }
        for p in reeks
    ]


def catalogus() -> dict:
    return catalogus_bron.actief().bron


async def kwartaalrapportage(uow: ReportingUnitOfWork, kwartaal: str, onderdrukkingsdrempel: int,
                             rekenaar: Rekenaar) -> dict:
    """Everything the quarterly report shows: the catalogue, every KPI with its table per
    municipality x GI (suppressed), and the previous quarter for comparison."""
    today = uow.clock.today()
    p = lees_periode(kwartaal, KWARTAAL, today)
    drempel = onderdrukkingsdrempel
    huidig = await kpis(uow, periode=p, onderdrukkingsdrempel=drempel, met_tabel=True, rekenaar=rekenaar)
    vorig = {k["kpi"]: k for k in await kpis(uow, periode=p.vorige(), onderdrukkingsdrempel=drempel,
                                             rekenaar=rekenaar)}
    cat = catalogus_bron.actief()
    return {
        "kwartaal": p.code,
        "begin": p.begin.isoformat(),
        "einde": p.einde.isoformat(),
        "peildatum": p.peildatum(today).isoformat(),
        "onderdrukkingsdrempel": onderdrukkingsdrempel,
        "catalogus_versie": cat.versie,
        "regels": cat.bron.get("regels", {}),
        "parameters": cat.parameters,
        "kpis": [
            {
                **k,
                "vorig": vorig[k["kpi"]]["waarde"],
                "definitie": cat.kpi(k["kpi"]).definitie,
                "richting": cat.kpi(k["kpi"]).richting,
            }
            for k in huidig
        ],
        "gemeenten": GEMEENTEN,
    }


# ---- the use cases, as the message bus hands them their commands -------------------------------


class KpiAntwoord(NamedTuple):
    periode: Periode
    kpis: list[dict]
    actualiteit: Any  # the block the figures are current to (the command's)
    onderdrukkingsdrempel: int


async def read_kpis(cmd: ReadKpis, uow: ReportingUnitOfWork, settings: ReportingSettings,
                    clock: Clock, rekenaar: Rekenaar) -> KpiAntwoord:
    """The period asked for, its KPIs and how current they are (kpis_binnen)."""
    return await _kpis_van(cmd, uow, settings, clock, rekenaar, gi=cmd.gi, gemeente=cmd.gemeente,
                           met_tabel=False, actueel=cmd.actualiteit)


async def export_kpis(cmd: ExportKpis, uow: ReportingUnitOfWork, settings: ReportingSettings,
                      clock: Clock, rekenaar: Rekenaar) -> tuple[Periode, list[dict]]:
    """The period's KPIs with their tables (the municipality is picked from them on export)."""
    antwoord = await _kpis_van(cmd, uow, settings, clock, rekenaar, gi=None, gemeente=None, met_tabel=True,
                               actueel=None)
    controleer_gemeente(cmd.gemeente, antwoord.periode, antwoord.onderdrukkingsdrempel)
    return antwoord.periode, antwoord.kpis


async def _kpis_van(cmd: ReadKpis | ExportKpis, uow: ReportingUnitOfWork, settings: ReportingSettings,
                    clock: Clock, rekenaar: Rekenaar, *, gi: str | None, gemeente: str | None,
                    met_tabel: bool, actueel) -> KpiAntwoord:
    p = periode(cmd.periode, cmd.periode_type, clock.today())
    drempel = settings.onderdrukkingsdrempel
    rows, actueel = await kpis_binnen(
        uow, actueel, max_oud_s=cmd.max_oud_s, rekenaar=rekenaar, periode=p, onderdrukkingsdrempel=drempel,
        kpi=list(cmd.kpi) if cmd.kpi is not None else None, gi=gi, gemeente=gemeente, met_tabel=met_tabel,
    )
    return KpiAntwoord(p, rows, actueel, drempel)


async def read_catalogus(cmd: ReadCatalogus) -> dict:
    return catalogus()


async def read_trend(cmd: ReadTrend, uow: ReportingUnitOfWork, settings: ReportingSettings,
                     clock: Clock) -> list[dict]:
    tot = lees_periode(cmd.tot, KWARTAAL, clock.today(), veld="tot") if cmd.tot else None
    return await trend(uow, kpi=list(cmd.kpi), kwartalen=cmd.kwartalen,
                       onderdrukkingsdrempel=settings.onderdrukkingsdrempel, tot=tot)


async def read_kwartaalrapportage(cmd: ReadKwartaalrapportage, uow: ReportingUnitOfWork,
                                  settings: ReportingSettings, rekenaar: Rekenaar) -> dict:
    """The quarterly report with the GIs' readings of the quarter and whether it is final."""
    rapport = await kwartaalrapportage(uow, cmd.kwartaal, settings.onderdrukkingsdrempel, rekenaar)
    async with uow:
        duidingen = await uow.duidingen.get(lees_periode(rapport["kwartaal"], KWARTAAL, uow.clock.today()))
    return {**rapport, "vaststelling": duidingen.vaststelling, "duidingen": duidingen.duidingen}


async def request_herberekening(cmd: RequestHerberekening, uow: ReportingUnitOfWork, clock: Clock,
                                sessions: async_sessionmaker, verdeling: herberekening.Verdeling,
                                achtergrond: herberekening.Achtergrond) -> dict:
    """Record the rebuild and start it in the background; its record, as requested."""
    record = await herberekening.aanvragen(uow, vervangen=cmd.vervangen, achtergrond=achtergrond)
    herberekening.start_op_achtergrond(sessions, record["id"], cmd.vervangen, clock, verdeling, achtergrond)
    return record


async def list_herberekeningen(cmd: ListHerberekeningen, uow: ReportingUnitOfWork) -> list[dict]:
    return await herberekening.lijst(uow)


async def read_herberekening(cmd: ReadHerberekening, uow: ReportingUnitOfWork) -> dict:
    record = await herberekening.status(uow, cmd.herberekening_id)
    if record is None:
        raise NotFound(f"no rebuild {cmd.herberekening_id}")
    return record


# ---- the GIs' readings, the final marking and the infographic (issue 15 §3) --------------------


def _kwartaal(code: str, vandaag: date) -> Periode:
    """A quarter that has begun (a later one has no figures to read: invalid input)."""
    p = lees_periode(code, KWARTAAL, vandaag, veld="kwartaal")
    duiding.controleer_begonnen(p, vandaag)
    return p


async def add_duiding(cmd: AddDuiding, uow: ReportingUnitOfWork, clock: Clock) -> Duiding:
    """The caller's GI's reading; after the quarter's final marking it is stored as an addendum.
    A KPI must be one of the active catalogue. The author's name is kept with the reading and
    never logged."""
    p = _kwartaal(cmd.kwartaal, clock.today())
    if cmd.kpi is not None:
        _kpi_ids(catalogus_bron.actief(), [cmd.kpi])
    auteur = duiding.Auteur(cmd.caller.sub, cmd.caller.rol, cmd.caller.naam)
    async with uow:
        kwartaal = await uow.duidingen.get(p, vergrendeld=True)
        nieuw = kwartaal.voeg_toe(duiding_id=uuid4(), gi=cmd.caller.gi, kpi=cmd.kpi, tekst=cmd.tekst,
                                  auteur=auteur, now=clock.now(), vandaag=clock.today())
        await uow.duidingen.voeg_toe(nieuw)
        await uow.commit()
    return nieuw


async def list_duidingen(cmd: ListDuidingen, uow: ReportingUnitOfWork, clock: Clock) -> Kwartaalduidingen:
    p = _kwartaal(cmd.kwartaal, clock.today())
    async with uow:
        return await uow.duidingen.get(p)


async def stel_kwartaal_vast(cmd: StelKwartaalVast, uow: ReportingUnitOfWork, clock: Clock) -> Vaststelling:
    """Mark the quarter's report final (once, after the quarter has ended)."""
    p = _kwartaal(cmd.kwartaal, clock.today())
    async with uow:
        kwartaal = await uow.duidingen.get(p, vergrendeld=True)
        vaststelling = kwartaal.stel_vast(door=cmd.caller.sub, now=clock.now(), vandaag=clock.today())
        await uow.duidingen.stel_vast(vaststelling)
        await uow.commit()
    return vaststelling


async def read_infographic(cmd: ReadInfographic, uow: ReportingUnitOfWork, settings: ReportingSettings,
                           clock: Clock) -> dict:
    """A municipality's infographic from the same published figures as GET /v1/kpis (the trend's
    quarters, suppressed together), with the GIs' readings of the quarter."""
    p = _kwartaal(cmd.kwartaal, clock.today())
    if cmd.gemeente not in GEMEENTEN:
        raise NotFound(f"{cmd.gemeente} is not a municipality of the region")
    cat = catalogus_bron.actief()
    reeks = await trend(uow, kpi=infographic.kpi_ids(cat.ids), kwartalen=cmd.kwartalen,
                        onderdrukkingsdrempel=settings.onderdrukkingsdrempel, tot=p)
    async with uow:
        duidingen = await uow.duidingen.get(p)
    return infographic.samenstellen(
        gemeente=cmd.gemeente, gemeente_naam=GEMEENTEN[cmd.gemeente], reeks=reeks, duidingen=duidingen,
        kpi_namen={k.id: k.naam for k in cat.kpis}, gi_namen={g.value: naam for g, naam in GI_NAMEN.items()},
        onderdrukkingsdrempel=settings.onderdrukkingsdrempel,
        richtingen={k.id: k.richting for k in cat.kpis})


COMMAND_HANDLERS = {
    ReadKpis: read_kpis,
    ExportKpis: export_kpis,
    ReadCatalogus: read_catalogus,
    ReadTrend: read_trend,
    ReadKwartaalrapportage: read_kwartaalrapportage,
    RequestHerberekening: request_herberekening,
    ListHerberekeningen: list_herberekeningen,
    ReadHerberekening: read_herberekening,
    AddDuiding: add_duiding,
    ListDuidingen: list_duidingen,
    StelKwartaalVast: stel_kwartaal_vast,
    ReadInfographic: read_infographic,
}
# Every event the KPIs are made from goes through the same projection.
EVENT_HANDLERS = {kind: [on_event] for kind in wire.INCOMING.values()}
