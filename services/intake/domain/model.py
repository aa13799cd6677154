"""Care reports (zorgmeldingen) and their path through the chain. Pure: no I/O."""
import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

from contracts.vocabulary import GEMEENTEN, MAX_LEEFTIJD, Urgentie
from runtime.clock import add_months, local_date
from runtime.errors import Conflict, InvalidInput
from services.intake.domain.events import KindInMelding, MeldingCompletionOverdue, MeldingReceived
from services.intake.domain.gegevens import AANVULBAAR, Aanvulling, Gezin, Melder, Meldingsgegevens

# Chain status as the local team sees it, in chain order. A late or out-of-order event never
# moves it back; the one exception is the chain's own loop: a protector assigned *after* a
# transfer (the new GI's protector) makes the status "protector" again. Closed is final.
STATUS_ORDER = ("incomplete", "received", "triaged", "advised", "measure", "assigned", "protector",
                "transferred", "closed")
# Signals recorded on the path without being a status of their own.
SIGNALS = ("completion_overdue", "drang_overdue")
# Order of steps with the same timestamp: chain order, a signal right after the step it follows.
STEP_ORDER = ("incomplete", "completion_overdue", "received", "triaged", "advised", "measure",
              "drang_overdue", "assigned", "protector", "transferred", "closed")

SPOED_AANVULTERMIJN = timedelta(days=3)  # default completion deadline of an urgent report
HERHAALD_BEROEP_MAANDEN = 12  # a new report this soon after closure is a re-report


def _status_rank(stap: str) -> int:
    return STATUS_ORDER.index(stap)


def _step_rank(stap: str) -> int:
    return STEP_ORDER.index(stap) if stap in STEP_ORDER else len(STEP_ORDER)


def is_known_gemeente(code: str) -> bool:
    return code in GEMEENTEN


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def check_geboortedata(gezin: Gezin | None, today: date) -> None:
    """Every child's birth date lies in the past and makes it at most MAX_LEEFTIJD years old on
    `today` (the region's date from the service's clock)."""
    problems = []
    for i, kind in enumerate(gezin.kinderen if gezin else ()):
        if (born := kind.geboortedatum) is None:
            continue
        if born > today:
            problems.append((f"gezin.kinderen[{i}].geboortedatum", "birth date lies in the future"))
        elif age_on(born, today) > MAX_LEEFTIJD:
            problems.append((f"gezin.kinderen[{i}].geboortedatum",
                             f"a child in the chain is at most {MAX_LEEFTIJD} years old"))
    if problems:
        raise InvalidInput("; ".join(reason for _, reason in problems), fields=problems)


def pseudonym(secret: bytes, bsn: str | None) -> UUID:
    """Stable pseudonymous id for a BSN (keyed hash), or a fresh id when there is none."""
    if not bsn:
        return uuid4()
    return UUID(bytes=hmac.new(secret, bsn.encode(), hashlib.sha256).digest()[:16], version=4)


def utc(moment: datetime) -> datetime:
    """Timestamps from other services compare safely: a naive one is taken as UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


# --- completeness -------------------------------------------------------------------------------

def missing_fields(gezin: Gezin, zorgen: Sequence[str]) -> list[str]:
    """What the target-group decision still needs of a report's family and concerns, as field paths
    (empty: the report is complete).

    Complete = at least one child, a birth date for every child, and at least one concern.
    Characteristics (kenmerken) may be empty; municipality, reporter, urgency and the children's
    names are checked at the edge and never missing here.
    """
    missing = [] if gezin.kinderen else ["gezin.kinderen"]
    missing += [f"gezin.kinderen[{i}].geboortedatum" for i, k in enumerate(gezin.kinderen)
                if k.geboortedatum is None]
    if not zorgen:
        missing.append("zorgen")
    return missing


def refuse_incomplete(missing: list[str]) -> InvalidInput:
    """A regular report must be complete: one problem naming every missing field."""
    return InvalidInput(
        f"The report is incomplete; missing: {', '.join(missing)}. Only an urgent report "
        "(urgentie 'spoed') may be submitted incomplete and completed later.",
        fields=[(name, "required for the target-group decision") for name in missing], code="missing",
    )


# --- one family across reports -----------------------------------------------------------------

def family_keys(gezin: Gezin, secret: bytes) -> list[UUID]:
    """Keyed-hash pseudonyms of every BSN in the family, children first, then parents."""
    keys: list[UUID] = []
    for person in (*gezin.kinderen, *gezin.ouders):
        if person.bsn and (key := pseudonym(secret, person.bsn)) not in keys:
            keys.append(key)
    return keys


def resolve_gezin_id(keys: list[UUID], known: dict[UUID, UUID]) -> UUID | None:
    """The family an earlier report with one of these BSNs belongs to, or None (a new family).

    When the keys point to more than one family, the first key wins: a child's own BSN before a
    parent's. Existing links are never rewritten.
    """
    return next((known[k] for k in keys if k in known), None)


def is_herhaald_beroep(laatst_gesloten_op: datetime | None, ontvangen_op: datetime) -> bool:
    """A re-report: the family's last case closed at most 12 calendar months (in the region's
    calendar, the anniversary day included) before this report came in."""
    if laatst_gesloten_op is None:
        return False
    closed, received = utc(laatst_gesloten_op), utc(ontvangen_op)
    limit = add_months(local_date(closed), HERHAALD_BEROEP_MAANDEN)
    return closed <= received and local_date(received) <= limit


# --- the report and its path -------------------------------------------------------------------

@dataclass
class Stap:
    stap: str
    tijdstip: datetime
    details: dict = field(default_factory=dict)


def _pseudonymised(gezin: Gezin, secret: bytes) -> Gezin:
    """Each child with its pseudonym (`kind_id`)."""
    kinderen = tuple(replace(k, kind_id=pseudonym(secret, k.bsn)) for k in gezin.kinderen)
    return replace(gezin, kinderen=kinderen)


@dataclass
class Melding:
    """A report with its personal data; only pseudonymous attributes ever leave intake."""

    id: UUID
    gezin_id: UUID  # provisional until the report is complete and matched to earlier reports
    gemeente: str
    urgentie: str
    kader: str | None
    zorgen: list[str]
    kenmerken: list[str]
    gezin: Gezin  # children and parents, personal data: stays here
    melder: Melder  # reporter's contact details: stays here
    toelichting: str | None
    ontvangen_op: datetime
    status: str = "received"
    doelgroep: str | None = None
    geadviseerde_gi: str | None = None
    toegewezen_gi: str | None = None  # the GI that has the case now (follows transfers)
    casus_id: UUID | None = None
    stappen: list[Stap] = field(default_factory=list)
    herhaald_beroep: bool = False
    aanvullen_voor: datetime | None = None  # completion deadline of an urgent report
    ontbrekend: list[str] = field(default_factory=list)  # what an incomplete report still misses
    maatregel: str | None = None
    jeugdbeschermer: str | None = None  # the fixed youth protector's staff code, while there is one
    te_laat_gesignaleerd_op: datetime | None = None  # when the missed deadline was flagged
    # Who submitted it, from the token: the organisation (a local team, Veilig Thuis) that reads
    # and completes it, and the person or system (`sub`). None only for reports from before
    # identity: no local team sees those, the RvdK once they are referred.
    organisatie: str | None = None
    ingediend_door: str | None = None
    # When its personal data were erased, past the retention term (domain/bewaartermijn.py).
    gewist_op: datetime | None = None

    @classmethod
    def receive(cls, report: Meldingsgegevens, secret: bytes, now: datetime,
                aanvultermijn: timedelta = SPOED_AANVULTERMIJN, *, organisatie: str | None = None,
                ingediend_door: str | None = None) -> "Melding":
        """Accept a report: complete, or urgent and incomplete (then with a completion deadline),
        from `organisatie` (submitted by `ingediend_door`, the token's subject)."""
        missing = missing_fields(report.gezin, report.zorgen)
        if missing and report.urgentie != Urgentie.SPOED:
            raise refuse_incomplete(missing)
        melding = cls(
            id=uuid4(), gezin_id=uuid4(), gemeente=report.gemeente, urgentie=report.urgentie,
            kader=report.kader, zorgen=list(report.zorgen), kenmerken=list(report.kenmerken),
            gezin=_pseudonymised(report.gezin, secret), melder=report.melder,
            toelichting=report.toelichting, ontvangen_op=now, organisatie=organisatie,
            ingediend_door=ingediend_door,
        )
        if missing:
            melding.ontbrekend = missing
            melding.aanvullen_voor = now + aanvultermijn
            melding._record("incomplete", now, {"ontbrekend": missing,
                                                "aanvullen_voor": melding.aanvullen_voor.isoformat()})
        else:
            melding._record("received", now, {"gemeente": melding.gemeente})
        return melding

    @property
    def is_complete(self) -> bool:
        return not self.ontbrekend

    def family_keys(self, secret: bytes) -> list[UUID]:
        return family_keys(self.gezin, secret)

    def join_family(self, gezin_id: UUID, laatst_gesloten_op: datetime | None) -> None:
        """The family this report belongs to, and whether it is a re-report of that family."""
        self.gezin_id = gezin_id
        self.herhaald_beroep = is_herhaald_beroep(laatst_gesloten_op, self.ontvangen_op)

    def complete(self, aanvulling: Aanvulling, secret: bytes, now: datetime) -> None:
        """Merge an aanvulling into an incomplete urgent report, before its deadline: each part
        given replaces the report's."""
        if self.is_complete:
            raise Conflict(f"melding {self.id} is already complete")
        if self.aanvullen_voor is not None and now > self.aanvullen_voor:
            raise Conflict(f"deadline passed: melding {self.id} had to be completed before "
                           f"{self.aanvullen_voor.isoformat()}")
        if aanvulling.is_empty:
            raise InvalidInput(f"an aanvulling carries at least one of: {', '.join(AANVULBAAR)}",
                               field="body")
        if aanvulling.gezin is not None:
            self.gezin = _pseudonymised(aanvulling.gezin, secret)
        if aanvulling.zorgen is not None:
            self.zorgen = list(aanvulling.zorgen)
        if aanvulling.kenmerken is not None:
            self.kenmerken = list(aanvulling.kenmerken)
        if aanvulling.kader is not None:
            self.kader = aanvulling.kader
        if aanvulling.toelichting is not None:
            self.toelichting = aanvulling.toelichting
        self.ontbrekend = missing_fields(self.gezin, self.zorgen)
        if self.is_complete:
            self._record("received", now, {"gemeente": self.gemeente})

    def flag_overdue(self, now: datetime) -> MeldingCompletionOverdue | None:
        """Once: an urgent report still incomplete after its deadline."""
        if (self.is_complete or self.aanvullen_voor is None or now <= self.aanvullen_voor
                or self.te_laat_gesignaleerd_op is not None):
            return None
        self.te_laat_gesignaleerd_op = now
        self._record("completion_overdue", now, {"aanvullen_voor": self.aanvullen_voor.isoformat(),
                                                 "ontbrekend": list(self.ontbrekend)})
        return MeldingCompletionOverdue(
            melding_id=self.id, gemeente=self.gemeente, ontvangen_op=self.ontvangen_op,
            aanvullen_voor=self.aanvullen_voor, ontbrekend=list(self.ontbrekend), gesignaleerd_op=now)

    def received_event(self) -> MeldingReceived:
        if not self.is_complete:
            raise Conflict(f"melding {self.id} is incomplete and cannot enter the chain yet")
        today = local_date(self.ontvangen_op)
        return MeldingReceived(
            melding_id=self.id, gezin_id=self.gezin_id, gemeente=self.gemeente,
            urgentie=self.urgentie, kader=self.kader, zorgen=self.zorgen, kenmerken=self.kenmerken,
            kinderen=[
                KindInMelding(kind_id=k.kind_id, leeftijd=age_on(k.geboortedatum, today))
                for k in self.gezin.kinderen
            ],
            herhaald_beroep=self.herhaald_beroep,
            ontvangen_op=self.ontvangen_op,
        )

    # --- the path through the chain, from the other services' events ---

    def triaged(self, at: datetime, *, doelgroep: str, expertise: str | None, regel: str,
                regelset_versie: str, toelichting: str) -> None:
        self._record("triaged", at, {"doelgroep": doelgroep, "expertise": expertise, "regel": regel,
                                     "regelset_versie": regelset_versie, "toelichting": toelichting})

    def advised(self, at: datetime, *, gi: str, reden: str, afwijking: bool = False,
                afwijking_categorie: str | None = None, advies_id: UUID | None = None) -> None:
        """`reden` is triage's generated explanation; an override's category (never the RvdK's own
        words, which stay in triage)."""
        details = {"gi": str(gi), "reden": reden, "afwijking": afwijking,
                   "afwijking_categorie": str(afwijking_categorie) if afwijking_categorie else None}
        if advies_id is not None:
            details["advies_id"] = str(advies_id)
        self._record("advised", at, details)

    @property
    def advies_id(self) -> UUID | None:
        """The RvdK advice on this report (GET /v1/adviezen/{id} at triage), once advised."""
        ids = [s.details.get("advies_id") for s in self.stappen if s.stap == "advised"]
        ids = [i for i in ids if i]
        return UUID(ids[-1]) if ids else None

    def measure(self, at: datetime, *, maatregel: str, route: str, startdatum: date, gi: str) -> None:
        self._record("measure", at, {"maatregel": str(maatregel), "route": route,
                                     "startdatum": startdatum.isoformat(), "gi": str(gi)})

    def assigned(self, at: datetime, *, gi: str, casus_id: UUID, nieuwe_casus: bool = True,
                 gi_reden: str | None = None) -> None:
        details = {"gi": str(gi), "casus_id": str(casus_id), "nieuwe_casus": nieuwe_casus}
        if gi_reden is not None:  # the case is at another GI than the measure named
            details["gi_reden"] = gi_reden
        self._record("assigned", at, details)

    def protector(self, at: datetime, *, jeugdbeschermer_id: str | None, gi: str) -> None:
        """`jeugdbeschermer_id`: the protector's pseudonym (caseregie keeps who it is)."""
        self._record("protector", at, {"jeugdbeschermer_id": jeugdbeschermer_id, "gi": str(gi)})

    def transferred(self, at: datetime, *, van_gi: str, naar_gi: str, categorie: str) -> None:
        """The transfer's reason category (the requesting GI's own words stay in caseregie)."""
        self._record("transferred", at, {"van_gi": str(van_gi), "naar_gi": str(naar_gi),
                                         "categorie": str(categorie)})

    def closed(self, at: datetime, *, reden: str) -> None:
        self._record("closed", at, {"reden": str(reden)})

    def drang_overdue(self, at: datetime, *, termijn: str) -> None:
        self._record("drang_overdue", at, {"termijn": termijn})

    def _record(self, stap: str, at: datetime, details: dict) -> None:
        new = Stap(stap, utc(at), details)
        if new in self.stappen:
            return  # the same step reported twice
        self.stappen.append(new)
        # Events from different topics arrive in any order; steps stay in time, then chain order.
        self.stappen.sort(key=lambda s: (utc(s.tijdstip), _step_rank(s.stap)))
        self._derive()

    def _derive(self) -> None:
        """Status and current facts, folded over the steps in time order."""
        status = None
        for s in self.stappen:
            d = s.details
            if s.stap in STATUS_ORDER and status != "closed" and (
                    status is None or _status_rank(s.stap) > _status_rank(status)
                    or (s.stap == "protector" and status == "transferred")):
                status = s.stap
            if s.stap == "triaged":
                self.doelgroep = d["doelgroep"]
            elif s.stap == "advised":
                self.geadviseerde_gi = d["gi"]
            elif s.stap == "measure":
                self.maatregel = d["maatregel"]
            elif s.stap == "assigned":
                self.toegewezen_gi, self.casus_id = d["gi"], UUID(d["casus_id"])
            elif s.stap == "protector":
                self.jeugdbeschermer = d["jeugdbeschermer_id"]
            elif s.stap == "transferred":
                self.toegewezen_gi, self.jeugdbeschermer = d["naar_gi"], None
        self.status = status or self.status
