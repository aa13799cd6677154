from runtime.uow import UnitOfWork
from services.intake.adapters import wire
from services.intake.adapters.repository import GezinRepository, MeldingRepository


class IntakeUnitOfWork(UnitOfWork):
    to_contract = wire.to_contract  # domain events go out in the wire contract (adapters/wire.py)
    meldingen: MeldingRepository
    gezinnen: GezinRepository

    def bind(self, session) -> None:
        self.meldingen = MeldingRepository(session)
        self.gezinnen = GezinRepository(session)
