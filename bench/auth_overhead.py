"""What the token check and the processing log cost: `GET /v1/casussen/{id}` as deployed (bearer
token checked, the read logged in the processing log and committed before the body returns)
against the same route with the processing log taken out, and with the token check taken out, in
one run, on the same database.

`make bench-auth` (or `python -m bench.auth_overhead --requests 2000`) starts an embedded
PostgreSQL and a Tansu broker (DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS: external servers), runs three
caseregie instances in this process — one as deployed, one whose unit of work logs nothing, one
whose identity dependencies are overridden — seeds one case, and sends the requests in alternating
blocks to each. It prints p50 and p99 of each and the ratios. Not a test: figures only.
"""

import argparse
import asyncio
import logging
import math
import os
import secrets
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

import httpx
import sqlalchemy as sa
import uvicorn
from fastapi import Request

from contracts.events import Kind, MaatregelImposed
from deploy.identity import ensure_dev_issuer
from deploy.stack import ROOT, Broker, database_url_for, embedded_postgres, free_port
from runtime import db
from runtime.access import authenticated, authorized
from runtime.clock import SystemClock
from runtime.http import unit_of_work
from runtime.identity import GI_ROL, Principal
from runtime.service import build_app
from services.caseregie.bootstrap import SPEC
from services.caseregie.service_layer import handlers

log = logging.getLogger("bench")
GI = "WSS"
DEPLOYED, NO_LOG, NO_TOKEN = "as deployed", "without the log", "without token check"
PSEUDONYM_KEY = secrets.token_urlsafe(48)  # the three instances share one database, so one key


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def _settings(server_url: str, bootstrap: str, prefix: str, port: int, issuer):
    env = issuer.service_env()
    return SPEC.settings_class.for_service(
        "caseregie", port, database_url=database_url_for(server_url, "caseregie", prefix),
        kafka_bootstrap_servers=bootstrap, kafka_group_id=f"{prefix}-caseregie-{port}",
        auth_issuer=env["AUTH_ISSUER"], auth_audience=env["AUTH_AUDIENCE"],
        auth_jwks_file=env["AUTH_JWKS_FILE"], drang_check_interval_s=3600, pseudonym_key=PSEUDONYM_KEY)


class UnloggedUnitOfWork(SPEC.uow_class):
    """caseregie's unit of work with the processing log taken out (the variant NO_LOG only)."""

    def log_processing(self, **_record) -> None:
        return None


def _unlogged(request: Request) -> UnloggedUnitOfWork:
    runtime = request.app.state.runtime
    return UnloggedUnitOfWork(runtime.sessions, SPEC.name, on_commit=runtime.relay.wake,
                              settings=runtime.settings, clock=runtime.clock)


def _apps(server_url: str, bootstrap: str, prefix: str, ports: dict[str, int], issuer) -> dict:
    """The three instances: as deployed, without the processing log, without the token check."""
    apps = {name: build_app(SPEC, _settings(server_url, bootstrap, prefix, port, issuer))
            for name, port in ports.items()}
    apps[NO_LOG].dependency_overrides[unit_of_work] = _unlogged
    principal = Principal(sub="bench", rol=GI_ROL, organisatie=GI)
    apps[NO_TOKEN].dependency_overrides[authorized] = lambda: principal
    apps[NO_TOKEN].dependency_overrides[authenticated] = lambda: principal
    return apps


_SERVING: set[asyncio.Task] = set()


async def _serve(app, port: int) -> uvicorn.Server:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    _SERVING.add(asyncio.create_task(server.serve()))
    deadline = time.monotonic() + 60
    while not server.started and time.monotonic() < deadline:  # noqa: ASYNC110 (uvicorn has no event)
        await asyncio.sleep(0.05)
    return server


async def _seed_case(app) -> uuid.UUID:
    """One WSS case, through the service layer, as a measure would open it."""
    event = MaatregelImposed(
        maatregel_id=uuid.uuid4(), melding_id=uuid.uuid4(), advies_id=uuid.uuid4(), gezin_id=uuid.uuid4(),
        gemeente="GM0599", doelgroep="lvb", maatregel="OTS", route="rechtbank", raadsonderzoek=True,
        startdatum=date(2026, 11, 1), gi=GI, kinderen=[Kind(kind_id=uuid.uuid4(), leeftijd=7)],
        opgelegd_op=SystemClock().now())
    await handlers.on_maatregel_imposed(event, app.state.runtime.uow())
    async with app.state.runtime.sessions() as session:
        return await session.scalar(sa.text("SELECT id FROM casussen LIMIT 1"))


async def _time(client: httpx.AsyncClient, url: str, headers: dict, n: int, into: list[float]) -> None:
    for _ in range(n):
        started = time.perf_counter()
        response = await client.get(url, headers=headers)
        into.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: {response.status_code} {response.text[:200]}")


async def measure(server_url: str, bootstrap: str, requests: int, block: int) -> dict[str, list[float]]:
    prefix = f"bench{uuid.uuid4().hex[:6]}"
    issuer = ensure_dev_issuer(Path(tempfile.mkdtemp(prefix="bench-auth-")))
    ports = {name: free_port() for name in (DEPLOYED, NO_LOG, NO_TOKEN)}
    apps = _apps(server_url, bootstrap, prefix, ports, issuer)
    servers = [await _serve(app, ports[name]) for name, app in apps.items()]
    try:
        casus_id = await _seed_case(apps[DEPLOYED])
        token = {"Authorization": f"Bearer {issuer.mint(rol=GI_ROL, organisatie=GI, geldig_s=3600)}"}
        headers = {DEPLOYED: token, NO_LOG: token, NO_TOKEN: {}}
        urls = {name: f"http://127.0.0.1:{port}/v1/casussen/{casus_id}" for name, port in ports.items()}
        times: dict[str, list[float]] = {name: [] for name in ports}
        async with httpx.AsyncClient(timeout=10) as client:
            for name in ports:  # warm up each
                await _time(client, urls[name], headers[name], 50, [])
            for _ in range(max(1, requests // block)):
                for name in ports:
                    await _time(client, urls[name], headers[name], block, times[name])
        return times
    finally:
        for server in servers:
            server.should_exit = True
        await asyncio.sleep(0.5)
        await db.drop_databases(server_url, prefix)


def _ratio(times: dict[str, list[float]], base: str) -> str:
    deployed, other = times[DEPLOYED], times[base]
    return (f"p50 {percentile(deployed, 50) / percentile(other, 50):.2f}, "
            f"p99 {percentile(deployed, 99) / percentile(other, 99):.2f}")


def report(times: dict[str, list[float]]) -> None:
    print(f"\nGET /v1/casussen/{{id}}, {len(times[DEPLOYED])} requests each, one client, sequential")
    print(f"{'':20s} {'p50 ms':>8s} {'p99 ms':>8s}")
    for name, values in times.items():
        print(f"{name:20s} {1000 * percentile(values, 50):8.2f} {1000 * percentile(values, 99):8.2f}")
    print(f"ratio with/without the processing log: {_ratio(times, NO_LOG)}")
    print(f"ratio with/without the token check:    {_ratio(times, NO_TOKEN)}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000, help="requests per variant")
    parser.add_argument("--block", type=int, default=100, help="requests per alternating block")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    server_url = os.environ.get("DATABASE_URL") or embedded_postgres(ROOT / ".data" / "bench" / "postgres")
    broker = None if os.environ.get("KAFKA_BOOTSTRAP_SERVERS") else Broker(free_port())
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or broker.bootstrap
    try:
        report(asyncio.run(measure(server_url, bootstrap, args.requests, args.block)))
    finally:
        if broker:
            broker.stop()


if __name__ == "__main__":
    main()
