"""Target-group rules (doelgroepenbepaling): the shipped rulesets, rule order and file validation."""
import copy
import json
from uuid import uuid4

import pytest

from contracts.vocabulary import GI, Kader, Urgentie
from services.triage.adapters import regelsets
from services.triage.domain.events import Kind, TriageCompleted
from services.triage.domain.model import Melding, Regelset, RegelsetOngeldig, bepaal_doelgroep
from tests.clock import PINNED_NOW

ACTIEF = regelsets.nieuwste_bestand()
REGELSET = ACTIEF.regelset
ALLE_GIS = (GI.JBRR, GI.WSS, GI.LJR)


def besluit(zorgen=("veiligheid",), kenmerken=(), kader=None, leeftijden=(8,)):
    return bepaal_doelgroep(REGELSET, list(zorgen), list(kenmerken), list(leeftijden), kader)


def test_newest_file_is_active_and_every_version_is_kept():
    assert REGELSET.versie == ACTIEF.bron["versie"] == "2026.2"
    assert list(regelsets.versies()) == ["2026.1", "2026.2"]
    assert regelsets.versie("2026.1").regelset.regels[0].id == "lvb"
    assert regelsets.versie("2025.9") is None


def test_version_2026_1_is_unchanged():
    # A change to the rules is a new version; the old file stays as the GIs agreed it.
    raw = regelsets.versie("2026.1").bron
    assert raw["regels"][0]["gi"] == "WSS"
    assert [r["id"] for r in raw["regels"]] == ["lvb", "grijs_gebied"]
    oud = regelsets.versie("2026.1").regelset
    assert bepaal_doelgroep(oud, ["veiligheid"], ["lvb_kind"], [8]).geschikte_gis == (GI.WSS,)
    assert bepaal_doelgroep(oud, ["crimineel_gedrag"], [], [15]).doelgroep == "grijs_gebied"


def test_shared_factsheet_of_expertises():
    assert dict(REGELSET.expertises) == {
        "lvb": (GI.WSS,),
        "jeugdreclassering": (GI.JBRR, GI.LJR),
        "complexe_scheiding": (GI.JBRR,),
        "verslaving": (GI.LJR,),
        "radicalisering_en_eer": (GI.JBRR,),
    }
    assert "vóór" in ACTIEF.bron["omschrijving"] and "William Schrikker" in ACTIEF.bron["omschrijving"]


@pytest.mark.parametrize(("profiel", "regel", "expertise", "gis"), [
    ({"kenmerken": ["lvb_kind"]}, "lvb", "lvb", (GI.WSS,)),
    ({"kenmerken": ["lvb_ouder"]}, "lvb", "lvb", (GI.WSS,)),
    ({"zorgen": ["crimineel_gedrag"]}, "jeugdcriminaliteit", "jeugdreclassering", (GI.JBRR, GI.LJR)),
    ({"zorgen": ["veiligheid", "dreigend_crimineel_gedrag"]}, "jeugdcriminaliteit", "jeugdreclassering",
     (GI.JBRR, GI.LJR)),
    ({"kader": "straf"}, "jeugdcriminaliteit", "jeugdreclassering", (GI.JBRR, GI.LJR)),
    ({"kenmerken": ["complexe_scheiding"]}, "complexe_scheiding", "complexe_scheiding", (GI.JBRR,)),
    ({"kenmerken": ["verslaving"]}, "verslaving", "verslaving", (GI.LJR,)),
    ({"kenmerken": ["radicalisering"]}, "radicalisering_en_eer", "radicalisering_en_eer", (GI.JBRR,)),
    ({"kenmerken": ["eergerelateerd_geweld"]}, "radicalisering_en_eer", "radicalisering_en_eer", (GI.JBRR,)),
    ({}, "grijs_gebied", None, ALLE_GIS),
    ({"kenmerken": ["psychiatrie_ouder", "lichamelijke_beperking"], "kader": "civiel"}, "grijs_gebied",
     None, ALLE_GIS),
    ({"kader": "drang", "zorgen": ["schoolverzuim"]}, "grijs_gebied", None, ALLE_GIS),
])
def test_each_rule_fires_for_its_profile(profiel, regel, expertise, gis):
    b = besluit(**profiel)
    assert (b.regel, b.doelgroep, b.expertise, b.geschikte_gis) == (regel, regel, expertise, gis)
    assert b.regelset_versie == "2026.2"
    assert b.toelichting == next(r.toelichting for r in REGELSET.regels if r.id == regel)


@pytest.mark.parametrize(("profiel", "regel"), [
    # LVB youth with juvenile probation still go to WSS: the lvb rule comes first.
    ({"kenmerken": ["lvb_kind"], "zorgen": ["crimineel_gedrag"], "kader": "straf"}, "lvb"),
    ({"kenmerken": ["lvb_ouder", "verslaving", "radicalisering"]}, "lvb"),
    ({"kenmerken": ["complexe_scheiding", "verslaving"], "kader": "straf"}, "jeugdcriminaliteit"),
    ({"kenmerken": ["verslaving", "complexe_scheiding"]}, "complexe_scheiding"),
    ({"kenmerken": ["eergerelateerd_geweld", "verslaving"]}, "verslaving"),
])
def test_order_matters_first_matching_rule_decides(profiel, regel):
    assert besluit(**profiel).regel == regel


def test_every_rule_has_a_readable_dutch_explanation():
    for regel in REGELSET.regels:
        assert len(regel.toelichting.split()) >= 6, regel.id
    assert REGELSET.regels[0].id == "lvb"
    assert REGELSET.regels[-1].id == "grijs_gebied" and REGELSET.regels[-1].expertise is None


def test_triage_completed_carries_version_rule_and_explanation():
    melding = Melding(
        melding_id=uuid4(), gezin_id=uuid4(), gemeente="GM0599", urgentie=Urgentie.REGULIER,
        kader=Kader.STRAF, kinderen=[Kind(kind_id=uuid4(), leeftijd=15)], zorgen=["crimineel_gedrag"],
        kenmerken=[])
    b = bepaal_doelgroep(REGELSET, melding.zorgen, melding.kenmerken, [15], melding.kader)
    event = b.completed_event(melding, PINNED_NOW)
    assert isinstance(event, TriageCompleted)
    assert (event.doelgroep, event.expertise, event.geschikte_gis) == (
        "jeugdcriminaliteit", "jeugdreclassering", [GI.JBRR, GI.LJR])
    assert (event.regelset_versie, event.regel) == ("2026.2", "jeugdcriminaliteit")
    assert event.toelichting == b.toelichting


def test_age_condition_and_alternatives():
    regelset = Regelset.from_dict({"versie": "9.1", "expertises": {"jr": ["LJR"]}, "regels": [
        {"id": "jr", "doelgroep": "jr", "expertise": "jr", "toelichting": "jeugdreclassering",
         "als": {"minimum_leeftijd": 12, "een_van": [{"zorgen_een_van": ["crimineel_gedrag"]},
                                                     {"kader_een_van": ["straf"]}]}},
        {"id": "rest", "doelgroep": "rest", "expertise": None, "als": {}, "toelichting": "de rest"},
    ]})
    assert bepaal_doelgroep(regelset, ["crimineel_gedrag"], [], [6, 13]).regel == "jr"
    assert bepaal_doelgroep(regelset, ["veiligheid"], [], [13], "straf").regel == "jr"
    assert bepaal_doelgroep(regelset, ["crimineel_gedrag"], [], [6, 11]).regel == "rest"
    assert bepaal_doelgroep(regelset, ["veiligheid"], [], [14], "civiel").regel == "rest"


# --- validation: a mistake in a ruleset file refuses the file -------------------------------------

def _geldig() -> dict:
    return copy.deepcopy(ACTIEF.bron)


def _met(change) -> dict:
    raw = _geldig()
    change(raw)
    return raw


@pytest.mark.parametrize(("raw", "melding"), [
    (_met(lambda r: r["expertises"].update(lvb=["WSS", "NIDOS"])), "unknown GI 'NIDOS'"),
    (_met(lambda r: r["expertises"].update(lvb=[])), "needs at least one GI"),
    (_met(lambda r: r["expertises"].update(lvb=["WSS", "WSS"])), "names a GI twice"),
    (_met(lambda r: r["regels"][0].update(expertise="autisme")), "not in the expertises map"),
    (_met(lambda r: r["regels"][0]["als"].update(kenmerken_een_van=["lvb"])), "unknown value(s) ['lvb']"),
    (_met(lambda r: r["regels"][1]["als"]["een_van"][0].update(zorgen_een_van=["diefstal"])),
     "unknown value(s) ['diefstal']"),
    (_met(lambda r: r["regels"][1]["als"]["een_van"][1].update(kader_een_van=["jeugd"])),
     "unknown value(s) ['jeugd']"),
    (_met(lambda r: r["regels"][0]["als"].update(kenmerken_een_van=[])), "non-empty list"),
    (_met(lambda r: r["regels"][0].update(als={"kenmerk_een_van": ["lvb_kind"]})), "unknown field(s)"),
    (_met(lambda r: r["regels"][0].update(gi="WSS")), "unknown field(s) gi"),
    (_met(lambda r: r["regels"][0].pop("expertise")), "expertise is missing"),
    (_met(lambda r: r["regels"][0].update(toelichting=" ")), "toelichting must be a non-empty text"),
    (_met(lambda r: r["regels"][0].update(id="verslaving")), "used twice"),
    (_met(lambda r: r["regels"][0]["als"].update(minimum_leeftijd=40)), "minimum_leeftijd"),
    (_met(lambda r: r["regels"][1]["als"].update(een_van=[{"kader_een_van": ["straf"]}])),
     "at least two conditions"),
    (_met(lambda r: r["regels"].pop()), "last rule must be an unconditional fallback"),
    (_met(lambda r: r["regels"].insert(2, {**r["regels"][-1], "id": "te_vroeg"})),
     "'te_vroeg' is unconditional"),
    (_met(lambda r: r.update(regels=[])), "fallback"),
    (_met(lambda r: r.update(versie="twee")), "not a version"),
    (_met(lambda r: r.update(geldig_vanaf="1 december")), "not a date"),
    (_met(lambda r: r.update(nieuw=True)), "unknown field(s) nieuw"),
])
def test_invalid_ruleset_is_refused(raw, melding):
    with pytest.raises(RegelsetOngeldig) as refused:
        Regelset.from_dict(raw)
    assert melding in str(refused.value)


def test_refusal_is_a_value_error_that_says_where():
    raw = _met(lambda r: r["regels"][3]["als"].update(kenmerken_een_van=["gokken"]))
    with pytest.raises(ValueError, match=r"ruleset 2026.2, regels\[3\] \(verslaving\), als"):
        Regelset.from_dict(raw)


def _folder(tmp_path, **files):
    for name, raw in files.items():
        (tmp_path / name).write_text(raw if isinstance(raw, str) else json.dumps(raw))
    return tmp_path


def test_version_must_match_the_file_name(tmp_path):
    folder = _folder(tmp_path, **{"2026.3.json": _geldig()})
    with pytest.raises(RegelsetOngeldig, match="does not match the file name"):
        regelsets.versies(folder)


@pytest.mark.parametrize(("files", "melding"), [
    ({"nieuw.json": _geldig()}, "file name must be the version"),
    ({"2026.2.json": "{ niet json"}, "2026.2.json"),
    ({"2026.2.json": _geldig(), "2026.02.json": {**_geldig(), "versie": "2026.02"}}, "same version"),
    ({}, "no ruleset"),
])
def test_folder_of_versions_is_checked(tmp_path, files, melding):
    with pytest.raises(RegelsetOngeldig, match=melding):
        regelsets.versies(_folder(tmp_path, **files))


def test_versions_are_ordered_numerically(tmp_path):
    oud = {**_geldig(), "versie": "2026.9"}
    nieuw = {**_geldig(), "versie": "2026.10"}
    folder = _folder(tmp_path, **{"2026.9.json": oud, "2026.10.json": nieuw})
    assert list(regelsets.versies(folder)) == ["2026.9", "2026.10"]
    assert regelsets.nieuwste_bestand(folder).regelset.versie == "2026.10"
