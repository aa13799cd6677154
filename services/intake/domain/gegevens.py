"""A report's contents as the domain reads them: the report as submitted (Meldingsgegevens), an
aanvulling to it, and the family and reporter it names. Pure values, read by attribute.

The people in them are personal data and stay in intake. A child in a received report carries its
pseudonymous id (`kind_id`); past the retention term only that id and the child's age when
reported (`leeftijd`) are kept, and of the reporter only the organisation (domain/bewaartermijn.py).
"""
from dataclasses import dataclass, fields
from datetime import date
from uuid import UUID


@dataclass(frozen=True)
class Kind:
    voornaam: str | None = None
    achternaam: str | None = None
    geboortedatum: date | None = None  # needed for a complete report
    bsn: str | None = None
    kind_id: UUID | None = None  # the child's pseudonym, once the report is received
    leeftijd: int | None = None  # its age when reported: kept once its personal data are erased


@dataclass(frozen=True)
class Ouder:
    voornaam: str | None = None
    achternaam: str | None = None
    bsn: str | None = None


@dataclass(frozen=True)
class Gezin:
    kinderen: tuple[Kind, ...] = ()
    ouders: tuple[Ouder, ...] = ()


@dataclass(frozen=True)
class Melder:
    """Who reported it: the organisation, and the person's name and contact details."""

    organisatie: str | None = None
    naam: str | None = None
    telefoon: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class Meldingsgegevens:
    """A report as submitted, validated at the edge (it may still be incomplete: domain/model.py)."""

    gemeente: str
    melder: Melder
    urgentie: str
    kader: str | None = None
    gezin: Gezin = Gezin()
    zorgen: tuple[str, ...] = ()
    kenmerken: tuple[str, ...] = ()
    toelichting: str | None = None


@dataclass(frozen=True)
class Aanvulling:
    """The parts given to complete an urgent report; None is a part not given (it stays as it is).
    A given part replaces the report's: an empty tuple of concerns is given, and empty."""

    gezin: Gezin | None = None
    zorgen: tuple[str, ...] | None = None
    kenmerken: tuple[str, ...] | None = None
    kader: str | None = None
    toelichting: str | None = None

    @property
    def is_empty(self) -> bool:
        return all(getattr(self, part) is None for part in AANVULBAAR)


AANVULBAAR = tuple(f.name for f in fields(Aanvulling))  # what an aanvulling may carry
