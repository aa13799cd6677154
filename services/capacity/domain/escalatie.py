"""Regional escalation when the GIs run out, with hysteresis. Pure: no I/O.

Three conditions, each a threshold of the region: every GI at or over its norm, too many
children waiting, a child waiting too long. The level is the number of conditions met. An
escalation opens when the level rises above 0 and is raised again (same id) when the level
goes up; it clears only when every condition is below its threshold by a margin, so figures
moving around a threshold never open and close it over and over.

The escalation plan (domain/escalatieplan.py) adds: the plan version an escalation keeps, the
measures in force at its level, and a second way up: when the parties of its level did not all
acknowledge it in time, it goes to the next level (`ophogen`).
"""
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID, uuid4

from contracts.vocabulary import GI
from services.capacity.domain.escalatieplan import Escalatieplan
from services.capacity.domain.events import EscalatieCijfers, EscalationCleared, EscalationRaised
from services.capacity.domain.model import GiCapaciteit


@dataclass(frozen=True)
class Drempels:
    wachtend_max: int = 25  # escalate when more children than this wait for a fixed protector
    wachtdagen_max: int = 30  # escalate when a child waits longer than this many days
    # Clear only when: waiting <= wachtend_max - marge_wachtend, longest wait <= wachtdagen_max -
    # marge_wachtdagen, and at least one GI has this many free slots.
    marge_wachtend: int = 5
    marge_wachtdagen: int = 3
    herstel_vrije_plaatsen: int = 3


@dataclass(frozen=True)
class Regiocijfers:
    vrije_plaatsen: tuple[tuple[GI, int], ...]  # per GI, in GI order
    gemeld: frozenset[GI]  # GIs that reported their staffing
    wachtend: int
    langste_wachtdagen: int

    @classmethod
    def van(cls, figuren: Iterable[GiCapaciteit]) -> "Regiocijfers":
        by_gi = {f.gi: f for f in figuren}
        ordered = [by_gi.get(gi, GiCapaciteit(gi)) for gi in GI]
        return cls(vrije_plaatsen=tuple((f.gi, f.vrije_plaatsen) for f in ordered),
                   gemeld=frozenset(f.gi for f in ordered if f.gemeld),
                   wachtend=sum(f.wachtend for f in ordered),
                   langste_wachtdagen=max((f.langste_wachtdagen for f in ordered), default=0))

    @property
    def op_of_over_norm(self) -> list[GI]:
        return [gi for gi, vrij in self.vrije_plaatsen if vrij <= 0]

    @property
    def vrije_plaatsen_regio(self) -> int:
        return sum(vrij for _, vrij in self.vrije_plaatsen)

    def samengevat(self) -> EscalatieCijfers:
        """The figures as an escalation event carries them."""
        return EscalatieCijfers(vrije_plaatsen_regio=self.vrije_plaatsen_regio,
                                gis_op_of_over_norm=self.op_of_over_norm, wachtend=self.wachtend,
                                langste_wachtdagen=self.langste_wachtdagen)


def redenen(c: Regiocijfers, d: Drempels) -> list[str]:
    """The conditions met, as readable reasons; the level is their number."""
    found = []
    # A GI that never reported has no norm: "all at their norm" needs every GI's report.
    if len(c.gemeld) == len(GI) and len(c.op_of_over_norm) == len(GI):
        per_gi = ", ".join(f"{gi.value} {vrij}" for gi, vrij in c.vrije_plaatsen)
        found.append(f"Alle GI's zitten op of boven hun norm (vrije plaatsen: {per_gi}).")
    if c.wachtend > d.wachtend_max:
        found.append(f"{c.wachtend} kinderen wachten op een vaste jeugdbeschermer "
                     f"(drempel: meer dan {d.wachtend_max}).")
    if c.langste_wachtdagen > d.wachtdagen_max:
        found.append(f"Een kind wacht al {c.langste_wachtdagen} dagen op een vaste jeugdbeschermer "
                     f"(drempel: langer dan {d.wachtdagen_max} dagen).")
    return found


def hersteld(c: Regiocijfers, d: Drempels) -> bool:
    """Every condition below its threshold by the margin (the hysteresis band is left)."""
    return (any(vrij >= d.herstel_vrije_plaatsen for _, vrij in c.vrije_plaatsen)
            and c.wachtend <= d.wachtend_max - d.marge_wachtend
            and c.langste_wachtdagen <= d.wachtdagen_max - d.marge_wachtdagen)


@dataclass(frozen=True)
class Escalatie:
    id: UUID
    niveau: int
    redenen: tuple[str, ...]
    cijfers: Regiocijfers  # the figures that raised it (at its latest level)
    gestart_op: datetime
    bijgewerkt_op: datetime
    beeindigd_op: datetime | None = None
    cijfers_bij_einde: Regiocijfers | None = None
    plan_versie: str | None = None  # None: opened before the plan (the active one applies)
    niveau_sinds: datetime | None = None  # when the current level was reached (None: bijgewerkt_op)
    maatregelen: tuple[str, ...] = ()  # in force at the current level

    @property
    def open(self) -> bool:
        return self.beeindigd_op is None

    def duur_s(self, nu: datetime) -> float:
        return ((self.beeindigd_op or nu) - self.gestart_op).total_seconds()

    @property
    def op_niveau_sinds(self) -> datetime:
        return self.niveau_sinds or self.bijgewerkt_op

    def raised(self) -> EscalationRaised:
        return EscalationRaised(escalatie_id=self.id, niveau=self.niveau, redenen=list(self.redenen),
                                cijfers=self.cijfers.samengevat(), gestart_op=self.gestart_op,
                                tijdstip=self.bijgewerkt_op, escalatieplan_versie=self.plan_versie,
                                maatregelen=list(self.maatregelen))

    def naar_niveau(self, niveau: int, plan: Escalatieplan | None, nu: datetime, **changes) -> "Escalatie":
        """The escalation at a higher level from now, with that level's measures."""
        return replace(self, niveau=niveau, bijgewerkt_op=nu, niveau_sinds=nu,
                       plan_versie=plan.versie if plan else self.plan_versie,
                       maatregelen=plan.maatregelen(niveau) if plan else self.maatregelen, **changes)

    def cleared(self) -> EscalationCleared:
        return EscalationCleared(escalatie_id=self.id, hoogste_niveau=self.niveau,
                                 cijfers=self.cijfers_bij_einde.samengevat(), gestart_op=self.gestart_op,
                                 beeindigd_op=self.beeindigd_op)


Besluit = tuple[Escalatie | None, EscalationRaised | EscalationCleared | None]


def beoordeel(open_: Escalatie | None, cijfers: Regiocijfers, drempels: Drempels, nu: datetime,
              nieuw_id: Callable[[], UUID] = uuid4, *, plan: Escalatieplan | None = None) -> Besluit:
    """The escalation after new figures, and the event to publish (None: nothing to say). `plan`:
    the open escalation's own plan version, or the active one for a new escalation (None: no plan,
    no measures)."""
    gevonden = redenen(cijfers, drempels)
    niveau = len(gevonden)
    if open_ is None:
        if niveau == 0:
            return None, None
        raised = Escalatie(id=nieuw_id(), niveau=niveau, redenen=tuple(gevonden), cijfers=cijfers,
                           gestart_op=nu, bijgewerkt_op=nu, niveau_sinds=nu,
                           plan_versie=plan.versie if plan else None,
                           maatregelen=plan.maatregelen(niveau) if plan else ())
        return raised, raised.raised()
    if hersteld(cijfers, drempels):
        cleared = replace(open_, beeindigd_op=nu, bijgewerkt_op=nu, cijfers_bij_einde=cijfers)
        return cleared, cleared.cleared()
    if niveau > open_.niveau:
        higher = open_.naar_niveau(niveau, plan, nu, redenen=tuple(gevonden), cijfers=cijfers)
        return higher, higher.raised()
    return open_, None  # a lower level or inside the hysteresis band: it stays as it is


def ophogen(open_: Escalatie, plan: Escalatieplan, bevestigd: Iterable[str], nu: datetime) -> Besluit:
    """An open escalation whose level's parties did not all acknowledge it within the level's time
    goes to the next level (the reasons say who did not); otherwise nothing changes."""
    deadline = plan.ophogen_op(open_.niveau, open_.op_niveau_sinds)
    ontbrekend = [p for p in plan.niveau(open_.niveau).partijen if p not in set(bevestigd)]
    if not open_.open or deadline is None or nu < deadline or not ontbrekend:
        return open_, None
    uren = plan.niveau(open_.niveau).ophogen_na_uren
    reden = (f"Niveau {open_.niveau} niet bevestigd binnen {uren:g} uur door: {', '.join(ontbrekend)}; "
             f"opgehoogd naar niveau {open_.niveau + 1}.")
    higher = open_.naar_niveau(open_.niveau + 1, plan, nu, redenen=(*open_.redenen[-9:], reden))
    return higher, higher.raised()
