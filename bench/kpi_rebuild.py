"""Benchmark of the KPI projection (figures, not a test): `make bench-kpis`.

1. Generates a history of N reports (default 1,000,000) with their follow-up events and writes
   it straight into the reporting database's event history (COPY in batches; not measured).
2. Starts the reporting service as a process on that database and times the full rebuild of every
   KPI from that history through its API (stream, project, shadow table, swap): seconds, events/s
   and the service's peak memory (RSS) while it runs.
3. Times `GET /v1/kpis` over it: all time, one quarter, and one municipality x GI; the first
   request (computed: suppression over the whole table set) and then p50 and p99 of repeated
   requests (answered from the cache after checking the projection's version in the database),
   and requests while the projection changes every 0.1 s (each finds a new version; asked with
   `Cache-Control: max-stale` as the dashboard does: answered within the time budget from the
   last answer while the new one is computed).
4. Times a plain SQL aggregate over the same raw events (reports per municipality x GI with the
   median lead time report -> advice) and checks it gives the same counts as the API.
5. Prints the ratios. Embedded PostgreSQL and the Tansu broker on free ports; nothing else needed.

    python -m bench.kpi_rebuild --reports 1000000
"""

import argparse
import asyncio
import json
import math
import os
import shutil
import statistics
import sys
import threading
import time
import uuid
from datetime import date, datetime

import httpx

from bench.historie import genereer
from deploy.identity import ensure_dev_issuer
from deploy.stack import ROOT, Broker, Stack, database_url_for, embedded_postgres, free_port
from runtime import db
from runtime.identity import BEHEER, REGIO
from services.reporting.adapters.orm import VERHOOG_VERSIE
from services.reporting.bootstrap import SPEC
from services.reporting.domain.minimalisatie import dossier_van, inhoud_sleutel, minimaliseer
from services.reporting.service_layer.handlers import TIJDSTIP_VELDEN

KOLOMMEN = ["event_id", "sleutel", "event_type", "dossier", "casus_id", "tijdstip", "data"]

PLAIN_SQL = """
WITH m AS (SELECT data->>'melding_id' AS mid, data->>'gemeente' AS gemeente, tijdstip
           FROM event_historie WHERE event_type = 'nl.jbketen.melding.received.v1'),
     a AS (SELECT DISTINCT ON (data->>'melding_id') data->>'melding_id' AS mid, data->>'gi' AS gi, tijdstip
           FROM event_historie WHERE event_type = 'nl.jbketen.advies.issued.v1'
           ORDER BY data->>'melding_id', tijdstip DESC, data->>'advies_id' DESC),
     c AS (SELECT DISTINCT ON (data->>'melding_id') data->>'melding_id' AS mid, data->>'gi' AS gi
           FROM event_historie WHERE event_type = 'nl.jbketen.casus.assigned.v1'
           ORDER BY data->>'melding_id', tijdstip, data->>'casus_id')
SELECT m.gemeente, coalesce(c.gi, a.gi, 'onbekend') AS gi, count(*) AS meldingen,
       percentile_disc(0.5) WITHIN GROUP (ORDER BY (a.tijdstip AT TIME ZONE 'Europe/Amsterdam')::date
                                                 - (m.tijdstip AT TIME ZONE 'Europe/Amsterdam')::date)
           AS mediaan_melding_advies
FROM m LEFT JOIN a USING (mid) LEFT JOIN c USING (mid)
GROUP BY 1, 2
"""


def p50(values: list[float]) -> float:
    return statistics.median(values)


def p99(values: list[float]) -> float:
    """Nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)]


async def laad_historie(url: str, reports: int, seed: int, batch: int) -> tuple[int, float]:
    import asyncpg

    con = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    started = time.monotonic()
    total = 0
    rows = []
    try:
        # Indexes are built once after the load (as a restore would), not per row.
        await con.execute(
            "DROP INDEX IF EXISTS ix_event_historie_dossier; DROP INDEX IF EXISTS ix_event_historie_casus_id;"
            "ALTER TABLE event_historie DROP CONSTRAINT IF EXISTS event_historie_sleutel_key"
        )
        for event_type, data in genereer(reports, seed=seed, begin=date(2022, 1, 1), eind=date(2026, 9, 30)):
            kept = minimaliseer(event_type, data)
            moment = next((kept[f] for f in TIJDSTIP_VELDEN if kept.get(f)), None)
            rows.append(
                (
                    None,
                    inhoud_sleutel(event_type, kept),
                    event_type,
                    dossier_van(event_type, kept),
                    kept.get("casus_id"),
                    datetime.fromisoformat(moment) if moment else None,
                    json.dumps(kept),
                )
            )
            if len(rows) >= batch:
                await con.copy_records_to_table("event_historie", records=rows, columns=KOLOMMEN)
                total += len(rows)
                rows = []
                print(f"\r  {total:,} events written", end="", flush=True)
        if rows:
            await con.copy_records_to_table("event_historie", records=rows, columns=KOLOMMEN)
            total += len(rows)
        await con.execute(
            "CREATE INDEX ix_event_historie_dossier ON event_historie (dossier);"
            "CREATE INDEX ix_event_historie_casus_id ON event_historie (casus_id);"
            "ALTER TABLE event_historie ADD CONSTRAINT event_historie_sleutel_key UNIQUE (sleutel);"
            "ANALYZE event_historie"
        )
    finally:
        await con.close()
    print()
    return total, time.monotonic() - started


async def plain_sql(url: str, runs: int) -> tuple[list[float], list]:
    import asyncpg

    con = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    times, result = [], []
    try:
        for _ in range(runs):
            started = time.monotonic()
            result = await con.fetch(PLAIN_SQL)
            times.append(time.monotonic() - started)
    finally:
        await con.close()
    return times, result


VARIANTEN = (
    ("all time", {}),
    ("2026-Q3", {"periode": "2026-Q3"}),
    ("GM0599 x WSS, 2026", {"periode": "2026", "gemeente": "GM0599", "gi": "WSS"}),
)


class Geheugen:
    """Samples the resident memory (RSS) of a process and its children (the rebuild's worker
    processes) in a thread while it runs; `piek` in MB, all together."""

    def __init__(self, pid: int):
        self.pid, self.piek, self._stop = pid, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._meet, daemon=True)

    def _rss(self) -> float:
        import psutil

        try:
            proces = psutil.Process(self.pid)
            processen = [proces, *proces.children(recursive=True)]
        except psutil.NoSuchProcess:
            return 0.0
        totaal = 0
        for p in processen:
            try:
                totaal += p.memory_info().rss
            except psutil.NoSuchProcess:
                pass
        return totaal / 1024 / 1024

    def _meet(self) -> None:
        while not self._stop.is_set():
            self.piek = max(self.piek, self._rss())
            self._stop.wait(0.2)

    def __enter__(self) -> "Geheugen":
        self.voor = self._rss()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def herbouw(stack: Stack, base: str) -> tuple[dict, float, Geheugen]:
    """A full rebuild through the service's API, timed, with the service's memory sampled."""
    beheer = stack.auth(BEHEER, "GRJR")
    with httpx.Client(base_url=base, timeout=60, headers=beheer) as client, Geheugen(
        stack.processes["reporting"].pid
    ) as geheugen:
        started = time.monotonic()
        record = client.post("/v1/kpis/herberekeningen", json={"vervangen": True})
        record.raise_for_status()
        while (result := client.get(f"/v1/kpis/herberekeningen/{record.json()['id']}").json())[
            "status"
        ] == "bezig":
            time.sleep(0.2)
            if time.monotonic() - started > 250:  # the token lasts 300 s
                client.headers.update(stack.auth(BEHEER, "GRJR"))
        rebuild_s = time.monotonic() - started
    return result, rebuild_s, geheugen


def meet_api(stack: Stack, base: str, requests: int) -> tuple[dict, dict, dict]:
    """Per variant: the first request (computed), the repeated ones (timed), the last body."""
    eerste, api, bodies = {}, {}, {}
    with httpx.Client(base_url=base, timeout=120, headers=stack.auth(REGIO, "GRJR")) as client:
        for name, params in VARIANTEN:
            started = time.monotonic()
            client.get("/v1/kpis", params=params).raise_for_status()
            eerste[name] = time.monotonic() - started
            api[name] = []
            for _ in range(requests):
                started = time.monotonic()
                response = client.get("/v1/kpis", params=params)
                api[name].append(time.monotonic() - started)
                response.raise_for_status()
            bodies[name] = response.json()
    return eerste, api, bodies


def meet_onder_wijziging(
    stack: Stack, base: str, url: str, requests: int, elke_s: float = 0.1
) -> list[float]:
    """`GET /v1/kpis` (all time) while the projection changes every `elke_s` (its version bumped,
    as every live event that changes a cell does): each request finds a new version. Asked as the
    dashboard asks (`Cache-Control: max-stale=30`: the last figures within the time budget)."""
    import asyncpg

    stop = threading.Event()

    async def wijzig():
        con = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            while not stop.is_set():
                await con.execute(VERHOOG_VERSIE)
                await asyncio.sleep(elke_s)
        finally:
            await con.close()

    wijziger = threading.Thread(target=lambda: asyncio.run(wijzig()), daemon=True)
    wijziger.start()
    times = []
    try:
        headers = {**stack.auth(REGIO, "GRJR"), "Cache-Control": "max-stale=30"}  # as the dashboard
        with httpx.Client(base_url=base, timeout=120, headers=headers) as client:
            for _ in range(requests):
                started = time.monotonic()
                client.get("/v1/kpis").raise_for_status()
                times.append(time.monotonic() - started)
                time.sleep(elke_s)
    finally:
        stop.set()
        wijziger.join()
    return times


def rapport(args, result, rebuild_s, geheugen, eerste, api, bodies, sql_times, onder_wijziging) -> None:
    events = result["events"]
    print(
        f"rebuild: {rebuild_s:.1f} s for {events:,} events in {result['dossiers']:,} dossiers "
        f"-> {result['cellen']:,} cells ({events / rebuild_s:,.0f} events/s); "
        f"reporting process RSS {geheugen.voor:.0f} MB before, peak {geheugen.piek:.0f} MB during "
        f"(with its rebuild worker processes)"
    )
    print()
    print(f"{'measurement':58} {'first':>9} {'p50':>9} {'p99':>9} {'runs':>5}")
    print(f"{'full rebuild of all KPIs (every period level)':58} {'':>9} {rebuild_s:>8.2f}s {'':>9} {1:>5}")
    for name, times in api.items():
        label = f"GET /v1/kpis ({name}, {len(bodies[name]['kpis'])} KPIs)"
        print(
            f"{label:58} {eerste[name] * 1000:>7.1f}ms {p50(times) * 1000:>7.1f}ms "
            f"{p99(times) * 1000:>7.1f}ms {len(times):>5}"
        )
    label = "GET /v1/kpis (all time) while it changes every 0.1 s"
    print(
        f"{label:58} {onder_wijziging[0] * 1000:>7.1f}ms {p50(onder_wijziging) * 1000:>7.1f}ms "
        f"{p99(onder_wijziging) * 1000:>7.1f}ms {len(onder_wijziging):>5}"
    )
    label = "plain SQL aggregate (2 KPIs, all time, raw events)"
    print(
        f"{label:58} {sql_times[0] * 1000:>7.1f}ms {p50(sql_times) * 1000:>7.1f}ms "
        f"{p99(sql_times) * 1000:>7.1f}ms {len(sql_times):>5}"
    )
    print()
    print("ratios")
    sql_p50 = p50(sql_times)
    for name, times in api.items():
        ratio = sql_p50 / p50(times)
        speed = f"{ratio:.1f}x faster" if ratio >= 1 else f"{1 / ratio:.1f}x slower"
        print(f"  plain SQL aggregate p50 / GET /v1/kpis p50 ({name}): {ratio:8.1f}x "
              f"(the API, with all KPIs, answers {speed} than the ad-hoc aggregate of 2)")
        print(f"  plain SQL aggregate p50 / GET /v1/kpis first ({name}): {sql_p50 / eerste[name]:8.1f}x")
    print(
        f"  full rebuild / plain SQL aggregate:            {rebuild_s / sql_p50:8.1f}x "
        f"(a rebuild costs as much as {rebuild_s / sql_p50:.0f} ad-hoc aggregates of 2 KPIs)"
    )
    goals = (
        f"rebuild {rebuild_s:.1f} s for {args.reports:,} reports, {rebuild_s / args.reports * 1e6:.1f} s per "
        f"million (goal < 180 s: a million reports in under 3 minutes; {events / rebuild_s:,.0f} events/s), "
        f"GET /v1/kpis p99 max {max(p99(t) for t in api.values()) * 1000:.1f} ms, "
        f"{p99(onder_wijziging) * 1000:.1f} ms while it changes (goal < 100 ms), "
        f"RSS peak {geheugen.piek:.0f} MB with the workers (goal: the service and its workers under 1 GB)"
    )
    print(f"  goals: {goals}")


def klopt(bodies: dict, rows: list) -> bool:
    meldingen = next(k for k in bodies["all time"]["kpis"] if k["kpi"] == "meldingen_ontvangen")
    per_gi: dict[str, int] = {}
    for r in rows:
        per_gi[r["gi"]] = per_gi.get(r["gi"], 0) + r["meldingen"]
    return sum(per_gi.values()) == meldingen["waarde"] and per_gi == meldingen["per_gi"]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reports", type=int, default=1_000_000, help="reports in the history (default 1e6)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--requests", type=int, default=200, help="GET /v1/kpis requests per variant")
    parser.add_argument("--sql-runs", type=int, default=5, help="runs of the plain SQL aggregate")
    parser.add_argument("--batch", type=int, default=50_000, help="rows per COPY")
    parser.add_argument("--keep", action="store_true", help="keep the database (.data/bench)")
    args = parser.parse_args()

    data_dir = ROOT / ".data" / "bench"
    server = os.environ.get("BENCH_DATABASE_URL") or embedded_postgres(data_dir / "postgres")
    prefix = f"bench{uuid.uuid4().hex[:6]}"
    url = database_url_for(server, "reporting", prefix)
    broker = Broker(free_port())
    stack = None
    print(
        f"KPI rebuild benchmark: {args.reports:,} reports, database {prefix}_reporting, {os.cpu_count()} CPUs"
    )
    try:
        db.migrate_sync(url, SPEC.migrations)
        events, gen_s = asyncio.run(laad_historie(url, args.reports, args.seed, args.batch))
        print(f"history: {events:,} events generated and written in {gen_s:.1f} s (not part of the figures)")

        stack = Stack(server, broker.bootstrap, ports={"reporting": free_port()}, database_prefix=prefix,
                      env={"REPORTING_KAFKA_GROUP_ID": f"{prefix}-reporting", "RATE_LIMIT_REQUESTS": "0"},
                      log_dir=data_dir, issuer=ensure_dev_issuer(data_dir / "identity"))
        stack.start("reporting")
        stack.wait_healthy("reporting", timeout=90)
        base = stack.url("reporting")

        result, rebuild_s, geheugen = herbouw(stack, base)
        assert result["status"] in ("vervangen", "gelijk"), result
        eerste, api, bodies = meet_api(stack, base, args.requests)
        onder_wijziging = meet_onder_wijziging(stack, base, url, args.requests)
        sql_times, rows = asyncio.run(plain_sql(url, args.sql_runs))
        rapport(args, result, rebuild_s, geheugen, eerste, api, bodies, sql_times, onder_wijziging)
        agree = klopt(bodies, rows)
        print(f"  counts of the plain SQL aggregate equal the API's: {'yes' if agree else 'NO'}")
        if not agree:
            sys.exit(1)
    finally:
        if stack is not None:
            stack.stop_all()
        broker.stop()
        if not args.keep:
            asyncio.run(db.drop_databases(server, prefix))
        shutil.rmtree(data_dir / "tmp", ignore_errors=True)


if __name__ == "__main__":
    main()
