from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from contracts.vocabulary import GI, Maatregel, Sluitreden
from services.caseregie.domain.events import DrangOverdue, Kind, MaatregelImposed
from services.caseregie.domain.model import (
    DRANG_3_MAANDEN,
    DRANG_6_MAANDEN,
    drang_termijnen,
    plus_maanden,
    wijs_maatregel_toe,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("start", "maanden", "expected"), [
    (date(2026, 1, 15), 3, date(2026, 4, 15)),
    (date(2025, 11, 30), 3, date(2026, 2, 28)),  # clipped to the month's end
    (date(2023, 11, 30), 3, date(2024, 2, 29)),  # leap year
    (date(2025, 10, 31), 6, date(2026, 4, 30)),
    (date(2025, 12, 1), 6, date(2026, 6, 1)),  # over the year's end
])
def test_calendar_months(start, maanden, expected):
    assert plus_maanden(start, maanden) == expected


def test_drang_without_investigation_is_flagged_on_the_day_three_months_have_passed():
    start = date(2026, 1, 15)
    assert drang_termijnen([(start, False)], date(2026, 4, 14)) == {}
    assert drang_termijnen([(start, False)], date(2026, 4, 15)) == {DRANG_3_MAANDEN: start}


def test_drang_with_investigation_has_no_three_month_limit():
    assert drang_termijnen([(date(2026, 1, 15), True)], date(2026, 5, 1)) == {}


def test_any_drang_is_flagged_after_six_months():
    start = date(2025, 10, 31)
    assert drang_termijnen([(start, True)], date(2026, 4, 29)) == {}
    assert drang_termijnen([(start, True)], date(2026, 4, 30)) == {DRANG_6_MAANDEN: start}
    assert drang_termijnen([(start, False)], date(2026, 4, 30)) == {
        DRANG_3_MAANDEN: start, DRANG_6_MAANDEN: start}


def test_the_earliest_measure_passing_a_limit_is_named():
    early, late = date(2025, 6, 1), date(2025, 9, 1)
    assert drang_termijnen([(late, False), (early, True)], date(2026, 1, 1)) == {
        DRANG_3_MAANDEN: late, DRANG_6_MAANDEN: early}


def drang_casus(start: date, raadsonderzoek: bool, soort=Maatregel.DRANG):
    m = MaatregelImposed(
        maatregel_id=uuid4(), melding_id=uuid4(), advies_id=uuid4(), gezin_id=uuid4(), gemeente="GM0606",
        doelgroep="grijs_gebied", maatregel=soort, route="jb_plein", raadsonderzoek=raadsonderzoek,
        startdatum=start, gi=GI.LJR, kinderen=[Kind(kind_id=uuid4(), leeftijd=11)], opgelegd_op=NOW)
    casus, _ = wijs_maatregel_toe(None, m, NOW)
    return casus


def test_an_open_drang_case_is_flagged_once_per_limit():
    c = drang_casus(date(2025, 11, 1), raadsonderzoek=False)
    events = c.signaleer_drang(date(2026, 2, 1), NOW)
    assert [type(e) for e in events] == [DrangOverdue]
    assert (events[0].termijn, events[0].startdatum, events[0].gi, events[0].casus_id) == (
        DRANG_3_MAANDEN, date(2025, 11, 1), GI.LJR, c.id)
    assert c.signaleer_drang(date(2026, 2, 2), NOW) == []
    events = c.signaleer_drang(date(2026, 5, 1), NOW)
    assert [e.termijn for e in events] == [DRANG_6_MAANDEN]
    assert [s.termijn for s in c.drang_signalen] == [DRANG_3_MAANDEN, DRANG_6_MAANDEN]
    assert c.signaleer_drang(date(2026, 9, 1), NOW) == []


def test_cases_under_a_court_measure_or_closed_are_not_drang_cases():
    ots = drang_casus(date(2024, 1, 1), False, soort=Maatregel.OTS)
    assert ots.signaleer_drang(date(2026, 1, 1), NOW) == []
    closed = drang_casus(date(2024, 1, 1), False)
    closed.sluit(GI.LJR, Sluitreden.AFSCHALING, None, NOW)
    assert closed.signaleer_drang(date(2026, 1, 1), NOW) == []
