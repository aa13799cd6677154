"""Reporting periods: day, month, quarter, year and all time, in the region's time zone. Pure."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from runtime.clock import REGION_TZ
from runtime.errors import InvalidInput

TIJDZONE = REGION_TZ
DAG, MAAND, KWARTAAL, JAAR, TOTAAL = "dag", "maand", "kwartaal", "jaar", "totaal"
PERIODE_TYPES = (DAG, MAAND, KWARTAAL, JAAR, TOTAAL)
# Years a period may be in: far from date.min/max, so no step to a neighbouring period overflows.
JAAR_MIN, JAAR_MAX = 1900, 2999
# Levels a contribution is projected into; histograms and breakdowns skip the day level.
MET_DAG = (DAG, MAAND, KWARTAAL, JAAR, TOTAAL)
ZONDER_DAG = (MAAND, KWARTAAL, JAAR, TOTAAL)


def lokale_datum(moment: datetime | str) -> date:
    """The calendar date in Rotterdam of a moment (a report at 23:30 UTC on 31 March is in April)."""
    if isinstance(moment, str):
        return _lokale_datum(moment)
    return moment.astimezone(TIJDZONE).date()


@lru_cache(maxsize=65536)
def _lokale_datum(text: str) -> date:
    return _parse(text).astimezone(TIJDZONE).date()


@lru_cache(maxsize=65536)
def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text)


def als_datum(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


@lru_cache(maxsize=16384)
def periodes_van(dag: date, met_dag: bool) -> tuple[tuple[str, str], ...]:
    """(type, code) of every period containing the day: ('kwartaal', '2026-Q4'), ..."""
    maand = f"{dag.year:04d}-{dag.month:02d}"
    kwartaal = f"{dag.year:04d}-Q{(dag.month - 1) // 3 + 1}"
    levels = ((MAAND, maand), (KWARTAAL, kwartaal), (JAAR, f"{dag.year:04d}"), (TOTAAL, TOTAAL))
    return ((DAG, dag.isoformat()), *levels) if met_dag else levels


@dataclass(frozen=True)
class Periode:
    type: str
    code: str

    @property
    def begin(self) -> date | None:
        return _grenzen(self)[0]

    @property
    def einde(self) -> date | None:
        """Last day of the period (inclusive); None for all time."""
        return _grenzen(self)[1]

    def peildatum(self, vandaag: date) -> date:
        """The moment a stock figure (e.g. the waiting list) is read: the period's last day,
        or today while the period is running."""
        return vandaag if self.einde is None else min(self.einde, vandaag)

    def vorige(self) -> "Periode":
        begin = self.begin
        if begin is None:
            return self
        return huidige(self.type, begin - timedelta(days=1))

    def __str__(self) -> str:
        return self.code


def _grenzen(p: Periode) -> tuple[date | None, date | None]:
    if p.type == TOTAAL:
        return None, None
    if p.type == DAG:
        d = date.fromisoformat(p.code)
        return d, d
    if p.type == JAAR:
        y = int(p.code)
        return date(y, 1, 1), date(y, 12, 31)
    if p.type == KWARTAAL:
        y, q = int(p.code[:4]), int(p.code[-1])
        first = date(y, 3 * q - 2, 1)
    else:
        y, m = int(p.code[:4]), int(p.code[5:7])
        first = date(y, m, 1)
        q = None
    months = 3 if p.type == KWARTAAL else 1
    nxt_month = first.month + months
    nxt = date(first.year + (nxt_month - 1) // 12, (nxt_month - 1) % 12 + 1, 1)
    return first, nxt - timedelta(days=1)


def huidige(periode_type: str, vandaag: date) -> Periode:
    code = dict(periodes_van(vandaag, True)).get(periode_type)
    if code is None:
        raise InvalidInput(f"unknown period type {periode_type!r}", field="periodeType")
    return Periode(periode_type, code)


def soort_van(code: str) -> str | None:
    import re

    for soort, pattern in (
        (DAG, r"\d{4}-\d{2}-\d{2}"),
        (MAAND, r"\d{4}-(0[1-9]|1[0-2])"),
        (KWARTAAL, r"\d{4}-Q[1-4]"),
        (JAAR, r"\d{4}"),
        (TOTAAL, TOTAAL),
    ):
        if re.fullmatch(pattern, code, flags=re.ASCII):
            return soort
    return None


def lees_periode(code: str | None, periode_type: str | None, vandaag: date, veld: str = "periode") -> Periode:
    """`periode` as the region writes it (2026-Q4, 2026-11, 2026, 2026-11-03) and/or a type.
    Neither: all time. Only a type: the running period of that type. A code that is no period,
    or lies outside the years JAAR_MIN-JAAR_MAX, is InvalidInput naming `veld`."""
    if code is None:
        return Periode(TOTAAL, TOTAAL) if periode_type in (None, TOTAAL) else huidige(periode_type, vandaag)
    soort = soort_van(code)
    if soort is None:
        raise InvalidInput(
            f"{code!r} is not a period: use e.g. 2026-Q4, 2026-11, 2026 or 2026-11-03", field=veld
        )
    if soort != TOTAAL and not JAAR_MIN <= int(code[:4]) <= JAAR_MAX:
        raise InvalidInput(f"{code!r} lies outside the years {JAAR_MIN}-{JAAR_MAX}", field=veld)
    if soort == DAG:
        try:
            date.fromisoformat(code)
        except ValueError:
            raise InvalidInput(f"{code!r} is not a date", field=veld) from None
    if periode_type is not None and periode_type != soort:
        raise InvalidInput(f"periode {code} is a {soort}, not a {periode_type}", field="periodeType")
    return Periode(soort, code)


def kwartalen_tot(laatste: Periode, aantal: int) -> list[Periode]:
    """The `aantal` quarters up to and including `laatste`, oldest first."""
    result = [laatste]
    while len(result) < aantal:
        result.append(result[-1].vorige())
    return list(reversed(result))
