"""The whole chain from outside: reports at stepped rates until each one's `casus.assigned`.

`make bench-chain` (or `python -m bench.chain --rates 5,20,50,100 --duration 20`) starts what
`make up` starts (embedded PostgreSQL, a Tansu broker, the five services with the `make up`
defaults, auto-confirm on) on free ports, and prints:

1. the raw parts in this run: one broker round trip (produce -> consume) and PostgreSQL
   entity+outbox transactions per second (one row and one outbox row per transaction);
2. the idle CPU of the stack at rest, per process;
3. per rate: reports posted and assigned per second, p50/p99 POST and report -> assigned, errors,
   reports lost, CPU and resident memory per process, and the ratios to the raw parts;
4. recovery: with `--history` reports in the databases, every service and the broker stopped,
   then started again as `make up` does (a fresh, empty broker; each service sends its outbox
   again by itself): the time until the stack is up, until a new report is assigned and until
   every backlog is drained.

Figures, not a test. DATABASE_URL uses an external PostgreSQL server instead of the embedded one.
"""
import argparse
import asyncio
import itertools
import json
import logging
import math
import os
import random
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from sqlalchemy.engine import make_url

from bench.capacity_latency import baseline, drop_database, kafka_subscriber, percentile
from contracts.events import CasusAssigned
from contracts.topics import CASUSSEN
from deploy.demo import synthetic_melding
from deploy.identity import DevIssuer, ensure_dev_issuer
from deploy.stack import (
    ROOT,
    SERVICES,
    Broker,
    Stack,
    embedded_postgres,
    free_port,
    replica_ports,
    service_of,
)
from runtime.clock import local_date
from runtime.identity import BEHEER, GI_ROL, LOKAAL_TEAM

log = logging.getLogger("bench")
# Enough fixed protectors that no report waits for a free place: the bench measures the chain.
BENCH_CAPACITY = {"JBRR": (4000, 15), "WSS": (4000, 15), "LJR": (4000, 15)}
SUBJECTS = 200  # distinct local-team workers (the rate limit counts per token subject)
TICK = 1 / os.sysconf("SC_CLK_TCK")
CLIENT = "bench client"
PAGE = os.sysconf("SC_PAGE_SIZE")


# -- processes ---------------------------------------------------------------------------------

def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2:].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _cpu_rss(pid: int) -> tuple[float, int]:
    """CPU seconds used so far and resident bytes of one process (0, 0 once it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2:].split()
        rss = int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
    except (OSError, IndexError):
        return 0.0, 0
    return (int(fields[11]) + int(fields[12])) * TICK, rss


@dataclass
class Processes:
    """The stack's processes by name; PostgreSQL counted as its postmaster and all its backends, a
    service with its worker processes (reporting's KPI worker, once started)."""

    stack: Stack
    broker: Broker
    postmaster: int | None

    def pids(self) -> dict[str, list[int]]:
        named = {name: [p.pid, *_children(p.pid)] for name, p in self.stack.processes.items()}
        named["broker"] = [self.broker.process.pid]
        if self.postmaster:
            named["postgres"] = [self.postmaster, *_children(self.postmaster)]
        named[CLIENT] = [os.getpid()]  # this process: the reporters and the Kafka subscriber
        return named

    def sample(self) -> dict[str, tuple[float, int]]:
        out = {}
        for name, pids in self.pids().items():
            figures = [_cpu_rss(pid) for pid in pids]
            out[name] = (sum(c for c, _ in figures), sum(r for _, r in figures))
        return out


def usage(before: dict, after: dict, seconds: float) -> dict[str, tuple[float, float]]:
    """Per process: CPU in % of one core over the interval, resident MB at its end."""
    return {name: ((after[name][0] - before.get(name, (0, 0))[0]) / seconds * 100, after[name][1] / 2**20)
            for name in after}


def print_usage(title: str, figures: dict[str, tuple[float, float]]) -> None:
    """The stack's processes, and the bench client's own share of the same cores after them."""
    services = [n for n in figures if service_of(n) in SERVICES]
    total_cpu = sum(figures[n][0] for n in figures if n != CLIENT)
    print(f"  {title}: " + ", ".join(f"{n} {c:.1f}% {r:.0f} MB" for n, (c, r) in figures.items()))
    print(f"  {'':{len(title)}}  all but the bench client: {total_cpu:.1f}% of one core; services' memory "
          f"together {sum(figures[n][1] for n in services):.0f} MB")


# -- raw parts ---------------------------------------------------------------------------------

async def raw_postgres(server_url: str, seconds: float, concurrency: int) -> float:
    """Entity + outbox transactions per second on this server, `concurrency` connections."""
    admin = await asyncpg.connect(server_url)
    name = f"bench_raw_{uuid.uuid4().hex[:8]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    try:
        pool = await asyncpg.create_pool(url, min_size=concurrency, max_size=concurrency)
        await pool.execute("CREATE TABLE entity (id uuid PRIMARY KEY, data jsonb NOT NULL);"
                           "CREATE TABLE outbox (id bigserial PRIMARY KEY, event_id uuid UNIQUE, topic text,"
                           " data jsonb, published_at timestamptz)")
        done = 0
        deadline = time.perf_counter() + seconds

        async def worker():
            nonlocal done
            async with pool.acquire() as conn:
                while time.perf_counter() < deadline:
                    async with conn.transaction():
                        await conn.execute("INSERT INTO entity VALUES ($1, $2)", uuid.uuid4(), '{"a": 1}')
                        await conn.execute("INSERT INTO outbox (event_id, topic, data) VALUES ($1, 't', $2)",
                                           uuid.uuid4(), '{"a": 1}')
                    done += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
        await pool.close()
        return done / elapsed
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


# -- the chain from outside --------------------------------------------------------------------

@dataclass
class Assignments:
    """When each report's `casus.assigned` reached a Kafka subscriber of caseregie.casussen."""

    at: dict[str, float] = field(default_factory=dict)

    def on_record(self, record) -> None:
        headers = dict(record.headers or ())
        if headers.get("ce_type", b"").decode() == CasusAssigned.type:
            self.at.setdefault(json.loads(record.value)["melding_id"], time.perf_counter())


def subscribe(bootstrap: str, assignments: Assignments, ready: asyncio.Event):
    """A Kafka subscriber of caseregie.casussen from its end (the topic exists once caseregie runs)."""
    return kafka_subscriber(bootstrap, CASUSSEN.name, assignments.on_record, ready)


class Reporters:
    """Local-team workers posting synthetic reports, each with a token of its own."""

    def __init__(self, stack: Stack, issuer: DevIssuer, seed: int):
        self.rng = random.Random(seed)
        self.clock = stack.clock()
        # Every intake instance in turn (one without replicas), as a load balancer would.
        self.clients = itertools.cycle([
            httpx.AsyncClient(base_url=stack.url(instance), timeout=30,
                              limits=httpx.Limits(max_connections=200, max_keepalive_connections=200))
            for instance in stack.instances("intake")])
        self.instances = len(stack.instances("intake"))
        self.issuer = issuer
        self.tokens: dict[tuple[str, int], str] = {}

    async def aclose(self) -> None:
        for client in {id(c): c for c in itertools.islice(self.clients, self.instances)}.values():
            await client.aclose()

    def token(self, gemeente: str) -> str:
        worker = (gemeente, self.rng.randrange(SUBJECTS // 13 + 1))
        if worker not in self.tokens:
            self.tokens[worker] = self.issuer.mint(
                rol=LOKAAL_TEAM, organisatie=f"Wijkteam {gemeente}", gemeente=gemeente,
                sub=f"bench-{gemeente}-{worker[1]}", geldig_s=4 * 3600, clock=self.clock)
        return self.tokens[worker]

    async def post(self) -> tuple[str | None, float, str | None]:
        """(report id, POST seconds, error)."""
        report = synthetic_melding(self.rng, local_date(self.clock.now()))
        headers = {"Authorization": f"Bearer {self.token(report['gemeente'])}"}
        started = time.perf_counter()
        try:
            r = await next(self.clients).post("/v1/meldingen", json=report, headers=headers)
        except httpx.HTTPError as exc:
            return None, time.perf_counter() - started, type(exc).__name__
        elapsed = time.perf_counter() - started
        if r.status_code != 201:
            return None, elapsed, f"HTTP {r.status_code}"
        return r.json()["id"], elapsed, None


@dataclass
class Step:
    rate: float
    duration: float
    sent: dict[str, float] = field(default_factory=dict)
    post_s: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    elapsed: float = 0.0


async def drive(reporters: Reporters, rate: float, duration: float, step: Step) -> None:
    """Open loop: report i is posted at start + i / rate, whatever happened to the others."""
    async def one() -> None:
        posted_at = time.perf_counter()
        melding_id, seconds, error = await reporters.post()
        step.post_s.append(seconds)
        if error:
            step.errors[error] = step.errors.get(error, 0) + 1
        else:
            step.sent[melding_id] = posted_at

    tasks, start = [], time.perf_counter()
    for i in range(int(rate * duration)):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one()))
    await asyncio.gather(*tasks)
    step.elapsed = time.perf_counter() - start


async def settle(done, seconds: float) -> None:
    """Until done() or `seconds` passed, looking every 50 ms."""
    for _ in range(int(seconds / 0.05)):
        if done():
            return
        await asyncio.sleep(0.05)


def print_step(step: Step, assignments: Assignments, figures: dict, raw_rtt: float, raw_tx: float) -> None:
    latencies = [(assignments.at[m] - t) * 1000 for m, t in step.sent.items() if m in assignments.at]
    lost = len(step.sent) - len(latencies)
    last = max((assignments.at[m] for m in step.sent if m in assignments.at), default=0)
    first = min(step.sent.values(), default=0)
    throughput = len(latencies) / (last - first) if latencies and last > first else 0.0
    p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
    posts = [s * 1000 for s in step.post_s]
    print(f"\nrate {step.rate:g} reports/s for {step.duration:g} s: posted {len(step.sent)} "
          f"({len(step.sent) / step.elapsed:.1f}/s), assigned {len(latencies)} ({throughput:.1f}/s), "
          f"errors {sum(step.errors.values())} {step.errors or ''}, not assigned {lost}")
    print(f"  POST /v1/meldingen        p50 {percentile(posts, 50):8.1f} ms  "
          f"p99 {percentile(posts, 99):8.1f} ms")
    print(f"  report -> casus.assigned  p50 {p50:8.1f} ms  p99 {p99:8.1f} ms  "
          f"({p50 / raw_rtt:.0f}x / {p99 / raw_rtt:.0f}x the raw broker round trip)")
    print(f"  throughput {throughput:.1f} reports/s = {throughput / raw_tx * 100:.1f}% of the raw "
          f"PostgreSQL entity+outbox transactions/s")
    print_usage("CPU, RSS", figures)
    if step.sent:
        per_report = {n: cpu / 100 * step.elapsed / len(step.sent) * 1000 for n, (cpu, _) in figures.items()}
        client = per_report.pop(CLIENT, 0.0)
        print("  CPU per report: " + ", ".join(f"{n} {ms:.1f} ms" for n, ms in per_report.items())
              + f"; all {sum(per_report.values()):.1f} ms (the bench client besides: {client:.1f} ms)")


async def rates(args, stack: Stack, issuer: DevIssuer, processes: Processes, raw_rtt: float,
                raw_tx: float) -> None:
    assignments, ready = Assignments(), asyncio.Event()
    reader = asyncio.create_task(subscribe(stack.kafka_bootstrap_servers, assignments, ready))
    await asyncio.wait_for(ready.wait(), 30)
    reporters = Reporters(stack, issuer, args.seed)
    try:
        for rate in args.rates:
            step = Step(rate, args.duration)
            before, started = processes.sample(), time.perf_counter()
            await drive(reporters, rate, args.duration, step)
            figures = usage(before, processes.sample(), time.perf_counter() - started)
            await settle(lambda step=step: all(m in assignments.at for m in step.sent), args.settle)
            print_step(step, assignments, figures, raw_rtt, raw_tx)
    finally:
        reader.cancel()
        await reporters.aclose()


# -- history and recovery ----------------------------------------------------------------------

async def history(stack: Stack, issuer: DevIssuer, reports: int, seed: int, concurrency: int = 40) -> float:
    """Post `reports` reports as fast as the chain takes them; seconds it took."""
    reporters = Reporters(stack, issuer, seed)
    left = reports
    started = time.perf_counter()

    async def worker():
        nonlocal left
        while left > 0:
            left -= 1
            _, _, error = await reporters.post()
            if error:
                left += 1
                await asyncio.sleep(0.5)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    await reporters.aclose()
    return time.perf_counter() - started


def drained(stack: Stack) -> bool:
    """Every outbox sent and every consumer at the end of its partitions."""
    headers = stack.auth(BEHEER, "jbketen-beheer")
    for service in stack.processes:
        try:
            report = httpx.get(f"{stack.url(service)}/v1/health", headers=headers, timeout=5).json()
        except httpx.HTTPError:
            return False
        consumer = report.get("consumer") or {}
        if report.get("outbox_backlog") or (consumer and consumer.get("lag") != 0):
            return False
    return True


def healed(stack: Stack) -> int:
    """Services that healed after a new broker (runtime/broker_watch.py) since they started."""
    headers = stack.auth(BEHEER, "jbketen-beheer")
    return sum(httpx.get(f"{stack.url(service)}/v1/health", headers=headers, timeout=5)
               .json()["broker"]["healed"] > 0 for service in stack.processes)


def until_drained(stack: Stack, started: float, limit_s: float = 900) -> float:
    """Seconds from `started` (perf_counter) until everything is drained, or the limit passed."""
    while not drained(stack) and time.perf_counter() - started < limit_s:
        time.sleep(0.5)
    return time.perf_counter() - started


def seed(stack: Stack, capacity: dict[str, tuple[int, int]]) -> None:
    for gi, (protectors, norm) in capacity.items():
        httpx.put(f"{stack.url('capacity')}/v1/gis/{gi}/capaciteit",
                  json={"jeugdbeschermers": protectors, "caseload_norm": norm},
                  headers=stack.auth(GI_ROL, gi), timeout=10).raise_for_status()


async def one_assigned(stack: Stack, issuer: DevIssuer, seed_: int, within_s: float) -> float:
    """Seconds from posting one new report until its casus.assigned is on Kafka."""
    assignments, ready = Assignments(), asyncio.Event()
    reader = asyncio.create_task(subscribe(stack.kafka_bootstrap_servers, assignments, ready))
    await asyncio.wait_for(ready.wait(), 60)
    reporters = Reporters(stack, issuer, seed_)
    try:
        started = time.perf_counter()
        melding_id, _, error = await reporters.post()
        if error:
            raise RuntimeError(f"the new report was refused: {error}")
        await settle(lambda: melding_id in assignments.at, within_s)
        return assignments.at.get(melding_id, math.inf) - started
    finally:
        reader.cancel()
        await reporters.aclose()


def recovery(args, stack: Stack, issuer: DevIssuer, broker: Broker, processes: Processes) -> Broker:
    """With history in the databases: stop all, start as `make up` does; print the times."""
    print(f"\nrecovery with {args.history} reports of history:")
    took = asyncio.run(history(stack, issuer, args.history, args.seed + 1))
    print(f"  history posted in {took:.0f} s ({args.history / took:.0f} reports/s, assignment not awaited)")
    until_drained(stack, time.perf_counter(), 600)
    stack.stop_all()
    broker.stop()
    started = time.perf_counter()
    broker = Broker(broker.port)  # a fresh, empty broker on the same address, as `make up` starts
    processes.broker = broker
    stack.start_all()  # each service heals by itself: its outbox again, read from the beginning
    seed(stack, BENCH_CAPACITY)
    up = time.perf_counter() - started
    print(f"  up (services healthy, {healed(stack)} of {len(stack.processes)} healed by themselves) "
          f"after {up:.1f} s")
    assigned = asyncio.run(one_assigned(stack, issuer, args.seed + 2, 600))
    print(f"  a new report posted then was assigned {assigned:.1f} s later "
          f"({up + assigned:.1f} s after the start)")
    print(f"  every backlog drained {until_drained(stack, started):.1f} s after the start")
    return broker


async def topic_back(bootstrap: str, topic: str, within_s: float = 120) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        deadline = time.perf_counter() + within_s
        while topic not in await admin.list_topics():
            if time.perf_counter() > deadline:
                raise TimeoutError(f"{topic} not created again within {within_s} s")
            await asyncio.sleep(0.1)
    finally:
        await admin.close()


def broker_lost(args, stack: Stack, issuer: DevIssuer, broker: Broker, processes: Processes) -> Broker:
    """With the history in place and the services running: the broker killed (SIGKILL) and an empty
    one started on its address; nobody restarts anything (runtime/broker_watch.py heals)."""
    print(f"\nbroker lost with {args.history} reports of history (the services keep running):")
    started = time.perf_counter()
    broker = processes.broker = broker.lose()
    asyncio.run(topic_back(broker.bootstrap, CASUSSEN.name))  # the bench's own reader needs it
    back = time.perf_counter() - started
    assigned = asyncio.run(one_assigned(stack, issuer, args.seed + 3, 600))
    print(f"  topics created again by the services after {back:.1f} s; a report posted then was "
          f"assigned {assigned:.1f} s later ({back + assigned:.1f} s after the broker was lost)")
    print(f"  every backlog drained {until_drained(stack, started):.1f} s after the broker was lost")
    return broker


# -- main --------------------------------------------------------------------------------------

def postmaster_pid(data_dir: Path) -> int | None:
    try:
        return int((data_dir / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rates", type=lambda s: [float(r) for r in s.split(",")], default=[5, 20, 50, 100],
                        help="reports per second, one step each (default 5,20,50,100)")
    parser.add_argument("--duration", type=float, default=20, help="seconds per step (default 20)")
    parser.add_argument("--settle", type=float, default=30, help="seconds to wait for the last assignments")
    parser.add_argument("--idle", type=float, default=15, help="seconds of idle CPU measurement")
    parser.add_argument("--history", type=int, default=10000,
                        help="reports of history for recovery (0: skip)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--replicas", type=int, default=1,
                        help="instances of every service (2: the scaling figures; default 1)")
    return parser.parse_args()


def bench_stack(data: Path, server_url: str, broker: Broker, prefix: str, issuer: DevIssuer,
                replicas: int = 1) -> Stack:
    """What `make up` sets, on free ports and databases of this run's own; `replicas` instances of
    every service on one database per service."""
    env = {"AUTO_CONFIRM": "true", "PSEUDONYM_KEY": uuid.uuid4().hex * 2}
    env |= {f"{name.upper()}_KAFKA_GROUP_ID": f"{prefix}-{name}" for name in SERVICES}
    return Stack(server_url, broker.bootstrap, ports=replica_ports(replicas),
                 database_prefix=prefix, env=env, log_dir=data / "logs" / prefix, issuer=issuer)


def raw_and_idle(args, stack: Stack, broker: Broker, server_url: str, processes: Processes) -> tuple:
    rtt = asyncio.run(baseline_rtt(broker.bootstrap))
    tx = asyncio.run(raw_postgres(server_url, 5, 8))
    print(f"\nraw parts: broker round trip p50 {percentile(rtt, 50):.1f} ms, "
          f"p99 {percentile(rtt, 99):.1f} ms; PostgreSQL {tx:.0f} entity+outbox transactions/s "
          "(8 connections)")
    time.sleep(3)
    before = processes.sample()
    time.sleep(args.idle)
    print("\nidle (nothing posted):")
    print_usage("CPU, RSS", usage(before, processes.sample(), args.idle))
    return percentile(rtt, 50), tx


def main() -> None:
    args = arguments()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for noisy in ("embedded_postgres", "httpx", "aiokafka"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    data = ROOT / ".data" / "bench-chain"
    server_url = os.environ.get("DATABASE_URL") or embedded_postgres(data / "postgres")
    broker = Broker(free_port())
    prefix = f"bench{uuid.uuid4().hex[:8]}"
    issuer = ensure_dev_issuer(data / "identity")
    stack = bench_stack(data, server_url, broker, prefix, issuer, args.replicas)
    postmaster = None if os.environ.get("DATABASE_URL") else postmaster_pid(data / "postgres")
    processes = Processes(stack, broker, postmaster)
    print(f"bench-chain on {os.cpu_count()} cores ({os.uname().machine}), {args.replicas} instance(s) of "
          f"every service, logs in {stack.log_dir}")
    try:
        stack.start_all()
        seed(stack, BENCH_CAPACITY)
        rtt, tx = raw_and_idle(args, stack, broker, server_url, processes)
        asyncio.run(rates(args, stack, issuer, processes, rtt, tx))
        if args.history:
            broker = recovery(args, stack, issuer, broker, processes)
            broker = broker_lost(args, stack, issuer, broker, processes)
    finally:
        stack.stop_all()
        broker.stop()
        for service in SERVICES:
            asyncio.run(drop_database(server_url, f"{prefix}_{service}"))


async def baseline_rtt(bootstrap: str) -> list[float]:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=False, linger_ms=0,
                                acks="all")
    await producer.start()
    try:
        return await baseline(bootstrap, producer, 50, 5)
    finally:
        await producer.stop()


if __name__ == "__main__":
    main()
