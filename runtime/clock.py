"""Time as an input: the one place that reads the wall clock.

Every domain rule, handler, job and projection gets its time from a `Clock` handed down from the
composition root (`runtime.service.build_app`), never from `datetime.now()` / `date.today()`.
Calendar days are the region's: Europe/Amsterdam, so a report at 23:30 UTC on 31 March is on
1 April, and a day across a DST switch is still one day.
"""

import calendar
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


def clock_from(start: datetime | None, started_at: datetime | None = None) -> Clock:
    """The clock a process runs on: the wall clock, or one shifted to read `start` at
    `started_at` (settings `CLOCK_START`, e.g. `2027-03-28T01:30:00+01:00`, and
    `CLOCK_STARTED_AT`, default: when the process started)."""
    return SystemClock() if start is None else ShiftedClock(start, started_at)


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("a clock needs an aware datetime (with a time zone)")
    return moment.astimezone(UTC)
