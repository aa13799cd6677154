from datetime import UTC, datetime, timedelta

import pytest

from contracts.vocabulary import GI
from runtime.errors import InvalidInput
from services.capacity.domain.model import GiCapaciteit

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_free_is_protectors_times_norm_minus_children():
    c = GiCapaciteit(GI.JBRR).bezetting(10, 15, NOW).kinderen_erbij(120, NOW)
    assert c.plaatsen == 150
    assert c.vrije_plaatsen == 30


def test_free_is_negative_over_norm():
    c = GiCapaciteit(GI.WSS, jeugdbeschermers=2, caseload_norm=12, kinderen_in_zorg=30)
    assert c.vrije_plaatsen == -6


def test_bezetting_sets_staffing_and_time_keeps_children():
    before = GiCapaciteit(GI.LJR, kinderen_in_zorg=5)
    after = before.bezetting(3, 14, NOW)
    assert (after.jeugdbeschermers, after.caseload_norm, after.kinderen_in_zorg) == (3, 14, 5)
    assert after.bijgewerkt_op == NOW
    assert before.jeugdbeschermers == 0


@pytest.mark.parametrize(("jb", "norm", "field"), [(-1, 15, "jeugdbeschermers"), (3, 0, "caseload_norm")])
def test_bezetting_rejects_invalid_staffing(jb, norm, field):
    with pytest.raises(InvalidInput) as exc:
        GiCapaciteit(GI.JBRR).bezetting(jb, norm, NOW)
    assert exc.value.field == field


def test_zero_protectors_is_allowed():
    assert GiCapaciteit(GI.JBRR).bezetting(0, 15, NOW).plaatsen == 0


def test_visible_change():
    c = GiCapaciteit(GI.JBRR).bezetting(10, 15, NOW)
    assert not c.bezetting(10, 15, NOW + timedelta(hours=1)).zichtbaar_anders_dan(c)
    assert c.bezetting(11, 15, NOW).zichtbaar_anders_dan(c)
    assert c.kinderen_erbij(1, NOW).zichtbaar_anders_dan(c)
    assert c.bezetting(5, 30, NOW).zichtbaar_anders_dan(c)  # same slots, other staffing


def test_signal():
    c = GiCapaciteit(GI.WSS).bezetting(4, 12, NOW).kinderen_erbij(50, NOW + timedelta(minutes=1))
    s = c.signal()
    assert (s.gi, s.vrije_plaatsen, s.plaatsen, s.kinderen_in_zorg, s.jeugdbeschermers, s.caseload_norm) == (
        GI.WSS, -2, 48, 50, 4, 12)
    assert s.tijdstip == NOW + timedelta(minutes=1)
    assert s.key == "WSS"
