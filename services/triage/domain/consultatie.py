"""Consultation & advice (C&A): a local team's question about a family situation, routed to a GI, and
the hours the GI spends on it. Pure: no I/O.

Routing (`routeer`): the factsheet is the expertise table of the active target-group ruleset
(`Regelset.expertises`). A question whose category is an expertise the factsheet names goes to the
GI that has it; when several have it (jeugdreclassering: JBRR and LJR), to the one of those
furthest below its agreed share; a category the factsheet names no expertise for goes to the GI of
all three furthest below its agreed share of the year's C&A hours.

"Furthest below its share", exactly: for the year of the request (the region's calendar),
tekort(GI) = agreed share(GI) x all GIs' C&A hours of that year so far - the GI's own hours of
that year (hours count in the year of the day they were spent). The largest tekort wins; equal
tekort: the larger agreed share; equal shares too: the fixed order JBRR, WSS, LJR. With no hours
yet every tekort is 0, so the largest agreed share decides.
"""
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID, uuid4

from contracts.vocabulary import GEMEENTEN, GI, ConsultatieCategorie
from runtime.clock import local_date
from runtime.errors import Forbidden, InvalidInput, NotFound
from runtime.identity import GI_ROLES, LOKAAL_TEAM, REGIO, Principal
from services.triage.domain.events import ConsultatieRequested, ConsultatieUrenRecorded

GI_VOLGORDE: tuple[GI, ...] = tuple(GI)  # JBRR, WSS, LJR: breaks the last tie
MAX_REDEN = 500  # the contract's limit of the generated reason
MAX_UREN = 24.0  # one registration is the hours of one day
KWARTIER = 0.25


# ---------------------------------------------------------------------------------------------
# Where each GI stands against its agreed share of the year's hours.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stand:
    gi: GI
    afgesproken_aandeel: float  # 0 for a GI the year's shares do not name
    uren: float  # the GI's C&A hours of the year so far
    tekort: float  # afgesproken_aandeel x all GIs' hours of the year - uren (negative: above its share)


def standen(aandelen: Mapping[GI, float], uren: Mapping[GI, float]) -> list[Stand]:
    """Every GI's position, in the fixed GI order. Rounded to 1/10000 hour, so equal positions
    compare equal (shares have two decimals and hours are quarters: exact at four)."""
    totaal = sum(uren.get(gi, 0.0) for gi in GI_VOLGORDE)
    return [Stand(gi, aandelen.get(gi, 0.0), uren.get(gi, 0.0),
                  round(aandelen.get(gi, 0.0) * totaal - uren.get(gi, 0.0), 4)) for gi in GI_VOLGORDE]


@dataclass(frozen=True)
class Verdeling:
    """A year's C&A hours and requests per GI against the agreed shares."""

    jaar: int
    standen: list[Stand]
    aanvragen: Mapping[GI, int]
    aandelen_bekend: bool  # False: the region agreed no shares for that year (or before)


def _rang(stand: Stand) -> tuple:
    return -stand.tekort, -stand.afgesproken_aandeel, GI_VOLGORDE.index(stand.gi)


def verst_onder_aandeel(kandidaten: tuple[GI, ...], alle: list[Stand]) -> list[Stand]:
    """The candidates' positions, furthest below their share first (the first is chosen)."""
    return sorted((s for s in alle if s.gi in kandidaten), key=_rang)


# ---------------------------------------------------------------------------------------------
# The routing decision and its reason.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Routering:
    gi: GI
    expertise: str | None  # the factsheet's expertise that decided; None: the shares decided
    reden: str
    regelset_versie: str


def _getal(x: float) -> str:
    """12.5 -> '12,5', 8.0 -> '8' (a Dutch sentence)."""
    tekst = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if tekst in ("-0", "") else tekst.replace(".", ",")


def _procent(aandeel: float) -> str:
    return f"{_getal(round(aandeel * 100, 2))}%"


def _opsomming(gis) -> str:
    namen = [g.value for g in gis]
    return namen[0] if len(namen) == 1 else f"{', '.join(namen[:-1])} en {namen[-1]}"


def _uitleg_aandelen(volgorde: list[Stand], jaar: int, totaal: float) -> str:
    """How the shares decided among `volgorde` (sorted, the first chosen); `totaal`: all GIs' hours."""
    gekozen = volgorde[0]
    if totaal == 0:
        delen = ", ".join(f"{s.gi.value} {_procent(s.afgesproken_aandeel)}" for s in volgorde)
        return f"nog geen C&A-uren in {jaar}: het grootste afgesproken aandeel beslist ({delen})"
    delen = ", ".join(f"{s.gi.value} {_procent(s.afgesproken_aandeel)} x {_getal(totaal)} - "
                      f"{_getal(s.uren)} = {_getal(s.tekort)}" for s in volgorde)
    uitleg = f"tekort = afgesproken aandeel x alle C&A-uren van {jaar} tot nu - eigen uren: {delen}"
    if len(volgorde) > 1 and volgorde[1].tekort == gekozen.tekort:
        if volgorde[1].afgesproken_aandeel == gekozen.afgesproken_aandeel:
            uitleg += "; gelijk: de vaste volgorde JBRR, WSS, LJR beslist"
        else:
            uitleg += "; gelijk tekort: het grootste afgesproken aandeel beslist"
    return uitleg


def routeer(categorie: ConsultatieCategorie, expertises: Mapping[str, tuple[GI, ...]], regelset_versie: str,
            aandelen: Mapping[GI, float], uren: Mapping[GI, float], jaar: int) -> Routering:
    """The GI a question goes to, with the reason (see the module's docstring for the rule)."""
    categorie = ConsultatieCategorie(categorie)
    expertise = categorie.value if categorie.value in expertises else None
    bron = f"De factsheet (regelset {regelset_versie})"
    if expertise is not None and len(expertises[expertise]) == 1:
        [gi] = expertises[expertise]
        return Routering(gi, expertise, _kort(f"{bron} noemt voor een vraag over {categorie.value} de "
                                              f"expertise {expertise}; alleen {gi.value} heeft die."),
                         regelset_versie)
    alle = standen(aandelen, uren)
    totaal = sum(s.uren for s in alle)
    if expertise is not None:
        kandidaten = expertises[expertise]
        volgorde = verst_onder_aandeel(kandidaten, alle)
        gi = volgorde[0].gi
        reden = (f"{bron} noemt voor een vraag over {categorie.value} de expertise {expertise}, die "
                 f"{_opsomming(kandidaten)} hebben; daarvan staat {gi.value} het verst onder zijn "
                 f"afgesproken aandeel van de C&A-uren van {jaar}: "
                 f"{_uitleg_aandelen(volgorde, jaar, totaal)}.")
    else:
        volgorde = verst_onder_aandeel(GI_VOLGORDE, alle)
        gi = volgorde[0].gi
        reden = (f"{bron} noemt geen expertise voor een vraag over {categorie.value}: de vraag gaat naar "
                 f"de GI die het verst onder zijn afgesproken aandeel van de C&A-uren van {jaar} staat, "
                 f"{gi.value}; {_uitleg_aandelen(volgorde, jaar, totaal)}.")
    return Routering(gi, expertise, _kort(reden), regelset_versie)


def _kort(reden: str) -> str:
    return reden if len(reden) <= MAX_REDEN else reden[:MAX_REDEN - 1] + "…"


# ---------------------------------------------------------------------------------------------
# The request and the hours spent on it.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Urenregistratie:
    id: UUID
    uren: float
    datum: date  # the day the hours were spent: they count in its year
    geregistreerd_op: datetime


def check_uren(uren: float, datum: date, aangevraagd_op: datetime, now: datetime) -> None:
    """More than 0 and at most a day's 24 hours, in quarters of an hour; spent on a day from the
    request's day to today (the region's calendar)."""
    if not 0 < uren <= MAX_UREN:
        raise InvalidInput(f"uren must be more than 0 and at most {_getal(MAX_UREN)} (one day)", field="uren")
    if (uren / KWARTIER) != int(uren / KWARTIER):
        raise InvalidInput("uren are counted in quarters of an hour (0.25, 0.5, 0.75, 1, ...)", field="uren")
    if datum > local_date(now):
        raise InvalidInput(f"datum {datum} lies in the future", field="datum")
    if datum < local_date(aangevraagd_op):
        raise InvalidInput(f"datum {datum} lies before the request ({local_date(aangevraagd_op)})",
                           field="datum")


@dataclass
class Consultatie:
    id: UUID
    gemeente: str
    organisatie: str  # the asking local team
    categorie: ConsultatieCategorie
    gezin_id: UUID | None  # pseudonymous; erased after the retention term (service_layer/bewaartermijn.py)
    gi: GI
    expertise: str | None
    reden: str
    regelset_versie: str
    aangevraagd_op: datetime
    registraties: list[Urenregistratie] = field(default_factory=list)
    gewist_op: datetime | None = None

    @property
    def uren(self) -> float:
        return sum(r.uren for r in self.registraties)

    @classmethod
    def vraag_aan(cls, principal: Principal, gemeente: str, categorie: ConsultatieCategorie,
                  gezin_id: UUID | None, routering: Routering, now: datetime
                  ) -> tuple["Consultatie", ConsultatieRequested]:
        consultatie = cls(
            id=uuid4(), gemeente=gemeente, organisatie=principal.organisatie,
            categorie=ConsultatieCategorie(categorie), gezin_id=gezin_id, gi=routering.gi,
            expertise=routering.expertise, reden=routering.reden, regelset_versie=routering.regelset_versie,
            aangevraagd_op=now)
        return consultatie, ConsultatieRequested(
            consultatie_id=consultatie.id, gemeente=gemeente, categorie=consultatie.categorie,
            gezin_id=gezin_id, gi=routering.gi, expertise=routering.expertise, reden=routering.reden,
            aangevraagd_op=now)

    def registreer_uren(self, uren: float, datum: date, now: datetime
                        ) -> tuple[Urenregistratie, ConsultatieUrenRecorded]:
        check_uren(uren, datum, self.aangevraagd_op, now)
        registratie = Urenregistratie(uuid4(), float(uren), datum, now)
        self.registraties.append(registratie)
        return registratie, ConsultatieUrenRecorded(
            consultatie_id=self.id, registratie_id=registratie.id, gemeente=self.gemeente,
            categorie=self.categorie, gi=self.gi, uren=registratie.uren, datum=datum, geregistreerd_op=now)


# ---------------------------------------------------------------------------------------------
# Who may ask, read and record.
# ---------------------------------------------------------------------------------------------


def check_aanvraag(principal: Principal, gemeente: str) -> None:
    """A local team asks for its own municipality only (another: 403, as intake's reports)."""
    if not principal.is_a(LOKAAL_TEAM):
        raise Forbidden(f"role {principal.rol} does not ask for consultation & advice")
    if gemeente != principal.gemeente:
        raise Forbidden(f"gemeente: your token is for the local team of {principal.gemeente}; it "
                        f"does not ask for {gemeente}", field="gemeente")
    if gemeente not in GEMEENTEN:
        raise InvalidInput(f"gemeente: unknown municipality code {gemeente!r}: use a CBS code of the region",
                           field="gemeente")


@dataclass(frozen=True)
class Bereik:
    """The requests a caller sees. No defaults: every scope says what it limits."""

    gemeente: str | None  # a local team: its own municipality's requests
    gi: GI | None  # a GI: the requests routed to it
    toont_gezin: bool  # the region sees every request, but never the family's id

    def omvat(self, consultatie: Consultatie) -> bool:
        return ((self.gemeente is None or consultatie.gemeente == self.gemeente)
                and (self.gi is None or consultatie.gi == self.gi))


def leesbereik(principal: Principal) -> Bereik:
    if principal.is_a(LOKAAL_TEAM):
        return Bereik(gemeente=principal.gemeente, gi=None, toont_gezin=True)
    if principal.is_a(*GI_ROLES):
        return Bereik(gemeente=None, gi=GI(principal.gi), toont_gezin=True)
    if principal.is_a(REGIO):
        return Bereik(gemeente=None, gi=None, toont_gezin=False)
    raise Forbidden(f"role {principal.rol} reads no consultation requests")


def niet_gevonden(consultatie_id: UUID) -> NotFound:
    """One answer for a request that does not exist and one the caller may not see."""
    return NotFound(f"consultatie {consultatie_id} does not exist")


def check_registratie(principal: Principal, consultatie: Consultatie) -> None:
    """Only the GI the request went to records hours; for any other it does not exist (404)."""
    if principal.gi is None:
        raise Forbidden(f"role {principal.rol} records no C&A hours; only a GI does")
    if consultatie.gi != principal.gi:
        raise niet_gevonden(consultatie.id)
