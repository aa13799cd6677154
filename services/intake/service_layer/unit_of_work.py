from runtime.uow import UnitOfWork
from services.intake.adapters import wire
from services.intake.adapters.repository import GezinRepository, MeldingRepository


class IntakeUnitOfWork(UnitOfWork):
    meldingen: MeldingRepository
    gezinnen: GezinRepository

    def publish(self, *events: object) -> None:
        """Domain events go out in the wire contract (adapters/wire.py)."""
        super().publish(*(wire.to_contract(e) for e in events))

    def bind(self, session) -> None:
        self.meldingen = MeldingRepository(session)
        self.gezinnen = GezinRepository(session)
