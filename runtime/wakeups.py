"""Periodic jobs woken before their interval when this process committed work for them.

A job that sends what handlers queue (webhook deliveries, escalation notices) would otherwise poll
every second to send it promptly, a transaction per second per service at rest. Instead a handler
that queues work asks its unit of work to wake the job once the work is committed
(`UnitOfWork.wake_after_commit`), and the job otherwise runs at its (longer) interval, for retries
that came due and for work another replica queued.
"""
import asyncio
from collections import defaultdict
from collections.abc import Hashable


class Wakeups:
    """One per process: which jobs were asked to run now, by their key (the job's command)."""

    def __init__(self) -> None:
        self._events: dict[Hashable, asyncio.Event] = defaultdict(asyncio.Event)

    def wake(self, job: Hashable, after_s: float = 0) -> None:
        """Wake `job` now, or in `after_s` seconds (a retry that comes due then)."""
        if after_s > 0:
            asyncio.get_running_loop().call_later(after_s, self._events[job].set)
        else:
            self._events[job].set()

    async def wait(self, job: Hashable, timeout_s: float) -> bool:
        """Until the job is woken or `timeout_s` passed; True when it was woken."""
        event = self._events[job]
        try:
            await asyncio.wait_for(event.wait(), timeout_s)
            return True
        except TimeoutError:
            return False
        finally:
            event.clear()
