"""The suppression threshold has one name, `onderdrukkingsdrempel` (as GET /v1/kpis shows it); the
earlier documented REPORTING_SUPPRESSION_THRESHOLD is still read, below the new name."""
import pytest

from services.reporting.settings import ReportingSettings

NAMES = ("REPORTING_ONDERDRUKKINGSDREMPEL", "ONDERDRUKKINGSDREMPEL", "REPORTING_SUPPRESSION_THRESHOLD",
         "SUPPRESSION_THRESHOLD")


@pytest.fixture(autouse=True)
def _clean(monkeypatch):
    for name in NAMES:
        monkeypatch.delenv(name, raising=False)


def threshold() -> int:
    return ReportingSettings.for_service("reporting", 8005).onderdrukkingsdrempel


def test_the_default_is_five():
    assert threshold() == 5


@pytest.mark.parametrize("name", NAMES)
def test_each_name_sets_it(monkeypatch, name):
    monkeypatch.setenv(name, "7")
    assert threshold() == 7


def test_the_new_name_wins_over_the_old(monkeypatch):
    monkeypatch.setenv("REPORTING_SUPPRESSION_THRESHOLD", "3")
    monkeypatch.setenv("REPORTING_ONDERDRUKKINGSDREMPEL", "9")
    assert threshold() == 9
