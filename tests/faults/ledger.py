"""A ledger of every report the chain accepted (201), checked at the end against what every
service shows, after the model of the Jepsen Kafka checker (jepsen-io/jepsen,
jepsen/src/jepsen/tests/kafka.clj): each acknowledged write must be seen, once.

The reference is what a fault-free chain makes of the same reports (the e2e suite checks that
path): every report assigned to exactly one GI, one case per report's family, the GI's capacity
counting each child once, the region's figures counting each report once."""
import asyncio
import signal
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx

from contracts.vocabulary import GI
from deploy.stack import Broker, Stack
from tests import identity
from tests.fixtures import melding

ASSIGNED = {"assigned", "protector", "transferred", "closed"}


@dataclass
class Ledger:
    accepted: dict[str, dict] = field(default_factory=dict)  # melding id -> the report
    refused: Counter = field(default_factory=Counter)  # status (or error) -> how often
    errors: list[str] = field(default_factory=list)  # anything but 201 / 503 / a lost connection


@dataclass
class Chain:
    stack: Stack
    broker: Broker
    http: dict[str, httpx.AsyncClient]

    def kill_broker_and_start_an_empty_one(self) -> None:
        self.broker = self.broker.lose()

    def kill(self, service: str) -> None:
        process = self.stack.processes.pop(service)
        process.send_signal(signal.SIGKILL)
        process.wait()

    def start(self, service: str) -> None:
        self.stack.start(service)
        self.stack.wait_healthy(service)

    async def health(self, service: str) -> dict:
        r = await self.http[service].get("/v1/health", headers=identity.beheer())
        return r.json()


async def post(chain: Chain, ledger: Ledger, report: dict) -> None:
    try:
        r = await chain.http["intake"].post("/v1/meldingen", json=report,
                                            headers=identity.lokaal_team(report["gemeente"]))
    except httpx.TransportError as exc:  # not acknowledged: not in the ledger
        ledger.refused[type(exc).__name__] += 1
        return
    if r.status_code == 201:
        ledger.accepted[r.json()["id"]] = report
    elif r.status_code == 503:
        assert r.headers.get("retry-after"), "503 without Retry-After"
        ledger.refused[503] += 1
    else:
        ledger.refused[r.status_code] += 1
        ledger.errors.append(f"{r.status_code}: {r.text[:200]}")


async def drive(chain: Chain, ledger: Ledger, rate: float, seconds: float) -> None:
    """Reports at `rate` per second for `seconds`, each its own family, whatever the chain does."""
    pending = []
    start = time.monotonic()
    for n in range(int(rate * seconds)):
        await asyncio.sleep(max(0.0, start + n / rate - time.monotonic()))
        pending.append(asyncio.create_task(post(chain, ledger, melding())))
    await asyncio.gather(*pending)


async def drive_while(chain: Chain, ledger: Ledger, fault, rate: float = 8, before_s: float = 2,
                      after_s: float = 4) -> None:
    """Reports flowing before, during and after `fault` (a plain function, run in a thread so the
    reports keep coming while it blocks)."""
    driving = asyncio.create_task(drive(chain, ledger, rate, before_s + after_s))
    await asyncio.sleep(before_s)
    await asyncio.to_thread(fault)
    await driving


async def _status(chain: Chain, melding_id: str, report: dict) -> dict:
    r = await chain.http["intake"].get(f"/v1/meldingen/{melding_id}",
                                       headers=identity.lokaal_team(report["gemeente"]))
    return r.json() if r.status_code == 200 else {}


async def all_assigned(chain: Chain, ledger: Ledger, timeout: float = 90) -> dict[str, dict]:
    """Every accepted report as intake shows it, once each is assigned; fails naming the ones
    that never were."""
    deadline = time.monotonic() + timeout
    seen: dict[str, dict] = {}
    while True:
        waiting = [m for m in ledger.accepted if seen.get(m, {}).get("status") not in ASSIGNED]
        for melding_id, body in zip(waiting, await asyncio.gather(
                *(_status(chain, m, ledger.accepted[m]) for m in waiting)), strict=True):
            seen[melding_id] = body
        lost = [m for m in ledger.accepted if seen[m].get("status") not in ASSIGNED]
        if not lost:
            return seen
        if time.monotonic() > deadline:
            raise AssertionError(f"{len(lost)} of {len(ledger.accepted)} accepted reports never assigned "
                                 f"(lost), e.g. {lost[:3]}: {[seen[m].get('status') for m in lost[:3]]}")
        await asyncio.sleep(0.5)


async def _cases(chain: Chain, gi: str) -> list[dict]:
    items, page = [], 1
    while True:
        r = await chain.http["caseregie"].get("/v1/casussen", params={"pageSize": 200, "page": page},
                                              headers=identity.gi(gi))
        assert r.status_code == 200, r.text
        items += r.json()["items"]
        if len(items) >= r.json()["total"]:
            return items
        page += 1


async def _kpis(chain: Chain) -> dict[str, int]:
    r = await chain.http["reporting"].get("/v1/kpis", headers=identity.regio())
    assert r.status_code == 200, r.text
    return {k["kpi"]: k["waarde"] for k in r.json()["kpis"]}


async def check(chain: Chain, ledger: Ledger, timeout: float = 90) -> None:
    """0 lost, 0 applied twice, in every projection: intake's status, the GIs' cases, the live
    capacity and the region's figures."""
    assert ledger.accepted, f"no report was accepted: {ledger.refused}"
    assert not ledger.errors, ledger.errors[:5]
    statuses = await all_assigned(chain, ledger, timeout)
    expected = Counter(body["toegewezen_gi"] for body in statuses.values())
    cases = {gi: await _cases(chain, gi) for gi in GI}
    per_melding = Counter(c["melding_id"] for gi_cases in cases.values() for c in gi_cases)
    assert set(per_melding) == set(ledger.accepted), "cases for reports not in the ledger, or missing"
    assert max(per_melding.values()) == 1, f"reports with two cases: {per_melding.most_common(3)}"
    for gi in GI:
        assert len(cases[gi]) == expected[gi], (gi, len(cases[gi]), expected[gi])
        assert all(statuses[c["melding_id"]]["casus_id"] == c["id"] for c in cases[gi])
    await _capacity_counts(chain, expected, timeout)
    await _figures_count(chain, len(ledger.accepted), timeout)


async def _until(check_once, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while True:
        found, wanted = await check_once()
        if found == wanted:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: {found}, expected {wanted}")
        await asyncio.sleep(0.5)


async def _capacity_counts(chain: Chain, expected: Counter, timeout: float) -> None:
    async def once():
        r = await chain.http["capacity"].get("/v1/capaciteit", headers=identity.rvdk())
        return {g["gi"]: g["kinderen_in_zorg"] for g in r.json()["gis"]}, {gi: expected[gi] for gi in GI}
    await _until(once, timeout, "children in care per GI (capacity)")


async def _figures_count(chain: Chain, reports: int, timeout: float) -> None:
    async def once():
        figures = await _kpis(chain)
        return ((figures["meldingen_ontvangen"], figures["casussen_toegewezen"]), (reports, reports))
    await _until(once, timeout, "reports received and cases assigned (KPIs)")
