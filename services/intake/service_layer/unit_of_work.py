from runtime.uow import UnitOfWork
from services.intake.adapters import wire
from services.intake.adapters.repository import GezinRepository, MeldingenInBatch, MeldingRepository


class IntakeUnitOfWork(UnitOfWork):
    to_contract = wire.to_contract  # domain events go out in the wire contract (adapters/wire.py)
    meldingen: MeldingRepository
    gezinnen: GezinRepository

    def bind(self, session) -> None:
        # In a consumer's batch handled straight through, the reports its events locked are kept.
        self.meldingen = MeldingRepository(session, self.batch_buffer("meldingen", MeldingenInBatch))
        self.gezinnen = GezinRepository(session)
