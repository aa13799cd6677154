"""Issue 8, item 3, on real PostgreSQL: the periodic drang check's candidate query finds a drang case
once its start is old enough and until both limits are flagged, and the check flags a limit that
passes after the measure was recorded (the clock is an input, so "later" is a moved clock)."""
from datetime import timedelta

import pytest

from services.caseregie.domain.commands import CheckDrang
from services.caseregie.domain.model import DRANG_3_MAANDEN, DRANG_6_MAANDEN, plus_maanden
from services.caseregie.service_layer.unit_of_work import CaseregieUnitOfWork
from tests import identity
from tests.clock import TODAY, pinned
from tests.fixtures import grey_area_melding
from tests.infra import wait_until

pytestmark = pytest.mark.integration


async def drang_case(chain) -> dict:
    """A drang decision recorded today (auto-confirm: the JB-plein decision starts today)."""
    report = grey_area_melding() | {"kader": "drang"}
    team = identity.lokaal_team(report["gemeente"])
    r = await chain["intake"].post("/v1/meldingen", json=report, headers=team)
    assert r.status_code == 201, r.text
    melding_id = r.json()["id"]

    async def assigned():
        body = (await chain["intake"].get(f"/v1/meldingen/{melding_id}", headers=team)).json()
        return body if body["status"] == "assigned" else None
    body = await wait_until(assigned)
    return await read_case(chain, body["casus_id"], body["toegewezen_gi"])


async def read_case(chain, casus_id, gi) -> dict:
    r = await chain["caseregie"].get(f"/v1/casussen/{casus_id}", headers=identity.gi(gi))
    assert r.status_code == 200, r.text
    return r.json()


def only(runtime, casus_id, clock):
    """Units of work on caseregie's database with a moved clock, whose periodic check sees only
    this test's case (the shared database holds other tests' drang cases)."""
    class Only(CaseregieUnitOfWork):
        def bind(self, session):
            super().bind(session)
            query = self.casussen.drang_kandidaten

            async def kandidaten(gestart_voor):
                return [c for c in await query(gestart_voor) if str(c) == casus_id]
            self.casussen.drang_kandidaten = kandidaten
    return lambda: Only(runtime.sessions, "caseregie", settings=runtime.settings, clock=clock)


async def test_the_periodic_check_flags_each_limit_on_the_day_it_passes(chain):
    case = await drang_case(chain)
    assert case["kinderen"][0]["maatregel"] == "drang" and case["drang_signalen"] == []
    runtime = chain["caseregie"].app.state.runtime
    start = TODAY

    async with runtime.uow() as uow:  # the candidate query itself, on PostgreSQL
        assert case["id"] not in map(str, await uow.casussen.drang_kandidaten(start - timedelta(days=1)))
        assert case["id"] in map(str, await uow.casussen.drang_kandidaten(start))

    async def check_on(day) -> int:
        clock = pinned(days=(day - TODAY).days)
        return await runtime.bus.handle(CheckDrang(), uow_factory=only(runtime, case["id"], clock),
                                        clock=clock)
    assert await check_on(plus_maanden(start, 3) - timedelta(days=1)) == 0
    assert await check_on(plus_maanden(start, 3)) == 1
    assert await check_on(plus_maanden(start, 3)) == 0  # flagged once
    assert await check_on(plus_maanden(start, 6)) == 1
    flags = (await read_case(chain, case["id"], case["gi"]))["drang_signalen"]
    assert [f["termijn"] for f in flags] == [DRANG_3_MAANDEN, DRANG_6_MAANDEN]

    async with runtime.uow() as uow:  # both flagged: no longer a candidate
        assert case["id"] not in map(str, await uow.casussen.drang_kandidaten(plus_maanden(start, 7)))
