"""Regional escalation when the GIs run out, with hysteresis. Pure: no I/O.

The thresholds and their conditions are the region's (contracts/escalatiedrempels.py, shared with
triage's what-if simulation); the level is the number of conditions met. An
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

from contracts import escalatiedrempels as gedeeld
from contracts.escalatiedrempels import Drempels, hersteld, redenen
from contracts.vocabulary import GI
from services.capacity.domain.escalatieplan import Escalatieplan
from services.capacity.domain.events import EscalatieCijfers, EscalationCleared, EscalationRaised
from services.capacity.domain.model import GiCapaciteit


@dataclass(frozen=True)
class Regiocijfers(gedeeld.Regiocijfers):
    """The region's figures (the shared thresholds' input) made of capacity's published figures."""

    @classmethod
    def van(cls, figuren: Iterable[GiCapaciteit]) -> "Regiocijfers":
        by_gi = {f.gi: f for f in figuren}
        ordered = [by_gi.get(gi, GiCapaciteit(gi)) for gi in GI]
        return cls(vrije_plaatsen=tuple((f.gi, f.vrije_plaatsen) for f in ordered),
                   gemeld=frozenset(f.gi for f in ordered if f.gemeld),
                   wachtend=sum(f.wachtend for f in ordered),
                   langste_wachtdagen=max((f.langste_wachtdagen for f in ordered), default=0))

    def samengevat(self) -> EscalatieCijfers:
        """The figures as an escalation event carries them."""
        return EscalatieCijfers(vrije_plaatsen_regio=self.vrije_plaatsen_regio,
                                gis_op_of_over_norm=self.op_of_over_norm, wachtend=self.wachtend,
                                langste_wachtdagen=self.langste_wachtdagen)


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
