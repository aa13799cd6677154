"""Requests per token subject: over the limit is 429 with Retry-After.

The counting is the `limits` library's moving window (exact: a request is refused only when
the limit was reached in the last window) in its in-memory storage, so each replica counts on
its own; several replicas behind one address would need its Redis storage instead. The
synchronous storage is used: it counts in memory without awaiting anything, where the library's
asyncio variant hands every subject's expiry to a thread on each request. The window
is real elapsed time (the library keeps it on the wall clock), not the service's clock, which
a test or demo may have moved to another day.
"""
import math

from fastapi import Request
from limits import RateLimitItemPerSecond
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from runtime.clock import SystemClock


class RateLimited(Exception):
    """The caller sent more requests than the limit: 429 with Retry-After (seconds)."""

    def __init__(self, detail: str, retry_after_s: int):
        super().__init__(detail)
        self.detail = detail
        self.retry_after_s = retry_after_s


class RateLimit:
    """`requests` per `window_s` seconds per subject; 0 requests: no limit."""

    def __init__(self, requests: int, window_s: int):
        self.item = RateLimitItemPerSecond(requests, window_s) if requests > 0 else None
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._wall = SystemClock()  # the library's windows are on the wall clock

    async def hit(self, subject: str) -> None:
        """Count one request of `subject`; RateLimited when it is one too many."""
        if self.item is None or self._limiter.hit(self.item, subject):
            return
        stats = self._limiter.get_window_stats(self.item, subject)
        retry_after = max(1, math.ceil(stats.reset_time - self._wall.timestamp()))
        raise RateLimited(f"more than {self.item.amount} requests in {self.item.multiples} seconds "
                          f"for this token's subject; try again in {retry_after} s", retry_after)


async def throttled(request: Request) -> None:
    """FastAPI dependency after `authorized`: counts the request against its token's subject.
    A public operation called without a token is not counted (it holds no data)."""
    principal = getattr(request.state, "principal", None)
    if principal is not None:
        await request.app.state.runtime.rate_limit.hit(principal.sub)
