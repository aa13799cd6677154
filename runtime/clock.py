"""Time as an input: the one place that reads the wall clock.

Every domain rule, handler, job and projection gets its time from a `Clock` handed down from the
composition root (`runtime.service.build_app`), never from `datetime.now()` / `date.today()`.
Calendar days are the region's: Europe/Amsterdam, so a report at 23:30 UTC on 31 March is on
1 April, and a day across a DST switch is still one day.
"""

import calendar
import os
import threading
from abc import ABC, abstractmethod
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

REGION_TZ = ZoneInfo("Europe/Amsterdam")


def local_date(moment: datetime) -> date:
    """The calendar date in the region of an aware moment."""
    return moment.astimezone(REGION_TZ).date()


def add_months(day: date, months: int) -> date:
    """Calendar months later; the day is clipped to the month's end (30 Nov + 3 months = 28 Feb,
    29 Feb + 12 months = 28 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def calendar_days(since: datetime, until: datetime) -> int:
    """Calendar days in the region from one moment to a later one (waiting days): 23:00 to 01:00
    the next day is one day, a day across a DST switch is one day; never negative."""
    return max(0, (local_date(until) - local_date(since)).days)


class Clock(ABC):
    """Now, as an aware UTC datetime, and today in the region's calendar."""

    @abstractmethod
    def now(self) -> datetime: ...

    def today(self) -> date:
        return local_date(self.now())

    def timestamp(self) -> float:
        return self.now().timestamp()


def _wall() -> datetime:
    return datetime.now(UTC)


class SystemClock(Clock):
    """The wall clock (production)."""

    def now(self) -> datetime:
        return _wall()


class FixedClock(Clock):
    """A clock that stands still until moved (tests)."""

    def __init__(self, moment: datetime):
        self._now = _aware(moment)

    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = _aware(moment)

    def advance(self, **delta: float) -> datetime:
        self._now += timedelta(**delta)
        return self._now


class ShiftedClock(Clock):
    """The wall clock moved to another moment, running at real speed: a whole stack on a pinned
    date (end-to-end tests, demos of a past or future day), with timeouts and retries still
    working. It read `start` at the wall-clock moment `started_at` (default: now), so processes
    given the same pair agree on the time."""

    def __init__(self, start: datetime, started_at: datetime | None = None):
        self._shift = _aware(start) - (_aware(started_at) if started_at else _wall())

    def now(self) -> datetime:
        return _wall() + self._shift


class ClockFileError(RuntimeError):
    """A clock file that cannot be read or does not hold a moment with its offset."""


class FileClock(Clock):
    """A clock steered through a file, for test and demo stacks: every process given the same file
    (setting `CLOCK_FILE`) reads the same time, and whoever writes the file moves them all at once.

    The file's first line is a moment with its offset (`2026-01-05T12:00:00+01:00`). An optional
    second line is the wall-clock moment at which that moment was set; without it, the file's
    modification time is. `now()` is the moment plus the wall-clock time elapsed since it was set,
    so the clock runs at real speed from there (timeouts and retries keep working) until the file
    is written again. The file is read again only when it changed (its inode, size or modification
    time: one `os.stat` per `now()`); write it whole and rename it into place (tests/clock.py
    `SteeredClock`) so no process reads half a file.

    A clock never goes backwards within a process: set to an earlier moment, it stands at the
    latest moment it told until the file's time passes that moment. A file that is missing or
    unreadable when the clock is made stops the process (`ClockFileError`); one that becomes
    unreadable later leaves the clock running on what it read last, and is read again on the next
    `now()`."""

    def __init__(self, path: str | os.PathLike):
        self.path = os.fspath(path)
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        try:
            self._moment, self._set_at = self._read(os.stat(self.path))
        except (OSError, ValueError) as exc:
            raise ClockFileError(f"CLOCK_FILE {self.path}: {exc}") from exc
        self._latest = self._moment

    def _read(self, stat: os.stat_result) -> tuple[datetime, datetime]:
        with open(self.path, encoding="utf-8") as f:
            lines = [line.strip() for line in f.read().splitlines() if line.strip()]
        if not lines:
            raise ValueError("the file is empty; it must hold a moment with its offset, "
                             "e.g. 2026-01-05T12:00:00+01:00")
        moment = datetime.fromisoformat(lines[0])
        set_at = (datetime.fromisoformat(lines[1]) if len(lines) > 1
                  else datetime.fromtimestamp(stat.st_mtime_ns / 1e9, UTC))
        if moment.tzinfo is None or set_at.tzinfo is None:
            raise ValueError(f"{lines[0]!r} has no offset (e.g. 2026-01-05T12:00:00+01:00)")
        self._stamp = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
        return _aware(moment), _aware(set_at)

    def now(self) -> datetime:
        with self._lock:
            try:
                stat = os.stat(self.path)
                if (stat.st_ino, stat.st_size, stat.st_mtime_ns) != self._stamp:
                    self._moment, self._set_at = self._read(stat)
            except (OSError, ValueError):
                pass  # being replaced, or broken for now: run on what was read last
            self._latest = max(self._latest, self._moment + (_wall() - self._set_at))
            return self._latest


def clock_from(start: datetime | None, started_at: datetime | None = None,
               file: str | os.PathLike | None = None) -> Clock:
    """The clock a process runs on: the wall clock, or one shifted to read `start` at
    `started_at` (settings `CLOCK_START`, e.g. `2027-03-28T01:30:00+01:00`, and
    `CLOCK_STARTED_AT`, default: when the process started), or, when `file` is given (setting
    `CLOCK_FILE`, which wins over `CLOCK_START`), one steered through that file (`FileClock`)."""
    if file:
        return FileClock(file)
    return SystemClock() if start is None else ShiftedClock(start, started_at)


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("a clock needs an aware datetime (with a time zone)")
    return moment.astimezone(UTC)
