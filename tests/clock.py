"""The suite's time: pinned, never the wall clock.

Every test reads "now" from here. `JBKETEN_TEST_NOW` moves the whole suite to another moment,
e.g. `JBKETEN_TEST_NOW=2028-02-29T12:00:00+01:00 make test` (see `make test-edges` for the edge
dates the suite must pass on: month, quarter and year ends, 29 February, both DST switches).
"""

import os
from datetime import datetime, timedelta

from runtime.clock import FixedClock, ShiftedClock, SystemClock, local_date

DEFAULT_NOW = "2026-11-25T12:00:00+01:00"
PINNED_NOW = datetime.fromisoformat(os.environ.get("JBKETEN_TEST_NOW") or DEFAULT_NOW)
if PINNED_NOW.tzinfo is None:
    raise ValueError("JBKETEN_TEST_NOW needs an offset, e.g. 2028-02-29T12:00:00+01:00")
TODAY = local_date(PINNED_NOW)
# The wall-clock moment the suite's running clocks read PINNED_NOW: every service of a test stack
# (in-process or as processes, via CLOCK_START + CLOCK_STARTED_AT) then agrees on the time.
STARTED_AT = SystemClock().now()
STACK_ENV = {"CLOCK_START": PINNED_NOW.isoformat(), "CLOCK_STARTED_AT": STARTED_AT.isoformat()}


def pinned(moment: datetime | None = None, **delta: float) -> FixedClock:
    """A clock standing at the suite's moment (or `moment`), moved by `delta` (days=..., ...)."""
    return FixedClock((moment or PINNED_NOW) + timedelta(**delta))


def running() -> ShiftedClock:
    """A clock that started at the suite's moment and runs: for whole services in a test."""
    return ShiftedClock(PINNED_NOW, STARTED_AT)
