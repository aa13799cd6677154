"""Idempotent consumer loop with retries and dead-lettering, shared by every service."""
import asyncio
import base64
import json
import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener
from aiokafka.errors import KafkaError
from aiokafka.structs import ConsumerRecord, TopicPartition
from opentelemetry import trace
from pydantic import ValidationError
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contracts import Event, event_class
from contracts.events import Actualiteit
from contracts.topics import dead_letter_topic
from runtime import kafka, tables, tracing
from runtime.clock import Clock
from runtime.cloudevents import CloudEvent, EnvelopeError
from runtime.logscrub import describe, sqlstate
from runtime.uow import AlreadyProcessed, Batch, HandleCarefully, UnitOfWork

log = logging.getLogger(__name__)

Handler = Callable[[Event, UnitOfWork], Awaitable[object]]
DEAD_LETTER_TYPE = "nl.jbketen.deadletter.v1"
_CLAIM = (insert(tables.processed_events).on_conflict_do_nothing()
          .returning(tables.processed_events.c.event_id))


class Unprocessable(Exception):
    """The event can never be handled (bad envelope or data); retrying will not help."""


class _JoinTracker(ConsumerRebalanceListener):
    def __init__(self, service: str):
        self.service = service
        self.joined = False
        # After a new broker: the first partitions assigned are read from their beginning,
        # whatever offsets were committed (a commit of the old broker's may have reached it).
        self.rewind: AIOKafkaConsumer | None = None

    async def on_partitions_revoked(self, revoked) -> None:
        self.joined = False

    async def on_partitions_assigned(self, assigned) -> None:
        if self.rewind is not None and assigned:
            consumer, self.rewind = self.rewind, None
            await consumer.seek_to_beginning(*assigned)
            log.warning("%s: reading %d partitions from their beginning", self.service, len(assigned))
        self.joined = True  # called after every successful join, even with no partitions


def _problems(exc: ValidationError) -> str:
    """What is wrong, by field, without the values: a dead letter's reason is read by operations
    and logged, and the value of a malformed event may be anything."""
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'data'}: {e['msg']}"
                     for e in exc.errors(include_input=False, include_url=False, include_context=False))


@dataclass
class _Incoming:
    """One record of a batch, read: its envelope, its event and handler, or why it is unusable."""

    record: ConsumerRecord
    ce: CloudEvent | None = None
    event: Event | None = None
    handler: Handler | None = None
    reason: str | None = None


class EventConsumer:
    """Reads records in batches: a batch is handled in one transaction (each event claimed by its
    id, so a redelivered one changes nothing), and its offsets are committed once that
    transaction committed. A batch is first handled straight through; when a handler fails, it is
    rolled back and handled again with each handler in a savepoint of its own, retried or
    dead-lettered alone. Order holds per partition; a batch that cannot commit is read again
    from its first record.

    Tansu holds a fetch for much of `fetch_max_wait_ms` even when data arrives meanwhile, so the
    wait is short while records flow and long once the consumer has been idle for a while (on
    Apache Kafka a long wait costs nothing: the broker answers as soon as data is there)."""

    def __init__(
        self,
        *,
        service: str,
        consumer: AIOKafkaConsumer,
        topics: list[str],
        sessions: async_sessionmaker,
        uow_factory: Callable[[], UnitOfWork],
        handlers: dict[str, Handler],
        max_attempts: int,
        retry_backoff_s: float,
        clock: Clock,
        on_commit: Callable[[], None] | None = None,
        batch_size: int = 500,
        idle_wait: kafka.IdleWait | None = None,
    ):
        self.service = service
        self._clock = clock
        self._consumer = consumer
        self._restart = False
        self._sessions = sessions
        self._uow_factory = uow_factory
        self._handlers = handlers
        self._max_attempts = max_attempts
        self._backoff = retry_backoff_s
        self._on_commit = on_commit
        self._batch_size = batch_size
        self._idle_wait = idle_wait or kafka.IdleWait(None)
        self._tracer = tracing.tracer(service)
        self._topics = topics
        self._membership = _JoinTracker(service)
        self._started = False
        self.processed = 0
        self.dead_lettered = 0
        self.duplicates = 0
        self.careful_batches = 0  # batches handled again with a savepoint per event
        self.redriven = 0  # dead letters handled again on request (redrive)
        self._committing: asyncio.Task | None = None
        # The moment of the newest event handled, and when: how current this service's state is.
        self.last_event_time: datetime | None = None
        # Records left behind the last batch fetched (None until a fetch has told us).
        self.behind: int | None = None

    def progress(self) -> Actualiteit:
        """How current this service's state is, without asking the broker."""
        return Actualiteit.van(self.last_event_time, self.behind if self.joined else None)

    def assigned_partitions(self) -> int:
        return len(self._consumer.assignment())

    async def lag(self) -> int | None:
        """Records on the assigned partitions not yet processed (None until a fetch has told us)."""
        total = 0
        for tp in self._consumer.assignment():
            highwater = self._consumer.highwater(tp)
            if highwater is None:
                return None
            total += max(0, highwater - await self._consumer.position(tp))
        return total

    @property
    def joined(self) -> bool:
        return self._membership.joined

    async def stop(self) -> None:
        if self._started:
            with suppress(Exception):
                await self.flush_offsets()
            await self._consumer.stop()

    async def run(self) -> None:
        # Joining the group can take seconds; it happens here so the HTTP side is up at once.
        if not self._started:
            self._consumer.subscribe(self._topics, listener=self._membership)
            await self._consumer.start()
            self._idle_wait.attach(self._consumer)
            self._started = True
        while True:
            if self._restart:
                self._join_again()
            batches = await self._consumer.getmany(timeout_ms=1000, max_records=self._batch_size)
            records = [r for part in batches.values() for r in part]
            self._idle_wait.saw(len(records))
            if records:
                self.behind = await self.lag()  # positions are past this batch already
            if records and not await self._process_batch(records):
                for tp, part in batches.items():  # read again from the first record
                    self._consumer.seek(tp, part[0].offset)
                await asyncio.sleep(self._backoff * 5)

    async def restart_from_beginning(self) -> None:
        """The broker is a new one (runtime/broker_watch.py): join the group again without
        committing and read every partition then assigned from its beginning. Claimed events are
        skipped; nothing on the new broker is missed, whatever its offsets are. Before the consumer
        has started (a broker replaced while the service was down), its first assignment is.

        A consumer without partitions now is joining (it found the group gone by itself), on the
        new broker: its next assignment is read from the beginning. One with partitions may hold
        them from the old broker: it joins again, between batches. Either way the partitions are
        assigned from the new broker's metadata, read again first."""
        self._membership.rewind = self._consumer
        if self._started:
            await kafka.refresh_metadata(self._consumer)
            if self._membership.joined:
                self._restart = True

    def _join_again(self) -> None:
        """Subscribe the same client again: its assignment and positions are dropped and it joins
        at once. (A new client would leave the old one a member of the new broker's group, which
        it rejoined by itself, until its session timed out: aiokafka leaves a group only after a
        generation > 0, and Tansu's first is 0; the join would wait for it, ~10 s.)"""
        self._restart = False
        if self._membership.rewind is None:
            return  # assigned since (by the new broker: the old one was gone), read from the beginning
        if self._committing is not None:
            self._committing.cancel()  # an offset of the old broker's
            self._committing = None
        self._membership.joined = False
        self._membership.rewind = self._consumer
        self._consumer.subscribe(self._topics, listener=self._membership)
        self.behind = None
        log.warning("%s: consumer joins again, reading from the beginning", self.service)

    async def _process_batch(self, records: list[ConsumerRecord]) -> bool:
        """Handle a batch in one transaction; then commit its offsets. False: nothing was kept."""
        incoming = [self._read(record) for record in records]
        try:
            try:
                batch = await self._in_transaction(incoming, careful=False)
            except HandleCarefully:
                self.careful_batches += 1
                batch = await self._in_transaction(incoming, careful=True)
        except Exception as exc:
            log.error("%s: batch of %d records not committed, read again: %s", self.service,
                      len(records), describe(exc))
            return False
        await self._settled(batch, records)
        return True

    async def _in_transaction(self, incoming: list[_Incoming], careful: bool) -> Batch:
        async with self._sessions() as session, session.begin():
            batch = Batch(session, careful=careful, behind=self.behind)
            claimed = await self._claim(session, incoming)
            for item in incoming:
                await self._handle(batch, item, claimed)
            await batch.finish()
        return batch

    async def _settled(self, batch: Batch, records: list[ConsumerRecord]) -> None:
        self.processed += batch.handled + batch.duplicates  # consumed, whether new or a copy
        self.duplicates += batch.duplicates
        self.dead_lettered += batch.dead_lettered
        for ce in batch.events:
            if self.last_event_time is None or ce.time > self.last_event_time:
                self.last_event_time = ce.time
        if (batch.published or batch.dead_lettered) and self._on_commit:
            self._on_commit()
        for callback in batch.after_commit:
            callback()
        offsets = {}
        for record in records:
            offsets[TopicPartition(record.topic, record.partition)] = record.offset + 1
        # The next batch need not wait for the broker's answer: one commit in flight at a time,
        # in order. A commit lost with the process only means events read again and skipped.
        await self.flush_offsets()
        self._committing = asyncio.create_task(self._commit_offsets(offsets))

    async def _commit_offsets(self, offsets: dict[TopicPartition, int]) -> None:
        try:
            await self._consumer.commit(offsets)
        except KafkaError as exc:  # a rebalance: the new owner reads them again, idempotently
            log.warning("%s: offsets not committed (%s); the events are claimed", self.service, exc)

    async def flush_offsets(self) -> None:
        """Wait for the offset commit in flight, if any."""
        if self._committing is not None:
            committing, self._committing = self._committing, None
            await committing

    async def redrive(self, record: ConsumerRecord,
                      within: Callable[[AsyncSession], Awaitable[None]] | None = None) -> CloudEvent:
        """Handle a dead-lettered record again (its cause fixed) as a careful batch of one, in a
        transaction of its own: read with a batch's envelope and data checks, its event claimed (the
        claim its dead-lettering left is taken over), handled with the usual retries, then `within`
        in the same transaction, then committed. Nothing is kept when it raises: Unprocessable (the
        reason) while it still fails, AlreadyProcessed when the event was handled before."""
        item = self._read(record)
        if item.reason is None and item.handler is None:
            item.reason = f"{self.service} does not handle {item.ce.type} events"
        if item.reason is not None:
            raise Unprocessable(item.reason)
        async with self._sessions() as session, session.begin():
            batch = Batch(session, careful=True)
            if await session.scalar(_reclaim(item.ce, self._clock.now())) is None:
                raise AlreadyProcessed(item.ce.id)
            reason = await self._handle_with_retries(batch, item)
            if reason is not None:
                raise Unprocessable(reason)
            await batch.finish()
            if within is not None:
                await within(session)
        self.redriven += 1
        if batch.published and self._on_commit:
            self._on_commit()
        for callback in batch.after_commit:
            callback()
        return item.ce

    def _read(self, record: ConsumerRecord) -> _Incoming:
        item = _Incoming(record)
        try:
            item.ce = CloudEvent.from_record(record.topic, record.key, record.value, record.headers)
            item.handler = self._handlers.get(item.ce.type)
            if item.handler is not None:
                try:
                    item.event = event_class(item.ce.type).model_validate(item.ce.data)
                except ValidationError as exc:
                    raise Unprocessable(f"invalid {item.ce.type} data: {_problems(exc)}") from exc
        except (EnvelopeError, Unprocessable, ValueError) as exc:
            item.reason, item.handler = str(exc), None
        return item

    async def _claim(self, session: AsyncSession, incoming: list[_Incoming]) -> set[str]:
        """Claim, in the batch's transaction, every event this service handles; the ids claimed
        now (an id seen before, or twice in the batch, is claimed once)."""
        rows = {i.ce.id: {"event_id": i.ce.id, "event_type": i.ce.type, "topic": i.ce.topic,
                          "outcome": "handled"} for i in incoming if i.handler is not None}
        if not rows:
            return set()
        claimed = await session.scalars(_CLAIM, list(rows.values()))  # one cached statement
        return set(claimed)

    async def _handle(self, batch: Batch, item: _Incoming, claimed: set[str]) -> None:
        if item.reason is not None:
            if not batch.careful:
                raise HandleCarefully(f"record {item.record.offset} is unusable")
            await self._dead_letter(batch, item, item.reason)
        elif item.handler is None:
            return  # a type this service does not subscribe to on a shared topic
        elif item.ce.id not in claimed:
            log.info("%s: event %s already processed, skipped", self.service, item.ce.id)
            batch.duplicates += 1
        else:
            claimed.discard(item.ce.id)  # a second copy in the same batch is skipped
            reason = await self._handle_with_retries(batch, item)
            if reason is not None:
                await self._dead_letter(batch, item, reason)

    async def _handle_with_retries(self, batch: Batch, item: _Incoming) -> str | None:
        ce = item.ce
        for attempt in range(1, self._max_attempts + 1):
            with self._tracer.start_as_current_span(
                f"consume {ce.type}", context=tracing.context_from(ce.traceparent),
                kind=trace.SpanKind.CONSUMER,
                attributes={"messaging.destination.name": ce.topic, "messaging.message.id": ce.id},
            ):
                try:
                    await item.handler(item.event, self._uow_factory().consuming(ce, batch))
                    batch.events.append(ce)
                    return None
                except HandleCarefully:
                    raise
                except Exception as exc:
                    if transient(exc):
                        raise  # the whole batch again, its locks released (never a dead letter)
                    if not batch.careful:
                        raise HandleCarefully(ce.id) from exc
                    if isinstance(exc, Unprocessable):
                        return str(exc)
                    last = describe(exc)  # type, SQLSTATE and where: never the data it choked on
                    log.warning("%s: attempt %d for %s failed: %s", self.service, attempt, ce.id, last)
            await asyncio.sleep(self._backoff * 2 ** (attempt - 1))
        return f"failed after {self._max_attempts} attempts: {last}"

    async def _dead_letter(self, batch: Batch, item: _Incoming, reason: str) -> None:
        record, ce = item.record, item.ce
        headers = {_printable(k.encode()): _printable(v or b"") for k, v in (record.headers or ())}
        key = _printable(record.key) if record.key else None
        value, encoding = _as_text(record.value)
        letter = {
            "reason": reason, "consumer": self.service, "topic": record.topic,
            "partition": record.partition, "offset": record.offset,
            "event_id": ce.id if ce else headers.get("ce_id"), "key": key,
            "headers": headers, "value": value, "value_encoding": encoding,
        }
        out = CloudEvent.wrap_raw(
            type=DEAD_LETTER_TYPE, source=self.service, subject=letter["event_id"] or "",
            data=letter, key=key or "", topic=dead_letter_topic(self.service),
            traceparent=headers.get("traceparent"), time=self._clock.now(),
        )
        await batch.dead_letter(letter, reason, out, headers.get("ce_type", "?"))
        log.warning("%s: dead-lettered %s@%d: %s", self.service, record.topic, record.offset,
                    json.dumps(reason)[:500])


# A deadlock or a serialization failure is the moment's, never the event's: two replicas' batches
# locking the same rows in another order. Retrying the event within the batch's transaction would
# meet the same locks again (they are held until it ends), so the batch is not committed and is read
# again after a pause, and the event is never dead-lettered for it.
TRANSIENT_SQLSTATES = frozenset({"40P01", "40001"})


def transient(exc: BaseException) -> bool:
    return sqlstate(exc) in TRANSIENT_SQLSTATES


def _reclaim(ce: CloudEvent, now: datetime):
    """Claim an event to handle it again: new, or dead-lettered before; none when it was handled."""
    processed = tables.processed_events
    return (insert(processed)
            .values(event_id=ce.id, event_type=ce.type, topic=ce.topic, outcome="handled")
            .on_conflict_do_update(index_elements=[processed.c.event_id],
                                   set_={"outcome": "handled", "processed_at": now},
                                   where=processed.c.outcome == "dead_lettered")
            .returning(processed.c.event_id))


def letter_record(*, topic: str, partition: int, offset: int, key: str | None, headers: dict[str, str],
                  value: str | None, value_encoding: str | None) -> ConsumerRecord:
    """The record a dead letter was made of, again from what `_dead_letter` kept of it (headers and
    key as text; the value as `_as_text` gave it; no encoding: a letter from before it was kept,
    taken as text)."""
    raw = _from_text(value, value_encoding or "utf-8")
    key_bytes = key.encode() if key is not None else None
    return ConsumerRecord(
        topic=topic, partition=partition, offset=offset, timestamp=-1, timestamp_type=0,
        key=key_bytes, value=raw, checksum=None,
        serialized_key_size=len(key_bytes) if key_bytes is not None else -1,
        serialized_value_size=len(raw) if raw is not None else -1,
        headers=tuple((name, text.encode()) for name, text in (headers or {}).items()))


def _printable(raw: bytes) -> str:
    # PostgreSQL text cannot hold NUL; a dead letter must be storable whatever arrived.
    return raw.decode(errors="replace").replace("\x00", "\ufffd")


def _as_text(raw: bytes | None) -> tuple[str | None, str]:
    """The original value as text, or base64 when it is not clean UTF-8, so nothing is lost."""
    if raw is None:
        return None, "none"
    try:
        text = raw.decode()
        if "\x00" not in text:
            return text, "utf-8"
    except UnicodeDecodeError:
        pass
    return base64.b64encode(raw).decode(), "base64"


def _from_text(text: str | None, encoding: str) -> bytes | None:
    """The bytes `_as_text` kept as `text` under `encoding`."""
    if text is None or encoding == "none":
        return None
    return base64.b64decode(text) if encoding == "base64" else text.encode()
