"""The GIs' reading (duiding) of a quarter's figures, and the marking of the quarter's report as
final (vaststelling). Pure.

A GI adds its reading to one KPI of the catalogue or, without a KPI, to its own figures of the
quarter. Until the quarter's report is final the readings are its text; once it is final (the
region marks it so, after the quarter has ended, once) the readings written before stay as they
are and a new reading is an addendum, with the moment it was written.

Who wrote it: the GI (the token's organisation), the author's role and, when the token gives it,
the author's name (`naam`), shown in the report; the token's subject is kept for accountability,
never shown. The infographic for a municipality names only the GI.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID

from runtime.errors import Conflict, InvalidInput
from services.reporting.domain.periodes import Periode

MAX_TEKST = 4000  # characters of one reading
MAX_PER_GI = 50  # readings (addenda included) of one GI for one quarter
FUNCTIES = {"gi_manager": "manager", "gi": "medewerker"}


@dataclass(frozen=True)
class Auteur:
    """Who wrote a reading: the token's subject (kept, not shown), role and name (if given)."""

    sub: str
    rol: str
    naam: str | None = None

    @property
    def getoond(self) -> str:
        """What the report shows of the author: the name the token gave, with the function."""
        functie = FUNCTIES.get(self.rol, self.rol)
        return f"{self.naam} ({functie})" if self.naam else functie


@dataclass(frozen=True)
class Duiding:
    id: UUID
    kwartaal: str
    gi: str
    kpi: str | None  # None: the GI's reading of its own figures as a whole
    tekst: str
    auteur: Auteur
    geschreven_op: datetime
    addendum: bool = False  # written after the report was marked final


@dataclass(frozen=True)
class Vaststelling:
    kwartaal: str
    vastgesteld_op: datetime
    door: str  # the token's subject (role regio)


def controleer_begonnen(p: Periode, vandaag: date) -> None:
    """A quarter that has not begun has no figures to read: invalid input."""
    if p.begin > vandaag:
        raise InvalidInput(f"{p.code} has not begun (today is {vandaag.isoformat()})", field="kwartaal")


@dataclass
class Kwartaalduidingen:
    """The aggregate: one quarter's readings and whether its report is final."""

    kwartaal: Periode
    vaststelling: Vaststelling | None = None
    duidingen: list[Duiding] = field(default_factory=list)

    @property
    def vastgesteld(self) -> bool:
        return self.vaststelling is not None

    def voeg_toe(self, *, duiding_id: UUID, gi: str, kpi: str | None, tekst: str, auteur: Auteur,
                 now: datetime, vandaag: date) -> Duiding:
        """A GI's new reading; after the final marking it is an addendum."""
        controleer_begonnen(self.kwartaal, vandaag)
        if not tekst.strip():
            raise InvalidInput("a reading needs text", field="tekst")
        if len(tekst) > MAX_TEKST:
            raise InvalidInput(f"a reading has at most {MAX_TEKST} characters", field="tekst")
        if sum(d.gi == gi for d in self.duidingen) >= MAX_PER_GI:
            raise Conflict(f"{gi} has {MAX_PER_GI} readings for {self.kwartaal.code}: the most one GI may "
                           "write for a quarter")
        duiding = Duiding(id=duiding_id, kwartaal=self.kwartaal.code, gi=gi, kpi=kpi, tekst=tekst,
                          auteur=auteur, geschreven_op=now, addendum=self.vastgesteld)
        self.duidingen.append(duiding)
        return duiding

    def stel_vast(self, *, door: str, now: datetime, vandaag: date) -> Vaststelling:
        """Mark the quarter's report final: once, and only after the quarter has ended."""
        controleer_begonnen(self.kwartaal, vandaag)
        if self.vaststelling is not None:
            raise Conflict(f"the report of {self.kwartaal.code} was marked final on "
                           f"{self.vaststelling.vastgesteld_op.isoformat()}; a reading added now is an "
                           "addendum")
        if self.kwartaal.einde >= vandaag:
            raise Conflict(f"{self.kwartaal.code} runs until {self.kwartaal.einde.isoformat()}: its report "
                           "can be marked final once the quarter has ended")
        self.vaststelling = Vaststelling(self.kwartaal.code, now, door)
        return self.vaststelling

    def bij_kpi(self, kpi: str | None) -> list[Duiding]:
        """The readings of one KPI (None: of the GIs' own figures), in the order they were written."""
        return [d for d in self.duidingen if d.kpi == kpi]
