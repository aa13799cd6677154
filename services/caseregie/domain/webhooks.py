"""Webhooks of the GI case systems: who receives which case event, and each delivery's attempts.
Pure: no I/O. Signing (Standard Webhooks), the retry schedule and the target checks: runtime/webhooks.py."""
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from contracts.vocabulary import GI

# Signing, the signed body, the retry schedule and the target checks are the runtime's (one
# implementation for caseregie's and capacity's webhooks); named here as this domain always had them.
from runtime.webhooks import (  # noqa: F401
    MAX_URL,
    SECRET_PREFIX,
    STRIKT,
    Adres,
    Doelbeleid,
    bericht,
    body,
    controleer_adressen,
    controleer_url,
    headers,
    nieuw_geheim,
    onderteken,
    soort_adres,
    verboden_adres,
    volgende_poging_na,
)
from services.caseregie.domain.events import (
    CasusAssigned,
    CasusClosed,
    CasusEvent,
    CasusTransferred,
    DrangOverdue,
    JeugdbeschermerAssigned,
    JeugdhulpStarted,
    OverdrachtApproved,
    OverdrachtRejected,
    OverdrachtRequested,
    UithuisplaatsingEnded,
    UithuisplaatsingStarted,
)
from services.caseregie.domain.model import Overdracht

WACHTEND = "wachtend"  # not tried yet
NIEUWE_POGING = "nieuwe_poging"  # tried, not acknowledged: tried again at volgende_poging_op
AFGELEVERD = "afgeleverd"  # acknowledged with a 2xx

# The case events a GI's webhooks receive (their wire form is what is sent: adapters/wire.py).
WEBHOOK_EVENTS: tuple[type, ...] = (
    CasusAssigned, JeugdbeschermerAssigned, OverdrachtRequested, OverdrachtApproved, OverdrachtRejected,
    CasusTransferred, CasusClosed, DrangOverdue,
    UithuisplaatsingStarted, UithuisplaatsingEnded, JeugdhulpStarted,
)


def ontvangers(event: CasusEvent, overdracht: Overdracht | None = None) -> set[GI]:
    """The GIs a case event concerns: the case's GI, or both GIs of a transfer."""
    if isinstance(event, OverdrachtRequested | CasusTransferred):
        return {event.van_gi, event.naar_gi}
    if isinstance(event, OverdrachtApproved | OverdrachtRejected):
        if event.van_gi and event.naar_gi:
            return {event.van_gi, event.naar_gi}
        # An event recorded before decisions named both GIs: the stored transfer does.
        return {overdracht.van_gi, overdracht.naar_gi} if overdracht else {event.gi}
    if isinstance(event, CasusAssigned | JeugdbeschermerAssigned | CasusClosed | DrangOverdue
                  | UithuisplaatsingStarted | UithuisplaatsingEnded | JeugdhulpStarted):
        return {event.gi}
    return set()


@dataclass
class Webhook:
    id: UUID
    gi: GI
    url: str
    # The signing secret in plain text: known at creation (shown once) and when a delivery is
    # signed; None when loaded for anything else. Stored only encrypted (adapters).
    secret: str | None
    aangemaakt_op: datetime

    @classmethod
    def registreer(cls, gi: GI, url: str, now: datetime, beleid: Doelbeleid = STRIKT) -> "Webhook":
        return cls(id=uuid4(), gi=gi, url=controleer_url(url, beleid), secret=nieuw_geheim(),
                   aangemaakt_op=now)


@dataclass
class Aflevering:
    """One case event to one webhook, tried until the receiver acknowledges it."""

    webhook_id: UUID
    event_id: str
    event_type: str
    bericht: dict[str, Any]
    aangemaakt_op: datetime
    volgende_poging_op: datetime
    pogingen: int = 0
    laatste_poging_op: datetime | None = None
    laatste_fout: str | None = None
    afgeleverd_op: datetime | None = None
    id: int | None = None

    @classmethod
    def voor(cls, webhook: Webhook, bericht: dict[str, Any], now: datetime) -> "Aflevering":  # noqa: F811
        return cls(webhook_id=webhook.id, event_id=bericht["id"], event_type=bericht["type"],
                   bericht=bericht, aangemaakt_op=now, volgende_poging_op=now)

    @property
    def status(self) -> str:
        if self.afgeleverd_op is not None:
            return AFGELEVERD
        return NIEUWE_POGING if self.pogingen else WACHTEND

    def poging(self, now: datetime, fout: str | None, base_s: float, max_s: float) -> None:
        """Record an attempt: acknowledged when `fout` is None, else schedule the next one."""
        self.pogingen += 1
        self.laatste_poging_op = now
        if fout is None:
            self.afgeleverd_op = now
            return
        self.laatste_fout = fout[:1000]
        self.volgende_poging_op = now + timedelta(seconds=volgende_poging_na(self.pogingen, base_s, max_s))
