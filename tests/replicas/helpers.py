"""What the replica tests look at: each instance's health, the partitions its consumer holds, the
events on the topics, and (read only) a service's own tables where nothing else shows them."""
import asyncio
import json
from collections import defaultdict

import asyncpg

from contracts.topics import TOPICS
from deploy.stack import Stack
from tests import identity
from tests.fixtures import melding
from tests.infra import header, read_topic, wait_until


async def health(http, instance: str) -> dict:
    return (await http[instance].get("/v1/health", headers=identity.beheer())).json()


async def backlogs(http, stack: Stack) -> dict[str, int]:
    """Per running instance: events waiting in its outbox, plus records its consumer has yet to
    handle."""
    running = list(stack.processes)
    reports = await asyncio.gather(*(health(http, i) for i in running))
    return {i: r.get("outbox_backlog") + ((r.get("consumer") or {}).get("lag", 0) or 0)
            for i, r in zip(running, reports, strict=True)}


async def quiet(http, stack: Stack) -> bool:
    """Nothing waiting anywhere in the chain (printed while something is, for a failing test)."""
    left = {i: n for i, n in (await backlogs(http, stack)).items() if n}
    if left:
        print("waiting:", left)
    return not left


async def partitions(http, stack: Stack, service: str) -> dict[str, int]:
    """How many partitions each running instance of `service` has been assigned."""
    running = [i for i in stack.instances(service) if i in stack.processes]
    reports = await asyncio.gather(*(health(http, i) for i in running))
    return {i: (r.get("consumer") or {}).get("assigned_partitions", 0)
            for i, r in zip(running, reports, strict=True)}


async def query(url: str, sql: str, *args) -> list:
    """A read-only query on a service's database."""
    connection = await asyncpg.connect(url)
    try:
        async with connection.transaction(readonly=True):
            return await connection.fetch(sql, *args)
    finally:
        await connection.close()


async def post_report(http, instance: str, report: dict | None = None) -> str:
    report = report or melding()
    r = await http[instance].post("/v1/meldingen", json=report,
                                  headers=identity.lokaal_team(report["gemeente"]))
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def report_status(http, instance: str, melding_id: str) -> dict:
    r = await http[instance].get(f"/v1/meldingen/{melding_id}", headers=identity.lokaal_team("GM0599"))
    assert r.status_code == 200, r.text
    return r.json()


async def all_assigned(http, instances: list[str], melding_ids: list[str], timeout: float = 60) -> dict:
    """Each report as intake shows it once assigned, asked at the instances in turn."""
    async def check():
        bodies = await asyncio.gather(*(report_status(http, instances[n % len(instances)], m)
                                        for n, m in enumerate(melding_ids)))
        done = all(b["status"] == "assigned" for b in bodies)
        return dict(zip(melding_ids, bodies, strict=True)) if done else None
    return await wait_until(check, timeout=timeout, interval=0.3)


async def all_events(bootstrap: str) -> dict[str, list]:
    """Every record on every event topic, per topic, in each partition's offset order."""
    found = {}
    for topic in TOPICS:
        records = await read_topic(bootstrap, topic.name)
        found[topic.name] = sorted(records, key=lambda r: (r.partition, r.offset))
    return found


def of_type(records, ce_type: str, **match) -> list[dict]:
    chosen = []
    for record in records:
        if header(record, "ce_type") == ce_type:
            data = json.loads(record.value)
            if all(str(data.get(k)) == str(v) for k, v in match.items()):
                chosen.append(data)
    return chosen


def pids(stack: Stack, service: str) -> dict[int, str]:
    """The running instances of a service by process id (a job lease's holder names its pid)."""
    return {stack.processes[i].pid: i for i in stack.instances(service) if i in stack.processes}


def holder_pid(holder: str) -> int:
    """The process of a lease holder (runtime/leases.py INSTANCE: host:pid:random)."""
    return int(holder.split(":")[-2])


async def until_partitions_shared(http, stack: Stack, service: str, timeout: float = 40) -> dict[str, int]:
    """Once every running instance of `service` holds partitions (the group has settled)."""
    async def check():
        held = await partitions(http, stack, service)
        return held if held and all(held.values()) else None
    return await wait_until(check, timeout=timeout, interval=0.3)


def per_key(records) -> dict[tuple[str, bytes], list]:
    """Each (topic, key)'s records in the order the broker holds them."""
    keyed = defaultdict(list)
    for record in records:
        keyed[(record.topic, record.key)].append(record)
    return keyed



async def next_event(stream, timeout: float = 10.0) -> dict:
    return await asyncio.wait_for(anext(stream), timeout)
