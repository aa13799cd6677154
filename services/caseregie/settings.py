"""Settings of caseregie; each can be set as CASEREGIE_<NAME> (e.g. CASEREGIE_WEBHOOK_RETRY_BASE_S)."""
from runtime.pseudonyms import PseudonymSettings
from runtime.retention import RetentionSettings

# A drang limit already passed when the measure is recorded is flagged at once; this periodic check
# (also run at start) finds the limits passed later, at most this long after the day they pass
# begins. README and the OpenAPI description of a case's drang_signalen state it.
DRANG_CHECK_INTERVAL_S = 3600.0


class CaseregieSettings(PseudonymSettings, RetentionSettings):
    # PSEUDONYM_KEY (runtime.pseudonyms): managers and protectors travel in events as keyed hashes
    # of their token subject and staff code; required, caseregie refuses to start without a safe one.
    # BEWAARTERMIJN_JAREN (runtime.retention): a closed case's personal data are erased that many
    # years after its closure.
    drang_check_interval_s: float = DRANG_CHECK_INTERVAL_S  # how often open drang cases are checked
    # How often due webhook deliveries are looked for (another replica's, retries); those queued or
    # retried in this process are sent at once or when due (runtime/wakeups.py).
    webhook_poll_interval_s: float = 5.0
    webhook_retry_base_s: float = 2.0  # wait after the first failed delivery; doubles per failure
    webhook_retry_max_s: float = 300.0  # longest wait between two attempts
    webhook_timeout_s: float = 10.0  # a receiver must answer within this time
    webhook_batch_size: int = 50  # deliveries sent per poll (and per replica)
    # Webhook targets must be https and resolve only to global addresses (no SSRF into our network).
    # Development only: plain http, and loopback/private/shared addresses (a receiver on 127.0.0.1).
    webhook_allow_http: bool = False
    webhook_allow_private: bool = False
    # Fernet key(s) encrypting the signing secrets at rest, comma-separated: the first encrypts,
    # every one decrypts (rotation). Empty: a key generated once at <data_dir>/webhook-secret.key.
    webhook_secret_key: str = ""
    data_dir: str = ".data/caseregie"  # this service's own files (the development key)
