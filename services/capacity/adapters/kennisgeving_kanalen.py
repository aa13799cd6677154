"""The ways out of an escalation notification: a signed webhook (Standard Webhooks, the runtime's one
implementation, pinned to the checked address) and e-mail through the configured SMTP server, or,
without a server, an .eml file under the mail folder (the mail catcher of `make up`)."""
import asyncio
import smtplib
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

from runtime import webhooks as wh
from runtime.clock import Clock
from runtime.webhook_client import WebhookClient
from services.capacity.domain.escalatieplan import EMAIL, MAATREGELEN, WEBHOOK
from services.capacity.domain.kennisgeving import Kennisgeving
from services.capacity.settings import CapacitySettings

RAISED = "nl.jbketen.escalatie.raised.v1"


class Kanalen:
    """One delivery round's channels (an async context manager: the HTTP client is closed after)."""

    def __init__(self, settings: CapacitySettings, clock: Clock, webhook_client: WebhookClient | None = None):
        self.settings = settings
        self.clock = clock
        self._client = webhook_client or WebhookClient(settings.kennisgeving_timeout_s)

    async def __aenter__(self) -> "Kanalen":
        await self._client.__aenter__()
        return self

    async def __aexit__(self, *exc) -> None:
        await self._client.__aexit__(*exc)

    async def verstuur(self, k: Kennisgeving) -> str | None:
        """None when it went out, else why not (tried again later)."""
        if k.kanaal == WEBHOOK:
            return await self._webhook(k)
        if k.kanaal == EMAIL:
            return await self._email(k)
        return f"kanaal {k.kanaal} wordt niet verzonden"

    async def _webhook(self, k: Kennisgeving) -> str | None:
        doel = self.settings.webhook_doelen().get(k.partij)
        if doel is None:
            return f"geen webhook ingesteld voor {k.partij} (CAPACITY_ESCALATIE_WEBHOOKS en _SECRETS)"
        url, secret = doel
        body = wh.body(k.bericht)
        headers = wh.headers(secret, k.bericht["id"], int(self.clock.timestamp()), body)
        return await self._client.post(url, body.encode(), headers, self.settings.webhook_beleid())

    async def _email(self, k: Kennisgeving) -> str | None:
        adres = self.settings.email_adressen().get(k.partij)
        if adres is None:
            return f"geen e-mailadres ingesteld voor {k.partij} (CAPACITY_ESCALATIE_EMAIL)"
        message = e_mail(k, self.settings.smtp_from, adres, self.settings.base_url)
        message["Date"] = format_datetime(self.clock.now())
        try:
            await asyncio.wait_for(asyncio.to_thread(self._send, message),
                                   self.settings.kennisgeving_timeout_s)
        except TimeoutError:
            return f"geen antwoord van de mailserver binnen {self.settings.kennisgeving_timeout_s:g} s"
        except (OSError, smtplib.SMTPException) as exc:
            return f"{type(exc).__name__}: {exc}"
        return None

    def _send(self, message: EmailMessage) -> None:
        s = self.settings
        if not s.smtp_host:
            folder = Path(s.mail_map)
            folder.mkdir(parents=True, exist_ok=True)
            name = message["Message-ID"].strip("<>").replace("@", "_").replace("/", "_")
            (folder / f"{name}.eml").write_bytes(bytes(message))
            return
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.kennisgeving_timeout_s) as smtp:
            if s.smtp_starttls:
                smtp.starttls()
            if s.smtp_username:
                smtp.login(s.smtp_username, s.smtp_password.get_secret_value())
            smtp.send_message(message)


def e_mail(k: Kennisgeving, afzender: str, aan: str, base_url: str) -> EmailMessage:
    """The e-mail of a notification, in Dutch, made of its message (figures and codes only)."""
    data: dict[str, Any] = k.bericht["data"]
    escalatie_id = k.bericht["subject"]
    message = EmailMessage()
    message["From"], message["To"] = afzender, aan
    message["Message-ID"] = make_msgid(idstring=f"{escalatie_id}.{k.onderwerp.replace(' ', '-')}.{k.partij}",
                                       domain="jbketen.local")
    if k.bericht["type"] == RAISED:
        message["Subject"] = (f"Escalatie capaciteit jeugdbescherming: niveau {data['niveau']} "
                              f"(escalatieplan {data.get('escalatieplan_versie') or '-'})")
        c = data["cijfers"]
        lines = [f"De regio Rotterdam Rijnmond dreigt vast te lopen: escalatie {escalatie_id}, "
                 f"niveau {data['niveau']}, geopend op {data['gestart_op']}.", "", "Redenen:",
                 *(f"- {r}" for r in data["redenen"]), "",
                 f"Vrije plaatsen in de regio: {c['vrije_plaatsen_regio']}; wachtend: {c['wachtend']}; "
                 f"langste wachttijd: {c['langste_wachtdagen']} dagen.", "", "Maatregelen die nu gelden:",
                 *(f"- {MAATREGELEN.get(m, m)}" for m in data.get("maatregelen", [])), "",
                 f"Bevestig de ontvangst: POST {base_url}/v1/escalaties/{escalatie_id}/bevestigingen"]
    else:
        message["Subject"] = f"Weekcijfer capaciteit jeugdbescherming {data['week']}"
        lines = [f"Weekcijfer {data['week']} bij escalatie {escalatie_id}:", "",
                 *(f"- {g['gi']}: {g['vrije_plaatsen']} vrije plaatsen, {g['wachtend']} wachtend, "
                   f"langste wachttijd {g['langste_wachtdagen']} dagen" for g in data["per_gi"])]
    message.set_content("\n".join(lines) + "\n")
    return message
