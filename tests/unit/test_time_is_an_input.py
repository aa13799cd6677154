"""Time is an input: only runtime/clock.py reads the wall clock; everything else gets a Clock."""

import re
from pathlib import Path

from deploy.stack import ROOT

# Reading the wall clock for a date or a moment (time.monotonic for durations is fine).
WALL_CLOCK = re.compile(
    r"\b(datetime\.(now|utcnow|today)|date\.today|time\.(time|time_ns|localtime|gmtime|ctime))\s*\("
    r"|\bfunc\.(now|current_date|current_timestamp)\s*\("
    r"|\b(CURRENT_DATE|CURRENT_TIMESTAMP)\b|(?<![.\w])now\(\)"
)
ALLOWED = {Path("runtime/clock.py")}
# A column's database default for a bookkeeping timestamp (when a row was written; and the one-off
# 'beginstand' row of a migration) is not domain time; listed by file so a new one is deliberate.
DATABASE_DEFAULTS = {
    Path("runtime/tables.py"),
    Path("runtime/migrations.py"),
    Path("services/reporting/adapters/orm.py"),
    Path("services/reporting/migrations/versions/0002_kpi_projecties.py"),
    Path("services/capacity/adapters/orm.py"),
    Path("services/capacity/migrations/versions/0002_live_capacity.py"),
}


def _sources():
    for folder in ("runtime", "services", "contracts", "deploy", "bench", "tests"):
        for path in (ROOT / folder).rglob("*.py"):
            yield path.relative_to(ROOT)


def test_nothing_but_the_clock_reads_the_wall_clock():
    offenders = []
    for rel in _sources():
        if rel in ALLOWED or rel == Path(__file__).relative_to(ROOT):
            continue
        for number, line in enumerate((ROOT / rel).read_text().splitlines(), 1):
            default = rel in DATABASE_DEFAULTS and ("server_default" in line or "'beginstand'" in line)
            if WALL_CLOCK.search(line) and not default:
                offenders.append(f"{rel}:{number}: {line.strip()}")
    assert offenders == []


def test_the_check_finds_a_wall_clock_read():
    for line in ("x = datetime.now(UTC)", "d = date.today()", "t = time.time()", "sa.func.now()",
                 "VALUES (now())", "WHERE d < CURRENT_DATE"):
        assert WALL_CLOCK.search(line), line
    for line in ("started = time.monotonic()", "now = uow.clock.now()", "self.now()"):
        assert not WALL_CLOCK.search(line), line
