import random

import pytest

from services.reporting.domain.model import KPIS, ONBEKEND, Telling, vorm

GEMEENTEN = ["GM0599", "GM0606", "GM0622", "GM1930"]
GIS = ["JBRR", "WSS", "LJR", ONBEKEND]


def _tellingen(rng: random.Random) -> list[Telling]:
    return [Telling(rng.choice([k.id for k in KPIS]), rng.choice(GEMEENTEN), rng.choice(GIS),
                    rng.randint(0, 50))
            for _ in range(rng.randint(0, 40))]


@pytest.mark.parametrize("seed", range(25))
def test_breakdowns_sum_to_total(seed):
    tellingen = _tellingen(random.Random(seed))
    result = vorm(tellingen)
    assert [r["kpi"] for r in result] == [k.id for k in KPIS]
    for row in result:
        expected = sum(t.aantal for t in tellingen if t.kpi == row["kpi"])
        assert row["waarde"] == expected
        assert sum(row["per_gemeente"].values()) == expected
        assert sum(row["per_gi"].values()) == expected


def test_known_breakdown():
    result = {r["kpi"]: r for r in vorm([
        Telling("adviezen", "GM0599", "WSS", 2),
        Telling("adviezen", "GM0606", "WSS", 3),
        Telling("adviezen", "GM0599", "JBRR", 1),
        Telling("onbekende_kpi", "GM0599", "JBRR", 100),
    ])}
    assert result["adviezen"]["waarde"] == 6
    assert result["adviezen"]["per_gemeente"] == {"GM0599": 3, "GM0606": 3}
    assert result["adviezen"]["per_gi"] == {"JBRR": 1, "WSS": 5}
    assert result["meldingen_ontvangen"] == {
        "kpi": "meldingen_ontvangen", "naam": "Meldingen ontvangen", "name": "Reports received",
        "waarde": 0, "per_gemeente": {}, "per_gi": {}}
