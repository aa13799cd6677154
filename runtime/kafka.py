"""Kafka clients configured the same way for every service (Apache Kafka or Tansu)."""
import logging

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from contracts import TOPICS
from runtime.settings import ServiceSettings

log = logging.getLogger(__name__)


def producer(settings: ServiceSettings) -> AIOKafkaProducer:
    # No idempotent or transactional producer: Tansu rejects InitProducerId. Exactly-once
    # effects come from the outbox plus idempotent consumers instead.
    return AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=settings.service_name,
        acks="all",
        enable_idempotence=False,
        linger_ms=0,
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
    )


async def ensure_topics(settings: ServiceSettings, extra: list[str] = ()) -> None:
    wanted = [NewTopic(t.name, settings.kafka_topic_partitions, settings.kafka_topic_replication,
                       topic_configs=dict(t.config)) for t in TOPICS]
    wanted += [NewTopic(name, 1, settings.kafka_topic_replication) for name in extra]
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
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
