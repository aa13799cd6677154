"""A KPI rebuild asked at both reporting replicas at the same moment runs once (one rebuild per
database, services/reporting); its outcome is readable at either replica.

The replica that finds a rebuild of its own running answers 409; the other one cannot tell (it
knows only its own rebuilds) and answers 202, and its rebuild ends `mislukt` with "another rebuild
is running on this database" without having projected anything. Both count as not run twice."""
import asyncio

import httpx

from tests import identity
from tests.infra import wait_until

DONE = {"gelijk", "verschillen", "vervangen"}
REFUSED = "another rebuild is running"


async def test_a_rebuild_asked_at_both_replicas_at_once_runs_once(http, stack):
    beheer = identity.beheer()
    replicas = stack.instances("reporting")
    answers = await asyncio.gather(*(http[i].post("/v1/kpis/herberekeningen", json={"vervangen": False},
                                                  headers=beheer) for i in replicas))
    assert all(r.status_code in (202, 409) for r in answers), [(r.status_code, r.text) for r in answers]
    started = [r for r in answers if r.status_code == 202]
    assert started, "neither replica started the rebuild"

    async def outcome(answer: httpx.Response) -> list[dict] | None:
        bodies = [(await http[i].get(answer.headers["Location"], headers=beheer)).json() for i in replicas]
        return bodies if all(b["status"] != "bezig" for b in bodies) else None
    outcomes = [await wait_until(lambda a=a: outcome(a), timeout=60, interval=0.3) for a in started]
    for bodies in outcomes:
        assert bodies[0] == bodies[1], "the replicas show the rebuild differently"
    ran = [bodies[0] for bodies in outcomes if bodies[0]["status"] in DONE]
    refused = [bodies[0] for bodies in outcomes if bodies[0]["status"] == "mislukt"]
    assert len(ran) == 1, outcomes
    assert all(REFUSED in (b["fout"] or "") for b in refused), refused
    assert ran[0]["status"] == "gelijk", ran[0]
