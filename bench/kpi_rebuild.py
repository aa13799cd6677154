"""Benchmark of the KPI projection (figures, not a test): `make bench-kpis`.

1. Generates a history of N reports (default 1,000,000) with their follow-up events and writes
   it straight into the reporting database's event history (COPY in batches; not measured).
2. Times the full rebuild of every KPI from that history (stream, project, shadow table, swap).
3. Starts the reporting service as a process on the same database and times `GET /v1/kpis`
   (all time, and one quarter; several requests, p50).
4. Times a plain SQL aggregate over the same raw events (reports per municipality x GI with the
   median lead time report -> advice) and checks it gives the same counts as the API.
5. Prints the ratios. Embedded PostgreSQL and the Tansu broker on free ports; nothing else needed.

    python -m bench.kpi_rebuild --reports 1000000
"""

import argparse
import asyncio
import json
import os
import shutil
import statistics
import sys
import time
import uuid
from datetime import date, datetime

import httpx

from bench.historie import genereer
from deploy.identity import ensure_dev_issuer
from deploy.stack import ROOT, Broker, Stack, database_url_for, embedded_postgres, free_port
from runtime import db
from runtime.clock import SystemClock
from runtime.identity import REGIO
from services.reporting.bootstrap import SPEC
from services.reporting.domain.minimalisatie import dossier_van, inhoud_sleutel, minimaliseer
from services.reporting.service_layer import herberekening
from services.reporting.service_layer.handlers import TIJDSTIP_VELDEN
from services.reporting.service_layer.unit_of_work import ReportingUnitOfWork

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


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reports", type=int, default=1_000_000, help="reports in the history (default 1e6)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--requests", type=int, default=15, help="GET /v1/kpis requests per variant")
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

        async def rebuild():
            engine = db.create_engine(url)
            sessions = db.session_factory(engine)
            try:
                record = await herberekening.aanvragen(
                    ReportingUnitOfWork(sessions, "reporting", clock=SystemClock()), vervangen=True
                )
                started = time.monotonic()
                result = await herberekening.voer_uit(
                    sessions, record["id"], vervangen=True, clock=SystemClock()
                )
                return result, time.monotonic() - started
            finally:
                await engine.dispose()

        result, rebuild_s = asyncio.run(rebuild())
        assert result["status"] in ("vervangen", "gelijk"), result
        print(
            f"rebuild: {rebuild_s:.1f} s for {result['events']:,} events in {result['dossiers']:,} dossiers "
            f"-> {result['cellen']:,} cells ({result['events'] / rebuild_s:,.0f} events/s)"
        )

        stack = Stack(server, broker.bootstrap, ports={"reporting": free_port()}, database_prefix=prefix,
                      env={"REPORTING_KAFKA_GROUP_ID": f"{prefix}-reporting"}, log_dir=data_dir,
                      issuer=ensure_dev_issuer(data_dir / "identity"))
        stack.start("reporting")
        stack.wait_healthy("reporting", timeout=90)
        base = stack.url("reporting")

        api: dict[str, list[float]] = {}
        bodies = {}
        with httpx.Client(base_url=base, timeout=120, headers=stack.auth(REGIO, "GRJR")) as client:
            for name, params in (("all time", {}), ("2026-Q3", {"periode": "2026-Q3"})):
                client.get("/v1/kpis", params=params).raise_for_status()  # warm-up
                api[name] = []
                for _ in range(args.requests):
                    started = time.monotonic()
                    response = client.get("/v1/kpis", params=params)
                    api[name].append(time.monotonic() - started)
                    response.raise_for_status()
                bodies[name] = response.json()

        sql_times, rows = asyncio.run(plain_sql(url, args.sql_runs))
        meldingen = next(k for k in bodies["all time"]["kpis"] if k["kpi"] == "meldingen_ontvangen")
        per_gi: dict[str, int] = {}
        for r in rows:
            per_gi[r["gi"]] = per_gi.get(r["gi"], 0) + r["meldingen"]
        agree = sum(per_gi.values()) == meldingen["waarde"] and per_gi == meldingen["per_gi"]

        sql_p50 = p50(sql_times)
        print()
        print(f"{'measurement':52} {'p50':>10} {'runs':>5}")
        print(f"{'full rebuild of all KPIs (every period level)':52} {rebuild_s:>9.2f}s {1:>5}")
        for name, times in api.items():
            print(
                f"{'GET /v1/kpis (' + name + ', all ' + str(len(bodies[name]['kpis'])) + ' KPIs)':52} "
                f"{p50(times) * 1000:>8.1f}ms {len(times):>5}"
            )
        label = "plain SQL aggregate (2 KPIs, all time, raw events)"
        print(f"{label:52} {sql_p50 * 1000:>8.1f}ms {len(sql_times):>5}")
        print()
        print("ratios")
        for name, times in api.items():
            ratio = sql_p50 / p50(times)
            speed = f"{ratio:.1f}x faster" if ratio >= 1 else f"{1 / ratio:.1f}x slower"
            print(f"  plain SQL aggregate / GET /v1/kpis ({name}): {ratio:8.1f}x "
                  f"(the API, with all KPIs, answers {speed} than the ad-hoc aggregate of 2)")
        print(
            f"  full rebuild / plain SQL aggregate:            {rebuild_s / sql_p50:8.1f}x "
            f"(a rebuild costs as much as {rebuild_s / sql_p50:.0f} ad-hoc aggregates of 2 KPIs)"
        )
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
