"""The suite's time: pinned, never the wall clock.

Every test reads "now" from here. `JBKETEN_TEST_NOW` moves the whole suite to another moment,
e.g. `JBKETEN_TEST_NOW=2028-02-29T12:00:00+01:00 make test` (see `make test-edges` for the edge
dates the suite must pass on: month, quarter and year ends, 29 February, both DST switches).
"""

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from runtime.clock import Clock, FileClock, FixedClock, ShiftedClock, SystemClock, local_date

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


def write_clock_file(path: Path, moment: datetime, set_at: datetime | None = None) -> None:
    """Write a clock file (runtime.clock.FileClock) whole and rename it into place, so a process
    reading it at that instant reads the old file or the new one, never half of one. `set_at`: the
    wall-clock moment the moment was set (second line); default: the wall clock now."""
    if moment.tzinfo is None:
        raise ValueError("a clock file needs a moment with its offset")
    set_at = set_at or SystemClock().now()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(f"{moment.isoformat()}\n{set_at.astimezone(UTC).isoformat()}\n", encoding="utf-8")
    os.replace(temporary, path)


class SteeredClock(Clock):
    """The test's end of a steered stack: it writes the clock file every process of the stack reads
    (CLOCK_FILE) and reads the time from that file as they do, so test code (tokens, expected
    moments) and the services agree. `set(moment)` moves them all; as theirs, this clock never goes
    backwards."""

    def __init__(self, path: Path, start: datetime):
        self.path = Path(path)
        write_clock_file(self.path, start)
        self._file = FileClock(self.path)

    @property
    def env(self) -> dict[str, str]:
        """The environment that puts a service on this clock."""
        return {"CLOCK_FILE": str(self.path)}

    def set(self, moment: datetime) -> datetime:
        write_clock_file(self.path, moment)
        return self.now()

    def now(self) -> datetime:
        return self._file.now()
