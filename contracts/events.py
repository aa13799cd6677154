"""Event payloads (the CloudEvents `data`). No personal data: ids are pseudonymous.

No event carries a person's name, BSN, birth date, phone, address or text a person typed: reasons
travel as categories (the text stays in the service that owns it), people as pseudonymous ids
(keyed hashes). Every string is a code, an id, or one of a few explanations the system itself
generates (tests/unit/test_event_privacy.py keeps it so).
"""
from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from contracts import topics
from contracts.vocabulary import (
    GI,
    MAX_LEEFTIJD,
    AfwijkingReden,
    AfwijzingReden,
    ConsultatieCategorie,
    Jeugdhulpvorm,
    Kader,
    Kenmerk,
    Maatregel,
    OverdrachtReden,
    Plaatsingsvorm,
    RegelsetAfwijzingReden,
    Sluitreden,
    Urgentie,
    Zorg,
)

Gemeentecode = Annotated[str, Field(pattern=r"^GM\d{4}$", description="CBS municipality code.")]
# A code of the chain's rules: a target group, an expertise or team, a rule's id.
Code = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,49}$", max_length=50)]
Versie = Annotated[str, Field(pattern=r"^[0-9A-Za-z][0-9A-Za-z._-]{0,19}$", max_length=20)]
# A field of a report, as a path: gezin.kinderen[0].geboortedatum
Veldpad = Annotated[str, Field(pattern=r"^[a-z_]+(\[\d+\])?(\.[a-z_]+(\[\d+\])?)*$", max_length=100)]


class Event(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    type: ClassVar[str]
    topic: ClassVar[topics.Topic]
    # Fields earlier versions of the event carried and this one does not (free text, names): an
    # event recorded before is still read (from an outbox, a topic, a history) without them.
    retired: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="before")
    @classmethod
    def _without_retired_fields(cls, data: Any) -> Any:
        if cls.retired and isinstance(data, dict) and cls.retired & data.keys():
            return cls.upgrade({k: v for k, v in data.items() if k not in cls.retired}, data)
        return data

    @classmethod
    def upgrade(cls, data: dict, recorded: dict) -> dict:
        """An event recorded in an earlier version, without its retired fields (`recorded`: as it
        was); override to derive a new field from the old ones."""
        return data

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
    """A local team's care report (zorgmelding) is complete and enters the chain."""

    type: ClassVar[str] = "nl.jbketen.melding.received.v1"
    topic: ClassVar[topics.Topic] = topics.MELDINGEN

    melding_id: UUID
    gezin_id: UUID = Field(description="Pseudonymous id of the family (gezin), stable across reports.")
    gemeente: Gemeentecode
    urgentie: Urgentie
    kader: Kader | None = None
    kinderen: list[Kind] = Field(min_length=1)
    zorgen: list[Zorg]
    kenmerken: list[Kenmerk]
    herhaald_beroep: bool = Field(
        default=False, description="A re-report: the family's case closed less than 12 months ago.")
    ontvangen_op: datetime


class MeldingCompletionOverdue(Event):
    """An urgent report (spoedmelding) was not completed before its deadline."""

    type: ClassVar[str] = "nl.jbketen.melding.completion-overdue.v1"
    topic: ClassVar[topics.Topic] = topics.MELDINGEN

    melding_id: UUID
    gemeente: Gemeentecode
    ontvangen_op: datetime
    aanvullen_voor: datetime = Field(description="The completion deadline that passed.")
    ontbrekend: list[Veldpad] = Field(max_length=100, description="Fields still missing.")
    gesignaleerd_op: datetime


class TriageCompleted(Event):
    """The target-group rules decided which expertise the report needs."""

    type: ClassVar[str] = "nl.jbketen.triage.completed.v1"
    topic: ClassVar[topics.Topic] = topics.TRIAGE

    melding_id: UUID
    gezin_id: UUID
    gemeente: Gemeentecode
    doelgroep: Code = Field(description="Target group, e.g. 'lvb' or 'grijs_gebied'.")
    expertise: Code | None = Field(description="Expertise the report needs; null in a grey area.")
    geschikte_gis: list[GI] = Field(description="GIs with that expertise (all GIs in a grey area).")
    regelset_versie: Versie
    regel: Code = Field(description="Id of the rule that fired.")
    toelichting: str = Field(description="Readable explanation of the decision, generated from the rule "
                                         "that fired (the ruleset's text, never a person's).")
    besloten_op: datetime


class AdviesIssued(Event):
    """The RvdK's advice to the court on the GI, confirmed or overridden, with the reason."""

    type: ClassVar[str] = "nl.jbketen.advies.issued.v1"
    topic: ClassVar[topics.Topic] = topics.ADVIEZEN
    retired: ClassVar[frozenset[str]] = frozenset({"afwijking_reden"})

    advies_id: UUID
    melding_id: UUID
    gezin_id: UUID
    gemeente: Gemeentecode
    urgentie: Urgentie
    doelgroep: Code
    gi: GI = Field(description="The GI the RvdK advises.")
    reden: str = Field(description="Why this GI, generated by triage: the proposal's ranking, or the "
                                   "override with its category (the RvdK's own text stays in triage).")
    voorgestelde_gi: GI = Field(description="The GI the proposal ranked first.")
    afwijking: bool = Field(description="True when the RvdK overrode the proposal.")
    afwijking_categorie: AfwijkingReden | None = Field(
        default=None, description="The override's reason category, chosen by the RvdK; null when the "
                                  "proposal was confirmed (or in overrides recorded before categories).")
    bevestigd_door: Literal["rvdk", "automatisch"] = Field(
        description="'rvdk', or 'automatisch' in auto-confirm mode.")
    kinderen: list[Kind] = Field(min_length=1)
    geadviseerd_op: datetime

    @classmethod
    def upgrade(cls, data: dict, recorded: dict) -> dict:
        """An override recorded with its free text had it in `reden` too: only the generated part
        before the text stays."""
        if recorded.get("afwijking") and isinstance(data.get("reden"), str):
            data["reden"] = data["reden"].split(":", 1)[0].rstrip(".") + "."
        return data


class MaatregelImposed(Event):
    """A measure starts: the court's ruling (OTS, voogdij, JR) or a JB-plein drang decision."""

    type: ClassVar[str] = "nl.jbketen.maatregel.imposed.v1"
    topic: ClassVar[topics.Topic] = topics.ADVIEZEN

    maatregel_id: UUID
    melding_id: UUID
    advies_id: UUID
    gezin_id: UUID
    gemeente: Gemeentecode
    doelgroep: Code
    maatregel: Maatregel
    route: Literal["rechtbank", "jb_plein"] = Field(
        description="'rechtbank' (court ruling) or 'jb_plein' (drang, no court).")
    raadsonderzoek: bool = Field(description="Whether the RvdK investigated (matters for drang limits).")
    startdatum: date
    gi: GI
    kinderen: list[Kind] = Field(min_length=1)
    opgelegd_op: datetime


class CasusAssigned(Event):
    """Children got a place at a GI: a new case, or a sibling joining the family's open case."""

    type: ClassVar[str] = "nl.jbketen.casus.assigned.v1"
    topic: ClassVar[topics.Topic] = topics.CASUSSEN

    casus_id: UUID
    melding_id: UUID
    gezin_id: UUID
    gemeente: Gemeentecode
    gi: GI
    doelgroep: Code
    maatregel: Maatregel
    nieuwe_casus: bool = Field(description="False when the children joined an existing open case.")
    kinderen: list[Kind] = Field(description="The children this event adds to the case; empty when the "
                                             "report only concerns children already in it.")
    gi_reden: str | None = Field(
        default=None, description="Why the case is at another GI than the measure named (system text, "
                                  "e.g. 'Eén gezin, één plan: …'); null when it is at that GI.")
    toegewezen_op: datetime


class WachtendKind(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind_id: UUID
    wachtdagen: int = Field(ge=0, description="Days waited for a fixed youth protector.")


class JeugdbeschermerAssigned(Event):
    """The GI gave the case's children their fixed youth protector (vaste jeugdbeschermer)."""

    type: ClassVar[str] = "nl.jbketen.jeugdbeschermer.assigned.v1"
    topic: ClassVar[topics.Topic] = topics.CASUSSEN

    casus_id: UUID
    gemeente: Gemeentecode
    gi: GI
    jeugdbeschermer_id: UUID | None = Field(
        description="Pseudonymous id of the protector: a keyed hash of the GI and its staff code, the "
                    "same for the same protector (the code and name stay in caseregie); null in events "
                    "recorded before, which carried the staff code itself.")
    kinderen: list[WachtendKind] = Field(min_length=1)
    toegewezen_op: datetime

    @field_validator("jeugdbeschermer_id", mode="before")
    @classmethod
    def _not_a_staff_code(cls, value: Any) -> Any:
        """Events recorded before pseudonyms carried the staff code: it is not kept."""
        if isinstance(value, str):
            try:
                UUID(value)
            except ValueError:
                return None
        return value


class OverdrachtRequested(Event):
    """A transfer of a case to another GI was requested (needs both managers' approval)."""

    type: ClassVar[str] = "nl.jbketen.overdracht.requested.v1"
    topic: ClassVar[topics.Topic] = topics.CASUSSEN
    retired: ClassVar[frozenset[str]] = frozenset({"reden"})

    overdracht_id: UUID
    casus_id: UUID
    gemeente: Gemeentecode
    van_gi: GI
    naar_gi: GI
    categorie: OverdrachtReden = Field(
        description="The reason category chosen by the requesting GI (its own text stays in caseregie).")
    aangevraagd_op: datetime


class OverdrachtApproved(Event):
    """One GI's manager approved a transfer (both must, before the case moves)."""

    type: ClassVar[str] = "nl.jbketen.overdracht.approved.v1"
    topic: ClassVar[topics.Topic] = topics.CASUSSEN
    retired: ClassVar[frozenset[str]] = frozenset({"manager"})

    overdracht_id: UUID
    casus_id: UUID
    gemeente: Gemeentecode
    gi: GI = Field(description="The GI whose manager approved.")
    van_gi: GI | None = Field(default=None, description="The GI the case would move from (null only in "
                                                        "events recorded before this field existed).")
    naar_gi: GI | None = Field(default=None, description="The GI the case would move to (null only in "
                                                         "events recorded before this field existed).")
    manager_id: UUID | None = Field(
        default=None, description="Pseudonymous id of the deciding manager: a keyed hash of the token's "
                                  "subject (who it is stays in caseregie); null in events recorded before.")
    goedgekeurd_op: datetime


class OverdrachtRejected(Event):
    """One GI's manager rejected a transfer; it ends there and the case stays."""

    type: ClassVar[str] = "nl.jbketen.overdracht.rejected.v1"
    topic: ClassVar[topics.Topic] = topics.CASUSSEN
    retired: ClassVar[frozenset[str]] = frozenset({"manager", "reden"})

    overdracht_id: UUID
    casus_id: UUID
    gemeente: Gemeentecode
    gi: GI = Field(description="The GI whose manager rejected.")
    van_gi: GI | None = Field(default=None, description="The GI the case would have moved from (null only "
                                                        "in events recorded before this field existed).")
    naar_gi: GI | None = Field(default=None, description="The GI the case would have moved to (null only "
                                                         "in events recorded before this field existed).")
    manager_id: UUID | None = Field(
        default=None, description="Pseudonymous id of the deciding manager: a keyed hash of the token's "
                                  "subject (who it is stays in caseregie); null in events recorded before.")
    categorie: AfwijzingReden = Field(
        default=AfwijzingReden.OVERIG,
        description="The rejection's reason category, chosen by the manager (the text stays in caseregie; "
                    "'overig' in events recorded before categories).")
    afgewezen_op: datetime


class CasusTransferred(Event):
    """Both managers approved: the case moved to another GI; its protector is cleared."""

    type: ClassVar[str] = "nl.jbketen.casus.transferred.v1"
    topic: ClassVar[topics.Topic] = topics.CASUSSEN
    retired: ClassVar[frozenset[str]] = frozenset({"reden"})

    casus_id: UUID
    overdracht_id: UUID
    gemeente: Gemeentecode
    van_gi: GI
    naar_gi: GI
    categorie: OverdrachtReden = Field(
        description="The reason category chosen by the requesting GI (its own text stays in caseregie).")
    kinderen: list[Kind] = Field(min_length=1)
    overgedragen_op: datetime


class CasusClosed(Event):
    """The measure ended; the case closed, e.g. scaled down to the local team (afschaling)."""

    type: ClassVar[str] = "nl.jbketen.casus.closed.v1"
    topic: ClassVar[topics.Topic] = topics.CASUSSEN

    casus_id: UUID
    gezin_id: UUID
    gemeente: Gemeentecode
    gi: GI
    reden: Sluitreden
    kinderen: list[Kind] = Field(min_length=1)
    gesloten_op: datetime


class DrangOverdue(Event):
    """A drang case passed a time limit: 3 months without RvdK investigation, or 6 months."""

    type: ClassVar[str] = "nl.jbketen.drang.overdue.v1"
    topic: ClassVar[topics.Topic] = topics.CASUSSEN

    casus_id: UUID
    gemeente: Gemeentecode
    gi: GI
    termijn: Literal["3_maanden_zonder_raadsonderzoek", "6_maanden"] = Field(
        description="'3_maanden_zonder_raadsonderzoek' or '6_maanden'.")
    startdatum: date
    gesignaleerd_op: datetime


class ExpertiseCapaciteit(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    expertise: Code = Field(description="Expertise or area team, e.g. 'lvb' or 'algemeen'.")
    plaatsen: int = Field(ge=0)
    kinderen_in_zorg: int = Field(ge=0)
    vrije_plaatsen: int


class Actualiteit(BaseModel):
    """How current a service's figures are: while it catches up on a backlog (after a restart or a
    lost broker) they are complete only up to the newest event it handled."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    bijgewerkt_tot: datetime | None = Field(
        description="The moment of the newest event the figures include (null: none handled since "
                    "the service started).")
    achterstand: int | None = Field(
        ge=0, description="Events on the service's topics it had not read yet (null: not known "
                          "yet, the service is still joining its consumer group); 0 when up to date.")
    bijgewerkt: bool = Field(description="True when nothing was left to read: the figures are current.")

    @classmethod
    def van(cls, bijgewerkt_tot: datetime | None, achterstand: int | None) -> "Actualiteit":
        return cls(bijgewerkt_tot=bijgewerkt_tot, achterstand=achterstand, bijgewerkt=achterstand == 0)


class CapacitySignal(Event):
    """Live availability of one GI, published whenever something visible changed."""

    type: ClassVar[str] = "nl.jbketen.capacity.signal.v1"
    topic: ClassVar[topics.Topic] = topics.CAPACITY_SIGNALS

    gi: GI
    vrije_plaatsen: int = Field(description="Free slots: norm slots minus children in care.")
    plaatsen: int = Field(ge=0, description="Norm slots: available youth protectors x caseload norm.")
    kinderen_in_zorg: int = Field(ge=0)
    jeugdbeschermers: int = Field(ge=0)
    afwezig: int = Field(default=0, ge=0, description="Youth protectors temporarily absent.")
    caseload_norm: int = Field(ge=0)
    wachtend: int = Field(default=0, ge=0, description="Children with a measure but no fixed protector.")
    langste_wachtdagen: int = Field(default=0, ge=0)
    per_expertise: list[ExpertiseCapaciteit] = Field(default_factory=list)
    tijdstip: datetime = Field(description="When this availability was measured.")
    actualiteit: Actualiteit | None = Field(
        default=None, description="How current the figure is: while capacity catches up on a "
                                  "backlog, up to which event and how many are left (absent in "
                                  "signals recorded before this field existed).")


class EscalatieCijfers(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    vrije_plaatsen_regio: int
    gis_op_of_over_norm: list[GI]
    wachtend: int
    langste_wachtdagen: int


class EscalationRaised(Event):
    """The region is running out: an escalation opened, or its level went up."""

    type: ClassVar[str] = "nl.jbketen.escalatie.raised.v1"
    topic: ClassVar[topics.Topic] = topics.ESCALATIES

    escalatie_id: UUID
    niveau: int = Field(ge=1, le=3)
    redenen: list[str] = Field(min_length=1, max_length=10,
                               description="The thresholds crossed, readable (generated by capacity).")
    cijfers: EscalatieCijfers
    gestart_op: datetime
    tijdstip: datetime
    escalatieplan_versie: Versie | None = Field(
        default=None, description="The escalation plan version the escalation follows (the one active "
                                  "when it opened); null in events recorded before plans.")
    maatregelen: list[Code] = Field(
        default_factory=list, max_length=20,
        description="The plan's measures in force at this level, e.g. "
                    "'wachtenden_op_urgentie_en_wachtdagen'.")


EscalatiePartij = Literal["rvdk", "JBRR", "WSS", "LJR", "grjr"]


class EscalatieBevestigd(Event):
    """A party of the escalation's level acknowledged it (once per party and level). Time to
    acknowledge: bevestigd_op minus niveau_sinds."""

    type: ClassVar[str] = "nl.jbketen.escalatie.bevestigd.v1"
    topic: ClassVar[topics.Topic] = topics.ESCALATIES

    escalatie_id: UUID
    partij: EscalatiePartij = Field(description="Who acknowledged: the RvdK, a GI, or the region (grjr).")
    niveau: int = Field(ge=1, le=3, description="The level acknowledged.")
    niveau_sinds: datetime = Field(description="When the escalation reached this level (and its parties "
                                               "were told).")
    bevestigd_op: datetime
    gestart_op: datetime = Field(description="When the escalation opened.")


class GiWeekcijfer(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    gi: GI
    vrije_plaatsen: int
    wachtend: int = Field(ge=0)
    langste_wachtdagen: int = Field(ge=0)


class EscalatieWeekcijfer(Event):
    """The week's figures per GI, for the region (GRJR), while an escalation with that measure is open."""

    type: ClassVar[str] = "nl.jbketen.escalatie.weekcijfer.v1"
    topic: ClassVar[topics.Topic] = topics.ESCALATIES

    escalatie_id: UUID
    week: str = Field(pattern=r"^\d{4}-W\d{2}$", description="ISO week in the region's calendar.")
    per_gi: list[GiWeekcijfer] = Field(min_length=1, max_length=3)
    tijdstip: datetime


class EscalationCleared(Event):
    """Capacity recovered past the thresholds (with hysteresis): the escalation ends."""

    type: ClassVar[str] = "nl.jbketen.escalatie.cleared.v1"
    topic: ClassVar[topics.Topic] = topics.ESCALATIES

    escalatie_id: UUID
    hoogste_niveau: int = Field(ge=1, le=3)
    cijfers: EscalatieCijfers
    gestart_op: datetime
    beeindigd_op: datetime


class UithuisplaatsingStarted(Event):
    """A GI placed a child of one of its cases out of home (recorded by the GI's system)."""

    type: ClassVar[str] = "nl.jbketen.uithuisplaatsing.started.v1"
    topic: ClassVar[topics.Topic] = topics.CASUSSEN

    plaatsing_id: UUID
    casus_id: UUID
    gezin_id: UUID
    gemeente: Gemeentecode
    gi: GI
    kind_id: UUID = Field(description="Pseudonymous id of the placed child (one of the case's children).")
    vorm: Plaatsingsvorm
    in_netwerk: bool = Field(description="Placed within the family's own network (beweging van nul).")
    startdatum: date
    geregistreerd_op: datetime


class UithuisplaatsingEnded(Event):
    """An out-of-home placement ended (the child went home, or on to another placement)."""

    type: ClassVar[str] = "nl.jbketen.uithuisplaatsing.ended.v1"
    topic: ClassVar[topics.Topic] = topics.CASUSSEN

    plaatsing_id: UUID
    casus_id: UUID
    gemeente: Gemeentecode
    gi: GI
    kind_id: UUID
    vorm: Plaatsingsvorm
    in_netwerk: bool
    startdatum: date
    einddatum: date
    geregistreerd_op: datetime


class JeugdhulpStarted(Event):
    """Youth care started for a child of a case (recorded by the GI's system)."""

    type: ClassVar[str] = "nl.jbketen.jeugdhulp.started.v1"
    topic: ClassVar[topics.Topic] = topics.CASUSSEN

    jeugdhulp_id: UUID
    casus_id: UUID
    gezin_id: UUID
    gemeente: Gemeentecode
    gi: GI
    kind_id: UUID
    vorm: Jeugdhulpvorm
    startdatum: date
    geregistreerd_op: datetime


class ConsultatieRequested(Event):
    """A local team asked for consultation & advice (C&A), and triage routed it to a GI."""

    type: ClassVar[str] = "nl.jbketen.consultatie.requested.v1"
    topic: ClassVar[topics.Topic] = topics.CONSULTATIES

    consultatie_id: UUID
    gemeente: Gemeentecode
    categorie: ConsultatieCategorie
    gezin_id: UUID | None = Field(default=None, description="Pseudonymous id of the family, if given.")
    gi: GI = Field(description="The GI the question went to.")
    expertise: Code | None = Field(description="The factsheet's expertise that decided it; null when "
                                               "the category names none (the share decided).")
    reden: str = Field(max_length=500, description="Why this GI: generated by triage.")
    aangevraagd_op: datetime


class ConsultatieUrenRecorded(Event):
    """A GI recorded hours spent on a C&A request."""

    type: ClassVar[str] = "nl.jbketen.consultatie.uren-recorded.v1"
    topic: ClassVar[topics.Topic] = topics.CONSULTATIES

    consultatie_id: UUID
    registratie_id: UUID
    gemeente: Gemeentecode
    categorie: ConsultatieCategorie
    gi: GI
    uren: float = Field(gt=0, le=100, description="Hours spent, in quarters of an hour at least.")
    datum: date = Field(description="The day the hours were spent.")
    geregistreerd_op: datetime


class RegelsetProposed(Event):
    """A GI's manager proposed a new version of the target-group rules; it takes effect only once the
    managers of all three GIs approved it."""

    type: ClassVar[str] = "nl.jbketen.regelset.proposed.v1"
    topic: ClassVar[topics.Topic] = topics.REGELSETS

    voorstel_id: UUID
    versie: Versie
    basis_versie: Versie = Field(description="The active version it changes.")
    voorgesteld_door: GI = Field(description="The GI whose manager proposed it.")
    regels_toegevoegd: list[Code] = Field(max_length=200, description="Ids of the rules it adds.")
    regels_verwijderd: list[Code] = Field(max_length=200, description="Ids of the rules it removes.")
    regels_gewijzigd: list[Code] = Field(max_length=200, description="Ids of the rules it changes (a "
                                         "field, or their order among the rules both versions have).")
    expertises_gewijzigd: list[Code] = Field(max_length=200, description="Expertises of the factsheet "
                                             "added, removed, or held by other GIs.")
    voorgesteld_op: datetime


class RegelsetApproved(Event):
    """One GI's manager approved a proposed ruleset version (all three must, before it takes effect)."""

    type: ClassVar[str] = "nl.jbketen.regelset.approved.v1"
    topic: ClassVar[topics.Topic] = topics.REGELSETS

    voorstel_id: UUID
    versie: Versie
    gi: GI = Field(description="The GI whose manager approved.")
    goedgekeurd_door: list[GI] = Field(max_length=3, description="Every GI that approved so far, this one "
                                                                 "included, in the order they did.")
    goedgekeurd_op: datetime


class RegelsetRejected(Event):
    """One GI's manager rejected a proposed ruleset version: the proposal ends, the active version stays."""

    type: ClassVar[str] = "nl.jbketen.regelset.rejected.v1"
    topic: ClassVar[topics.Topic] = topics.REGELSETS

    voorstel_id: UUID
    versie: Versie
    gi: GI = Field(description="The GI whose manager rejected.")
    categorie: RegelsetAfwijzingReden = Field(description="The rejection's reason category (the manager's "
                                                          "own words, if any, stay in triage).")
    afgewezen_op: datetime


class RegelsetActivated(Event):
    """All three GIs approved: from this moment the version decides every new report (each decision
    names it in `triage.completed`). For the RvdK, which advises on the GIs by these rules."""

    type: ClassVar[str] = "nl.jbketen.regelset.activated.v1"
    topic: ClassVar[topics.Topic] = topics.REGELSETS

    voorstel_id: UUID
    versie: Versie
    vorige_versie: Versie = Field(description="The version that decided until now.")
    goedgekeurd_door: list[GI] = Field(min_length=3, max_length=3,
                                       description="The three GIs, in the order they approved.")
    vervallen_voorstellen: list[UUID] = Field(
        default_factory=list, max_length=200,
        description="Other open proposals, made against the previous version, that ended with this one.")
    geactiveerd_op: datetime


EVENT_TYPES: dict[str, type[Event]] = {
    cls.type: cls
    for cls in (
        MeldingReceived,
        MeldingCompletionOverdue,
        TriageCompleted,
        AdviesIssued,
        MaatregelImposed,
        CasusAssigned,
        JeugdbeschermerAssigned,
        OverdrachtRequested,
        OverdrachtApproved,
        OverdrachtRejected,
        CasusTransferred,
        CasusClosed,
        DrangOverdue,
        CapacitySignal,
        EscalationRaised,
        EscalationCleared,
        EscalatieBevestigd,
        EscalatieWeekcijfer,
        UithuisplaatsingStarted,
        UithuisplaatsingEnded,
        JeugdhulpStarted,
        ConsultatieRequested,
        ConsultatieUrenRecorded,
        RegelsetProposed,
        RegelsetApproved,
        RegelsetRejected,
        RegelsetActivated,
    )
}


def event_class(event_type: str) -> type[Event]:
    try:
        return EVENT_TYPES[event_type]
    except KeyError:
        raise ValueError(f"unknown event type {event_type!r}") from None
