"""Suppression of small counts per municipality, primary and secondary (pure)."""

import random

import pytest

from services.reporting.adapters import catalogus as catalogus_bron
from services.reporting.domain import onderdrukking
from services.reporting.domain.cijfers import Rij, bereken
from services.reporting.domain.onderdrukking import TOTAAL
from services.reporting.domain.periodes import Periode


def vergelijkingen(waarden):
    rijen = sorted({g for g, _ in waarden if g != TOTAAL})
    kolommen = sorted({k for _, k in waarden if k != TOTAAL})
    eqs = [[(g, k) for k in [*kolommen, TOTAAL]] for g in [*rijen, TOTAAL]]
    eqs += [[(g, k) for g in [*rijen, TOTAAL]] for k in [*kolommen, TOTAAL]]
    return eqs


def herleidbaar(waarden, onderdrukt) -> set:
    """Cells an attacker recovers by repeatedly solving equations with one unknown."""
    bekend = {k for k in waarden if k not in onderdrukt}
    gevonden = set()
    changed = True
    while changed:
        changed = False
        for eq in vergelijkingen(waarden):
            onbekend = [k for k in eq if k not in bekend]
            if len(onbekend) == 1:
                bekend.add(onbekend[0])
                gevonden.add(onbekend[0])
                changed = True
    return gevonden


def test_one_small_cell_in_a_row_takes_the_next_smallest_with_it():
    waarden, onderdrukt = onderdrukking.tabel(
        {
            ("GM0599", "WSS"): 40,
            ("GM0606", "WSS"): 3,
            ("GM0622", "WSS"): 7,
            ("GM0599", "JBRR"): 50,
            ("GM0606", "JBRR"): 20,
            ("GM0622", "JBRR"): 30,
        },
        5,
    )
    # 3 is small; in column WSS the next smallest (7) goes too; in row GM0606 the 20 goes too,
    # then column JBRR needs a second one (30, smaller than 50).
    assert onderdrukt == {("GM0606", "WSS"), ("GM0622", "WSS"), ("GM0606", "JBRR"), ("GM0622", "JBRR")}
    assert not herleidbaar(waarden, onderdrukt)
    assert (TOTAAL, "WSS") not in onderdrukt and (TOTAAL, TOTAAL) not in onderdrukt


def test_small_municipality_total_is_suppressed_and_protected():
    waarden, onderdrukt = onderdrukking.tabel(
        {("GM0613", "WSS"): 2, ("GM0599", "WSS"): 60, ("GM0606", "WSS"): 9}, 5
    )
    assert ("GM0613", "*") in onderdrukt and ("GM0613", "WSS") in onderdrukt
    # the column WSS and the totals column each need a second suppressed member: the 9s
    assert ("GM0606", "WSS") in onderdrukt and ("GM0606", "*") in onderdrukt
    assert not herleidbaar(waarden, onderdrukt)


def test_an_empty_cell_protects_before_a_regional_total_does():
    waarden, onderdrukt = onderdrukking.tabel({("GM0599", "WSS"): 2, ("GM0606", "LJR"): 12}, 5)
    assert ("GM0606", "WSS") in onderdrukt  # shown as suppressed, so nobody knows it is empty
    assert (TOTAAL, "WSS") not in onderdrukt
    assert not herleidbaar(waarden, onderdrukt)


def test_nothing_small_nothing_suppressed_and_zero_is_not_small():
    assert onderdrukking.tabel({("GM0599", "WSS"): 5, ("GM0606", "WSS"): 0}, 5)[1] == set()
    assert onderdrukking.tabel({("GM0599", "WSS"): 1}, 1)[1] == set()


def test_a_breakdown_of_a_published_total():
    assert onderdrukking.rij({"spoed": 2, "regulier": 30}, False, 5) == {"spoed", "regulier"}
    assert onderdrukking.rij({"spoed": 2, "regulier": 30, "x": 8}, False, 5) == {"spoed", "x"}
    assert onderdrukking.rij({"spoed": 6, "regulier": 30}, False, 5) == set()
    assert onderdrukking.rij({"spoed": 6, "regulier": 30}, True, 5) == {"spoed", "regulier"}


@pytest.mark.parametrize("seed", range(40))
def test_no_suppressed_cell_can_be_recovered_from_the_totals(seed):
    rng = random.Random(seed)
    gemeenten = [f"GM0{n}" for n in rng.sample(range(100, 999), rng.randint(1, 13))]
    cellen = {
        (g, k): rng.choice([0, 0, 1, 2, 3, 4, 6, 9, 15, 40])
        for g in gemeenten
        for k in rng.sample(["JBRR", "WSS", "LJR", "onbekend"], rng.randint(1, 4))
    }
    waarden, onderdrukt = onderdrukking.tabel(cellen, 5)
    for key, v in waarden.items():
        if key[0] != TOTAAL and 1 <= v < 5:
            assert key in onderdrukt
    for eq in vergelijkingen(waarden):
        assert sum(1 for k in eq if k in onderdrukt) != 1, eq
    assert not herleidbaar(waarden, onderdrukt)


def test_published_figures_hide_small_counts_everywhere():
    rijen = [
        Rij("meldingen_ontvangen", "WSS", "GM0599", "", "", 40, 0),
        Rij("meldingen_ontvangen", "JBRR", "GM0599", "", "", 22, 0),
        Rij("meldingen_ontvangen", "WSS", "GM0613", "", "", 2, 0),
        Rij("meldingen_ontvangen", "JBRR", "GM0606", "", "", 9, 0),
        Rij("meldingen_ontvangen", "WSS", "GM0613", "urgentie", "spoed", 2, 0),
        Rij("adviezen", "WSS", "GM0599", "", "", 12, 0),
        Rij("adviezen", "WSS", "GM0613", "", "", 12, 0),
        Rij("adviezen_afwijking", "WSS", "GM0599", "", "", 11, 0),
        Rij("adviezen_afwijking", "WSS", "GM0613", "", "", 2, 0),
    ]
    kwargs = {
        "periode_type": "kwartaal",
        "periode": "2026-Q3",
        "peildatum": Periode("kwartaal", "2026-Q3").einde,
        "drempel": 5,
    }
    cat = catalogus_bron.actief()
    r = {k["kpi"]: k for k in bereken(cat, rijen, [], **kwargs)}
    m = r["meldingen_ontvangen"]
    assert m["waarde"] == 73 and m["per_gi"] == {"JBRR": 31, "WSS": 42}
    assert m["per_gemeente"] == {"GM0599": 62, "GM0606": None, "GM0613": None}
    assert m["onderdrukt"] == ["GM0606", "GM0613"]
    by_gi = {k["kpi"]: k for k in bereken(cat, rijen, [], gi="WSS", **kwargs)}["meldingen_ontvangen"]
    assert by_gi["per_gemeente"]["GM0613"] is None and by_gi["waarde"] == 42
    small = {k["kpi"]: k for k in bereken(cat, rijen, [], gemeente="GM0613", **kwargs)}
    assert small["meldingen_ontvangen"]["waarde"] is None
    assert small["meldingen_ontvangen"]["uitsplitsingen"]["urgentie"] == {"spoed": None}
    # A share: 2 of 12 overrides in GM0613 is hidden (the 2 would follow from it), 11 of 12 too (1 left).
    assert r["aandeel_adviezen_afwijking"]["per_gemeente"] == {"GM0599": None, "GM0613": None}
    assert r["aandeel_adviezen_afwijking"]["waarde"] == round(100 * 13 / 24, 1)
