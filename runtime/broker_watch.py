"""Notice, without a human, that the broker lost its data, and heal.

The outboxes are the durable record; a broker may come back empty (Tansu keeps everything in
memory; a Kafka cluster rebuilt from scratch). Kafka's cluster id does not tell (Tansu's is the
same on every start), so the runtime keeps its own mark on the broker: the first record of the
topic `contracts.topics.BROKER_MARK`, a random id written by the first service that finds it
empty. A service remembers the mark it works against; when the topic is gone, empty or holds
another mark, the broker is a new one, and the service
1. creates its topics again (before anything is sent to the new broker),
2. has its consumer start again from the beginning of every partition (offsets committed to the
   old broker mean nothing here; the idempotent consumer skips what it had),
3. sends its whole outbox again, in order.
The mark is checked every `kafka_watch_interval_s`, and by the relay before it sends again after a
failure, so events go to a new broker only after the service has healed.

The service keeps the mark in its database too (the table `broker_mark`, runtime schema v6), once it
healed against it: a service that was down while the broker was replaced finds another mark when it
starts, and heals the same way before it sends or reads anything (`start`, then `catch_up`). Its
first start ever (no mark kept) is a normal start.
"""
import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from contextlib import suppress

import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import async_sessionmaker

from contracts.topics import BROKER_MARK
from runtime import kafka, tables
from runtime.clock import Clock
from runtime.logscrub import describe
from runtime.settings import ServiceSettings

log = logging.getLogger(__name__)

Heal = Callable[[], Awaitable[None]]
_PARTITION = TopicPartition(BROKER_MARK.name, 0)


class BrokerGone(RuntimeError):
    """The broker did not answer; try again later."""


class BrokerWatch:
    def __init__(self, settings: ServiceSettings, heal: list[Heal], extra_topics: list[str] = (),
                 sessions: async_sessionmaker | None = None, clock: Clock | None = None):
        self._settings = settings
        self._heal = heal
        self._extra_topics = list(extra_topics)
        # The service's database, which keeps the mark, and its clock (None: in memory only).
        self._sessions, self._clock = sessions, clock
        self._lock = asyncio.Lock()
        self.mark: str | None = None
        # Set when the broker was unreachable: the mark is checked before events go out again.
        self.suspect = False
        self.heals = 0
        self.last_error: str | None = None
        self._reader: AIOKafkaConsumer | None = None
        # The mark kept in the database when it is not the broker's (start): heal in catch_up.
        self._missed: str | None = None

    async def start(self) -> None:
        """Topics created, the broker's mark read (written first when the broker has none) and
        compared with the one kept in the database: another one means the broker was replaced
        while this service was down, and `catch_up` heals. None kept: the first start ever."""
        await kafka.ensure_topics(self._settings, self._extra_topics)
        self.mark = await self._claim_mark()
        kept = await self._kept_mark()
        if kept is None:
            await self._keep_mark(self.mark)
        elif kept != self.mark:
            self._missed = kept

    async def catch_up(self) -> bool:
        """After `start`, once the healing can run (the consumer made, the relay's producer set):
        heal when the broker was replaced while this service was down. True when it healed."""
        if self._missed is None:
            return False
        async with self._lock:
            log.warning("%s: the broker is a new one since this service last ran (mark %s, had %s): "
                        "reading from the beginning, sending the outbox again",
                        self._settings.service_name, self.mark, self._missed)
            await self._healed(self.mark)
        self._missed = None
        return True

    async def confirm(self) -> bool:
        """Check the mark; heal when the broker is a new one. True when it healed. Raises
        BrokerGone (and stays suspect) when the broker does not answer."""
        async with self._lock:
            try:
                seen = await self._read_mark()
                if seen == self.mark:
                    self.suspect = False
                    return False
                log.warning("%s: the broker is a new one (mark %s, had %s): creating topics, reading "
                            "from the beginning, sending the outbox again", self._settings.service_name,
                            seen or "none", self.mark)
                await kafka.ensure_topics(self._settings, self._extra_topics)
                await self._healed(await self._claim_mark())
            except (KafkaError, OSError, TimeoutError) as exc:
                self.suspect = True
                self.last_error = describe(exc)
                raise BrokerGone(self.last_error) from exc
            self.suspect, self.last_error = False, None
            return True

    async def _healed(self, mark: str) -> None:
        """Heal against the broker of `mark`, then remember it (in memory and in the database).
        Until all of it succeeded the old mark stays, so a failed heal is done again; the
        relay holds back (suspect) meanwhile."""
        try:
            for heal in self._heal:
                await heal()
            await self._keep_mark(mark)
        except Exception:
            self.suspect = True
            raise
        self.mark = mark
        self.heals += 1

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self._settings.kafka_watch_interval_s)
            try:
                await self.confirm()
            except BrokerGone as exc:
                log.info("%s: broker not reachable: %s", self._settings.service_name, exc)

    async def _kept_mark(self) -> str | None:
        if self._sessions is None:
            return None
        async with self._sessions() as session:
            return await session.scalar(sa.select(tables.broker_mark.c.mark))

    async def _keep_mark(self, mark: str) -> None:
        if self._sessions is None:
            return
        kept = tables.broker_mark
        async with self._sessions() as session, session.begin():
            now = self._clock.now()
            await session.execute(insert(kept).values(id=1, mark=mark, seen_at=now).on_conflict_do_update(
                index_elements=[kept.c.id], set_={"mark": mark, "seen_at": now}, where=kept.c.mark != mark))

    async def _claim_mark(self) -> str:
        mark = await self._read_mark()
        if mark is None:
            producer = kafka.producer(self._settings)
            await producer.start()
            try:
                await producer.send_and_wait(BROKER_MARK.name, uuid.uuid4().hex.encode(), partition=0)
            finally:
                await producer.stop()
            mark = await self._read_mark()  # whoever wrote first
        if mark is None:
            raise BrokerGone("the broker's mark could not be written")
        return mark

    async def _read_mark(self) -> str | None:
        """The first record of the mark topic; None when the topic is gone or empty. One client,
        kept open (it reconnects by itself), so a check costs two small requests."""
        timeout_s = self._settings.kafka_watch_timeout_s
        if self._reader is None:
            reader = AIOKafkaConsumer(
                bootstrap_servers=self._settings.kafka_bootstrap_servers,
                client_id=f"{self._settings.service_name}-watch", enable_auto_commit=False,
                fetch_max_wait_ms=10, request_timeout_ms=int(timeout_s * 1000),
                **kafka.security(self._settings))
            await asyncio.wait_for(reader.start(), timeout_s)
            self._reader = reader
        try:
            return await asyncio.wait_for(self._first_record(self._reader), timeout_s)
        except BaseException:
            reader, self._reader = self._reader, None
            with suppress(Exception):
                await reader.stop()
            raise

    @staticmethod
    async def _first_record(reader: AIOKafkaConsumer) -> str | None:
        if BROKER_MARK.name not in await reader.topics():
            return None
        if reader.assignment() != {_PARTITION}:
            reader.assign([_PARTITION])
        start = (await reader.beginning_offsets([_PARTITION]))[_PARTITION]
        end = (await reader.end_offsets([_PARTITION]))[_PARTITION]
        if end <= start:
            return None
        reader.seek(_PARTITION, start)
        return (await reader.getone(_PARTITION)).value.decode(errors="replace")

    async def stop(self) -> None:
        if self._reader is not None:
            with suppress(Exception):
                await self._reader.stop()
            self._reader = None
