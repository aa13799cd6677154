import itertools
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from contracts.events import (
    CasusAssigned,
    CasusClosed,
    CasusTransferred,
    JeugdbeschermerAssigned,
    Kind,
    WachtendKind,
)
from contracts.vocabulary import GI
from runtime.errors import InvalidInput
from services.capacity.adapters import wire
from services.capacity.domain.model import (
    ALGEMEEN,
    Bezetting,
    Casusgebeurtenis,
    GiCapaciteit,
    Team,
    Telling,
    bereken,
    expertise_voor,
    feiten,
    herbereken,
    stand_op,
    tel,
    verwerk,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def assigned(casus_id=None, kinderen=None, gi=GI.JBRR, doelgroep="grijs_gebied", op=NOW) -> Casusgebeurtenis:
    return wire.casusgebeurtenis(CasusAssigned(
        casus_id=casus_id or uuid4(), melding_id=uuid4(), gezin_id=uuid4(), gemeente="GM0599", gi=gi,
        doelgroep=doelgroep, maatregel="OTS", nieuwe_casus=True, kinderen=kids(kinderen or [uuid4()]),
        toegewezen_op=op))


def kids(ids):
    return [Kind(kind_id=k, leeftijd=8) for k in ids]


def protector(casus_id, kinderen, gi=GI.JBRR, op=NOW) -> Casusgebeurtenis:
    return wire.casusgebeurtenis(JeugdbeschermerAssigned(
        casus_id=casus_id, gemeente="GM0599", gi=gi, jeugdbeschermer_id="P-1",
        kinderen=[WachtendKind(kind_id=k, wachtdagen=0) for k in kinderen], toegewezen_op=op))


def transferred(casus_id, kinderen, van=GI.JBRR, naar=GI.WSS, op=NOW) -> Casusgebeurtenis:
    return wire.casusgebeurtenis(CasusTransferred(
        casus_id=casus_id, overdracht_id=uuid4(), gemeente="GM0599", van_gi=van, naar_gi=naar,
        reden="verhuizing", categorie="verhuizing", kinderen=kids(kinderen), overgedragen_op=op))


def closed(casus_id, kinderen, gi=GI.JBRR, op=NOW) -> Casusgebeurtenis:
    return wire.casusgebeurtenis(CasusClosed(
        casus_id=casus_id, gezin_id=uuid4(), gemeente="GM0599", gi=gi, reden="afschaling",
        kinderen=kids(kinderen), gesloten_op=op))


def fold(*events):
    return herbereken(events).kinderen


def figuur(events, gi=GI.JBRR, bezetting=Bezetting(10, 0, 15), nu=NOW) -> GiCapaciteit:
    return bereken(gi, bezetting, tel(fold(*events).values()).get(gi, {}), nu)


# -- staffing and free capacity ---------------------------------------------------------------

def test_free_is_available_protectors_times_norm_minus_children():
    c = GiCapaciteit(GI.JBRR, jeugdbeschermers=10, afwezig=2, caseload_norm=15, kinderen_in_zorg=100)
    assert c.plaatsen == 120
    assert c.vrije_plaatsen == 20


def test_free_is_negative_over_norm():
    c = GiCapaciteit(GI.WSS, jeugdbeschermers=2, caseload_norm=12, kinderen_in_zorg=30)
    assert c.vrije_plaatsen == -6


def test_expertise_mapping_is_data():
    assert expertise_voor("lvb") == "lvb"
    assert expertise_voor("jeugdreclassering") == "jeugdreclassering"
    assert expertise_voor("grijs_gebied") == ALGEMEEN
    assert expertise_voor(None) == ALGEMEEN


def test_teams_make_the_totals_and_the_free_capacity_per_expertise():
    b = Bezetting.melden(caseload_norm=10, teams=[Team("lvb", 4, 1), Team("algemeen", 6, 0)])
    assert (b.jeugdbeschermers, b.afwezig) == (10, 1)
    f = bereken(GI.WSS, b, {"lvb": Telling(25, 3, NOW), "algemeen": Telling(10, 0, None)}, NOW)
    assert (f.plaatsen, f.kinderen_in_zorg, f.vrije_plaatsen) == (90, 35, 55)
    per = {e.expertise: (e.plaatsen, e.kinderen_in_zorg, e.vrije_plaatsen) for e in f.per_expertise}
    assert per == {"lvb": (30, 25, 5), "algemeen": (60, 10, 50)}


def test_children_of_an_expertise_without_a_team_show_as_zero_slots():
    b = Bezetting.melden(caseload_norm=10, teams=[Team("algemeen", 2)])
    f = bereken(GI.JBRR, b, {"jeugdreclassering": Telling(3, 0, None)}, NOW)
    per = {e.expertise: (e.plaatsen, e.kinderen_in_zorg, e.vrije_plaatsen) for e in f.per_expertise}
    assert per == {"algemeen": (20, 0, 20), "jeugdreclassering": (0, 3, -3)}


def test_without_teams_there_is_no_split_per_expertise():
    f = bereken(GI.JBRR, Bezetting.melden(caseload_norm=15, jeugdbeschermers=3), {"lvb": Telling(2)}, NOW)
    assert f.per_expertise == () and f.kinderen_in_zorg == 2


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"caseload_norm": 15, "jeugdbeschermers": -1}, "jeugdbeschermers"),
    ({"caseload_norm": 0, "jeugdbeschermers": 3}, "caseload_norm"),
    ({"caseload_norm": 15}, "jeugdbeschermers"),
    ({"caseload_norm": 15, "jeugdbeschermers": 3, "afwezig": 4}, "afwezig"),
    ({"caseload_norm": 15, "jeugdbeschermers": 9, "teams": [Team("lvb", 4)]}, "jeugdbeschermers"),
    ({"caseload_norm": 15, "afwezig": 2, "teams": [Team("lvb", 4, 1)]}, "afwezig"),
    ({"caseload_norm": 15, "teams": [Team("lvb", 4), Team("lvb", 1)]}, "teams[1].expertise"),
    ({"caseload_norm": 15, "teams": [Team("lvb", 1, 2)]}, "teams[0].afwezig"),
])
def test_invalid_staffing_is_refused_naming_the_field(kwargs, field):
    with pytest.raises(InvalidInput) as exc:
        Bezetting.melden(**kwargs)
    assert field in [name for name, _ in exc.value.fields]


def test_zero_protectors_is_allowed():
    assert Bezetting.melden(caseload_norm=15, jeugdbeschermers=0).beschikbaar == 0


# -- per-child state ----------------------------------------------------------------------------

def test_assigned_child_is_in_care_and_waits_since_the_assignment():
    e = assigned(doelgroep="lvb", gi=GI.WSS)
    [stand] = fold(e).values()
    assert stand.in_zorg and stand.wachtend and stand.wacht_sinds == NOW
    assert stand.gi == GI.WSS and stand.expertise == "lvb"


def test_protector_ends_the_wait_and_transfer_starts_it_again():
    casus, kind = uuid4(), uuid4()
    a = assigned(casus, [kind])
    p = protector(casus, [kind], op=NOW + DAY)
    t = transferred(casus, [kind], op=NOW + 3 * DAY)
    assert not fold(a, p)[(casus, kind)].wachtend
    moved = fold(a, p, t)[(casus, kind)]
    assert moved.gi == GI.WSS and moved.wacht_sinds == NOW + 3 * DAY and moved.expertise == ALGEMEEN


def test_closed_child_is_gone():
    casus, kind = uuid4(), uuid4()
    stand = fold(assigned(casus, [kind]), closed(casus, [kind], op=NOW + DAY))[(casus, kind)]
    assert not stand.in_zorg and not stand.wachtend
    assert tel([stand]) == {}


def test_a_redelivered_assignment_changes_nothing():
    e = assigned()
    once = fold(e)
    assert fold(e, e) == once
    [stand] = once.values()
    assert verwerk(stand, feiten(e)[0]) == stand


def test_close_before_assign_never_counts_negative_or_revives():
    casus, kind = uuid4(), uuid4()
    kinderen = fold(closed(casus, [kind], op=NOW + DAY), assigned(casus, [kind], op=NOW))
    assert not kinderen[(casus, kind)].in_zorg
    f = figuur([closed(casus, [kind], op=NOW + DAY), assigned(casus, [kind], op=NOW)])
    assert f.kinderen_in_zorg == 0 and f.wachtend == 0


def test_an_older_fact_arriving_late_does_not_overwrite_a_newer_one():
    casus, kind = uuid4(), uuid4()
    t = transferred(casus, [kind], van=GI.JBRR, naar=GI.LJR, op=NOW + 2 * DAY)
    p = protector(casus, [kind], gi=GI.JBRR, op=NOW + DAY)  # the protector from before the transfer
    stand = fold(assigned(casus, [kind]), t, p)[(casus, kind)]
    assert stand.gi == GI.LJR and stand.wacht_sinds == NOW + 2 * DAY


def test_any_order_and_duplicates_give_the_same_state():
    casus, kinderen = uuid4(), [uuid4(), uuid4()]
    events = [assigned(casus, kinderen, doelgroep="lvb", gi=GI.WSS),
              protector(casus, kinderen, gi=GI.WSS, op=NOW + DAY),
              transferred(casus, kinderen, van=GI.WSS, naar=GI.JBRR, op=NOW + 2 * DAY),
              protector(casus, kinderen, gi=GI.JBRR, op=NOW + 3 * DAY)]
    expected = fold(*events)
    for order in itertools.permutations(events):
        assert fold(*order, *order[:2]) == expected
    assert all(s.gi == GI.JBRR and not s.wachtend and s.expertise == "lvb" for s in expected.values())


def test_a_sibling_joining_the_case_counts_once_more():
    casus, first, second = uuid4(), uuid4(), uuid4()
    f = figuur([assigned(casus, [first]), assigned(casus, [second], op=NOW + DAY), assigned(casus, [first])])
    assert f.kinderen_in_zorg == 2


# -- figures: waiting list, visible changes, signal ----------------------------------------------

def test_waiting_children_and_longest_wait_per_gi():
    a, b = uuid4(), uuid4()
    events = [assigned(kinderen=[a], op=NOW - 10 * DAY), assigned(kinderen=[b], op=NOW - 3 * DAY),
              assigned(kinderen=[uuid4()], gi=GI.WSS, op=NOW - 40 * DAY)]
    f = figuur(events, nu=NOW + timedelta(hours=5))
    assert (f.kinderen_in_zorg, f.wachtend, f.langste_wachtdagen) == (2, 2, 10)
    assert figuur(events, gi=GI.WSS).langste_wachtdagen == 40


def test_waiting_days_grow_with_time_alone_and_that_is_visible():
    # Calendar days in the region: 12:00 UTC is 13:00 in Rotterdam; 22:59 UTC is still that day.
    events = [assigned(op=NOW)]
    today = figuur(events, nu=NOW + timedelta(hours=10, minutes=59))
    tomorrow = figuur(events, nu=NOW + timedelta(hours=11, minutes=1))
    assert (today.langste_wachtdagen, tomorrow.langste_wachtdagen) == (0, 1)
    assert tomorrow.zichtbaar_anders_dan(today)


def test_only_visible_changes_count():
    c = bereken(GI.JBRR, Bezetting(10, 0, 15), {}, NOW)
    assert not bereken(GI.JBRR, Bezetting(10, 0, 15), {}, NOW + timedelta(hours=1)).zichtbaar_anders_dan(c)
    assert bereken(GI.JBRR, Bezetting(11, 0, 15), {}, NOW).zichtbaar_anders_dan(c)
    assert bereken(GI.JBRR, Bezetting(10, 1, 15), {}, NOW).zichtbaar_anders_dan(c)
    # the same slots with other staffing
    assert bereken(GI.JBRR, Bezetting(5, 0, 30), {}, NOW).zichtbaar_anders_dan(c)
    assert bereken(GI.JBRR, Bezetting(10, 0, 15), {ALGEMEEN: Telling(1, 1, NOW)}, NOW).zichtbaar_anders_dan(c)
    teams = Bezetting.melden(caseload_norm=15, teams=[Team("lvb", 4), Team(ALGEMEEN, 6)])
    assert bereken(GI.JBRR, teams, {}, NOW).zichtbaar_anders_dan(c)  # the split is visible


def test_signal_carries_every_figure():
    b = Bezetting.melden(caseload_norm=12, teams=[Team("lvb", 4, 1)])
    c = bereken(GI.WSS, b, {"lvb": Telling(40, 2, NOW - 5 * DAY)}, NOW)
    s = wire.to_contract(c.signal())
    assert (s.gi, s.vrije_plaatsen, s.plaatsen, s.kinderen_in_zorg, s.jeugdbeschermers, s.afwezig,
            s.caseload_norm, s.wachtend, s.langste_wachtdagen) == (GI.WSS, -4, 36, 40, 4, 1, 12, 2, 5)
    assert [(e.expertise, e.plaatsen, e.kinderen_in_zorg, e.vrije_plaatsen) for e in s.per_expertise] == [
        ("lvb", 36, 40, -4)]
    assert s.tijdstip == NOW and s.key == "WSS"


# -- reconstruction and rebuild -----------------------------------------------------------------

def test_the_view_at_a_past_moment_is_the_last_figure_before_it():
    history = [GiCapaciteit(GI.JBRR, jeugdbeschermers=10, caseload_norm=15, bijgewerkt_op=NOW),
               GiCapaciteit(GI.WSS, jeugdbeschermers=4, caseload_norm=13, bijgewerkt_op=NOW + DAY),
               GiCapaciteit(GI.JBRR, jeugdbeschermers=12, caseload_norm=15, bijgewerkt_op=NOW + 2 * DAY)]
    before = stand_op(history, NOW - DAY)
    assert all(f.jeugdbeschermers == 0 for f in before.values())
    middle = stand_op(history, NOW + DAY)
    assert (middle[GI.JBRR].jeugdbeschermers, middle[GI.WSS].jeugdbeschermers) == (10, 4)
    assert stand_op(history, NOW + 3 * DAY)[GI.JBRR].jeugdbeschermers == 12


def test_rebuild_from_the_log_equals_the_live_fold():
    """The live path applies each event to the stored child states and recomputes the touched GIs;
    the rebuild folds the whole log at once. Both must give the same view."""
    casus, kinderen = uuid4(), [uuid4(), uuid4()]
    other = uuid4()
    log = [(GI.JBRR, Bezetting(10, 1, 15)),
           (GI.WSS, Bezetting.melden(caseload_norm=13, teams=[Team("lvb", 5)])),
           assigned(casus, kinderen, gi=GI.WSS, doelgroep="lvb", op=NOW - 9 * DAY),
           assigned(other, [uuid4()], gi=GI.JBRR, op=NOW - 2 * DAY),
           closed(other, [uuid4()], gi=GI.LJR, op=NOW),  # a closure of a case never assigned here
           protector(casus, kinderen[:1], gi=GI.WSS, op=NOW - 8 * DAY),
           transferred(casus, kinderen, van=GI.WSS, naar=GI.LJR, op=NOW - 5 * DAY),
           assigned(casus, kinderen, gi=GI.WSS, doelgroep="lvb", op=NOW - 9 * DAY),  # redelivered
           (GI.LJR, Bezetting(3, 0, 15))]

    stored, staffing, live = {}, {}, {gi: GiCapaciteit(gi) for gi in GI}
    for entry in log:
        touched = set()
        if isinstance(entry, tuple):
            staffing[entry[0]] = entry[1]
            touched.add(entry[0])
        else:
            for feit in feiten(entry):
                before = stored.get((feit.casus_id, feit.kind_id))
                after = verwerk(before, feit)
                stored[after.sleutel] = after
                touched |= {after.gi} | ({before.gi} if before else set())
        counts = tel(stored.values())
        for gi in touched:
            live[gi] = bereken(gi, staffing.get(gi, Bezetting()), counts.get(gi, {}), NOW)

    rebuilt = herbereken(log)
    assert rebuilt.kinderen == stored
    figures = rebuilt.figuren(NOW)
    assert {gi: f.zichtbaar() for gi, f in figures.items()} == {gi: f.zichtbaar() for gi, f in live.items()}
    assert (figures[GI.LJR].kinderen_in_zorg, figures[GI.LJR].wachtend) == (2, 2)
    assert figures[GI.LJR].langste_wachtdagen == 5 and figures[GI.WSS].kinderen_in_zorg == 0
