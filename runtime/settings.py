import os
from datetime import datetime
from typing import Literal, Self

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url


class ServiceSettings(BaseSettings):
    """Settings every service reads from its environment (no prefix, one process per service)."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    service_name: str = "jbketen"
    host: str = "127.0.0.1"
    port: int = 8000
    # Empty means the service's own database on the local server: jbketen_<service>.
    database_url: str = ""
    # TLS to PostgreSQL under libpq's names (the URL's query may carry them too:
    # ?sslmode=verify-full&sslrootcert=...). Empty sslmode: the driver's default, as libpq's
    # `prefer` (TLS when the server offers it, its certificate unchecked).
    database_sslmode: Literal["", "disable", "allow", "prefer", "require", "verify-ca", "verify-full"] = ""
    database_sslrootcert: str = ""  # CA file that signed the server's certificate
    database_sslcert: str = ""  # client certificate (and key) for certificate authentication
    database_sslkey: str = ""
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    kafka_group_id: str = ""  # empty: the service name
    # Tansu holds a fetch for much of fetch_max_wait_ms even when data is there.
    # 50 ms while records flow: each fetch costs the broker and the client CPU; capacity, whose
    # signals are latency-bound, waits 10 ms (services/capacity/bootstrap.py).
    kafka_fetch_max_wait_ms: int = 50
    # ... and once a consumer saw no record for KAFKA_IDLE_AFTER_S, this long: an idle stack
    # stays idle; the first event after a quiet spell waits at most this long per hop.
    kafka_fetch_max_wait_idle_ms: int = 1000
    kafka_idle_after_s: float = 2.0
    # Records per consumer batch: handled in one transaction, offsets committed once.
    consumer_batch_size: int = 500
    # 6 s is Apache Kafka's minimum; it bounds how long a stuck group join (seen with Tansu) lasts.
    kafka_session_timeout_ms: int = 6000
    kafka_heartbeat_interval_ms: int = 2000  # a third of the session timeout, as Kafka advises
    kafka_topic_replication: int = 1
    # Self-healing after a broker lost its data (runtime/broker_watch.py): how often the broker's
    # mark is checked (four small requests per service; every 2 s they were a sixth of the stack's
    # CPU at rest), and how long one check may take. KAFKA_SELF_HEAL=false switches it off.
    kafka_self_heal: bool = True
    kafka_watch_interval_s: float = 5.0
    kafka_watch_timeout_s: float = 5.0
    # Kafka connection security. PLAINTEXT (the embedded broker of `make up`), SSL, SASL_PLAINTEXT
    # or SASL_SSL; SASL as SCRAM-SHA-256/512 (username and password) or OAUTHBEARER (an access token
    # from the OIDC provider by the client-credentials grant; the token endpoint is
    # KAFKA_SASL_OAUTH_TOKEN_URL, or found from AUTH_ISSUER's discovery document).
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: Literal["SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"] = "SCRAM-SHA-512"
    kafka_sasl_username: str = ""
    kafka_sasl_password: SecretStr = SecretStr("")
    kafka_sasl_oauth_token_url: str = ""
    kafka_sasl_oauth_client_id: str = ""
    kafka_sasl_oauth_client_secret: SecretStr = SecretStr("")
    kafka_sasl_oauth_scope: str = ""
    kafka_ssl_cafile: str = ""  # empty: the system's CAs
    kafka_ssl_certfile: str = ""  # client certificate (mutual TLS), with its key file
    kafka_ssl_keyfile: str = ""
    # The relay is woken by every commit in its process; the poll finds what another replica left
    # (its own relay sends it, so this is a safety net); after a failed attempt it tries again
    # after the retry interval.
    outbox_poll_interval_s: float = 10.0
    outbox_retry_interval_s: float = 1.0
    outbox_batch_size: int = 500
    consumer_max_attempts: int = 3
    consumer_retry_backoff_s: float = 0.2
    api_version: str = "1.0.0"
    # Open streams (SSE) never end by themselves: on shutdown they get this long, then are cut.
    shutdown_grace_s: float = 3.0
    public_base_url: str = ""
    otel_exporter_otlp_endpoint: str = ""
    # Empty: the wall clock. A moment (with its offset): the service's clock starts there and runs
    # at real speed (a stack on a pinned date, for tests and demos).
    clock_start: datetime | None = None
    # The wall-clock moment at which the clock read `clock_start` (default: the process's start), so
    # that the services of one stack agree on the time.
    clock_started_at: datetime | None = None
    # A steerable clock for test and demo stacks (wins over CLOCK_START): a file holding a moment
    # with its offset; the clock runs at real speed from that moment, from when the file was written,
    # and every process given the file moves when it is written again (runtime.clock.FileClock).
    clock_file: str = ""
    # Identity: bearer JWTs from this issuer for this audience, checked against the issuer's JWKS
    # (an https URL of an OIDC provider, or a file: the development issuer of `make up`).
    auth_issuer: str = "jbketen-dev"
    auth_audience: str = "jbketen"
    auth_jwks_url: str = ""
    auth_jwks_file: str = ""
    auth_leeway_s: float = 30.0
    # Abuse: a request body over this many bytes is refused (413) while it is being read, so it
    # never gets into memory; requests per token subject per window (429 with Retry-After; 0: no
    # limit). The rate limit is counted per replica (in memory).
    max_body_bytes: int = 1024 * 1024
    # Overload: more requests than this in progress at once are refused at once with 503 and
    # Retry-After instead of queueing without bound (0: no limit). Per replica.
    http_max_in_flight: int = 200
    rate_limit_requests: int = 1200
    rate_limit_window_s: int = 60
    # The outbox relay parks an event whose Kafka record is larger than this instead of sending
    # it (match the broker's message.max.bytes; the producer itself stops at 1 MiB).
    kafka_max_request_size: int = 1024 * 1024

    @classmethod
    def for_service(cls, name: str, default_port: int, **explicit) -> Self:
        """Service defaults < plain env names (`DATABASE_URL`) < prefixed (`INTAKE_DATABASE_URL`)."""
        from_env = cls()
        values = {"port": default_port}
        values.update({k: getattr(from_env, k) for k in from_env.model_fields_set})
        prefix = f"{name.upper()}_"
        values.update({key[len(prefix):].lower(): value for key, value in os.environ.items()
                       if key.startswith(prefix) and key[len(prefix):].lower() in cls.model_fields})
        values.update(explicit, service_name=name)
        if not values.get("database_url"):
            values["database_url"] = f"postgresql://postgres@127.0.0.1:5432/jbketen_{name}"
        return cls(**values)

    @property
    def async_database_url(self) -> str:
        return to_async_url(self.database_url)

    @property
    def base_url(self) -> str:
        return self.public_base_url or f"http://{self.host}:{self.port}"

    @model_validator(mode="after")
    def _database_tls_in_url(self) -> Self:
        """DATABASE_SSL* travel in the database URL under libpq's names, so every engine made
        from `database_url` (runtime.db) connects with them."""
        if self.database_url:
            self.database_url = with_database_tls(
                self.database_url, sslmode=self.database_sslmode, sslrootcert=self.database_sslrootcert,
                sslcert=self.database_sslcert, sslkey=self.database_sslkey)
        return self


def with_database_tls(url: str, **tls: str) -> str:
    """The URL with these libpq TLS parameters in its query (empty ones leave the URL's own)."""
    given = {name: value for name, value in tls.items() if value}
    if not given:
        return url
    return make_url(url).update_query_dict(given).render_as_string(hide_password=False)


def to_async_url(url: str) -> str:
    """Accept plain postgres URLs (as tools print them) and use the asyncpg driver."""
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix):]
    raise ValueError(f"not a PostgreSQL URL: {url!r}")
