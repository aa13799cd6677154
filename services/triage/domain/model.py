"""Target-group rules (doelgroepenbepaling), the advice proposal and the RvdK advice. Pure: no I/O."""
import re
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID, uuid4

from contracts.vocabulary import (
    GI,
    MAX_LEEFTIJD,
    AfwijkingReden,
    EscalatieMaatregel,
    Kader,
    Kenmerk,
    Maatregel,
    Urgentie,
    Zorg,
)
from runtime.clock import local_date
from runtime.errors import Conflict, InvalidInput
from services.triage.domain.escalatie import RegioEscalatie
from services.triage.domain.events import AdviesIssued, Kind, MaatregelImposed, TriageCompleted

GI_VOLGORDE: tuple[GI, ...] = tuple(GI)  # the fixed order that breaks ties: JBRR, WSS, LJR

# ---------------------------------------------------------------------------------------------
# The ruleset: versioned data the GIs and the RvdK agree on, validated when it is read.
# ---------------------------------------------------------------------------------------------


class RegelsetOngeldig(ValueError):
    """A ruleset that must not be used; `veld`: the top-level field the mistake is in, if one."""

    def __init__(self, melding: str, veld: str | None = None):
        super().__init__(melding)
        self.veld = veld


@contextmanager
def _in_veld(veld: str):
    """Mistakes found inside are in this top-level field."""
    try:
        yield
    except RegelsetOngeldig as exc:
        exc.veld = exc.veld or veld
        raise


@dataclass(frozen=True)
class Conditie:
    """All given parts must hold; `een_van` holds when one of its conditions holds.
    An empty condition always holds (the grey-area fallback)."""

    kenmerken_een_van: frozenset[str] = frozenset()
    zorgen_een_van: frozenset[str] = frozenset()
    kader_een_van: frozenset[str] = frozenset()
    minimum_leeftijd: int | None = None
    een_van: tuple["Conditie", ...] = ()

    @property
    def onvoorwaardelijk(self) -> bool:
        return self == Conditie()

    def als_dict(self) -> dict:
        """The condition as a ruleset writes it, in one canonical form (lists sorted): two
        conditions that hold for the same reports the same way read the same."""
        uit: dict = {}
        for key in VOCABULAIRE:
            if waarden := getattr(self, key):
                uit[key] = sorted(waarden)
        if self.minimum_leeftijd is not None:
            uit["minimum_leeftijd"] = self.minimum_leeftijd
        if self.een_van:
            uit["een_van"] = [c.als_dict() for c in self.een_van]
        return uit

    def geldt(self, zorgen: set[str], kenmerken: set[str], leeftijden: list[int],
              kader: str | None = None) -> bool:
        if self.kenmerken_een_van and not self.kenmerken_een_van & kenmerken:
            return False
        if self.zorgen_een_van and not self.zorgen_een_van & zorgen:
            return False
        if self.kader_een_van and kader not in self.kader_een_van:
            return False
        if self.minimum_leeftijd is not None and not any(a >= self.minimum_leeftijd for a in leeftijden):
            return False
        if self.een_van and not any(c.geldt(zorgen, kenmerken, leeftijden, kader) for c in self.een_van):
            return False
        return True


@dataclass(frozen=True)
class Regel:
    id: str
    doelgroep: str
    expertise: str | None  # None: grey area, every GI is eligible
    als: Conditie
    toelichting: str


@dataclass(frozen=True)
class Regelset:
    versie: str
    regels: tuple[Regel, ...]
    expertises: Mapping[str, tuple[GI, ...]] = field(default_factory=dict)
    omschrijving: str = ""
    geldig_vanaf: str = ""

    def geschikte_gis(self, expertise: str | None) -> tuple[GI, ...]:
        """The GIs with the expertise (the shared factsheet); every GI in a grey area."""
        return GI_VOLGORDE if expertise is None else self.expertises[expertise]

    @classmethod
    def from_dict(cls, data: dict) -> "Regelset":
        """Read and check a ruleset; a mistake refuses the whole file (RegelsetOngeldig).

        Format 2 (from 2026.2) has an `expertises` map and rules that lead to an `expertise`.
        Format 1 (2026.1) had rules that named a `gi` directly: read as an expertise named
        after the target group that only that GI has.
        """
        if not isinstance(data, dict):
            raise RegelsetOngeldig("a ruleset is a JSON object")
        versie = data.get("versie")
        if not isinstance(versie, str) or not VERSIE.fullmatch(versie) or len(versie) > MAX_VERSIE:
            raise RegelsetOngeldig(f"versie {str(versie)[:40]!r} is not a version like '2026.2' "
                                   f"(at most {MAX_VERSIE} characters)", "versie")
        waar = f"ruleset {versie}"
        _alleen(data, set(REGELSET_VELDEN), waar)
        geldig_vanaf = data.get("geldig_vanaf", "")
        if "geldig_vanaf" in data:
            _datum(geldig_vanaf, waar)
        omschrijving = data.get("omschrijving", "")
        if not isinstance(omschrijving, str) or len(omschrijving) > MAX_OMSCHRIJVING:
            raise RegelsetOngeldig(f"{waar}: omschrijving must be a text of at most {MAX_OMSCHRIJVING} "
                                   "characters", "omschrijving")
        formaat_1 = "expertises" not in data
        with _in_veld("expertises"):
            expertises = {} if formaat_1 else _expertises(data["expertises"], waar)
        with _in_veld("regels"):
            regels = _regels(data.get("regels"), waar, expertises, formaat_1)
        return cls(versie=versie, regels=regels, expertises=expertises,
                   omschrijving=omschrijving, geldig_vanaf=geldig_vanaf)


# What a ruleset may hold: Regelset.from_dict checks it, and the published JSON Schema
# (domain/regelsetschema.py) is made of the same values.
VERSIE = re.compile(r"[0-9]+(\.[0-9]+)*")
MAX_VERSIE = 20  # as the contract's Versie and the tables' regelset_versie hold it
# Rule ids, target groups and expertises travel in events as codes (the contract's Code).
CODE = re.compile(r"[a-z][a-z0-9_-]{0,49}")
DATUM = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MAX_REGELS = 200
MAX_EXPERTISES = 50
MAX_TOELICHTING = 2000
MAX_OMSCHRIJVING = 5000
MAX_DIEPTE = 3  # een_van inside een_van, at most this deep
REGELSET_VELDEN = ("versie", "geldig_vanaf", "omschrijving", "expertises", "regels")
REGEL_VELDEN = ("id", "doelgroep", "expertise", "als", "toelichting")  # format 1: `gi` for `expertise`
VOCABULAIRE: dict[str, type[StrEnum]] = {
    "kenmerken_een_van": Kenmerk, "zorgen_een_van": Zorg, "kader_een_van": Kader,
}
CONDITIE_VELDEN = (*VOCABULAIRE, "minimum_leeftijd", "een_van")


def versie_sleutel(versie: str) -> tuple[int, ...]:
    """Versions compare by their numbers: 2026.10 comes after 2026.9."""
    return tuple(int(p) for p in versie.split("."))


def _alleen(raw: dict, toegestaan: set[str], waar: str) -> None:
    onbekend = sorted(set(raw) - toegestaan)
    if onbekend:
        raise RegelsetOngeldig(f"{waar}: unknown field(s) {', '.join(onbekend)}; "
                               f"known: {', '.join(sorted(toegestaan))}")


def _tekst(raw: dict, key: str, waar: str, maximum: int = MAX_TOELICHTING) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip() or len(value) > maximum:
        raise RegelsetOngeldig(f"{waar}: {key} must be a non-empty text of at most {maximum} characters")
    return value


def _datum(value, waar: str) -> None:
    try:
        if isinstance(value, str) and DATUM.fullmatch(value):
            date.fromisoformat(value)
            return
    except ValueError:
        pass
    raise RegelsetOngeldig(f"{waar}: geldig_vanaf {str(value)[:40]!r} is not a date (YYYY-MM-DD)",
                           "geldig_vanaf")


def _regels(ruw, waar: str, expertises: dict[str, tuple[GI, ...]], formaat_1: bool) -> tuple[Regel, ...]:
    """The rules in order: unique ids, the last one (and only that one) an unconditional fallback."""
    if not isinstance(ruw, list) or not ruw:
        raise RegelsetOngeldig(f"{waar}: no rules; the last rule must be an unconditional fallback")
    if len(ruw) > MAX_REGELS:
        raise RegelsetOngeldig(f"{waar}: {len(ruw)} rules; at most {MAX_REGELS}")
    regels: list[Regel] = []
    for i, r in enumerate(ruw):
        regel = _regel(r, f"{waar}, regels[{i}]", expertises, formaat_1)
        if any(regel.id == eerder.id for eerder in regels):
            raise RegelsetOngeldig(f"{waar}: rule id {regel.id!r} is used twice")
        regels.append(regel)
    for regel in regels[:-1]:
        if regel.als.onvoorwaardelijk:
            raise RegelsetOngeldig(f"{waar}: rule {regel.id!r} is unconditional, so the rules after it "
                                   "never fire; only the last rule (the fallback) may be unconditional")
    if not regels[-1].als.onvoorwaardelijk:
        raise RegelsetOngeldig(f"{waar}: the last rule must be an unconditional fallback")
    return tuple(regels)


def _code(value, wat: str, waar: str) -> str:
    if not isinstance(value, str) or not CODE.fullmatch(value):
        raise RegelsetOngeldig(f"{waar}: {wat} {str(value)[:60]!r} is not a code (lower case letters, "
                               "digits, _ and -, starting with a letter, at most 50)")
    return value


def _gi(value, waar: str) -> GI:
    try:
        return GI(value)
    except ValueError:
        raise RegelsetOngeldig(f"{waar}: unknown GI {value!r}; known: "
                               f"{', '.join(g.value for g in GI)}") from None


def _expertises(raw, waar: str) -> dict[str, tuple[GI, ...]]:
    if not isinstance(raw, dict) or not raw:
        raise RegelsetOngeldig(f"{waar}: expertises must map each expertise to the GIs that have it")
    if len(raw) > MAX_EXPERTISES:
        raise RegelsetOngeldig(f"{waar}: {len(raw)} expertises; at most {MAX_EXPERTISES}")
    expertises = {}
    for naam, gis in raw.items():
        _code(naam, "expertise", waar)
        if not isinstance(gis, list) or not gis:
            raise RegelsetOngeldig(f"{waar}: expertise {naam!r} needs at least one GI")
        geldig = tuple(_gi(g, f"{waar}, expertise {naam!r}") for g in gis)
        if len(set(geldig)) != len(geldig):
            raise RegelsetOngeldig(f"{waar}: expertise {naam!r} names a GI twice")
        expertises[naam] = geldig
    return expertises


def _regel(raw, waar: str, expertises: dict[str, tuple[GI, ...]], formaat_1: bool) -> Regel:
    if not isinstance(raw, dict):
        raise RegelsetOngeldig(f"{waar}: a rule is a JSON object")
    verwijzing = "gi" if formaat_1 else "expertise"
    _alleen(raw, {*REGEL_VELDEN, verwijzing} - ({"expertise"} if formaat_1 else set()), waar)
    if "id" not in raw:
        raise RegelsetOngeldig(f"{waar}: id is missing")
    regel_id = _code(raw["id"], "id", waar)
    waar = f"{waar} ({regel_id})"
    if "doelgroep" not in raw:
        raise RegelsetOngeldig(f"{waar}: doelgroep is missing")
    doelgroep = _code(raw["doelgroep"], "doelgroep", waar)
    if verwijzing not in raw:
        raise RegelsetOngeldig(f"{waar}: {verwijzing} is missing (null for a grey area)")
    expertise = raw[verwijzing]
    if formaat_1 and expertise is not None:
        gi = _gi(expertise, waar)
        if expertises.setdefault(doelgroep, (gi,)) != (gi,):
            raise RegelsetOngeldig(f"{waar}: target group {doelgroep!r} is sent to two different GIs")
        expertise = doelgroep
    elif expertise is not None and _code(expertise, "expertise", waar) not in expertises:
        raise RegelsetOngeldig(f"{waar}: expertise {expertise!r} is not in the expertises map")
    if "als" not in raw:
        raise RegelsetOngeldig(f"{waar}: als is missing ({{}} for the fallback)")
    return Regel(id=regel_id, doelgroep=doelgroep, expertise=expertise,
                 als=_conditie(raw["als"], f"{waar}, als"), toelichting=_tekst(raw, "toelichting", waar))


def _conditie(raw, waar: str, diepte: int = 0) -> Conditie:
    if not isinstance(raw, dict):
        raise RegelsetOngeldig(f"{waar}: a condition is a JSON object")
    _alleen(raw, set(CONDITIE_VELDEN), waar)
    delen: dict = {}
    for key, vocabulaire in VOCABULAIRE.items():
        if key not in raw:
            continue
        waarden = raw[key]
        if not isinstance(waarden, list) or not waarden:
            raise RegelsetOngeldig(f"{waar}: {key} must be a non-empty list")
        bekend = {v.value for v in vocabulaire}
        onbekend = [w for w in waarden if not isinstance(w, str) or w not in bekend]
        if onbekend:
            raise RegelsetOngeldig(f"{waar}: {key} has unknown value(s) {str(onbekend)[:200]}; "
                                   f"known: {', '.join(sorted(bekend))}")
        if len(set(waarden)) != len(waarden):
            raise RegelsetOngeldig(f"{waar}: {key} names a value twice")
        delen[key] = frozenset(waarden)
    if "minimum_leeftijd" in raw:
        leeftijd = raw["minimum_leeftijd"]
        if isinstance(leeftijd, bool) or not isinstance(leeftijd, int) or not 0 <= leeftijd <= MAX_LEEFTIJD:
            raise RegelsetOngeldig(f"{waar}: minimum_leeftijd must be a whole age from 0 to {MAX_LEEFTIJD}")
        delen["minimum_leeftijd"] = leeftijd
    if "een_van" in raw:
        opties = raw["een_van"]
        if diepte >= MAX_DIEPTE:
            raise RegelsetOngeldig(f"{waar}: een_van nested more than {MAX_DIEPTE} deep")
        if not isinstance(opties, list) or len(opties) < 2:
            raise RegelsetOngeldig(f"{waar}: een_van needs at least two conditions")
        if len(opties) > MAX_REGELS:
            raise RegelsetOngeldig(f"{waar}: een_van has more than {MAX_REGELS} conditions")
        delen["een_van"] = tuple(_conditie(o, f"{waar}, een_van[{i}]", diepte + 1)
                                 for i, o in enumerate(opties))
        if any(c.onvoorwaardelijk for c in delen["een_van"]):
            raise RegelsetOngeldig(f"{waar}: a condition in een_van must not be empty")
    return Conditie(**delen)


# ---------------------------------------------------------------------------------------------
# The target-group decision.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Melding:
    """What triage needs of a received report (adapters/wire.py makes it of `melding.received`)."""

    melding_id: UUID
    gezin_id: UUID
    gemeente: str
    urgentie: Urgentie
    kader: Kader | None
    zorgen: list[str]
    kenmerken: list[str]
    kinderen: list[Kind]

    @property
    def leeftijden(self) -> list[int]:
        return [k.leeftijd for k in self.kinderen]


@dataclass(frozen=True)
class Besluit:
    doelgroep: str
    expertise: str | None
    geschikte_gis: tuple[GI, ...]
    regelset_versie: str
    regel: str
    toelichting: str

    @property
    def grijs_gebied(self) -> bool:
        return self.expertise is None

    def completed_event(self, melding: Melding, now: datetime) -> TriageCompleted:
        return TriageCompleted(
            melding_id=melding.melding_id, gezin_id=melding.gezin_id, gemeente=melding.gemeente,
            doelgroep=self.doelgroep, expertise=self.expertise, geschikte_gis=list(self.geschikte_gis),
            regelset_versie=self.regelset_versie, regel=self.regel, toelichting=self.toelichting,
            besloten_op=now)


def bepaal_doelgroep(regelset: Regelset, zorgen: list[str], kenmerken: list[str],
                     leeftijden: list[int], kader: str | None = None) -> Besluit:
    """The first rule whose condition holds decides: the order of the rules matters."""
    for regel in regelset.regels:
        if regel.als.geldt(set(zorgen), set(kenmerken), leeftijden, kader):
            return Besluit(regel.doelgroep, regel.expertise, regelset.geschikte_gis(regel.expertise),
                           regelset.versie, regel.id, regel.toelichting)
    raise AssertionError("a ruleset always ends with a fallback rule")


# ---------------------------------------------------------------------------------------------
# The advice proposal: all three GIs ranked, expertise first, then live free capacity.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rang:
    positie: int
    gi: GI
    geschikt: bool  # has the required expertise (every GI in a grey area)
    vrije_plaatsen: int | None  # None: no capacity signal received yet
    reden: str


@dataclass(frozen=True)
class Voorstel:
    gi: GI
    reden: str
    rangorde: tuple[Rang, ...]


def _plaatsen(n: int | None) -> str:
    if n is None:
        return "capaciteit onbekend"
    if n <= 0:
        return f"geen vrije plaatsen ({n})"
    return "1 vrije plaats" if n == 1 else f"{n} vrije plaatsen"


def _opsomming(gis) -> str:
    namen = [g.value for g in gis]
    return namen[0] if len(namen) == 1 else f"{', '.join(namen[:-1])} en {namen[-1]}"


def stel_voor(besluit: Besluit, vrije_plaatsen: Mapping[GI, int],
              escalatie: RegioEscalatie | None = None) -> Voorstel:
    """Rank all GIs: those with the required expertise first, then the most free capacity
    (unknown counts as 0), ties by the fixed GI order. The first is the proposed GI.

    In a grey area while the escalation plan's measure grijs_gebied_meeste_vrije_plaatsen is in
    force (`escalatie`): the GI with the most free slots even when all are over their norm, so a
    GI without a known figure ranks after every GI with one; the reason names the measure."""
    maatregel = escalatie if besluit.grijs_gebied and escalatie and escalatie.heeft(GRIJS_GEBIED) else None

    def sleutel(gi: GI) -> tuple:
        onbekend_achteraan = maatregel is not None and gi not in vrije_plaatsen
        return gi not in besluit.geschikte_gis, onbekend_achteraan, -vrije_plaatsen.get(gi, 0)

    volgorde = sorted(GI_VOLGORDE, key=lambda gi: (*sleutel(gi), GI_VOLGORDE.index(gi)))
    reden = _voorstel_reden(besluit, vrije_plaatsen, volgorde, sleutel)
    if maatregel is not None:
        reden += f" {_maatregel_uitleg(maatregel)}"
    return Voorstel(volgorde[0], reden, _rangorde(besluit, vrije_plaatsen, volgorde, sleutel, maatregel))


GRIJS_GEBIED = EscalatieMaatregel.GRIJS_GEBIED_MEESTE_VRIJE_PLAATSEN


def _maatregel_uitleg(escalatie: RegioEscalatie) -> str:
    versie = escalatie.escalatieplan_versie
    plan = f"Escalatieplan {versie}" if versie else "Escalatieplan"
    return (f"{plan}, maatregel grijs gebied: de GI met de meeste vrije plaatsen, ook boven de norm "
            f"(escalatie {escalatie.escalatie_id}).")


def _rangorde(besluit: Besluit, vrije_plaatsen: Mapping[GI, int], volgorde: list[GI],
              sleutel: Callable[[GI], tuple], maatregel: RegioEscalatie | None) -> tuple[Rang, ...]:
    rangorde = []
    for positie, gi in enumerate(volgorde, start=1):
        geschikt = gi in besluit.geschikte_gis
        if besluit.grijs_gebied:
            reden = f"Grijs gebied: elke GI komt in aanmerking; {_plaatsen(vrije_plaatsen.get(gi))}."
        elif geschikt:
            reden = f"Heeft de vereiste expertise {besluit.expertise}; {_plaatsen(vrije_plaatsen.get(gi))}."
        else:
            reden = f"Mist de vereiste expertise {besluit.expertise}; {_plaatsen(vrije_plaatsen.get(gi))}."
        if maatregel is not None and gi not in vrije_plaatsen:
            reden += " Maatregel van het escalatieplan: na de GI's met een bekend aantal vrije plaatsen."
        if positie > 1 and sleutel(volgorde[positie - 2]) == sleutel(gi):
            reden += f" Gelijk met {volgorde[positie - 2].value}: de vaste volgorde JBRR, WSS, LJR beslist."
        rangorde.append(Rang(positie, gi, geschikt, vrije_plaatsen.get(gi), reden))
    return tuple(rangorde)


def _voorstel_reden(besluit: Besluit, vrije_plaatsen: Mapping[GI, int], volgorde: list[GI],
                    sleutel: Callable[[GI], tuple]) -> str:
    gekozen = volgorde[0]
    kandidaten = [gi for gi in volgorde if gi in besluit.geschikte_gis]
    gelijk = [gi for gi in kandidaten if sleutel(gi) == sleutel(gekozen)]
    herkomst = f"regel {besluit.regel}, regelset {besluit.regelset_versie}"
    if not any(gi in vrije_plaatsen for gi in kandidaten):
        keuze = f"geen capaciteit bekend: {gekozen.value} als eerste in de vaste volgorde"
    elif len(gelijk) > 1:
        keuze = (f"{_opsomming(gelijk)} hebben evenveel vrije plaatsen ({vrije_plaatsen.get(gekozen, 0)}): "
                 f"de vaste volgorde geeft {gekozen.value}")
    else:
        keuze = f"daarvan heeft {gekozen.value} de meeste vrije plaatsen ({vrije_plaatsen.get(gekozen, 0)})"
    if besluit.grijs_gebied:
        return f"Grijs gebied ({herkomst}): elke GI kan de casus nemen; {keuze}."
    if len(kandidaten) == 1:
        reden = (f"Doelgroep {besluit.doelgroep} ({herkomst}) vraagt de expertise {besluit.expertise}; "
                 f"alleen {gekozen.value} heeft die.")
        if vrije_plaatsen.get(gekozen, 1) <= 0:
            reden += (f" {gekozen.value} heeft nu {_plaatsen(vrije_plaatsen.get(gekozen))}, "
                      "maar expertise gaat voor beschikbaarheid.")
        return reden
    return (f"Doelgroep {besluit.doelgroep} ({herkomst}) vraagt de expertise {besluit.expertise}, "
            f"die {_opsomming(besluit.geschikte_gis)} hebben; {keuze}.")


# ---------------------------------------------------------------------------------------------
# The advice: open (proposal) -> bevestigd | afgeweken -> maatregel_opgelegd.
# ---------------------------------------------------------------------------------------------


class AdviesStatus(StrEnum):
    OPEN = "open"  # a proposal, waiting for the RvdK
    BEVESTIGD = "bevestigd"  # the RvdK advises the proposed GI
    AFGEWEKEN = "afgeweken"  # the RvdK advises another GI, with a reason
    MAATREGEL_OPGELEGD = "maatregel_opgelegd"  # the court (or the JB-plein, for drang) decided


RVDK = "rvdk"
AUTOMATISCH = "automatisch"
RECHTBANK = "rechtbank"
JB_PLEIN = "jb_plein"


def route_van(maatregel: Maatregel) -> str:
    """Drang is decided at the JB-plein without a court; OTS, voogdij and JR by the court."""
    return JB_PLEIN if maatregel == Maatregel.DRANG else RECHTBANK


def automatische_maatregel(kader: str | None) -> Maatregel:
    """The measure auto-confirm mode records: JR for the criminal framework, drang for drang,
    otherwise a family supervision order (OTS)."""
    if kader == Kader.STRAF:
        return Maatregel.JR
    if kader == Kader.DRANG:
        return Maatregel.DRANG
    return Maatregel.OTS


def een_jaar_na(dag: date) -> date:
    try:
        return dag.replace(year=dag.year + 1)
    except ValueError:  # 29 February
        return dag.replace(year=dag.year + 1, day=28)


AFWIJKING_UITLEG = {
    AfwijkingReden.BEKEND_BIJ_GI: "het gezin is bekend bij de geadviseerde GI",
    AfwijkingReden.EXPERTISE: "de geadviseerde GI heeft de passende expertise",
    AfwijkingReden.CAPACITEIT: "de voorgestelde GI heeft geen ruimte",
    AfwijkingReden.CONTINUITEIT: "continuïteit van hulp (broers, zussen of eerdere hulp)",
    AfwijkingReden.OVERIG: "overige reden",
}


def afwijking_uitleg(voorgestelde_gi: GI, categorie: AfwijkingReden | None) -> str:
    """The generated explanation of an override, as events carry it: the category in words, never
    the RvdK's own text (that stays in triage)."""
    uitleg = AFWIJKING_UITLEG[categorie] if categorie else "reden niet gecategoriseerd"
    return f"De RvdK wijkt af van het voorstel ({GI(voorgestelde_gi).value}): {uitleg}."


@dataclass(frozen=True)
class Maatregelbesluit:
    id: UUID
    maatregel: Maatregel
    route: str
    raadsonderzoek: bool
    startdatum: date
    gi: GI
    opgelegd_op: datetime


@dataclass
class Advies:
    id: UUID
    melding_id: UUID
    gezin_id: UUID
    gemeente: str
    urgentie: Urgentie | None  # None only for advice recorded before the proposal step existed
    kader: Kader | None
    kinderen: list[Kind]
    doelgroep: str
    expertise: str | None
    regel: str
    regelset_versie: str
    toelichting: str
    rangorde: list[Rang]
    voorgestelde_gi: GI
    reden: str  # why the proposal ranks its GI first
    voorgesteld_op: datetime
    status: AdviesStatus = AdviesStatus.OPEN
    gi: GI | None = None  # the GI advised to the court, once confirmed or overridden
    afwijking: bool = False
    afwijking_reden: str | None = None  # the RvdK's own words: stay in triage
    rvdk_toelichting: str | None = None
    bevestigd_door: str | None = None
    geadviseerd_op: datetime | None = None
    maatregel: Maatregelbesluit | None = None
    afwijking_categorie: AfwijkingReden | None = None  # what the events carry of an override's reason

    @classmethod
    def voorstel(cls, melding: Melding, besluit: Besluit, vrije_plaatsen: Mapping[GI, int],
                 now: datetime, escalatie: RegioEscalatie | None = None) -> "Advies":
        """`escalatie`: the region's open escalation whose plan puts the grey-area measure in force."""
        voorstel = stel_voor(besluit, vrije_plaatsen, escalatie)
        return cls(
            id=uuid4(), melding_id=melding.melding_id, gezin_id=melding.gezin_id,
            gemeente=melding.gemeente, urgentie=melding.urgentie, kader=melding.kader,
            kinderen=list(melding.kinderen), doelgroep=besluit.doelgroep, expertise=besluit.expertise,
            regel=besluit.regel, regelset_versie=besluit.regelset_versie, toelichting=besluit.toelichting,
            rangorde=list(voorstel.rangorde), voorgestelde_gi=voorstel.gi, reden=voorstel.reden,
            voorgesteld_op=now)

    def _alleen_open(self, wat: str) -> None:
        if self.status != AdviesStatus.OPEN:
            raise Conflict(f"advies {self.id} is {self.status}; only an open proposal can be {wat}")

    def bevestig(self, now: datetime, *, door: str = RVDK, toelichting: str | None = None) -> AdviesIssued:
        """The RvdK advises the court the proposed GI."""
        self._alleen_open("confirmed")
        self.status = AdviesStatus.BEVESTIGD
        self.gi = self.voorgestelde_gi
        self.rvdk_toelichting = (toelichting or "").strip() or None
        self.bevestigd_door = door
        self.geadviseerd_op = now
        return self.issued_event()

    def wijk_af(self, gi: GI, reden: str, now: datetime,
                categorie: AfwijkingReden = AfwijkingReden.OVERIG) -> AdviesIssued:
        """The RvdK advises another GI than proposed; the override, its reason (kept here) and the
        reason's category (for the events) are recorded."""
        self._alleen_open("overridden")
        if gi == self.voorgestelde_gi:
            raise InvalidInput(f"{gi} is the proposed GI; confirm the proposal instead of overriding it",
                               field="gi")
        if not (reden or "").strip():
            raise InvalidInput("an override needs a reason", field="reden")
        self.status = AdviesStatus.AFGEWEKEN
        self.gi = gi
        self.afwijking = True
        self.afwijking_reden = reden.strip()
        self.afwijking_categorie = AfwijkingReden(categorie)
        self.bevestigd_door = RVDK
        self.geadviseerd_op = now
        return self.issued_event()

    def issued_event(self) -> AdviesIssued:
        assert self.gi is not None and self.bevestigd_door and self.geadviseerd_op and self.urgentie
        categorie = self.afwijking_categorie if self.afwijking else None
        reden = afwijking_uitleg(self.voorgestelde_gi, categorie) if self.afwijking else self.reden
        return AdviesIssued(
            advies_id=self.id, melding_id=self.melding_id, gezin_id=self.gezin_id, gemeente=self.gemeente,
            urgentie=self.urgentie, doelgroep=self.doelgroep, gi=self.gi, reden=reden,
            voorgestelde_gi=self.voorgestelde_gi, afwijking=self.afwijking,
            afwijking_categorie=categorie, bevestigd_door=self.bevestigd_door,
            kinderen=list(self.kinderen), geadviseerd_op=self.geadviseerd_op)

    def leg_maatregel_op(self, maatregel: Maatregel, startdatum: date, now: datetime, *,
                         gi: GI | None = None, raadsonderzoek: bool | None = None) -> MaatregelImposed:
        """Record the court's ruling (or the JB-plein's drang decision), once, after the advice."""
        if self.status == AdviesStatus.MAATREGEL_OPGELEGD:
            raise Conflict(f"advies {self.id} already has a measure ({self.maatregel.maatregel})")
        if self.status == AdviesStatus.OPEN:
            raise Conflict(f"advies {self.id} is still a proposal; confirm or override it before "
                           "recording the measure")
        if startdatum > een_jaar_na(local_date(now)):
            raise InvalidInput("the start date lies more than a year in the future", field="startdatum")
        if not self.kinderen:
            raise Conflict(f"advies {self.id} was recorded without its children; no measure can follow")
        besluit = Maatregelbesluit(
            id=uuid4(), maatregel=Maatregel(maatregel), route=route_van(maatregel),
            raadsonderzoek=maatregel != Maatregel.DRANG if raadsonderzoek is None else raadsonderzoek,
            startdatum=startdatum, gi=gi or self.gi, opgelegd_op=now)
        self.maatregel = besluit
        self.status = AdviesStatus.MAATREGEL_OPGELEGD
        return MaatregelImposed(
            maatregel_id=besluit.id, melding_id=self.melding_id, advies_id=self.id, gezin_id=self.gezin_id,
            gemeente=self.gemeente, doelgroep=self.doelgroep, maatregel=besluit.maatregel,
            route=besluit.route, raadsonderzoek=besluit.raadsonderzoek, startdatum=besluit.startdatum,
            gi=besluit.gi, kinderen=list(self.kinderen), opgelegd_op=now)

    def bevestig_automatisch(self, now: datetime) -> tuple[AdviesIssued, MaatregelImposed]:
        """Auto-confirm mode (demo): the proposal is confirmed and a measure by framework recorded."""
        issued = self.bevestig(now, door=AUTOMATISCH)
        return issued, self.leg_maatregel_op(automatische_maatregel(self.kader), local_date(now), now)
