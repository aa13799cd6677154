"""Out-of-home placements (uithuisplaatsingen) and youth care (jeugdhulp) of the children of a case,
as the case's GI records them, and the rules for their dates. Pure: no I/O.

A placement runs from its `startdatum` up to its `einddatum`, the day the child left (went home, or
moved on): [start, end). Ending one placement and starting the next on the same day is how a child
moves, and does not overlap. A placement that started and ended on the same day (a crisis place
for a few hours) lies between the one the child left that day and the one it went to that day; it
overlaps only a placement that ran before and after that day. An open placement (no `einddatum`)
runs on from its start."""
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from contracts.vocabulary import Jeugdhulpvorm, Plaatsingsvorm
from runtime.errors import Conflict, InvalidInput

# The network is what `netwerkpleegzorg` means, and what `bestandspleegzorg` is not.
NETWERK_VAN_VORM = {Plaatsingsvorm.NETWERKPLEEGZORG: True, Plaatsingsvorm.BESTANDSPLEEGZORG: False}


@dataclass
class Uithuisplaatsing:
    id: UUID
    kind_id: UUID
    vorm: Plaatsingsvorm
    in_netwerk: bool
    startdatum: date
    geregistreerd_op: datetime  # when the GI recorded the placement
    einddatum: date | None = None
    beeindigd_op: datetime | None = None  # when the GI recorded its end

    @property
    def lopend(self) -> bool:
        return self.einddatum is None

    def overlapt(self, other: "Uithuisplaatsing") -> bool:
        """[start, end) against [start, end), an open end running on."""
        return ((other.einddatum is None or self.startdatum < other.einddatum)
                and (self.einddatum is None or other.startdatum < self.einddatum))

    def zelfde(self, other: "Uithuisplaatsing") -> bool:
        """The same placement recorded again (a retry): same child, kind, network and dates."""
        return (self.kind_id, self.vorm, self.in_netwerk, self.startdatum, self.einddatum) == (
            other.kind_id, other.vorm, other.in_netwerk, other.startdatum, other.einddatum)


@dataclass
class Jeugdhulp:
    """The start of youth care of a kind for a child (a jeugdhulptraject)."""

    id: UUID
    kind_id: UUID
    vorm: Jeugdhulpvorm
    startdatum: date
    geregistreerd_op: datetime

    def zelfde(self, other: "Jeugdhulp") -> bool:
        return (self.kind_id, self.vorm, self.startdatum) == (other.kind_id, other.vorm, other.startdatum)


@dataclass(frozen=True)
class Periode:
    """The days a case can record history for: from the earliest of its measures' start dates (or
    its opening day, if earlier) to today, or to its closing day once closed."""

    begin: date
    vandaag: date
    sluitdatum: date | None = None

    def controleer(self, d: date, veld: str) -> None:
        """A date of a placement or of youth care: never in the future, never before the case's
        measures began (400 naming the field); never after a closed case's closing day (409)."""
        if d > self.vandaag:
            raise InvalidInput(f"{d} is in the future (today is {self.vandaag})", field=veld)
        if d < self.begin:
            raise InvalidInput(f"{d} is before the case's measures began ({self.begin})", field=veld)
        if self.sluitdatum is not None and d > self.sluitdatum:
            raise Conflict(f"the case was closed on {self.sluitdatum}; {veld} {d} is after that")


def op_volgorde(plaatsingen: list[Uithuisplaatsing]) -> list[Uithuisplaatsing]:
    """In the order they happened: by start, a placement of a few hours before the one the child
    went on to that day (the order the store loads them in)."""
    return sorted(plaatsingen, key=lambda p: (p.startdatum, p.einddatum or date.max, p.geregistreerd_op))


def controleer_netwerk(vorm: Plaatsingsvorm, in_netwerk: bool) -> None:
    verplicht = NETWERK_VAN_VORM.get(Plaatsingsvorm(vorm))
    if verplicht is not None and in_netwerk != verplicht:
        raise InvalidInput(f"{vorm} is {'always' if verplicht else 'never'} in the family's network",
                           field="in_netwerk")


def controleer_einde(plaatsing: Uithuisplaatsing, einddatum: date, periode: Periode) -> None:
    if einddatum < plaatsing.startdatum:
        raise InvalidInput(f"{einddatum} is before the placement's start ({plaatsing.startdatum})",
                           field="einddatum")
    periode.controleer(einddatum, "einddatum")


def eerste_overlap(nieuw: Uithuisplaatsing, bestaand: list[Uithuisplaatsing]) -> Uithuisplaatsing | None:
    """The child's recorded placement the new one would overlap (one child, one place at a time)."""
    return next((p for p in bestaand if p.kind_id == nieuw.kind_id and p.overlapt(nieuw)), None)
