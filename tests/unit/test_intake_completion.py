"""Completeness of a report, urgent reports accepted incomplete, their completion and deadline."""
import copy
from datetime import UTC, datetime, timedelta

import pytest

from runtime.errors import Conflict, InvalidInput
from services.intake.adapters.wire import to_contract
from services.intake.domain.model import SPOED_AANVULTERMIJN, Melding, missing_fields, pseudonym
from tests.unit.test_intake_model import REPORT, aanvulling, gegevens

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
TERMIJN = timedelta(days=3)


def report(**changes) -> dict:
    r = copy.deepcopy(REPORT)
    r.update(changes)
    return r


def spoed_zonder_datum_en_zorgen() -> dict:
    r = report(urgentie="spoed", zorgen=[])
    for kind in r["gezin"]["kinderen"]:
        kind["geboortedatum"] = None
    return r


def missing(report: dict) -> list[str]:
    report = gegevens(report)
    return missing_fields(report.gezin, report.zorgen)


def test_a_complete_report_misses_nothing():
    assert missing(REPORT) == []
    assert missing(report(kenmerken=[])) == []  # characteristics may be empty


def test_every_missing_part_is_named():
    r = spoed_zonder_datum_en_zorgen()
    del r["gezin"]["kinderen"][0]["geboortedatum"]  # left out or null: both missing
    assert missing(r) == ["gezin.kinderen[0].geboortedatum", "gezin.kinderen[1].geboortedatum",
                          "zorgen"]


@pytest.mark.parametrize("r", [report(gezin={"kinderen": [], "ouders": []}), report(gezin={}),
                               {k: v for k, v in REPORT.items() if k != "gezin"}])
def test_no_children_is_missing(r):
    assert missing(r) == ["gezin.kinderen"]


def test_missing_concerns():
    assert missing({k: v for k, v in REPORT.items() if k != "zorgen"}) == ["zorgen"]


def test_an_incomplete_regular_report_is_refused_naming_every_missing_field():
    r = report(urgentie="regulier", zorgen=[])
    r["gezin"]["kinderen"][1]["geboortedatum"] = None
    with pytest.raises(InvalidInput) as refused:
        Melding.receive(gegevens(r), b"key", NOW)
    assert [name for name, _ in refused.value.fields] == ["gezin.kinderen[1].geboortedatum", "zorgen"]
    assert "gezin.kinderen[1].geboortedatum" in refused.value.detail and "zorgen" in refused.value.detail
    assert refused.value.code == "missing"


def test_an_incomplete_urgent_report_is_accepted_with_a_deadline_and_not_published():
    melding = Melding.receive(gegevens(spoed_zonder_datum_en_zorgen()), b"key", NOW, TERMIJN)
    assert melding.status == "incomplete"
    assert not melding.is_complete
    assert melding.aanvullen_voor == NOW + TERMIJN
    assert melding.ontbrekend == ["gezin.kinderen[0].geboortedatum", "gezin.kinderen[1].geboortedatum",
                                  "zorgen"]
    assert [(s.stap, s.details) for s in melding.stappen] == [("incomplete", {
        "ontbrekend": melding.ontbrekend, "aanvullen_voor": (NOW + TERMIJN).isoformat()})]
    with pytest.raises(Conflict):
        melding.received_event()


def test_default_deadline_is_three_days():
    melding = Melding.receive(gegevens(spoed_zonder_datum_en_zorgen()), b"key", NOW)
    assert melding.aanvullen_voor == NOW + timedelta(days=3)
    assert SPOED_AANVULTERMIJN == timedelta(days=3)


def test_a_complete_urgent_report_enters_the_chain_at_once():
    melding = Melding.receive(gegevens(report(urgentie="spoed")), b"key", NOW)
    assert melding.status == "received" and melding.aanvullen_voor is None and melding.ontbrekend == []


def test_partial_completion_shows_what_is_still_missing():
    melding = Melding.receive(gegevens(spoed_zonder_datum_en_zorgen()), b"key", NOW, TERMIJN)
    melding.complete(aanvulling({"zorgen": ["veiligheid"], "kader": "civiel"}), b"key",
                     NOW + timedelta(hours=1))
    assert melding.status == "incomplete"
    assert melding.ontbrekend == ["gezin.kinderen[0].geboortedatum", "gezin.kinderen[1].geboortedatum"]
    assert melding.zorgen == ["veiligheid"] and melding.kader == "civiel"
    assert [s.stap for s in melding.stappen] == ["incomplete"]


def test_completion_makes_it_received_with_the_original_receipt_time_in_the_event():
    melding = Melding.receive(gegevens(spoed_zonder_datum_en_zorgen()), b"key", NOW, TERMIJN)
    completed_at = NOW + timedelta(days=1)
    parts = {"gezin": REPORT["gezin"], "zorgen": ["veiligheid"], "kenmerken": ["lvb_kind"],
             "toelichting": "aangevuld"}
    melding.complete(aanvulling(parts), b"key", completed_at)
    assert melding.status == "received" and melding.is_complete and melding.ontbrekend == []
    assert [(s.stap, s.tijdstip) for s in melding.stappen] == [("incomplete", NOW),
                                                                ("received", completed_at)]
    assert melding.gezin.kinderen[0].kind_id == pseudonym(b"key", "111222333")
    event = melding.received_event()
    assert event.ontvangen_op == NOW
    assert event.zorgen == ["veiligheid"] and event.kenmerken == ["lvb_kind"]
    assert [k.leeftijd for k in event.kinderen] == [9, 7]


def test_completing_a_complete_report_is_a_conflict():
    melding = Melding.receive(gegevens(REPORT), b"key", NOW)
    with pytest.raises(Conflict, match="already complete"):
        melding.complete(aanvulling({"zorgen": ["veiligheid"]}), b"key", NOW)


def test_completing_twice_is_a_conflict_the_second_time():
    melding = Melding.receive(gegevens(report(urgentie="spoed", zorgen=[])), b"key", NOW, TERMIJN)
    melding.complete(aanvulling({"zorgen": ["veiligheid"]}), b"key", NOW + timedelta(hours=1))
    with pytest.raises(Conflict, match="already complete"):
        melding.complete(aanvulling({"zorgen": ["verwaarlozing"]}), b"key", NOW + timedelta(hours=2))


def test_completion_after_the_deadline_is_a_conflict():
    melding = Melding.receive(gegevens(spoed_zonder_datum_en_zorgen()), b"key", NOW, TERMIJN)
    with pytest.raises(Conflict, match="deadline passed"):
        melding.complete(aanvulling({"zorgen": ["veiligheid"]}), b"key",
                         NOW + TERMIJN + timedelta(seconds=1))
    assert melding.zorgen == [] and melding.status == "incomplete"


def test_an_empty_completion_is_invalid():
    melding = Melding.receive(gegevens(spoed_zonder_datum_en_zorgen()), b"key", NOW, TERMIJN)
    with pytest.raises(InvalidInput):
        melding.complete(aanvulling({"kader": None}), b"key", NOW)


def test_overdue_is_flagged_once_after_the_deadline():
    melding = Melding.receive(gegevens(spoed_zonder_datum_en_zorgen()), b"key", NOW, TERMIJN)
    assert melding.flag_overdue(NOW + TERMIJN) is None  # not before the deadline has passed
    later = NOW + TERMIJN + timedelta(minutes=1)
    event = melding.flag_overdue(later)
    assert event is not None
    assert (event.melding_id, event.gemeente, event.ontvangen_op) == (melding.id, "GM0599", NOW)
    assert event.aanvullen_voor == NOW + TERMIJN and event.gesignaleerd_op == later
    assert event.ontbrekend == melding.ontbrekend
    assert melding.status == "incomplete"
    assert [s.stap for s in melding.stappen] == ["incomplete", "completion_overdue"]
    assert melding.flag_overdue(later + timedelta(hours=1)) is None  # once
    for secret in ("Sem", "Jansen", "111222333", "de Vries"):
        assert secret not in to_contract(event).model_dump_json()  # as it goes out


def test_a_complete_report_is_never_overdue():
    melding = Melding.receive(gegevens(report(urgentie="spoed", zorgen=[])), b"key", NOW, TERMIJN)
    melding.complete(aanvulling({"zorgen": ["veiligheid"]}), b"key", NOW + timedelta(hours=1))
    assert melding.flag_overdue(NOW + timedelta(days=30)) is None
    assert Melding.receive(gegevens(REPORT), b"key", NOW).flag_overdue(NOW + timedelta(days=30)) is None
