"""The routing rule of consultation & advice (C&A), pure: the factsheet's GI for a category that is
one of its expertises; among several, and for every other category among all three, the GI furthest
below its agreed share of the year's hours (tekort = share x all hours - own hours; ties: larger
share, then JBRR, WSS, LJR). Its reason names the expertise or the shares compared."""
from datetime import UTC, date, datetime

import pytest

from contracts.ca_verdeling import afgesproken_aandelen
from contracts.vocabulary import GI, ConsultatieCategorie
from runtime.errors import InvalidInput
from services.triage.adapters import regelsets
from services.triage.domain.consultatie import MAX_REDEN, check_uren, routeer, standen

FACTSHEET = regelsets.nieuwste_bestand().regelset
AANDELEN_2026 = {GI.JBRR: 0.45, GI.WSS: 0.30, GI.LJR: 0.25}
JBRR, WSS, LJR = GI.JBRR, GI.WSS, GI.LJR


def route(categorie: str, uren: dict | None = None, aandelen: dict | None = None, jaar: int = 2026):
    return routeer(ConsultatieCategorie(categorie), FACTSHEET.expertises, FACTSHEET.versie,
                   AANDELEN_2026 if aandelen is None else aandelen, uren or {}, jaar)


def test_the_shares_of_2026_are_the_regions_configuration():
    assert afgesproken_aandelen(2026) == AANDELEN_2026  # these tests compute with them


@pytest.mark.parametrize(("categorie", "gi"), [
    ("lvb", WSS), ("complexe_scheiding", JBRR), ("verslaving", LJR), ("radicalisering_en_eer", JBRR)])
def test_a_category_the_factsheet_names_one_gi_for_goes_to_it_whatever_the_hours(categorie, gi):
    assert FACTSHEET.expertises[categorie] == (gi,)
    far_over = {gi: 1000.0}  # far above its share: the expertise still decides
    routing = route(categorie, far_over)
    assert (routing.gi, routing.expertise) == (gi, categorie)
    assert f"expertise {categorie}" in routing.reden and f"alleen {gi.value}" in routing.reden
    assert FACTSHEET.versie in routing.reden and routing.regelset_versie == FACTSHEET.versie


def test_jeugdreclassering_goes_to_the_one_of_jbrr_and_ljr_furthest_below_its_share():
    assert FACTSHEET.expertises["jeugdreclassering"] == (JBRR, LJR)
    # T = 10: JBRR 4.5 - 10 = -5.5, LJR 2.5 - 0 = 2.5
    routing = route("jeugdreclassering", {JBRR: 10})
    assert (routing.gi, routing.expertise) == (LJR, "jeugdreclassering")
    assert "JBRR en LJR" in routing.reden and "LJR 25% x 10 - 0 = 2,5" in routing.reden
    assert "JBRR 45% x 10 - 10 = -5,5" in routing.reden
    # T = 10: JBRR 4.5, LJR 2.5 - 10 = -7.5
    assert route("jeugdreclassering", {LJR: 10}).gi == JBRR


def test_among_the_factsheets_gis_a_gi_without_the_expertise_never_wins():
    # T = 10: WSS 3 - 0 = 3 is furthest below, but has no jeugdreclassering; JBRR -0.5, LJR -2.5
    routing = route("jeugdreclassering", {JBRR: 5, LJR: 5})
    assert routing.gi == JBRR and "WSS" not in routing.reden.split(":", 1)[1]


@pytest.mark.parametrize("categorie", ["huiselijk_geweld", "opvoeding", "veiligheid", "overig"])
def test_a_category_the_factsheet_names_no_expertise_for_goes_to_the_gi_furthest_below_its_share(categorie):
    assert categorie not in FACTSHEET.expertises
    # T = 30: JBRR 13.5 - 20 = -6.5, WSS 9 - 2 = 7, LJR 7.5 - 8 = -0.5
    routing = route(categorie, {JBRR: 20, WSS: 2, LJR: 8})
    assert (routing.gi, routing.expertise) == (WSS, None)
    assert "noemt geen expertise" in routing.reden and "2026" in routing.reden
    for part in ("JBRR 45% x 30 - 20 = -6,5", "WSS 30% x 30 - 2 = 7", "LJR 25% x 30 - 8 = -0,5"):
        assert part in routing.reden


def test_without_hours_yet_the_largest_agreed_share_decides():
    routing = route("opvoeding")
    assert routing.gi == JBRR and "nog geen C&A-uren in 2026" in routing.reden
    assert route("opvoeding", aandelen={JBRR: 0.25, WSS: 0.5, LJR: 0.25}).gi == WSS
    assert route("jeugdreclassering", aandelen={JBRR: 0.2, WSS: 0.4, LJR: 0.4}).gi == LJR


def test_equal_tekort_the_larger_share_wins_then_the_fixed_order():
    # T = 40: JBRR 18 - 20 = -2, WSS 12 - 11 = 1, LJR 10 - 9 = 1: WSS and LJR tie, WSS's share is larger
    routing = route("overig", {JBRR: 20, WSS: 11, LJR: 9})
    assert routing.gi == WSS and "gelijk tekort: het grootste afgesproken aandeel beslist" in routing.reden
    # Equal shares and equal tekort: JBRR, WSS, LJR
    gelijk = {JBRR: 0.4, WSS: 0.3, LJR: 0.3}
    routing = route("overig", {JBRR: 10}, aandelen=gelijk)  # WSS 3, LJR 3, JBRR -6
    assert routing.gi == WSS and "de vaste volgorde JBRR, WSS, LJR beslist" in routing.reden
    # a deficit computed in floating point (0.45 x 30.25) still ties exactly
    assert [s.tekort for s in standen(gelijk, {JBRR: 12.1, WSS: 9.075, LJR: 9.075})][1:] == [0.0, 0.0]


def test_a_gi_the_years_shares_do_not_name_has_share_zero():
    routing = route("overig", {JBRR: 4, WSS: 4}, aandelen={JBRR: 0.5, WSS: 0.5})
    assert routing.gi == JBRR  # both at their share (0), LJR 0 x 8 - 0 = 0 too: larger share, then order


def test_the_reason_fits_the_contract_and_names_nobody():
    huge = {JBRR: 123456.75, WSS: 99999.25, LJR: 0.25}
    for categorie in ConsultatieCategorie:
        reden = route(categorie, huge, aandelen={JBRR: 0.333, WSS: 0.333, LJR: 0.334}).reden
        assert len(reden) <= MAX_REDEN, categorie


# --- the hours -------------------------------------------------------------------------------------

ASKED = datetime(2026, 12, 31, 22, 30, tzinfo=UTC)  # 23:30 on 31 December in Rotterdam


@pytest.mark.parametrize(("uren", "field"), [(0, "uren"), (-1, "uren"), (24.25, "uren"), (0.3, "uren"),
                                             (1.1, "uren")])
def test_hours_are_quarters_from_a_quarter_to_a_day(uren, field):
    with pytest.raises(InvalidInput) as error:
        check_uren(uren, date(2026, 12, 31), ASKED, ASKED)
    assert error.value.field == field


@pytest.mark.parametrize("uren", [0.25, 0.5, 7.75, 24])
def test_valid_hours(uren):
    check_uren(uren, date(2026, 12, 31), ASKED, ASKED)


def test_hours_are_spent_from_the_requests_day_to_today_in_the_regions_calendar():
    just_after_midnight = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # 1 January 2027, 00:30 in Rotterdam
    with pytest.raises(InvalidInput) as error:
        check_uren(1, date(2026, 12, 31), just_after_midnight, just_after_midnight)
    assert error.value.field == "datum" and "before the request" in error.value.detail
    check_uren(1, date(2027, 1, 1), just_after_midnight, just_after_midnight)
    with pytest.raises(InvalidInput) as error:  # today is 1 January in Rotterdam: the 2nd is the future
        check_uren(1, date(2027, 1, 2), just_after_midnight, just_after_midnight)
    assert error.value.field == "datum" and "future" in error.value.detail
