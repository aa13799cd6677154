"""The report's typed values and their translations: from the validated request (to_domain) and to
and from the gezin and melder JSON columns, in the shape rows have had since the first version —
rows written before the types (keys left out, erased reports) included."""
import copy
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from uuid import uuid4

from services.intake.adapters.repository import (
    _melding,
    _row,
    gezin_from_json,
    gezin_json,
    melder_from_json,
    melder_json,
)
from services.intake.domain.bewaartermijn import wis_persoonsgegevens
from services.intake.domain.gegevens import AANVULBAAR, Gezin, Kind, Melder, Meldingsgegevens, Ouder
from services.intake.domain.model import Melding, pseudonym
from tests.unit.test_intake_model import NOW, REPORT, aanvulling, gegevens

KEY = b"key"


def stored(melding: Melding) -> Melding:
    """The report as the repository writes it and reads it back."""
    return _melding(SimpleNamespace(_mapping={**_row(melding), "version": 1}))


# --- from the request -----------------------------------------------------------------------------

def test_a_validated_report_becomes_the_domains_report_with_plain_codes():
    report = gegevens(REPORT)
    assert report == Meldingsgegevens(
        gemeente="GM0599",
        melder=Melder(organisatie="Wijkteam Feijenoord", naam="A. de Vries", telefoon="010-1234567"),
        urgentie="regulier", kader=None,
        gezin=Gezin(kinderen=(Kind(voornaam="Sem", achternaam="Jansen", geboortedatum=date(2016, 4, 12),
                                   bsn="111222333"),
                              Kind(voornaam="Noa", achternaam="Jansen", geboortedatum=date(2019, 3, 1))),
                    ouders=(Ouder(voornaam="Kim", achternaam="Jansen"),)),
        zorgen=("veiligheid", "ontwikkelingsbedreiging"), kenmerken=("lvb_ouder",),
        toelichting="Zorgen over de veiligheid thuis.")
    assert {type(code) for code in (report.urgentie, *report.zorgen, *report.kenmerken)} == {str}
    bare = gegevens({k: v for k, v in REPORT.items() if k in ("gemeente", "melder", "urgentie")})
    assert (bare.gezin, bare.zorgen, bare.kenmerken, bare.kader) == (Gezin(), (), (), None)


def test_an_aanvulling_keeps_parts_not_given_apart_from_parts_given_empty():
    assert aanvulling({}).is_empty and aanvulling({"kader": None, "gezin": None}).is_empty
    given = aanvulling({"zorgen": [], "gezin": {}, "kader": "civiel"})
    assert not given.is_empty
    assert (given.zorgen, given.gezin, given.kader, given.kenmerken, given.toelichting) == (
        (), Gezin(), "civiel", None, None)
    assert AANVULBAAR == ("gezin", "zorgen", "kenmerken", "kader", "toelichting")  # the refusal names them


# --- to and from the JSON columns ---------------------------------------------------------------

def test_a_received_report_is_stored_in_the_shape_it_always_had():
    melding = Melding.receive(gegevens(REPORT), KEY, NOW)
    row = _row(melding)
    [sem, noa] = melding.gezin.kinderen
    assert row["gezin"] == {
        "kinderen": [
            {"voornaam": "Sem", "achternaam": "Jansen", "geboortedatum": "2016-04-12", "bsn": "111222333",
             "kind_id": str(pseudonym(KEY, "111222333"))},
            {"voornaam": "Noa", "achternaam": "Jansen", "geboortedatum": "2019-03-01", "bsn": None,
             "kind_id": str(noa.kind_id)},
        ],
        "ouders": [{"voornaam": "Kim", "achternaam": "Jansen", "bsn": None}],
    }
    assert row["melder"] == {"organisatie": "Wijkteam Feijenoord", "naam": "A. de Vries",
                             "telefoon": "010-1234567", "email": None}
    assert sem.kind_id == pseudonym(KEY, "111222333")


def test_a_report_reads_back_as_it_was_written():
    received = Melding.receive(gegevens(REPORT), KEY, NOW)
    assert stored(received) == received
    spoed = copy.deepcopy(REPORT) | {"urgentie": "spoed", "zorgen": []}
    spoed["gezin"]["kinderen"][1]["geboortedatum"] = None
    incomplete = Melding.receive(gegevens(spoed), KEY, NOW)
    assert stored(incomplete) == incomplete and stored(incomplete).gezin.kinderen[1].geboortedatum is None
    incomplete.complete(aanvulling({"gezin": REPORT["gezin"], "zorgen": ["veiligheid"]}), KEY,
                        NOW + timedelta(hours=1))
    assert stored(incomplete) == incomplete


def test_an_old_row_with_keys_left_out_loads_as_fields_not_given():
    kind_id = uuid4()
    gezin = gezin_from_json({"kinderen": [
        {"voornaam": "Sem", "achternaam": "Jansen", "kind_id": str(kind_id)},  # nor birth date nor BSN
        {"voornaam": "Noa", "achternaam": "Jansen", "geboortedatum": None}]})  # no ouders
    assert gezin == Gezin(kinderen=(Kind(voornaam="Sem", achternaam="Jansen", kind_id=kind_id),
                                    Kind(voornaam="Noa", achternaam="Jansen")))
    assert gezin_from_json({"ouders": [{"achternaam": "Jansen"}]}) == Gezin(
        ouders=(Ouder(achternaam="Jansen"),))
    assert gezin_from_json({}) == Gezin() and melder_from_json({}) == Melder()
    assert melder_from_json({"organisatie": "WT", "naam": "A"}) == Melder(organisatie="WT", naam="A")


def test_an_erased_row_loads_and_is_written_back_unchanged():
    gezin = {"kinderen": [{"kind_id": str(uuid4()), "leeftijd": 9}, {"kind_id": str(uuid4())}], "ouders": []}
    melder = {"organisatie": "Wijkteam Feijenoord"}
    loaded = gezin_from_json(gezin)
    assert [(str(k.kind_id), k.leeftijd, k.voornaam, k.geboortedatum) for k in loaded.kinderen] == [
        (gezin["kinderen"][0]["kind_id"], 9, None, None), (gezin["kinderen"][1]["kind_id"], None, None, None)]
    assert gezin_json(loaded, gewist=True) == gezin
    assert melder_json(melder_from_json(melder), gewist=True) == melder


def test_erasure_stores_only_the_childrens_ids_and_ages_and_the_reporters_organisation():
    spoed = copy.deepcopy(REPORT) | {"urgentie": "spoed"}
    spoed["gezin"]["kinderen"][1]["geboortedatum"] = None  # no birth date: no age kept
    melding = Melding.receive(gegevens(spoed), KEY, NOW)
    [sem, noa] = melding.gezin.kinderen
    wis_persoonsgegevens(melding, datetime(2047, 1, 1, tzinfo=UTC))
    row = _row(melding)
    assert row["gezin"] == {"kinderen": [{"kind_id": str(sem.kind_id), "leeftijd": 9},
                                         {"kind_id": str(noa.kind_id)}], "ouders": []}
    assert row["melder"] == {"organisatie": "Wijkteam Feijenoord"}
    assert stored(melding) == melding
