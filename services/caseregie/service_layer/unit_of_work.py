from runtime.uow import UnitOfWork
from services.caseregie.adapters import wire
from services.caseregie.adapters.repository import CasusRepository, WebhookRepository


class CaseregieUnitOfWork(UnitOfWork):
    to_contract = wire.to_contract  # domain events go out in the wire contract (adapters/wire.py)
    casussen: CasusRepository
    webhooks: WebhookRepository

    def bind(self, session) -> None:
        self.casussen = CasusRepository(session)
        self.webhooks = WebhookRepository(session)
