"""A generated year of the chain's inputs, the same on every run (a seeded random.Random): the GIs'
staffing with a few changes, 8-10 reports a month (each a new family of 1-3 children, with varied
concerns, characteristics, ages, frameworks and municipalities) and each case's closure by its GI
after 20-200 days for most of them. Every step is at 12:00 in the region on a day of its own, so no
two steps share a moment.

The year is the 12 whole months before the suite's pinned moment (tests/clock.py PINNED_NOW), so it
lies in the past of that moment whatever JBKETEN_TEST_NOW says. The stacks' clock starts at 12:00
on the day before the year (the staffing in force when the year begins is reported then).

Also here: the candidate ruleset the what-if simulation is asked about, and the escalation
thresholds the stacks run with and the simulation is given.
"""
import copy
import json
import random
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path

from contracts.vocabulary import GEMEENTEN, GI
from deploy.demo import valid_bsn
from runtime.clock import REGION_TZ, add_months, local_date
from tests.clock import PINNED_NOW

SEED = 16  # issue #16, section 2
REGELSET_ACTIEF = Path(__file__).resolve().parents[2] / "services" / "triage" / "regelsets" / "2026.2.json"
KANDIDAAT_VERSIE = "2099.1"

# Escalations only by the conditions capacity evaluates on every change of the figures (every GI at
# or over its norm, too many children waiting): no child waits 100000 days, so the longest wait,
# which also grows with time alone (a periodic job), never counts. The stacks get these as
# CAPACITY_ESCALATIE_*, the simulation as its `drempels`.
DREMPELS = {"wachtend_max": 25, "wachtdagen_max": 100000, "marge_wachtend": 5, "marge_wachtdagen": 3,
            "herstel_vrije_plaatsen": 3}

# Staffing when the year begins (youth protectors, caseload norm) and the changes during it (the
# month of the year, 0-11, a GI, its new number of youth protectors): small enough that the GIs
# fill up and children wait, so that where a report goes and who waits depend on capacity.
BEZETTING_BEGIN: dict[str, tuple[int, int]] = {"JBRR": (3, 5), "WSS": (2, 5), "LJR": (2, 5)}
BEZETTING_WIJZIGINGEN: tuple[tuple[int, str, int], ...] = ((2, "LJR", 3), (5, "JBRR", 6), (8, "WSS", 1),
                                                           (9, "JBRR", 4))

VOORNAMEN = ("Sem", "Noah", "Liam", "Lucas", "Finn", "Daan", "Emma", "Julia", "Mila", "Tess", "Sara",
             "Yara", "Adam", "Amira", "Rayan", "Nour", "Milan", "Lina", "Bram", "Zoë")
ACHTERNAMEN = ("de Jong", "Jansen", "de Vries", "van Dijk", "Bakker", "Visser", "Smit", "Meijer",
               "Yilmaz", "El Amrani", "Kaya", "Bouzid", "Pinas", "Martina", "Nguyen", "Kowalski")
WIJKTEAMS = ("Wijkteam Noord", "Wijkteam Zuid", "Sociaal team Centrum", "Jeugdteam Oost")


@dataclass(frozen=True)
class Kind:
    voornaam: str
    achternaam: str
    geboortedatum: date
    bsn: str


@dataclass(frozen=True)
class Melding:
    """A report about a new family, and after how many days its GI closes the case (None: not in
    this year)."""

    nummer: int
    gemeente: str
    urgentie: str
    kader: str | None
    zorgen: tuple[str, ...]
    kenmerken: tuple[str, ...]
    kinderen: tuple[Kind, ...]
    melder: str
    duur_dagen: int | None

    def body(self) -> dict:
        """The report as the local team POSTs it to intake (services/intake/entrypoints/schemas.py)."""
        report = {
            "gemeente": self.gemeente,
            "melder": {"organisatie": self.melder, "naam": "M. Melder"},
            "urgentie": self.urgentie,
            "gezin": {"kinderen": [{"voornaam": k.voornaam, "achternaam": k.achternaam,
                                    "geboortedatum": k.geboortedatum.isoformat(), "bsn": k.bsn}
                                   for k in self.kinderen],
                      "ouders": [{"voornaam": "Ouder", "achternaam": self.kinderen[0].achternaam}]},
            "zorgen": list(self.zorgen),
            "kenmerken": list(self.kenmerken),
            "toelichting": f"Gegenereerde melding {self.nummer}.",
        }
        if self.kader is not None:
            report["kader"] = self.kader
        return report

    def leeftijden(self, op: date) -> list[int]:
        """The children's ages on the day of the report, as intake counts them."""
        return [op.year - k.geboortedatum.year
                - ((op.month, op.day) < (k.geboortedatum.month, k.geboortedatum.day)) for k in self.kinderen]


@dataclass(frozen=True)
class Stap:
    """One thing that happens in the year, at its moment: a GI reports its staffing (`bezetting`),
    a local team reports a family (`melding`), or a GI closes the case of a report (`sluiting`)."""

    moment: datetime
    soort: str
    gi: str | None = None
    jeugdbeschermers: int | None = None
    caseload_norm: int | None = None
    melding: int | None = None  # the report's number (melding and sluiting)

    @property
    def dag(self) -> date:
        return local_date(self.moment)


@dataclass(frozen=True)
class Jaar:
    van: date  # the first day of the year
    tot: date  # its last day (inclusive)
    start: datetime  # where the stacks' clock starts: 12:00 on the day before `van`
    bezetting_begin: dict[str, tuple[int, int]]
    stappen: tuple[Stap, ...]  # in time order, after the staffing at `start`
    meldingen: dict[int, Melding]

    @property
    def maanden(self) -> list[str]:
        return [add_months(self.van, i).strftime("%Y-%m") for i in range(12)]

    @property
    def periode(self) -> dict[str, str]:
        return {"van": self.van.isoformat(), "tot": self.tot.isoformat()}

    @property
    def na_afloop(self) -> datetime:
        """Where the clock is set once the year is played: the suite's own moment, after the year."""
        return PINNED_NOW


def op_de_middag(dag: date) -> datetime:
    return datetime.combine(dag, time(12), tzinfo=REGION_TZ)


def periode(now: datetime = PINNED_NOW) -> tuple[date, date]:
    """The 12 whole calendar months before `now`'s month, in the region."""
    eerste = local_date(now).replace(day=1)
    return add_months(eerste, -12), eerste - timedelta(days=1)


def _vrije_dag(bezet: set[date], kandidaten: list[date], rng: random.Random) -> date:
    dag = rng.choice([d for d in kandidaten if d not in bezet])
    bezet.add(dag)
    return dag


def _profiel(rng: random.Random) -> tuple[list[str], list[str], str | None]:
    """Concerns, characteristics and framework of one report: each target group of the rulesets,
    mixed so that the order of the rules matters too (an LVB youth with criminal behaviour)."""
    zorgen = rng.sample(["veiligheid", "ontwikkelingsbedreiging", "huiselijk_geweld", "kindermishandeling",
                         "verwaarlozing", "schoolverzuim"], rng.randint(1, 2))
    kenmerken: list[str] = []
    kader = rng.choice(["civiel", "civiel", "civiel", "drang", None])
    soort = rng.choices(["lvb", "crimineel", "scheiding", "verslaving", "radicalisering", "psychiatrie",
                         "grijs"], weights=[15, 15, 10, 10, 5, 10, 35])[0]
    if soort == "lvb":
        kenmerken.append(rng.choice(["lvb_kind", "lvb_ouder"]))
        if rng.random() < 0.3:
            zorgen.append("crimineel_gedrag")
    elif soort == "crimineel":
        if rng.random() < 0.5:
            zorgen.append(rng.choice(["crimineel_gedrag", "dreigend_crimineel_gedrag"]))
        else:
            kader = "straf"
    elif soort == "scheiding":
        kenmerken.append("complexe_scheiding")
    elif soort == "verslaving":
        kenmerken.append("verslaving")
    elif soort == "radicalisering":
        kenmerken.append(rng.choice(["radicalisering", "eergerelateerd_geweld"]))
    elif soort == "psychiatrie":
        kenmerken.append("psychiatrie_ouder")
    if rng.random() < 0.25:
        kenmerken.append(rng.choice(["lichamelijke_beperking", "psychiatrie_ouder", "verslaving"]))
    return sorted(set(zorgen)), sorted(set(kenmerken)), kader


@cache
def jaar(now: datetime = PINNED_NOW, seed: int = SEED) -> Jaar:
    """The generated year before `now` (deterministic: the same `now` and seed give the same year)."""
    rng = random.Random(seed)
    van, tot = periode(now)
    bezet: set[date] = set()
    stappen: list[Stap] = []
    maand_dagen = []
    for i in range(12):
        begin = add_months(van, i)
        einde = add_months(van, i + 1)
        maand_dagen.append([begin + timedelta(days=d) for d in range((einde - begin).days)])

    for maand, gi, jeugdbeschermers in BEZETTING_WIJZIGINGEN:
        dag = _vrije_dag(bezet, maand_dagen[maand], rng)
        stappen.append(Stap(op_de_middag(dag), "bezetting", gi=gi, jeugdbeschermers=jeugdbeschermers,
                            caseload_norm=BEZETTING_BEGIN[gi][1]))

    meldingen: dict[int, Melding] = {}
    gemeld_op: dict[int, date] = {}
    bsns: set[str] = set()
    for i in range(12):
        for _ in range(rng.randint(8, 10)):
            nummer = len(meldingen) + 1
            dag = _vrije_dag(bezet, maand_dagen[i], rng)
            zorgen, kenmerken, kader = _profiel(rng)
            achternaam = rng.choice(ACHTERNAMEN)
            kinderen = []
            for _ in range(rng.choices([1, 2, 3], weights=[5, 3, 2])[0]):
                while (bsn := valid_bsn(rng)) in bsns:
                    pass
                bsns.add(bsn)
                geboren = dag - timedelta(days=rng.randint(30, 17 * 365 + 300))
                kinderen.append(Kind(rng.choice(VOORNAMEN), achternaam, geboren, bsn))
            duur = rng.randint(20, 200) if rng.random() < 0.85 else None
            meldingen[nummer] = Melding(
                nummer=nummer, gemeente=rng.choice(sorted(GEMEENTEN)),
                urgentie=rng.choices(["regulier", "spoed"], weights=[4, 1])[0], kader=kader,
                zorgen=tuple(zorgen), kenmerken=tuple(kenmerken), kinderen=tuple(kinderen),
                melder=rng.choice(WIJKTEAMS), duur_dagen=duur)
            gemeld_op[nummer] = dag
            stappen.append(Stap(op_de_middag(dag), "melding", melding=nummer))

    # Closures after the reports, each on the first free day from its report's day + its duration
    # (the duration kept is the one the year plays); one past the year's end is not in this year.
    for nummer, melding in meldingen.items():
        if melding.duur_dagen is None:
            continue
        dag = gemeld_op[nummer] + timedelta(days=melding.duur_dagen)
        while dag in bezet:
            dag += timedelta(days=1)
        duur = (dag - gemeld_op[nummer]).days
        if dag > tot:
            duur = None
        else:
            bezet.add(dag)
            stappen.append(Stap(op_de_middag(dag), "sluiting", melding=nummer))
        meldingen[nummer] = _met_duur(melding, duur)

    stappen.sort(key=lambda s: s.moment)
    assert len({s.moment for s in stappen}) == len(stappen)
    return Jaar(van=van, tot=tot, start=op_de_middag(van - timedelta(days=1)),
                bezetting_begin=dict(BEZETTING_BEGIN), stappen=tuple(stappen), meldingen=meldingen)


def _met_duur(melding: Melding, duur: int | None) -> Melding:
    return replace(melding, duur_dagen=duur)


def regelset_actief() -> dict:
    return json.loads(REGELSET_ACTIEF.read_text(encoding="utf-8"))


def kandidaat() -> dict:
    """The candidate: 2026.2 with three target groups moved. Complex divorce goes to LJ&R instead of
    JBRR; addiction is no longer a target group of its own (grey area: capacity decides); a parent's
    psychiatric problem (grey area in 2026.2) needs an expertise only WSS has."""
    bron = copy.deepcopy(regelset_actief())
    bron.update(versie=KANDIDAAT_VERSIE,
                omschrijving="Kandidaat voor de wat-als-simulatie: complexe scheiding naar LJ&R, verslaving "
                             "grijs gebied, psychiatrie van een ouder naar WSS.")
    bron["expertises"]["complexe_scheiding"] = ["LJR"]
    bron["expertises"]["psychiatrie_ouder"] = ["WSS"]
    bron["regels"] = [r for r in bron["regels"] if r["id"] != "verslaving"]
    bron["regels"].insert(-1, {
        "id": "psychiatrie_ouder", "doelgroep": "psychiatrie_ouder", "expertise": "psychiatrie_ouder",
        "als": {"kenmerken_een_van": ["psychiatrie_ouder"]},
        "toelichting": "Psychiatrische problematiek bij een ouder: de expertise van de William Schrikker "
                       "Stichting."})
    return bron


GIS = tuple(g.value for g in GI)  # JBRR, WSS, LJR: the fixed order that breaks ties
