"""The escalation plan (escalatieplan) as versioned data: per level, which parties are told through
which channels, which measures are in force, and after how long an escalation whose parties have
not all acknowledged it goes up a level. Pure: no I/O; the files are read in adapters/escalatieplannen.py.

The level rules, in one place:
- An escalation keeps the plan version that was active when it opened.
- On reaching a level (opening included) every party of that level is told through each of its
  channels; a party told at level 1 is told again at level 2.
- A party acknowledges the level the escalation is at; only the parties of that level can.
- When not every party of the level acknowledged within the level's `ophogen_na_uren`, the
  escalation goes to the next level; the plan's top level has no next.
- The measures in force are exactly those the current level lists.
"""
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from contracts.vocabulary import GI, EscalatieMaatregel
from runtime.errors import InvalidInput
from runtime.identity import REGIO, RVDK, Principal

VERSIE = re.compile(r"\d{4}\.\d{1,3}")
PARTIJEN = ("rvdk", "JBRR", "WSS", "LJR", "grjr")  # RvdK, each GI, and the region (GRJR)
KANALEN = ("event", "webhook", "email")
EVENT, WEBHOOK, EMAIL = KANALEN
GRJR = "grjr"

# The measures a plan may put in force, with what each one means (shown by the API).
GRIJS_GEBIED = EscalatieMaatregel.GRIJS_GEBIED_MEESTE_VRIJE_PLAATSEN.value
WACHTENDEN = EscalatieMaatregel.WACHTENDEN_OP_URGENTIE_EN_WACHTDAGEN.value
WEEKCIJFER = EscalatieMaatregel.WEEKCIJFER_GRJR.value
MAATREGELEN: dict[str, str] = {
    GRIJS_GEBIED: "Meldingen in het grijze gebied gaan naar de GI met de meeste vrije plaatsen, "
                  "ook wanneer alle GI's boven hun norm zitten.",
    WACHTENDEN: "Kinderen op de wachtlijst worden geordend op urgentie (spoed eerst) en daarna op "
                "wachtdagen (langst wachtend eerst).",
    WEEKCIJFER: "Elke week gaan de cijfers van de week (vrije plaatsen, wachtenden en langste wachttijd "
                "per GI) naar de GRJR.",
}


class EscalatieplanOngeldig(InvalidInput):
    """A plan file that is not a valid plan."""


@dataclass(frozen=True)
class Ontvanger:
    """A party told at a level, and the channels it is told through."""

    partij: str
    kanalen: tuple[str, ...]


@dataclass(frozen=True)
class Niveau:
    niveau: int
    ontvangers: tuple[Ontvanger, ...]
    maatregelen: tuple[str, ...]
    ophogen_na_uren: float | None  # None: not raised for want of acknowledgements

    @property
    def partijen(self) -> tuple[str, ...]:
        return tuple(o.partij for o in self.ontvangers)

    def kanalen_van(self, partij: str) -> tuple[str, ...]:
        return next((o.kanalen for o in self.ontvangers if o.partij == partij), ())


@dataclass(frozen=True)
class Escalatieplan:
    versie: str
    geldig_vanaf: str
    omschrijving: str
    niveaus: tuple[Niveau, ...]  # levels 1..n, in order

    @property
    def hoogste_niveau(self) -> int:
        return len(self.niveaus)

    def niveau(self, niveau: int) -> Niveau:
        """The rules of a level; a level above the plan's top follows the top level's rules."""
        return self.niveaus[min(max(niveau, 1), self.hoogste_niveau) - 1]

    def te_vertellen(self, niveau: int) -> list[tuple[str, str]]:
        """(party, channel) for everyone told on reaching the level."""
        return [(o.partij, kanaal) for o in self.niveau(niveau).ontvangers for kanaal in o.kanalen]

    def maatregelen(self, niveau: int) -> tuple[str, ...]:
        return self.niveau(niveau).maatregelen

    def ophogen_op(self, niveau: int, sinds: datetime) -> datetime | None:
        """When an escalation at this level (reached at `sinds`) goes up if not all acknowledged;
        None at the top level or when the level is never raised for that."""
        uren = self.niveau(niveau).ophogen_na_uren
        if uren is None or niveau >= self.hoogste_niveau:
            return None
        return sinds + timedelta(hours=uren)

    @classmethod
    def from_dict(cls, raw: Any) -> "Escalatieplan":
        """A plan from its file's content, checked: every problem is named with its path."""
        problems: list[tuple[str, str]] = []
        if not isinstance(raw, Mapping):
            raise EscalatieplanOngeldig("a plan is a JSON object", fields=[("", "not an object")])
        extra = set(raw) - {"versie", "geldig_vanaf", "omschrijving", "niveaus"}
        if extra:
            problems.append(("", f"unknown fields {sorted(extra)}"))
        versie = raw.get("versie")
        if not isinstance(versie, str) or not VERSIE.fullmatch(versie):
            problems.append(("versie", "a version like 2026.1"))
        for name in ("geldig_vanaf", "omschrijving"):
            if not isinstance(raw.get(name), str) or not raw.get(name):
                problems.append((name, "required text"))
        niveaus = raw.get("niveaus")
        if not isinstance(niveaus, list) or not 1 <= len(niveaus) <= 3:
            problems.append(("niveaus", "a list of 1 to 3 levels"))
            niveaus = []
        parsed = [_niveau(i, n, problems) for i, n in enumerate(niveaus)]
        if problems:
            detail = "; ".join(f"{path or '(plan)'}: {reason}" for path, reason in problems)
            raise EscalatieplanOngeldig(f"invalid escalation plan: {detail}", fields=problems)
        return cls(versie=versie, geldig_vanaf=raw["geldig_vanaf"], omschrijving=raw["omschrijving"],
                   niveaus=tuple(parsed))


def _niveau(i: int, raw: Any, problems: list[tuple[str, str]]) -> Niveau | None:
    path = f"niveaus[{i}]"
    if not isinstance(raw, Mapping):
        problems.append((path, "a level is an object"))
        return None
    extra = set(raw) - {"niveau", "ontvangers", "maatregelen", "ophogen_na_uren"}
    if extra:
        problems.append((path, f"unknown fields {sorted(extra)}"))
    if raw.get("niveau") != i + 1:
        problems.append((f"{path}.niveau", f"levels are numbered in order: expected {i + 1}"))
    ontvangers = _ontvangers(path, raw.get("ontvangers"), problems)
    maatregelen = raw.get("maatregelen", [])
    if not isinstance(maatregelen, list) or not all(isinstance(m, str) for m in maatregelen):
        problems.append((f"{path}.maatregelen", "a list of measure codes"))
        maatregelen = []
    for m in maatregelen:
        if m not in MAATREGELEN:
            problems.append((f"{path}.maatregelen",
                             f"unknown measure {m!r}; known: {', '.join(MAATREGELEN)}"))
    if len(set(maatregelen)) != len(maatregelen):
        problems.append((f"{path}.maatregelen", "a measure is listed twice"))
    if WEEKCIJFER in maatregelen and GRJR not in (o.partij for o in ontvangers):
        problems.append((f"{path}.maatregelen", f"{WEEKCIJFER} needs {GRJR} among the level's parties"))
    uren = raw.get("ophogen_na_uren")
    if uren is not None and (isinstance(uren, bool) or not isinstance(uren, int | float) or uren <= 0):
        problems.append((f"{path}.ophogen_na_uren", "a positive number of hours, or null"))
        uren = None
    return Niveau(niveau=i + 1, ontvangers=tuple(ontvangers), maatregelen=tuple(maatregelen),
                  ophogen_na_uren=float(uren) if uren is not None else None)


def _ontvangers(path: str, raw: Any, problems: list[tuple[str, str]]) -> list[Ontvanger]:
    if not isinstance(raw, list) or not raw:
        problems.append((f"{path}.ontvangers", "at least one party"))
        return []
    found: list[Ontvanger] = []
    for j, o in enumerate(raw):
        here = f"{path}.ontvangers[{j}]"
        if not isinstance(o, Mapping) or set(o) != {"partij", "kanalen"}:
            problems.append((here, "an object with exactly partij and kanalen"))
            continue
        partij, kanalen = o["partij"], o["kanalen"]
        if partij not in PARTIJEN:
            problems.append((f"{here}.partij", f"one of {', '.join(PARTIJEN)}"))
        elif partij in (f.partij for f in found):
            problems.append((f"{here}.partij", f"{partij} is listed twice"))
        if (not isinstance(kanalen, list) or not kanalen or any(k not in KANALEN for k in kanalen)
                or len(set(kanalen)) != len(kanalen)):
            problems.append((f"{here}.kanalen", f"one or more of {', '.join(KANALEN)}, each once"))
            continue
        found.append(Ontvanger(partij=partij, kanalen=tuple(kanalen)))
    return found


def partij_van(caller: Principal) -> str | None:
    """The party a caller acknowledges for: the RvdK, its own GI, or the region (GRJR)."""
    if caller.is_a(RVDK):
        return "rvdk"
    if caller.gi in {gi.value for gi in GI}:
        return caller.gi
    if caller.is_a(REGIO):
        return GRJR
    return None
