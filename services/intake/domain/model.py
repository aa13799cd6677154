"""Care reports (zorgmeldingen) and their path through the chain. Pure: no I/O."""
import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID, uuid4

from contracts.events import Kind, MeldingReceived
from contracts.vocabulary import GEMEENTEN

# Chain status as the local team sees it; a late or repeated event never moves it back.
STATUS_ORDER = ("received", "triaged", "advised", "assigned")


def _rank(stap: str) -> int:
    return STATUS_ORDER.index(stap) if stap in STATUS_ORDER else len(STATUS_ORDER)


def is_valid_bsn(bsn: str) -> bool:
    """The eleven-test (elfproef) for a 9-digit citizen service number."""
    if len(bsn) != 9 or not bsn.isdigit() or bsn == "000000000":
        return False
    total = sum(int(d) * w for d, w in zip(bsn[:8], range(9, 1, -1), strict=True)) - int(bsn[8])
    return total % 11 == 0


def is_known_gemeente(code: str) -> bool:
    return code in GEMEENTEN


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def pseudonym(secret: bytes, bsn: str | None) -> UUID:
    """Stable pseudonymous id for a BSN (keyed hash), or a fresh id when there is none."""
    if not bsn:
        return uuid4()
    return UUID(bytes=hmac.new(secret, bsn.encode(), hashlib.sha256).digest()[:16], version=4)


@dataclass
class Stap:
    stap: str
    tijdstip: datetime
    details: dict = field(default_factory=dict)


@dataclass
class Melding:
    """A report with its personal data; only pseudonymous attributes ever leave intake."""

    id: UUID
    gezin_id: UUID
    gemeente: str
    urgentie: str
    kader: str | None
    zorgen: list[str]
    kenmerken: list[str]
    gezin: dict  # children and parents, personal data: stays here
    melder: dict  # reporter's contact details: stays here
    toelichting: str | None
    ontvangen_op: datetime
    status: str = "received"
    doelgroep: str | None = None
    geadviseerde_gi: str | None = None
    toegewezen_gi: str | None = None
    casus_id: UUID | None = None
    stappen: list[Stap] = field(default_factory=list)

    @classmethod
    def receive(cls, report: dict, secret: bytes, now: datetime) -> "Melding":
        kinderen = [
            {**k, "kind_id": str(pseudonym(secret, k.get("bsn")))} for k in report["gezin"]["kinderen"]
        ]
        melding = cls(
            id=uuid4(), gezin_id=uuid4(), gemeente=report["gemeente"], urgentie=report["urgentie"],
            kader=report.get("kader"), zorgen=list(report["zorgen"]), kenmerken=list(report["kenmerken"]),
            gezin={**report["gezin"], "kinderen": kinderen}, melder=report["melder"],
            toelichting=report.get("toelichting"), ontvangen_op=now,
        )
        melding.stappen.append(Stap("received", now, {"gemeente": melding.gemeente}))
        return melding

    def received_event(self) -> MeldingReceived:
        today = self.ontvangen_op.date()
        return MeldingReceived(
            melding_id=self.id, gezin_id=self.gezin_id, gemeente=self.gemeente,
            urgentie=self.urgentie, kader=self.kader, zorgen=self.zorgen, kenmerken=self.kenmerken,
            kinderen=[
                Kind(kind_id=k["kind_id"], leeftijd=age_on(date.fromisoformat(k["geboortedatum"]), today))
                for k in self.gezin["kinderen"]
            ],
            ontvangen_op=self.ontvangen_op,
        )

    def _advance(self, status: str, at: datetime, details: dict) -> None:
        self.stappen.append(Stap(status, at, details))
        # Events from different topics arrive in any order; steps stay in chain order.
        self.stappen.sort(key=lambda s: (s.tijdstip, _rank(s.stap)))
        if STATUS_ORDER.index(status) > STATUS_ORDER.index(self.status):
            self.status = status

    def triaged(self, doelgroep: str, regel: str, toelichting: str, at: datetime) -> None:
        self.doelgroep = doelgroep
        self._advance("triaged", at, {"doelgroep": doelgroep, "regel": regel, "toelichting": toelichting})

    def advised(self, gi: str, reden: str, at: datetime) -> None:
        self.geadviseerde_gi = gi
        self._advance("advised", at, {"gi": gi, "reden": reden})

    def assigned(self, gi: str, casus_id: UUID, at: datetime) -> None:
        self.toegewezen_gi = gi
        self.casus_id = casus_id
        self._advance("assigned", at, {"gi": gi, "casus_id": str(casus_id)})
