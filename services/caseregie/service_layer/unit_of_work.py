from runtime.uow import UnitOfWork
from services.caseregie.adapters.repository import CasusRepository


class CaseregieUnitOfWork(UnitOfWork):
    casussen: CasusRepository

    def bind(self, session) -> None:
        self.casussen = CasusRepository(session)
