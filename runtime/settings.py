import os
from datetime import datetime
from typing import Self

from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """Settings every service reads from its environment (no prefix, one process per service)."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    service_name: str = "jbketen"
    host: str = "127.0.0.1"
    port: int = 8000
    # Empty means the service's own database on the local server: jbketen_<service>.
    database_url: str = ""
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    kafka_group_id: str = ""  # empty: the service name
    # Tansu holds a fetch for much of fetch_max_wait_ms even when data is there.
    kafka_fetch_max_wait_ms: int = 10
    # 6 s is Apache Kafka's minimum; it bounds how long a stuck group join (seen with Tansu) lasts.
    kafka_session_timeout_ms: int = 6000
    kafka_heartbeat_interval_ms: int = 1000
    kafka_topic_replication: int = 1
    kafka_topic_partitions: int = 3
    outbox_poll_interval_s: float = 0.5
    outbox_batch_size: int = 100
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
    # Identity: bearer JWTs from this issuer for this audience, checked against the issuer's JWKS
    # (an https URL of an OIDC provider, or a file: the development issuer of `make up`).
    auth_issuer: str = "jbketen-dev"
    auth_audience: str = "jbketen"
    auth_jwks_url: str = ""
    auth_jwks_file: str = ""
    auth_leeway_s: float = 30.0

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


def to_async_url(url: str) -> str:
    """Accept plain postgres URLs (as tools print them) and use the asyncpg driver."""
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix):]
    raise ValueError(f"not a PostgreSQL URL: {url!r}")
