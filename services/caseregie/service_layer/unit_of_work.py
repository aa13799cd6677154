from runtime.uow import UnitOfWork
from services.caseregie.adapters import wire
from services.caseregie.adapters.repository import CasusRepository, WebhookRepository


class CaseregieUnitOfWork(UnitOfWork):
    casussen: CasusRepository
    webhooks: WebhookRepository

    def publish(self, *events: object) -> None:
        """Domain events go out in the wire contract (adapters/wire.py)."""
        super().publish(*(wire.to_contract(e) for e in events))

    def bind(self, session) -> None:
        self.casussen = CasusRepository(session)
        self.webhooks = WebhookRepository(session)
