from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from contracts.bsn import is_valid_bsn
from services.intake.adapters.wire import to_contract
from services.intake.domain.gegevens import Aanvulling, Meldingsgegevens
from services.intake.domain.model import Melding, age_on, pseudonym
from services.intake.entrypoints.schemas import AanvullingIn, MeldingIn

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
REPORT = {
    "gemeente": "GM0599",
    "melder": {"organisatie": "Wijkteam Feijenoord", "naam": "A. de Vries", "telefoon": "010-1234567"},
    "urgentie": "regulier",
    "gezin": {
        "kinderen": [
            {"voornaam": "Sem", "achternaam": "Jansen", "geboortedatum": "2016-04-12", "bsn": "111222333"},
            {"voornaam": "Noa", "achternaam": "Jansen", "geboortedatum": "2019-03-01"},
        ],
        "ouders": [{"voornaam": "Kim", "achternaam": "Jansen"}],
    },
    "zorgen": ["veiligheid", "ontwikkelingsbedreiging"],
    "kenmerken": ["lvb_ouder"],
    "toelichting": "Zorgen over de veiligheid thuis.",
}


def gegevens(report: dict) -> Meldingsgegevens:
    """A report as JSON, as the domain gets it: validated at the edge, then translated."""
    return MeldingIn.model_validate(report).to_domain()


def aanvulling(parts: dict) -> Aanvulling:
    """An aanvulling as JSON, as the domain gets it (parts left out or null: not given)."""
    return AanvullingIn.model_validate(parts).to_domain()


@pytest.mark.parametrize("bsn", ["111222333", "123456782"])
def test_valid_bsn(bsn):
    assert is_valid_bsn(bsn)


@pytest.mark.parametrize("bsn", ["111222334", "11122233", "1112223333", "11122233a", "", "000000000"])
def test_invalid_bsn(bsn):
    assert not is_valid_bsn(bsn)


@pytest.mark.parametrize(("birth", "day", "age"), [
    (date(2016, 4, 12), date(2026, 4, 11), 9),
    (date(2016, 4, 12), date(2026, 4, 12), 10),
    (date(2016, 4, 12), date(2016, 4, 12), 0),
    (date(2016, 2, 29), date(2017, 2, 28), 0),
    (date(2016, 2, 29), date(2017, 3, 1), 1),
])
def test_age_on(birth, day, age):
    assert age_on(birth, day) == age


def test_pseudonym_is_stable_per_bsn_and_key():
    assert pseudonym(b"key", "111222333") == pseudonym(b"key", "111222333")
    assert pseudonym(b"key", "111222333") != pseudonym(b"other", "111222333")
    assert pseudonym(b"key", "111222333") != pseudonym(b"key", "123456782")


@pytest.mark.parametrize("bsn", [None, ""])
def test_pseudonym_without_bsn_is_random(bsn):
    assert pseudonym(b"key", bsn) != pseudonym(b"key", bsn)


def test_receive_records_first_step_and_pseudonymous_children():
    melding = Melding.receive(gegevens(REPORT), b"key", NOW)
    assert melding.status == "received"
    assert [s.stap for s in melding.stappen] == ["received"]
    kinderen = melding.gezin.kinderen
    assert kinderen[0].kind_id == pseudonym(b"key", "111222333")
    assert isinstance(kinderen[1].kind_id, UUID)


def test_received_event_carries_no_personal_data():
    melding = Melding.receive(gegevens(REPORT), b"key", NOW)
    event = melding.received_event()
    assert event.melding_id == melding.id
    assert event.gezin_id == melding.gezin_id
    assert [k.leeftijd for k in event.kinderen] == [9, 7]
    assert event.kinderen[0].kind_id == melding.gezin.kinderen[0].kind_id
    assert event.zorgen == ["veiligheid", "ontwikkelingsbedreiging"]
    payload = to_contract(event).model_dump_json()  # as it goes out
    for secret in ("Sem", "Noa", "Jansen", "Kim", "de Vries", "111222333", "010-1234567",
                   "Feijenoord", "veiligheid thuis", "2016-04-12"):
        assert secret not in payload


def test_status_never_moves_back_and_steps_sorted_by_time():
    melding = Melding.receive(gegevens(REPORT), b"key", NOW)
    casus_id = uuid4()
    melding.assigned(NOW + timedelta(minutes=3), gi="WSS", casus_id=casus_id)
    melding.triaged(NOW + timedelta(minutes=1), doelgroep="lvb", expertise="lvb", regel="lvb",
                    regelset_versie="2026.1", toelichting="LVB")
    melding.advised(NOW + timedelta(minutes=2), gi="WSS", reden="expertise")
    assert melding.status == "assigned"
    assert [s.stap for s in melding.stappen] == ["received", "triaged", "advised", "assigned"]
    assert melding.toegewezen_gi == "WSS"
    assert melding.casus_id == casus_id
    assert melding.doelgroep == "lvb"


def test_status_advances_in_order():
    melding = Melding.receive(gegevens(REPORT), b"key", NOW)
    melding.triaged(NOW + timedelta(minutes=1), doelgroep="grijs_gebied", expertise=None,
                    regel="grijs_gebied", regelset_versie="2026.1", toelichting="grijs")
    assert melding.status == "triaged"
    melding.advised(NOW + timedelta(minutes=2), gi="JBRR", reden="capaciteit")
    assert melding.status == "advised"
    assert melding.geadviseerde_gi == "JBRR"
