"""Periodic jobs with two replicas of each service: each job runs once per interval across them
(the lease in job_leases), and what the jobs do happens once: an urgent report past its deadline
is flagged once, a GI's webhook receives each case event once, even from a receiver slow enough
that two runs of the delivery job overlap."""
import asyncio
import itertools
import time
from collections import Counter

import asyncpg
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from contracts.events import CasusAssigned, MeldingCompletionOverdue
from deploy.stack import free_port
from tests import identity
from tests.fixtures import melding
from tests.infra import read_topic, wait_until
from tests.replicas.conftest import JOB_INTERVALS
from tests.replicas.helpers import all_assigned, holder_pid, of_type, pids, post_report, report_status

# The jobs of each service with the interval they run at in the replica stack (conftest).
JOBS = {"intake": {"bewaak_aanvultermijnen": JOB_INTERVALS["INTAKE_BEWAKING_INTERVAL_S"],
                   "wis_na_bewaartermijn": JOB_INTERVALS["INTAKE_BEWAARTERMIJN_INTERVAL_S"]},
        "caseregie": {"check_drang": JOB_INTERVALS["CASEREGIE_DRANG_CHECK_INTERVAL_S"],
                      "deliver_webhooks": JOB_INTERVALS["CASEREGIE_WEBHOOK_POLL_INTERVAL_S"],
                      "wis_na_bewaartermijn": JOB_INTERVALS["CASEREGIE_BEWAARTERMIJN_INTERVAL_S"]}}
WATCHED_S = 4.0
# Two runs of a job are never less than 0.9 interval apart (runtime/leases.py); a little for the
# moments being taken in two processes.
SPACING = 0.9


async def runs(url: str, seconds: float) -> dict[str, list[tuple]]:
    """Each job's runs seen in job_leases over `seconds`: (began at, holder), oldest first. Read
    every few milliseconds, much more often than any job runs."""
    seen: dict[str, set] = {}
    connection = await asyncpg.connect(url)
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for row in await connection.fetch("SELECT job, ran_at, holder FROM job_leases"):
                seen.setdefault(row["job"], set()).add((row["ran_at"], row["holder"]))
            await asyncio.sleep(0.01)
    finally:
        await connection.close()
    return {job: sorted(r) for job, r in seen.items()}


@pytest.mark.parametrize("service", list(JOBS))
async def test_each_periodic_job_runs_once_per_interval_across_both_replicas(stack, database_urls, service):
    seen = await runs(database_urls[service], WATCHED_S)
    replicas = pids(stack, service)
    for job, interval in JOBS[service].items():
        assert job in seen, f"{service}: {job} never ran ({sorted(seen)})"
        began = [at for at, _ in seen[job]]
        gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(began)]
        assert len(began) >= WATCHED_S / interval / 2, f"{service}: {job} ran only {len(began)} times"
        assert min(gaps) >= SPACING * interval - 0.01, f"{service}: {job} ran twice within {min(gaps):.3f}s"
        assert {holder_pid(h) for _, h in seen[job]} <= set(replicas), f"{job} held by others: {seen[job]}"


def incomplete_urgent_report() -> dict:
    report = melding(urgentie="spoed", zorgen=[])
    del report["gezin"]["kinderen"][0]["geboortedatum"]
    return report


async def test_an_urgent_report_past_its_deadline_is_flagged_once(http, stack, kafka_bootstrap):
    intakes = stack.instances("intake")
    ids = [await post_report(http, intakes[n % 2], incomplete_urgent_report()) for n in range(4)]

    async def flagged():
        bodies = [await report_status(http, intakes[(n + 1) % 2], m) for n, m in enumerate(ids)]
        return all(any(s["stap"] == "completion_overdue" for s in b["stappen"]) for b in bodies)
    await wait_until(flagged, timeout=20, interval=0.3)
    await asyncio.sleep(4 * JOBS["intake"]["bewaak_aanvultermijnen"])  # more runs, on both replicas

    flags = of_type(await read_topic(kafka_bootstrap, "intake.meldingen"), MeldingCompletionOverdue.type)
    counts = Counter(f["melding_id"] for f in flags)
    assert {m: counts[m] for m in ids} == dict.fromkeys(ids, 1)


class SlowReceiver:
    """A GI's system that takes longer to answer than the delivery job's interval, so that runs of
    the job on both replicas overlap; it counts the deliveries of each event (webhook-id)."""

    def __init__(self, answer_after_s: float):
        self.deliveries: Counter = Counter()
        self.bodies: dict[str, dict] = {}
        self.port = free_port()

        async def hook(request: Request) -> Response:
            await asyncio.sleep(answer_after_s)
            event_id = request.headers["webhook-id"]
            self.deliveries[event_id] += 1
            self.bodies[event_id] = await request.json()
            return Response(status_code=204)

        app = Starlette(routes=[Route("/hook", hook, methods=["POST"])])
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port,
                                                    log_level="warning"))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"


async def test_each_case_event_reaches_the_gis_webhook_once(http, stack):
    receiver = SlowReceiver(answer_after_s=3 * JOBS["caseregie"]["deliver_webhooks"])
    serving = asyncio.create_task(receiver.server.serve())
    wss = identity.gi("WSS")
    try:
        await wait_until(lambda: receiver.server.started)
        r = await http["caseregie#2"].post("/v1/webhooks", json={"url": receiver.url}, headers=wss)
        assert r.status_code == 201, r.text
        hook = r.json()["id"]
        intakes = stack.instances("intake")
        ids = [await post_report(http, intakes[n % 2], melding(kenmerken=["lvb_kind"])) for n in range(8)]
        cases = {b["casus_id"] for b in (await all_assigned(http, intakes, ids)).values()}

        def delivered():
            return {b["data"]["casus_id"] for b in receiver.bodies.values()
                    if b["type"] == CasusAssigned.type}
        await wait_until(lambda: cases <= delivered(), timeout=30, interval=0.2)
        await asyncio.sleep(10 * JOBS["caseregie"]["deliver_webhooks"])  # anything sent twice has come

        assert max(receiver.deliveries.values()) == 1, receiver.deliveries.most_common(3)
        assert (await http["caseregie"].delete(f"/v1/webhooks/{hook}", headers=wss)).status_code == 204
    finally:
        receiver.server.should_exit = True
        await serving
