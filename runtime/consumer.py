"""Idempotent consumer loop with retries and dead-lettering, shared by every service."""
import asyncio
import base64
import json
import logging
from collections.abc import Awaitable, Callable

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener
from aiokafka.structs import ConsumerRecord
from opentelemetry import trace
from pydantic import ValidationError
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import async_sessionmaker

from contracts import Event, event_class
from contracts.topics import dead_letter_topic
from runtime import tables, tracing
from runtime.clock import Clock
from runtime.cloudevents import CloudEvent, EnvelopeError
from runtime.logscrub import describe
from runtime.uow import AlreadyProcessed, UnitOfWork, outbox_values

log = logging.getLogger(__name__)

Handler = Callable[[Event, UnitOfWork], Awaitable[object]]
DEAD_LETTER_TYPE = "nl.jbketen.deadletter.v1"


class Unprocessable(Exception):
    """The event can never be handled (bad envelope or data); retrying will not help."""


class _JoinTracker(ConsumerRebalanceListener):
    def __init__(self):
        self.joined = False

    async def on_partitions_revoked(self, revoked) -> None:
        self.joined = False

    async def on_partitions_assigned(self, assigned) -> None:
        self.joined = True  # called after every successful join, even with no partitions


def _problems(exc: ValidationError) -> str:
    """What is wrong, by field, without the values: a dead letter's reason is read by operations
    and logged, and the value of a malformed event may be anything."""
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'data'}: {e['msg']}"
                     for e in exc.errors(include_input=False, include_url=False, include_context=False))


class EventConsumer:
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
    ):
        self.service = service
        self._clock = clock
        self._consumer = consumer
        self._sessions = sessions
        self._uow_factory = uow_factory
        self._handlers = handlers
        self._max_attempts = max_attempts
        self._backoff = retry_backoff_s
        self._on_commit = on_commit
        self._tracer = tracing.tracer(service)
        self._topics = topics
        self._membership = _JoinTracker()
        self._started = False
        self.processed = 0
        self.dead_lettered = 0

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
            await self._consumer.stop()

    async def run(self) -> None:
        # Joining the group can take seconds; it happens here so the HTTP side is up at once.
        if not self._started:
            self._consumer.subscribe(self._topics, listener=self._membership)
            await self._consumer.start()
            self._started = True
        while True:
            batches = await self._consumer.getmany(timeout_ms=1000, max_records=100)
            for tp, records in batches.items():
                for record in records:
                    if not await self._process(record):
                        # Could not even dead-letter (database away): read it again later.
                        self._consumer.seek(tp, record.offset)
                        await asyncio.sleep(self._backoff * 5)
                        break
                    await self._consumer.commit({tp: record.offset + 1})

    async def _process(self, record: ConsumerRecord) -> bool:
        reason = None
        ce = None
        try:
            ce = CloudEvent.from_record(record.topic, record.key, record.value, record.headers)
            handler = self._handlers.get(ce.type)
            if handler is None:
                return True  # a type this service does not subscribe to on a shared topic
            try:
                event = event_class(ce.type).model_validate(ce.data)
            except ValidationError as exc:
                raise Unprocessable(f"invalid {ce.type} data: {_problems(exc)}") from exc
        except (EnvelopeError, Unprocessable, ValueError) as exc:
            reason = str(exc)
        else:
            reason = await self._handle_with_retries(ce, event, handler)
        if reason is None:
            self.processed += 1
            return True
        return await self._dead_letter(record, ce, reason)

    async def _handle_with_retries(self, ce: CloudEvent, event: Event, handler: Handler) -> str | None:
        for attempt in range(1, self._max_attempts + 1):
            with self._tracer.start_as_current_span(
                f"consume {ce.type}", context=tracing.context_from(ce.traceparent),
                kind=trace.SpanKind.CONSUMER,
                attributes={"messaging.destination.name": ce.topic, "messaging.message.id": ce.id},
            ):
                try:
                    await handler(event, self._uow_factory().consuming(ce))
                    return None
                except AlreadyProcessed:
                    log.info("%s: event %s already processed, skipped", self.service, ce.id)
                    return None
                except Unprocessable as exc:
                    return str(exc)
                except Exception as exc:
                    last = describe(exc)  # type, SQLSTATE and where: never the data it choked on
                    log.warning("%s: attempt %d for %s failed: %s", self.service, attempt, ce.id, last)
            await asyncio.sleep(self._backoff * 2 ** (attempt - 1))
        return f"failed after {self._max_attempts} attempts: {last}"

    async def _dead_letter(self, record: ConsumerRecord, ce: CloudEvent | None, reason: str) -> bool:
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
        try:
            async with self._sessions() as session, session.begin():
                await session.execute(insert(tables.dead_letters).values(
                    event_id=letter["event_id"], topic=record.topic, partition=record.partition,
                    offset=record.offset, reason=reason, headers=headers, key=key, value=value,
                ))
                if letter["event_id"]:
                    await session.execute(insert(tables.processed_events).values(
                        event_id=letter["event_id"], event_type=headers.get("ce_type", "?"),
                        topic=record.topic, outcome="dead_lettered",
                    ).on_conflict_do_nothing())
                await session.execute(insert(tables.outbox).values(**outbox_values(out)))
        except Exception as exc:
            log.error("%s: cannot dead-letter %s@%d: %r", self.service, record.topic, record.offset, exc)
            return False
        log.warning("%s: dead-lettered %s@%d: %s", self.service, record.topic, record.offset,
                    json.dumps(reason)[:500])
        self.dead_lettered += 1
        if self._on_commit:
            self._on_commit()
        return True


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
