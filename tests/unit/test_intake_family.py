"""One family across reports (a stable pseudonymous gezin_id) and re-reports within 12 months."""
import copy
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from runtime.clock import add_months
from services.intake.domain.gegevens import Gezin
from services.intake.domain.model import (
    Melding,
    family_keys,
    is_herhaald_beroep,
    pseudonym,
    resolve_gezin_id,
)
from tests.unit.test_intake_model import REPORT, gegevens

KEY = b"key"
CLOSED = datetime(2025, 3, 15, 10, 0, tzinfo=UTC)


def gezin(kinderen=(), ouders=()) -> Gezin:
    return gegevens({**REPORT, "gezin": {
        "kinderen": [{"voornaam": "A", "achternaam": "B", "geboortedatum": "2016-01-01", "bsn": b}
                     for b in kinderen],
        "ouders": [{"achternaam": "B", "bsn": b} for b in ouders]}}).gezin


def test_family_keys_are_keyed_hashes_children_first_without_duplicates_or_gaps():
    keys = family_keys(gezin(kinderen=["111222333", None], ouders=["123456782", "111222333", None]), KEY)
    assert keys == [pseudonym(KEY, "111222333"), pseudonym(KEY, "123456782")]
    assert family_keys(gezin(kinderen=[None]), KEY) == []
    assert family_keys(Gezin(), KEY) == []


def test_family_keys_contain_no_bsn():
    keys = family_keys(gezin(kinderen=["111222333"], ouders=["123456782"]), KEY)
    assert all("111222333" not in str(k) and "123456782" not in str(k) for k in keys)
    assert family_keys(gezin(ouders=["123456782"]), b"other") != family_keys(gezin(ouders=["123456782"]), KEY)


def test_siblings_reported_separately_with_the_same_parent_share_the_family():
    eerste = family_keys(gezin(kinderen=["111222333"], ouders=["123456782"]), KEY)
    known = dict.fromkeys(eerste, gezin_id := uuid4())
    broertje = family_keys(gezin(kinderen=[None], ouders=["123456782"]), KEY)
    assert resolve_gezin_id(broertje, known) == gezin_id


def test_the_same_child_again_is_the_same_family():
    known = dict.fromkeys(family_keys(gezin(kinderen=["111222333"]), KEY), gezin_id := uuid4())
    assert resolve_gezin_id(family_keys(gezin(kinderen=["111222333"], ouders=["123456782"]), KEY),
                            known) == gezin_id


def test_an_unrelated_family_is_new():
    known = dict.fromkeys(family_keys(gezin(kinderen=["111222333"], ouders=["123456782"]), KEY), uuid4())
    assert resolve_gezin_id(family_keys(gezin(ouders=["100000009"]), KEY), known) is None
    assert resolve_gezin_id([], known) is None


def test_keys_of_two_families_the_childs_own_wins():
    child, parent = pseudonym(KEY, "111222333"), pseudonym(KEY, "123456782")
    via_child, via_parent = uuid4(), uuid4()
    assert resolve_gezin_id([child, parent], {child: via_child, parent: via_parent}) == via_child


@pytest.mark.parametrize(("received", "expected"), [
    (CLOSED + timedelta(days=1), True),
    (CLOSED + timedelta(days=364), True),
    (datetime(2026, 3, 15, 10, 0, tzinfo=UTC), True),  # exactly 12 months later
    # The anniversary day in the region's calendar is included, the next day is not.
    (datetime(2026, 3, 15, 22, 59, tzinfo=UTC), True),  # 23:59 in Rotterdam
    (datetime(2026, 3, 15, 23, 1, tzinfo=UTC), False),  # 00:01 on 16 March in Rotterdam
    (CLOSED + timedelta(days=400), False),
    (CLOSED - timedelta(days=1), False),  # the case was still open when this report came in
])
def test_re_report_within_12_months_after_closure(received, expected):
    assert is_herhaald_beroep(CLOSED, received) is expected


def test_no_closure_is_no_re_report():
    assert is_herhaald_beroep(None, CLOSED) is False


def test_twelve_months_is_calendar_months():
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)


def test_join_family_marks_the_re_report_and_the_event_says_so():
    report = copy.deepcopy(REPORT)
    melding = Melding.receive(gegevens(report), KEY, CLOSED + timedelta(days=30))
    gezin_id = uuid4()
    melding.join_family(gezin_id, CLOSED)
    assert melding.gezin_id == gezin_id and melding.herhaald_beroep
    event = melding.received_event()
    assert event.gezin_id == gezin_id and event.herhaald_beroep is True
    melding.join_family(gezin_id, CLOSED - timedelta(days=500))
    assert not melding.received_event().herhaald_beroep
