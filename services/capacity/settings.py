"""Settings of capacity; each can be set as CAPACITY_<NAME> (e.g. CAPACITY_ESCALATIE_WACHTEND_MAX=40)."""
from pydantic import SecretStr

from runtime.settings import ServiceSettings
from runtime.webhooks import Doelbeleid
from services.capacity.domain.escalatie import Drempels


class CapacitySettings(ServiceSettings):
    # Escalate when more children than this wait for a fixed protector, or one waits longer
    # than this many days (every GI at or over its norm is the third condition).
    escalatie_wachtend_max: int = Drempels.wachtend_max
    escalatie_wachtdagen_max: int = Drempels.wachtdagen_max
    # Hysteresis: clear only when waiting <= max - marge, longest wait <= max - marge days and
    # at least one GI has this many free slots again.
    escalatie_marge_wachtend: int = Drempels.marge_wachtend
    escalatie_marge_wachtdagen: int = Drempels.marge_wachtdagen
    escalatie_herstel_vrije_plaatsen: int = Drempels.herstel_vrije_plaatsen
    # How often waiting days are recomputed (a GI's figure changes at most once a day; a signal
    # goes out only when it did). The first run is at start-up and also repairs a lost state.
    wachtdagen_interval_s: float = 3600.0
    # Live streams wake at once on a change committed in this process; this poll picks up
    # changes committed by another replica.
    sse_poll_interval_s: float = 0.5
    sse_keepalive_s: float = 15.0
    # Live capacity is the chain's most latency-bound path (a case event -> its capacity signal):
    # a fifth of the runtime's busy fetch wait, at the cost of more fetches (broker CPU) while
    # events flow.
    kafka_fetch_max_wait_ms: int = 10

    # The escalation plan (services/capacity/escalatieplannen/<versie>.json; the newest is active).
    # Another folder of plan files, e.g. for a test or a region's own plan; empty: the shipped ones.
    escalatieplan_map: str = ""
    # How often open escalations are checked for parties that did not acknowledge in time (the
    # plan's ophogen_na_uren), and how often the week's figure for GRJR is due (once per ISO week).
    ophogen_interval_s: float = 60.0
    weekcijfer_interval_s: float = 3600.0
    # Notifications over webhooks and e-mail: how often due ones are looked for (another replica's;
    # those queued or retried in this process go at once or when due), the retry schedule
    # (doubling from base to max) and how long a receiver or the mail server may take.
    kennisgeving_interval_s: float = 5.0
    kennisgeving_retry_base_s: float = 5.0
    kennisgeving_retry_max_s: float = 900.0
    kennisgeving_timeout_s: float = 10.0
    kennisgeving_batch_size: int = 50
    # Each party's webhook (party=url, comma-separated: "rvdk=https://rvdk.example/escalaties,JBRR=...")
    # and its signing secret (Standard Webhooks, "rvdk=whsec_...,JBRR=whsec_..."). Targets must be
    # https and public; development only: plain http and loopback/private addresses.
    escalatie_webhooks: str = ""
    escalatie_webhook_secrets: SecretStr = SecretStr("")
    escalatie_webhook_allow_http: bool = False
    escalatie_webhook_allow_private: bool = False
    # Each party's (functional) mailbox: "rvdk=escalaties@rvdk.example,grjr=...".
    escalatie_email: str = ""
    # The SMTP server e-mail goes through. Empty host: no server; each e-mail is written as an .eml
    # file under mail_map instead (the mail catcher of `make up`).
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_from: str = "escalaties@jbketen.local"
    smtp_starttls: bool = False
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    mail_map: str = ".data/capacity/mail"

    def drempels(self) -> Drempels:
        return Drempels(wachtend_max=self.escalatie_wachtend_max,
                        wachtdagen_max=self.escalatie_wachtdagen_max,
                        marge_wachtend=self.escalatie_marge_wachtend,
                        marge_wachtdagen=self.escalatie_marge_wachtdagen,
                        herstel_vrije_plaatsen=self.escalatie_herstel_vrije_plaatsen)

    def webhook_doelen(self) -> dict[str, tuple[str, str]]:
        """party -> (url, secret) for the parties that have both."""
        urls = _per_partij(self.escalatie_webhooks)
        secrets = _per_partij(self.escalatie_webhook_secrets.get_secret_value())
        return {p: (url, secrets[p]) for p, url in urls.items() if secrets.get(p)}

    def email_adressen(self) -> dict[str, str]:
        return _per_partij(self.escalatie_email)

    def webhook_beleid(self) -> Doelbeleid:
        return Doelbeleid(allow_http=self.escalatie_webhook_allow_http,
                          allow_private=self.escalatie_webhook_allow_private)


def _per_partij(text: str) -> dict[str, str]:
    """"rvdk=a,JBRR=b" -> {"rvdk": "a", "JBRR": "b"} (spaces around the parts ignored)."""
    pairs = (part.split("=", 1) for part in text.split(",") if "=" in part)
    return {name.strip(): value.strip() for name, value in pairs if value.strip()}
