from runtime.uow import UnitOfWork
from services.capacity.adapters import wire
from services.capacity.adapters.repository import (
    BevestigingRepository,
    CapaciteitRepository,
    EscalatieRepository,
    FigurenInBatch,
    KennisgevingRepository,
    KinderenRepository,
    LogRepository,
)
from services.capacity.domain.escalatie import Drempels
from services.capacity.service_layer.wijzigingen import WIJZIGINGEN


class CapacityUnitOfWork(UnitOfWork):
    to_contract = wire.to_contract  # domain events go out in the wire contract (adapters/wire.py)
    capaciteit: CapaciteitRepository
    kinderen: KinderenRepository
    log: LogRepository
    escalaties: EscalatieRepository
    kennisgevingen: KennisgevingRepository
    bevestigingen: BevestigingRepository

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        settings = kwargs.get("settings")
        # The region's thresholds from CapacitySettings; the defaults outside a Runtime.
        self.drempels: Drempels = settings.drempels() if hasattr(settings, "drempels") else Drempels()
        self.zichtbaar_gewijzigd = False

    def bind(self, session) -> None:
        # In a consumer's batch handled straight through, the figures it locked are kept.
        self.capaciteit = CapaciteitRepository(session, self.batch_buffer("figuren", FigurenInBatch))
        self.kinderen = KinderenRepository(session)
        self.log = LogRepository(session)
        self.escalaties = EscalatieRepository(session)
        self.kennisgevingen = KennisgevingRepository(session)
        self.bevestigingen = BevestigingRepository(session)

    @property
    def incoming_event_id(self) -> str | None:
        return self._incoming.id if self._incoming is not None else None

    async def __aenter__(self):
        self.zichtbaar_gewijzigd = False
        return await super().__aenter__()

    async def commit(self) -> None:
        if self.zichtbaar_gewijzigd:
            self.zichtbaar_gewijzigd = False
            self.when_committed(WIJZIGINGEN.wek)  # live streams in this process read it at once
        await super().commit()
