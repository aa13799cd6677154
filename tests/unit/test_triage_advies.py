"""The RvdK advice: the proposal's ranking, the advice's states, the measure, auto-confirm."""
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from contracts.vocabulary import GI, AfwijkingReden, Kader, Maatregel, Urgentie
from runtime.errors import Conflict, InvalidInput
from services.triage.adapters import regelsets
from services.triage.domain.events import AdviesIssued, Kind, MaatregelImposed
from services.triage.domain.model import (
    Advies,
    AdviesStatus,
    Besluit,
    Melding,
    automatische_maatregel,
    bepaal_doelgroep,
    een_jaar_na,
    stel_voor,
)

REGELSET = regelsets.nieuwste_bestand().regelset
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
TODAY = NOW.date()
ALLE = (GI.JBRR, GI.WSS, GI.LJR)
GRIJS = Besluit("grijs_gebied", None, ALLE, "2026.2", "grijs_gebied", "grijs gebied")
LVB = Besluit("lvb", "lvb", (GI.WSS,), "2026.2", "lvb", "lvb")
JR = Besluit("jeugdcriminaliteit", "jeugdreclassering", (GI.JBRR, GI.LJR), "2026.2", "jeugdcriminaliteit",
             "jeugdreclassering")


def melding(kader=None, zorgen=("veiligheid",), kenmerken=(), kinderen=2) -> Melding:
    return Melding(
        melding_id=uuid4(), gezin_id=uuid4(), gemeente="GM0599", urgentie=Urgentie.REGULIER,
        kader=Kader(kader) if kader else None,
        kinderen=[Kind(kind_id=uuid4(), leeftijd=8 + i) for i in range(kinderen)], zorgen=list(zorgen),
        kenmerken=list(kenmerken))


def voorstel(kader=None, vrij=None, **profiel) -> Advies:
    m = melding(kader=kader, **profiel)
    b = bepaal_doelgroep(REGELSET, m.zorgen, m.kenmerken, m.leeftijden, m.kader)
    return Advies.voorstel(m, b, vrij or {GI.JBRR: 5, GI.WSS: 5, GI.LJR: 5}, NOW)


# --- ranking: expertise first, then live free capacity, ties by GI order ---------------------------

def test_expertise_goes_before_capacity():
    v = stel_voor(LVB, {GI.JBRR: 40, GI.WSS: -2, GI.LJR: 10})
    assert v.gi == GI.WSS
    assert [(r.positie, r.gi, r.geschikt, r.vrije_plaatsen) for r in v.rangorde] == [
        (1, GI.WSS, True, -2), (2, GI.JBRR, False, 40), (3, GI.LJR, False, 10)]
    assert "alleen WSS" in v.reden and "expertise gaat voor beschikbaarheid" in v.reden
    assert v.rangorde[0].reden.startswith("Heeft de vereiste expertise lvb")
    assert v.rangorde[1].reden.startswith("Mist de vereiste expertise lvb")


def test_among_gis_with_the_expertise_capacity_decides():
    v = stel_voor(JR, {GI.JBRR: 2, GI.WSS: 50, GI.LJR: 7})
    assert [r.gi for r in v.rangorde] == [GI.LJR, GI.JBRR, GI.WSS]
    assert [r.geschikt for r in v.rangorde] == [True, True, False]
    assert "JBRR en LJR" in v.reden and "LJR de meeste vrije plaatsen (7)" in v.reden


def test_grey_area_ranks_on_capacity_alone():
    v = stel_voor(GRIJS, {GI.JBRR: 3, GI.WSS: 1, GI.LJR: 7})
    assert [r.gi for r in v.rangorde] == [GI.LJR, GI.JBRR, GI.WSS]
    assert all(r.geschikt for r in v.rangorde)
    assert v.reden.startswith("Grijs gebied (regel grijs_gebied, regelset 2026.2)")
    assert "LJR de meeste vrije plaatsen (7)" in v.reden
    assert v.rangorde[2].reden == "Grijs gebied: elke GI komt in aanmerking; 1 vrije plaats."


@pytest.mark.parametrize(("besluit", "capaciteit", "volgorde"), [
    (GRIJS, {GI.JBRR: 5, GI.WSS: 5, GI.LJR: 5}, [GI.JBRR, GI.WSS, GI.LJR]),
    (GRIJS, {GI.JBRR: 1, GI.WSS: 5, GI.LJR: 5}, [GI.WSS, GI.LJR, GI.JBRR]),
    (GRIJS, {GI.JBRR: 1, GI.WSS: 2, GI.LJR: 5}, [GI.LJR, GI.WSS, GI.JBRR]),
    (JR, {GI.JBRR: 4, GI.WSS: 9, GI.LJR: 4}, [GI.JBRR, GI.LJR, GI.WSS]),
])
def test_ties_follow_gi_order(besluit, capaciteit, volgorde):
    assert [r.gi for r in stel_voor(besluit, capaciteit).rangorde] == volgorde


def test_a_tie_is_explained():
    v = stel_voor(JR, {GI.JBRR: 4, GI.WSS: 9, GI.LJR: 4})
    assert "JBRR en LJR hebben evenveel vrije plaatsen (4): de vaste volgorde geeft JBRR" in v.reden
    assert "Gelijk met JBRR" in v.rangorde[1].reden


def test_no_capacity_known():
    v = stel_voor(GRIJS, {})
    assert v.gi == GI.JBRR
    assert "geen capaciteit bekend" in v.reden
    assert all(r.vrije_plaatsen is None and "capaciteit onbekend" in r.reden for r in v.rangorde)


def test_unknown_capacity_counts_as_zero():
    assert [r.gi for r in stel_voor(GRIJS, {GI.LJR: -1}).rangorde] == [GI.JBRR, GI.WSS, GI.LJR]
    assert stel_voor(GRIJS, {GI.LJR: 1}).gi == GI.LJR


@pytest.mark.parametrize("besluit", [LVB, GRIJS, JR])
@pytest.mark.parametrize("capaciteit", [{}, {GI.WSS: 4}, {GI.JBRR: 9, GI.WSS: 0, GI.LJR: 9}])
def test_reasons_are_readable(besluit, capaciteit):
    v = stel_voor(besluit, capaciteit)
    for reden in [v.reden, *(r.reden for r in v.rangorde)]:
        assert len(reden.split()) >= 4
        assert "GI." not in reden and "None" not in reden
    assert v.gi.value in v.reden


# --- the proposal ------------------------------------------------------------------------------

def test_proposal_keeps_the_decision_and_the_children():
    advies = voorstel(kenmerken=["verslaving"], vrij={GI.JBRR: 9, GI.WSS: 9, GI.LJR: 0})
    assert advies.status == AdviesStatus.OPEN
    assert (advies.doelgroep, advies.expertise, advies.regel, advies.regelset_versie) == (
        "verslaving", "verslaving", "verslaving", "2026.2")
    assert advies.voorgestelde_gi == GI.LJR and advies.gi is None
    assert len(advies.kinderen) == 2 and advies.urgentie == "regulier"
    assert advies.toelichting == REGELSET.regels[3].toelichting
    assert [r.gi for r in advies.rangorde] == [GI.LJR, GI.JBRR, GI.WSS]


# --- the state machine: open -> bevestigd | afgeweken -> maatregel_opgelegd -----------------------

def test_confirm_issues_the_proposed_gi():
    advies = voorstel(kenmerken=["lvb_kind"])
    event = advies.bevestig(NOW, toelichting="  Eens met het voorstel. ")
    assert isinstance(event, AdviesIssued)
    assert (advies.status, advies.gi, advies.bevestigd_door) == (AdviesStatus.BEVESTIGD, GI.WSS, "rvdk")
    assert advies.rvdk_toelichting == "Eens met het voorstel."
    assert (event.gi, event.voorgestelde_gi, event.afwijking, event.afwijking_categorie) == (
        GI.WSS, GI.WSS, False, None)
    assert event.bevestigd_door == "rvdk" and event.reden == advies.reden
    assert event.advies_id == advies.id and event.kinderen == advies.kinderen
    assert event.geadviseerd_op == NOW == advies.geadviseerd_op


def test_override_records_the_other_gi_and_the_reason():
    advies = voorstel(kenmerken=["lvb_kind"])
    event = advies.wijk_af(GI.JBRR, "  Gezin heeft al een jeugdbeschermer bij JBRR. ", NOW,
                           AfwijkingReden.BEKEND_BIJ_GI)
    assert (advies.status, advies.gi, advies.afwijking) == (AdviesStatus.AFGEWEKEN, GI.JBRR, True)
    assert advies.afwijking_reden == "Gezin heeft al een jeugdbeschermer bij JBRR."
    assert advies.afwijking_categorie == AfwijkingReden.BEKEND_BIJ_GI
    assert (event.gi, event.voorgestelde_gi, event.afwijking) == (GI.JBRR, GI.WSS, True)
    assert event.afwijking_categorie == AfwijkingReden.BEKEND_BIJ_GI and event.bevestigd_door == "rvdk"
    assert event.reden == ("De RvdK wijkt af van het voorstel (WSS): het gezin is bekend bij de "
                           "geadviseerde GI.")  # the category in words, never the RvdK's own text


@pytest.mark.parametrize("reden", ["", "   ", None])
def test_override_needs_a_reason(reden):
    advies = voorstel()
    with pytest.raises(InvalidInput) as refused:
        advies.wijk_af(GI.LJR, reden, NOW)
    assert refused.value.field == "reden"
    assert advies.status == AdviesStatus.OPEN


def test_override_to_the_proposed_gi_is_refused():
    advies = voorstel(kenmerken=["lvb_ouder"])
    with pytest.raises(InvalidInput) as refused:
        advies.wijk_af(GI.WSS, "toch WSS", NOW)
    assert refused.value.field == "gi"
    assert advies.status == AdviesStatus.OPEN


@pytest.mark.parametrize("eerst", ["bevestig", "wijk_af"])
@pytest.mark.parametrize("daarna", ["bevestig", "wijk_af"])
def test_only_an_open_proposal_can_be_confirmed_or_overridden(eerst, daarna):
    advies = voorstel(kenmerken=["lvb_ouder"])
    acties = {"bevestig": lambda: advies.bevestig(NOW), "wijk_af": lambda: advies.wijk_af(GI.LJR, "x", NOW)}
    acties[eerst]()
    status = advies.status
    with pytest.raises(Conflict, match="only an open proposal"):
        acties[daarna]()
    assert advies.status == status


def test_measure_after_confirmation():
    advies = voorstel(kenmerken=["lvb_kind"])
    advies.bevestig(NOW)
    event = advies.leg_maatregel_op(Maatregel.OTS, TODAY + timedelta(days=7), NOW)
    assert isinstance(event, MaatregelImposed)
    assert advies.status == AdviesStatus.MAATREGEL_OPGELEGD
    assert (event.maatregel, event.route, event.raadsonderzoek) == ("OTS", "rechtbank", True)
    assert event.gi == GI.WSS
    assert (event.advies_id, event.melding_id, event.gezin_id) == (advies.id, advies.melding_id,
                                                                   advies.gezin_id)
    assert event.kinderen == advies.kinderen and event.doelgroep == "lvb"
    assert event.maatregel_id == advies.maatregel.id and advies.maatregel.startdatum == event.startdatum


def test_measure_after_override_goes_to_the_advised_gi_unless_the_court_says_otherwise():
    advies = voorstel(kenmerken=["lvb_kind"])
    advies.wijk_af(GI.LJR, "Broer zit al bij LJ&R", NOW)
    assert advies.leg_maatregel_op(Maatregel.VOOGDIJ, TODAY, NOW).gi == GI.LJR
    assert advies.afwijking  # an overridden advice stays counted as an override
    ander = voorstel()
    ander.bevestig(NOW)
    assert ander.leg_maatregel_op(Maatregel.JR, TODAY, NOW, gi=GI.LJR, raadsonderzoek=False).gi == GI.LJR


def test_drang_is_a_jb_plein_decision_without_court():
    advies = voorstel(kader="drang")
    advies.bevestig(NOW)
    event = advies.leg_maatregel_op(Maatregel.DRANG, TODAY, NOW)
    assert (event.route, event.raadsonderzoek) == ("jb_plein", False)
    assert advies.maatregel.route == "jb_plein"


def test_measure_before_the_advice_is_confirmed_is_refused():
    advies = voorstel()
    with pytest.raises(Conflict, match="still a proposal"):
        advies.leg_maatregel_op(Maatregel.OTS, TODAY, NOW)
    assert advies.status == AdviesStatus.OPEN and advies.maatregel is None


def test_a_second_measure_is_refused():
    advies = voorstel()
    advies.bevestig(NOW)
    advies.leg_maatregel_op(Maatregel.OTS, TODAY, NOW)
    eerste = advies.maatregel
    with pytest.raises(Conflict, match="already has a measure"):
        advies.leg_maatregel_op(Maatregel.VOOGDIJ, TODAY, NOW)
    assert advies.maatregel == eerste
    with pytest.raises(Conflict):
        advies.bevestig(NOW)


def test_start_date_at_most_a_year_ahead():
    advies = voorstel()
    advies.bevestig(NOW)
    with pytest.raises(InvalidInput) as refused:
        advies.leg_maatregel_op(Maatregel.OTS, een_jaar_na(TODAY) + timedelta(days=1), NOW)
    assert refused.value.field == "startdatum"
    assert advies.status == AdviesStatus.BEVESTIGD
    advies.leg_maatregel_op(Maatregel.OTS, een_jaar_na(TODAY), NOW)
    ander = voorstel()
    ander.bevestig(NOW)
    ander.leg_maatregel_op(Maatregel.OTS, date(2025, 1, 1), NOW)  # recorded late: fine


def test_any_measure_is_accepted_whatever_the_framework():
    advies = voorstel(kader="civiel")
    advies.bevestig(NOW)
    assert advies.leg_maatregel_op(Maatregel.JR, TODAY, NOW).maatregel == Maatregel.JR


def test_one_year_after_leap_day():
    assert een_jaar_na(date(2028, 2, 29)) == date(2029, 2, 28)
    assert een_jaar_na(date(2026, 11, 25)) == date(2027, 11, 25)


# --- auto-confirm mode -------------------------------------------------------------------------

@pytest.mark.parametrize(("kader", "maatregel", "route", "raadsonderzoek"), [
    ("straf", Maatregel.JR, "rechtbank", True),
    ("drang", Maatregel.DRANG, "jb_plein", False),
    ("civiel", Maatregel.OTS, "rechtbank", True),
    (None, Maatregel.OTS, "rechtbank", True),
])
def test_auto_confirm_records_a_measure_by_framework(kader, maatregel, route, raadsonderzoek):
    assert automatische_maatregel(kader) == maatregel
    advies = voorstel(kader=kader)
    issued, imposed = advies.bevestig_automatisch(NOW)
    assert (issued.bevestigd_door, issued.afwijking, issued.gi) == ("automatisch", False,
                                                                    advies.voorgestelde_gi)
    assert (imposed.maatregel, imposed.route, imposed.raadsonderzoek) == (maatregel, route, raadsonderzoek)
    assert (imposed.startdatum, imposed.gi) == (TODAY, advies.voorgestelde_gi)
    assert advies.status == AdviesStatus.MAATREGEL_OPGELEGD and advies.bevestigd_door == "automatisch"
