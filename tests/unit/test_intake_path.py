"""The whole path of a report for the local team: steps, their details, and a status that never
moves back on late or out-of-order events."""
import itertools
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from services.intake.domain.model import STATUS_ORDER, Melding
from tests.unit.test_intake_model import REPORT, gegevens

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
CASUS = uuid4()


def at(minutes: int) -> datetime:
    return NOW + timedelta(minutes=minutes)


STEPS = {
    "triaged": lambda m: m.triaged(at(1), doelgroep="lvb", expertise="lvb", regel="lvb-ouder",
                                   regelset_versie="2026.1", toelichting="LVB van een ouder: WSS"),
    "advised": lambda m: m.advised(at(2), gi="WSS", reden="expertise LVB", afwijking=True,
                                   afwijking_categorie="bekend_bij_gi"),
    "measure": lambda m: m.measure(at(3), maatregel="OTS", route="rechtbank",
                                   startdatum=date(2026, 3, 2), gi="WSS"),
    "assigned": lambda m: m.assigned(at(4), gi="WSS", casus_id=CASUS, nieuwe_casus=False),
    "protector": lambda m: m.protector(at(5), jeugdbeschermer_id="WSS-0042", gi="WSS"),
    "transferred": lambda m: m.transferred(at(6), van_gi="WSS", naar_gi="JBRR", categorie="verhuizing"),
    "closed": lambda m: m.closed(at(7), reden="afschaling"),
}


def received() -> Melding:
    return Melding.receive(gegevens(REPORT), b"key", NOW)


def test_every_step_carries_its_details():
    melding = received()
    for step in STEPS.values():
        step(melding)
    melding.drang_overdue(at(3), termijn="6_maanden")
    details = {s.stap: s.details for s in melding.stappen}
    assert [s.stap for s in melding.stappen] == [
        "received", "triaged", "advised", "measure", "drang_overdue", "assigned", "protector",
        "transferred", "closed"]
    assert details["received"] == {"gemeente": "GM0599"}
    assert details["triaged"] == {"doelgroep": "lvb", "expertise": "lvb", "regel": "lvb-ouder",
                                  "regelset_versie": "2026.1", "toelichting": "LVB van een ouder: WSS"}
    assert details["advised"] == {"gi": "WSS", "reden": "expertise LVB", "afwijking": True,
                                  "afwijking_categorie": "bekend_bij_gi"}
    assert details["measure"] == {"maatregel": "OTS", "route": "rechtbank", "startdatum": "2026-03-02",
                                  "gi": "WSS"}
    assert details["assigned"] == {"gi": "WSS", "casus_id": str(CASUS), "nieuwe_casus": False}
    assert details["protector"] == {"jeugdbeschermer_id": "WSS-0042", "gi": "WSS"}
    assert details["transferred"] == {"van_gi": "WSS", "naar_gi": "JBRR", "categorie": "verhuizing"}
    assert details["closed"] == {"reden": "afschaling"}
    assert details["drang_overdue"] == {"termijn": "6_maanden"}


def test_top_level_facts_follow_the_path():
    melding = received()
    for name in ("triaged", "advised", "measure", "assigned", "protector"):
        STEPS[name](melding)
        assert melding.status == name
    assert (melding.doelgroep, melding.geadviseerde_gi, melding.maatregel) == ("lvb", "WSS", "OTS")
    assert (melding.toegewezen_gi, melding.casus_id, melding.jeugdbeschermer) == ("WSS", CASUS, "WSS-0042")
    STEPS["transferred"](melding)
    assert melding.status == "transferred"
    assert melding.toegewezen_gi == "JBRR"  # the GI that has the case now
    assert melding.jeugdbeschermer is None  # a transfer clears the protector
    assert melding.geadviseerde_gi == "WSS"
    melding.protector(at(6.5), jeugdbeschermer_id="JBRR-7", gi="JBRR")
    assert melding.status == "protector"  # the new GI's protector, after the transfer
    assert melding.jeugdbeschermer == "JBRR-7"
    STEPS["closed"](melding)
    assert melding.status == "closed"


@pytest.mark.parametrize("order", list(itertools.permutations(["triaged", "advised", "measure", "assigned",
                                                               "protector"]))[::7])
def test_any_arrival_order_gives_the_same_path(order):
    melding = received()
    for name in order:
        STEPS[name](melding)
    assert melding.status == "protector"
    assert [s.stap for s in melding.stappen] == ["received", "triaged", "advised", "measure", "assigned",
                                                 "protector"]
    assert melding.jeugdbeschermer == "WSS-0042"


def test_status_never_moves_back_on_a_late_event():
    melding = received()
    STEPS["assigned"](melding)
    STEPS["triaged"](melding)  # decided earlier, arrives later
    assert melding.status == "assigned"
    melding.advised(at(10), gi="LJR", reden="later herzien")  # even a later time cannot go back
    assert melding.status == "assigned"
    assert melding.geadviseerde_gi == "LJR"


def test_a_protector_event_from_before_the_transfer_arriving_late_changes_nothing():
    melding = received()
    STEPS["assigned"](melding)
    STEPS["transferred"](melding)
    STEPS["protector"](melding)  # at(5): before the transfer at(6)
    assert melding.status == "transferred"
    assert melding.jeugdbeschermer is None
    assert melding.toegewezen_gi == "JBRR"


def test_closed_is_final():
    melding = received()
    STEPS["assigned"](melding)
    STEPS["closed"](melding)
    melding.protector(at(9), jeugdbeschermer_id="WSS-1", gi="WSS")
    melding.transferred(at(9), van_gi="WSS", naar_gi="LJR", categorie="overig")
    assert melding.status == "closed"


def test_same_timestamp_keeps_chain_order():
    melding = received()
    melding.assigned(at(1), gi="WSS", casus_id=CASUS)
    melding.advised(at(1), gi="WSS", reden="x")
    melding.triaged(at(1), doelgroep="lvb", expertise="lvb", regel="r", regelset_versie="1", toelichting="t")
    assert [s.stap for s in melding.stappen] == ["received", "triaged", "advised", "assigned"]


def test_the_same_step_twice_is_recorded_once():
    melding = received()
    STEPS["protector"](melding)
    STEPS["protector"](melding)
    assert [s.stap for s in melding.stappen].count("protector") == 1


def test_naive_timestamps_are_taken_as_utc():
    melding = received()
    melding.triaged(datetime(2026, 3, 1, 12, 1), doelgroep="lvb", expertise=None, regel="r",
                    regelset_versie="1", toelichting="t")
    assert melding.stappen[-1].tijdstip == at(1)


def test_status_names():
    assert STATUS_ORDER == ("incomplete", "received", "triaged", "advised", "measure", "assigned",
                            "protector", "transferred", "closed")
