import pytest

from contracts.vocabulary import GI
from services.triage.adapters.regelsets import active
from services.triage.domain.model import Besluit, Regelset, adviseer, bepaal_doelgroep

REGELSET, RAW = active()
GRIJS = Besluit("grijs_gebied", None, "test", "grijs_gebied", "grijs gebied")
LVB = Besluit("lvb", GI.WSS, "test", "lvb", "lvb")


def test_active_ruleset_is_the_newest_file():
    assert REGELSET.versie == RAW["versie"]
    assert REGELSET.regels[-1].id == "grijs_gebied"


@pytest.mark.parametrize("kenmerken", [["lvb_kind"], ["lvb_ouder"], ["verslaving", "lvb_kind"]])
def test_lvb_goes_to_wss(kenmerken):
    besluit = bepaal_doelgroep(REGELSET, ["veiligheid"], kenmerken, [8])
    assert (besluit.doelgroep, besluit.vereiste_gi, besluit.regel) == ("lvb", GI.WSS, "lvb")
    assert besluit.regelset_versie == REGELSET.versie
    assert besluit.toelichting


@pytest.mark.parametrize("kenmerken", [[], ["verslaving"], ["psychiatrie_ouder", "complexe_scheiding"]])
def test_everything_else_is_grey_area(kenmerken):
    besluit = bepaal_doelgroep(REGELSET, ["huiselijk_geweld"], kenmerken, [3, 15])
    assert besluit.doelgroep == "grijs_gebied"
    assert besluit.vereiste_gi is None


def _rule(id, als):
    return {"id": id, "doelgroep": id, "gi": None, "als": als, "toelichting": id}


def test_ruleset_needs_unconditional_last_rule():
    with pytest.raises(ValueError, match="fallback"):
        Regelset.from_dict({"versie": "x", "regels": [_rule("lvb", {"kenmerken_een_van": ["lvb_kind"]})]})
    with pytest.raises(ValueError, match="fallback"):
        Regelset.from_dict({"versie": "x", "regels": []})


def test_first_matching_rule_decides_with_age_condition():
    regelset = Regelset.from_dict({"versie": "x", "regels": [
        _rule("jeugdcriminaliteit", {"zorgen_een_van": ["crimineel_gedrag"], "minimum_leeftijd": 12}),
        _rule("rest", {}),
    ]})
    assert bepaal_doelgroep(regelset, ["crimineel_gedrag"], [], [6, 13]).regel == "jeugdcriminaliteit"
    assert bepaal_doelgroep(regelset, ["crimineel_gedrag"], [], [6, 11]).regel == "rest"
    assert bepaal_doelgroep(regelset, ["veiligheid"], [], [14]).regel == "rest"


def test_required_gi_wins_even_with_less_capacity():
    advies = adviseer(LVB, {GI.JBRR: 40, GI.WSS: -2, GI.LJR: 10})
    assert advies.gi == GI.WSS
    assert "WSS" in advies.reden
    assert advies.rangorde[0] == {"gi": "WSS", "vrije_plaatsen": -2, "vereiste_expertise": True}


def test_grey_area_picks_most_free_capacity():
    advies = adviseer(GRIJS, {GI.JBRR: 3, GI.WSS: 1, GI.LJR: 7})
    assert advies.gi == GI.LJR
    assert "7" in advies.reden
    assert [r["gi"] for r in advies.rangorde] == ["LJR", "JBRR", "WSS"]


@pytest.mark.parametrize(("capaciteit", "gi"), [
    ({GI.JBRR: 5, GI.WSS: 5, GI.LJR: 5}, GI.JBRR),
    ({GI.JBRR: 1, GI.WSS: 5, GI.LJR: 5}, GI.WSS),
    ({GI.JBRR: 1, GI.WSS: 2, GI.LJR: 5}, GI.LJR),
])
def test_ties_follow_gi_order(capaciteit, gi):
    assert adviseer(GRIJS, capaciteit).gi == gi


def test_no_capacity_known_falls_back_to_regional_gi():
    advies = adviseer(GRIJS, {})
    assert advies.gi == GI.JBRR
    assert "geen capaciteit bekend" in advies.reden
    assert all(r["vrije_plaatsen"] is None for r in advies.rangorde)


@pytest.mark.parametrize(("besluit", "capaciteit"), [
    (LVB, {}), (GRIJS, {}), (GRIJS, {GI.WSS: 4}), (LVB, {GI.JBRR: 9, GI.WSS: 0}),
])
def test_reasons_are_readable(besluit, capaciteit):
    advies = adviseer(besluit, capaciteit)
    assert isinstance(advies.reden, str)
    assert len(advies.reden.split()) >= 4
    assert advies.gi.value in advies.reden
    assert f"GI.{advies.gi.name}" not in advies.reden
