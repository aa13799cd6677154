from runtime.uow import UnitOfWork
from services.capacity.adapters.repository import CapaciteitRepository


class CapacityUnitOfWork(UnitOfWork):
    capaciteit: CapaciteitRepository

    def bind(self, session) -> None:
        self.capaciteit = CapaciteitRepository(session)
