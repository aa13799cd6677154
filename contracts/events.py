"""Event payloads (the CloudEvents `data`). No personal data: ids are pseudonymous."""
from datetime import datetime
from typing import ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from contracts import topics
from contracts.vocabulary import GI, Kader, Kenmerk, Urgentie, Zorg

MAX_LEEFTIJD = 25  # oldest age a child in the chain can have (jeugdreclassering runs into young adulthood)


class Event(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    type: ClassVar[str]
    topic: ClassVar[topics.Topic]

    @property
    def key(self) -> str:
        return str(getattr(self, self.topic.key))

    @property
    def subject(self) -> str:
        return self.key


class Kind(BaseModel):
    """A child as consumers see it: pseudonymous id and age, nothing identifying."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind_id: UUID = Field(description="Pseudonymous id of the child, stable per BSN.")
    leeftijd: int = Field(ge=0, le=MAX_LEEFTIJD, description="Age in whole years when reported.")


class MeldingReceived(Event):
    """A local team's care report (zorgmelding) was accepted by intake."""

    type: ClassVar[str] = "nl.jbketen.melding.received.v1"
    topic: ClassVar[topics.Topic] = topics.MELDINGEN

    melding_id: UUID
    gezin_id: UUID = Field(description="Pseudonymous id of the family (gezin).")
    gemeente: str = Field(pattern=r"^GM\d{4}$")
    urgentie: Urgentie
    kader: Kader | None = None
    kinderen: list[Kind] = Field(min_length=1)
    zorgen: list[Zorg]
    kenmerken: list[Kenmerk]
    ontvangen_op: datetime


class TriageCompleted(Event):
    """The target-group rules decided which expertise the report needs."""

    type: ClassVar[str] = "nl.jbketen.triage.completed.v1"
    topic: ClassVar[topics.Topic] = topics.TRIAGE

    melding_id: UUID
    gezin_id: UUID
    gemeente: str
    doelgroep: str = Field(description="Target group, e.g. 'lvb' or 'grijs_gebied'.")
    vereiste_gi: GI | None = Field(description="GI required by expertise; null in a grey area.")
    regelset_versie: str
    regel: str = Field(description="Id of the rule that fired.")
    toelichting: str = Field(description="Readable explanation of the decision.")
    besloten_op: datetime


class AdviesIssued(Event):
    """The RvdK advises the court on the GI that should take the case, with the reason."""

    type: ClassVar[str] = "nl.jbketen.advies.issued.v1"
    topic: ClassVar[topics.Topic] = topics.ADVIEZEN

    advies_id: UUID
    melding_id: UUID
    gezin_id: UUID
    gemeente: str
    urgentie: Urgentie
    doelgroep: str
    gi: GI
    reden: str
    kinderen: list[Kind] = Field(min_length=1)
    geadviseerd_op: datetime


class CasusAssigned(Event):
    """A GI took the case (one family, one plan)."""

    type: ClassVar[str] = "nl.jbketen.casus.assigned.v1"
    topic: ClassVar[topics.Topic] = topics.CASUSSEN

    casus_id: UUID
    melding_id: UUID
    gezin_id: UUID
    gemeente: str
    gi: GI
    doelgroep: str
    kinderen: list[Kind] = Field(min_length=1)
    toegewezen_op: datetime


class OverdrachtRequested(Event):
    """A transfer of a case to another GI was requested (needs both managers' approval)."""

    type: ClassVar[str] = "nl.jbketen.overdracht.requested.v1"
    topic: ClassVar[topics.Topic] = topics.CASUSSEN

    overdracht_id: UUID
    casus_id: UUID
    gemeente: str
    van_gi: GI
    naar_gi: GI
    reden: str
    aangevraagd_op: datetime


class CapacitySignal(Event):
    """Live availability of one GI, published whenever it changes."""

    type: ClassVar[str] = "nl.jbketen.capacity.signal.v1"
    topic: ClassVar[topics.Topic] = topics.CAPACITY_SIGNALS

    gi: GI
    vrije_plaatsen: int = Field(description="Free slots: norm slots minus children in care.")
    plaatsen: int = Field(ge=0, description="Norm slots: youth protectors x caseload norm.")
    kinderen_in_zorg: int = Field(ge=0)
    jeugdbeschermers: int = Field(ge=0)
    caseload_norm: int = Field(ge=0)
    tijdstip: datetime = Field(description="When this availability was measured.")


EVENT_TYPES: dict[str, type[Event]] = {
    cls.type: cls
    for cls in (
        MeldingReceived,
        TriageCompleted,
        AdviesIssued,
        CasusAssigned,
        OverdrachtRequested,
        CapacitySignal,
    )
}


def event_class(event_type: str) -> type[Event]:
    try:
        return EVENT_TYPES[event_type]
    except KeyError:
        raise ValueError(f"unknown event type {event_type!r}") from None
