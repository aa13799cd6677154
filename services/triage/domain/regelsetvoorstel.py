"""A proposed version of the target-group rules: valid against the ruleset schema, its difference
from the active version rule by rule, and the approval of the managers of all three GIs before it
takes effect. Pure: no I/O.

open -> geactiveerd (the third GI approved: from that moment it decides new reports)
     -> afgewezen (one GI rejected: it ends there)
     -> vervallen (another version took effect first: a proposal changes the version it was made
                   against, so it is made again against the new one)
"""
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID, uuid4

from contracts.vocabulary import GI, RegelsetAfwijzingReden
from runtime.errors import Conflict, InvalidInput
from services.triage.domain.events import (
    RegelsetActivated,
    RegelsetApproved,
    RegelsetProposed,
    RegelsetRejected,
)
from services.triage.domain.model import (
    GI_VOLGORDE,
    Regel,
    Regelset,
    RegelsetOngeldig,
    versie_sleutel,
)


class VoorstelStatus(StrEnum):
    OPEN = "open"  # waiting for the GIs' managers
    GEACTIVEERD = "geactiveerd"  # all three approved: it took effect at `afgesloten_op`
    AFGEWEZEN = "afgewezen"  # one GI rejected
    VERVALLEN = "vervallen"  # another version took effect first


GOEDGEKEURD = "goedgekeurd"
AFGEWEZEN = "afgewezen"
TOEGEVOEGD, VERWIJDERD, GEWIJZIGD = "toegevoegd", "verwijderd", "gewijzigd"


# ---------------------------------------------------------------------------------------------
# The difference between two versions, rule by rule.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Veldwijziging:
    veld: str
    oud: object  # None: the field was not there (an added rule)
    nieuw: object  # None: it is not there any more (a removed rule)


@dataclass(frozen=True)
class Regelwijziging:
    regel: str
    wijziging: str  # toegevoegd | verwijderd | gewijzigd
    positie_oud: int | None  # 1-based, in the active version
    positie_nieuw: int | None  # 1-based, in the proposal
    velden: tuple[Veldwijziging, ...]


@dataclass(frozen=True)
class Expertisewijziging:
    expertise: str
    wijziging: str
    oud: tuple[GI, ...] | None
    nieuw: tuple[GI, ...] | None


@dataclass(frozen=True)
class Verschil:
    basis_versie: str
    regels: tuple[Regelwijziging, ...] = ()
    expertises: tuple[Expertisewijziging, ...] = ()
    velden: tuple[Veldwijziging, ...] = ()  # omschrijving, geldig_vanaf

    @property
    def leeg(self) -> bool:
        return not (self.regels or self.expertises or self.velden)

    def regel_ids(self, wijziging: str) -> list[str]:
        return [r.regel for r in self.regels if r.wijziging == wijziging]


def _inhoud(regel: Regel) -> dict:
    return {"doelgroep": regel.doelgroep, "expertise": regel.expertise, "als": regel.als.als_dict(),
            "toelichting": regel.toelichting}


def _regelwijzigingen(basis: Regelset, nieuw: Regelset) -> list[Regelwijziging]:
    """In the proposal's order, the removed rules after. A rule both versions have changed when a
    field did or when its order among the rules both have did (the first rule that holds decides)."""
    oud = {r.id: (i, r) for i, r in enumerate(basis.regels, start=1)}
    nu = {r.id: (i, r) for i, r in enumerate(nieuw.regels, start=1)}
    gedeeld_oud = [r.id for r in basis.regels if r.id in nu]
    gedeeld_nu = [r.id for r in nieuw.regels if r.id in oud]
    wijzigingen = []
    for positie, regel in enumerate(nieuw.regels, start=1):
        if regel.id not in oud:
            velden = tuple(Veldwijziging(k, None, v) for k, v in _inhoud(regel).items())
            wijzigingen.append(Regelwijziging(regel.id, TOEGEVOEGD, None, positie, velden))
            continue
        positie_oud, eerder = oud[regel.id]
        was = _inhoud(eerder)
        velden = [Veldwijziging(k, was[k], v) for k, v in _inhoud(regel).items() if was[k] != v]
        if gedeeld_oud.index(regel.id) != gedeeld_nu.index(regel.id):
            velden.append(Veldwijziging("positie", positie_oud, positie))
        if velden:
            wijzigingen.append(Regelwijziging(regel.id, GEWIJZIGD, positie_oud, positie, tuple(velden)))
    for positie, regel in enumerate(basis.regels, start=1):
        if regel.id not in nu:
            velden = tuple(Veldwijziging(k, v, None) for k, v in _inhoud(regel).items())
            wijzigingen.append(Regelwijziging(regel.id, VERWIJDERD, positie, None, velden))
    return wijzigingen


def _gis(gis: Iterable[GI]) -> tuple[GI, ...]:
    """A factsheet entry's GIs in the fixed order: which GIs have it matters, not their order."""
    return tuple(g for g in GI_VOLGORDE if g in set(gis))


def _expertisewijzigingen(basis: Regelset, nieuw: Regelset) -> list[Expertisewijziging]:
    wijzigingen = []
    for naam in [*basis.expertises, *(n for n in nieuw.expertises if n not in basis.expertises)]:
        oud = _gis(basis.expertises[naam]) if naam in basis.expertises else None
        nu = _gis(nieuw.expertises[naam]) if naam in nieuw.expertises else None
        if oud != nu:
            soort = TOEGEVOEGD if oud is None else VERWIJDERD if nu is None else GEWIJZIGD
            wijzigingen.append(Expertisewijziging(naam, soort, oud, nu))
    return wijzigingen


def verschil(basis: Regelset, nieuw: Regelset) -> Verschil:
    """What the proposal changes against the version it was made against, rule by rule."""
    velden = tuple(Veldwijziging(k, getattr(basis, k) or None, getattr(nieuw, k) or None)
                   for k in ("omschrijving", "geldig_vanaf") if getattr(basis, k) != getattr(nieuw, k))
    return Verschil(basis.versie, tuple(_regelwijzigingen(basis, nieuw)),
                    tuple(_expertisewijzigingen(basis, nieuw)), velden)


# ---------------------------------------------------------------------------------------------
# The proposal and the GIs' decisions on it.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Beslissing:
    """One GI's decision, by its manager: the token's subject and name, kept in triage (the events
    name the GI only)."""

    gi: GI
    besluit: str  # goedgekeurd | afgewezen
    manager: str
    manager_naam: str | None
    besloten_op: datetime
    categorie: RegelsetAfwijzingReden | None = None  # a rejection's category (the events carry it)
    toelichting: str | None = None  # a rejection's own words: stay in triage


def lees_voorstel(bron: object) -> Regelset:
    """A proposal is a complete ruleset in the current format (an expertise table, a start date),
    valid by the ruleset schema (Regelset.from_dict; domain/regelsetschema.py publishes it)."""
    if not isinstance(bron, dict):
        raise InvalidInput("a proposal is a complete ruleset: a JSON object", field="versie")
    for veld in ("versie", "geldig_vanaf", "expertises"):
        if veld not in bron:
            raise InvalidInput(f"a proposed ruleset needs {veld}; see GET /v1/doelgroepenbepaling/schema",
                               field=veld)
    try:
        return Regelset.from_dict(bron)
    except RegelsetOngeldig as exc:
        raise InvalidInput(f"the proposed ruleset is not valid: {exc}", field=exc.veld) from None


@dataclass
class Regelsetvoorstel:
    id: UUID
    regelset: Regelset
    bron: dict  # the ruleset as proposed, shown as is and activated as is
    verschil: Verschil  # against the version that was active when it was proposed
    voorgesteld_door: GI
    indiener: str  # the proposing manager (token subject): stays in triage
    indiener_naam: str | None
    voorgesteld_op: datetime
    status: VoorstelStatus = VoorstelStatus.OPEN
    besluiten: list[Beslissing] = field(default_factory=list)
    afgesloten_op: datetime | None = None  # activated, rejected or superseded at
    volgnummer: int | None = None  # the n-th version activated by the GIs (the newest decides)

    @property
    def versie(self) -> str:
        return self.regelset.versie

    @property
    def basis_versie(self) -> str:
        return self.verschil.basis_versie

    @property
    def goedgekeurd_door(self) -> list[GI]:
        return [b.gi for b in self.besluiten if b.besluit == GOEDGEKEURD]

    @property
    def ontbrekend(self) -> list[GI]:
        """The GIs whose approval is still needed, while it is open."""
        if self.status != VoorstelStatus.OPEN:
            return []
        return [g for g in GI_VOLGORDE if g not in self.goedgekeurd_door]

    @property
    def afwijzing(self) -> Beslissing | None:
        return next((b for b in self.besluiten if b.besluit == AFGEWEZEN), None)

    @property
    def geactiveerd_op(self) -> datetime | None:
        return self.afgesloten_op if self.status == VoorstelStatus.GEACTIVEERD else None

    @classmethod
    def dien_in(cls, bron: object, actief: Regelset, bekende_versies: Collection[str], gi: GI, manager: str,
                manager_naam: str | None, now: datetime) -> tuple["Regelsetvoorstel", RegelsetProposed]:
        """A GI's manager proposes a new version against the active one; `bekende_versies`: every
        version of a file or an earlier proposal (a number is never used twice)."""
        regelset = lees_voorstel(bron)
        if regelset.versie in bekende_versies:
            raise Conflict(f"version {regelset.versie} exists already (a ruleset file or an earlier "
                           "proposal); a new version needs a new number", field="versie")
        if versie_sleutel(regelset.versie) <= versie_sleutel(actief.versie):
            raise Conflict(f"version {regelset.versie} is not higher than the active version "
                           f"{actief.versie}", field="versie")
        if actief.geldig_vanaf and date.fromisoformat(regelset.geldig_vanaf) < date.fromisoformat(
                actief.geldig_vanaf):
            raise InvalidInput(f"geldig_vanaf {regelset.geldig_vanaf} lies before that of the active version "
                               f"{actief.versie} ({actief.geldig_vanaf})", field="geldig_vanaf")
        wijzigingen = verschil(actief, regelset)
        if wijzigingen.leeg:
            raise InvalidInput(f"the proposal changes nothing against the active version {actief.versie}",
                               field="regels")
        voorstel = cls(id=uuid4(), regelset=regelset, bron=bron, verschil=wijzigingen, voorgesteld_door=gi,
                       indiener=manager, indiener_naam=manager_naam, voorgesteld_op=now)
        return voorstel, RegelsetProposed(
            voorstel_id=voorstel.id, versie=regelset.versie, basis_versie=actief.versie, voorgesteld_door=gi,
            regels_toegevoegd=wijzigingen.regel_ids(TOEGEVOEGD),
            regels_verwijderd=wijzigingen.regel_ids(VERWIJDERD),
            regels_gewijzigd=wijzigingen.regel_ids(GEWIJZIGD),
            expertises_gewijzigd=[e.expertise for e in wijzigingen.expertises], voorgesteld_op=now)

    def achterhaald(self, actieve_versie: str, now: datetime) -> bool:
        """An open proposal made against another version than the active one ends (vervallen): what
        it changes is not what would change. True when it did."""
        if self.status == VoorstelStatus.OPEN and actieve_versie != self.basis_versie:
            self.status, self.afgesloten_op = VoorstelStatus.VERVALLEN, now
            return True
        return False

    def _mag_beslissen(self, gi: GI, wat: str) -> None:
        if self.status != VoorstelStatus.OPEN:
            raise Conflict(f"proposal {self.id} (version {self.versie}) is {self.status}; only an open "
                           f"proposal can be {wat}")
        eerder = next((b for b in self.besluiten if b.gi == gi), None)
        if eerder is not None:
            raise Conflict(f"{gi} {eerder.besluit} this proposal already (at "
                           f"{eerder.besloten_op.isoformat()}); each GI decides once")

    def keur_goed(self, gi: GI, manager: str, manager_naam: str | None, now: datetime, volgnummer: int,
                  andere_open: Iterable["Regelsetvoorstel"] = ()) -> list:
        """One GI approves. The third GI's approval activates the version at that moment (as the
        `volgnummer`-th), and ends the other open proposals, which were made against the old one."""
        self._mag_beslissen(gi, "approved")
        self.besluiten.append(Beslissing(gi, GOEDGEKEURD, manager, manager_naam, now))
        events: list = [RegelsetApproved(voorstel_id=self.id, versie=self.versie, gi=gi,
                                         goedgekeurd_door=self.goedgekeurd_door, goedgekeurd_op=now)]
        if not self.ontbrekend:
            self.status, self.afgesloten_op, self.volgnummer = VoorstelStatus.GEACTIVEERD, now, volgnummer
            vervallen = [v.id for v in andere_open if v.id != self.id and v.achterhaald(self.versie, now)]
            events.append(RegelsetActivated(
                voorstel_id=self.id, versie=self.versie, vorige_versie=self.basis_versie,
                goedgekeurd_door=self.goedgekeurd_door, vervallen_voorstellen=vervallen, geactiveerd_op=now))
        return events

    def wijs_af(self, gi: GI, manager: str, manager_naam: str | None, categorie: RegelsetAfwijzingReden,
                toelichting: str | None, now: datetime) -> RegelsetRejected:
        """One GI rejects: the proposal ends; the event carries the category, never the text."""
        self._mag_beslissen(gi, "rejected")
        categorie = RegelsetAfwijzingReden(categorie)
        self.besluiten.append(Beslissing(gi, AFGEWEZEN, manager, manager_naam, now, categorie,
                                         (toelichting or "").strip() or None))
        self.status, self.afgesloten_op = VoorstelStatus.AFGEWEZEN, now
        return RegelsetRejected(voorstel_id=self.id, versie=self.versie, gi=gi, categorie=categorie,
                                afgewezen_op=now)
