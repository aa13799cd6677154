"""Two stacks of their own, each with its own broker and databases, each played through the same
generated year (jaar.py), one after the other: stack A with the active ruleset (2026.2), stack B with
the candidate made active first. Every process of a stack runs on the stack's clock file
(CLOCK_FILE, which wins over the suite's CLOCK_START every test process passes on), starting at 12:00
on the day before the year; the play moves it step by step (driver.py) and finally to the suite's
pinned moment, after the year. Both stay up for the package's tests.

The stacks run as the simulation's model assumes: the RvdK follows every proposal (AUTO_CONFIRM),
and escalations come only from the conditions capacity evaluates on every change of the figures
(CAPACITY_ESCALATIE_* as jaar.DREMPELS: the longest wait never counts), not from the plan's raise
of a level nobody acknowledged in time, a periodic job that would run at wall-clock moments the
play does not steer (switched off: CAPACITY_OPHOGEN_INTERVAL_S).
"""
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
import pytest

from deploy.stack import ROOT, SERVICES, Stack, replica_ports
from runtime.clock import Clock
from runtime.db import drop_databases
from tests import identity
from tests.clock import SteeredClock
from tests.e2e_simulatie.driver import Speler, Stilte, Tokens
from tests.e2e_simulatie.jaar import DREMPELS, Jaar, jaar, kandidaat
from tests.e2e_simulatie.model import Verloop
from tests.infra import kafka_broker, unique_prefix

# Longer than any play: periodic jobs that follow the wall clock run at start only.
NOOIT_S = "1000000"


@dataclass
class SteeredStack(Stack):
    """A stack whose launcher's own calls (tokens) are on the stack's clock file too."""

    steered: SteeredClock | None = None

    def clock(self) -> Clock:
        return self.steered


@dataclass
class Gespeeld:
    """A stack after its play of the year."""

    naam: str
    jaar: Jaar
    stack: SteeredStack
    http: dict[str, httpx.AsyncClient]
    clock: SteeredClock
    tokens: Tokens
    stilte: Stilte
    bootstrap: str
    database_prefix: str
    verloop: Verloop
    speelduur_s: float


def stack_env(clock: SteeredClock, folder, database_prefix: str) -> dict[str, str]:
    env = {
        **clock.env,
        "AUTO_CONFIRM": "true",
        **{f"CAPACITY_ESCALATIE_{name.upper()}": str(value) for name, value in DREMPELS.items()},
        "CAPACITY_OPHOGEN_INTERVAL_S": NOOIT_S,
        "CAPACITY_WEEKCIJFER_INTERVAL_S": NOOIT_S,
        "CAPACITY_WACHTDAGEN_INTERVAL_S": NOOIT_S,
        "CAPACITY_MAIL_MAP": str(folder / "mail"),
        # Every hop of a step as fast as capacity's (Tansu holds a fetch for much of its wait):
        # the plays take a third less time.
        "KAFKA_FETCH_MAX_WAIT_MS": "10",
    }
    for name in SERVICES:
        env[f"{name.upper()}_KAFKA_GROUP_ID"] = f"{database_prefix}-{name}"
    return env


@asynccontextmanager
async def gespeelde_stack(naam: str, database_server_url: str, folder, regelset: dict | None
                          ) -> AsyncIterator[Gespeeld]:
    het_jaar = jaar()
    prefix = unique_prefix()
    clock = SteeredClock(folder / f"{naam}.clock", het_jaar.start)
    try:
        with kafka_broker() as bootstrap:
            stack = SteeredStack(database_server_url, bootstrap, ports=replica_ports(1),
                                 database_prefix=prefix, env=stack_env(clock, folder / naam, prefix),
                                 issuer=identity.ISSUER,
                                 log_dir=ROOT / "test-artifacts" / "e2e-simulatie-logs" / f"{naam}-{prefix}",
                                 steered=clock)
            http = {name: httpx.AsyncClient(base_url=stack.url(name), timeout=30) for name in SERVICES}
            try:
                stack.start_all()
                tokens = Tokens(clock)
                groups = {name: f"{prefix}-{name}" for name in SERVICES}
                async with Stilte(stack, bootstrap, groups, tokens, http) as stilte:
                    begin = time.monotonic()
                    verloop = await Speler(het_jaar, stack, http, clock, stilte).speel(regelset)
                    yield Gespeeld(naam, het_jaar, stack, http, clock, tokens, stilte, bootstrap, prefix,
                                   verloop, time.monotonic() - begin)
            finally:
                for client in http.values():
                    await client.aclose()
                stack.stop_all()
    finally:
        await drop_databases(database_server_url, prefix)


@pytest.fixture(scope="package")
async def stack_a(database_server_url, tmp_path_factory):
    """The year played with the active ruleset."""
    async with gespeelde_stack("a", database_server_url, tmp_path_factory.mktemp("simulatie-a"), None) as a:
        yield a


@pytest.fixture(scope="package")
async def stack_b(stack_a, database_server_url, tmp_path_factory):
    """The same year played with the candidate active from the start (after A: one play at a time)."""
    async with gespeelde_stack("b", database_server_url, tmp_path_factory.mktemp("simulatie-b"),
                               kandidaat()) as b:
        yield b
