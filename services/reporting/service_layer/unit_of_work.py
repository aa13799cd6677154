from sqlalchemy.ext.asyncio import AsyncEngine

from runtime.uow import UnitOfWork
from services.reporting.adapters.repository import (
    CijferRepository,
    DuidingRepository,
    HerberekeningRepository,
    HistorieRepository,
)


class ReportingUnitOfWork(UnitOfWork):
    historie: HistorieRepository
    cijfers: CijferRepository
    herberekeningen: HerberekeningRepository
    duidingen: DuidingRepository

    def bind(self, session) -> None:
        self.historie = HistorieRepository(session)
        self.cijfers = CijferRepository(session)
        self.herberekeningen = HerberekeningRepository(session)
        self.duidingen = DuidingRepository(session)

    @property
    def event_id(self) -> str | None:
        """The CloudEvents id of the event being consumed, if any (kept for tracing)."""
        return self._incoming.id if self._incoming is not None else None

    @property
    def engine(self) -> AsyncEngine:
        """For the rebuild, which streams the whole history outside one unit of work."""
        return self._sessions.kw["bind"]

    @property
    def database(self) -> str:
        """Which database this unit of work opens (its URL, password hidden): the key of what the
        process caches per database."""
        return str(self.engine.url)
