"""Two instances of every service share the work: each consuming service's replicas hold its
partitions between them; reports posted to both intake replicas are assigned once each; the two
outbox relays of a service publish every event once, each key's events in the order they were
committed, without stalling each other."""
import asyncio
import json
from collections import Counter

import pytest

from contracts.events import CasusAssigned, MeldingReceived
from contracts.vocabulary import GI
from tests import identity
from tests.infra import end_offsets, header, wait_until
from tests.replicas.conftest import OUTBOX_BATCH
from tests.replicas.helpers import (
    all_assigned,
    all_events,
    of_type,
    per_key,
    post_report,
    query,
    quiet,
    until_partitions_shared,
)

CONSUMERS = ("intake", "triage", "caseregie", "capacity", "reporting")
REPORTS = 30
HOT_ROUNDS, HOT_CHANGES = 4, 12


@pytest.mark.parametrize("service", CONSUMERS)
async def test_both_replicas_of_a_consuming_service_hold_partitions(http, stack, service):
    held = await until_partitions_shared(http, stack, service)
    assert len(held) == 2, held


async def outbox_ids(database_urls) -> dict[str, tuple[str, int]]:
    """event id -> (service, its row in that service's outbox)."""
    found = {}
    for service, url in database_urls.items():
        for row in await query(url, "SELECT id, event_id FROM outbox"):
            found[row["event_id"]] = (service, row["id"])
    return found


async def test_one_gi_reported_through_both_capacity_replicas_at_once_is_signalled_in_commit_order(
        http, stack, kafka_bootstrap, database_urls):
    """A hot key: one GI's staffing changed many times through both replicas side by side, each
    change committed in turn (the GI's row) and woken in its own replica's relay. Its signals leave
    in that order, so the compacted topic's last one is the current figure."""
    capacities = stack.instances("capacity")
    original = (await http["capacity"].get("/v1/gis/LJR/capaciteit", headers=identity.rvdk())).json()

    async def put(n):
        r = await http[capacities[n % 2]].put(
            "/v1/gis/LJR/capaciteit", headers=identity.gi("LJR"),
            json={"jeugdbeschermers": original["jeugdbeschermers"] + 1 + n % 7,
                  "caseload_norm": original["caseload_norm"]})
        assert r.status_code == 200, r.text
    for _ in range(HOT_ROUNDS):
        await asyncio.gather(*(put(n) for n in range(HOT_CHANGES)))
    r = await http["capacity#2"].put("/v1/gis/LJR/capaciteit", headers=identity.gi("LJR"),
                                     json={"jeugdbeschermers": original["jeugdbeschermers"],
                                           "caseload_norm": original["caseload_norm"]})
    assert r.status_code == 200, r.text
    await wait_until(lambda: quiet(http, stack), timeout=30)

    events = await all_events(kafka_bootstrap)
    await _in_commit_order(events, database_urls)
    await _latest_signals_are_current(http, stack, events["capacity.signals"])


async def _in_commit_order(events: dict[str, list], database_urls) -> None:
    """No event twice on any topic; each key's events in the order of their service's outbox."""
    ids_on = {topic: Counter(header(r, "ce_id") for r in records) for topic, records in events.items()}
    twice = {topic: [i for i, n in counts.items() if n > 1] for topic, counts in ids_on.items()}
    assert not any(twice.values()), f"events published twice: {twice}"
    rows = await outbox_ids(database_urls)
    for (topic, key), records in per_key(r for rs in events.values() for r in rs).items():
        order = [rows[header(r, "ce_id")] for r in records if header(r, "ce_id") in rows]
        assert len({service for service, _ in order}) <= 1, (topic, key, order)
        assert order == sorted(order), f"{topic} key {key!r}: published out of commit order: {order}"
        if topic == "caseregie.casussen":
            assert header(records[0], "ce_type") == CasusAssigned.type, (key, header(records[0], "ce_type"))


async def test_reports_to_both_intakes_are_assigned_once_and_published_once_in_order(
        http, stack, kafka_bootstrap, database_urls):
    intakes = stack.instances("intake")
    ids = []
    for _ in range(REPORTS // 10):  # ten at once, both replicas committing side by side
        ids += await asyncio.gather(*(post_report(http, intakes[n % 2]) for n in range(10)))
    statuses = await all_assigned(http, intakes, ids, timeout=60)
    assert len({b["casus_id"] for b in statuses.values()}) == REPORTS  # one case per family
    await wait_until(lambda: quiet(http, stack), timeout=30)

    events = await all_events(kafka_bootstrap)
    await _in_commit_order(events, database_urls)
    casussen = events["caseregie.casussen"]
    assigned = Counter(e["melding_id"] for e in of_type(casussen, CasusAssigned.type))
    assert all(assigned[m] == 1 for m in ids), {m: assigned[m] for m in ids if assigned[m] != 1}
    received = Counter(e["melding_id"] for e in of_type(events["intake.meldingen"], MeldingReceived.type))
    assert all(received[m] == 1 for m in ids)
    await _latest_signals_are_current(http, stack, events["capacity.signals"])


async def _settled(http, stack, bootstrap, topic) -> None:
    """The topic's end offsets once the chain is quiet: nothing waiting in any outbox or consumer,
    and nothing more arriving (a batch is marked sent as it is taken, before the broker has it)."""
    async def still():
        if not await quiet(http, stack):
            return None
        first = await end_offsets(bootstrap, topic)
        await asyncio.sleep(0.5)
        return await end_offsets(bootstrap, topic) == first
    return await wait_until(still, timeout=30)


async def _latest_signals_are_current(http, stack, signals) -> None:
    """The last capacity signal per GI on the compacted topic is the current figure, read at
    either capacity replica: a later signal never overtaken by an earlier one."""
    latest = {}
    for record in signals:  # each GI's key lives on one partition, in offset order
        latest[record.key.decode()] = json.loads(record.value)
    for instance in stack.instances("capacity"):
        for gi in GI:
            figure = (await http[instance].get(f"/v1/gis/{gi}/capaciteit", headers=identity.rvdk())).json()
            assert latest[gi]["vrije_plaatsen"] == figure["vrije_plaatsen"], (instance, gi)



async def test_a_republish_with_both_replicas_relaying_sends_the_outbox_again_in_order(
        http, stack, kafka_bootstrap, database_urls):
    """Operations send capacity's whole outbox again (after a broker lost its data) while both
    replicas run: both relays find a long backlog at once (small batches, REPLICA_ENV), yet one
    sends at a time, so each key's events go out again in the order they were committed."""
    await _settled(http, stack, kafka_bootstrap, "capacity.signals")
    r = await http["capacity"].post("/v1/outbox/herpublicaties", json={}, headers=identity.beheer())
    assert r.status_code == 202 and r.json()["herpubliceerd"] > 3 * OUTBOX_BATCH, r.text
    # A change through the other replica wakes its relay too, in the middle of the backlog.
    figure = (await http["capacity#2"].get("/v1/gis/LJR/capaciteit", headers=identity.rvdk())).json()
    for change in (1, 0):
        r = await http["capacity#2"].put("/v1/gis/LJR/capaciteit", headers=identity.gi("LJR"),
                                         json={"jeugdbeschermers": figure["jeugdbeschermers"] + change,
                                               "caseload_norm": figure["caseload_norm"]})
        assert r.status_code == 200, r.text
    await wait_until(lambda: quiet(http, stack), timeout=30)

    seen, again = set(), []  # the copies the republish sent: each event's second on the topic
    for record in (await all_events(kafka_bootstrap))["capacity.signals"]:
        (again.append(record) if header(record, "ce_id") in seen else seen.add(header(record, "ce_id")))
    assert len(again) > 3 * OUTBOX_BATCH
    rows = await outbox_ids(database_urls)
    for (_, key), records in per_key(again).items():
        order = [rows[header(r, "ce_id")][1] for r in records]
        assert order == sorted(order), f"capacity.signals key {key!r} sent again out of order: {order}"
