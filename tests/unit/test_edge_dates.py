"""The chain's date logic on the calendar's edges, with the clock pinned there: the last and first
day of a month, quarter and year, 29 February, both DST switches (Europe/Amsterdam), and "today"
equal to an event's own date. Days and periods are the region's, never UTC's."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from bench.historie import genereer
from runtime.clock import REGION_TZ, FixedClock, add_months, calendar_days, local_date
from services.capacity.domain.model import wachtdagen as capaciteit_wachtdagen
from services.caseregie.domain.model import DRANG_3_MAANDEN, DRANG_6_MAANDEN, drang_termijnen
from services.caseregie.domain.model import wachtdagen as casus_wachtdagen
from services.intake.domain.events import MeldingCompletionOverdue
from services.intake.domain.model import Melding, is_herhaald_beroep
from services.reporting.adapters import catalogus as catalogus_bron
from services.reporting.domain.periodes import Periode, lees_periode, lokale_datum, periodes_van
from tests.unit import test_reporting_kpis as kpis
from tests.unit.test_intake_model import REPORT, gegevens

CET, CEST = "+01:00", "+02:00"
# name -> (the moment, in Rotterdam's own offset; its day, month, quarter and year there)
EDGES = {
    "last day of March and Q1": ("2026-03-31T23:30" + CEST, "2026-03-31", "2026-03", "2026-Q1", "2026"),
    "first day of April and Q2": ("2026-04-01T00:30" + CEST, "2026-04-01", "2026-04", "2026-Q2", "2026"),
    "last day of the year": ("2026-12-31T23:30" + CET, "2026-12-31", "2026-12", "2026-Q4", "2026"),
    "first day of the year": ("2027-01-01T00:30" + CET, "2027-01-01", "2027-01", "2027-Q1", "2027"),
    "29 February": ("2028-02-29T12:00" + CET, "2028-02-29", "2028-02", "2028-Q1", "2028"),
    "summer time starts": ("2027-03-28T03:30" + CEST, "2027-03-28", "2027-03", "2027-Q1", "2027"),
    "winter time starts": ("2027-10-31T02:30" + CET, "2027-10-31", "2027-10", "2027-Q4", "2027"),
}
MOMENTS = {name: datetime.fromisoformat(e[0]) for name, e in EDGES.items()}


@pytest.fixture(params=list(EDGES))
def edge(request):
    """The clock pinned on an edge, with what the region's calendar says of that moment."""
    _, day, month, quarter, year = EDGES[request.param]
    return FixedClock(MOMENTS[request.param]), date.fromisoformat(day), month, quarter, year


def test_the_moment_falls_in_the_regions_day_month_quarter_and_year(edge):
    clock, day, month, quarter, year = edge
    assert clock.today() == lokale_datum(clock.now()) == day
    assert dict(periodes_van(clock.today(), True)) == {
        "dag": day.isoformat(), "maand": month, "kwartaal": quarter, "jaar": year, "totaal": "totaal"}
    # The running period of each type is the one the moment is in, read off the same clock.
    assert lees_periode(None, "kwartaal", clock.today()) == Periode("kwartaal", quarter)
    assert lees_periode(None, "maand", clock.today()).einde >= day >= lees_periode(None, "maand", day).begin


def test_a_period_read_on_its_own_last_day_has_that_day_as_reference(edge):
    clock, day, month, quarter, _ = edge
    for periode in (Periode("dag", day.isoformat()), Periode("maand", month), Periode("kwartaal", quarter)):
        assert periode.peildatum(clock.today()) == min(periode.einde, day)
    assert Periode("totaal", "totaal").peildatum(clock.today()) == day


@pytest.mark.parametrize("wachtdagen", [casus_wachtdagen, capaciteit_wachtdagen])
def test_waiting_days_are_calendar_days_in_the_region(edge, wachtdagen):
    clock, day, *_ = edge
    now = clock.now()
    local_midnight = datetime.combine(day, time(0), tzinfo=REGION_TZ)
    assert wachtdagen(local_midnight - timedelta(minutes=1), now) == 1  # yesterday, however recent
    assert wachtdagen(local_midnight, now) == 0  # today
    assert wachtdagen(now, now) == 0 and wachtdagen(now + timedelta(hours=1), now) == 0
    week_ago = datetime.combine(day - timedelta(days=7), time(12), tzinfo=REGION_TZ)
    assert wachtdagen(week_ago, now) == 7


def test_a_day_across_a_dst_switch_is_one_day():
    spring = datetime(2027, 3, 27, 12, 0, tzinfo=UTC)
    autumn = datetime(2027, 10, 30, 11, 0, tzinfo=UTC)
    # 12:00 local to 12:00 local the next day: 23 hours in spring, 25 hours in autumn.
    assert calendar_days(spring + timedelta(hours=1), spring + timedelta(hours=23)) == 1
    assert calendar_days(autumn, autumn + timedelta(hours=25)) == 1
    assert calendar_days(autumn, autumn + timedelta(hours=24, minutes=59)) == 1


def test_drang_limits_fall_due_on_their_calendar_day(edge):
    clock, day, *_ = edge
    three, six = add_months(day, -3), add_months(day, -6)
    if add_months(three, 3) == day:  # not when the day is clipped (31 March - 3 months = 31 Dec)
        assert drang_termijnen([(three, False)], clock.today()) == {DRANG_3_MAANDEN: three}
        assert drang_termijnen([(three, False)], day - timedelta(days=1)) == {}
    if add_months(six, 6) == day:
        assert DRANG_6_MAANDEN in drang_termijnen([(six, True)], clock.today())
        assert drang_termijnen([(six, True)], day - timedelta(days=1)) == {}


def test_drang_on_the_leap_day_and_from_a_month_end():
    assert add_months(date(2027, 11, 29), 3) == date(2028, 2, 29)
    assert add_months(date(2027, 11, 30), 3) == date(2028, 2, 29)  # clipped to the leap day
    assert drang_termijnen([(date(2027, 11, 30), False)], date(2028, 2, 28)) == {}
    assert drang_termijnen([(date(2027, 11, 30), False)], date(2028, 2, 29)) == {
        DRANG_3_MAANDEN: date(2027, 11, 30)}
    assert add_months(date(2028, 2, 29), 12) == date(2029, 2, 28)


def test_a_completion_deadline_passes_after_its_moment_not_before(edge):
    clock, *_ = edge
    spoed = {**REPORT, "urgentie": "spoed", "zorgen": []}
    melding = Melding.receive(gegevens(spoed), b"key", clock.now(), timedelta(hours=24))
    assert melding.aanvullen_voor == clock.now() + timedelta(hours=24)  # a duration, DST or not
    clock.advance(hours=24)
    assert melding.flag_overdue(clock.now()) is None
    clock.advance(seconds=1)
    assert isinstance(melding.flag_overdue(clock.now()), MeldingCompletionOverdue)


def test_a_re_report_counts_up_to_the_anniversary_day_in_the_region(edge):
    clock, day, *_ = edge
    closed = clock.now()
    anniversary = add_months(day, 12)
    late_that_day = datetime.combine(anniversary, time(23), tzinfo=REGION_TZ)
    assert local_date(late_that_day) == anniversary
    assert is_herhaald_beroep(closed, closed)  # a report the same moment the case closed
    assert is_herhaald_beroep(closed, late_that_day)
    assert not is_herhaald_beroep(closed, late_that_day + timedelta(hours=3))
    assert not is_herhaald_beroep(closed, closed - timedelta(seconds=1))


def test_kpis_on_the_edge_with_events_of_today_equal_the_reference(edge, monkeypatch):
    """The KPIs (counts, stocks, waiting days, distributions) on a history that ends on the pinned
    day itself, read on that day: projection and the independent reference agree."""
    clock, day, month, quarter, year = edge
    monkeypatch.setattr(kpis, "VANDAAG", clock.today())
    events = list(genereer(120, seed=day.toordinal(), begin=day - timedelta(days=45), eind=day,
                           escalaties=2))
    # "Today" is an event's own date.
    assert any(lokale_datum(v) == day for _, d in events for k, v in d.items() if k.endswith("_op") and v)
    norm = catalogus_bron.actief().norm_dagen
    cells = kpis.projecteer(events, norm)
    ref = kpis.Referentie(events, norm)
    for periode in (Periode("dag", day.isoformat()), Periode("maand", month), Periode("kwartaal", quarter),
                    Periode("jaar", year), Periode("totaal", "totaal")):
        kpis.vergelijk(kpis.figures(cells, periode), ref, periode)
