"""The region's escalation as triage reads it from capacity (capacity.escalaties): its escalation
plan version and the plan's measures in force at its level, until it ends. Triage applies one of
them: `grijs_gebied_meeste_vrije_plaatsen` in the advice proposal (model.stel_voor). Pure: no I/O."""
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from contracts.vocabulary import EscalatieMaatregel


@dataclass(frozen=True)
class RegioEscalatie:
    escalatie_id: UUID
    niveau: int
    escalatieplan_versie: str | None  # None in escalations raised before plans
    maatregelen: tuple[str, ...]  # the plan's measures in force at its level
    tijdstip: datetime  # of the raise kept
    beeindigd_op: datetime | None = None

    @property
    def open(self) -> bool:
        return self.beeindigd_op is None

    def heeft(self, maatregel: EscalatieMaatregel) -> bool:
        """The measure is in force: the escalation is open and its level lists it."""
        return self.open and maatregel in self.maatregelen


def na_verhoging(huidig: RegioEscalatie | None, verhoging: RegioEscalatie) -> RegioEscalatie | None:
    """A raise (EscalationRaised) replaces the one kept when it is newer; an ended escalation stays
    ended, so a raise delivered after its end does not reopen it. None: nothing changes."""
    if huidig is None:
        return verhoging
    if not huidig.open or verhoging.tijdstip <= huidig.tijdstip:
        return None
    return verhoging


def na_beeindiging(huidig: RegioEscalatie | None, escalatie_id: UUID, niveau: int,
                   beeindigd_op: datetime) -> RegioEscalatie | None:
    """The end (EscalationCleared) is final: kept even when no raise was read before it. None:
    ended already (a redelivery)."""
    if huidig is None:
        return RegioEscalatie(escalatie_id, niveau, None, (), beeindigd_op, beeindigd_op)
    if not huidig.open:
        return None
    return replace(huidig, beeindigd_op=beeindigd_op)


def in_werking(escalaties: Iterable[RegioEscalatie], maatregel: EscalatieMaatregel) -> RegioEscalatie | None:
    """The open escalation that puts the measure in force (the latest raised, should two be open)."""
    return max((e for e in escalaties if e.heeft(maatregel)), key=lambda e: (e.tijdstip, str(e.escalatie_id)),
               default=None)
