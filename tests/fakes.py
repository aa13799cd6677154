"""What every service's fake unit of work shares: the real unit of work's own bookkeeping
(publish, log_processing, when_committed) over no database. A service's fake subclasses it with
its real unit of work, so it cannot drift from it: `class FakeIntakeUnitOfWork(InMemoryTransaction,
IntakeUnitOfWork)`, whose `bind` opens in-memory repositories that subclass the real ones. A
service whose real unit of work does more at `commit` or `__aenter__` (capacity wakes its live
streams) puts its own class first, so those run and reach this one through `super()`."""
from typing import Any

from fastapi import FastAPI

from runtime.http import message_bus, unit_of_work
from runtime.messagebus import MessageBus
from runtime.service import ServiceSpec, build_app, service_bus
from runtime.settings import ServiceSettings
from runtime.uow import UnitOfWork


class InMemoryTransaction(UnitOfWork):
    """Commit keeps what was published and logged (in `published` and `verwerkingen`); leaving
    without a commit keeps nothing. The repositories `bind` opens keep their own rows."""

    def __init__(self, source: str, settings: ServiceSettings, clock):
        super().__init__(None, source, settings=settings, clock=clock)
        self.published: list = []
        self.transactions: list[list] = []  # what each commit published
        self.verwerkingen: list = []
        self.commits = 0
        self.bind(None)

    async def __aenter__(self):
        self._pending, self._verwerkingen, self._after_commit = [], [], []
        return self

    async def __aexit__(self, *exc) -> None:
        self._pending, self._verwerkingen = [], []

    async def commit(self) -> None:
        self.published += self._pending
        self.transactions.append(list(self._pending))
        self.verwerkingen += self._verwerkingen
        self._pending, self._verwerkingen = [], []
        self.commits += 1
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            callback()

    async def rollback(self) -> None:
        self._pending, self._verwerkingen = [], []


def bootstrap_test_bus(spec: ServiceSpec, uow: UnitOfWork, settings: ServiceSettings, clock,
                       **dependencies: Any) -> MessageBus:
    """The service's bus as its composition root makes it, over a fake unit of work."""
    return service_bus(spec, lambda: uow, settings, clock, **dependencies)  # one fake for every message


def bootstrap_test_app(spec: ServiceSpec, uow: UnitOfWork, **dependencies: Any) -> FastAPI:
    """The service's app with its bus (and the routes that take a unit of work) over a fake unit of
    work; no `with`: the lifespan (database, broker) never runs."""
    app = build_app(spec)
    settings = app.state.runtime.settings
    bus = bootstrap_test_bus(spec, uow, uow.settings or settings, uow.clock, **dependencies)
    app.dependency_overrides[message_bus] = lambda: bus
    app.dependency_overrides[unit_of_work] = lambda: uow
    return app
