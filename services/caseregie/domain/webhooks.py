"""Webhooks of the GI case systems: who receives which case event, signing (Standard Webhooks)
and the retry schedule. Pure: no I/O."""
import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID, uuid4

from contracts.events import (
    CasusAssigned,
    CasusClosed,
    CasusTransferred,
    DrangOverdue,
    Event,
    JeugdbeschermerAssigned,
    OverdrachtApproved,
    OverdrachtRejected,
    OverdrachtRequested,
)
from contracts.vocabulary import GI
from runtime.errors import InvalidInput
from services.caseregie.domain.model import Overdracht

SECRET_PREFIX = "whsec_"
MAX_URL = 2000

WACHTEND = "wachtend"  # not tried yet
NIEUWE_POGING = "nieuwe_poging"  # tried, not acknowledged: tried again at volgende_poging_op
AFGELEVERD = "afgeleverd"  # acknowledged with a 2xx

# The case events a GI's webhooks receive.
WEBHOOK_EVENTS: tuple[type[Event], ...] = (
    CasusAssigned, JeugdbeschermerAssigned, OverdrachtRequested, OverdrachtApproved, OverdrachtRejected,
    CasusTransferred, CasusClosed, DrangOverdue,
)


def nieuw_geheim() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def onderteken(secret: str, msg_id: str, timestamp: int, body: str) -> str:
    """Standard Webhooks signature: "v1," + base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}")),
    the key being the base64-decoded part of the secret after "whsec_"."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    digest = hmac.new(key, f"{msg_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secret: str, msg_id: str, timestamp: int, body: str) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": onderteken(secret, msg_id, timestamp, body),
    }


def body(bericht: dict[str, Any]) -> str:
    """The exact JSON text that is sent and signed."""
    return json.dumps(bericht, separators=(",", ":"), ensure_ascii=False)


def bericht(event_id: str, event_type: str, time: datetime, subject: str, data: dict[str, Any]) -> dict:
    return {"id": event_id, "type": event_type, "time": time.isoformat(), "subject": subject, "data": data}


def ontvangers(event: Event, overdracht: Overdracht | None = None) -> set[GI]:
    """The GIs a case event concerns: the case's GI, or both GIs of a transfer."""
    if isinstance(event, OverdrachtRequested | CasusTransferred):
        return {event.van_gi, event.naar_gi}
    if isinstance(event, OverdrachtApproved | OverdrachtRejected):
        if event.van_gi and event.naar_gi:
            return {event.van_gi, event.naar_gi}
        # An event recorded before decisions named both GIs: the stored transfer does.
        return {overdracht.van_gi, overdracht.naar_gi} if overdracht else {event.gi}
    if isinstance(event, CasusAssigned | JeugdbeschermerAssigned | CasusClosed | DrangOverdue):
        return {event.gi}
    return set()


def volgende_poging_na(pogingen: int, base_s: float, max_s: float) -> float:
    """Exponential backoff: base after the first failed attempt, doubling, capped at max."""
    return min(max_s, base_s * 2 ** max(0, pogingen - 1))


def controleer_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > MAX_URL:
        raise InvalidInput("must be an absolute http or https URL", field="url")
    return url


@dataclass
class Webhook:
    id: UUID
    gi: GI
    url: str
    secret: str
    aangemaakt_op: datetime

    @classmethod
    def registreer(cls, gi: GI, url: str, now: datetime) -> "Webhook":
        return cls(id=uuid4(), gi=gi, url=controleer_url(url), secret=nieuw_geheim(), aangemaakt_op=now)


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
    def voor(cls, webhook: Webhook, bericht: dict[str, Any], now: datetime) -> "Aflevering":
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
