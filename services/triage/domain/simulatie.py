"""The what-if simulation: a period of the chain's own history replayed through a candidate ruleset
and/or changed staffing, and compared per GI per month with what really happened. Pure: no I/O,
nothing published; the simulation's state lives in this module's objects only.

The model is the chain's own rules, with these assumptions (each stated with a result):
- the RvdK follows the proposal (model.stel_voor on the simulated free places) and the case starts
  when the report's case really started; a family with an open case keeps it (one family, one plan);
- a report that never led to a case in reality leads to none in the simulation either;
- a child's case lasts as long as it really did (closed the same time after its start; still open
  when it still is);
- a GI gives its waiting cases a fixed protector as soon as it has room: the oldest waiting case
  first, a case only when all its waiting children fit (children with a protector plus them at most
  the GI's places), stopping at the first that does not fit;
- staffing follows the GIs' reported staffing over the period, with the scenario's change applied;
- escalations follow the region's thresholds (contracts/escalatiedrempels.py) on every change (an
  assignment before and after the GI gives protectors, as capacity sees the two events) and at the
  start of every day; the escalation plan's measures and transfers are not simulated.
"""
import heapq
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from uuid import UUID

from contracts.escalatiedrempels import Drempels, Regiocijfers, hersteld, redenen
from contracts.vocabulary import GI
from runtime.clock import REGION_TZ, calendar_days
from runtime.errors import InvalidInput
from services.triage.domain.events import Kind
from services.triage.domain.model import GI_VOLGORDE, Regelset, bepaal_doelgroep, stel_voor

MAX_MAANDEN = 24
EERSTE_DAG = date(1900, 1, 1)  # no period before it (nor would the calendar's oldest dates convert)
# The model's assumptions as every result states them (the module's docstring explains them).
AANNAMES = (
    "De RvdK volgt het voorstel; de casus start wanneer die van de melding echt startte.",
    "Een gezin met een open casus houdt die casus en die GI (één gezin, één plan).",
    "Een melding die in werkelijkheid geen casus werd, wordt dat in de simulatie ook niet.",
    "Een kind blijft even lang in zorg als het echt bleef (nog open: open).",
    "Een GI geeft een wachtende casus een vaste jeugdbeschermer zodra al haar wachtende kinderen "
    "passen binnen de plaatsen (jeugdbeschermers min afwezigen maal de caseloadnorm), oudste eerst.",
    "De bezetting volgt wat de GI's meldden, met de wijziging van het scenario.",
    "Escalaties volgen de drempels van de regio bij elke wijziging en aan het begin van elke dag; "
    "maatregelen van het escalatieplan en overdrachten worden niet gesimuleerd.",
)


# ---------------------------------------------------------------------------------------------
# The inputs: the period, the history of the chain, the scenario.


def _middernacht(dag: date) -> datetime:
    return datetime.combine(dag, time(), tzinfo=REGION_TZ)


@dataclass(frozen=True)
class Periode:
    """Whole days in the region's calendar, `van` to `tot` inclusive."""

    van: date
    tot: date

    @property
    def begin(self) -> datetime:
        return _middernacht(self.van)

    @property
    def eind(self) -> datetime:
        return _middernacht(self.tot + timedelta(days=1))

    def maanden(self) -> list[tuple[str, datetime, datetime]]:
        """Per calendar month in the period: its name (YYYY-MM), begin and end (within the period)."""
        uit = []
        dag = self.van
        while dag <= self.tot:
            volgende = date(dag.year + dag.month // 12, dag.month % 12 + 1, 1)
            uit.append((f"{dag.year:04d}-{dag.month:02d}", max(self.begin, _middernacht(dag)),
                        min(self.eind, _middernacht(volgende))))
            dag = volgende
        return uit


@dataclass(frozen=True)
class Bezetting:
    """A GI's reported staffing as capacity publishes it: its places are available protectors x norm."""

    jeugdbeschermers: int
    afwezig: int
    caseload_norm: int

    @property
    def plaatsen(self) -> int:
        return max(0, self.jeugdbeschermers - self.afwezig) * self.caseload_norm

    @property
    def gemeld(self) -> bool:
        return self.caseload_norm >= 1


@dataclass(frozen=True)
class Bezettingsmoment:
    tijdstip: datetime
    gi: GI
    bezetting: Bezetting


@dataclass(frozen=True)
class Bezettingswijziging:
    """The scenario's staffing for one GI: protectors more (or fewer), and/or another caseload norm."""

    jeugdbeschermers_erbij: int = 0
    caseload_norm: int | None = None

    def toegepast(self, b: Bezetting) -> Bezetting:
        jeugdbeschermers = max(0, b.jeugdbeschermers + self.jeugdbeschermers_erbij)
        return Bezetting(jeugdbeschermers, min(b.afwezig, jeugdbeschermers),
                         b.caseload_norm if self.caseload_norm is None else self.caseload_norm)


@dataclass(frozen=True)
class Kindverloop:
    """One child's course in one case: at which GI, since when, its fixed protector and closure."""

    casus_id: UUID
    kind_id: UUID
    gezin_id: UUID
    melding_id: UUID | None
    gi: GI
    toegewezen_op: datetime
    beschermer_op: datetime | None = None
    gesloten_op: datetime | None = None
    grijs_gebied: bool = False

    def wacht_tot(self, eind: datetime) -> datetime:
        """Until when the child waited for its protector (at most `eind`)."""
        ends = [m for m in (self.beschermer_op, self.gesloten_op) if m is not None]
        return min([*ends, eind])


@dataclass(frozen=True)
class Aanmelding:
    """A report as the simulation replays it: the target-group decision's inputs (pseudonymous)."""

    melding_id: UUID
    gezin_id: UUID
    zorgen: tuple[str, ...]
    kenmerken: tuple[str, ...]
    kader: str | None
    kinderen: tuple[Kind, ...]


@dataclass(frozen=True)
class Stand:
    """A GI's published figure at a moment (capacity's signal): what the month ends read."""

    tijdstip: datetime
    gi: GI
    vrije_plaatsen: int
    wachtend: int


@dataclass(frozen=True)
class Geschiedenis:
    """What the chain recorded, for the period and what was still open at its start."""

    periode: Periode
    meldingen: Mapping[UUID, Aanmelding]  # the reports whose children were assigned in the period
    verlopen: tuple[Kindverloop, ...]  # every child in care at some moment of the period
    standen: tuple[Stand, ...]  # the published figures up to the period's end
    bezetting: tuple[Bezettingsmoment, ...]  # the reported staffing up to the period's end
    escalaties: tuple[datetime, ...]  # when the region's real escalations opened


@dataclass(frozen=True)
class Scenario:
    regelset: Regelset
    bezetting: Mapping[GI, Bezettingswijziging] = field(default_factory=dict)
    drempels: Drempels = field(default_factory=Drempels)


# ---------------------------------------------------------------------------------------------
# The result: per month, per GI, what really happened and what would have.


@dataclass(frozen=True)
class Cijfers:
    toegewezen: int = 0  # children assigned to the GI in the month
    grijs_gebied: int = 0  # of them, children whose report fell in the grey area
    vrije_plaatsen: int | None = None  # at the month's end (None: no figure known)
    wachtend: int | None = None  # children waiting for a fixed protector at the month's end
    wachtdagen: int = 0  # calendar days the GI's children waited within the month


@dataclass(frozen=True)
class GiMaand:
    gi: GI
    werkelijk: Cijfers
    gesimuleerd: Cijfers


@dataclass(frozen=True)
class Maand:
    maand: str
    gis: tuple[GiMaand, ...]
    escalaties_werkelijk: int
    escalaties_gesimuleerd: int


@dataclass(frozen=True)
class Uitkomst:
    """The simulated course of the period: the same kinds of records the chain keeps."""

    verlopen: tuple[Kindverloop, ...]
    standen: tuple[Stand, ...]
    escalaties: tuple[datetime, ...]
    meldingen: int


def vergelijk(geschiedenis: Geschiedenis, uitkomst: Uitkomst) -> tuple[Maand, ...]:
    """Per month of the period, per GI, what really happened against the simulation."""
    periode = geschiedenis.periode
    werkelijk = maandcijfers(geschiedenis.verlopen, geschiedenis.standen, periode)
    gesimuleerd = maandcijfers(uitkomst.verlopen, uitkomst.standen, periode)
    return tuple(
        Maand(maand=naam,
              gis=tuple(GiMaand(gi, werkelijk[naam][gi], gesimuleerd[naam][gi]) for gi in GI_VOLGORDE),
              escalaties_werkelijk=_in(geschiedenis.escalaties, begin, eind),
              escalaties_gesimuleerd=_in(uitkomst.escalaties, begin, eind))
        for naam, begin, eind in periode.maanden())


def _in(momenten: Iterable[datetime], begin: datetime, eind: datetime) -> int:
    return sum(begin <= m < eind for m in momenten)


def maandcijfers(verlopen: Iterable[Kindverloop], standen: Iterable[Stand],
                 periode: Periode) -> dict[str, dict[GI, Cijfers]]:
    """One way of counting for both columns: assignments and waiting days from the children's
    courses, free places and waiting children at each month's end from the published figures."""
    maanden = periode.maanden()
    telling: dict[str, dict[GI, list[int]]] = {n: {gi: [0, 0, 0] for gi in GI} for n, _, _ in maanden}
    for v in verlopen:
        einde_wacht = v.wacht_tot(periode.eind)
        for naam, begin, eind in maanden:
            if eind <= v.toegewezen_op:
                continue
            if begin >= einde_wacht and begin > v.toegewezen_op:
                break  # assigned before this month and no longer waiting: nothing more to count
            if begin <= v.toegewezen_op:
                telling[naam][v.gi][0] += 1
                telling[naam][v.gi][1] += v.grijs_gebied
            wacht_begin, wacht_eind = max(v.toegewezen_op, begin), min(einde_wacht, eind)
            if wacht_begin < wacht_eind:
                telling[naam][v.gi][2] += calendar_days(wacht_begin, wacht_eind)
    laatste = sorted(standen, key=lambda s: s.tijdstip)
    uit: dict[str, dict[GI, Cijfers]] = {}
    for naam, _, eind in maanden:
        stand = {s.gi: s for s in laatste if s.tijdstip < eind}
        uit[naam] = {gi: Cijfers(toegewezen=t[0], grijs_gebied=t[1], wachtdagen=t[2],
                                 vrije_plaatsen=stand[gi].vrije_plaatsen if gi in stand else None,
                                 wachtend=stand[gi].wachtend if gi in stand else None)
                     for gi, t in telling[naam].items()}
    return uit


# ---------------------------------------------------------------------------------------------
# The replay.


@dataclass(eq=False)
class _Kind:
    casus: int
    kind_id: UUID
    gezin_id: UUID
    melding_id: UUID | None
    gi: GI
    toegewezen_op: datetime
    grijs_gebied: bool
    beschermer_op: datetime | None = None
    gesloten_op: datetime | None = None
    wachtend: "_Wachtend | None" = None  # the waiting case it is in, until it has its protector

    def verloop(self) -> Kindverloop:
        return Kindverloop(casus_id=UUID(int=self.casus), kind_id=self.kind_id, gezin_id=self.gezin_id,
                           melding_id=self.melding_id, gi=self.gi, toegewezen_op=self.toegewezen_op,
                           beschermer_op=self.beschermer_op, gesloten_op=self.gesloten_op,
                           grijs_gebied=self.grijs_gebied)


@dataclass(eq=False)
class _Wachtend:
    """A case's children waiting for their fixed protector, since the first of them came."""

    casus: int
    sinds: datetime
    kinderen: list[_Kind]


class _Regio:
    """The simulated region: staffing, children in care, waiting cases, the escalation."""

    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        self.bezetting: dict[GI, Bezetting] = {}
        self.in_zorg: dict[GI, int] = defaultdict(int)
        self.bezet: dict[GI, int] = defaultdict(int)
        self.wachtrij: dict[GI, deque[_Wachtend]] = defaultdict(deque)  # oldest first
        self.wachtend_per_casus: dict[int, _Wachtend] = {}
        self.aantal_wachtend: dict[GI, int] = defaultdict(int)
        self.kinderen: list[_Kind] = []
        self.open_casus: dict[UUID, tuple[GI, int]] = {}  # per family: its open case
        self.open_per_casus: dict[int, set[UUID]] = defaultdict(set)  # children in care per case
        self.standen: list[Stand] = []
        self.laatste: dict[GI, tuple[int, int]] = {}  # per GI its last recorded figure
        self.escalatie_niveau = 0
        self.escalaties: list[datetime] = []
        self.volgende_casus = 1

    # The figures

    def vrije_plaatsen(self, gi: GI) -> int:
        return self.bezetting[gi].plaatsen - self.in_zorg[gi]

    def bekend(self) -> dict[GI, int]:
        """Free places of the GIs with a figure (as triage knows them from capacity's signals)."""
        return {gi: self.vrije_plaatsen(gi) for gi in GI_VOLGORDE if gi in self.bezetting}

    def wachtend(self, gi: GI) -> int:
        return self.aantal_wachtend[gi]

    def meet(self, nu: datetime) -> None:
        """Record each GI's figure that changed, then evaluate the region's escalation."""
        for gi in GI_VOLGORDE:
            if gi not in self.bezetting:
                continue
            figuur = (self.vrije_plaatsen(gi), self.wachtend(gi))
            if self.laatste.get(gi) != figuur:
                self.standen.append(Stand(nu, gi, *figuur))
                self.laatste[gi] = figuur
        self.beoordeel(nu)

    def beoordeel(self, nu: datetime) -> None:
        sinds = [rij[0].sinds for rij in self.wachtrij.values() if rij]  # each queue: oldest first
        cijfers = Regiocijfers(
            vrije_plaatsen=tuple((gi, self.vrije_plaatsen(gi) if gi in self.bezetting else 0) for gi in GI),
            gemeld=frozenset(gi for gi, b in self.bezetting.items() if b.gemeld),
            wachtend=sum(self.wachtend(gi) for gi in GI),
            langste_wachtdagen=calendar_days(min(sinds), nu) if sinds else 0)
        niveau = len(redenen(cijfers, self.scenario.drempels))
        if self.escalatie_niveau == 0:
            if niveau > 0:
                self.escalaties.append(nu)
                self.escalatie_niveau = niveau
        elif hersteld(cijfers, self.scenario.drempels):
            self.escalatie_niveau = 0
        else:
            self.escalatie_niveau = max(self.escalatie_niveau, niveau)

    # The changes

    def meld_bezetting(self, gi: GI, bezetting: Bezetting, nu: datetime) -> None:
        wijziging = self.scenario.bezetting.get(gi)
        self.bezetting[gi] = wijziging.toegepast(bezetting) if wijziging else bezetting
        self.geef_beschermers(gi, nu)

    def plaats(self, kind: _Kind, beschermer: bool) -> None:
        """A child comes into care at its GI: with its protector, or waiting with its case."""
        self.kinderen.append(kind)
        self.in_zorg[kind.gi] += 1
        self.open_per_casus[kind.casus].add(kind.kind_id)
        self.open_casus[kind.gezin_id] = (kind.gi, kind.casus)
        if beschermer:
            self.bezet[kind.gi] += 1
            return
        wachtend = self.wachtend_per_casus.get(kind.casus)
        if wachtend is None:
            wachtend = self.wachtend_per_casus[kind.casus] = _Wachtend(kind.casus, kind.toegewezen_op, [])
            self.wachtrij[kind.gi].append(wachtend)
        wachtend.kinderen.append(kind)
        kind.wachtend = wachtend
        self.aantal_wachtend[kind.gi] += 1

    def sluit(self, kind: _Kind, nu: datetime) -> None:
        kind.gesloten_op = nu
        self.in_zorg[kind.gi] -= 1
        if kind.beschermer_op is not None:
            self.bezet[kind.gi] -= 1
        else:
            wachtend = kind.wachtend
            wachtend.kinderen.remove(kind)
            kind.wachtend = None
            self.aantal_wachtend[kind.gi] -= 1
            if not wachtend.kinderen:
                self.wachtrij[kind.gi].remove(wachtend)
                del self.wachtend_per_casus[wachtend.casus]
        self.open_per_casus[kind.casus].discard(kind.kind_id)
        casus_dicht = not self.open_per_casus[kind.casus]
        if casus_dicht and self.open_casus.get(kind.gezin_id, (None, None))[1] == kind.casus:
            del self.open_casus[kind.gezin_id]
        self.geef_beschermers(kind.gi, nu)

    def geef_beschermers(self, gi: GI, nu: datetime) -> None:
        """The GI's rule: the oldest waiting case gets its protector while all its children fit."""
        rij = self.wachtrij[gi]
        plaatsen = self.bezetting[gi].plaatsen if gi in self.bezetting else 0
        while rij and self.bezet[gi] + len(rij[0].kinderen) <= plaatsen:
            wachtend = rij.popleft()
            del self.wachtend_per_casus[wachtend.casus]
            for kind in wachtend.kinderen:
                kind.beschermer_op = nu
                kind.wachtend = None
            self.bezet[gi] += len(wachtend.kinderen)
            self.aantal_wachtend[gi] -= len(wachtend.kinderen)


def simuleer(geschiedenis: Geschiedenis, scenario: Scenario) -> Uitkomst:
    """Replay the period through the scenario; the history itself is not changed."""
    periode = geschiedenis.periode
    regio = _Regio(scenario)
    agenda = _Agenda()
    _begintoestand(geschiedenis, regio, agenda)
    for moment in geschiedenis.bezetting:
        if periode.begin <= moment.tijdstip < periode.eind:
            agenda.zet(moment.tijdstip, "bezetting", moment)
    for start, melding, duur in _starts(geschiedenis):
        agenda.zet(start, "melding", (melding, duur))
    dag = periode.van + timedelta(days=1)
    while dag <= periode.tot:
        agenda.zet(_middernacht(dag), "dag", None)
        dag += timedelta(days=1)
    gemeld = 0
    for nu, soort, inhoud in agenda:
        if nu >= periode.eind:
            break
        if soort == "bezetting":
            regio.meld_bezetting(inhoud.gi, inhoud.bezetting, nu)
        elif soort == "melding":
            gemeld += 1
            _wijs_toe(regio, agenda, scenario.regelset, *inhoud, nu)
        elif soort == "sluiting":
            regio.sluit(inhoud, nu)
        else:
            regio.beoordeel(nu)
            continue
        regio.meet(nu)
    return Uitkomst(verlopen=tuple(k.verloop() for k in regio.kinderen), standen=tuple(regio.standen),
                    escalaties=tuple(regio.escalaties), meldingen=gemeld)


class _Agenda:
    """What happens next, in time order (ties in the order planned)."""

    def __init__(self):
        self._heap: list = []
        self._volgnummer = 0

    def zet(self, moment: datetime, soort: str, inhoud) -> None:
        self._volgnummer += 1
        heapq.heappush(self._heap, (moment, self._volgnummer, soort, inhoud))

    def __iter__(self) -> Iterator[tuple[datetime, str, object]]:
        while self._heap:
            moment, _, soort, inhoud = heapq.heappop(self._heap)
            yield moment, soort, inhoud


def _begintoestand(geschiedenis: Geschiedenis, regio: _Regio, agenda: _Agenda) -> None:
    """The staffing and the children in care at the period's start, as they really were."""
    begin, eind = geschiedenis.periode.begin, geschiedenis.periode.eind
    for moment in sorted(geschiedenis.bezetting, key=lambda m: m.tijdstip):
        if moment.tijdstip < begin:
            regio.meld_bezetting(moment.gi, moment.bezetting, begin)
    casussen: dict[UUID, int] = {}
    for v in sorted(geschiedenis.verlopen, key=lambda v: v.toegewezen_op):
        if v.toegewezen_op >= begin or (v.gesloten_op is not None and v.gesloten_op < begin):
            continue
        kind = _Kind(casussen.setdefault(v.casus_id, len(casussen) + 1), v.kind_id, v.gezin_id, v.melding_id,
                     v.gi, v.toegewezen_op, v.grijs_gebied)
        met_beschermer = v.beschermer_op is not None and v.beschermer_op < begin
        kind.beschermer_op = v.beschermer_op if met_beschermer else None
        regio.plaats(kind, met_beschermer)
        if v.gesloten_op is not None and v.gesloten_op < eind:
            agenda.zet(v.gesloten_op, "sluiting", kind)
    regio.volgende_casus = len(casussen) + 1
    for gi in list(regio.bezetting):
        regio.geef_beschermers(gi, begin)
    regio.meet(begin)


def _starts(geschiedenis: Geschiedenis) -> list[tuple[datetime, Aanmelding, dict[UUID, timedelta]]]:
    """Per report whose case really started in the period: when, and how long each child's case lasted."""
    begin, eind = geschiedenis.periode.begin, geschiedenis.periode.eind
    per_melding: dict[UUID, list[Kindverloop]] = defaultdict(list)
    for v in geschiedenis.verlopen:
        if v.melding_id in geschiedenis.meldingen and begin <= v.toegewezen_op < eind:
            per_melding[v.melding_id].append(v)
    starts = []
    for melding_id, verlopen in per_melding.items():
        start = min(v.toegewezen_op for v in verlopen)
        duur = {v.kind_id: v.gesloten_op - v.toegewezen_op for v in verlopen if v.gesloten_op is not None}
        starts.append((start, geschiedenis.meldingen[melding_id], duur))
    return sorted(starts, key=lambda s: (s[0], str(s[1].melding_id)))


def _wijs_toe(regio: _Regio, agenda: _Agenda, regelset: Regelset, melding: Aanmelding,
              duur: dict[UUID, timedelta], nu: datetime) -> None:
    """The candidate decides the target group; the proposal on the simulated free places decides the
    GI, unless the family has an open case (one family, one plan); its new children come in waiting."""
    besluit = bepaal_doelgroep(regelset, list(melding.zorgen), list(melding.kenmerken),
                               [k.leeftijd for k in melding.kinderen], melding.kader)
    if melding.gezin_id in regio.open_casus:
        gi, casus = regio.open_casus[melding.gezin_id]
    else:
        gi, casus = stel_voor(besluit, regio.bekend()).gi, regio.volgende_casus
        regio.volgende_casus += 1
    al_in_zorg = set(regio.open_per_casus[casus])
    for kind in melding.kinderen:
        if kind.kind_id in al_in_zorg:
            continue
        nieuw = _Kind(casus, kind.kind_id, melding.gezin_id, melding.melding_id, gi, nu, besluit.grijs_gebied)
        regio.plaats(nieuw, beschermer=False)
        if kind.kind_id in duur:
            agenda.zet(nu + duur[kind.kind_id], "sluiting", nieuw)
    regio.meet(nu)  # as capacity publishes the assignment (and evaluates the region) before the GI acts
    regio.geef_beschermers(gi, nu)


# ---------------------------------------------------------------------------------------------
# A simulation as triage keeps it: the scenario asked for and its result.


@dataclass(frozen=True)
class Simulatie:
    id: UUID
    periode: Periode
    regelset_versie: str  # the candidate's (or, without one, the active version's)
    voorstel_id: UUID | None  # the ruleset proposal it was run for
    bezetting: Mapping[GI, Bezettingswijziging]
    drempels: Drempels
    meldingen: int  # reports replayed
    maanden: tuple[Maand, ...]
    aangevraagd_door: str  # the organisation that asked (a GI, the RvdK, the region)
    aangemaakt_op: datetime


def periode_van(van: date, tot: date, vandaag: date) -> Periode:
    """A period of the past: whole days up to yesterday, at most MAX_MAANDEN calendar months."""
    if van < EERSTE_DAG:
        raise InvalidInput(f"the period begins before {EERSTE_DAG}: the chain has no history then",
                           field="periode.van")
    if tot < van:
        raise InvalidInput("the period ends before it begins", field="periode.tot")
    if tot >= vandaag:
        raise InvalidInput(f"a simulation replays the past: the period must end before today ({vandaag})",
                           field="periode.tot")
    periode = Periode(van, tot)
    if len(periode.maanden()) > MAX_MAANDEN:
        raise InvalidInput(f"a period of at most {MAX_MAANDEN} calendar months", field="periode")
    return periode
