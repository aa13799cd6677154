"""The KPI catalogue (data, reviewed like the triage rulesets) and how it matches the projection."""

import json
from collections import defaultdict
from datetime import date

import pytest

from bench.historie import genereer
from runtime.errors import InvalidInput
from services.reporting.adapters import catalogus as catalogus_bron
from services.reporting.domain.minimalisatie import dossier_van
from services.reporting.domain.model import Catalogus
from services.reporting.domain.periodes import Periode, lees_periode, periodes_van
from services.reporting.domain.projectie import HIST, STROOM, bijdragen

# What the issue asks for, by KPI id.
GEVRAAGD = {
    "meldingen_ontvangen",
    "doorlooptijd_melding_advies",
    "doorlooptijd_advies_maatregel",
    "doorlooptijd_maatregel_toewijzing",
    "doorlooptijd_toewijzing_jeugdbeschermer",
    "doorlooptijd_keten",
    "aandeel_jb_binnen_norm",
    "wachtlijst",
    "wachtdagen",
    "wachtdagen_wachtenden",
    "overdrachten_uitgevoerd",
    "adviezen_afwijking",
    "drang_over_3_maanden",
    "drang_over_6_maanden",
    "herhaalde_meldingen",
    "maatregelen_gestart",
    "duur_maatregel",
    "escalaties",
    "escalatieduur",
    "adviezen",
    "casussen_toegewezen",
}
# What issue 15 asks for (placements, youth care on time, C&A), by the ids other parts refer to.
GEVRAAGD_15 = {
    "uithuisplaatsingen_gestart",
    "kinderen_uithuisgeplaatst",
    "duur_uithuisplaatsing",
    "aandeel_uithuisplaatsingen_netwerk",
    "uithuisplaatsingen_24uurs",
    "aandeel_jeugdhulp_binnen_3_maanden",
    "consultaties",
    "consultatie_uren",
    "aandeel_consultatie_uren",
    "meldingen_na_consultatie",
    "aandeel_meldingen_na_consultatie",
}


def test_a_new_kpi_is_a_new_catalogue_version_that_keeps_the_earlier_definitions():
    """2026.2 is active (the newest file), says from when and what changed, and holds every KPI of
    2026.1 exactly as it was: a new KPI never changes an old one's definition."""
    versies = {p.stem: json.loads(p.read_text()) for p in catalogus_bron.FOLDER.glob("*.json")}
    assert catalogus_bron.actief().versie == "2026.2"
    nieuw, oud = versies["2026.2"], versies["2026.1"]
    assert nieuw["vorige_versie"] == "2026.1" and nieuw["geldig_vanaf"] > oud["geldig_vanaf"]
    assert nieuw["kpis"][: len(oud["kpis"])] == oud["kpis"]
    assert nieuw["parameters"] == oud["parameters"]
    ids = {k["id"] for k in nieuw["kpis"]} - {k["id"] for k in oud["kpis"]}
    assert GEVRAAGD_15 <= ids and all(i in nieuw["wijzigingen"] for i in ids)
    Catalogus.from_dict(oud)  # the earlier version still reads


def test_a_share_of_the_total_needs_a_sum_as_its_basis():
    raw = catalogus_bron.actief().bron
    kpis = [k for k in raw["kpis"] if k["id"] != "aandeel_consultatie_uren"]
    share = next(k for k in raw["kpis"] if k["id"] == "aandeel_consultatie_uren")
    with pytest.raises(ValueError, match="basis sum"):
        Catalogus.from_dict({**raw, "kpis": [*kpis, {**share, "basis": "meldingen_ontvangen"}]})
    uren = next(k for k in raw["kpis"] if k["id"] == "consultatie_uren")
    zonder = [k for k in raw["kpis"] if k["id"] != "consultatie_uren"]
    with pytest.raises(ValueError, match="additive"):
        Catalogus.from_dict({**raw, "kpis": [*zonder, {**uren, "optelbaar": False}]})


def test_catalogue_is_complete_and_precise():
    cat = catalogus_bron.actief()
    raw = json.loads(next(catalogus_bron.FOLDER.glob(f"{cat.versie}.json")).read_text())
    assert GEVRAAGD | GEVRAAGD_15 <= set(cat.ids)
    for k in raw["kpis"]:
        for field in (
            "id",
            "naam",
            "name",
            "soort",
            "eenheid",
            "unit",
            "definitie",
            "definition",
            "events",
            "tijdstip",
            "populatie",
            "gi_toerekening",
            "uitsplitsingen",
            "optelbaar",
            "periodes",
        ):
            assert k.get(field) not in (None, ""), (k["id"], field)
        assert all(e.startswith("nl.jbketen.") for e in k["events"])
    meldingen = cat.kpi("meldingen_ontvangen")
    assert {"gemeente", "gi", "urgentie", "doelgroep", "kader"} <= set(meldingen.uitsplitsingen)
    assert cat.norm_dagen > 0


def test_catalogue_and_projection_agree():
    """Every KPI stored by the projection is in the catalogue with exactly the breakdowns it emits."""
    cat = catalogus_bron.actief()
    dims = defaultdict(set)
    events = defaultdict(list)
    from services.reporting.domain.minimalisatie import minimaliseer

    minimal = [(t, minimaliseer(t, d)) for t, d in genereer(600, seed=8, escalaties=3)]
    gezin_van = {d["casus_id"]: d["gezin_id"] for _, d in minimal if d.get("casus_id") and d.get("gezin_id")}
    for event_type, d in minimal:
        events[dossier_van(event_type, d) or gezin_van[d["casus_id"]]].append((event_type, d))
    for evs in events.values():
        for b in bijdragen(evs, cat.norm_dagen):
            if b.dimensie not in ("", HIST, STROOM) and not b.dimensie.startswith(HIST + ":"):
                dims[b.kpi].add(b.dimensie)
            dims.setdefault(b.kpi, set())
    stored = {k.id for k in cat.kpis if k.soort not in ("aandeel", "stand_gemiddelde", "aandeel_in_totaal")}
    assert set(dims) == stored
    for kpi_id, seen in dims.items():
        assert seen == set(cat.kpi(kpi_id).dimensies), kpi_id


def test_a_bad_catalogue_is_refused():
    raw = catalogus_bron.actief().bron
    broken = {**raw, "kpis": [*raw["kpis"], {**raw["kpis"][0]}]}
    with pytest.raises(ValueError, match="duplicate"):
        Catalogus.from_dict(broken)
    share = next(k for k in raw["kpis"] if k["soort"] == "aandeel")
    with pytest.raises(ValueError, match="teller"):
        Catalogus.from_dict({**raw, "kpis": [{**share, "teller": "bestaat_niet"}]})
    with pytest.raises(ValueError, match="additive"):
        Catalogus.from_dict({**raw, "kpis": [{**raw["kpis"][0], "optelbaar": False}]})


@pytest.mark.parametrize(
    ("code", "soort", "begin", "einde"),
    [
        ("2026-Q4", "kwartaal", date(2026, 10, 1), date(2026, 12, 31)),
        ("2026-02", "maand", date(2026, 2, 1), date(2026, 2, 28)),
        ("2026", "jaar", date(2026, 1, 1), date(2026, 12, 31)),
        ("2026-11-03", "dag", date(2026, 11, 3), date(2026, 11, 3)),
        (None, "totaal", None, None),
    ],
)
def test_periods(code, soort, begin, einde):
    p = lees_periode(code, None, date(2026, 11, 25))
    assert (p.type, p.begin, p.einde) == (soort, begin, einde)


def test_period_type_alone_is_the_running_period_and_mismatches_are_refused():
    assert lees_periode(None, "kwartaal", date(2026, 11, 25)) == Periode("kwartaal", "2026-Q4")
    assert Periode("kwartaal", "2026-Q1").vorige() == Periode("kwartaal", "2025-Q4")
    assert Periode("kwartaal", "2026-Q4").peildatum(date(2026, 11, 25)) == date(2026, 11, 25)
    with pytest.raises(InvalidInput):
        lees_periode("2026-Q4", "maand", date(2026, 11, 25))
    with pytest.raises(InvalidInput):
        lees_periode("2026-13", None, date(2026, 11, 25))
    assert [t for t, _ in periodes_van(date(2026, 5, 1), False)] == ["maand", "kwartaal", "jaar", "totaal"]


def test_sums_at_the_lowest_level_spread_up_equal_the_projected_cells():
    """The rebuild sums contributions at their lowest period level (Optelling) and spreads them
    up in the database; spread up here the same way, they equal the cells of the live path."""
    from services.reporting.domain.minimalisatie import minimaliseer
    from services.reporting.domain.projectie import Optelling, cellen, dossier, laagste_niveau

    cat = catalogus_bron.actief()
    minimal = [(t, minimaliseer(t, d)) for t, d in genereer(400, seed=3, escalaties=3)]
    gezin_van = {d["casus_id"]: d["gezin_id"] for _, d in minimal if d.get("casus_id") and d.get("gezin_id")}
    events = defaultdict(list)
    for event_type, d in minimal:
        events[dossier_van(event_type, d) or gezin_van[d["casus_id"]]].append((event_type, d))
    verwacht, optelling = {}, Optelling()
    for evs in events.values():
        cellen(bijdragen(evs, cat.norm_dagen), verwacht)
        optelling.tel(dossier(evs), cat.norm_dagen)
    gespreid = defaultdict(lambda: [0, 0])
    for kpi, code, gi, gemeente, dim, waarde, aantal, som in optelling.rijen():
        soort = [t for t, _ in periodes_van(date(2026, 1, 1), True)][laagste_niveau(dim)]
        dag = Periode(soort, code).begin
        for ptype, p in periodes_van(dag, True)[laagste_niveau(dim):]:
            acc = gespreid[(kpi, ptype, p, gi, gemeente, dim, waarde)]
            acc[0] += aantal
            acc[1] += som
    assert dict(gespreid) == verwacht
