"""Capacity of the GIs: reported staffing minus the children in care, per GI and expertise. Pure.

The children in care and the waiting list are derived from a state per child, keyed by
(casus_id, kind_id) and folded from the case events. Every fact carries its own time, and a
fact only changes what an older fact set, so duplicates and out-of-order events never count
twice: a redelivered assignment changes nothing, a closure that arrives before its assignment
leaves the child closed (never a negative count).
"""
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal
from uuid import UUID

from contracts.vocabulary import GI
from runtime.clock import calendar_days
from runtime.errors import InvalidInput
from services.capacity.domain.events import Actualiteit, CapacitySignal, ExpertiseCapaciteit

# The expertise a case's target group (doelgroep) needs. The one place of this mapping: a
# target group that is not listed needs the general expertise.
EXPERTISE_PER_DOELGROEP: dict[str, str] = {
    "lvb": "lvb",
    "jeugdreclassering": "jeugdreclassering",
    "jeugdcriminaliteit": "jeugdreclassering",  # the triage ruleset's name for the same group
}
ALGEMEEN = "algemeen"


def expertise_voor(doelgroep: str | None) -> str:
    return EXPERTISE_PER_DOELGROEP.get(doelgroep or "", ALGEMEEN)


# ---------------------------------------------------------------------------------------------
# Staffing


@dataclass(frozen=True)
class Team:
    """Youth protectors of one expertise or area team of a GI."""

    expertise: str
    jeugdbeschermers: int
    afwezig: int = 0

    @property
    def beschikbaar(self) -> int:
        return self.jeugdbeschermers - self.afwezig


@dataclass(frozen=True)
class Bezetting:
    """The staffing a GI reported; caseload_norm 0 means it never reported."""

    jeugdbeschermers: int = 0
    afwezig: int = 0
    caseload_norm: int = 0
    teams: tuple[Team, ...] = ()

    @property
    def gemeld(self) -> bool:
        return self.caseload_norm >= 1

    @property
    def beschikbaar(self) -> int:
        return self.jeugdbeschermers - self.afwezig

    @classmethod
    def melden(cls, *, caseload_norm: int, jeugdbeschermers: int | None = None, afwezig: int | None = None,
               teams: Iterable[Team] | None = None) -> "Bezetting":
        """A staffing report, checked. With teams, the totals are their sums (and must match if given)."""
        problems: list[tuple[str, str]] = []
        if caseload_norm < 1:
            problems.append(("caseload_norm", "a caseload norm is at least 1 child per youth protector"))
        teams = tuple(teams) if teams is not None else ()
        if teams:
            seen: set[str] = set()
            for i, team in enumerate(teams):
                if team.expertise in seen:
                    problems.append((f"teams[{i}].expertise", f"team {team.expertise!r} is listed twice"))
                seen.add(team.expertise)
                if team.jeugdbeschermers < 0:
                    problems.append((f"teams[{i}].jeugdbeschermers", "cannot be negative"))
                if not 0 <= team.afwezig <= max(team.jeugdbeschermers, 0):
                    problems.append((f"teams[{i}].afwezig",
                                     "between 0 and the team's youth protectors"))
            totaal = sum(t.jeugdbeschermers for t in teams)
            totaal_afwezig = sum(t.afwezig for t in teams)
            if jeugdbeschermers is not None and jeugdbeschermers != totaal:
                problems.append(("jeugdbeschermers", f"must equal the sum of the teams ({totaal})"))
            if afwezig is not None and afwezig != totaal_afwezig:
                problems.append(("afwezig", f"must equal the sum of the teams ({totaal_afwezig})"))
            jeugdbeschermers, afwezig = totaal, totaal_afwezig
        elif jeugdbeschermers is None:
            problems.append(("jeugdbeschermers", "required when no teams are given"))
        else:
            afwezig = afwezig or 0
            if jeugdbeschermers < 0:
                problems.append(("jeugdbeschermers", "cannot be negative"))
            elif not 0 <= afwezig <= jeugdbeschermers:
                problems.append(("afwezig", "between 0 and the number of youth protectors"))
        if problems:
            detail = "; ".join(f"{name}: {reason}" for name, reason in problems)
            raise InvalidInput(f"Invalid staffing report: {detail}", fields=problems)
        return cls(jeugdbeschermers=jeugdbeschermers, afwezig=afwezig, caseload_norm=caseload_norm,
                   teams=teams)

    def as_dict(self) -> dict[str, Any]:
        return {"jeugdbeschermers": self.jeugdbeschermers, "afwezig": self.afwezig,
                "caseload_norm": self.caseload_norm, "teams": teams_as_dicts(self.teams)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Bezetting":
        return cls(jeugdbeschermers=data["jeugdbeschermers"], afwezig=data.get("afwezig", 0),
                   caseload_norm=data["caseload_norm"], teams=teams_from_dicts(data.get("teams") or ()))


def teams_as_dicts(teams: Iterable[Team]) -> list[dict]:
    return [{"expertise": t.expertise, "jeugdbeschermers": t.jeugdbeschermers, "afwezig": t.afwezig}
            for t in teams]


def teams_from_dicts(rows: Iterable[Mapping[str, Any]]) -> tuple[Team, ...]:
    return tuple(Team(r["expertise"], r["jeugdbeschermers"], r.get("afwezig", 0)) for r in rows)


# ---------------------------------------------------------------------------------------------
# Per-child state, folded from the case events

Soort = Literal["toegewezen", "overgedragen", "beschermer", "gesloten"]
# Facts with the same time apply in this order (an assignment and its protector in one instant).
_RANG: dict[str, int] = {"toegewezen": 0, "overgedragen": 1, "beschermer": 2, "gesloten": 3}
Stempel = tuple[datetime, int]


@dataclass(frozen=True)
class KindFeit:
    """One case event as it concerns one child."""

    soort: Soort
    casus_id: UUID
    kind_id: UUID
    gi: GI  # where the child is according to this fact (for a transfer: the new GI)
    op: datetime
    expertise: str | None = None  # only an assignment knows the case's target group

    @property
    def stempel(self) -> Stempel:
        return (self.op, _RANG[self.soort])


@dataclass(frozen=True)
class KindStand:
    """Where one child of one case is, and since when it waits for a fixed youth protector."""

    casus_id: UUID
    kind_id: UUID
    gi: GI
    gi_stempel: Stempel
    expertise: str | None = None
    wacht_sinds: datetime | None = None  # None: has a fixed protector
    wacht_stempel: Stempel | None = None
    gesloten_op: datetime | None = None

    @property
    def sleutel(self) -> tuple[UUID, UUID]:
        return (self.casus_id, self.kind_id)

    @property
    def in_zorg(self) -> bool:
        return self.gesloten_op is None

    @property
    def wachtend(self) -> bool:
        return self.in_zorg and self.wacht_sinds is not None

    @property
    def expertise_of_algemeen(self) -> str:
        return self.expertise or ALGEMEEN


def verwerk(stand: KindStand | None, feit: KindFeit) -> KindStand:
    """The child's state after a fact. Only newer facts overwrite; a closure is final."""
    if stand is None:
        wacht = feit.op if feit.soort in ("toegewezen", "overgedragen") else None
        return KindStand(casus_id=feit.casus_id, kind_id=feit.kind_id, gi=feit.gi, gi_stempel=feit.stempel,
                         expertise=feit.expertise, wacht_sinds=wacht, wacht_stempel=feit.stempel,
                         gesloten_op=feit.op if feit.soort == "gesloten" else None)
    nieuw = stand
    if feit.expertise and not stand.expertise:
        nieuw = replace(nieuw, expertise=feit.expertise)
    if stand.gesloten_op is not None:
        return nieuw
    if feit.soort == "gesloten":
        return replace(nieuw, gesloten_op=feit.op, wacht_sinds=None, wacht_stempel=feit.stempel)
    if feit.stempel > stand.gi_stempel:
        nieuw = replace(nieuw, gi=feit.gi, gi_stempel=feit.stempel)
    if stand.wacht_stempel is None or feit.stempel > stand.wacht_stempel:
        wacht = None if feit.soort == "beschermer" else feit.op
        nieuw = replace(nieuw, wacht_sinds=wacht, wacht_stempel=feit.stempel)
    return nieuw


@dataclass(frozen=True)
class Casusgebeurtenis:
    """A case event as capacity reads it (adapters/wire.py makes it of the wire contract): what
    happened to which children of a case, at which GI (for a transfer: the new GI), when, and for
    an assignment the case's target group."""

    soort: Soort
    casus_id: UUID
    kinderen: tuple[UUID, ...]
    gi: GI
    op: datetime
    doelgroep: str | None = None


def feiten(gebeurtenis: Casusgebeurtenis) -> list[KindFeit]:
    """What a case event says about each of its children."""
    g = gebeurtenis
    expertise = expertise_voor(g.doelgroep) if g.soort == "toegewezen" else None
    return [KindFeit(g.soort, g.casus_id, kind_id, g.gi, _aware(g.op), expertise) for kind_id in g.kinderen]


def _aware(moment: datetime) -> datetime:
    """A time without zone is taken as UTC, so facts from any producer compare."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


# ---------------------------------------------------------------------------------------------
# Counting and the visible figure


@dataclass(frozen=True)
class Telling:
    """Children in care of one GI and one expertise."""

    in_zorg: int = 0
    wachtend: int = 0
    oudste_wacht_sinds: datetime | None = None


def tel(kinderen: Iterable[KindStand]) -> dict[GI, dict[str, Telling]]:
    """Children in care per GI and expertise (the same figures the repository counts in SQL)."""
    result: dict[GI, dict[str, Telling]] = defaultdict(dict)
    for k in kinderen:
        if not k.in_zorg:
            continue
        t = result[k.gi].get(k.expertise_of_algemeen, Telling())
        oudste = t.oudste_wacht_sinds
        if k.wachtend and (oudste is None or k.wacht_sinds < oudste):
            oudste = k.wacht_sinds
        result[k.gi][k.expertise_of_algemeen] = Telling(t.in_zorg + 1, t.wachtend + k.wachtend, oudste)
    return dict(result)


def wachtdagen(sinds: datetime, nu: datetime) -> int:
    """Calendar days waited in the region (Europe/Amsterdam); never negative (a clock a little
    ahead is not a wait)."""
    return calendar_days(sinds, nu)


@dataclass(frozen=True)
class ExpertiseFiguur:
    expertise: str
    plaatsen: int
    kinderen_in_zorg: int

    @property
    def vrije_plaatsen(self) -> int:
        return self.plaatsen - self.kinderen_in_zorg


@dataclass(frozen=True)
class GiCapaciteit:
    """What the RvdK sees of one GI: the figure published in a capacity signal."""

    gi: GI
    jeugdbeschermers: int = 0
    afwezig: int = 0
    caseload_norm: int = 0
    kinderen_in_zorg: int = 0
    wachtend: int = 0
    langste_wachtdagen: int = 0
    per_expertise: tuple[ExpertiseFiguur, ...] = ()
    teams: tuple[Team, ...] = ()
    bijgewerkt_op: datetime | None = None

    @property
    def plaatsen(self) -> int:
        return max(0, self.jeugdbeschermers - self.afwezig) * self.caseload_norm

    @property
    def vrije_plaatsen(self) -> int:
        # Negative when a GI is over its norm: the RvdK must see how far over.
        return self.plaatsen - self.kinderen_in_zorg

    @property
    def gemeld(self) -> bool:
        return self.caseload_norm >= 1

    @property
    def bezetting(self) -> Bezetting:
        return Bezetting(self.jeugdbeschermers, self.afwezig, self.caseload_norm, self.teams)

    def met_bezetting(self, b: Bezetting) -> "GiCapaciteit":
        return replace(self, jeugdbeschermers=b.jeugdbeschermers, afwezig=b.afwezig,
                       caseload_norm=b.caseload_norm, teams=b.teams)

    def zichtbaar(self) -> tuple:
        """Everything a subscriber sees except the time: equal means no signal."""
        return (self.vrije_plaatsen, self.plaatsen, self.kinderen_in_zorg, self.jeugdbeschermers,
                self.afwezig, self.caseload_norm, self.wachtend, self.langste_wachtdagen,
                tuple((e.expertise, e.plaatsen, e.kinderen_in_zorg) for e in self.per_expertise))

    def zichtbaar_anders_dan(self, other: "GiCapaciteit") -> bool:
        return self.zichtbaar() != other.zichtbaar()

    def signal(self, actualiteit: Actualiteit | None = None) -> CapacitySignal:
        """The figure as published; `actualiteit`: how current it is (while catching up)."""
        return CapacitySignal(
            gi=self.gi, vrije_plaatsen=self.vrije_plaatsen, plaatsen=self.plaatsen,
            kinderen_in_zorg=self.kinderen_in_zorg, jeugdbeschermers=self.jeugdbeschermers,
            afwezig=self.afwezig, caseload_norm=self.caseload_norm, wachtend=self.wachtend,
            langste_wachtdagen=self.langste_wachtdagen,
            per_expertise=[ExpertiseCapaciteit(expertise=e.expertise, plaatsen=e.plaatsen,
                                               kinderen_in_zorg=e.kinderen_in_zorg,
                                               vrije_plaatsen=e.vrije_plaatsen)
                           for e in self.per_expertise],
            tijdstip=self.bijgewerkt_op, actualiteit=actualiteit,
        )


def bereken(gi: GI, bezetting: Bezetting, tellingen: Mapping[str, Telling], nu: datetime) -> GiCapaciteit:
    """A GI's figure at `nu` from its staffing and its children in care.

    Per expertise only when the GI reported its teams: then every team's expertise and every
    expertise with children in care (a team missing for those children shows as 0 slots).
    """
    per_expertise: tuple[ExpertiseFiguur, ...] = ()
    if bezetting.teams:
        teams = {t.expertise: t for t in bezetting.teams}
        per_expertise = tuple(
            ExpertiseFiguur(
                expertise=e,
                plaatsen=max(0, teams[e].beschikbaar) * bezetting.caseload_norm if e in teams else 0,
                kinderen_in_zorg=tellingen[e].in_zorg if e in tellingen else 0,
            )
            for e in sorted(set(teams) | {e for e, t in tellingen.items() if t.in_zorg})
        )
    oudste = [t.oudste_wacht_sinds for t in tellingen.values() if t.oudste_wacht_sinds is not None]
    return GiCapaciteit(
        gi=gi, jeugdbeschermers=bezetting.jeugdbeschermers, afwezig=bezetting.afwezig,
        caseload_norm=bezetting.caseload_norm,
        kinderen_in_zorg=sum(t.in_zorg for t in tellingen.values()),
        wachtend=sum(t.wachtend for t in tellingen.values()),
        langste_wachtdagen=wachtdagen(min(oudste), nu) if oudste else 0,
        per_expertise=per_expertise, teams=bezetting.teams, bijgewerkt_op=nu,
    )


# ---------------------------------------------------------------------------------------------
# The whole region: rebuilt from the log, and reconstructed at a moment from the history


@dataclass
class Regio:
    """Staffing of every GI and the state of every child: what the log folds into."""

    bezetting: dict[GI, Bezetting] = field(default_factory=dict)
    kinderen: dict[tuple[UUID, UUID], KindStand] = field(default_factory=dict)

    def meld_bezetting(self, gi: GI, bezetting: Bezetting) -> None:
        self.bezetting[gi] = bezetting

    def verwerk(self, gebeurtenis: Casusgebeurtenis) -> None:
        for feit in feiten(gebeurtenis):
            key = (feit.casus_id, feit.kind_id)
            self.kinderen[key] = verwerk(self.kinderen.get(key), feit)

    def figuren(self, nu: datetime) -> dict[GI, GiCapaciteit]:
        tellingen = tel(self.kinderen.values())
        return {gi: bereken(gi, self.bezetting.get(gi, Bezetting()), tellingen.get(gi, {}), nu) for gi in GI}


def herbereken(log: Iterable[tuple[GI, Bezetting] | Casusgebeurtenis]) -> Regio:
    """Fold the log (staffing reports as (gi, staffing), case events as Casusgebeurtenis) in its order."""
    regio = Regio()
    for entry in log:
        if isinstance(entry, tuple):
            regio.meld_bezetting(*entry)
        else:
            regio.verwerk(entry)
    return regio


def stand_op(historie: Iterable[GiCapaciteit], tijdstip: datetime) -> dict[GI, GiCapaciteit]:
    """The view at a past moment: per GI the last recorded figure at or before it."""
    result = {gi: GiCapaciteit(gi) for gi in GI}
    for figuur in sorted((f for f in historie if f.bijgewerkt_op and f.bijgewerkt_op <= tijdstip),
                         key=lambda f: f.bijgewerkt_op):
        result[figuur.gi] = figuur
    return result
