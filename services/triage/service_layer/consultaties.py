"""Use cases of consultation & advice (C&A): a local team asks, triage routes the question to a GI
(domain/consultatie.py `routeer`), the GI records the hours it spent; the hours per GI per year,
which routing reads, are kept in the same transaction as each registration."""
from datetime import datetime

from contracts.ca_verdeling import afgesproken_aandelen
from contracts.vocabulary import GI
from runtime.clock import REGION_TZ, Clock, local_date
from runtime.errors import Forbidden, InvalidInput
from runtime.identity import Principal
from runtime.processing_log import CREATE, READ, UPDATE, Betrokkene
from runtime.processing_register import Verwerkingsactiviteit
from services.triage.adapters.verwerkingsactiviteiten import (
    CONSULTATIE_AANVRAGEN,
    CONSULTATIE_INZIEN,
    CONSULTATIE_UREN_REGISTREREN,
)
from services.triage.domain.commands import (
    ListConsultaties,
    ReadCaVerdeling,
    ReadConsultatie,
    RecordConsultatieUren,
    RequestConsultatie,
)
from services.triage.domain.consultatie import (
    Consultatie,
    Verdeling,
    check_aanvraag,
    check_registratie,
    leesbereik,
    niet_gevonden,
    routeer,
    standen,
)
from services.triage.service_layer.regelsetvoorstellen import actieve_regelset
from services.triage.service_layer.unit_of_work import TriageUnitOfWork

# The years the API accepts for the distribution (as every period of the chain).
EERSTE_JAAR, LAATSTE_JAAR = 1900, 2999


def aandelen_van(jaar: int) -> dict[GI, float]:
    """The region's agreed shares of `jaar` (contracts/ca_verdeling.py); none before the first row."""
    try:
        return afgesproken_aandelen(jaar)
    except LookupError:
        return {}


def _log(uow: TriageUnitOfWork, c: Consultatie, activity: Verwerkingsactiviteit, action: str,
         actor: Principal) -> None:
    """A processing of the family's pseudonym; a request that names no family holds no personal data."""
    if c.gezin_id is not None:
        uow.log_processing(activity=activity, action=action, actor=actor,
                           subjects=[Betrokkene(gezin_id=c.gezin_id)], resource=("consultatie", c.id))


async def request_consultatie(cmd: RequestConsultatie, uow: TriageUnitOfWork, clock: Clock) -> Consultatie:
    check_aanvraag(cmd.caller, cmd.gemeente)
    now = clock.now()
    jaar = local_date(now).year  # the region's calendar: 31 December 23:30 UTC is already next year
    async with uow:
        regelset = (await actieve_regelset(uow)).regelset
        routering = routeer(cmd.categorie, regelset.expertises, regelset.versie, aandelen_van(jaar),
                            await uow.consultaties.uren_per_gi(jaar), jaar)
        consultatie, event = Consultatie.vraag_aan(cmd.caller, cmd.gemeente, cmd.categorie, cmd.gezin_id,
                                                   routering, now)
        await uow.consultaties.add(consultatie)
        uow.publish(event)
        _log(uow, consultatie, CONSULTATIE_AANVRAGEN, CREATE, cmd.caller)
        await uow.commit()
    return consultatie


async def record_uren(cmd: RecordConsultatieUren, uow: TriageUnitOfWork, clock: Clock) -> Consultatie:
    """Only the GI the request went to (another GI: 404); the GI's hours of the year of the day
    they were spent grow in the same transaction."""
    async with uow:
        consultatie = await uow.consultaties.get(cmd.consultatie_id, for_update=True)
        if consultatie is None:
            raise niet_gevonden(cmd.consultatie_id)
        check_registratie(cmd.caller, consultatie)
        registratie, event = consultatie.registreer_uren(cmd.uren, cmd.datum, clock.now())
        await uow.consultaties.add_registratie(consultatie, registratie)
        uow.publish(event)
        _log(uow, consultatie, CONSULTATIE_UREN_REGISTREREN, UPDATE, cmd.caller)
        await uow.commit()
    return consultatie


async def read_consultatie(cmd: ReadConsultatie, uow: TriageUnitOfWork) -> tuple[Consultatie, bool]:
    """The request and whether the caller may see the family's id; logged before it is returned."""
    bereik = leesbereik(cmd.caller)
    async with uow:
        consultatie = await uow.consultaties.get(cmd.consultatie_id)
        if consultatie is None or not bereik.omvat(consultatie):
            raise niet_gevonden(cmd.consultatie_id)
        if bereik.toont_gezin:
            _log(uow, consultatie, CONSULTATIE_INZIEN, READ, cmd.caller)
        await uow.commit()
    return consultatie, bereik.toont_gezin


async def list_consultaties(cmd: ListConsultaties, uow: TriageUnitOfWork
                            ) -> tuple[list[Consultatie], int, bool]:
    """The caller's scope in the query (a local team: its municipality; a GI: its own requests; the
    region: all, without the family's id); a filter outside the scope finds nothing."""
    bereik = leesbereik(cmd.caller)
    gemeente = _binnen(bereik.gemeente, cmd.gemeente, "gemeente")
    gi = _binnen(bereik.gi, cmd.gi, "gi")
    async with uow:
        items, total = await uow.consultaties.lijst(gemeente=gemeente, gi=gi, categorie=cmd.categorie,
                                                    limit=cmd.limit, offset=cmd.offset)
        if bereik.toont_gezin:
            for consultatie in items:
                _log(uow, consultatie, CONSULTATIE_INZIEN, READ, cmd.caller)
        await uow.commit()
    return items, total, bereik.toont_gezin


def _binnen(eigen: str | None, gevraagd: str | None, veld: str) -> str | None:
    """The scope's value; a filter naming another municipality or GI is 403, naming the field."""
    if eigen is not None and gevraagd is not None and gevraagd != eigen:
        raise Forbidden(f"your token is for {eigen}, not for {gevraagd}", field=veld)
    return eigen or gevraagd


async def verdeling(cmd: ReadCaVerdeling, uow: TriageUnitOfWork, clock: Clock) -> Verdeling:
    """The year's C&A hours and requests per GI against the agreed shares."""
    jaar = cmd.jaar or clock.today().year
    if not EERSTE_JAAR <= jaar <= LAATSTE_JAAR:
        raise InvalidInput(f"jaar must be from {EERSTE_JAAR} to {LAATSTE_JAAR}", field="jaar")
    van = datetime(jaar, 1, 1, tzinfo=REGION_TZ)
    tot = datetime(jaar + 1, 1, 1, tzinfo=REGION_TZ)
    async with uow:
        uren = await uow.consultaties.uren_per_gi(jaar)
        aanvragen = await uow.consultaties.aanvragen_per_gi(van, tot)
    aandelen = aandelen_van(jaar)
    return Verdeling(jaar, standen(aandelen, uren), aanvragen, bool(aandelen))
