"""Issue 9 §3: which send failures park an event (its own: too large, malformed) and which stop
the batch to be tried again in order (the broker's: away, timing out, refusing everyone)."""
import asyncio
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from aiokafka.errors import (
    InvalidTopicError,
    KafkaConnectionError,
    KafkaTimeoutError,
    MessageSizeTooLargeError,
    NotLeaderForPartitionError,
    RecordTooLargeError,
    TopicAuthorizationFailedError,
)

from runtime.outbox import OutboxRelay, unsendable
from tests.clock import running


@pytest.mark.parametrize(("error", "park"), [
    (MessageSizeTooLargeError(), True), (RecordTooLargeError(), True), (InvalidTopicError(), True),
    (TypeError("not JSON"), True), (UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogate"), True),
    (KafkaTimeoutError(), False), (KafkaConnectionError(), False), (NotLeaderForPartitionError(), False),
    (TopicAuthorizationFailedError(), False), (RuntimeError("?"), False),
])
def test_only_an_events_own_failure_parks_it(error, park):
    assert unsendable(error) is park


def _row(n: int, size: int = 10):
    return SimpleNamespace(id=n, event_id=f"e{n}", source="/t", event_type="t", subject="s",
                           occurred_at=datetime(2026, 11, 25, tzinfo=UTC), data={"x": "a" * size},
                           key="k", topic="t", traceparent=None, headers={})


class Producer:
    """Answers per event: the exception to raise when sending, or to fail the delivery with."""

    def __init__(self, on_send=None, on_delivery=None):
        self.on_send, self.on_delivery, self.sent = on_send or {}, on_delivery or {}, []

    async def send(self, topic, value, key, headers):
        event_id = dict(headers)["ce_id"].decode()
        if event_id in self.on_send:
            raise self.on_send[event_id]
        self.sent.append(event_id)
        future = asyncio.get_running_loop().create_future()
        error = self.on_delivery.get(event_id)
        if error:
            future.set_exception(error)
        else:
            future.set_result(None)
        return future


def relay(producer, max_record_bytes=10_000) -> OutboxRelay:
    r = OutboxRelay(sessions=None, poll_interval_s=1, batch_size=10, clock=running(),
                    max_record_bytes=max_record_bytes)
    r.producer = producer
    return r


async def test_a_refused_event_is_parked_and_the_rest_are_sent():
    rows = [_row(1), _row(2), _row(3)]
    sent, parked, error = await relay(Producer(on_delivery={"e2": MessageSizeTooLargeError()}))._send(rows)
    assert (sent, [r.id for r, _ in parked], error) == ([1, 3], [2], None)
    assert parked[0][1].startswith("MessageSizeTooLargeError")


async def test_an_event_over_the_relays_limit_is_not_even_offered_to_the_broker():
    producer = Producer()
    rows = [_row(1), _row(2, 5000), _row(3)]
    sent, parked, error = await relay(producer, max_record_bytes=1000)._send(rows)
    assert (sent, [r.id for r, _ in parked], error) == ([1, 3], [2], None)
    assert producer.sent == ["e1", "e3"] and "1000" in parked[0][1]


async def test_a_broker_failure_stops_the_batch_so_nothing_after_it_is_marked_sent():
    rows = [_row(1), _row(2), _row(3)]
    timeout = KafkaTimeoutError()
    sent, parked, error = await relay(Producer(on_delivery={"e2": timeout}))._send(rows)
    assert (sent, parked, error) == ([1], [], timeout)  # e3 goes again, after e2


async def test_a_broker_away_at_send_time_stops_sending():
    producer = Producer(on_send={"e1": KafkaConnectionError()})
    sent, parked, error = await relay(producer)._send([_row(1), _row(2)])
    assert (sent, parked, producer.sent) == ([], [], [])
    assert isinstance(error, KafkaConnectionError)


class FlakyRelay(OutboxRelay):
    """The relay's loop over a first attempt that fails (the broker away) and then nothing to send."""

    def __init__(self):
        super().__init__(sessions=None, poll_interval_s=60, batch_size=10, clock=running(),
                         retry_interval_s=0.05)
        self.attempts: list[float] = []

    async def publish_pending(self) -> int | None:
        self.attempts.append(asyncio.get_running_loop().time())
        if len(self.attempts) == 1:
            raise KafkaConnectionError()
        return 0


async def test_after_a_failed_attempt_the_relay_tries_again_after_the_retry_interval_not_the_poll():
    relay_ = FlakyRelay()
    task = asyncio.create_task(relay_.run())
    try:
        await asyncio.sleep(0.5)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert len(relay_.attempts) == 2  # failed, tried again soon; then at rest until the poll (60 s)
    assert relay_.attempts[1] - relay_.attempts[0] < 0.3
    assert relay_.last_error is None
