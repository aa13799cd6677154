from runtime.uow import UnitOfWork
from services.intake.adapters.repository import MeldingRepository


class IntakeUnitOfWork(UnitOfWork):
    meldingen: MeldingRepository

    def bind(self, session) -> None:
        self.meldingen = MeldingRepository(session)
