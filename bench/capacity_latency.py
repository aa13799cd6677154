"""Latency from a capacity change to its signal, against the raw broker round trip.

`make bench-capacity` (or `python -m bench.capacity_latency --rate 20 --duration 30`) starts an
embedded PostgreSQL, a Tansu broker and the capacity service as its own process, then:

1. baseline: produces small messages at the same rate and times produce -> consume on the
   broker (the raw round trip on this machine, in this run);
2. load: at a steady rate, case events (CasusAssigned, produced to caseregie.casussen) and
   staffing reports (PUT /v1/gis/{gi}/capaciteit), and times each change until its capacity
   signal arrives at an external Kafka subscriber of capacity.signals and at an SSE client of
   /v1/capaciteit/stream.

It prints p50/p99 per path and their ratio to the raw round trip. Not a test: figures only.
DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS use external servers instead of the embedded ones.
"""
import argparse
import asyncio
import json
import logging
import math
import os
import time
import uuid
from dataclasses import dataclass, field

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from sqlalchemy.engine import make_url

from contracts.events import CasusAssigned, Kind
from contracts.topics import CAPACITY_SIGNALS
from contracts.vocabulary import GI
from deploy.identity import ensure_dev_issuer
from deploy.stack import ROOT, Broker, Stack, database_url_for, embedded_postgres, free_port
from runtime.clock import SystemClock
from runtime.cloudevents import CloudEvent
from runtime.identity import GI_ROL, RVDK

log = logging.getLogger("bench")
FETCH_MAX_WAIT_MS = 10  # Tansu holds a fetch for much of fetch_max_wait_ms even when data is there
RTT_TOPIC = "bench.roundtrip"
CASE_GIS = (GI.JBRR, GI.WSS)  # case events go here, each GI on its own partition (kept in order)
STAFFING_GI = GI.LJR  # staffing reports go here, so every change has a figure of its own
START_PROTECTORS, NORM = 1000, 15


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (NaN of nothing)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


@dataclass
class Changes:
    """Send times of the changes, keyed by the figure each one produces, and arrival times."""

    sent: dict[tuple, float] = field(default_factory=dict)
    kind: dict[tuple, str] = field(default_factory=dict)
    arrived: dict[str, dict[tuple, float]] = field(default_factory=lambda: {"kafka": {}, "sse": {}})
    responses: dict[tuple, float] = field(default_factory=dict)  # PUT: until its HTTP response

    def arrive(self, path: str, signal: dict) -> None:
        key = (signal["gi"], signal["kinderen_in_zorg"], signal["jeugdbeschermers"])
        self.arrived[path].setdefault(key, time.perf_counter())

    def latencies_ms(self, path: str, kind: str | None = None, after: float = 0.0) -> list[float]:
        return [(self.arrived[path][k] - t) * 1000 for k, t in self.sent.items()
                if k in self.arrived[path] and t >= after and (kind is None or self.kind[k] == kind)]

    def missing(self, path: str) -> int:
        return sum(1 for k in self.sent if k not in self.arrived[path])


async def kafka_subscriber(bootstrap: str, topic: str, on_record, ready: asyncio.Event) -> None:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                                fetch_max_wait_ms=FETCH_MAX_WAIT_MS)
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(partitions)
        await consumer.seek_to_end(*partitions)
        for tp in partitions:
            await consumer.position(tp)
        ready.set()
        while True:
            batches = await consumer.getmany(timeout_ms=100)
            for records in batches.values():
                for record in records:
                    on_record(record)
    finally:
        await consumer.stop()


async def sse_client(base_url: str, on_signal, ready: asyncio.Event, headers: dict[str, str]) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=None, headers=headers) as client, \
            client.stream("GET", "/v1/capaciteit/stream") as response:
        response.raise_for_status()
        fields: dict[str, str] = {}
        seen = 0
        async for line in response.aiter_lines():
            if line == "":
                if "data" in fields:
                    seen += 1
                    if seen > len(GI):  # the first ones are the snapshot
                        on_signal(json.loads(fields["data"]))
                    elif seen == len(GI):
                        ready.set()
                fields = {}
            elif not line.startswith(":"):
                name, _, value = line.partition(":")
                fields[name] = value.removeprefix(" ")


async def ensure_topic(bootstrap: str, name: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        if name not in await admin.list_topics():
            await admin.create_topics([NewTopic(name, 1, 1)])
    finally:
        await admin.close()


async def steady(rate: float, seconds: float, action) -> list[asyncio.Task]:
    """Start action(i) at a steady rate (as tasks, so a slow one does not hold up the next)."""
    tasks, start = [], time.perf_counter()
    for i in range(int(rate * seconds)):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(action(i)))
    return tasks


async def settle(done, seconds: float) -> None:
    """Give the last arrivals up to `seconds`."""
    for _ in range(int(seconds / 0.05)):
        if done():
            return
        await asyncio.sleep(0.05)


async def baseline(bootstrap: str, producer: AIOKafkaProducer, rate: float, seconds: float) -> list[float]:
    await ensure_topic(bootstrap, RTT_TOPIC)
    sent: dict[bytes, float] = {}
    arrived: dict[bytes, float] = {}
    ready = asyncio.Event()
    reader = asyncio.create_task(kafka_subscriber(
        bootstrap, RTT_TOPIC, lambda r: arrived.setdefault(r.value, time.perf_counter()), ready))
    await asyncio.wait_for(ready.wait(), 30)

    async def ping(i: int) -> None:
        payload = f"{i}".encode()
        sent[payload] = time.perf_counter()
        await producer.send_and_wait(RTT_TOPIC, payload, key=b"rtt")

    await asyncio.gather(*await steady(rate, seconds, ping))
    await settle(lambda: len(arrived) >= len(sent), 5)
    reader.cancel()
    return [(arrived[k] - t) * 1000 for k, t in sent.items() if k in arrived]


async def load(args, stack: Stack, bootstrap: str, producer: AIOKafkaProducer) -> Changes:
    changes = Changes()
    base = stack.url("capacity")
    http = httpx.AsyncClient(base_url=base, timeout=30)
    for gi in GI:
        r = await http.put(f"/v1/gis/{gi}/capaciteit", headers=stack.auth(GI_ROL, gi),
                           json={"jeugdbeschermers": START_PROTECTORS, "caseload_norm": NORM})
        r.raise_for_status()
    kafka_ready, sse_ready = asyncio.Event(), asyncio.Event()
    readers = [
        asyncio.create_task(kafka_subscriber(
            bootstrap, CAPACITY_SIGNALS.name, lambda r: changes.arrive("kafka", json.loads(r.value)),
            kafka_ready)),
        asyncio.create_task(sse_client(base, lambda s: changes.arrive("sse", s), sse_ready,
                                       stack.auth(RVDK, "RvdK"))),
    ]
    await asyncio.wait_for(asyncio.gather(kafka_ready.wait(), sse_ready.wait()), 30)

    children = {gi: 0 for gi in GI}
    protectors = START_PROTECTORS
    staffing_auth = stack.auth(GI_ROL, STAFFING_GI)
    every_nth_staffing = max(1, round(1 / args.staffing_share)) if args.staffing_share > 0 else 0

    async def change(i: int) -> None:
        nonlocal protectors
        if every_nth_staffing and i % every_nth_staffing == every_nth_staffing - 1:
            protectors += 1
            key = (STAFFING_GI.value, 0, protectors)
            changes.kind[key] = "staffing"
            changes.sent[key] = time.perf_counter()
            r = await http.put(f"/v1/gis/{STAFFING_GI}/capaciteit", headers=staffing_auth,
                               json={"jeugdbeschermers": protectors, "caseload_norm": NORM})
            changes.responses[key] = (time.perf_counter() - changes.sent[key]) * 1000
            r.raise_for_status()
            return
        gi = CASE_GIS[i % len(CASE_GIS)]
        children[gi] += 1
        event = CasusAssigned(
            casus_id=uuid.uuid4(), melding_id=uuid.uuid4(), gezin_id=uuid.uuid4(), gemeente="GM0599", gi=gi,
            doelgroep="grijs_gebied", maatregel="OTS", nieuwe_casus=True,
            kinderen=[Kind(kind_id=uuid.uuid4(), leeftijd=9)], toegewezen_op=SystemClock().now())
        ce = CloudEvent.wrap(event, source="bench", time=SystemClock().now())
        key = (gi.value, children[gi], START_PROTECTORS)
        changes.kind[key] = "case"
        changes.sent[key] = time.perf_counter()
        await producer.send_and_wait(ce.topic, ce.value(), key=ce.key.encode(), headers=ce.headers(),
                                     partition=CASE_GIS.index(gi))

    await asyncio.gather(*await steady(args.rate, args.duration, change))
    await settle(lambda: not changes.missing("kafka") and not changes.missing("sse"), 10)
    for reader in readers:
        reader.cancel()
    await asyncio.gather(*readers, return_exceptions=True)
    await http.aclose()
    return changes


def report(args, rtt: list[float], changes: Changes, started: float) -> None:
    after = started + args.warmup
    raw50, raw99 = percentile(rtt, 50), percentile(rtt, 99)
    rows = [("raw broker round trip", rtt),
            ("staffing PUT -> its HTTP response", [ms for k, ms in changes.responses.items()
                                                   if changes.sent[k] >= after])]
    for kind, label in (("case", "case event"), ("staffing", "staffing PUT"), (None, "any change")):
        for path, target in (("kafka", "Kafka subscriber"), ("sse", "SSE client")):
            rows.append((f"{label} -> {target}", changes.latencies_ms(path, kind, after)))
    n_case = sum(1 for k in changes.kind.values() if k == "case")
    print(f"\ncapacity latency: {args.rate:g} changes/s for {args.duration:g} s "
          f"({n_case} case events, {len(changes.kind) - n_case} staffing reports; first {args.warmup:g} s "
          f"not counted), one capacity process, Tansu broker, PostgreSQL")
    print(f"{'path':<36}{'n':>6}{'p50 ms':>10}{'p99 ms':>10}{'p50 / raw':>11}{'p99 / raw':>11}")
    for label, values in rows:
        if not values:
            print(f"{label:<36}{0:>6}")
            continue
        p50, p99 = percentile(values, 50), percentile(values, 99)
        print(f"{label:<36}{len(values):>6}{p50:>10.1f}{p99:>10.1f}{p50 / raw50:>11.1f}{p99 / raw99:>11.1f}")
    for path in ("kafka", "sse"):
        if missing := changes.missing(path):
            print(f"missing at the {path} subscriber after 10 s: {missing}")


async def run(args, stack: Stack, bootstrap: str) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=False, linger_ms=0,
                                acks="all")
    await producer.start()
    try:
        log.info("baseline: raw broker round trip for %g s at %g/s", args.baseline, args.rate)
        rtt = await baseline(bootstrap, producer, args.rate, args.baseline)
        log.info("load: %g changes/s for %g s", args.rate, args.duration)
        started = time.perf_counter()
        changes = await load(args, stack, bootstrap, producer)
    finally:
        await producer.stop()
    report(args, rtt, changes, started)


async def drop_database(server_url: str, name: str) -> None:
    import sqlalchemy as sa
    from sqlalchemy.ext.asyncio import create_async_engine

    from runtime.settings import to_async_url

    engine = create_async_engine(to_async_url(server_url), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=20, help="changes per second (default 20)")
    parser.add_argument("--duration", type=float, default=30, help="seconds of load (default 30)")
    parser.add_argument("--baseline", type=float, default=10,
                        help="seconds of raw round trips (default 10)")
    parser.add_argument("--warmup", type=float, default=2,
                        help="first seconds of load not counted (default 2)")
    parser.add_argument("--staffing-share", type=float, default=0.25,
                        help="share of the changes that are staffing reports (default 0.25)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for noisy in ("embedded_postgres", "httpx", "aiokafka"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    data = ROOT / ".data" / "bench"
    data.mkdir(parents=True, exist_ok=True)
    server_url = os.environ.get("DATABASE_URL") or embedded_postgres(data / "postgres")
    broker = None if os.environ.get("KAFKA_BOOTSTRAP_SERVERS") else Broker(free_port())
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or broker.bootstrap
    prefix = f"bench{uuid.uuid4().hex[:8]}"
    stack = Stack(server_url, bootstrap, ports={"capacity": free_port()}, database_prefix=prefix,
                  env={"CAPACITY_KAFKA_GROUP_ID": f"{prefix}-capacity"},
                  log_dir=data / "logs" / prefix, issuer=ensure_dev_issuer(data / "identity"))
    try:
        log.info("starting the capacity service (logs in %s)", data / "logs" / prefix)
        stack.start_all()
        asyncio.run(run(args, stack, bootstrap))
    finally:
        stack.stop_all()
        if broker:
            broker.stop()
        database = make_url(database_url_for(server_url, "capacity", prefix)).database
        asyncio.run(drop_database(server_url, database))


if __name__ == "__main__":
    main()
