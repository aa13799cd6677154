"""Cases at the GIs (casussen): one family, one plan; the fixed youth protector, transfers
(overdrachten) approved by both GIs, closure and the time limits of drang. Pure: no I/O."""
import calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID, uuid4

from contracts.vocabulary import (
    GI,
    AfwijzingReden,
    Jeugdhulpvorm,
    Maatregel,
    OverdrachtReden,
    Plaatsingsvorm,
    Sluitreden,
)
from runtime.clock import calendar_days, local_date
from runtime.errors import Conflict, Forbidden, InvalidInput, NotFound
from services.caseregie.domain.events import (
    CasusAssigned,
    CasusClosed,
    CasusTransferred,
    DrangOverdue,
    JeugdbeschermerAssigned,
    JeugdhulpStarted,
    Kind,
    MaatregelImposed,
    OverdrachtApproved,
    OverdrachtRejected,
    OverdrachtRequested,
    UithuisplaatsingEnded,
    UithuisplaatsingStarted,
    WachtendKind,
)
from services.caseregie.domain.plaatsingen import (
    Jeugdhulp,
    Periode,
    Uithuisplaatsing,
    controleer_einde,
    controleer_netwerk,
    eerste_overlap,
    op_volgorde,
)

OPEN = "open"
GESLOTEN = "gesloten"

# What stays of a required free text once the retention term erased it.
GEWIST = "(gewist na de bewaartermijn)"

AANGEVRAAGD = "aangevraagd"
GOEDGEKEURD = "goedgekeurd"
AFGEWEZEN = "afgewezen"

DRANG_3_MAANDEN = "3_maanden_zonder_raadsonderzoek"
DRANG_6_MAANDEN = "6_maanden"


def wachtdagen(sinds: datetime, tot: datetime) -> int:
    """Calendar days in the region (Europe/Amsterdam) from `sinds` to `tot`, never negative."""
    return calendar_days(sinds, tot)


def plus_maanden(d: date, maanden: int) -> date:
    """Calendar months later; the day is clipped to the month's end (30 Nov + 3 months = 28 Feb)."""
    index = d.month - 1 + maanden
    jaar, maand = d.year + index // 12, index % 12 + 1
    return date(jaar, maand, min(d.day, calendar.monthrange(jaar, maand)[1]))


def een_gezin_een_plan(casus_gi: GI, maatregel_gi: GI) -> str | None:
    """Why a measure's children join the family's case at another GI than the measure named (the
    reason users read, in Dutch like every other reason); None when the GIs are the same."""
    if casus_gi == maatregel_gi:
        return None
    return (f"Eén gezin, één plan: het gezin heeft al een open casus bij {GI(casus_gi).value}; "
            f"de maatregel noemde {GI(maatregel_gi).value}.")


def drang_termijnen(maatregelen: Iterable[tuple[date, bool]], vandaag: date) -> dict[str, date]:
    """The drang limits passed by `vandaag`, for drang measures given as (startdatum, raadsonderzoek).

    Drang without an RvdK investigation may last 3 months, any drang 6 months (calendar months,
    the limit is passed on the day startdatum + N months). Maps each passed limit to the start of
    the earliest measure that passed it.
    """
    passed: dict[str, date] = {}
    for start, raadsonderzoek in sorted(maatregelen):
        if not raadsonderzoek and plus_maanden(start, 3) <= vandaag:
            passed.setdefault(DRANG_3_MAANDEN, start)
        if plus_maanden(start, 6) <= vandaag:
            passed.setdefault(DRANG_6_MAANDEN, start)
    return passed


@dataclass
class Jeugdbeschermer:
    id: str
    naam: str
    toegewezen_op: datetime


@dataclass
class CasusKind:
    """A child in the case, with its current measure and its place on the waiting list.

    The child waits from `wacht_sinds` (joining the case, or the last transfer) until its GI
    assigns a protector (`wacht_tot`)."""

    kind_id: UUID
    leeftijd: int
    melding_id: UUID
    maatregel_id: UUID
    maatregel: Maatregel
    maatregel_start: date
    toegevoegd_op: datetime
    wacht_sinds: datetime
    wacht_tot: datetime | None = None
    jeugdbeschermer: Jeugdbeschermer | None = None
    urgentie: str | None = None  # of its report (spoed, regulier), where the waiting list knows it

    @property
    def wachtend(self) -> bool:
        return self.jeugdbeschermer is None

    def wachtdagen(self, now: datetime) -> int:
        """Days waited for a fixed protector: so far while waiting, else until the protector came."""
        return wachtdagen(self.wacht_sinds, self.wacht_tot or now)

    def kind(self) -> Kind:
        return Kind(kind_id=self.kind_id, leeftijd=self.leeftijd)


@dataclass
class CasusMaatregel:
    """A measure that brought children into the case; `gi_reden` says why the case's GI differs
    from the GI the measure named (one family, one plan)."""

    maatregel_id: UUID
    melding_id: UUID
    advies_id: UUID
    maatregel: Maatregel
    route: str
    raadsonderzoek: bool
    startdatum: date
    gi: GI
    gi_reden: str | None
    opgelegd_op: datetime
    ontvangen_op: datetime


@dataclass
class Besluit:
    """A GI manager's decision on a transfer. `manager` is the deciding manager's identity: the
    subject (`sub`) of the token that decided, `manager_naam` the name the token gave (if any).
    A rejection has its free-text `reden` (kept here) and its `categorie` (what events carry)."""

    gi: GI
    besluit: str  # GOEDGEKEURD or AFGEWEZEN
    manager: str
    besloten_op: datetime
    reden: str | None = None
    manager_naam: str | None = None
    categorie: AfwijzingReden | None = None


@dataclass
class Overdracht:
    id: UUID
    casus_id: UUID
    van_gi: GI
    naar_gi: GI
    reden: str
    categorie: OverdrachtReden  # chosen by the requesting GI; `reden` is its free text
    status: str
    aangevraagd_op: datetime
    afgerond_op: datetime | None = None
    besluiten: list[Besluit] = field(default_factory=list)

    @property
    def goedkeuringen(self) -> list[Besluit]:
        return [b for b in self.besluiten if b.besluit == GOEDGEKEURD]

    @property
    def afwijzing(self) -> Besluit | None:
        return next((b for b in self.besluiten if b.besluit == AFGEWEZEN), None)

    def betrokken(self, gi: GI | None) -> bool:
        return gi is not None and gi in (self.van_gi, self.naar_gi)

    def _mag_beslissen(self, gi: GI, manager: str) -> None:
        if not self.betrokken(gi):
            raise Forbidden(f"only the managers of {self.van_gi} and {self.naar_gi} decide on this transfer",
                            field="gi")
        if self.status != AANGEVRAAGD:
            raise Conflict(f"transfer {self.id} is already {self.status}")
        if any(b.gi == gi for b in self.besluiten):
            raise Conflict(f"{gi} already decided on transfer {self.id}")
        eerder = next((b for b in self.besluiten if b.manager == manager), None)
        if eerder is not None:  # one person never decides for both GIs
            raise Forbidden(f"{manager} already decided for {eerder.gi}; a manager of {gi} decides for {gi}")

    def keur_goed(self, gi: GI, manager: str, now: datetime, manager_naam: str | None = None) -> bool:
        """Record one GI's approval by its manager (`manager`: who, e.g. the token's subject);
        True when both GIs have now approved."""
        manager = _nodig(manager, "manager")
        self._mag_beslissen(gi, manager)
        self.besluiten.append(Besluit(gi=gi, besluit=GOEDGEKEURD, manager=manager, besloten_op=now,
                                      manager_naam=manager_naam))
        if {b.gi for b in self.goedkeuringen} == {self.van_gi, self.naar_gi}:
            self.status, self.afgerond_op = GOEDGEKEURD, now
            return True
        return False

    def wijs_af(self, gi: GI, manager: str, reden: str, now: datetime, manager_naam: str | None = None,
                categorie: AfwijzingReden = AfwijzingReden.OVERIG) -> None:
        """One rejection ends the transfer: the case stays where it is."""
        manager = _nodig(manager, "manager")
        self._mag_beslissen(gi, manager)
        self.besluiten.append(Besluit(gi=gi, besluit=AFGEWEZEN, manager=manager, besloten_op=now,
                                      reden=_nodig(reden, "reden"), manager_naam=manager_naam,
                                      categorie=AfwijzingReden(categorie)))
        self.status, self.afgerond_op = AFGEWEZEN, now


@dataclass
class DrangSignaal:
    termijn: str
    startdatum: date
    gesignaleerd_op: datetime


def _nodig(value: str, field_name: str) -> str:
    if not value or not value.strip():
        raise InvalidInput("must not be empty", field=field_name)
    return value.strip()


@dataclass
class Casus:
    """One family's case at one GI. Children join it from measures; all share the GI."""

    id: UUID
    gezin_id: UUID
    gemeente: str
    gi: GI
    doelgroep: str
    status: str
    geopend_op: datetime
    kinderen: list[CasusKind] = field(default_factory=list)
    maatregelen: list[CasusMaatregel] = field(default_factory=list)
    overdrachten: list[Overdracht] = field(default_factory=list)
    drang_signalen: list[DrangSignaal] = field(default_factory=list)
    uithuisplaatsingen: list[Uithuisplaatsing] = field(default_factory=list)
    jeugdhulp: list[Jeugdhulp] = field(default_factory=list)
    jeugdbeschermer: Jeugdbeschermer | None = None
    gesloten_op: datetime | None = None
    sluitreden: Sluitreden | None = None
    toelichting: str | None = None

    # --- reading ---------------------------------------------------------------------------

    @property
    def melding_ids(self) -> list[UUID]:
        return list(dict.fromkeys(m.melding_id for m in self.maatregelen))

    @property
    def wachtend(self) -> bool:
        """Open, and at least one child still waits for its fixed protector."""
        return self.status == OPEN and any(k.wachtend for k in self.kinderen)

    @property
    def lopende_overdracht(self) -> Overdracht | None:
        return next((o for o in self.overdrachten if o.status == AANGEVRAAGD), None)

    def overdracht(self, overdracht_id: UUID) -> Overdracht:
        found = next((o for o in self.overdrachten if o.id == overdracht_id), None)
        if found is None:
            raise NotFound(f"case {self.id} has no transfer {overdracht_id}")
        return found

    def zichtbaar_voor(self, gi: GI | None) -> None:
        """A GI reads and changes only its own cases: to anyone else (another GI, no GI at all) the
        case is not found, exactly as a case that does not exist."""
        if gi is None or gi != self.gi:
            raise NotFound(f"casus {self.id} not found")

    def overdracht_voor(self, overdracht_id: UUID, gi: GI | None) -> Overdracht:
        """A transfer as its two GIs (sender and receiver) and the case's current GI see it. To any
        other GI neither the transfer nor the case exists. The receiving GI of a transfer reads the
        transfer (to decide on it), not the case itself: that stays the sender's until it moves."""
        found = next((o for o in self.overdrachten if o.id == overdracht_id), None)
        if gi != self.gi and (found is None or not found.betrokken(gi)):
            raise NotFound(f"casus {self.id} not found")
        if found is None:
            raise NotFound(f"case {self.id} has no transfer {overdracht_id}")
        return found

    def kinderen_als_kind(self) -> list[Kind]:
        return [k.kind() for k in self.kinderen]

    def _moet_open_zijn(self, wat: str) -> None:
        if self.status != OPEN:
            raise Conflict(f"case {self.id} is {self.status}; {wat} needs an open case")

    # --- measures: one family, one plan ----------------------------------------------------

    @classmethod
    def open_voor(cls, m: MaatregelImposed, now: datetime) -> "Casus":
        return cls(id=uuid4(), gezin_id=m.gezin_id, gemeente=m.gemeente, gi=m.gi, doelgroep=m.doelgroep,
                   status=OPEN, geopend_op=now)

    def neem_maatregel_op(self, m: MaatregelImposed, now: datetime, *, nieuwe_casus: bool
                          ) -> CasusAssigned | None:
        """The measure's children join this case at this case's GI and start waiting.

        A child already in the case keeps its place, protector and waiting time; only its measure
        is updated. Returns the CasusAssigned for the children added (none, when the measure is only
        for children already in the case: the report is still assigned to this case), or None for a
        replayed measure."""
        self._moet_open_zijn("taking in a measure")
        if m.gezin_id != self.gezin_id:
            raise InvalidInput(f"measure {m.maatregel_id} is for another family", field="gezin_id")
        if any(x.maatregel_id == m.maatregel_id for x in self.maatregelen):
            return None
        gi_reden = een_gezin_een_plan(self.gi, m.gi)
        self.maatregelen.append(CasusMaatregel(
            maatregel_id=m.maatregel_id, melding_id=m.melding_id, advies_id=m.advies_id,
            maatregel=m.maatregel, route=m.route, raadsonderzoek=m.raadsonderzoek,
            startdatum=m.startdatum, gi=m.gi, gi_reden=gi_reden, opgelegd_op=m.opgelegd_op,
            ontvangen_op=now))
        bestaand = {k.kind_id: k for k in self.kinderen}
        erbij: list[Kind] = []
        for kind in m.kinderen:
            if kind.kind_id in bestaand:
                k = bestaand[kind.kind_id]
                k.melding_id, k.maatregel_id = m.melding_id, m.maatregel_id
                k.maatregel, k.maatregel_start, k.leeftijd = m.maatregel, m.startdatum, kind.leeftijd
                continue
            self.kinderen.append(CasusKind(
                kind_id=kind.kind_id, leeftijd=kind.leeftijd, melding_id=m.melding_id,
                maatregel_id=m.maatregel_id, maatregel=m.maatregel, maatregel_start=m.startdatum,
                toegevoegd_op=now, wacht_sinds=now))
            bestaand[kind.kind_id] = self.kinderen[-1]
            erbij.append(kind)
        return CasusAssigned(casus_id=self.id, melding_id=m.melding_id, gezin_id=self.gezin_id,
                             gemeente=m.gemeente, gi=self.gi, doelgroep=m.doelgroep, maatregel=m.maatregel,
                             nieuwe_casus=nieuwe_casus, kinderen=erbij, gi_reden=gi_reden,
                             toegewezen_op=now)

    # --- the fixed youth protector ---------------------------------------------------------

    def wijs_jeugdbeschermer_toe(self, gi: GI, jeugdbeschermer_id: str, naam: str, now: datetime,
                                 pseudoniem: UUID | None = None) -> JeugdbeschermerAssigned | None:
        """The case's GI gives every child of the case this protector (one plan, one protector).

        Children that already have this protector are left as they are; None when no child
        changed (a repeated call). The event lists the children that got this protector, each
        with the days it waited in its current waiting period, and names the protector only by
        `pseudoniem` (the staff code and name stay here)."""
        self.zichtbaar_voor(gi)
        self._moet_open_zijn("assigning a protector")
        jb = Jeugdbeschermer(id=_nodig(jeugdbeschermer_id, "jeugdbeschermer_id"),
                             naam=_nodig(naam, "naam"), toegewezen_op=now)
        gewijzigd: list[WachtendKind] = []
        for k in self.kinderen:
            if k.jeugdbeschermer is not None and k.jeugdbeschermer.id == jb.id:
                k.jeugdbeschermer.naam = jb.naam
                continue
            if k.wacht_tot is None:
                k.wacht_tot = now
            k.jeugdbeschermer = Jeugdbeschermer(jb.id, jb.naam, now)
            gewijzigd.append(WachtendKind(kind_id=k.kind_id, wachtdagen=k.wachtdagen(now)))
        if self.jeugdbeschermer is not None and self.jeugdbeschermer.id == jb.id:
            self.jeugdbeschermer.naam = jb.naam
        elif gewijzigd:
            self.jeugdbeschermer = jb
        if not gewijzigd:
            return None
        return JeugdbeschermerAssigned(casus_id=self.id, gemeente=self.gemeente, gi=self.gi,
                                       jeugdbeschermer_id=pseudoniem, kinderen=gewijzigd, toegewezen_op=now)

    # --- closure ---------------------------------------------------------------------------

    def sluit(self, gi: GI, reden: Sluitreden, toelichting: str | None, now: datetime) -> CasusClosed:
        self.zichtbaar_voor(gi)
        if self.status == GESLOTEN:
            raise Conflict(f"case {self.id} is already closed")
        if self.lopende_overdracht is not None:
            raise Conflict(f"case {self.id} has a pending transfer; it must be decided before closing")
        self.status, self.gesloten_op, self.sluitreden = GESLOTEN, now, Sluitreden(reden)
        self.toelichting = toelichting.strip() if toelichting and toelichting.strip() else None
        return CasusClosed(casus_id=self.id, gezin_id=self.gezin_id, gemeente=self.gemeente, gi=self.gi,
                           reden=self.sluitreden,
                           kinderen=self.kinderen_als_kind(), gesloten_op=now)

    # --- transfers -------------------------------------------------------------------------

    def vraag_overdracht(self, naar_gi: GI, reden: str, categorie: OverdrachtReden, now: datetime
                         ) -> tuple[Overdracht, OverdrachtRequested]:
        """A transfer is the exception: it needs a reason and another GI, one request at a time."""
        if self.status != OPEN:
            raise Conflict(f"case {self.id} is {self.status}; only an open case can be transferred")
        if naar_gi == self.gi:
            raise InvalidInput(f"the case is already at {self.gi}", field="naar_gi")
        if not reden.strip():
            raise InvalidInput("a transfer needs a reason", field="reden")
        if self.lopende_overdracht is not None:
            raise Conflict(f"case {self.id} already has a pending transfer request")
        overdracht = Overdracht(id=uuid4(), casus_id=self.id, van_gi=self.gi, naar_gi=naar_gi,
                                reden=reden.strip(), categorie=OverdrachtReden(categorie), status=AANGEVRAAGD,
                                aangevraagd_op=now)
        self.overdrachten.append(overdracht)
        event = OverdrachtRequested(overdracht_id=overdracht.id, casus_id=self.id, gemeente=self.gemeente,
                                    van_gi=self.gi, naar_gi=naar_gi, categorie=overdracht.categorie,
                                    aangevraagd_op=now)
        return overdracht, event

    def keur_overdracht_goed(self, overdracht_id: UUID, gi: GI, manager: str, now: datetime,
                             manager_naam: str | None = None, manager_id: UUID | None = None
                             ) -> list[OverdrachtApproved | CasusTransferred]:
        """A manager of one of the two GIs approves. Only when both have, the case moves. Events
        name the manager only by `manager_id` (a pseudonym; who it is stays here)."""
        overdracht = self.overdracht(overdracht_id)
        compleet = overdracht.keur_goed(gi, manager, now, manager_naam)
        events: list[OverdrachtApproved | CasusTransferred] = [OverdrachtApproved(
            overdracht_id=overdracht.id, casus_id=self.id, gemeente=self.gemeente, gi=gi,
            van_gi=overdracht.van_gi, naar_gi=overdracht.naar_gi, manager_id=manager_id,
            goedgekeurd_op=now)]
        if compleet:
            events.append(self._draag_over(overdracht, now))
        return events

    def wijs_overdracht_af(self, overdracht_id: UUID, gi: GI, manager: str, reden: str, now: datetime,
                           manager_naam: str | None = None, categorie: AfwijzingReden = AfwijzingReden.OVERIG,
                           manager_id: UUID | None = None) -> OverdrachtRejected:
        """The event carries the rejection's category and the manager's pseudonym, never the text."""
        overdracht = self.overdracht(overdracht_id)
        overdracht.wijs_af(gi, manager, reden, now, manager_naam, categorie)
        besluit = overdracht.besluiten[-1]
        return OverdrachtRejected(overdracht_id=overdracht.id, casus_id=self.id, gemeente=self.gemeente,
                                  gi=gi, van_gi=overdracht.van_gi, naar_gi=overdracht.naar_gi,
                                  manager_id=manager_id, categorie=besluit.categorie, afgewezen_op=now)

    def _draag_over(self, overdracht: Overdracht, now: datetime) -> CasusTransferred:
        """The case moves: the new GI has to assign its own protector, so every child waits again."""
        self._moet_open_zijn("a transfer")
        self.gi = overdracht.naar_gi
        self.jeugdbeschermer = None
        for k in self.kinderen:
            k.jeugdbeschermer, k.wacht_sinds, k.wacht_tot = None, now, None
        return CasusTransferred(casus_id=self.id, overdracht_id=overdracht.id, gemeente=self.gemeente,
                                van_gi=overdracht.van_gi, naar_gi=overdracht.naar_gi,
                                categorie=overdracht.categorie, kinderen=self.kinderen_als_kind(),
                                overgedragen_op=now)

    # --- out-of-home placements and youth care ----------------------------------------------

    def periode(self, now: datetime) -> Periode:
        """The days this case records placements and youth care for (domain/plaatsingen.py)."""
        begin = min([m.startdatum for m in self.maatregelen] + [local_date(self.geopend_op)])
        gesloten = self.status == GESLOTEN and self.gesloten_op is not None
        return Periode(begin=begin, vandaag=local_date(now),
                       sluitdatum=local_date(self.gesloten_op) if gesloten else None)

    def _kind_van_casus(self, kind_id: UUID) -> CasusKind:
        found = next((k for k in self.kinderen if k.kind_id == kind_id), None)
        if found is None:
            raise InvalidInput(f"{kind_id} is not a child of case {self.id}", field="kind_id")
        return found

    def uithuisplaatsing(self, plaatsing_id: UUID) -> Uithuisplaatsing:
        found = next((p for p in self.uithuisplaatsingen if p.id == plaatsing_id), None)
        if found is None:
            raise NotFound(f"case {self.id} has no placement {plaatsing_id}")
        return found

    def jeugdhulptraject(self, jeugdhulp_id: UUID) -> Jeugdhulp:
        found = next((j for j in self.jeugdhulp if j.id == jeugdhulp_id), None)
        if found is None:
            raise NotFound(f"case {self.id} has no youth care {jeugdhulp_id}")
        return found

    def plaats_uit(self, gi: GI, kind_id: UUID, vorm: Plaatsingsvorm, in_netwerk: bool, startdatum: date,
                   einddatum: date | None, now: datetime
                   ) -> tuple[Uithuisplaatsing, list[UithuisplaatsingStarted | UithuisplaatsingEnded]]:
        """Record a child's placement; with an `einddatum` it is recorded as started and ended at
        once. The same placement recorded again (a retry) is returned as it is, publishing nothing.
        A child is in one place at a time: a placement overlapping another of the child's is 409
        (end the running one first; the next may start on the day it ended). A closed case records
        only ended placements, within its life."""
        self.zichtbaar_voor(gi)
        self._kind_van_casus(kind_id)
        controleer_netwerk(vorm, in_netwerk)
        periode = self.periode(now)
        periode.controleer(startdatum, "startdatum")
        nieuw = Uithuisplaatsing(id=uuid4(), kind_id=kind_id, vorm=Plaatsingsvorm(vorm),
                                 in_netwerk=in_netwerk, startdatum=startdatum, geregistreerd_op=now,
                                 einddatum=einddatum, beeindigd_op=now if einddatum is not None else None)
        if einddatum is not None:
            controleer_einde(nieuw, einddatum, periode)
        elif periode.sluitdatum is not None:
            raise Conflict(f"case {self.id} is closed; it records only ended placements (give einddatum)")
        eerder = next((p for p in self.uithuisplaatsingen if p.zelfde(nieuw)), None)
        if eerder is not None:
            return eerder, []
        if (bezet := eerste_overlap(nieuw, self.uithuisplaatsingen)) is not None:
            raise Conflict(f"the child's placement {bezet.id} (from {bezet.startdatum}"
                           f"{f' to {bezet.einddatum}' if bezet.einddatum else ', still running'}) "
                           "overlaps it; a child is placed in one place at a time")
        self.uithuisplaatsingen = op_volgorde([*self.uithuisplaatsingen, nieuw])
        started = UithuisplaatsingStarted(
            plaatsing_id=nieuw.id, casus_id=self.id, gezin_id=self.gezin_id, gemeente=self.gemeente,
            gi=self.gi, kind_id=kind_id, vorm=nieuw.vorm, in_netwerk=in_netwerk, startdatum=startdatum,
            geregistreerd_op=now)
        return nieuw, [started, *([self._beeindigd(nieuw, now)] if einddatum is not None else [])]

    def beeindig_uithuisplaatsing(self, gi: GI, plaatsing_id: UUID, einddatum: date, now: datetime
                                  ) -> tuple[Uithuisplaatsing, list[UithuisplaatsingEnded]]:
        """End a running placement. Ending it again on the same day (a retry) changes nothing;
        an ended placement ended on another day is 409."""
        self.zichtbaar_voor(gi)
        plaatsing = self.uithuisplaatsing(plaatsing_id)
        if plaatsing.einddatum is not None:
            if plaatsing.einddatum == einddatum:
                return plaatsing, []
            raise Conflict(f"placement {plaatsing.id} already ended on {plaatsing.einddatum}")
        controleer_einde(plaatsing, einddatum, self.periode(now))
        plaatsing.einddatum, plaatsing.beeindigd_op = einddatum, now
        return plaatsing, [self._beeindigd(plaatsing, now)]

    def beeindig_lopende_plaatsingen(self, now: datetime) -> list[UithuisplaatsingEnded]:
        """At the case's closure: the placements still running end on the closing day (the
        region's date), so none outlives the case it was recorded in."""
        einde = local_date(now)
        lopend = [p for p in self.uithuisplaatsingen if p.lopend]
        for plaatsing in lopend:
            plaatsing.einddatum, plaatsing.beeindigd_op = max(einde, plaatsing.startdatum), now
        return [self._beeindigd(p, now) for p in lopend]

    def _beeindigd(self, p: Uithuisplaatsing, now: datetime) -> UithuisplaatsingEnded:
        return UithuisplaatsingEnded(
            plaatsing_id=p.id, casus_id=self.id, gemeente=self.gemeente, gi=self.gi, kind_id=p.kind_id,
            vorm=p.vorm, in_netwerk=p.in_netwerk, startdatum=p.startdatum, einddatum=p.einddatum,
            geregistreerd_op=now)

    def start_jeugdhulp(self, gi: GI, kind_id: UUID, vorm: Jeugdhulpvorm, startdatum: date, now: datetime
                        ) -> tuple[Jeugdhulp, list[JeugdhulpStarted]]:
        """Record that youth care of a kind started for a child; the same start recorded again (a
        retry) is returned as it is. A closed case records starts up to its closing day."""
        self.zichtbaar_voor(gi)
        self._kind_van_casus(kind_id)
        self.periode(now).controleer(startdatum, "startdatum")
        nieuw = Jeugdhulp(id=uuid4(), kind_id=kind_id, vorm=Jeugdhulpvorm(vorm), startdatum=startdatum,
                          geregistreerd_op=now)
        eerder = next((j for j in self.jeugdhulp if j.zelfde(nieuw)), None)
        if eerder is not None:
            return eerder, []
        self.jeugdhulp = sorted([*self.jeugdhulp, nieuw], key=lambda j: (j.startdatum, j.geregistreerd_op))
        return nieuw, [JeugdhulpStarted(
            jeugdhulp_id=nieuw.id, casus_id=self.id, gezin_id=self.gezin_id, gemeente=self.gemeente,
            gi=self.gi, kind_id=kind_id, vorm=nieuw.vorm, startdatum=startdatum, geregistreerd_op=now)]

    # --- drang limits ----------------------------------------------------------------------

    def drang_maatregelen(self) -> list[tuple[date, bool]]:
        """(startdatum, raadsonderzoek) of the drang measures its children are under now."""
        lopend = {k.maatregel_id for k in self.kinderen if k.maatregel == Maatregel.DRANG}
        return [(m.startdatum, m.raadsonderzoek) for m in self.maatregelen
                if m.maatregel_id in lopend]

    def signaleer_drang(self, vandaag: date, now: datetime) -> list[DrangOverdue]:
        """Flag each drang limit the open case has passed, once."""
        if self.status != OPEN:
            return []
        al = {s.termijn for s in self.drang_signalen}
        events = []
        for termijn, start in sorted(drang_termijnen(self.drang_maatregelen(), vandaag).items()):
            if termijn in al:
                continue
            self.drang_signalen.append(DrangSignaal(termijn=termijn, startdatum=start, gesignaleerd_op=now))
            events.append(DrangOverdue(casus_id=self.id, gemeente=self.gemeente, gi=self.gi, termijn=termijn,
                                       startdatum=start, gesignaleerd_op=now))
        return events


def wijs_maatregel_toe(open_casus: Casus | None, m: MaatregelImposed, now: datetime
                       ) -> tuple[Casus, CasusAssigned | None]:
    """One family, one plan: the family's open case takes the measure's children (at its own GI);
    without one, a new case opens at the GI the measure named."""
    if open_casus is not None:
        return open_casus, open_casus.neem_maatregel_op(m, now, nieuwe_casus=False)
    casus = Casus.open_voor(m, now)
    return casus, casus.neem_maatregel_op(m, now, nieuwe_casus=True)
