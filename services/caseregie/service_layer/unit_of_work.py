from runtime.uow import UnitOfWork
from services.caseregie.adapters.repository import CasusRepository, WebhookRepository


class CaseregieUnitOfWork(UnitOfWork):
    casussen: CasusRepository
    webhooks: WebhookRepository

    def bind(self, session) -> None:
        self.casussen = CasusRepository(session)
        self.webhooks = WebhookRepository(session)
