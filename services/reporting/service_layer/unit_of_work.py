from runtime.uow import UnitOfWork
from services.reporting.adapters.repository import FeitenRepository


class ReportingUnitOfWork(UnitOfWork):
    feiten: FeitenRepository

    def bind(self, session) -> None:
        self.feiten = FeitenRepository(session)
