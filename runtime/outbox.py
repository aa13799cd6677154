"""Outbox relay: publishes committed outbox rows to Kafka in order, at least once.

An event the broker can never take (larger than the record limit, refused as too large or
malformed, not serialisable) is parked with its reason instead of being retried forever: the
others go on in order and health reports it (`degraded`). Anything else (the broker away, a
leader moving) is retried, and nothing after the failed event is marked sent, so the order holds.
"""
import asyncio
import logging
from datetime import datetime

import sqlalchemy as sa
from aiokafka import AIOKafkaProducer
from aiokafka.errors import (
    CorruptRecordException,
    InvalidTimestampError,
    InvalidTopicError,
    KafkaError,
    MessageSizeTooLargeError,
    RecordListTooLargeError,
    RecordTooLargeError,
    UnsupportedForMessageFormatError,
)
from aiokafka.record.default_records import DefaultRecordBatchBuilder
from sqlalchemy.ext.asyncio import async_sessionmaker

from runtime import tables
from runtime.clock import Clock
from runtime.cloudevents import CloudEvent
from runtime.logscrub import describe

log = logging.getLogger(__name__)

# What the broker (or the producer in front of it) says about one record, never about itself.
UNSENDABLE = (MessageSizeTooLargeError, RecordTooLargeError, RecordListTooLargeError, InvalidTopicError,
              CorruptRecordException, InvalidTimestampError, UnsupportedForMessageFormatError)
REASON_MAX = 2000
PARKED_SHOWN = 20


def _to_cloudevent(row) -> CloudEvent:
    return CloudEvent(
        id=row.event_id, source=row.source, type=row.event_type, subject=row.subject,
        time=row.occurred_at, data=row.data, key=row.key, topic=row.topic,
        traceparent=row.traceparent, extra_headers=row.headers or {},
    )


def unsendable(exc: BaseException) -> bool:
    """True when retrying cannot help this one event: park it. Serialising it failed (TypeError,
    ValueError such as an unencodable header) or the broker refused the record itself."""
    if isinstance(exc, KafkaError):
        return isinstance(exc, UNSENDABLE)
    return isinstance(exc, TypeError | ValueError)


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:REASON_MAX]


async def _outcome(sent: asyncio.Future | BaseException) -> BaseException | None:
    if isinstance(sent, BaseException):
        return sent
    try:
        await sent
        return None
    except Exception as exc:
        return exc


# One relay at a time per database: the replicas of a service share one outbox, and two relays
# sending batches side by side could put a key's later event on the broker before its earlier one.
# The lease is the batch's transaction (released at commit, or when a replica dies with it); a
# replica that finds it held tries again shortly, so its own commits still leave at once.
RELAY_LOCK = 7351047
LEASE_BUSY_RETRY_S = 0.02

# One statement, one round trip: the lease taken (and, for this transaction, marking events sent
# need not wait for the disk: lost in a crash, they are sent again, consumers are idempotent,
# which saves a flush on every event's path); then, only while the lease is held, the next events
# in order, locked (another replica's relay skips them) and marked sent at once. Always one row
# at least: `held`, with the taken event's columns (NULL when none was due).
_RETURNED = ("id", "event_id", "topic", "key", "event_type", "subject", "source", "occurred_at", "data",
             "headers", "traceparent")
_LEASE_AND_TAKE = sa.text(
    f"WITH lease AS MATERIALIZED (SELECT pg_try_advisory_xact_lock({RELAY_LOCK}) AS held, "
    "set_config('synchronous_commit', 'off', true) AS flush), "
    "nxt AS (SELECT id FROM outbox WHERE (SELECT held FROM lease) AND published_at IS NULL "
    "AND parked_at IS NULL ORDER BY id LIMIT :limit FOR UPDATE SKIP LOCKED), "
    "taken AS (UPDATE outbox SET published_at = :now FROM nxt WHERE outbox.id = nxt.id "
    f"RETURNING {', '.join(f'outbox.{name}' for name in _RETURNED)}) "
    f"SELECT lease.held, {', '.join(f'taken.{name}' for name in _RETURNED)} "
    "FROM lease LEFT JOIN taken ON true"
).columns(sa.column("held", sa.Boolean), *(tables.outbox.c[name] for name in _RETURNED))


class OutboxRelay:
    def __init__(self, sessions: async_sessionmaker, poll_interval_s: float, batch_size: int,
                 clock: Clock, max_record_bytes: int = 1024 * 1024, retry_interval_s: float = 1.0):
        self._sessions = sessions
        self._clock = clock
        self.producer: AIOKafkaProducer | None = None  # set once the service has started
        self._poll_interval_s = poll_interval_s
        self._retry_interval_s = min(retry_interval_s, poll_interval_s)  # after a failed attempt
        self._batch_size = batch_size
        self.max_record_bytes = max_record_bytes
        self._wakeup = asyncio.Event()
        self.last_error: str | None = None
        # The broker's watch (runtime/broker_watch.py), when self-healing is on: after a failure
        # the relay sends again only once the broker is known to be the same one, or healed.
        self.watch = None

    def wake(self) -> None:
        """Called after a commit in this process, so events leave without waiting for a poll."""
        self._wakeup.set()

    async def publish_pending(self) -> int | None:
        """Send one batch; returns how many events were settled (sent or parked), or None when
        another replica's relay holds the lease (it sends them, in order). A failure that
        is not the event's own is raised after the events before it were recorded as sent.
        The batch is taken and marked sent in one statement; what then fails to go out is
        marked unsent again (or parked) before the transaction commits."""
        outbox = tables.outbox
        async with self._sessions() as session, session.begin():
            now = self._clock.now()
            taken = (await session.execute(_LEASE_AND_TAKE, {"limit": self._batch_size, "now": now})).all()
            if not taken[0].held:
                return None
            rows = sorted((row for row in taken if row.id is not None), key=lambda row: row.id)
            if not rows:
                return 0
            sent, parked, error = await self._send(rows)
            sent_ids = set(sent)
            unsent = [row.id for row in rows if row.id not in sent_ids]
            if unsent:
                await session.execute(
                    sa.update(outbox).where(outbox.c.id.in_(unsent)).values(published_at=None))
            for row, reason in parked:
                log.error("outbox: parked event %s (%s to %s): %s", row.event_id, row.event_type,
                          row.topic, reason)
                await session.execute(sa.update(outbox).where(outbox.c.id == row.id)
                                      .values(parked_at=now, park_reason=reason))
        if error is not None:
            raise error
        return len(rows)

    async def _send(self, rows) -> tuple[list[int], list[tuple], BaseException | None]:
        """(ids sent, (row, reason) parked, the failure that stopped the batch), in outbox order."""
        pending: list[asyncio.Future | BaseException] = []
        for row in rows:
            try:
                pending.append(await self._send_one(row))
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                pending.append(exc)
                if not unsendable(exc):
                    break  # the broker is away: the rest would wait for it too
        sent, parked = [], []
        for row, outcome in zip(rows, await asyncio.gather(*map(_outcome, pending)), strict=False):
            if outcome is None:
                sent.append(row.id)
            elif unsendable(outcome):
                parked.append((row, _reason(outcome)))
            else:
                return sent, parked, outcome  # the rest go again, after this one
        return sent, parked, None

    async def _send_one(self, row) -> asyncio.Future:
        ce = _to_cloudevent(row)
        key, value, headers = ce.key.encode(), ce.value(), ce.headers()
        size = DefaultRecordBatchBuilder.estimate_size_in_bytes(key, value, headers)
        if size > self.max_record_bytes:
            raise MessageSizeTooLargeError(
                f"the event is {size} bytes as a Kafka record, more than the limit of "
                f"{self.max_record_bytes} (setting KAFKA_MAX_REQUEST_SIZE)")
        return await self.producer.send(ce.topic, value, key=key, headers=headers)

    async def republish(self, since: datetime | None = None) -> int:
        """Send already-published events again (from `since`, or all): after a broker lost its
        data the outbox is the durable record, and idempotent consumers ignore what they had.
        Parked events are tried again too (after their cause, e.g. a broker limit, was fixed)."""
        outbox = tables.outbox
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                sa.update(outbox)
                .where(sa.or_(outbox.c.published_at.is_not(None), outbox.c.parked_at.is_not(None)),
                       outbox.c.occurred_at >= since if since else sa.true())
                .values(published_at=None, parked_at=None, park_reason=None))
        self.wake()
        return result.rowcount

    async def backlog(self) -> int:
        """Events waiting to be sent (parked ones not included)."""
        outbox = tables.outbox
        async with self._sessions() as session:
            return await session.scalar(
                sa.select(sa.func.count()).select_from(outbox)
                .where(outbox.c.published_at.is_(None), outbox.c.parked_at.is_(None))
            )

    async def parked(self) -> tuple[int, list[dict]]:
        """How many events are parked, and the oldest of them with their reasons."""
        outbox = tables.outbox
        async with self._sessions() as session:
            count = await session.scalar(
                sa.select(sa.func.count()).select_from(outbox).where(outbox.c.parked_at.is_not(None)))
            if not count:
                return 0, []
            rows = (await session.execute(
                sa.select(outbox.c.event_id, outbox.c.event_type, outbox.c.topic, outbox.c.parked_at,
                          outbox.c.park_reason)
                .where(outbox.c.parked_at.is_not(None)).order_by(outbox.c.id).limit(PARKED_SHOWN))).all()
        return count, [{"event_id": r.event_id, "event_type": r.event_type, "topic": r.topic,
                        "parked_at": r.parked_at.isoformat(), "reason": r.park_reason} for r in rows]

    async def run(self) -> None:
        while True:
            self._wakeup.clear()
            try:
                if self.watch is not None and self.watch.suspect:
                    await self.watch.confirm()
                while (settled := await self.publish_pending()) == self._batch_size:
                    pass
                self.last_error = None
                if settled is None:  # another replica is sending: look again in a moment
                    await asyncio.sleep(LEASE_BUSY_RETRY_S)
                    continue
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # broker or database away: keep the rows, retry later
                self.last_error = describe(exc)
                if self.watch is not None:
                    self.watch.suspect = True
                log.warning("outbox relay failed, will retry: %r", exc)
            wait_s = self._poll_interval_s if self.last_error is None else self._retry_interval_s
            try:
                await asyncio.wait_for(self._wakeup.wait(), wait_s)
            except TimeoutError:
                pass
