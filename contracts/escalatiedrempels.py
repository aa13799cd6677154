"""The region's agreed escalation thresholds: when the GIs threaten to get stuck. Capacity applies
them live to the published figures (services/capacity/domain/escalatie.py); triage's what-if
simulation applies the same rules to a replayed history. Pure: no I/O.

Three conditions, each a threshold of the region: every GI at or over its norm, too many children
waiting, a child waiting too long. The level is the number of conditions met; an escalation clears
only when every condition is below its threshold by a margin (hysteresis)."""
from dataclasses import dataclass

from contracts.vocabulary import GI


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

    @property
    def op_of_over_norm(self) -> list[GI]:
        return [gi for gi, vrij in self.vrije_plaatsen if vrij <= 0]

    @property
    def vrije_plaatsen_regio(self) -> int:
        return sum(vrij for _, vrij in self.vrije_plaatsen)


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
