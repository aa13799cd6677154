"""Who is told of an escalation, through which channel, and when; who acknowledged it; the week's
figure for the region. Pure: no I/O (delivery is in adapters/kennisgeving_kanalen.py).

A notification (kennisgeving) is one message to one party through one channel: when a level is
reached (onderwerp "niveau 2") or for a week's figure (onderwerp "week 2026-W48"). The event
channel is the contract event itself, in the outbox of the same transaction: told when committed.
A webhook or an e-mail is tried until it goes out, with exponential backoff; a party without a
target for a channel (no webhook URL, no address set) is recorded as not configured, not tried.
"""
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from runtime.clock import local_date
from runtime.errors import Conflict
from runtime.webhooks import volgende_poging_na
from services.capacity.domain.escalatie import Escalatie
from services.capacity.domain.escalatieplan import EVENT, WEEKCIJFER, Escalatieplan
from services.capacity.domain.events import EscalatieBevestigd, EscalatieWeekcijfer, GiWeekcijfer
from services.capacity.domain.model import GiCapaciteit

VERZONDEN = "verzonden"  # went out (event: committed with the outbox; webhook: a 2xx; e-mail: accepted)
WACHTEND = "wachtend"  # not tried yet
NIEUWE_POGING = "nieuwe_poging"  # tried and failed: tried again at volgende_poging_op
NIET_INGESTELD = "niet_ingesteld"  # no target set for this party and channel: not sent
VERVALLEN = "vervallen"  # a level's notice not sent yet when the escalation ended: not sent any more


@dataclass
class Kennisgeving:
    escalatie_id: UUID
    onderwerp: str
    niveau: int
    partij: str
    kanaal: str
    bericht: dict[str, Any]  # the message sent (a webhook's body; the e-mail is written from it)
    aangemaakt_op: datetime
    volgende_poging_op: datetime | None  # None: not to be tried (sent through the event, or no target)
    pogingen: int = 0
    laatste_poging_op: datetime | None = None
    laatste_fout: str | None = None
    verzonden_op: datetime | None = None
    vervallen_op: datetime | None = None
    id: int | None = None

    @property
    def status(self) -> str:
        if self.verzonden_op is not None:
            return VERZONDEN
        if self.vervallen_op is not None:
            return VERVALLEN
        if self.volgende_poging_op is None:
            return NIET_INGESTELD
        return NIEUWE_POGING if self.pogingen else WACHTEND

    def poging(self, nu: datetime, fout: str | None, base_s: float, max_s: float) -> None:
        """Record an attempt: sent when `fout` is None, else schedule the next one."""
        self.pogingen += 1
        self.laatste_poging_op = nu
        if fout is None:
            self.verzonden_op, self.volgende_poging_op = nu, None
            return
        self.laatste_fout = fout[:1000]
        self.volgende_poging_op = nu + timedelta(seconds=volgende_poging_na(self.pogingen, base_s, max_s))


def vervalt(k: Kennisgeving, nu: datetime) -> bool:
    """When its escalation ends, a level's notice not sent yet is not sent any more (a party is not
    told of a level the region has left); a week's figure still goes out. True: it lapsed now."""
    if k.verzonden_op is not None or k.vervallen_op is not None or not k.onderwerp.startswith("niveau "):
        return False
    k.vervallen_op, k.volgende_poging_op = nu, None
    return True


def bericht(msg_id: str, soort: str, nu: datetime, escalatie_id: UUID, data: dict[str, Any]) -> dict:
    """The message of a notification (Standard Webhooks' body): the contract event's type and data."""
    return {"id": msg_id, "type": soort, "time": nu.isoformat(), "subject": str(escalatie_id), "data": data}


def kennisgevingen(partijen_kanalen: Iterable[tuple[str, str]], escalatie: Escalatie, onderwerp: str,
                   bericht_voor, ingesteld, nu: datetime) -> list[Kennisgeving]:
    """One notification per party and channel. `bericht_voor(partij)`: its message; `ingesteld(partij,
    kanaal)`: whether a target is set. The event channel is told by the event itself, now."""
    result = []
    for partij, kanaal in partijen_kanalen:
        k = Kennisgeving(escalatie_id=escalatie.id, onderwerp=onderwerp, niveau=escalatie.niveau,
                         partij=partij, kanaal=kanaal, bericht=bericht_voor(partij), aangemaakt_op=nu,
                         volgende_poging_op=nu)
        if kanaal == EVENT:
            k.verzonden_op, k.volgende_poging_op = nu, None
        elif not ingesteld(partij, kanaal):
            k.volgende_poging_op, k.laatste_fout = None, f"geen {kanaal}-doel ingesteld voor {partij}"
        result.append(k)
    return result


def niveau_onderwerp(niveau: int) -> str:
    return f"niveau {niveau}"


# --- acknowledgements ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Bevestiging:
    escalatie_id: UUID
    partij: str
    niveau: int
    bevestigd_op: datetime
    rol: str  # the role of the token that acknowledged (gi, gi_manager, rvdk, regio)


def bevestig(escalatie: Escalatie, plan: Escalatieplan, partij: str | None, niveau: int | None, rol: str,
             eerder: Iterable[Bevestiging], nu: datetime) -> tuple[Bevestiging, EscalatieBevestigd | None]:
    """A party acknowledges the escalation at its current level. Again: the first acknowledgement,
    nothing new (None). A closed escalation, another level than the current one, or a party not
    told at this level: Conflict."""
    if not escalatie.open:
        raise Conflict(f"escalation {escalatie.id} has ended; there is nothing to acknowledge")
    if niveau is not None and niveau != escalatie.niveau:
        raise Conflict(f"the escalation is at level {escalatie.niveau} now, not {niveau}; acknowledge "
                       f"level {escalatie.niveau}", field="niveau")
    partijen = plan.niveau(escalatie.niveau).partijen
    if partij not in partijen:
        raise Conflict(f"{partij or 'this caller'} is not told at level {escalatie.niveau} of plan "
                       f"{plan.versie} ({', '.join(partijen)} are)")
    bestaand = next((b for b in eerder if b.partij == partij and b.niveau == escalatie.niveau), None)
    if bestaand is not None:
        return bestaand, None
    b = Bevestiging(escalatie_id=escalatie.id, partij=partij, niveau=escalatie.niveau, bevestigd_op=nu,
                    rol=rol)
    return b, EscalatieBevestigd(escalatie_id=escalatie.id, partij=partij, niveau=escalatie.niveau,
                                 niveau_sinds=escalatie.op_niveau_sinds, bevestigd_op=nu,
                                 gestart_op=escalatie.gestart_op)


def bevestigd_op_niveau(bevestigingen: Iterable[Bevestiging], niveau: int) -> set[str]:
    return {b.partij for b in bevestigingen if b.niveau == niveau}


# --- the week's figure -----------------------------------------------------------------------------

def iso_week(nu: datetime) -> str:
    """The ISO week in the region's calendar (Europe/Amsterdam), e.g. 2026-W48."""
    jaar, week, _ = local_date(nu).isocalendar()
    return f"{jaar}-W{week:02d}"


def weekcijfer(escalatie: Escalatie | None, figuren: Iterable[GiCapaciteit],
               nu: datetime) -> EscalatieWeekcijfer | None:
    """The week's figures while an open escalation has the measure in force; else None."""
    if escalatie is None or not escalatie.open or WEEKCIJFER not in escalatie.maatregelen:
        return None
    per_gi = [GiWeekcijfer(gi=f.gi, vrije_plaatsen=f.vrije_plaatsen, wachtend=f.wachtend,
                           langste_wachtdagen=f.langste_wachtdagen) for f in figuren]
    return EscalatieWeekcijfer(escalatie_id=escalatie.id, week=iso_week(nu), per_gi=per_gi, tijdstip=nu)


def week_onderwerp(week: str) -> str:
    return f"week {week}"
