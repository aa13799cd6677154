"""What happens to cases, as caseregie's domain says it, and the measure it takes them in from.
Pure: the wire contract is made of these in adapters/wire.py when the unit of work publishes them,
and a contract event read from a topic is made into one there too."""
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from contracts.vocabulary import (
    GI,
    AfwijzingReden,
    Jeugdhulpvorm,
    Maatregel,
    OverdrachtReden,
    Plaatsingsvorm,
    Sluitreden,
)


@dataclass(frozen=True)
class Kind:
    """A child as the chain may know it: a pseudonymous id and an age, never a name."""

    kind_id: UUID
    leeftijd: int


@dataclass(frozen=True)
class WachtendKind:
    """A child that got its fixed protector, with the days it waited for one."""

    kind_id: UUID
    wachtdagen: int


@dataclass(frozen=True)
class MaatregelImposed:
    """A measure was imposed on children of a family (read from the chain): they join a case."""

    maatregel_id: UUID
    melding_id: UUID
    advies_id: UUID
    gezin_id: UUID
    gemeente: str
    doelgroep: str
    maatregel: Maatregel
    route: str
    raadsonderzoek: bool
    startdatum: date
    gi: GI
    kinderen: list[Kind]
    opgelegd_op: datetime


@dataclass(frozen=True)
class CasusAssigned:
    """Children got a place at a GI: a new case, or a sibling joining the family's open case."""

    casus_id: UUID
    melding_id: UUID
    gezin_id: UUID
    gemeente: str
    gi: GI
    doelgroep: str
    maatregel: Maatregel
    nieuwe_casus: bool
    kinderen: list[Kind]  # the children added; empty when all were in the case already
    gi_reden: str | None  # why the case's GI is not the one the measure named
    toegewezen_op: datetime


@dataclass(frozen=True)
class JeugdbeschermerAssigned:
    """The case's GI gave its children their fixed protector, named only by a pseudonym."""

    casus_id: UUID
    gemeente: str
    gi: GI
    jeugdbeschermer_id: UUID | None
    kinderen: list[WachtendKind]
    toegewezen_op: datetime


@dataclass(frozen=True)
class OverdrachtRequested:
    """The case's GI asked to hand the case over; the free-text reason stays in the case."""

    overdracht_id: UUID
    casus_id: UUID
    gemeente: str
    van_gi: GI
    naar_gi: GI
    categorie: OverdrachtReden
    aangevraagd_op: datetime


@dataclass(frozen=True)
class OverdrachtApproved:
    """A manager of one of the two GIs approved a transfer. `van_gi` and `naar_gi` are None only
    in a decision recorded before decisions named both GIs (read back from the topic)."""

    overdracht_id: UUID
    casus_id: UUID
    gemeente: str
    gi: GI
    van_gi: GI | None
    naar_gi: GI | None
    manager_id: UUID | None
    goedgekeurd_op: datetime


@dataclass(frozen=True)
class OverdrachtRejected:
    """A manager of one of the two GIs rejected a transfer (its category; the text stays here).
    `van_gi` and `naar_gi` as in OverdrachtApproved."""

    overdracht_id: UUID
    casus_id: UUID
    gemeente: str
    gi: GI
    van_gi: GI | None
    naar_gi: GI | None
    manager_id: UUID | None
    categorie: AfwijzingReden
    afgewezen_op: datetime


@dataclass(frozen=True)
class CasusTransferred:
    """Both GIs approved: the case moved, and its children wait for a protector again."""

    casus_id: UUID
    overdracht_id: UUID
    gemeente: str
    van_gi: GI
    naar_gi: GI
    categorie: OverdrachtReden
    kinderen: list[Kind]
    overgedragen_op: datetime


@dataclass(frozen=True)
class CasusClosed:
    """The case's GI closed the case."""

    casus_id: UUID
    gezin_id: UUID
    gemeente: str
    gi: GI
    reden: Sluitreden
    kinderen: list[Kind]
    gesloten_op: datetime


@dataclass(frozen=True)
class DrangOverdue:
    """An open case passed a drang limit (`termijn`, flagged once)."""

    casus_id: UUID
    gemeente: str
    gi: GI
    termijn: str
    startdatum: date
    gesignaleerd_op: datetime


@dataclass(frozen=True)
class UithuisplaatsingStarted:
    """The case's GI recorded that a child of the case was placed out of home (from `startdatum`)."""

    plaatsing_id: UUID
    casus_id: UUID
    gezin_id: UUID
    gemeente: str
    gi: GI
    kind_id: UUID
    vorm: Plaatsingsvorm
    in_netwerk: bool
    startdatum: date
    geregistreerd_op: datetime


@dataclass(frozen=True)
class UithuisplaatsingEnded:
    """A placement ended on `einddatum` (the child went home, or on to its next placement)."""

    plaatsing_id: UUID
    casus_id: UUID
    gemeente: str
    gi: GI
    kind_id: UUID
    vorm: Plaatsingsvorm
    in_netwerk: bool
    startdatum: date
    einddatum: date
    geregistreerd_op: datetime


@dataclass(frozen=True)
class JeugdhulpStarted:
    """The case's GI recorded that youth care of a kind started for a child of the case."""

    jeugdhulp_id: UUID
    casus_id: UUID
    gezin_id: UUID
    gemeente: str
    gi: GI
    kind_id: UUID
    vorm: Jeugdhulpvorm
    startdatum: date
    geregistreerd_op: datetime


# What a case event is: the events the domain returns, and the GIs' webhooks receive.
CasusEvent = (CasusAssigned | JeugdbeschermerAssigned | OverdrachtRequested | OverdrachtApproved
              | OverdrachtRejected | CasusTransferred | CasusClosed | DrangOverdue
              | UithuisplaatsingStarted | UithuisplaatsingEnded | JeugdhulpStarted)
