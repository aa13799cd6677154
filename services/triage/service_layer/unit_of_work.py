from runtime.uow import UnitOfWork
from services.triage.adapters.repository import TriageRepository


class TriageUnitOfWork(UnitOfWork):
    triage: TriageRepository

    def bind(self, session) -> None:
        self.triage = TriageRepository(session)
