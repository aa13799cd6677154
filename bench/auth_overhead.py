"""What the token check costs: `GET /v1/casussen/{id}` with a bearer token against the same route
of the same service with the check taken out, in one run, on the same database.

`make bench-auth` (or `python -m bench.auth_overhead --requests 2000`) starts an embedded
PostgreSQL and a Tansu broker (DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS: external servers), runs two
caseregie instances in this process — one as deployed, one whose identity dependencies are
overridden — seeds one case, and sends the requests in alternating blocks to both. It prints p50
and p99 of each and their ratio. Not a test: figures only.
"""

import argparse
import asyncio
import logging
import math
import os
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

import httpx
import sqlalchemy as sa
import uvicorn

from contracts.events import Kind, MaatregelImposed
from deploy.identity import ensure_dev_issuer
from deploy.stack import ROOT, Broker, database_url_for, embedded_postgres, free_port
from runtime import db
from runtime.access import authenticated, authorized
from runtime.clock import SystemClock
from runtime.identity import GI_ROL, Principal
from runtime.service import build_app
from services.caseregie.bootstrap import SPEC
from services.caseregie.service_layer import handlers

log = logging.getLogger("bench")
GI = "WSS"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def _settings(server_url: str, bootstrap: str, prefix: str, port: int, issuer):
    env = issuer.service_env()
    return SPEC.settings_class.for_service(
        "caseregie", port, database_url=database_url_for(server_url, "caseregie", prefix),
        kafka_bootstrap_servers=bootstrap, kafka_group_id=f"{prefix}-caseregie-{port}",
        auth_issuer=env["AUTH_ISSUER"], auth_audience=env["AUTH_AUDIENCE"],
        auth_jwks_file=env["AUTH_JWKS_FILE"], drang_check_interval_s=3600)


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
    ports = free_port(), free_port()
    checked = build_app(SPEC, _settings(server_url, bootstrap, prefix, ports[0], issuer))
    unchecked = build_app(SPEC, _settings(server_url, bootstrap, prefix, ports[1], issuer))
    principal = Principal(sub="bench", rol=GI_ROL, organisatie=GI)
    unchecked.dependency_overrides[authorized] = lambda: principal
    unchecked.dependency_overrides[authenticated] = lambda: principal
    servers = [await _serve(checked, ports[0]), await _serve(unchecked, ports[1])]
    try:
        casus_id = await _seed_case(checked)
        headers = {"Authorization": f"Bearer {issuer.mint(rol=GI_ROL, organisatie=GI, geldig_s=3600)}"}
        times: dict[str, list[float]] = {"with token check": [], "without": []}
        async with httpx.AsyncClient(timeout=10) as client:
            urls = [f"http://127.0.0.1:{p}/v1/casussen/{casus_id}" for p in ports]
            await _time(client, urls[0], headers, 50, [])  # warm up both
            await _time(client, urls[1], {}, 50, [])
            for _ in range(max(1, requests // block)):
                await _time(client, urls[0], headers, block, times["with token check"])
                await _time(client, urls[1], {}, block, times["without"])
        return times
    finally:
        for server in servers:
            server.should_exit = True
        await asyncio.sleep(0.5)
        await db.drop_databases(server_url, prefix)


def report(times: dict[str, list[float]]) -> None:
    base = times["without"]
    print(f"\nGET /v1/casussen/{{id}}, {len(base)} requests each, one client, sequential")
    print(f"{'':18s} {'p50 ms':>8s} {'p99 ms':>8s}")
    for name, values in times.items():
        print(f"{name:18s} {1000 * percentile(values, 50):8.2f} {1000 * percentile(values, 99):8.2f}")
    checked = times["with token check"]
    print(f"ratio with/without: p50 {percentile(checked, 50) / percentile(base, 50):.2f}, "
          f"p99 {percentile(checked, 99) / percentile(base, 99):.2f}")


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
