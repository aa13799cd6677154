"""A KPI rebuild asked at both reporting replicas at the same moment runs once (one rebuild per
database, services/reporting): the requests take turns, the second finds the first recorded as
about to start or running and answers 409, whichever replica it reached. The outcome is readable,
the same, at either replica; a new request once it is done starts a new rebuild."""
import asyncio

from tests import identity
from tests.infra import wait_until

REBUILDS = "/v1/kpis/herberekeningen"


async def test_a_rebuild_asked_at_both_replicas_at_once_runs_once(http, stack):
    beheer = identity.beheer()
    replicas = stack.instances("reporting")
    answers = await asyncio.gather(*(http[i].post(REBUILDS, json={"vervangen": False}, headers=beheer)
                                     for i in replicas))
    assert sorted(r.status_code for r in answers) == [202, 409], [(r.status_code, r.text) for r in answers]
    (started,) = [r for r in answers if r.status_code == 202]

    async def outcome() -> list[dict] | None:
        bodies = [(await http[i].get(started.headers["Location"], headers=beheer)).json() for i in replicas]
        return bodies if all(b["status"] != "bezig" for b in bodies) else None
    bodies = await wait_until(outcome, timeout=60, interval=0.3)
    assert bodies[0] == bodies[1], "the replicas show the rebuild differently"
    assert bodies[0]["status"] == "gelijk", bodies[0]
    listed = [(await http[i].get(REBUILDS, headers=beheer)).json() for i in replicas]
    assert listed[0] == listed[1]

    again = await http[replicas[1]].post(REBUILDS, json={"vervangen": False}, headers=beheer)
    assert again.status_code == 202, again.text  # done: the next request starts the next rebuild
    await wait_until(lambda: _done(http[replicas[0]], again.headers["Location"], beheer), timeout=60,
                     interval=0.3)


async def _done(client, location: str, headers: dict) -> bool:
    return (await client.get(location, headers=headers)).json()["status"] != "bezig"
