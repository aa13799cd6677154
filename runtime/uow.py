"""Unit of work: one transaction for a state change and the events it publishes."""
from collections.abc import Callable
from typing import Self

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contracts import Event
from runtime import tables, tracing
from runtime.clock import Clock, SystemClock
from runtime.cloudevents import CloudEvent
from runtime.settings import ServiceSettings


class AlreadyProcessed(Exception):
    """The incoming event was handled before; nothing is to change."""


def outbox_values(ce: CloudEvent) -> dict:
    return {
        "event_id": ce.id,
        "topic": ce.topic,
        "key": ce.key,
        "event_type": ce.type,
        "subject": ce.subject,
        "source": ce.source,
        "occurred_at": ce.time,
        "data": ce.data,
        "headers": ce.extra_headers,
        "traceparent": ce.traceparent,
    }


class UnitOfWork:
    """Services subclass this and open their repositories in `bind`.

    When a consumer hands it an incoming event (`consuming`), entering the unit of work
    records that event id in the same transaction, so a redelivery changes nothing.
    """

    def __init__(self, sessions: async_sessionmaker, source: str,
                 on_commit: Callable[[], None] | None = None, settings: ServiceSettings | None = None,
                 clock: Clock | None = None):
        self._sessions = sessions
        self.source = source
        # The one clock of the process, handed down from the composition root.
        self.clock = clock or SystemClock()
        # The service's settings, for handlers whose rules depend on them (None outside a Runtime).
        self.settings = settings
        self._on_commit = on_commit
        self._incoming: CloudEvent | None = None
        self._pending: list[Event] = []
        self.session: AsyncSession

    @property
    def incoming(self) -> CloudEvent | None:
        """The event being consumed, when a consumer opened this unit of work."""
        return self._incoming

    def consuming(self, ce: CloudEvent) -> Self:
        self._incoming = ce
        return self

    def bind(self, session: AsyncSession) -> None:
        """Open repositories on the session (override in a service)."""

    async def __aenter__(self) -> Self:
        self.session = self._sessions()
        self._pending = []
        self.bind(self.session)
        if self._incoming is not None:
            await self._claim(self._incoming)
        return self

    async def __aexit__(self, *exc) -> None:
        await self.session.rollback()
        await self.session.close()

    async def _claim(self, ce: CloudEvent) -> None:
        claimed = await self.session.scalar(
            insert(tables.processed_events)
            .values(event_id=ce.id, event_type=ce.type, topic=ce.topic, outcome="handled")
            .on_conflict_do_nothing()
            .returning(tables.processed_events.c.event_id)
        )
        if claimed is None:
            await self.session.close()
            raise AlreadyProcessed(ce.id)

    def publish(self, *events: Event) -> None:
        self._pending.extend(events)

    async def commit(self) -> None:
        if self._pending:
            traceparent = tracing.current_traceparent()
            now = self.clock.now()
            rows = [outbox_values(CloudEvent.wrap(e, self.source, now, traceparent)) for e in self._pending]
            await self.session.execute(insert(tables.outbox), rows)
            self._pending = []
            await self.session.commit()
            if self._on_commit:
                self._on_commit()
        else:
            await self.session.commit()

    async def rollback(self) -> None:
        self._pending = []
        await self.session.rollback()
