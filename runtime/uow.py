"""Unit of work: one transaction for a state change and the events it publishes."""
from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable, Iterable
from datetime import datetime
from typing import Self

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contracts import Event
from contracts.events import Actualiteit
from runtime import processing_log, tables, tracing
from runtime.clock import Clock
from runtime.cloudevents import CloudEvent
from runtime.identity import Principal
from runtime.processing_log import OK, Actor, Betrokkene, Verwerking
from runtime.processing_register import Verwerkingsactiviteit
from runtime.settings import ServiceSettings
from runtime.wakeups import Wakeups


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


class HandleCarefully(Exception):
    """A handler failed (or left without committing) in a batch handled without savepoints: the
    batch is rolled back and handled again with a savepoint per event."""


class BatchBuffer(ABC):
    """Writes a service gathers over a whole batch (e.g. sums to add) and writes once, in the
    batch's transaction, before it commits."""

    @abstractmethod
    async def flush(self) -> None:
        """Write what was gathered, in the batch's session."""


class BatchCache(BatchBuffer):
    """What a batch handled straight through keeps for its later events (rows it read and locked,
    saved as they changed): nothing is left to write at its end."""

    async def flush(self) -> None:
        return None


class Batch:
    """The transaction a consumer handles a batch of events in: each handler's unit of work joins
    it in a savepoint of its own; processing records and dead letters are written in it too, and
    it commits once for the whole batch."""

    def __init__(self, session: AsyncSession, careful: bool = True, behind: int | None = None):
        self.session = session
        self.behind = behind  # records on the consumer's topics still to read after this batch
        # Careful: each handler in a savepoint (undone alone). Not careful: straight through, and
        # a handler that fails or leaves without committing has the batch handled again carefully.
        self.careful = careful
        self.verwerkingen: list[Verwerking] = []
        self.events: list[CloudEvent] = []  # handled, in order
        self.published = False
        self.dead_lettered = 0
        self.duplicates = 0  # events claimed before (redelivered), skipped
        self.after_commit: list[Callable[[], None]] = []  # run once the batch has committed
        self.buffers: dict[str, BatchBuffer] = {}  # written once, at the batch's end
        self.outbox: list[dict] = []  # straight through: the handlers' events, inserted at the end

    @property
    def handled(self) -> int:
        return len(self.events)

    async def dead_letter(self, letter: dict, reason: str, out: CloudEvent, event_type: str) -> None:
        """Keep an unusable event with its reason (and publish it to the dead-letter topic)."""
        await self.session.execute(insert(tables.dead_letters).values(
            event_id=letter["event_id"], topic=letter["topic"], partition=letter["partition"],
            offset=letter["offset"], reason=reason, headers=letter["headers"], key=letter["key"],
            value=letter["value"], value_encoding=letter["value_encoding"]))
        if letter["event_id"]:
            processed = tables.processed_events
            await self.session.execute(
                insert(processed).values(event_id=letter["event_id"], event_type=event_type,
                                         topic=letter["topic"], outcome="dead_lettered")
                .on_conflict_do_update(index_elements=[processed.c.event_id],
                                       set_={"outcome": "dead_lettered"},
                                       where=processed.c.outcome == "handled"))
        await self.session.execute(insert(tables.outbox).values(**outbox_values(out)))
        self.dead_lettered += 1

    async def finish(self) -> None:
        """The buffers of the handlers, the events they published (in their order, in one insert),
        then the batch's processing records, in one append."""
        for buffer in self.buffers.values():
            await buffer.flush()
        if self.outbox:
            await self.session.execute(insert(tables.outbox), self.outbox)
            self.outbox = []
        await processing_log.append(self.session, self.verwerkingen)
        self.verwerkingen = []


class UnloggedProcessing(RuntimeError):
    """A unit of work ended without committing the processing records it was given."""


class UnitOfWork:
    """Services subclass this and open their repositories in `bind`.

    When a consumer hands it an incoming event (`consuming`), entering the unit of work
    records that event id in the same transaction, so a redelivery changes nothing; a consumer
    handling a batch has claimed the ids already and the unit of work joins the batch's
    transaction in a savepoint (its commit releases the savepoint; the batch commits).
    Processing records (`log_processing`) are written at commit, in the same transaction.
    """

    def __init__(self, sessions: async_sessionmaker, source: str,
                 on_commit: Callable[[], None] | None = None, settings: ServiceSettings | None = None,
                 *, clock: Clock, progress: Callable[[], Actualiteit] | None = None,
                 wakeups: Wakeups | None = None):
        self._sessions = sessions
        self._wakeups = wakeups  # the process's periodic jobs, to wake for work committed here
        self.source = source
        # The one clock of the process, handed down from the composition root.
        self.clock = clock
        # The service's settings, for handlers whose rules depend on them (None outside a Runtime).
        self.settings = settings
        self._on_commit = on_commit
        self._progress = progress  # the consumer's: how current the state a request sees is
        self._incoming: CloudEvent | None = None
        self._batch: Batch | None = None
        self._savepoint = None
        self._committed = False  # in a batch: whether the handler kept its part
        self._pending: list[Event] = []
        self._verwerkingen: list[Verwerking] = []
        self._after_commit: list[Callable[[], None]] = []
        self.session: AsyncSession

    @property
    def incoming(self) -> CloudEvent | None:
        """The event being consumed, when a consumer opened this unit of work."""
        return self._incoming

    def actualiteit(self) -> Actualiteit:
        """How current the state this unit of work sees is: for an event being consumed, up to
        that event with what was still to read behind its batch; for a request, the consumer's
        progress (current when the service consumes nothing)."""
        if self._incoming is not None:
            behind = self._batch.behind if self._batch is not None else None
            return Actualiteit.van(self._incoming.time, behind)
        if self._progress is not None:
            return self._progress()
        return Actualiteit.van(None, 0)

    def consuming(self, ce: CloudEvent, batch: Batch | None = None) -> Self:
        self._incoming = ce
        self._batch = batch
        return self

    def bind(self, session: AsyncSession) -> None:
        """Open repositories on the session (override in a service)."""

    async def __aenter__(self) -> Self:
        self._pending = []
        self._verwerkingen = []
        self._after_commit = []
        if self._batch is not None:
            self.session = self._batch.session
            self._committed = False
            if self._batch.careful:
                self._savepoint = await self.session.begin_nested()
            self.bind(self.session)
            return self
        self.session = self._sessions()
        self.bind(self.session)
        if self._incoming is not None:
            await self._claim(self._incoming)
        return self

    async def __aexit__(self, exc_type, *exc) -> None:
        unlogged = bool(self._verwerkingen)
        self._verwerkingen = []
        if self._batch is not None:
            await self._leave_batch(exc_type)
        else:
            await self.session.rollback()
            await self.session.close()
        if unlogged and exc_type is None:  # a read must never return without its record
            raise UnloggedProcessing("processing records were given but never committed")

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

    # The service's domain events in the wire contract (runtime/wire.py, from its adapters/wire.py).
    to_contract: Callable[[object], Event] | None = None

    def publish(self, *events: object) -> None:
        """Events to send at commit: contract events, or the service's domain events translated."""
        self._pending.extend(map(self.to_contract, events) if self.to_contract else events)

    def log_processing(self, *, activity: Verwerkingsactiviteit, subjects: Iterable[Betrokkene],
                       resource: tuple[str, object], action: str, actor: Principal | None = None,
                       outcome: str = OK) -> None:
        """Record a processing of personal data (runtime/processing_log.py): one record per data
        subject, by `actor` (the caller's Principal; None: this service as a system actor), at the
        clock's now, in the current trace and span. Written at `commit`, in this transaction: call
        `commit` also after a read, before its body is returned."""
        if activity.dienst != self.source:
            raise ValueError(f"{activity.id} is not an activity of {self.source}'s register")
        self._verwerkingen.extend(processing_log.records(
            tijdstip=self.clock.now(), actor=Actor.of(actor, self.source), activiteit=activity.id,
            subjects=subjects, resource=resource, actie=action, uitkomst=outcome))

    def batch_buffer(self, key: str, create: Callable[[], BatchBuffer]) -> BatchBuffer | None:
        """The batch's buffer under `key` (made by `create` the first time), when this unit of work
        handles an event of a batch handled straight through; None otherwise (a request, or a
        batch handled with savepoints, whose undone handlers must leave nothing behind): then
        write at once."""
        if self._batch is None or self._batch.careful:
            return None
        if key not in self._batch.buffers:
            self._batch.buffers[key] = create()
        return self._batch.buffers[key]

    def when_committed(self, callback: Callable[[], None]) -> None:
        """Run `callback` once what this unit of work keeps is committed for others to see (in a
        consumer's batch: after the batch's commit, not the handler's)."""
        if self._batch is not None:
            self._batch.after_commit.append(callback)
        else:
            self._after_commit.append(callback)

    def wake_after_commit(self, job: Hashable, at: datetime | None = None) -> None:
        """Once this unit of work is committed, wake the periodic job `job` (its command) of this
        process, so it sends what was queued now (or `at` then: a retry's time) rather than at its
        interval (runtime/wakeups.py)."""
        if self._wakeups is not None:
            wakeups = self._wakeups
            after_s = (at - self.clock.now()).total_seconds() if at is not None else 0
            self.when_committed(lambda: wakeups.wake(job, after_s))

    async def commit(self) -> None:
        published = bool(self._pending)
        if self._pending:
            traceparent = tracing.current_traceparent()
            now = self.clock.now()
            rows = [outbox_values(CloudEvent.wrap(e, self.source, now, traceparent)) for e in self._pending]
            if self._batch is not None and not self._batch.careful:
                self._batch.outbox.extend(rows)  # one insert for the whole batch
            else:
                await self.session.execute(insert(tables.outbox), rows)
            self._pending = []
        if self._batch is not None:
            await self._release(published)
            return
        if self._verwerkingen:  # chained by the database at the commit just below
            await processing_log.append(self.session, self._verwerkingen)
            self._verwerkingen = []
        await self.session.commit()
        if published and self._on_commit:
            self._on_commit()
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            callback()

    async def _release(self, published: bool) -> None:
        """In a batch: keep this part (the batch appends the records and commits)."""
        self._batch.verwerkingen.extend(self._verwerkingen)
        self._verwerkingen = []
        self._batch.published |= published
        self._committed = True
        if self._batch.careful:
            await self._savepoint.commit()
            self._savepoint = await self.session.begin_nested()  # what a handler does after, undone alone

    async def _leave_batch(self, exc_type) -> None:
        if self._batch.careful:
            if self._savepoint.is_active:  # not committed: undo this handler's part only
                await self._savepoint.rollback()
        elif exc_type is None and not self._committed:
            raise HandleCarefully("a handler left its unit of work without committing")

    async def rollback(self) -> None:
        self._pending = []
        self._verwerkingen = []
        if self._batch is not None:
            if not self._batch.careful:
                raise HandleCarefully("a handler rolled back")
            await self._savepoint.rollback()
            self._savepoint = await self.session.begin_nested()
            return
        await self.session.rollback()
