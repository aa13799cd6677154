"""A replica SIGKILLed (no shutdown, no goodbye to its consumer group): the other replica takes its
partitions and its periodic jobs, and a run of reports through the chain while one replica of
every service is killed loses nothing and applies nothing twice (after tests/faults/ledger.py)."""
import asyncio
import itertools
import time
from collections import Counter

from contracts.vocabulary import GI
from tests import identity
from tests.faults.ledger import Chain, Ledger, _cases, _until, all_assigned, post
from tests.fixtures import melding
from tests.infra import wait_until
from tests.replicas.helpers import (
    holder_pid,
    partitions,
    pids,
    post_report,
    quiet,
    until_partitions_shared,
)
from tests.replicas.test_jobs import JOBS, SPACING, runs
from tests.replicas.test_spread import CONSUMERS

TEAM = identity.lokaal_team("GM0599")


async def start_again(stack, *instances: str) -> None:
    for instance in instances:
        stack.start(instance)
    for instance in instances:
        await asyncio.to_thread(stack.wait_healthy, instance)


async def test_a_killed_replicas_partitions_go_to_the_other_and_the_chain_goes_on(http, stack):
    held = await until_partitions_shared(http, stack, "triage")
    stack.kill("triage")
    try:
        await wait_until(lambda: _holds(http, stack, "triage#2", sum(held.values())), timeout=40,
                         interval=0.5)
        melding_id = await post_report(http, "intake")
        await all_assigned_at(http, [melding_id])
    finally:
        await start_again(stack, "triage")
    await until_partitions_shared(http, stack, "triage")


async def _holds(http, stack, instance: str, count: int) -> bool:
    return (await partitions(http, stack, instance.partition("#")[0])).get(instance) == count


async def all_assigned_at(http, melding_ids, instance: str = "intake#2", timeout: float = 30) -> None:
    async def check():
        bodies = [(await http[instance].get(f"/v1/meldingen/{m}", headers=TEAM)).json() for m in melding_ids]
        return all(b["status"] == "assigned" for b in bodies)
    await wait_until(check, timeout=timeout, interval=0.3)


async def test_a_job_moves_to_the_other_replica_when_the_one_running_it_dies(stack, database_urls):
    interval = JOBS["caseregie"]["check_drang"]
    last = (await runs(database_urls["caseregie"], 2 * interval))["check_drang"]
    holder = pids(stack, "caseregie")[holder_pid(last[-1][1])]
    survivor = next(i for i in stack.instances("caseregie") if i != holder)
    stack.kill(holder)
    try:
        await asyncio.sleep(interval)
        after = (await runs(database_urls["caseregie"], 6 * interval))["check_drang"]
        assert len(after) >= 3, after
        assert {holder_pid(h) for _, h in after} == {stack.processes[survivor].pid}
        began = [at for at, _ in after]
        gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(began)]
        assert min(gaps) >= SPACING * interval - 0.01, gaps
    finally:
        await start_again(stack, holder)


async def figures(http, instance: str) -> dict:
    r = await http[instance].get("/v1/kpis", headers=identity.regio())
    return {k["kpi"]: k["waarde"] for k in r.json()["kpis"]}


async def children_in_care(http, instance: str) -> dict[str, int]:
    r = await http[instance].get("/v1/capaciteit", headers=identity.rvdk())
    return {g["gi"]: g["kinderen_in_zorg"] for g in r.json()["gis"]}


def views(http, stack) -> list[Chain]:
    """The chain as seen through each replica: Chain.http by service name, each the n-th instance."""
    return [Chain(stack, None, {service: http[stack.instances(service)[n]] for service in CONSUMERS})
            for n in range(2)]


async def drive(chains: list[Chain], ledger: Ledger, rate: float, seconds: float) -> None:
    """Reports at `rate` per second, to the two intake replicas in turn, whatever they do."""
    pending, start = [], time.monotonic()
    for n in range(int(rate * seconds)):
        await asyncio.sleep(max(0.0, start + n / rate - time.monotonic()))
        pending.append(asyncio.create_task(post(chains[n % 2], ledger, melding())))
    await asyncio.gather(*pending)


async def test_killing_one_replica_of_every_service_during_a_run_loses_nothing(http, stack):
    first, second = views(http, stack)
    await wait_until(lambda: quiet(http, stack), timeout=30)  # the figures before: all counted
    before = {"kpis": await figures(http, "reporting#2"), "reports": await _total(http),
              "care": await children_in_care(http, "capacity#2")}
    held = {service: await until_partitions_shared(http, stack, service) for service in CONSUMERS}
    ledger = Ledger()
    driving = asyncio.create_task(drive([first, second], ledger, rate=8, seconds=6))
    await asyncio.sleep(2)
    for service in CONSUMERS:
        stack.kill(service)  # the first replica of each: the second carries on alone
    await driving
    try:
        assert not ledger.errors, ledger.errors[:5]
        statuses = await all_assigned(second, ledger, timeout=60)
        for service in CONSUMERS:  # the survivor holds every partition of its service (once the
            # group settled: all can be assigned while a last rebalance still runs)
            await wait_until(lambda s=service: _holds(http, stack, f"{s}#2", sum(held[s].values())),
                             timeout=20, interval=0.3)
        await _each_once(second, ledger, statuses)
        stored = await _total(http) - before["reports"]  # accepted, also when the answer was lost
        assert len(ledger.accepted) <= stored <= len(ledger.accepted) + sum(ledger.refused.values())
        await _counted(http, "#2", before, stored, Counter(b["toegewezen_gi"] for b in statuses.values()))
    finally:
        await start_again(stack, *CONSUMERS)
    await _counted(http, "", before, stored, Counter(b["toegewezen_gi"] for b in statuses.values()))
    for service in CONSUMERS:
        await until_partitions_shared(http, stack, service)


async def _total(http) -> int:
    return (await http["intake#2"].get("/v1/meldingen", headers=TEAM)).json()["total"]


async def _each_once(chain: Chain, ledger: Ledger, statuses: dict) -> None:
    """One case per report of the run, at the GI it was assigned to."""
    cases = [c for gi in GI for c in await _cases(chain, gi) if c["melding_id"] in ledger.accepted]
    per_report = Counter(c["melding_id"] for c in cases)
    assert set(per_report) == set(ledger.accepted), "reports of the run without a case"
    assert max(per_report.values()) == 1, f"reports with two cases: {per_report.most_common(3)}"
    assert all(statuses[c["melding_id"]]["casus_id"] == c["id"] for c in cases)


async def _counted(http, suffix: str, before: dict, reports: int, per_gi: Counter) -> None:
    """The region's figures and each GI's children in care, at the replicas named by `suffix`,
    count the run's reports once each."""
    async def kpis():
        now = await figures(http, f"reporting{suffix}")
        grew = {k: now[k] - before["kpis"][k] for k in ("meldingen_ontvangen", "casussen_toegewezen")}
        return grew, {"meldingen_ontvangen": reports, "casussen_toegewezen": reports}
    await _until(kpis, 60, f"KPIs at reporting{suffix}")

    async def care():
        now = await children_in_care(http, f"capacity{suffix}")
        return {gi: now[gi] - before["care"][gi] for gi in GI}, {gi: per_gi[gi] for gi in GI}
    await _until(care, 60, f"children in care at capacity{suffix}")


