from runtime.uow import UnitOfWork
from services.intake.adapters.repository import GezinRepository, MeldingRepository


class IntakeUnitOfWork(UnitOfWork):
    meldingen: MeldingRepository
    gezinnen: GezinRepository

    def bind(self, session) -> None:
        self.meldingen = MeldingRepository(session)
        self.gezinnen = GezinRepository(session)
