from datetime import UTC, datetime, timedelta
from uuid import UUID

from contracts.vocabulary import GI
from services.capacity.domain.escalatie import Drempels, Regiocijfers, beoordeel, hersteld, redenen
from services.capacity.domain.events import EscalationCleared, EscalationRaised
from services.capacity.domain.model import GiCapaciteit

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
D = Drempels(wachtend_max=25, wachtdagen_max=30, marge_wachtend=5, marge_wachtdagen=3,
             herstel_vrije_plaatsen=3)


def cijfers(vrij=(50, 20, 10), wachtend=0, langste=0, gemeld=tuple(GI)) -> Regiocijfers:
    figuren = []
    for gi, free in zip(GI, vrij, strict=True):
        figuren.append(GiCapaciteit(gi, jeugdbeschermers=10 if gi in gemeld else 0,
                                    caseload_norm=10 if gi in gemeld else 0,
                                    kinderen_in_zorg=(100 if gi in gemeld else 0) - free,
                                    wachtend=wachtend if gi == GI.JBRR else 0,
                                    langste_wachtdagen=langste if gi == GI.WSS else 0))
    return Regiocijfers.van(figuren)


def ids():
    n = 0

    def nieuw():
        nonlocal n
        n += 1
        return UUID(int=n)
    return nieuw


def test_the_level_is_the_number_of_conditions_met():
    assert redenen(cijfers(), D) == []
    assert len(redenen(cijfers(vrij=(0, -2, 0)), D)) == 1
    assert len(redenen(cijfers(vrij=(0, -2, 0), wachtend=26), D)) == 2
    assert len(redenen(cijfers(vrij=(0, -2, 0), wachtend=26, langste=31), D)) == 3
    assert redenen(cijfers(wachtend=25, langste=30), D) == []  # at the threshold is not over it


def test_reasons_are_readable_with_the_figures():
    [norm, wacht, dagen] = redenen(cijfers(vrij=(0, -2, 0), wachtend=31, langste=34), D)
    assert "Alle GI's" in norm and "WSS -2" in norm
    assert "31 kinderen wachten" in wacht and "25" in wacht
    assert "34 dagen" in dagen and "30" in dagen


def test_all_at_norm_needs_every_gi_to_have_reported():
    assert redenen(cijfers(vrij=(0, 0, 0), gemeld=(GI.JBRR, GI.WSS)), D) == []


def test_raise_with_a_new_id_then_higher_with_the_same_id():
    new = ids()
    open_, event = beoordeel(None, cijfers(wachtend=26), D, NOW, new)
    assert isinstance(event, EscalationRaised) and event.niveau == 1 and event.escalatie_id == UUID(int=1)
    assert event.cijfers.wachtend == 26 and event.gestart_op == NOW and event.redenen

    open_, event = beoordeel(open_, cijfers(vrij=(0, 0, -1), wachtend=27), D, NOW + timedelta(hours=1), new)
    assert isinstance(event, EscalationRaised) and event.niveau == 2
    assert event.escalatie_id == UUID(int=1) and event.gestart_op == NOW
    assert event.cijfers.gis_op_of_over_norm == [GI.JBRR, GI.WSS, GI.LJR]

    lower, event = beoordeel(open_, cijfers(wachtend=27), D, NOW + timedelta(hours=2), new)
    assert event is None and lower.niveau == 2  # a lower level raises nothing and keeps it open


def test_clear_only_when_every_condition_is_past_its_margin():
    open_, _ = beoordeel(None, cijfers(vrij=(0, 0, 0), wachtend=30, langste=35), D, NOW, ids())
    assert open_.niveau == 3
    for still_open in (cijfers(vrij=(2, 0, 0)), cijfers(wachtend=21), cijfers(langste=28)):
        assert not hersteld(still_open, D)
        assert beoordeel(open_, still_open, D, NOW, ids()) == (open_, None)
    assert hersteld(cijfers(vrij=(3, 0, 0), wachtend=20, langste=27), D)
    recovered = cijfers(vrij=(3, 0, 0), wachtend=20, langste=27)
    closed, event = beoordeel(open_, recovered, D, NOW + timedelta(days=2))
    assert isinstance(event, EscalationCleared)
    assert event.hoogste_niveau == 3 and event.beeindigd_op == NOW + timedelta(days=2)
    assert event.cijfers.wachtend == 20 and closed.duur_s(NOW) == 2 * 24 * 3600


def test_no_flapping_around_a_threshold():
    new, open_, events = ids(), None, []
    for wachtend in (24, 26, 24, 26, 25, 21, 26, 20, 24, 25, 26, 22, 20):
        open_, event = beoordeel(open_, cijfers(wachtend=wachtend), D, NOW, new)
        if event:
            events.append((type(event).__name__, event.escalatie_id.int))
        open_ = open_ if open_ and open_.open else None
    assert events == [("EscalationRaised", 1), ("EscalationCleared", 1), ("EscalationRaised", 2),
                      ("EscalationCleared", 2)]


def test_nothing_without_conditions():
    assert beoordeel(None, cijfers(), D, NOW) == (None, None)
