"""Suppression of small counts per municipality: primary, secondary and the exact audit (pure)."""

import random
from fractions import Fraction

import pytest

from contracts.vocabulary import GEMEENTEN
from services.reporting.adapters import catalogus as catalogus_bron
from services.reporting.domain import onderdrukking
from services.reporting.domain.cijfers import Rij, bereken
from services.reporting.domain.onderdrukking import TOTAAL, Tabelset
from services.reporting.domain.periodes import Periode
from tests.unit.test_reporting_herleiding import _los_op, _propageer

GIS = ["JBRR", "WSS", "LJR", "onbekend"]


def vergelijkingen(waarden):
    rijen = sorted({g for g, _ in waarden if g != TOTAAL})
    kolommen = sorted({k for _, k in waarden if k != TOTAAL})
    eqs = [((g, TOTAAL), [(g, k) for k in kolommen]) for g in [*rijen, TOTAAL]]
    eqs += [((TOTAAL, k), [(g, k) for g in rijen]) for k in [*kolommen, TOTAAL]]
    return eqs


def herleidbaar(waarden, onderdrukt, eqs=None) -> set:
    """What an attacker recovers: exact linear algebra on the published values, and unknown parts of
    a known total that sum to 0 (counts are never negative)."""
    eqs = eqs or vergelijkingen(waarden)
    bekend = {k: Fraction(v) for k, v in waarden.items() if k not in onderdrukt}
    alles = set(waarden)
    while True:
        while _propageer(bekend, eqs, alles):
            pass
        nieuw = _los_op(bekend, eqs)
        if not nieuw:
            break
        bekend.update(nieuw)
    return {k for k in onderdrukt if k in bekend}


def test_one_small_cell_in_a_row_takes_the_next_smallest_with_it():
    cellen = {("GM0599", "WSS"): 40, ("GM0606", "WSS"): 3, ("GM0622", "WSS"): 7,
              ("GM0599", "JBRR"): 50, ("GM0606", "JBRR"): 20, ("GM0622", "JBRR"): 30}
    waarden, onderdrukt = onderdrukking.tabel(cellen, 5)
    # 3 is small; in column WSS the next smallest (7) goes too; in row GM0606 the 20 goes too,
    # then column JBRR needs a second one (30, smaller than 50).
    assert onderdrukt == {("GM0606", "WSS"), ("GM0622", "WSS"), ("GM0606", "JBRR"), ("GM0622", "JBRR")}
    assert not herleidbaar(waarden, onderdrukt)
    assert (TOTAAL, "WSS") not in onderdrukt and (TOTAAL, TOTAAL) not in onderdrukt


def test_small_municipality_total_is_suppressed_and_protected():
    waarden, onderdrukt = onderdrukking.tabel(
        {("GM0613", "WSS"): 2, ("GM0599", "WSS"): 60, ("GM0606", "WSS"): 9}, 5
    )
    assert ("GM0613", TOTAAL) in onderdrukt and ("GM0613", "WSS") in onderdrukt
    # the column WSS and the totals column each need a second suppressed member: the 9s
    assert ("GM0606", "WSS") in onderdrukt and ("GM0606", TOTAAL) in onderdrukt
    assert not herleidbaar(waarden, onderdrukt)


def test_an_empty_cell_protects_before_a_regional_total_does_but_never_one_that_follows_from_a_zero():
    waarden, onderdrukt = onderdrukking.tabel({("GM0599", "WSS"): 2, ("GM0606", "LJR"): 12}, 5)
    assert ("GM0606", "WSS") in onderdrukt  # shown as suppressed, so nobody knows it is empty
    assert not {c for c in onderdrukt if TOTAAL in c[0]}
    assert not herleidbaar(waarden, onderdrukt)
    # Nothing at JBRR in the region: its empty cells follow from that 0 and protect nothing.
    waarden, onderdrukt = onderdrukking.tabel({("GM0599", "WSS"): 2, ("GM0606", "WSS"): 12}, 5, kolommen=GIS)
    assert not {c for c in onderdrukt if c[1] in ("JBRR", "LJR", "onbekend")}
    assert not herleidbaar(waarden, onderdrukt)


def test_only_as_a_last_resort_a_regional_total():
    waarden, onderdrukt = onderdrukking.tabel({("GM0599", "WSS"): 2}, 5)  # one municipality, one GI
    assert {(TOTAAL, "WSS"), (TOTAAL, TOTAAL)} & onderdrukt
    assert not herleidbaar(waarden, onderdrukt)


def test_nothing_small_nothing_suppressed_and_zero_is_not_small():
    assert onderdrukking.tabel({("GM0599", "WSS"): 5, ("GM0606", "WSS"): 0}, 5)[1] == set()
    assert onderdrukking.tabel({("GM0599", "WSS"): 1}, 1)[1] == set()


def test_no_equation_with_one_suppressed_member_is_not_enough_the_audit_is_exact():
    """Three suppressed cells, each equation has two of them, yet together the equations fix all
    three (a + b, b + c and a + c published): the audit finds it and suppresses a neighbour."""
    waarden = {"a": 1, "b": 2, "c": 3, "d": 9, "ab": 3, "bc": 5, "acd": 13}
    eqs = [("ab", ("a", "b")), ("bc", ("b", "c")), ("acd", ("a", "c", "d"))]
    ts = Tabelset(waarden, eqs, vrij={"a", "b", "c", "d"})
    heuristiek = onderdrukking.secundair(ts, {"a", "b", "c"})
    assert heuristiek == {"a", "b", "c"}  # no equation with exactly one suppressed member
    d_gepubliceerd = [(t, list(p)) for t, p in eqs]
    assert herleidbaar(waarden, heuristiek, d_gepubliceerd) == {"a", "b", "c"}
    assert onderdrukking.herleidbaar(ts, heuristiek) == {"a", "b", "c"}
    veilig = onderdrukking.beveilig(ts, {"a"})
    assert "d" in veilig and not herleidbaar(waarden, veilig, d_gepubliceerd)


def test_a_suppressed_empty_cell_that_follows_from_a_published_zero_is_found():
    waarden = {"t": 0, "x": 0, "y": 0, "u": 4, "v": 4}
    ts = Tabelset(waarden, [("t", ("x", "y")), ("u", ("x", "v"))], vrij=set(waarden))
    assert onderdrukking.herleidbaar(ts, {"x", "y"}) == {"x", "y"}  # they sum to the published 0
    assert onderdrukking.herleidbaar(ts, {"x", "y", "t", "v"}) == set()


@pytest.mark.parametrize("seed", range(60))
def test_no_suppressed_cell_of_a_full_table_can_be_recovered(seed):
    rng = random.Random(seed)
    cellen = {
        (g, k): rng.choice([0, 0, 0, 1, 2, 3, 4, 6, 9, 15, 40])
        for g in rng.sample(sorted(GEMEENTEN), rng.randint(1, 13))
        for k in rng.sample(GIS, rng.randint(1, 4))
    }
    waarden, onderdrukt = onderdrukking.tabel(cellen, 5, rijen=GEMEENTEN, kolommen=GIS)
    for key, v in waarden.items():
        if key[0] != TOTAAL and 1 <= v < 5:
            assert key in onderdrukt
    assert not {c for c in onderdrukt if c[0] == TOTAAL}  # 13 municipalities always suffice
    assert not herleidbaar(waarden, onderdrukt)


KWARGS = {"periode_type": "kwartaal", "periode": "2026-Q3", "peildatum": Periode("kwartaal", "2026-Q3").einde,
          "onderdrukkingsdrempel": 5}


def _rijen():
    def melding(gi, gemeente, n, urgentie=None):
        cells = [Rij("meldingen_ontvangen", gi, gemeente, "", "", n, 0)]
        if urgentie:
            cells += [Rij("meldingen_ontvangen", gi, gemeente, "urgentie", u, m, 0)
                      for u, m in urgentie.items()]
        return cells

    return [
        *melding("WSS", "GM0599", 40, {"spoed": 10, "regulier": 30}),
        *melding("JBRR", "GM0599", 22, {"spoed": 7, "regulier": 15}),
        *melding("WSS", "GM0613", 2, {"spoed": 2}),
        *melding("JBRR", "GM0606", 9, {"spoed": 3, "regulier": 6}),
        Rij("adviezen", "WSS", "GM0599", "", "", 12, 0),
        Rij("adviezen", "WSS", "GM0613", "", "", 12, 0),
        Rij("adviezen_afwijking", "WSS", "GM0599", "", "", 11, 0),
        Rij("adviezen_afwijking", "WSS", "GM0613", "", "", 2, 0),
    ]


def test_published_figures_hide_small_counts_everywhere():
    cat = catalogus_bron.actief()
    r = {k["kpi"]: k for k in bereken(cat, _rijen(), [], **KWARGS)}
    m = r["meldingen_ontvangen"]
    assert m["waarde"] == 73 and m["per_gi"] == {"JBRR": 31, "WSS": 42, "LJR": 0, "onbekend": 0}
    assert m["per_gemeente"]["GM0599"] == 62
    assert m["per_gemeente"]["GM0613"] is None and m["per_gemeente"]["GM0606"] is None
    assert m["onderdrukt"] == sorted(g for g, v in m["per_gemeente"].items() if v is None)
    assert m["uitsplitsingen"]["urgentie"] == {"regulier": 51, "spoed": 22}  # the region's: never hidden
    by_gi = {k["kpi"]: k for k in bereken(cat, _rijen(), [], gi="WSS", **KWARGS)}["meldingen_ontvangen"]
    assert by_gi["per_gemeente"]["GM0613"] is None and by_gi["waarde"] == 42
    assert by_gi["uitsplitsingen"] == {}  # no breakdowns per GI while suppression is on
    small = {k["kpi"]: k for k in bereken(cat, _rijen(), [], gemeente="GM0613", **KWARGS)}
    assert small["meldingen_ontvangen"]["waarde"] is None
    assert small["meldingen_ontvangen"]["uitsplitsingen"]["urgentie"] == {"regulier": 0, "spoed": None}
    # A share: 2 of 12 overrides in GM0613 is hidden (the 2 would follow from it), 11 of 12 too (1 left).
    assert r["aandeel_adviezen_afwijking"]["per_gemeente"]["GM0599"] is None
    assert r["aandeel_adviezen_afwijking"]["per_gemeente"]["GM0613"] is None
    assert r["aandeel_adviezen_afwijking"]["waarde"] == round(100 * 13 / 24, 1)


def test_a_municipality_asked_for_at_a_level_not_published_per_municipality_is_listed_as_suppressed():
    """A month is never published per municipality: asked for one, its null is explained."""
    cat = catalogus_bron.actief()
    maand = {**KWARGS, "periode_type": "maand", "periode": "2026-08",
             "peildatum": Periode("maand", "2026-08").einde}
    m = {k["kpi"]: k for k in bereken(cat, _rijen(), [], gemeente="GM0599", **maand)}["meldingen_ontvangen"]
    assert m["waarde"] is None and m["onderdrukt"] == ["GM0599"] and m["per_gemeente"] == {}
    regio = {k["kpi"]: k for k in bereken(cat, _rijen(), [], **maand)}["meldingen_ontvangen"]
    assert regio["onderdrukt"] == [] and regio["waarde"] is not None


def test_every_municipality_and_every_gi_is_listed_with_one_meaning_per_state():
    """0: nothing counted. null: suppressed (and listed in `onderdrukt`) or, for a median, share or
    mean, no observations. Nothing is left out."""
    cat = catalogus_bron.actief()
    rows = bereken(cat, _rijen(), [], **KWARGS)
    for gemeente in (None, "GM0599"):
        for gi in (None, "WSS"):
            for k in bereken(cat, _rijen(), [], gemeente=gemeente, gi=gi, **KWARGS):
                if cat.kpi(k["kpi"]).regionaal:  # escalations: no GI or municipality
                    assert k["per_gemeente"] == {} and k["per_gi"] == {}
                    continue
                assert list(k["per_gemeente"]) == sorted(GEMEENTEN), k["kpi"]
                assert list(k["per_gi"]) == GIS, k["kpi"]
                for g, v in k["per_gemeente"].items():
                    if k["soort"] in ("aantal", "stand"):
                        assert (v is None) == (g in k["onderdrukt"]), (k["kpi"], g)
                    else:
                        assert v is not None or g in k["onderdrukt"] or k["soort"] != "aantal"
    m = next(k for k in rows if k["kpi"] == "meldingen_ontvangen")
    assert m["per_gemeente"]["GM1924"] == 0 and "GM1924" not in m["onderdrukt"]  # nothing counted
    mediaan = next(k for k in rows if k["kpi"] == "doorlooptijd_keten")
    assert mediaan["per_gemeente"]["GM1924"] is None and "GM1924" not in mediaan["onderdrukt"]


def test_per_day_and_month_the_region_and_the_gis_only():
    cat = catalogus_bron.actief()
    kwargs = {**KWARGS, "periode_type": "maand", "periode": "2026-08"}
    m = {k["kpi"]: k for k in bereken(cat, _rijen(), [], **kwargs)}["meldingen_ontvangen"]
    assert m["waarde"] == 73 and m["per_gi"]["WSS"] == 42 and m["per_gemeente"] == {}
    assert m["uitsplitsingen"]["urgentie"] == {"regulier": 51, "spoed": 22}
    # Without suppression (threshold <= 1) everything is published at every level.
    open_ = {k["kpi"]: k for k in bereken(cat, _rijen(), [], **{**kwargs, "onderdrukkingsdrempel": 0})}
    assert open_["meldingen_ontvangen"]["per_gemeente"]["GM0613"] == 2
