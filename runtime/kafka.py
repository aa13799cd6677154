"""Kafka clients configured the same way for every service (Apache Kafka or Tansu), with the
connection's security (TLS, SASL/SCRAM or SASL/OAUTHBEARER) from the settings."""
import asyncio
import logging
import time
from collections.abc import Callable
from contextlib import suppress
from ssl import SSLContext
from urllib.parse import quote

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.abc import AbstractTokenProvider
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from aiokafka.helpers import create_ssl_context

from contracts import TOPICS
from contracts.topics import BROKER_MARK, DEAD_LETTER_CONFIG, DEAD_LETTER_PARTITIONS
from runtime.settings import ServiceSettings

log = logging.getLogger(__name__)

TLS_PROTOCOLS = ("SSL", "SASL_SSL")
SASL_PROTOCOLS = ("SASL_PLAINTEXT", "SASL_SSL")
# A token is fetched again when this share of its lifetime has passed.
TOKEN_REFRESH_AT = 0.8


def producer(settings: ServiceSettings) -> AIOKafkaProducer:
    # No idempotent or transactional producer: Tansu rejects InitProducerId. Exactly-once
    # effects come from the outbox plus idempotent consumers instead.
    return AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=settings.service_name,
        acks="all",
        enable_idempotence=False,
        linger_ms=0,
        **security(settings),
    )


def consumer(settings: ServiceSettings) -> AIOKafkaConsumer:
    """Not yet subscribed: the EventConsumer subscribes with its rebalance listener."""
    return AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=settings.kafka_group_id or settings.service_name,
        client_id=settings.service_name,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=settings.kafka_fetch_max_wait_ms,
        session_timeout_ms=settings.kafka_session_timeout_ms,
        heartbeat_interval_ms=settings.kafka_heartbeat_interval_ms,
        **security(settings),
    )


class IdleWait:
    """A consumer's fetch wait: `busy_ms` while records flow, `idle_ms` once none came for
    `idle_after_s`. Tansu holds a fetch for much of its wait even when records arrive meanwhile,
    so a short wait keeps latency low under load and a long one keeps an idle service idle (on
    Apache Kafka a long wait costs no latency). aiokafka reads the wait from its fetcher for each
    fetch request; there is no public setter, so a client without it keeps its configured wait."""

    def __init__(self, busy_ms: int | None, idle_ms: int | None = None, idle_after_s: float = 2.0,
                 monotonic: Callable[[], float] = time.monotonic):
        self.busy_ms, self.idle_ms, self.idle_after_s = busy_ms, idle_ms or busy_ms, idle_after_s
        self._monotonic = monotonic
        self._fetcher = None
        self._last_records = monotonic()
        self.current_ms = busy_ms

    @classmethod
    def of(cls, settings: ServiceSettings) -> "IdleWait":
        return cls(settings.kafka_fetch_max_wait_ms, settings.kafka_fetch_max_wait_idle_ms,
                   settings.kafka_idle_after_s)

    def attach(self, consumer: AIOKafkaConsumer) -> None:
        fetcher = getattr(consumer, "_fetcher", None)
        self._fetcher = fetcher if hasattr(fetcher, "_fetch_max_wait_ms") else None

    def saw(self, records: int) -> None:
        """After each poll: how many records it brought."""
        now = self._monotonic()
        if records:
            self._last_records = now
            self._set(self.busy_ms)
        elif now - self._last_records >= self.idle_after_s:
            self._set(self.idle_ms)

    def _set(self, wait_ms: int | None) -> None:
        if wait_ms is None or wait_ms == self.current_ms:
            return
        self.current_ms = wait_ms
        if self._fetcher is not None:
            self._fetcher._fetch_max_wait_ms = wait_ms


async def refresh_metadata(client: AIOKafkaConsumer | AIOKafkaProducer, timeout_s: float = 5) -> None:
    """Read the cluster's metadata again now, for a started consumer or producer. A new broker's
    topics may have other partition counts than the old one's (Tansu creates a topic a client asks
    about before the services create theirs, with 4 partitions), and aiokafka reads metadata again
    only every `metadata_max_age_ms` (5 minutes) or after a lost connection: a group leader would
    assign, and a producer pick, partitions from the old counts. There is no public call for it; a
    client without the internal one keeps its metadata until then."""
    inner = getattr(client, "_client", None) or getattr(client, "client", None)
    if hasattr(inner, "force_metadata_update"):
        with suppress(TimeoutError):
            await asyncio.wait_for(inner.force_metadata_update(), timeout_s)


def admin_client(settings: ServiceSettings) -> AIOKafkaAdminClient:
    return AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers,
                               client_id=settings.service_name, **security(settings))


async def ensure_topics(settings: ServiceSettings, extra: list[str] = ()) -> None:
    """The topic plan's topics (contracts/topics.py) and the service's `extra` dead-letter topics."""
    wanted = [NewTopic(t.name, t.partitions, settings.kafka_topic_replication, topic_configs=dict(t.config))
              for t in (*TOPICS, BROKER_MARK)]
    wanted += [NewTopic(name, DEAD_LETTER_PARTITIONS, settings.kafka_topic_replication,
                        topic_configs=dict(DEAD_LETTER_CONFIG)) for name in extra]
    admin = admin_client(settings)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in wanted if t.name not in existing]
        if missing:
            try:
                await admin.create_topics(missing)
            except TopicAlreadyExistsError:
                pass  # another service created it at the same moment
    finally:
        await admin.close()


def security(settings: ServiceSettings) -> dict:
    """The aiokafka keyword arguments for the connection's security, the same for producer,
    consumer and admin client. PLAINTEXT: none at all (aiokafka's defaults, as before)."""
    check_security(settings)
    protocol = settings.kafka_security_protocol
    if protocol == "PLAINTEXT":
        return {}
    kwargs: dict = {"security_protocol": protocol}
    if protocol in TLS_PROTOCOLS:
        kwargs["ssl_context"] = ssl_context(settings)
    if protocol in SASL_PROTOCOLS:
        kwargs.update(sasl(settings))
    return kwargs


def check_security(settings: ServiceSettings) -> None:
    """Refuse settings that would quietly connect with less security than they name."""
    protocol = settings.kafka_security_protocol
    tls_files = settings.kafka_ssl_cafile or settings.kafka_ssl_certfile or settings.kafka_ssl_keyfile
    credentials = (settings.kafka_sasl_username or settings.kafka_sasl_password.get_secret_value()
                   or settings.kafka_sasl_oauth_client_id)
    if tls_files and protocol not in TLS_PROTOCOLS:
        raise ValueError(f"KAFKA_SSL_* files are set but KAFKA_SECURITY_PROTOCOL is {protocol}")
    if credentials and protocol not in SASL_PROTOCOLS:
        raise ValueError(f"Kafka SASL credentials are set but KAFKA_SECURITY_PROTOCOL is {protocol}")
    if settings.kafka_ssl_keyfile and not settings.kafka_ssl_certfile:
        raise ValueError("KAFKA_SSL_KEYFILE needs KAFKA_SSL_CERTFILE")
    if protocol in SASL_PROTOCOLS:
        _check_sasl(settings)


def _check_sasl(settings: ServiceSettings) -> None:
    mechanism = settings.kafka_sasl_mechanism
    if mechanism != "OAUTHBEARER":
        if not (settings.kafka_sasl_username and settings.kafka_sasl_password.get_secret_value()):
            raise ValueError(f"SASL {mechanism} needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD")
        return
    secret = settings.kafka_sasl_oauth_client_secret.get_secret_value()
    if not (settings.kafka_sasl_oauth_client_id and secret):
        raise ValueError("SASL OAUTHBEARER needs KAFKA_SASL_OAUTH_CLIENT_ID and _CLIENT_SECRET")
    if not (settings.kafka_sasl_oauth_token_url or settings.auth_issuer.startswith(("https://", "http://"))):
        raise ValueError("SASL OAUTHBEARER needs KAFKA_SASL_OAUTH_TOKEN_URL or an OIDC AUTH_ISSUER")


def ssl_context(settings: ServiceSettings) -> SSLContext:
    """The broker's certificate checked (chain and host name) against the CA file or the system's
    CAs; a client certificate for mutual TLS when one is set."""
    return create_ssl_context(cafile=settings.kafka_ssl_cafile or None,
                              certfile=settings.kafka_ssl_certfile or None,
                              keyfile=settings.kafka_ssl_keyfile or None)


def sasl(settings: ServiceSettings) -> dict:
    mechanism = settings.kafka_sasl_mechanism
    if mechanism == "OAUTHBEARER":
        return {"sasl_mechanism": mechanism, "sasl_oauth_token_provider": ClientCredentialsTokenProvider(
            token_url=settings.kafka_sasl_oauth_token_url, issuer=settings.auth_issuer,
            client_id=settings.kafka_sasl_oauth_client_id,
            client_secret=settings.kafka_sasl_oauth_client_secret.get_secret_value(),
            scope=settings.kafka_sasl_oauth_scope)}
    return {"sasl_mechanism": mechanism, "sasl_plain_username": settings.kafka_sasl_username,
            "sasl_plain_password": settings.kafka_sasl_password.get_secret_value()}


class TokenError(RuntimeError):
    """The OIDC provider gave no access token."""


class ClientCredentialsTokenProvider(AbstractTokenProvider):
    """SASL/OAUTHBEARER: an access token from the OIDC provider by the client-credentials grant
    (RFC 6749 §4.4, client authenticated with HTTP Basic), reused until most of its lifetime has
    passed. The token endpoint is given, or read once from the issuer's discovery document."""

    def __init__(self, *, client_id: str, client_secret: str, token_url: str = "", issuer: str = "",
                 scope: str = "", transport: httpx.AsyncBaseTransport | None = None,
                 monotonic: Callable[[], float] = time.monotonic):
        self._client_id, self._client_secret, self._scope = client_id, client_secret, scope
        self._token_url, self._issuer = token_url, issuer.rstrip("/")
        self._transport, self._monotonic = transport, monotonic
        self._token: str | None = None
        self._renew_at = 0.0
        self._lock = asyncio.Lock()

    async def token(self) -> str:
        async with self._lock:  # one request at a time, however many connections ask at once
            if self._token is None or self._monotonic() >= self._renew_at:
                started = self._monotonic()
                self._token, lifetime = await self._fetch()
                self._renew_at = started + lifetime * TOKEN_REFRESH_AT
            return self._token

    async def _fetch(self) -> tuple[str, float]:
        async with httpx.AsyncClient(transport=self._transport, timeout=10, follow_redirects=False) as http:
            url = self._token_url or await self._discover(http)
            form = {"grant_type": "client_credentials"} | ({"scope": self._scope} if self._scope else {})
            response = await http.post(url, data=form, auth=(quote(self._client_id, safe=""),
                                                             quote(self._client_secret, safe="")))
        body = _json(response)
        if response.status_code != 200 or not isinstance(body.get("access_token"), str):
            raise TokenError(f"no access token from {url}: HTTP {response.status_code} "
                             f"{body.get('error', '')} {body.get('error_description', '')}".rstrip())
        return body["access_token"], float(body.get("expires_in") or 60)

    async def _discover(self, http: httpx.AsyncClient) -> str:
        url = f"{self._issuer}/.well-known/openid-configuration"
        response = await http.get(url)
        endpoint = _json(response).get("token_endpoint")
        if response.status_code != 200 or not isinstance(endpoint, str):
            raise TokenError(f"no token_endpoint in {url}: HTTP {response.status_code}")
        self._token_url = endpoint
        return endpoint


def _json(response: httpx.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
