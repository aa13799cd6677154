"""Outbox relay: publishes committed outbox rows to Kafka in order, at least once."""
import asyncio
import logging
from datetime import datetime

import sqlalchemy as sa
from aiokafka import AIOKafkaProducer
from sqlalchemy.ext.asyncio import async_sessionmaker

from runtime import tables
from runtime.clock import Clock
from runtime.cloudevents import CloudEvent

log = logging.getLogger(__name__)


def _to_cloudevent(row) -> CloudEvent:
    return CloudEvent(
        id=row.event_id, source=row.source, type=row.event_type, subject=row.subject,
        time=row.occurred_at, data=row.data, key=row.key, topic=row.topic,
        traceparent=row.traceparent, extra_headers=row.headers or {},
    )


class OutboxRelay:
    def __init__(self, sessions: async_sessionmaker, poll_interval_s: float, batch_size: int,
                 clock: Clock):
        self._sessions = sessions
        self._clock = clock
        self.producer: AIOKafkaProducer | None = None  # set once the service has started
        self._poll_interval_s = poll_interval_s
        self._batch_size = batch_size
        self._wakeup = asyncio.Event()
        self.last_error: str | None = None

    def wake(self) -> None:
        """Called after a commit in this process, so events leave without waiting for a poll."""
        self._wakeup.set()

    async def publish_pending(self) -> int:
        outbox = tables.outbox
        async with self._sessions() as session, session.begin():
            rows = (await session.execute(
                sa.select(outbox)
                .where(outbox.c.published_at.is_(None))
                .order_by(outbox.c.id)
                .limit(self._batch_size)
                .with_for_update(skip_locked=True)
            )).all()
            if not rows:
                return 0
            sends = []
            for row in rows:
                ce = _to_cloudevent(row)
                sends.append(await self.producer.send(
                    ce.topic, ce.value(), key=ce.key.encode(), headers=ce.headers()
                ))
            await asyncio.gather(*sends)
            await session.execute(
                sa.update(outbox)
                .where(outbox.c.id.in_([r.id for r in rows]))
                .values(published_at=self._clock.now())
            )
        return len(rows)

    async def republish(self, since: datetime | None = None) -> int:
        """Send already-published events again (from `since`, or all): after a broker lost its
        data the outbox is the durable record, and idempotent consumers ignore what they had."""
        outbox = tables.outbox
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                sa.update(outbox)
                .where(outbox.c.published_at.is_not(None),
                       outbox.c.occurred_at >= since if since else sa.true())
                .values(published_at=None))
        self.wake()
        return result.rowcount

    async def backlog(self) -> int:
        async with self._sessions() as session:
            return await session.scalar(
                sa.select(sa.func.count()).select_from(tables.outbox)
                .where(tables.outbox.c.published_at.is_(None))
            )

    async def run(self) -> None:
        while True:
            self._wakeup.clear()
            try:
                while await self.publish_pending() == self._batch_size:
                    pass
                self.last_error = None
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # broker or database away: keep the rows, retry later
                self.last_error = repr(exc)
                log.warning("outbox relay failed, will retry: %r", exc)
            try:
                await asyncio.wait_for(self._wakeup.wait(), self._poll_interval_s)
            except TimeoutError:
                pass
