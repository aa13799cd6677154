from runtime.uow import UnitOfWork
from services.triage.adapters import wire
from services.triage.adapters.repository import (
    ConsultatieRepository,
    RegelsetRepository,
    SimulatieRepository,
    TriageRepository,
)
from services.triage.settings import TriageSettings


class TriageUnitOfWork(UnitOfWork):
    to_contract = wire.to_contract  # domain events go out in the wire contract (adapters/wire.py)
    triage: TriageRepository
    consultaties: ConsultatieRepository
    regelsets: RegelsetRepository
    simulatie: SimulatieRepository

    def bind(self, session) -> None:
        self.triage = TriageRepository(session)
        self.consultaties = ConsultatieRepository(session)
        self.regelsets = RegelsetRepository(session)
        self.simulatie = SimulatieRepository(session)

    @property
    def auto_confirm(self) -> bool:
        """Demo mode (TriageSettings.auto_confirm): proposals are confirmed and a measure recorded
        at once. Off unless the service's settings say so: in production the RvdK decides."""
        return isinstance(self.settings, TriageSettings) and self.settings.auto_confirm
